"""Reading and writing PubTator files: titles and abstracts with entity annotations.

The format, one document after another, separated by blank lines::

    10021369|t|Identification of APC2, a homologue of the adenomatous polyposis coli tumour suppressor.
    10021369|a|The adenomatous polyposis coli (APC) tumour-suppressor protein controls ...
    10021369	43	88	adenomatous polyposis coli tumour	SpecificDisease	D011125
    10021369	106	110	APC	Modifier	D011125

Title and abstract lines are ``PMID|t|title`` and ``PMID|a|abstract``. Annotation lines are
tab-separated: ``PMID, start, end, mention, type`` and optionally a concept identifier (and, in
files written with ``write_scores=True``, a confidence score). Offsets are character offsets
into the document text ``title + " " + abstract``, so the abstract starts at ``len(title) + 1``
(PubTator's convention). Relation lines such as BC5CDR's ``PMID<TAB>CID<TAB>D008750<TAB>D007022``
are kept as they are and written back unchanged.

Reading is strict: a line that does not fit the format raises :class:`PubTatorFormatError`,
naming the file and line. Line ends may be LF or CRLF and a UTF-8 byte-order mark is allowed;
other line separators (U+2028, U+0085, form feed) inside a title or abstract are text, not line
ends. Writing refuses what it cannot write faithfully (a line break inside a title, a tab inside
a mention), so ``read_pubtator(write_pubtator(documents))`` gives back equal documents.
"""

from __future__ import annotations

import io
import os
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

from gerbera.corpora.column_files import decode_utf8
from gerbera.errors import CorpusFormatError
from gerbera.outputs import atomic_write

__all__ = [
    "Annotation",
    "Document",
    "PubTatorFormatError",
    "format_pubtator",
    "parse_pubtator",
    "read_pubtator",
    "safe_document_id",
    "write_pubtator",
]

_PASSAGE_LINE = re.compile(r"([^\t|]*)\|([^\t|]*)\|(.*)", re.DOTALL)
_INTEGER = re.compile(r"[0-9]+")
_RELATION_KIND = re.compile(r"[A-Za-z][\w:.-]*")
_EXPECTED_ANNOTATION = "'PMID<TAB>start<TAB>end<TAB>mention<TAB>type[<TAB>id]'"


class PubTatorFormatError(CorpusFormatError, ValueError):
    """A PubTator file that cannot be read; the message is ``"{path}:{line}: {problem}"``.

    A :class:`~gerbera.errors.GerberaError` (so entry scripts report it as one line) and a
    :class:`ValueError`.
    """


@dataclass
class Annotation:
    """An entity mention: character offsets ``[start, end)`` into :attr:`Document.text`.

    ``identifier`` is the concept id of the 6th column (e.g. ``MESH:D003920``), None when absent;
    ``score`` a model's confidence, written only when asked for (PubTator has no such column).
    """

    start: int
    end: int
    mention: str
    type: str
    identifier: str | None = None
    score: float | None = None


@dataclass
class Document:
    """A PubTator document: title, abstract, entity annotations and any relation lines.

    ``relations`` holds the tab-separated columns after the PMID of each relation line (for
    BC5CDR: ``("CID", "D008750", "D007022")``), in file order.
    """

    id: str
    title: str
    abstract: str = ""
    annotations: list[Annotation] = field(default_factory=list)
    relations: list[tuple[str, ...]] = field(default_factory=list)

    @property
    def text(self) -> str:
        """The text annotation offsets refer to: ``title + " " + abstract``."""
        return f"{self.title} {self.abstract}"

    @property
    def passages(self) -> list[tuple[int, int]]:
        """The ``(start, end)`` spans of the title and the abstract within :attr:`text`."""
        abstract_start = len(self.title) + 1
        return [(0, len(self.title)), (abstract_start, abstract_start + len(self.abstract))]


def safe_document_id(text: str) -> str:
    """``text`` as an id that cannot break a PubTator line: ``|``, tabs and line breaks become ``_``."""
    return re.sub(r"[|\t\n\r]", "_", text) or "document"


def parse_pubtator(content: str, path: str = "<string>", check_mentions: bool = True) -> list[Document]:
    """Parse PubTator text (see :func:`read_pubtator`); ``path`` is only used in error messages."""
    documents: list[Document] = []
    current: Document | None = None
    has_abstract = False

    def fail(number: int, problem: str) -> PubTatorFormatError:
        return PubTatorFormatError(path, number, problem)

    if content.startswith("\ufeff"):
        content = content[1:]
    for number, line in enumerate(content.split("\n"), start=1):
        if line.endswith("\r"):
            line = line[:-1]
        if not line.strip():
            current = None
            continue
        passage = _PASSAGE_LINE.fullmatch(line)
        if passage:
            pmid, kind, passage_text = passage.groups()
            if not pmid:
                raise fail(number, f"no PMID before '|{kind}|' (expected 'PMID|{kind}|text')")
            if kind == "t":
                if current is not None and current.id == pmid:
                    raise fail(number, f"a second title for document {pmid} (a blank line must end a document)")
                current = Document(pmid, passage_text)
                has_abstract = False
                documents.append(current)
            elif kind == "a":
                if current is None:
                    raise fail(number, f"abstract of document {pmid} without a title before it (expected 'PMID|t|title')")
                if pmid != current.id:
                    raise fail(number, f"abstract of document {pmid} inside document {current.id}")
                if has_abstract:
                    raise fail(number, f"a second abstract for document {pmid}")
                if current.annotations or current.relations:
                    raise fail(number, f"abstract of document {pmid} after its annotations")
                current.abstract = passage_text
                has_abstract = True
            else:
                raise fail(number, f"unknown passage kind '|{kind}|' (expected 'PMID|t|title' or 'PMID|a|abstract')")
            continue
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
    return documents


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
    identifier = rest[0] if rest and rest[0] else None
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
    at its offsets; this catches files written with another offset convention.

    Raises :class:`PubTatorFormatError` (``"{path}:{line}: problem"``) for a malformed line.
    """
    path_text = str(path)
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise PubTatorFormatError(path_text, None, f"cannot read the file ({error.strerror or error})") from None
    return parse_pubtator(decode_utf8(data, path_text, PubTatorFormatError), path_text, check_mentions)


def _check_field(value: str, what: str, document_id: str, forbidden: str) -> None:
    for char in forbidden:
        if char in value:
            raise ValueError(f"document {document_id}: {what} {value[:60]!r} contains {char!r}, which PubTator cannot hold")


def format_pubtator(documents: Iterable[Document], write_scores: bool = False) -> str:
    """The PubTator text of ``documents`` (what :func:`write_pubtator` writes).

    Annotation lines are ``PMID, start, end, mention, type`` plus the identifier when there is
    one; with ``write_scores``, annotations that have a score get it as a 7th column (an empty
    identifier column before it when they have no identifier).
    """
    out = io.StringIO()
    for index, document in enumerate(documents):
        if not document.id:
            raise ValueError("a document with an empty id")
        _check_field(document.id, "the id", document.id, "|\t\n\r")
        _check_field(document.title, "the title", document.id, "\n\r")
        _check_field(document.abstract, "the abstract", document.id, "\n\r")
        if index:
            out.write("\n")
        out.write(f"{document.id}|t|{document.title}\n{document.id}|a|{document.abstract}\n")
        for annotation in document.annotations:
            _check_field(annotation.mention, "mention", document.id, "\t\n\r")
            _check_field(annotation.type, "entity type", document.id, "\t\n\r")
            if not annotation.type:
                raise ValueError(f"document {document.id}: annotation {annotation} has an empty entity type")
            if not 0 <= annotation.start <= annotation.end:
                raise ValueError(f"document {document.id}: annotation {annotation} has invalid offsets")
            columns = [document.id, str(annotation.start), str(annotation.end), annotation.mention, annotation.type]
            identifier = annotation.identifier or ""
            _check_field(identifier, "identifier", document.id, "\t\n\r")
            if write_scores and annotation.score is not None:
                columns += [identifier, repr(float(annotation.score))]
            elif identifier:
                columns.append(identifier)
            out.write("\t".join(columns) + "\n")
        for relation in document.relations:
            for value in relation:
                _check_field(value, "relation column", document.id, "\t\n\r")
            out.write("\t".join((document.id, *relation)) + "\n")
    return out.getvalue()


def write_pubtator(
    documents: Iterable[Document], path_or_file: str | os.PathLike | TextIO, write_scores: bool = False
) -> None:
    """Write ``documents`` as PubTator: title and abstract lines, annotation lines, relation lines.

    Documents are separated by a blank line. ``path_or_file`` is a path (written atomically, UTF-8,
    LF line ends) or an open text file. See :func:`format_pubtator` for ``write_scores``.
    Raises ValueError for what PubTator cannot hold (a line break in a title, a tab in a mention).
    """
    text = format_pubtator(documents, write_scores)
    if isinstance(path_or_file, (str, os.PathLike)):
        atomic_write(path_or_file, text)
    else:
        path_or_file.write(text)
