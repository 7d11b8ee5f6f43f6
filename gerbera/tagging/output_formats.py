"""Writing tagged documents, streaming, in any format of :mod:`gerbera.documents.writers`, into a file or stdout.

Output formats (``--output_format``; ``auto``: from the output file's extension: ``.jsonl``,
``.json`` or ``.ndjson`` -> ``jsonl``; ``.pubtator`` or ``.txt`` -> ``pubtator``; ``.bioc.xml``
or ``.xml`` -> ``bioc-xml``; ``.bioc.json`` -> ``bioc-json``; a final ``.gz`` is not looked at
for the format, and the file is written gzip-compressed;
``-`` writes JSON Lines to stdout):

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
temporary file beside it, renamed into place when complete.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TextIO

from gerbera.documents.detection import file_suffixes
from gerbera.documents.model import Document
from gerbera.documents.writers import entity_record, open_writer, pubtator_form
from gerbera.errors import GerberaError, UsageError
from gerbera.outputs import atomic_open
from gerbera.tagging.documents import TaggedDocument

__all__ = [
    "JSONL_EXTENSIONS", "OUTPUT_FORMATS", "PUBTATOR_EXTENSIONS", "choose_output_format", "default_output_format",
    "TaggedWriter", "jsonl_record", "open_output", "open_tagged_writer", "pubtator_document", "source_document",
]

OUTPUT_FORMATS = ("auto", "jsonl", "pubtator", "bioc-xml", "bioc-json")
JSONL_EXTENSIONS = {".jsonl", ".json", ".ndjson"}
PUBTATOR_EXTENSIONS = {".pubtator", ".txt"}
BIOC_XML_EXTENSIONS = {".xml"}


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


def source_document(tagged: TaggedDocument) -> Document:
    """The :class:`~gerbera.documents.model.Document` the reader gave, or one of the tagged text
    (a document given as text, not read from a file)."""
    source = tagged.document.source
    if isinstance(source, Document):
        return source
    document = tagged.document
    return Document.of_text(document.id, document.text, None if document.passages is None else list(document.passages))


def jsonl_record(tagged: TaggedDocument, output_words: bool = False) -> dict:
    """The tagged document as one JSON Lines record (``--output_words``: with every word)."""
    record = {
        "id": tagged.document.id,
        "text": tagged.document.text,
        "entities": [entity_record(entity) for entity in tagged.entities],
    }
    if output_words:
        record["words"] = tagged.words()
    return record


def pubtator_document(tagged: TaggedDocument, write_scores: bool = True) -> Document:
    """The tagged document as PubTator: the input's title and abstract, or an empty title."""
    return pubtator_form(source_document(tagged), tagged.entities, write_scores)


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
    """A streaming, atomic writer of tagged documents into ``path`` (``-``: stdout) in ``output_format``."""
    if path != "-" and Path(path).is_dir():
        raise GerberaError(f"--output {path} is a folder; give a file name")
    with ExitStack() as stack:
        try:
            writer = stack.enter_context(open_writer(path, output_format, write_scores=write_scores))
        except OSError as error:
            raise GerberaError(f"--output {path}: cannot write there ({error.strerror or error})") from None
        yield TaggedWriter(writer, output_words)


@contextmanager
def open_output(path: str) -> Iterator[TextIO]:
    """stdout for '-', else a temporary file beside ``path`` renamed into place when complete."""
    if path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    if Path(path).is_dir():
        raise GerberaError(f"--output {path} is a folder; give a file name")
    with ExitStack() as stack:
        try:
            out = stack.enter_context(atomic_open(path))
        except OSError as error:
            raise GerberaError(f"--output {path}: cannot write there ({error.strerror or error})") from None
        yield out
