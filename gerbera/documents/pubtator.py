"""Reading and writing PubTator files: titles and abstracts with entity annotations.

The format, one document after another, separated by blank lines::

    10021369|t|Identification of APC2, a homologue of the adenomatous polyposis coli tumour suppressor.
    10021369|a|The adenomatous polyposis coli (APC) tumour-suppressor protein controls ...
    10021369	43	88	adenomatous polyposis coli tumour	SpecificDisease	D011125
    10021369	106	110	APC	Modifier	D011125

Title and abstract lines are ``PMID|t|title`` and ``PMID|a|abstract``. Annotation lines are
tab-separated: ``PMID, start, end, mention, type`` and optionally a concept identifier (``-``:
none; written always, ``-`` when there is none) and, in files written with ``write_scores=True``,
a confidence score. Offsets are character offsets
into the document text ``title + " " + abstract``, so the abstract starts at ``len(title) + 1``
(PubTator's convention). Relation lines such as BC5CDR's ``PMID<TAB>CID<TAB>D008750<TAB>D007022``
are kept as they are and written back unchanged.

Reading streams (:func:`iter_pubtator`: one document in memory at a time; ``.gz`` files are read
decompressed) and is strict: a line that does not fit the format raises :class:`PubTatorFormatError`,
naming the file and line. Line ends may be LF or CRLF and a UTF-8 byte-order mark is allowed;
other line separators (U+2028, U+0085, form feed) inside a title or abstract are text, not line
ends. Writing refuses what it cannot write faithfully (a line break inside a title, a tab inside
a mention), so ``read_pubtator(write_pubtator(documents))`` gives back equal documents.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Iterable, Iterator
from typing import TextIO

from gerbera.documents.model import Annotation, Document
from gerbera.documents.opening import DocumentFormatError, display_name, iter_lines
from gerbera.outputs import atomic_write

__all__ = [
    "Annotation",
    "Document",
    "NO_IDENTIFIER",
    "PubTatorFormatError",
    "format_pubtator",
    "iter_pubtator",
    "parse_pubtator",
    "parse_pubtator_lines",
    "read_pubtator",
    "safe_document_id",
    "write_pubtator",
]

_PASSAGE_LINE = re.compile(r"([^\t|]*)\|([^\t|]*)\|(.*)", re.DOTALL)
_INTEGER = re.compile(r"[0-9]+")
_RELATION_KIND = re.compile(r"[A-Za-z][\w:.-]*")
_EXPECTED_ANNOTATION = "'PMID<TAB>start<TAB>end<TAB>mention<TAB>type[<TAB>id]'"
NO_IDENTIFIER = "-"  # the 6th column of an annotation without a concept id


class PubTatorFormatError(DocumentFormatError):
    """A PubTator file that cannot be read; the message is ``"{path}:{line}: {problem}"``.

    A :class:`~gerbera.errors.GerberaError` (so entry scripts report it as one line) and a
    :class:`ValueError`.
    """


def safe_document_id(text: str) -> str:
    """``text`` as an id that cannot break a PubTator line: ``|``, tabs and line breaks become ``_``."""
    return re.sub(r"[|\t\n\r]", "_", text) or "document"


def parse_pubtator(content: str, path: str = "<string>", check_mentions: bool = True) -> list[Document]:
    """Parse PubTator text (see :func:`read_pubtator`); ``path`` is only used in error messages."""
    if content.startswith("\ufeff"):
        content = content[1:]
    return list(parse_pubtator_lines(enumerate(content.split("\n"), start=1), path, check_mentions))


def parse_pubtator_lines(
    lines: Iterable[tuple[int, str]],
    path: str = "<string>",
    check_mentions: bool = True,
    on_bad_document: Callable[[PubTatorFormatError], None] | None = None,
) -> Iterator[Document]:
    """The documents of numbered PubTator lines, each yielded once its last line is read.

    A malformed line raises :class:`PubTatorFormatError`; with ``on_bad_document``, the callback
    gets the error instead, the document is dropped and reading goes on at the next blank line or
    title line.
    """
    current: Document | None = None
    has_abstract = skipping = False

    def fail(number: int, problem: str) -> PubTatorFormatError:
        return PubTatorFormatError(path, number, problem)

    for number, line in lines:
        if line.endswith("\r"):
            line = line[:-1]
        if not line.strip():
            if current is not None:
                yield current
            current, skipping = None, False
            continue
        passage = _PASSAGE_LINE.fullmatch(line)
        if skipping and not (passage and passage.group(2) == "t"):
            continue
        skipping = False
        try:
            if passage and passage.group(2) == "t" and current is not None and current.id != passage.group(1):
                yield current
                current = None
            current, has_abstract = _read_line(line, passage, number, current, has_abstract, check_mentions, fail)
        except PubTatorFormatError as error:
            error.document_id = current.id if current is not None else (passage.group(1) or None) if passage else None
            if on_bad_document is None:
                raise
            on_bad_document(error)
            current, skipping = None, True
    if current is not None:
        yield current


def _read_line(line, passage, number, current, has_abstract, check_mentions, fail) -> tuple[Document | None, bool]:
    """One non-blank line read into the current document: the document after it and whether it has an abstract."""
    if passage:
        pmid, kind, passage_text = passage.groups()
        if not pmid:
            raise fail(number, f"no PMID before '|{kind}|' (expected 'PMID|{kind}|text')")
        if kind == "t":
            if current is not None:
                raise fail(number, f"a second title for document {pmid} (a blank line must end a document)")
            return Document(pmid, passage_text, source_line=number), False
        if kind == "a":
            if current is None:
                raise fail(number, f"abstract of document {pmid} without a title before it (expected 'PMID|t|title')")
            if pmid != current.id:
                raise fail(number, f"abstract of document {pmid} inside document {current.id}")
            if has_abstract:
                raise fail(number, f"a second abstract for document {pmid}")
            if current.annotations or current.relations:
                raise fail(number, f"abstract of document {pmid} after its annotations")
            current.abstract = passage_text
            return current, True
        raise fail(number, f"unknown passage kind '|{kind}|' (expected 'PMID|t|title' or 'PMID|a|abstract')")
    columns = line.split("\t")
    if current is None:
        raise fail(number, f"expected 'PMID|t|title' to start a document, found {line[:60]!r}")
    if columns[0] != current.id:
        raise fail(
            number,
            f"expected an annotation of document {current.id} ({_EXPECTED_ANNOTATION}), found {line[:60]!r}",
        )
    if len(columns) >= 2 and _INTEGER.fullmatch(columns[1]):
        current.annotations.append(_parse_annotation(columns, current, check_mentions, fail, number))
    elif len(columns) >= 3 and _RELATION_KIND.fullmatch(columns[1]):
        current.relations.append(tuple(columns[1:]))
    else:
        raise fail(number, f"expected {_EXPECTED_ANNOTATION} or a relation line, found {line[:60]!r}")
    return current, has_abstract


def _parse_annotation(
    columns: list[str],
    document: Document,
    check_mentions: bool,
    fail: Callable[[int, str], PubTatorFormatError],
    number: int,
) -> Annotation:
    if not 5 <= len(columns) <= 7:
        raise fail(number, f"{len(columns)} tab-separated columns, expected {_EXPECTED_ANNOTATION}")
    _, start_text, end_text, mention, entity_type, *rest = columns
    if not _INTEGER.fullmatch(end_text):
        raise fail(number, f"end offset {end_text!r} is not a number (expected {_EXPECTED_ANNOTATION})")
    start, end = int(start_text), int(end_text)
    text = document.text
    if not start <= end <= len(text):
        raise fail(number, f"offsets {start}-{end} are not a span of the document's {len(text)} characters")
    if check_mentions and text[start:end] != mention:
        raise fail(
            number,
            f"mention {mention!r} differs from the text at {start}-{end}, {text[start:end]!r} "
            "(offsets count from the title's start, the abstract starting at len(title) + 1)",
        )
    if not entity_type:
        raise fail(number, "empty entity type")
    identifier = rest[0] if rest and rest[0] not in ("", NO_IDENTIFIER) else None
    score = None
    if len(rest) == 2:
        try:
            score = float(rest[1])
        except ValueError:
            raise fail(number, f"score {rest[1]!r} in the 7th column is not a number") from None
    return Annotation(start, end, mention, entity_type, identifier, score)


def read_pubtator(path: str | os.PathLike, check_mentions: bool = True) -> list[Document]:
    """Read a PubTator file into documents, with their annotations and relation lines.

    With ``check_mentions`` (the default) every annotation's mention must equal the document text
    at its offsets; this catches files written with another offset convention. A ``.gz`` file is
    read decompressed. :func:`iter_pubtator` reads one document at a time.

    Raises :class:`PubTatorFormatError` (``"{path}:{line}: problem"``) for a malformed line.
    """
    return list(iter_pubtator(path, check_mentions))


def iter_pubtator(
    path: str | os.PathLike,
    check_mentions: bool = True,
    on_bad_document: Callable[[PubTatorFormatError], None] | None = None,
) -> Iterator[Document]:
    """The documents of a PubTator file (``.gz`` too), read one at a time: memory holds one
    document, not the file. See :func:`parse_pubtator_lines` for ``on_bad_document``."""
    lines = _pubtator_lines(str(path))
    yield from parse_pubtator_lines(lines, display_name(path), check_mentions, on_bad_document)


def _pubtator_lines(path: str) -> Iterator[tuple[int, str]]:
    try:
        yield from iter_lines(path)
    except DocumentFormatError as error:
        if isinstance(error, PubTatorFormatError):
            raise
        raise PubTatorFormatError(error.path, error.line, error.problem) from None


def _check_field(value: str, what: str, document_id: str, forbidden: str) -> None:
    for char in forbidden:
        if char in value:
            raise ValueError(f"document {document_id}: {what} {value[:60]!r} contains {char!r}, which PubTator cannot hold")


def _check_annotation(annotation: Annotation, document_id: str) -> None:
    """The checks of an annotation line, in order: the first that fails raises its ValueError."""
    _check_field(annotation.mention, "mention", document_id, "\t\n\r")
    _check_field(annotation.type, "entity type", document_id, "\t\n\r")
    if not annotation.type:
        raise ValueError(f"document {document_id}: annotation {annotation} has an empty entity type")
    if not 0 <= annotation.start <= annotation.end:
        raise ValueError(f"document {document_id}: annotation {annotation} has invalid offsets")
    _check_field(annotation.identifier or "", "identifier", document_id, "\t\n\r")


def format_pubtator(documents: Iterable[Document], write_scores: bool = False) -> str:
    """The PubTator text of ``documents`` (what :func:`write_pubtator` writes).

    Annotation lines are ``PMID, start, end, mention, type, identifier``, the identifier ``-``
    when there is none (six columns, as the BioCreative tools and the ``bioc`` package's reader
    expect: they read a five-column line as a relation); with ``write_scores``, annotations that
    have a score get it as a 7th column. Every document ends with a blank line, so files written
    in parts are, concatenated, the file written whole.
    """
    out = io.StringIO()
    for document in documents:
        if not document.id:
            raise ValueError("a document with an empty id")
        _check_field(document.id, "the id", document.id, "|\t\n\r")
        _check_field(document.title, "the title", document.id, "\n\r")
        _check_field(document.abstract, "the abstract", document.id, "\n\r")
        out.write(f"{document.id}|t|{document.title}\n{document.id}|a|{document.abstract}\n")
        lines = []
        for annotation in document.annotations:
            mention, entity_type, identifier = annotation.mention, annotation.type, annotation.identifier or ""
            if ("\t" in mention or "\n" in mention or "\r" in mention or "\t" in entity_type or "\n" in entity_type
                    or "\r" in entity_type or "\t" in identifier or "\n" in identifier or "\r" in identifier
                    or not entity_type or not 0 <= annotation.start <= annotation.end):
                _check_annotation(annotation, document.id)  # raises the first problem's error
            line = (f"{document.id}\t{annotation.start!s}\t{annotation.end!s}\t{mention}\t{entity_type}"
                    f"\t{identifier or NO_IDENTIFIER}")
            if write_scores and annotation.score is not None:
                line = f"{line}\t{float(annotation.score)!r}"
            lines.append(line)
        if lines:
            out.write("\n".join(lines) + "\n")
        for relation in document.relations:
            for value in relation:
                _check_field(value, "relation column", document.id, "\t\n\r")
            out.write("\t".join((document.id, *relation)) + "\n")
        out.write("\n")
    return out.getvalue()


def write_pubtator(
    documents: Iterable[Document], path_or_file: str | os.PathLike | TextIO, write_scores: bool = False
) -> None:
    """Write ``documents`` as PubTator: title and abstract lines, annotation lines, relation lines.

    Each document ends with a blank line. ``path_or_file`` is a path (written atomically, UTF-8,
    LF line ends) or an open text file. See :func:`format_pubtator` for ``write_scores``.
    Raises ValueError for what PubTator cannot hold (a line break in a title, a tab in a mention).
    """
    text = format_pubtator(documents, write_scores)
    if isinstance(path_or_file, (str, os.PathLike)):
        atomic_write(path_or_file, text)
    else:
        path_or_file.write(text)
