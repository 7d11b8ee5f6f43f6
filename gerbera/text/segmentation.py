"""Raw text to sentences of word tokens, with character offsets, as NER corpora are tokenized.

Biomedical NER corpora (NCBI-disease, BC5CDR, BC2GM, ...) and CoNLL are tokenized at whitespace and at every
punctuation or symbol character, so a model trained on them expects ``IL-2`` as ``IL``, ``-``, ``2``. This module cuts
raw text (for example a PubTator title and abstract) the same way, keeping every token's character offsets so that
predicted entities can be mapped back onto the text.

Word tokens (:func:`tokenize_words`)
------------------------------------
Every character falls in one of four classes:

- **space**: ``str.isspace()`` (all Unicode whitespace: space, tab, CR, LF, no-break space, U+2028, U+3000, ...).
  Whitespace separates tokens and belongs to none.
- **punctuation**: Unicode categories ``P*`` and ``S*`` (hyphens, dashes, brackets, slashes, quotes, ``+ % = < > ° ±
  ©``, emoji, ...). Each is a token of its own, with two exceptions that keep numbers whole: a ``.`` between two
  decimal digits (``5.6``, ``1.2.3``) and a ``,`` between a digit and exactly three digits (``2,000``, ``1,234,567``
  but not ``1,2``) stay inside the word.
- **extender**: combining marks (``M*``), format characters (``Cf``: zero-width space U+200B, soft hyphen U+00AD,
  zero-width (non-)joiners, byte-order mark, ...), control characters that are not whitespace (``Cc``) and the emoji
  skin-tone modifiers U+1F3FB..U+1F3FF. An extender never starts a token of its own: it is attached to the token
  before it (or, at the start of a whitespace-delimited chunk, to the token after it; a chunk made only of extenders
  is one token). After a zero-width joiner U+200D the next character also stays in the same token, so emoji ZWJ
  sequences are one token.
- **word**: everything else: letters of any script (Latin, Greek ``α β κ``, CJK, ...), digits, other numbers (``²``),
  private-use and unassigned code points. Consecutive word characters (and their extenders) form one token: ``p53``,
  ``κB``, ``mRNA``, ``hyper\\u00adtension``.

So ``NF-κB`` is ``NF`` ``-`` ``κB``, ``(DM)`` is ``(`` ``DM`` ``)``, ``TNF-alpha`` is ``TNF`` ``-`` ``alpha`` and
``5.6`` stays one token.

Sentences (:func:`split_sentences`)
-----------------------------------
A sentence ends between two tokens separated by whitespace when

- the whitespace holds a blank line (two or more line breaks; CRLF counts as one line break; a paragraph separator
  U+2029 counts as a blank line), or
- the first token is ``.``, ``?``, ``!`` or ``…`` (possibly followed, without whitespace, by closing quotes or
  brackets), and the next token starts with an uppercase letter, a digit, an opening bracket or quote, or is a
  lowercase-initial word holding an uppercase letter or digit (``p53``, ``mRNA``, ``siRNA``, which often begin
  sentences in abstracts); and the ``.`` does not end an abbreviation: one of :data:`ABBREVIATIONS` (``e.g.``,
  ``i.e.``, ``et al.``, ``Fig.``, ``vs.``, ``approx.``, ...) or a single capital letter (initials such as ``J.``,
  genus abbreviations such as ``E. coli``, ``S. aureus``).

Decimal points never end a sentence since they are inside number tokens. The splitter errs on the side of not
splitting (``vitamin D. The`` stays one sentence): a missed boundary only makes a longer sentence, while a wrong one
can cut an entity in two.

Invariants (tested with property-based tests)
---------------------------------------------
For any string ``text``, ``tokens = tokenize_words(text)`` and ``sentences = segment(text)``:

1. ``text[t.start:t.end] == t.text`` for every token, and ``t.start < t.end``;
2. tokens are in order and do not overlap (``a.end <= b.start``);
3. no token contains a whitespace character (``str.isspace``);
4. nothing is lost: ``"".join(t.text for t in tokens)`` equals ``text`` with its whitespace characters removed, so
   every non-whitespace character belongs to exactly one token;
5. sentences are non-empty, in order, do not overlap, and each spans from its first token's start to its last token's
   end, so every token lies within its sentence;
6. the sentences' tokens, concatenated, are exactly ``tokenize_words(text)``;
7. ``tokenize_words(text[a:b], offset=a)`` equals the tokens of ``text`` within ``[a, b)`` whenever neither cut splits
   a whitespace-free chunk (``a`` is 0 or follows whitespace, ``b`` is ``len(text)`` or precedes whitespace); in
   particular for every sentence's span."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import NamedTuple

__all__ = ["ABBREVIATIONS", "Sentence", "Token", "segment", "sentences_in", "split_sentences", "tokenize_words"]


class Token(NamedTuple):
    """A word token: ``document[start:end] == text`` (offsets in characters, end exclusive). A named
    tuple: a document has hundreds of them, and a tuple is built in C."""

    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Sentence:
    """A sentence: the span from its first token's start to its last token's end, and its tokens."""

    start: int
    end: int
    tokens: tuple[Token, ...]

    @property
    def words(self) -> list[str]:
        """The token texts, e.g. as the word list of a column-format sentence."""
        return [token.text for token in self.tokens]


#: Lower-cased abbreviations (with their final period) after which a sentence never ends. Matched
#: against the whole whitespace-delimited chunk ending in the period, without opening brackets or
#: quotes, so ``(e.g.`` and ``al.`` (of ``et al.``) match.
ABBREVIATIONS: frozenset[str] = frozenset((  # noqa: SIM905 (one string a group reads best)
    "e.g. i.e. al. cf. ca. vs. viz. approx. resp. incl. esp. c.f. v. ibid. "  # Latin and general
    "fig. figs. tab. eq. eqs. ref. refs. no. nos. vol. p. pp. ch. sect. suppl. ed. eds. "  # references in running text
    "dr. drs. mr. mrs. ms. prof. st. jr. sr. inc. ltd. co. corp. dept. univ. "  # titles and names
    "proc. natl. acad. sci. biol. chem. med. clin. res. int. "  # journal-name parts (Proc. Natl. Acad. Sci. USA)
    "sp. spp. subsp. ssp. var. cv. str."  # taxonomy
).split())

_SPACE, _PUNCT, _EXTEND, _WORD = 0, 1, 2, 3
_ZWJ = "\u200d"
_TERMINALS = frozenset(".?!\u2026")  # … HORIZONTAL ELLIPSIS
_CLOSERS = frozenset(")]}\"'\u00bb\u2019\u201d\u203a")  # ) ] } " ' » ’ ” ›
_OPENERS = frozenset("([{\"'\u00ab\u2018\u201c\u2039")  # ( [ { " ' « ‘ “ ‹
_SENTENCE_OPENERS = frozenset("([{\"\u00ab\u201c")
# Line breaks as str.splitlines() knows them; CRLF is one.
_LINE_BREAK = re.compile("\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_CHUNK = re.compile(r"\S+")  # re's \s is exactly str.isspace()
_MAY_END = _TERMINALS | _CLOSERS  # a chunk ending in another character (not an extender) ends no sentence
_CLASS_CACHE: dict[str, int] = {}  # the class of each character met (at most 65,536 of them)


def _char_class(char: str) -> int:
    known = _CLASS_CACHE.get(char)
    if known is None and len(_CLASS_CACHE) < 65_536:
        known = _CLASS_CACHE[char] = _classify(char)
    return _classify(char) if known is None else known


def _classify(char: str) -> int:
    if char.isspace():
        return _SPACE
    category = unicodedata.category(char)
    if category[0] == "M" or category in ("Cf", "Cc") or "\U0001f3fb" <= char <= "\U0001f3ff":
        return _EXTEND
    if category[0] in "PS":
        return _PUNCT
    return _WORD


def _joins_number(chunk: str, i: int) -> bool:
    """Whether the ``.`` or ``,`` at ``chunk[i]`` is inside a number (5.6, 2,000)."""
    if i == 0 or i + 1 >= len(chunk) or not chunk[i - 1].isdecimal():
        return False
    if chunk[i] == ".":
        return chunk[i + 1].isdecimal()
    if chunk[i] == ",":
        group = chunk[i + 1 : i + 4]
        return len(group) == 3 and group.isdecimal() and not chunk[i + 4 : i + 5].isdecimal()
    return False


def _token(text: str, start: int, end: int, _new=tuple.__new__) -> Token:
    """``Token(text, start, end)`` without the named tuple's Python-level ``__new__`` (a third of the cost of tokenizing)."""
    return _new(Token, (text, start, end))


#: _split_chunk's rules on an ASCII chunk without control characters (no extenders): words (5.6, 2,000), other characters alone
_ASCII_TOKEN = re.compile(r"[A-Za-z0-9]+(?:(?:(?<=[0-9])\.(?=[0-9])|(?<=[0-9]),(?=[0-9]{3}(?![0-9])))[A-Za-z0-9]+)*|[^A-Za-z0-9]")


def _split_chunk(chunk: str, base: int, tokens: list[Token]) -> None:
    """Append the tokens of a whitespace-free ``chunk`` that starts at offset ``base``."""
    if chunk.isalnum():  # fast path: only letters and numbers, one word
        tokens.append(_token(chunk, base, base + len(chunk)))
        return
    if chunk.isascii() and chunk.isprintable():  # no extenders: the rules are one regular expression
        for piece in _ASCII_TOKEN.findall(chunk):
            end = base + len(piece)
            tokens.append(_token(piece, base, end))
            base = end
        return
    start = 0
    kind: int | None = None  # class of the current token; None while it holds only extenders
    joined = False  # the previous character was a zero-width joiner
    for i, char in enumerate(chunk):
        char_class = _char_class(char)
        if char_class == _EXTEND:
            joined = char == _ZWJ
            continue
        if joined or kind is None:
            joined = False
            kind = char_class
            continue
        if char_class == _WORD and kind == _WORD:
            continue
        if kind == _WORD and char in ".," and _joins_number(chunk, i):
            continue
        tokens.append(_token(chunk[start:i], base + start, base + i))
        start, kind = i, char_class
    tokens.append(_token(chunk[start:], base + start, base + len(chunk)))


def tokenize_words(text: str, offset: int = 0) -> list[Token]:
    """Split ``text`` into word tokens (see the module docstring for the rules).

    ``offset`` is added to every token's start and end: pass the position of ``text`` in its document (e.g. a
    passage's start) to get document offsets."""
    tokens: list[Token] = []
    for match in _CHUNK.finditer(text):
        _split_chunk(match.group(), offset + match.start(), tokens)
    return tokens


def _core(token_text: str) -> str:
    """The token text without its extenders (zero-width characters, combining marks, ...)."""
    return "".join(char for char in token_text if _char_class(char) != _EXTEND)


def _chunk_start(tokens: list[Token], j: int) -> int:
    """Index of the first token of the whitespace-free chunk holding token ``j``."""
    while j > 0 and tokens[j - 1].end == tokens[j].start:
        j -= 1
    return j


def _ends_abbreviation(text: str, tokens: list[Token], period: int) -> bool:
    """Whether the ``.`` token at index ``period`` ends an abbreviation or an initial."""
    first = _chunk_start(tokens, period)
    if first < period:
        before = _core(tokens[period - 1].text)
        if len(before) == 1 and before.isupper():  # initial (J. Smith) or genus (E. coli)
            return True
    chunk = _core(text[tokens[first].start : tokens[period].end]).lstrip("".join(_OPENERS))
    return chunk.lower() in ABBREVIATIONS


def _starts_sentence(token_text: str) -> bool:
    word = _core(token_text)
    if not word:
        return False
    first = word[0]
    if first.isupper() or first.isdigit() or first in _SENTENCE_OPENERS:
        return True
    # p53, mRNA, siRNA, cDNA: lower-case initial but clearly a (gene or molecule) name
    return first.isalpha() and any(char.isupper() or char.isdigit() for char in word)


def _is_boundary(text: str, tokens: list[Token], i: int) -> bool:
    """Whether a sentence ends between ``tokens[i]`` and ``tokens[i + 1]``."""
    gap = text[tokens[i].end : tokens[i + 1].start]
    if not gap:
        return False
    if "\u2029" in gap or len(_LINE_BREAK.findall(gap)) >= 2:
        return True
    j = i
    while j > 0 and tokens[j - 1].end == tokens[j].start and _core(tokens[j].text) in _CLOSERS:
        j -= 1
    terminal = _core(tokens[j].text)
    if terminal not in _TERMINALS:
        return False
    if terminal == "." and _ends_abbreviation(text, tokens, j):
        return False
    return _starts_sentence(tokens[i + 1].text)


def split_sentences(text: str) -> list[Sentence]:
    """Split ``text`` into sentences of word tokens (offsets into ``text``).

    Whitespace-only or empty text has no sentences. Sentence boundaries always fall in whitespace between tokens,
    so tokenizing a sentence's span on its own gives its tokens."""
    return sentences_in(text, 0, len(text))


def sentences_in(text: str, start: int, end: int) -> list[Sentence]:
    """``split_sentences(text[start:end])`` with offsets into ``text``, without copies. Sentences end
    only between whitespace-delimited chunks; a one-character gap (not U+2029) after a chunk whose
    last character is no terminal, closer or extender is settled at once, the rest by _is_boundary.
    """
    tokens: list[Token] = []
    chunk_ends: list[int] = []  # index of each chunk's last token
    for match in _CHUNK.finditer(text, start, end):
        chunk, base = match.group(), match.start()
        if chunk.isalnum():  # one word (as in _split_chunk)
            tokens.append(_token(chunk, base, base + len(chunk)))
        else:
            _split_chunk(chunk, base, tokens)
        chunk_ends.append(len(tokens) - 1)
    sentences: list[Sentence] = []
    first, may_end = 0, _MAY_END
    for i in chunk_ends[:-1]:
        left, right = tokens[i].end, tokens[i + 1].start
        last = text[left - 1]
        if right - left == 1 and text[left] != "\u2029" and last not in may_end and (
                last.isalnum() or _char_class(last) != _EXTEND):
            continue  # no blank line in the gap, and the chunk cannot end a sentence
        if _is_boundary(text, tokens, i):
            group = tuple(tokens[first : i + 1])
            sentences.append(Sentence(group[0].start, group[-1].end, group))
            first = i + 1
    if tokens:
        group = tuple(tokens[first:])
        sentences.append(Sentence(group[0].start, group[-1].end, group))
    return sentences


def segment(text: str) -> list[Sentence]:
    """Sentence splitting and word tokenization in one step: the sentences with their tokens.

    The same as :func:`split_sentences` (which already fills every sentence's tokens); the name reads better where
    the caller mainly wants the words."""
    return split_sentences(text)
