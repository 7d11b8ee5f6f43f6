"""Documents of :mod:`gerbera.documents` read for tagging, and tagged documents written back.

The formats themselves (their names, detection, choice, reading and writing) are
:mod:`gerbera.documents.formats`'s; this module adapts them to tagging. :func:`detect` says which
format a file is read as, :func:`read` yields its documents one at a time as
:class:`~gerbera.tagging.documents.InputDocument`\\ s (a malformed one raises, or with
``on_bad_document`` is reported and skipped), and :func:`open_tagged_writer` writes
:class:`~gerbera.tagging.documents.TaggedDocument`\\ s into one output file (or stdout) atomically.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from gerbera.documents.formats import iter_documents, open_writer, resolve_input_format
from gerbera.documents.model import Document
from gerbera.documents.opening import DocumentFormatError
from gerbera.errors import GerberaError
from gerbera.tagging.documents import InputDocument, TaggedDocument, words_document

__all__ = ["TaggedWriter", "detect", "input_document", "iter_input_documents", "open_tagged_writer", "read",
           "source_document"]


def detect(path: str, input_format: str) -> str:
    """The format ``path`` is read as (``input_format`` unless it is ``auto``; detection is logged)."""
    return resolve_input_format(path, input_format)


def read(path: str, input_format: str, on_bad_document: Callable[[GerberaError], None] | None = None
         ) -> tuple[str, Iterator[InputDocument]]:
    """The format ``path`` is read as, and its documents, one at a time (streamed)."""
    input_format = detect(path, input_format)
    return input_format, iter_input_documents(path, input_format, on_bad_document)


def input_document(document: Document) -> InputDocument:
    """A document of :mod:`gerbera.documents` as a document to tag (the original kept as ``source``,
    for the writers)."""
    if document.words is not None:
        return words_document(document.id, list(document.words), source=document)
    return InputDocument(document.id, document.text, passages=document.passages, source=document)


def iter_input_documents(
    path: str, input_format: str, on_bad_document: Callable[[DocumentFormatError], None] | None = None
) -> Iterator[InputDocument]:
    """The documents of ``path`` (``-``: stdin) to tag, one at a time. A format already resolved
    (:func:`~gerbera.documents.formats.resolve_input_format`) is not detected again. A malformed
    document raises a :class:`DocumentFormatError` naming the file and line, or goes to ``on_bad_document``."""
    input_format = resolve_input_format(path, input_format)
    for document in iter_documents(path, input_format, on_bad_document, check_mentions=False):
        yield input_document(document)


def source_document(tagged: TaggedDocument) -> Document:
    """The :class:`~gerbera.documents.model.Document` the reader gave, or one of the tagged text
    (a document given as text, not read from a file)."""
    source = tagged.document.source
    if isinstance(source, Document):
        return source
    document = tagged.document
    return Document.of_text(document.id, document.text, None if document.passages is None else list(document.passages))


class TaggedWriter:
    """Writes :class:`TaggedDocument`\\ s with a :mod:`gerbera.documents.writers` writer."""

    def __init__(self, writer, output_words: bool = False):
        self.writer = writer
        self.output_words = output_words

    def write(self, tagged: TaggedDocument) -> None:
        extra = {"words": tagged.words()} if self.output_words else None
        self.writer.write(source_document(tagged), tagged.entities, extra)


@contextmanager
def open_tagged_writer(
    path: str, output_format: str, output_words: bool = False, write_scores: bool = False
) -> Iterator[TaggedWriter]:
    """A streaming, atomic writer of tagged documents into ``path`` (``-``: stdout) in ``output_format``,
    renamed into place when complete."""
    if path != "-" and Path(path).is_dir():
        raise GerberaError(f"--output {path} is a folder; give a file name")
    with ExitStack() as stack:
        try:
            writer = stack.enter_context(open_writer(path, output_format, write_scores=write_scores))
        except OSError as error:
            raise GerberaError(f"--output {path}: cannot write there ({error.strerror or error})") from None
        yield TaggedWriter(writer, output_words)
