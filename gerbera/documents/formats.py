"""One entry point for every document format: its name, detection and choice, reading its documents, writing documents back.

Input formats (``--input_format``, :data:`INPUT_FORMATS`):

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

Text is read as UTF-8 (a byte-order mark is dropped; a ``.gz`` file is read decompressed,
:mod:`gerbera.documents.opening`); line ends are kept as they are, so offsets count the
characters of the decoded file (a CRLF is two). :func:`iter_documents` yields a format's
documents one at a time (memory holds one document, not the file; ``text`` and ``conll``
excepted, see :mod:`gerbera.documents.plain_text`), each a
:class:`~gerbera.documents.model.Document` checked by :func:`~gerbera.documents.model.checked`
(its id a string; characters XML cannot hold written as spaces).

A malformed document raises :class:`~gerbera.documents.opening.DocumentFormatError` naming the
file, the line (or the document id) and the problem. With ``on_bad_document``, the callback gets
that error instead and reading goes on with the next document. Damage that leaves no next
document to go on with (XML or JSON that does not parse, bytes that are not UTF-8) always raises.

Output formats (``--output_format``, :data:`OUTPUT_FORMATS`; ``auto``: from the output file's
extension, :func:`choose_output_format`: ``.jsonl``, ``.json`` or ``.ndjson`` -> ``jsonl``;
``.pubtator`` or ``.txt`` -> ``pubtator``; ``.bioc.xml`` or ``.xml`` -> ``bioc-xml``;
``.bioc.json`` -> ``bioc-json``; a final ``.gz`` is not looked at for the format, and the file
is written gzip-compressed; ``-`` writes JSON Lines to stdout), written by
:mod:`gerbera.documents.writers`:

- ``jsonl``: one JSON object a document, ``{"id", "text", "entities": [{"start", "end", "text",
  "type", "score"}]}``, with ``text[start:end] == entity text``; ``--output_words`` adds
  ``"words": [{"text", "start", "end", "tag", "score"}]``, every word with its predicted tag.
- ``pubtator``: title and abstract lines, then ``PMID<TAB>start<TAB>end<TAB>mention<TAB>type<TAB>-``
  a predicted entity (``-``: no concept id; six columns, as BioCreative tools and the ``bioc``
  package read annotations; ``--write_scores`` adds the score), then a blank line. A
  document read from plain text or a column file has an empty title and its text as the
  abstract, so its offsets are one more than in JSON Lines (PubTator counts from the title's
  start, the abstract starting at ``len(title) + 1``). PubTator lines cannot hold tabs or line
  breaks: in this output they become spaces (same length, so offsets stay valid).
- ``bioc-xml``, ``bioc-json``: BioC documents with the entities added as annotations (infons
  ``type`` and ``score``, a location, the text); a BioC input's documents come back whole, their
  own annotations kept.

:func:`default_output_format` is the format that follows from the input's: BioC gives the same
BioC, PubTator and MEDLINE give PubTator, the rest JSON Lines. An output file is written as a
temporary file beside it, renamed into place when complete (:func:`open_writer`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from pathlib import Path

from gerbera.documents.detection import CONLL_EXTENSIONS, detect_format, detect_text_format, file_suffixes
from gerbera.documents.model import checked
from gerbera.documents.opening import DocumentFormatError, display_name
from gerbera.errors import GerberaError, UsageError

logger = logging.getLogger("gerbera")

__all__ = [
    "BIOC_XML_EXTENSIONS", "DOCUMENT_FORMATS", "INPUT_FORMATS", "JSONL_EXTENSIONS", "OUTPUT_FORMATS",
    "PUBTATOR_EXTENSIONS", "choose_output_format", "default_output_format", "detect_format", "detect_input_format",
    "iter_documents", "open_writer", "resolve_input_format",
]

INPUT_FORMATS = ("auto", "text", "text-lines", "pubtator", "bioc-xml", "bioc-json", "medline", "conll")
DOCUMENT_FORMATS = ("pubtator", "bioc-xml", "bioc-json", "medline", "text", "text-lines", "conll")  # what a reader reads
OUTPUT_FORMATS = ("auto", "jsonl", "pubtator", "bioc-xml", "bioc-json")
JSONL_EXTENSIONS = {".jsonl", ".json", ".ndjson"}
PUBTATOR_EXTENSIONS = {".pubtator", ".txt"}
BIOC_XML_EXTENSIONS = {".xml"}
_CHECKS_MENTIONS = ("pubtator", "bioc-xml", "bioc-json")


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


def choose_output_format(output: str, output_format: str) -> str:
    """The format of ``--output_format`` (``auto``: from the extension of ``output``; see the module docstring)."""
    if output_format != "auto":
        return output_format
    if output == "-":
        return "jsonl"
    suffixes = file_suffixes(output)
    if suffixes[-2:] == [".bioc", ".json"]:
        return "bioc-json"
    suffix = suffixes[-1] if suffixes else ""
    if suffix in JSONL_EXTENSIONS:
        return "jsonl"
    if suffix in PUBTATOR_EXTENSIONS:
        return "pubtator"
    if suffix in BIOC_XML_EXTENSIONS:
        return "bioc-xml"
    raise UsageError(
        f"--output {output}: cannot tell the format from the extension; name it .jsonl, .pubtator, .bioc.xml "
        "or .bioc.json, or give --output_format jsonl|pubtator|bioc-xml|bioc-json"
    )


def default_output_format(input_format: str) -> str:
    """The output format that follows from the input's (see the module docstring)."""
    return {"bioc-xml": "bioc-xml", "bioc-json": "bioc-json", "pubtator": "pubtator", "medline": "pubtator"}.get(
        input_format, "jsonl"
    )


def _reader(fmt: str) -> Callable[..., Iterator]:
    if fmt == "pubtator":
        from gerbera.documents.pubtator import iter_pubtator

        return iter_pubtator
    if fmt == "bioc-xml":
        from gerbera.documents.bioc_xml import iter_bioc_xml

        return iter_bioc_xml
    if fmt == "bioc-json":
        from gerbera.documents.bioc_json import iter_bioc_json

        return iter_bioc_json
    if fmt == "medline":
        from gerbera.documents.medline import iter_medline

        return iter_medline
    from gerbera.documents import plain_text

    return {"text": plain_text.iter_text, "text-lines": plain_text.iter_text_lines, "conll": plain_text.iter_conll}[fmt]


def iter_documents(
    path: str,
    fmt: str = "auto",
    on_bad_document: Callable[[DocumentFormatError], None] | None = None,
    check_mentions: bool = True,
) -> Iterator:
    """The documents of ``path`` in ``fmt`` (``auto``: :func:`detect_format`), one at a time.

    ``check_mentions`` (PubTator, BioC): an annotation whose text differs from the document's
    text at its offsets is a malformed document (tagging, which ignores the input's annotations,
    turns this off).
    """
    path = str(path)
    if fmt == "auto":
        fmt = detect_format(path)
    if fmt not in DOCUMENT_FORMATS:
        raise ValueError(f"unknown document format {fmt!r}; choose one of {', '.join(DOCUMENT_FORMATS)}")
    read = _reader(fmt)
    if fmt in _CHECKS_MENTIONS:
        documents = read(path, check_mentions=check_mentions, on_bad_document=on_bad_document)
    elif fmt == "medline":
        documents = read(path, on_bad_document=on_bad_document)
    else:
        documents = read(path)
    shown = display_name(path)
    return (checked(document, shown) for document in documents)


def open_writer(path: str, fmt: str, **options):
    """A streaming, atomic writer of ``fmt`` into ``path`` (see :mod:`gerbera.documents.writers`)."""
    from gerbera.documents.writers import open_writer as open_format_writer

    return open_format_writer(path, fmt, **options)
