"""Writing documents with a model's entities, one document at a time, into a file that appears whole or not at all.

``with open_writer(path, fmt, **options) as writer: writer.write(document, entities)``, where
``document`` is a :class:`~gerbera.documents.model.Document` (what every reader returns) and
``entities`` are objects with ``start``, ``end``, ``text``, ``type`` and ``score``, at offsets
into ``document.text``. The file is written to a temporary file beside ``path``, renamed into
place when the block ends, removed when it fails (``-``: stdout); a name ending in ``.gz`` is
written gzip-compressed.

Formats (:data:`WRITER_FORMATS`):

- ``jsonl``: one JSON object a document, ``{"id", "text", "entities": [{"start", "end", "text",
  "type", "score"}]}`` (and ``"model"``, the name of the model an entity came from, when it has
  one: a run with several models); ``write(..., extra={...})`` adds fields (``words``).
- ``pubtator``: title and abstract lines, then one line per entity, six columns (the identifier
  ``-``; ``write_scores=True`` adds the score), then a blank line, so parts concatenated are the
  whole file. A PubTator or MEDLINE document keeps its title and
  abstract; a document whose first passage starts the text, followed by a space, has it as the
  title and the rest as the abstract (BioC title and abstract passages); any other document has
  an empty title and its text as the abstract, so its offsets are one more (PubTator counts from
  the title's start, the abstract starting at ``len(title) + 1``). Tabs and line breaks become
  spaces (same length, so offsets stay valid).
- ``bioc-xml``, ``bioc-json``: the document as BioC with the entities added as annotations
  (:mod:`gerbera.documents.bioc_writing`): BioC in gives the same BioC back, its own annotations
  kept. The collection's source, date, key, infons and (XML) DOCTYPE are the first document's
  input's (:class:`~gerbera.documents.model.Header`).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import TextIO
from xml.sax.saxutils import escape, quoteattr

from bioc.biocjson import toJSON
from bioc.biocxml.encoder import encode_document
from lxml import etree

from gerbera.documents.bioc_writing import collection_info, with_entities
from gerbera.documents.model import Annotation, Document, Header, xml_safe
from gerbera.documents.pubtator import format_pubtator, safe_document_id
from gerbera.outputs import atomic_open

__all__ = ["WRITER_FORMATS", "entity_record", "open_writer", "pubtator_form"]

WRITER_FORMATS = ("pubtator", "bioc-xml", "bioc-json", "jsonl")
_NOT_IN_PUBTATOR = str.maketrans({"\t": " ", "\n": " ", "\r": " "})


def entity_record(entity) -> dict:
    """An entity as a JSON object (the score rounded to 6 decimals; ``model`` when it names one)."""
    record = {"start": entity.start, "end": entity.end, "text": entity.text, "type": entity.type,
              "score": round(float(entity.score), 6)}
    if getattr(entity, "model", None) is not None:
        record["model"] = entity.model
    return record


def pubtator_form(document: Document, entities: Iterable, write_scores: bool = False) -> Document:
    """``document`` with ``entities`` as the PubTator document to write (see the module docstring)."""
    text, passages = document.text, document.passages
    if document.has_title:
        title, abstract, shift = document.title, document.abstract, 0
    elif passages and passages[0][0] == 0 and text[passages[0][1]:passages[0][1] + 1] in (" ", ""):
        title, abstract, shift = text[:passages[0][1]], text[passages[0][1] + 1:], 0
    else:
        title, abstract, shift = "", text, 1
    annotations = [
        Annotation(e.start + shift, e.end + shift,
                   e.text.translate(_NOT_IN_PUBTATOR) if "\t" in e.text or "\n" in e.text or "\r" in e.text else e.text,
                   e.type, None, round(float(e.score), 6) if write_scores else None)
        for e in entities
    ]
    return Document(safe_document_id(document.id), title.translate(_NOT_IN_PUBTATOR),
                    abstract.translate(_NOT_IN_PUBTATOR), annotations)


class _Writer:
    def __init__(self, out: TextIO, **options):
        self.out = out
        self.options = options
        self.documents = 0

    def write(self, document: Document, entities: Iterable = (), extra: dict | None = None) -> None:
        self._write(document, list(entities), extra)
        self.documents += 1

    def finish(self) -> None:
        """Called once the last document is written."""


class _JsonLines(_Writer):
    def _write(self, document, entities, extra):
        record = {"id": document.id, "text": document.text, "entities": [entity_record(e) for e in entities]}
        record.update(extra or {})
        self.out.write(json.dumps(record, ensure_ascii=False) + "\n")


class _PubTator(_Writer):
    def _write(self, document, entities, extra):
        write_scores = self.options.get("write_scores", False)
        self.out.write(format_pubtator([pubtator_form(document, entities, write_scores)], write_scores))


class _BioC(_Writer):
    """Writes the collection's opening with the first document (or at the end, when there is none)."""

    def __init__(self, out: TextIO, **options):
        super().__init__(out, **options)
        self.opened = False

    def _open(self, document) -> None:
        self.out.write(self._opening(collection_info(document)))
        self.opened = True

    def _write(self, document, entities, extra):
        if not self.opened:
            self._open(document)
        self._document(with_entities(document, entities))

    def finish(self) -> None:
        if not self.opened:
            self._open(None)
        self.out.write(self._closing())


class _BioCXml(_BioC):
    def _opening(self, collection: Header) -> str:
        fields = [f"<{name}>{escape(xml_safe(getattr(collection, name)))}</{name}>" for name in ("source", "date", "key")]
        fields += [f"<infon key={quoteattr(xml_safe(k))}>{escape(xml_safe(v))}</infon>" for k, v in collection.infons.items()]
        standalone = "no" if collection.doctype else "yes"  # a DOCTYPE names an external DTD (BioC.dtd)
        declaration = f"<?xml version='1.0' encoding='utf-8' standalone='{standalone}'?>\n"
        doctype = f"{collection.doctype}\n" if collection.doctype else ""
        return declaration + doctype + "<collection>" + "".join(fields) + "\n"

    def _document(self, document) -> None:
        self.out.write(etree.tostring(encode_document(document), encoding="unicode") + "\n")

    def _closing(self) -> str:
        return "</collection>\n"


class _BioCJson(_BioC):
    def _opening(self, collection: Header) -> str:
        fields = {"source": collection.source, "date": collection.date, "key": collection.key,
                  "version": "1.0", "infons": dict(collection.infons)}
        return json.dumps(fields, ensure_ascii=False)[:-1] + ', "documents": [\n'

    def _document(self, document) -> None:
        self.out.write(("" if self.documents == 0 else ",\n") + json.dumps(toJSON(document), ensure_ascii=False))

    def _closing(self) -> str:
        return "\n]}\n" if self.documents else "]}\n"


_WRITERS = {"jsonl": _JsonLines, "pubtator": _PubTator, "bioc-xml": _BioCXml, "bioc-json": _BioCJson}


@contextmanager
def open_writer(path: str, fmt: str, **options) -> Iterator[_Writer]:
    """A writer of ``fmt`` into ``path`` (``-``: stdout), atomic (see the module docstring).

    Options: ``write_scores`` (PubTator: each entity's score as a 7th column).
    """
    if fmt not in _WRITERS:
        raise ValueError(f"unknown output format {fmt!r}; choose one of {', '.join(WRITER_FORMATS)}")
    if str(path) == "-":
        writer = _WRITERS[fmt](sys.stdout, **options)
        yield writer
        writer.finish()
        sys.stdout.flush()
        return
    with atomic_open(path, compress=str(path).lower().endswith(".gz")) as out:
        writer = _WRITERS[fmt](out, **options)
        yield writer
        writer.finish()
