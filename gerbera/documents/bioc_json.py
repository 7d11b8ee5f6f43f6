"""Reading BioC JSON one document at a time.

The ``bioc`` package reads a BioC JSON collection whole (``biocjson.load``: the file's objects all
in memory) or JSON Lines of ``bioctype`` objects (``biocjson.iterreader``); neither streams a
collection file. This reader walks the collection's top level itself with the standard
library's ``json.JSONDecoder.raw_decode``: the small fields (``source``, ``date``, ``key``,
``infons``) are read as they come, into the collection's
:class:`~gerbera.documents.model.Header`, before the documents after them (fields written after
the ``documents`` array are read first, by a pass over the file that decodes and drops each
document), and the ``documents`` array (or PubTator3's ``PubTator3``
array) one document at a time, each turned into a ``bioc.BioCDocument`` by the package's own
``biocjson.fromJSON``. Memory holds one document and a read buffer (1 MB), not the file.

Accepted: a collection object; a top-level array of documents; documents one after another
(JSON Lines, as ``biocjson.iterwriter`` writes them). Missing empty fields (``infons``,
``relations``, ...) are taken as empty. A document that breaks the format (no ``passages``, an
offset that is not a whole number) is a :class:`DocumentFormatError` naming the file, the line
where the document starts and its id; JSON that does not parse names the line it stopped at.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator

from bioc import BioCDocument
from bioc.biocjson import fromJSON

from gerbera.documents.bioc_documents import bioc_text_documents
from gerbera.documents.model import Document, Header
from gerbera.documents.opening import DocumentFormatError, display_name, iter_text_chunks

__all__ = ["iter_bioc_json", "iter_bioc_json_documents"]

logger = logging.getLogger("gerbera")

_DOCUMENT_ARRAYS = ("documents", "PubTator3")
_WHITESPACE = " \t\n\r"
_DECODER = json.JSONDecoder()
CHUNK_CHARACTERS = 1 << 20  # the read buffer grows past this only to hold a document


class _Scanner:
    """A read buffer over the file's text, with the line number of any position."""

    def __init__(self, path: str):
        self.path = display_name(path)
        self.chunks = iter_text_chunks(path, CHUNK_CHARACTERS)
        self.buffer = ""
        self.position = 0
        self.lines_before = 0  # line breaks in the text already dropped from the buffer
        self.counted_to = self.lines_counted = 0  # line breaks in the buffer before counted_to
        self.at_end = False

    def line(self) -> int:
        """The 1-based line of the current position (counted on from the last position asked about)."""
        if self.position < self.counted_to:
            self.counted_to, self.lines_counted = 0, 0
        self.lines_counted += self.buffer.count("\n", self.counted_to, self.position)
        self.counted_to = self.position
        return self.lines_before + self.lines_counted + 1

    def _more(self) -> bool:
        chunk = next(self.chunks, None)
        if chunk is None:
            self.at_end = True
            return False
        self.lines_before += self.buffer.count("\n", 0, self.position)
        self.buffer = self.buffer[self.position:] + chunk
        self.position = self.counted_to = self.lines_counted = 0
        return True

    def peek(self) -> str:
        """The next character that is not whitespace ("" at the end of the file), not consumed."""
        while True:
            while self.position < len(self.buffer) and self.buffer[self.position] in _WHITESPACE:
                self.position += 1
            if self.position < len(self.buffer):
                return self.buffer[self.position]
            if not self._more():
                return ""

    def take(self, expected: str) -> str:
        found = self.peek()
        if found not in expected:
            shown = f"{found!r}" if found else "the end of the file"
            raise self.error(f"expected {' or '.join(repr(c) for c in expected)}, found {shown}")
        self.position += 1
        return found

    def value(self):
        """The next JSON value, read whole."""
        self.peek()
        while True:
            try:
                value, end = _DECODER.raw_decode(self.buffer, self.position)
            except json.JSONDecodeError as error:
                cut_short = error.pos >= len(self.buffer) - 16 or error.msg.startswith("Unterminated")
                if not cut_short or self.at_end or not self._more():
                    where = self.lines_before + error.lineno  # error.lineno counts from the buffer's start
                    raise DocumentFormatError(self.path, where, f"not valid JSON: {error.msg}") from None
                continue
            if end == len(self.buffer) and not self.at_end and self._more():
                continue  # a number may go on in the next chunk
            self.position = end
            return value

    def error(self, problem: str) -> DocumentFormatError:
        return DocumentFormatError(self.path, self.line(), f"not BioC JSON: {problem}")


_HEADER_FIELDS = ("source", "date", "key", "infons")


def _set_header(header: Header, key: str, value) -> None:
    if key == "infons":
        header.infons = {str(k): str(v) for k, v in dict(value or {}).items()}
    else:
        setattr(header, key, str(value or ""))


def _objects(scanner: _Scanner, header: Header, path: str) -> Iterator[tuple[object, int]]:
    """Every document object of the file with the line where it starts; the collection's fields
    into ``header`` as they are read, before any document after them. A collection whose
    ``documents`` come before some of its fields has those read first, by a pass over the file."""
    values = -1
    while scanner.peek():
        opening = scanner.take("{[")
        values += 1
        if opening == "[":
            yield from _array(scanner)
            continue
        fields, line = {}, scanner.line()
        if scanner.peek() == "}":
            scanner.take("}")
            continue
        while True:
            key = scanner.value()
            scanner.take(":")
            if key in _DOCUMENT_ARRAYS and scanner.peek() == "[":
                if not all(name in fields for name in _HEADER_FIELDS):
                    _header_after_documents(path, values, header)
                scanner.take("[")
                yield from _array(scanner)
            else:
                fields[key] = scanner.value()
                if key in _HEADER_FIELDS:
                    _set_header(header, key, fields[key])
            if scanner.take(",}") == "}":
                break
        if "passages" in fields:
            yield fields, line


def _header_after_documents(path: str, values: int, header: Header) -> None:
    """The fields of the file's top-level object after its first ``values`` top-level values, read
    by a pass over it that decodes and drops each document (stdin cannot be read twice: logged)."""
    if path == "-":
        logger.warning("<stdin>: the BioC JSON collection's documents come before its source, date, key or "
                       "infons; output written before they are read has them empty (give the file, not stdin)")
        return
    scanner = _Scanner(path)
    for _ in range(values):
        scanner.value()
    scanner.take("{")
    while scanner.peek() not in ("}", ""):
        key = scanner.value()
        scanner.take(":")
        if key in _DOCUMENT_ARRAYS and scanner.peek() == "[":
            scanner.take("[")
            for _ in _array(scanner):
                pass
        else:
            value = scanner.value()
            if key in _HEADER_FIELDS:
                _set_header(header, key, value)
        if scanner.take(",}") == "}":
            return


def _array(scanner: _Scanner) -> Iterator[tuple[object, int]]:
    if scanner.peek() == "]":
        scanner.take("]")
        return
    while True:
        scanner.peek()
        line = scanner.line()
        yield scanner.value(), line
        if scanner.take(",]") == "]":
            return


def _with_defaults(document: dict) -> dict:
    """The document object with its missing empty fields filled in (as BioC writers may leave out)."""
    for container in (document, *(document.get("passages") or ())):
        if not isinstance(container, dict):
            continue
        for name in ("infons", "annotations", "relations"):
            container.setdefault(name, {} if name == "infons" else [])
        container.setdefault("sentences", [])
        for sentence in container["sentences"]:
            for name in ("infons", "annotations", "relations"):
                if isinstance(sentence, dict):
                    sentence.setdefault(name, {} if name == "infons" else [])
        for annotation in container["annotations"] + [a for s in container["sentences"] for a in s.get("annotations", [])]:
            if isinstance(annotation, dict):
                annotation.setdefault("id", "")
                annotation.setdefault("infons", {})
                annotation.setdefault("text", None)
                annotation.setdefault("locations", [])
        for relation in container["relations"]:
            if isinstance(relation, dict):
                relation.setdefault("id", "")
                relation.setdefault("infons", {})
                relation.setdefault("nodes", [])
    return document


def _checked_document(value: object) -> BioCDocument:
    """The object as a ``bioc.BioCDocument``; ValueError names what breaks the format."""
    if not isinstance(value, dict):
        raise ValueError(f"a document must be an object, found {type(value).__name__}")
    if not isinstance(value.get("passages"), list):
        raise ValueError("no 'passages' list")
    try:
        document = fromJSON(_with_defaults(value), "BioCDocument")
    except (KeyError, TypeError, AttributeError) as error:
        raise ValueError(f"a field is missing or of the wrong kind ({error!r})") from None
    for passage in document.passages:
        _whole_number(passage.offset, "passage offset")
        for sentence in passage.sentences:
            _whole_number(sentence.offset, "sentence offset")
    return document


def _whole_number(value: object, what: str) -> None:
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValueError(f"{what} {value!r} is not a whole number")


def iter_bioc_json_documents(
    path: str, on_bad_document: Callable[[DocumentFormatError], None] | None = None
) -> Iterator[tuple[BioCDocument, int, Header]]:
    """Every ``bioc.BioCDocument`` of a BioC JSON file (``.gz`` too), with the line where it
    starts and the collection's header."""
    collection = Header()
    for value, line in _objects(_Scanner(path), collection, path):
        try:
            document = _checked_document(value)
        except ValueError as problem:
            document_id = value.get("id") if isinstance(value, dict) else None
            error = DocumentFormatError(display_name(path), line, f"document {document_id!r}: {problem}",
                                        str(document_id) if document_id not in (None, "") else None)
            if on_bad_document is None:
                raise error from None
            on_bad_document(error)
            continue
        yield document, line, collection


def iter_bioc_json(
    path: str,
    check_mentions: bool = True,
    on_bad_document: Callable[[DocumentFormatError], None] | None = None,
) -> Iterator[Document]:
    """The documents of a BioC JSON file as text to tag (see :mod:`gerbera.documents.bioc_documents`)."""
    yield from bioc_text_documents(iter_bioc_json_documents(path, on_bad_document), path, check_mentions, on_bad_document)
