"""Reading and writing PubTator files."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gerbera.documents.pubtator import (
    Annotation,
    Document,
    PubTatorFormatError,
    format_pubtator,
    parse_pubtator,
    read_pubtator,
    write_pubtator,
)
from gerbera.errors import GerberaError

SAMPLE = (
    "10021369|t|Identification of APC2, a homologue of the adenomatous polyposis coli tumour suppressor.\n"
    "10021369|a|The adenomatous polyposis coli (APC) tumour-suppressor protein controls the Wnt pathway.\n"
    "10021369\t43\t76\tadenomatous polyposis coli tumour\tSpecificDisease\tD011125\n"
    "10021369\t121\t124\tAPC\tModifier\tD011125\n"
    "\n"
    "227508|t|Naloxone reverses the antihypertensive effect of clonidine.\n"
    "227508|a|In unanesthetized, spontaneously hypertensive rats the decrease in blood pressure.\n"
    "227508\t0\t8\tNaloxone\tChemical\tD009270\n"
    "227508\t49\t58\tclonidine\tChemical\tD003000\n"
    "227508\t93\t105\thypertensive\tDisease\n"
    "227508\tCID\tD008750\tD007022\n"
    "\n"
)


def write(tmp_path: Path, content: str | bytes, name: str = "corpus.PubTator") -> Path:
    path = tmp_path / name
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(content)
    return path


def test_read_sample(tmp_path: Path) -> None:
    documents = read_pubtator(write(tmp_path, SAMPLE))
    assert [d.id for d in documents] == ["10021369", "227508"]
    first, second = documents
    assert first.title.startswith("Identification of APC2")
    assert first.abstract.startswith("The adenomatous")
    assert first.text == first.title + " " + first.abstract
    assert first.passages == [(0, len(first.title)), (len(first.title) + 1, len(first.text))]
    assert first.annotations == [
        Annotation(43, 76, "adenomatous polyposis coli tumour", "SpecificDisease", "D011125"),
        Annotation(121, 124, "APC", "Modifier", "D011125"),
    ]
    assert first.text[121:124] == "APC"  # an abstract offset counts from the title's start
    assert second.annotations[2] == Annotation(93, 105, "hypertensive", "Disease", None)
    assert second.relations == [("CID", "D008750", "D007022")]


def test_read_crlf_and_byte_order_mark(tmp_path: Path) -> None:
    content = "\ufeff" + SAMPLE.replace("\n", "\r\n")
    assert read_pubtator(write(tmp_path, content)) == read_pubtator(write(tmp_path, SAMPLE, "lf.txt"))


def test_other_line_separators_are_text(tmp_path: Path) -> None:
    content = "1|t|a\u2028b\x85c\x0cd\n1|a|e\u2029f\n1\t0\t1\ta\tX\n"
    (document,) = read_pubtator(write(tmp_path, content))
    assert document.title == "a\u2028b\x85c\x0cd"
    assert document.abstract == "e\u2029f"


def test_title_with_pipes_and_tabs(tmp_path: Path) -> None:
    (document,) = read_pubtator(write(tmp_path, "7|t|a|t|b\tc\n7|a|x\n"))
    assert document.title == "a|t|b\tc"


def test_missing_abstract_and_no_trailing_blank_line(tmp_path: Path) -> None:
    documents = read_pubtator(write(tmp_path, "1|t|Only a title\n1\t0\t4\tOnly\tX\n\n\n2|t|T\n2|a|A"))
    assert [(d.id, d.title, d.abstract) for d in documents] == [("1", "Only a title", ""), ("2", "T", "A")]


def test_empty_file(tmp_path: Path) -> None:
    assert read_pubtator(write(tmp_path, "")) == []
    assert read_pubtator(write(tmp_path, "\n \n", "blank.txt")) == []


@pytest.mark.parametrize(
    "content, line, message",
    [
        ("1|a|abstract first\n", 1, "without a title"),
        ("1|t|T\n2|a|A\n", 2, "abstract of document 2 inside document 1"),
        ("1|t|T\n1|x|A\n", 2, "unknown passage kind"),
        ("|t|T\n", 1, "no PMID"),
        ("1|t|T\n1|a|A\n1|a|B\n", 3, "second abstract"),
        ("1|t|T\n1|t|U\n", 2, "second title"),
        ("1|t|T\n1|a|A\n1\t0\t1\tT\tX\n\n1\t0\t1\tT\tX\n", 5, "expected 'PMID|t|title'"),
        ("just some text\n", 1, "expected 'PMID|t|title'"),
        ("1|t|T\n1|a|A\n2\t0\t1\tT\tX\n", 3, "annotation of document 1"),
        ("1|t|T\n1|a|A\n1 0 1 T X\n", 3, "annotation of document 1"),
        ("1|t|T\n1|a|A\n1\t0\t1\tT\n", 3, "4 tab-separated columns"),
        ("1|t|T\n1|a|A\n1\t0\tx\tT\tX\n", 3, "end offset 'x'"),
        ("1|t|T\n1|a|A\n1\t-1\t1\tT\tX\n", 3, "or a relation line"),
        ("1|t|T\n1|a|A\n1\t2\t1\tT\tX\n", 3, "not a span"),
        ("1|t|T\n1|a|A\n1\t0\t9\tT\tX\n", 3, "not a span"),
        ("1|t|Title\n1|a|A\n1\t1\t3\tTi\tX\n", 3, "differs from the text"),
        ("1|t|T\n1|a|A\n1\t0\t1\tT\t\n", 3, "empty entity type"),
        ("1|t|T\n1|a|A\n1\t0\t1\tT\tX\tID\tnope\n", 3, "score 'nope'"),
        ("1|t|T\n1\t0\t1\tT\tX\n1|a|B\n", 3, "after its annotations"),
    ],
)
def test_malformed_lines_name_file_and_line(tmp_path: Path, content: str, line: int, message: str) -> None:
    path = write(tmp_path, content)
    with pytest.raises(PubTatorFormatError) as caught:
        read_pubtator(path)
    text = str(caught.value)
    assert text.startswith(f"{path}:{line}: "), text
    assert message in text
    assert caught.value.line == line
    assert isinstance(caught.value, ValueError) and isinstance(caught.value, GerberaError)


def test_mention_check_can_be_turned_off(tmp_path: Path) -> None:
    path = write(tmp_path, "1|t|Title\n1|a|A\n1\t1\t3\tTi\tX\n")
    (document,) = read_pubtator(path, check_mentions=False)
    assert document.annotations == [Annotation(1, 3, "Ti", "X")]


def test_not_utf8(tmp_path: Path) -> None:
    path = write(tmp_path, b"1|t|T\n1|a|caf\xe9\n")
    with pytest.raises(PubTatorFormatError, match=r":2: bytes that are not UTF-8"):
        read_pubtator(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(PubTatorFormatError, match="cannot read"):
        read_pubtator(tmp_path / "absent.txt")


def test_write_format(tmp_path: Path) -> None:
    documents = [
        Document("1", "IL-2 rises.", "NF-κB falls.", [Annotation(0, 4, "IL-2", "Gene", score=0.9), Annotation(12, 17, "NF-κB", "Gene", "G1")]),
        Document("2", "T", "A"),
    ]
    # six columns ("-": no concept id), each document ending with a blank line (issue 33, items 4 and 5)
    expected = "1|t|IL-2 rises.\n1|a|NF-κB falls.\n1\t0\t4\tIL-2\tGene\t-\n1\t12\t17\tNF-κB\tGene\tG1\n\n2|t|T\n2|a|A\n\n"
    path = tmp_path / "out" / "predictions.PubTator"
    write_pubtator(documents, path)
    assert path.read_text(encoding="utf-8") == expected
    buffer = io.StringIO()
    write_pubtator(documents, buffer)
    assert buffer.getvalue() == expected


def test_write_scores_round_trip(tmp_path: Path) -> None:
    document = Document("1", "IL-2 rises.", "", [Annotation(0, 4, "IL-2", "Gene", score=0.125), Annotation(5, 10, "rises", "X", "ID", 1.0)])
    text = format_pubtator([document], write_scores=True)
    assert "1\t0\t4\tIL-2\tGene\t-\t0.125\n" in text
    assert parse_pubtator(text) == [document]
    # without write_scores the score is dropped
    assert parse_pubtator(format_pubtator([document]))[0].annotations[0].score is None


def test_round_trip_of_sample(tmp_path: Path) -> None:
    documents = read_pubtator(write(tmp_path, SAMPLE))
    out = tmp_path / "again.txt"
    write_pubtator(documents, out)
    assert read_pubtator(out) == documents
    written = out.read_text(encoding="utf-8")
    assert written.endswith("\n\n") and "\tDisease\t-\n" in written
    assert written.replace("\tDisease\t-\n", "\tDisease\n") == SAMPLE.rstrip("\n") + "\n\n"


@pytest.mark.parametrize(
    "document",
    [
        Document("", "T"),
        Document("1|2", "T"),
        Document("1", "line\nbreak"),
        Document("1", "T", "carriage\rreturn"),
        Document("1", "T", "A", [Annotation(0, 1, "T\t", "X")]),
        Document("1", "T", "A", [Annotation(0, 1, "T", "")]),
        Document("1", "T", "A", [Annotation(1, 0, "T", "X")]),
    ],
)
def test_write_refuses_what_pubtator_cannot_hold(document: Document) -> None:
    with pytest.raises(ValueError):
        format_pubtator([document])


# Round trip of arbitrary documents -----------------------------------------------------------

LINE_TEXT = st.lists(
    st.one_of(
        st.characters(exclude_categories=("Cs",), exclude_characters="\n\r"),
        st.sampled_from(["|", "\t", "|t|", "|a|", "\u2028", "\x85", "\u200b", "\u00ad", "κ", "😀", " "]),
    ),
    max_size=30,
).map("".join)
FIELD = st.text(st.characters(exclude_categories=("Cs",), exclude_characters="\t\n\r"), min_size=1, max_size=10)


@st.composite
def documents(draw) -> Document:
    pmid = draw(st.from_regex(r"[0-9A-Za-z_.:-]{1,10}", fullmatch=True))
    document = Document(pmid, draw(LINE_TEXT), draw(LINE_TEXT))
    text = document.text
    for _ in range(draw(st.integers(0, 4))):
        start = draw(st.integers(0, len(text)))
        end = draw(st.integers(start, len(text)))
        if "\t" in text[start:end]:
            continue  # a mention cannot hold a tab
        identifier = draw(st.one_of(st.none(), FIELD))
        document.annotations.append(Annotation(start, end, text[start:end], draw(FIELD), identifier))
    return document


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(documents(), max_size=4))
def test_round_trip(docs: list[Document]) -> None:
    text = format_pubtator(docs)
    assert parse_pubtator(text) == docs
    assert format_pubtator(parse_pubtator(text)) == text
