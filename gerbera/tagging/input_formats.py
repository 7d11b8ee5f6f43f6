"""The documents to tag, streamed from any format of :mod:`gerbera.documents`, as :class:`InputDocument`\\ s.

Input formats (``--input_format``):

- ``text-lines``: plain text, one document a line; blank lines are skipped; a document's id is
  its line number (1-based).
- ``text``: plain text, the whole file one document (blank lines separate paragraphs, which
  never share a sentence); its id is the file name without extension.
- ``pubtator``: ``PMID|t|title`` and ``PMID|a|abstract`` lines. The text is ``title + " " +
  abstract`` (PubTator's offset convention); title and abstract are segmented on their own, so
  no entity crosses from one into the other. Annotation and relation lines of the input are
  not tagged (a PubTator output holds the predicted entities only).
- ``bioc-xml``, ``bioc-json``: every passage is tagged, each segmented on its own; offsets are
  BioC document offsets (see :mod:`gerbera.documents.bioc_documents`). A BioC output keeps the
  input's annotations and adds the predicted ones.
- ``medline``: PubMed XML (``PubmedArticleSet``); the title and the abstract are tagged, with
  PubTator's text and offsets (see :mod:`gerbera.documents.medline`).
- ``conll``: a column file as in NERdata (``word`` or ``word ... tag`` a line, a blank line
  ending a sentence; tags, if any, are ignored). The words are tagged as they are, exactly as
  ``run_eval.py`` tags them; each sentence is a document whose id is its number (1-based) and
  whose text is its words joined by single spaces (offsets count into that text).
- ``auto`` (default): as :func:`gerbera.documents.detection.detect_format` tells (by extension:
  ``.pubtator``, ``.bioc.xml``, ``.bioc.json``, ``.conll``/``.iob``/``.iob2``/``.bio``; else by
  content: BioC or PubMed XML, BioC JSON, ``ID|t|...`` lines, ``word ... tag`` lines, else
  ``text-lines``). A words-only column file (one word a line) reads like one-line documents:
  name it ``.conll`` or give ``--input_format conll``.

Text is read as UTF-8 (a byte-order mark is dropped; a ``.gz`` file is read decompressed);
line ends are kept as they are, so offsets count the characters of the decoded file (a CRLF is
two). Documents are read one at a time (:func:`iter_input_documents`), so memory does not grow
with the input.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

from gerbera.documents.detection import CONLL_EXTENSIONS, detect_text_format, file_suffixes
from gerbera.documents.formats import detect_format, iter_documents
from gerbera.documents.model import Document
from gerbera.documents.opening import DocumentFormatError
from gerbera.errors import GerberaError
from gerbera.tagging.documents import InputDocument, words_document

logger = logging.getLogger("gerbera")

__all__ = [
    "CONLL_EXTENSIONS", "INPUT_FORMATS", "detect_input_format", "input_document", "iter_input_documents",
    "read_documents", "resolve_input_format",
]

INPUT_FORMATS = ("auto", "text", "text-lines", "pubtator", "bioc-xml", "bioc-json", "medline", "conll")


def detect_input_format(path: str, content: str) -> str:
    """The format ``auto`` gives a text file named ``path`` that holds ``content`` (no XML or JSON)."""
    suffixes = file_suffixes(path)
    if suffixes and suffixes[-1] == ".pubtator":
        return "pubtator"
    if suffixes and suffixes[-1] in CONLL_EXTENSIONS:
        return "conll"
    return detect_text_format(content)


def resolve_input_format(path: str, input_format: str) -> str:
    """``input_format``, or for ``auto`` the detected format of ``path`` (logged)."""
    if input_format != "auto":
        return input_format
    if path != "-" and not Path(path).is_file():
        raise GerberaError(f"--input {path}: no such file")
    detected = detect_format(path)
    logger.info("--input %s read as %s (give --input_format to choose)", path, detected)
    return detected


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
    (:func:`resolve_input_format`) is not detected again. A malformed document raises a
    :class:`DocumentFormatError` naming the file and line, or goes to ``on_bad_document``."""
    input_format = resolve_input_format(path, input_format)
    for document in iter_documents(path, input_format, on_bad_document, check_mentions=False):
        yield input_document(document)


def read_documents(path: str, input_format: str) -> tuple[str, list[InputDocument]]:
    """All the documents of ``path`` and the format they were read as (the whole input in memory:
    prefer :func:`iter_input_documents`)."""
    input_format = resolve_input_format(path, input_format)
    return input_format, list(iter_input_documents(path, input_format))
