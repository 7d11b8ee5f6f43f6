"""Predicted mentions written back at document offsets, in the format the corpus came in.

PubTator: each document's title and abstract with the predicted mentions as its annotation
lines. BioC (XML or JSON): each document with its passages (offsets, texts, infons) and the
predicted mentions as its annotations, in the passage that holds them (infons ``type``, a
location at document offset and length, the text); the input's own annotations and relations are
left out, so that the file holds the predictions only and any BioCreative-style scorer can
compare it with the gold file; the collection's header (source, date, key, infons, the XML
``DOCTYPE``) is the input's. PubTator annotation lines have six columns (``-`` for the concept id),
and an untyped mention is named by ``untyped_name``. Files are written whole, atomically.
"""

from __future__ import annotations

from pathlib import Path

import bioc
from bioc import biocjson

from gerbera.documents.pubtator import Annotation, Document, format_pubtator
from gerbera.outputs import atomic_write


def _sorted(mentions):
    return sorted(mentions, key=lambda m: (m[0], m[1], m[2] or ""))


def pubtator_text(documents: list[Document], predicted_per_document, untyped_name: str) -> str:
    written = []
    for document, mentions in zip(documents, predicted_per_document):
        annotations = [Annotation(start, end, document.text[start:end], entity_type or untyped_name)
                       for start, end, entity_type in _sorted(mentions)]
        written.append(Document(document.id, document.title, document.abstract, annotations))
    return format_pubtator(written)


def _bare_passage(passage: bioc.BioCPassage) -> bioc.BioCPassage:
    copy = bioc.BioCPassage()
    copy.offset, copy.text, copy.infons = passage.offset, passage.text, dict(passage.infons)
    if passage.text is None:
        for sentence in passage.sentences:
            bare = bioc.BioCSentence()
            bare.offset, bare.text, bare.infons = sentence.offset, sentence.text, dict(sentence.infons)
            copy.add_sentence(bare)
    return copy


def bioc_collection(documents, predicted_per_document, untyped_name: str) -> bioc.BioCCollection:
    collection = bioc.BioCCollection()
    original = documents[0].header if documents else None
    if original is not None:
        collection.source, collection.date, collection.key = original.source, original.date, original.key
        collection.infons = dict(original.infons)
    number = 0
    for document, mentions in zip(documents, predicted_per_document):
        written = bioc.BioCDocument()
        written.id, written.infons = document.id, dict(document.bioc.infons)
        for passage in document.bioc.passages:
            written.add_passage(_bare_passage(passage))
        for start, end, entity_type in _sorted(mentions):
            number += 1
            annotation = bioc.BioCAnnotation()
            annotation.id = f"P{number}"
            annotation.infons["type"] = entity_type or untyped_name
            annotation.add_location(bioc.BioCLocation(start, end - start))
            annotation.text = document.text[start:end]
            holder = next((p for p in reversed(written.passages) if p.offset <= start), None)
            (holder or written).add_annotation(annotation)
        collection.add_document(written)
    return collection


def write_predicted(documents, predicted_per_document, fmt: str, path: Path, untyped_name: str) -> None:
    """Write ``documents`` with ``predicted_per_document`` (``(start, end, type)`` sets) as ``fmt``."""
    if fmt == "pubtator":
        atomic_write(path, pubtator_text(documents, predicted_per_document, untyped_name))
    elif fmt == "bioc-json":
        atomic_write(path, biocjson.dumps(bioc_collection(documents, predicted_per_document, untyped_name), indent=1))
    else:
        text = bioc.dumps(bioc_collection(documents, predicted_per_document, untyped_name))
        doctype = documents[0].header.doctype if documents and documents[0].header is not None else None
        if doctype:  # the input's DOCTYPE, after the XML declaration
            declaration, rest = text.split("\n", 1)
            declaration = declaration.replace("standalone='yes'", "standalone='no'")
            text = f"{declaration}\n{doctype}\n{rest}"
        atomic_write(path, text)
