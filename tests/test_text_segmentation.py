"""Word tokenization and sentence splitting of raw biomedical text."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from gerbera.text.segmentation import Sentence, Token, segment, split_sentences, tokenize_words


def words(text: str) -> list[str]:
    return [token.text for token in tokenize_words(text)]


def sentence_texts(text: str) -> list[str]:
    return [text[s.start : s.end] for s in split_sentences(text)]


# ---------------------------------------------------------------------------------------------
# Word tokenization: examples


@pytest.mark.parametrize(
    "text, expected",
    [
        ("IL-2", ["IL", "-", "2"]),
        ("TNF-alpha", ["TNF", "-", "alpha"]),
        ("p53", ["p53"]),
        ("(DM)", ["(", "DM", ")"]),
        ("NF-κB", ["NF", "-", "κB"]),
        ("α-synuclein and β2-microglobulin", ["α", "-", "synuclein", "and", "β2", "-", "microglobulin"]),
        ("5.6", ["5.6"]),
        ("2,000", ["2,000"]),
        ("1,234,567.89", ["1,234,567.89"]),
        ("1,2-dichloroethane", ["1", ",", "2", "-", "dichloroethane"]),
        ("p<0.05.", ["p", "<", "0.05", "."]),
        ("in 2005.", ["in", "2005", "."]),
        ("10%", ["10", "%"]),
        ("Na+/K+-ATPase", ["Na", "+", "/", "K", "+", "-", "ATPase"]),
        ("[Ca2+]i", ["[", "Ca2", "+", "]", "i"]),
        ("x=1;y:2", ["x", "=", "1", ";", "y", ":", "2"]),
        ("Crohn's", ["Crohn", "'", "s"]),
        ('"quoted"', ['"', "quoted", '"']),
        ("“curly”", ["“", "curly", "”"]),
        ("a–b—c", ["a", "–", "b", "—", "c"]),
        ("37°C ±2", ["37", "°", "C", "±", "2"]),
        ("...", [".", ".", "."]),
        ("mRNA/cDNA", ["mRNA", "/", "cDNA"]),
        ("BRCA1_gene", ["BRCA1", "_", "gene"]),
        ("10µm", ["10µm"]),
        ("Ménière's", ["Ménière", "'", "s"]),
        ("Me\u0301nie\u0300re", ["Me\u0301nie\u0300re"]),  # combining accents stay in the word
        ("肝癌患者", ["肝癌患者"]),
        ("H₂O m²", ["H₂O", "m²"]),
    ],
)
def test_word_tokens(text: str, expected: list[str]) -> None:
    assert words(text) == expected


def test_offsets_point_into_the_text() -> None:
    text = "  IL-2 (p53)\tNF-κB "
    tokens = tokenize_words(text)
    assert tokens[0] == Token("IL", 2, 4)
    assert [(t.start, t.end) for t in tokens] == [(2, 4), (4, 5), (5, 6), (7, 8), (8, 11), (11, 12), (13, 15), (15, 16), (16, 18)]
    for token in tokens:
        assert text[token.start : token.end] == token.text


def test_offset_argument_shifts_tokens() -> None:
    document = "Title here. IL-2 levels"
    assert tokenize_words(document[12:], offset=12) == [t for t in tokenize_words(document) if t.start >= 12]
    assert tokenize_words("IL-2", offset=100) == [Token("IL", 100, 102), Token("-", 102, 103), Token("2", 103, 104)]


@pytest.mark.parametrize(
    "text",
    ["", " ", "\t\r\n", "\u00a0\u2003\u3000\u2028\u2029\x85\x1c\x0b\x0c"],
)
def test_whitespace_only_text_has_no_tokens(text: str) -> None:
    assert tokenize_words(text) == []
    assert split_sentences(text) == []


def test_unicode_whitespace_separates() -> None:
    # no-break space, em space, ideographic space, line and paragraph separators, NEL
    assert words("a\u00a0b\u2003c\u3000d\u2028e\u2029f\x85g") == list("abcdefg")


def test_soft_hyphen_stays_in_the_word() -> None:
    assert words("hyper\u00adtension") == ["hyper\u00adtension"]
    assert words("IL\u00ad-2") == ["IL\u00ad", "-", "2"]


def test_zero_width_space_is_kept() -> None:
    assert words("foo\u200bbar") == ["foo\u200bbar"]
    assert words("IL-\u200b2") == ["IL", "-\u200b", "2"]
    assert words("\u200bIL") == ["\u200bIL"]  # at a chunk start it goes with the next token
    assert words("a \u200b b") == ["a", "\u200b", "b"]  # alone, it is a token of its own
    assert words("\ufeffBOM") == ["\ufeffBOM"]


def test_control_characters_are_kept() -> None:
    assert words("a\x00b \x7f") == ["a\x00b", "\x7f"]


def test_emoji() -> None:
    assert words("great😀!") == ["great", "😀", "!"]
    assert words("👍🏽 ok") == ["👍🏽", "ok"]  # skin-tone modifier stays with its emoji
    assert words("👨\u200d👩\u200d👧") == ["👨\u200d👩\u200d👧"]  # ZWJ sequence is one token
    assert words("❤\ufe0f") == ["❤\ufe0f"]  # variation selector is a combining mark


def test_crlf_is_whitespace() -> None:
    assert words("IL-2\r\nlevels\r") == ["IL", "-", "2", "levels"]


# ---------------------------------------------------------------------------------------------
# Sentence splitting: examples


def test_simple_sentences() -> None:
    text = "BRCA1 is a gene. It is mutated in cancer! Is it? Yes."
    assert sentence_texts(text) == ["BRCA1 is a gene.", "It is mutated in cancer!", "Is it?", "Yes."]


@pytest.mark.parametrize(
    "text",
    [
        "Drugs, e.g. Aspirin, help.",
        "Drugs (e.g. Aspirin) help.",
        "Drugs, i.e. Aspirin and Ibuprofen, help.",
        "As shown by Smith et al. The results hold.",
        "As shown in Fig. 2 the results hold.",
        "As shown in Figs. 2 and 3 the results hold.",
        "Cases vs. Controls were compared.",
        "A dose of approx. 5 mg was given.",
        "Treated by Dr. Smith in the clinic.",
        "Patient no. 5 was excluded.",
        "Onset at ca. 50 years was typical.",
        "See the review (cf. Jones 2001) for more.",
        "Written by J. Smith and A. B. Jones yesterday.",
        "Infection with E. coli and S. aureus was seen.",
        "Strains of E. Coli were seen.",
        "The U.S. Army funded it.",
        "Published in Proc. Natl. Acad. Sci. USA last year.",
    ],
)
def test_no_split_after_abbreviations(text: str) -> None:
    assert sentence_texts(text) == [text]


def test_no_split_inside_decimals() -> None:
    assert sentence_texts("The value was 5.6 mg. Then it rose to 7.25 mg.") == [
        "The value was 5.6 mg.",
        "Then it rose to 7.25 mg.",
    ]


def test_split_needs_an_uppercase_digit_or_bracket_after() -> None:
    assert sentence_texts("It rose. and then fell.") == ["It rose. and then fell."]
    assert sentence_texts("It rose. 25 patients died.") == ["It rose.", "25 patients died."]
    assert sentence_texts("It rose. (This was expected.)") == ["It rose.", "(This was expected.)"]
    assert sentence_texts("It rose.The end.") == ["It rose.The end."]  # no whitespace after the period


def test_sentences_starting_with_gene_names() -> None:
    text = "Tumours were found. p53 was mutated. mRNA levels fell. siRNA helped."
    assert sentence_texts(text) == ["Tumours were found.", "p53 was mutated.", "mRNA levels fell.", "siRNA helped."]


def test_closing_quotes_and_brackets_after_the_terminal() -> None:
    text = 'He said "stop." Then he left. (It was late.) We stayed.'
    assert sentence_texts(text) == ['He said "stop."', "Then he left.", "(It was late.)", "We stayed."]


def test_blank_line_always_ends_a_sentence() -> None:
    assert sentence_texts("Title without period\n\nabstract starts here") == [
        "Title without period",
        "abstract starts here",
    ]
    assert sentence_texts("e.g.\n\nnext") == ["e.g.", "next"]
    assert sentence_texts("one \n \t \n two") == ["one", "two"]


def test_single_newline_does_not_end_a_sentence() -> None:
    assert sentence_texts("a line\nwrapped here") == ["a line\nwrapped here"]


def test_crlf_blank_lines() -> None:
    text = "First part\r\n\r\nSecond part.\r\nThird part."
    assert sentence_texts(text) == ["First part", "Second part.", "Third part."]
    assert sentence_texts("a\r\nb") == ["a\r\nb"]  # one CRLF is one line break, not a blank line


def test_paragraph_separator_ends_a_sentence() -> None:
    assert sentence_texts("a\u2029b") == ["a", "b"]


def test_segment_gives_sentences_with_tokens() -> None:
    text = "IL-2 rose. NF-κB fell."
    sentences = segment(text)
    assert sentences == split_sentences(text)
    assert sentences == [
        Sentence(0, 10, (Token("IL", 0, 2), Token("-", 2, 3), Token("2", 3, 4), Token("rose", 5, 9), Token(".", 9, 10))),
        Sentence(11, 22, (Token("NF", 11, 13), Token("-", 13, 14), Token("κB", 14, 16), Token("fell", 17, 21), Token(".", 21, 22))),
    ]
    assert sentences[1].words == ["NF", "-", "κB", "fell", "."]


def test_abstract() -> None:
    text = (
        "Mutations in the BRCA1 gene (approx. 5% of cases) cause hereditary breast cancer. "
        "We studied 2,000 women, i.e. 1.5 times more than Smith et al. In E. coli, TNF-alpha was absent.\n\n"
        "Conclusions: IL-2 matters."
    )
    assert sentence_texts(text) == [
        "Mutations in the BRCA1 gene (approx. 5% of cases) cause hereditary breast cancer.",
        "We studied 2,000 women, i.e. 1.5 times more than Smith et al. In E. coli, TNF-alpha was absent.",
        "Conclusions: IL-2 matters.",
    ]


# ---------------------------------------------------------------------------------------------
# Invariants: property-based tests

ALPHABET = st.one_of(
    st.sampled_from(list(" \t\n\r\x0b\x0c\x85\u00a0\u2003\u2028\u2029\u3000")),  # whitespace
    st.sampled_from(list(".,;:!?-–—()[]{}/\\'\"“”+%=<>°±_*&#@…")),  # punctuation and symbols
    st.sampled_from(list("αβγκΔΩµ")),  # Greek
    st.sampled_from(list("肝癌中文")),  # CJK
    st.sampled_from(["😀", "👍", "🏽", "❤", "\ufe0f", "👨", "🇩"]),  # emoji and modifiers
    st.sampled_from(["\u200b", "\u00ad", "\u200d", "\u200c", "\ufeff", "\x00", "\x7f", "\u0301", "\u0308"]),
    st.sampled_from(list("aeEILSpTNFDM0123456789²")),
    st.characters(exclude_categories=("Cs",)),  # anything else (no surrogates)
)

# Pieces that exercise the sentence rules: abbreviations, initials, decimals, blank lines, ...
PIECES = st.sampled_from(
    [
        "e.g.", "i.e.", "et al.", "Fig.", "vs.", "approx.", "E. coli", "S. aureus", "J.", "5.6",
        "2,000", "IL-2", "NF-κB", "p53", "mRNA", "The", "We", "(", ")", ".", "?", "!", '"', " ",
        "\n", "\n\n", "\r\n", "\r\n\r\n", "\u2029", "\u200b", "\u00ad", "😀",
    ]
)
TEXTS = st.one_of(
    st.text(ALPHABET, max_size=80),
    st.lists(st.one_of(PIECES, st.text(ALPHABET, max_size=3)), max_size=30).map("".join),
)


def check_tokens(text: str, tokens: list[Token]) -> None:
    previous_end = 0
    for token in tokens:
        assert token.start < token.end
        assert text[token.start : token.end] == token.text
        assert token.start >= previous_end  # in order, no overlap
        assert not any(char.isspace() for char in token.text)
        previous_end = token.end
    assert "".join(t.text for t in tokens) == "".join(char for char in text if not char.isspace())


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_token_invariants(text: str) -> None:
    check_tokens(text, tokenize_words(text))


@settings(max_examples=400, deadline=None)
@given(TEXTS)
def test_sentence_invariants(text: str) -> None:
    sentences = segment(text)
    tokens = tokenize_words(text)
    assert [t for s in sentences for t in s.tokens] == tokens
    previous_end = 0
    for sentence in sentences:
        assert sentence.tokens
        assert sentence.start == sentence.tokens[0].start and sentence.end == sentence.tokens[-1].end
        assert previous_end <= sentence.start < sentence.end
        assert all(sentence.start <= t.start and t.end <= sentence.end for t in sentence.tokens)
        # a sentence tokenized on its own gives the same tokens
        assert tuple(tokenize_words(text[sentence.start : sentence.end], offset=sentence.start)) == sentence.tokens
        previous_end = sentence.end
    check_tokens(text, [t for s in sentences for t in s.tokens])


@settings(max_examples=200, deadline=None)
@given(TEXTS, st.text(ALPHABET, max_size=10))
def test_offset_shifts_every_token(text: str, prefix: str) -> None:
    document = prefix + " " + text
    shifted = tokenize_words(text, offset=len(prefix) + 1)
    assert shifted == [t for t in tokenize_words(document) if t.start > len(prefix)]
    check_tokens(document[len(prefix) + 1 :], [Token(t.text, t.start - len(prefix) - 1, t.end - len(prefix) - 1) for t in shifted])
