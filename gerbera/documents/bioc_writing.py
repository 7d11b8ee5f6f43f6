"""A tagged document as BioC: the input's BioC document with the model's entities added as annotations.

A document read from BioC is written back as it came (its passages, infons, annotations and
relations), with one annotation added per entity, in the passage whose text holds it (at the
document level when none does), the way BioC tools such as PubTator3's expect them::

    <annotation id="7">
      <infon key="type">Disease</infon>
      <infon key="score">0.987654</infon>
      <location offset="1024" length="12"/>
      <text>hypertension</text>
    </annotation>

``offset`` is a BioC document offset (the entity's ``start``), ``length`` its length; an entity of a
run with several models (``run_predict.py --model``) has a ``model`` infon too, the name of the model
it came from. Ids are
whole numbers after the largest whole-number id already in the document, so they never clash.
Any other document (PubTator, MEDLINE, plain text) becomes a BioC document with one passage per
passage of its text (``title`` and ``abstract`` infons for PubTator and MEDLINE) at the same
offsets; a PubTator document's own annotations are kept as annotations too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator

from bioc import BioCAnnotation, BioCDocument, BioCLocation, BioCPassage

from gerbera.documents.bioc_documents import all_annotations
from gerbera.documents.model import Annotation, Document, Header

__all__ = ["bioc_document", "collection_info", "with_entities"]


def collection_info(document: Document | None) -> Header:
    """The collection header (source, date, key, infons, DOCTYPE) to write ``document``'s file
    with: its input's, or a ``GERBERA`` source."""
    if document is not None and document.header is not None:
        return document.header
    return Header(source="GERBERA")


def _passage_kinds(document: Document, count: int) -> list[str | None]:
    if document.has_title:
        return ["title"] + ["abstract"] * (count - 1)
    return [None] * count


def _new_annotation(identifier: str, annotation: Annotation) -> BioCAnnotation:
    result = BioCAnnotation()
    result.id = identifier
    result.infons["type"] = annotation.type
    if annotation.identifier:
        result.infons["identifier"] = annotation.identifier
    if annotation.score is not None:
        result.infons["score"] = repr(round(float(annotation.score), 6))
    for start, end in annotation.locations or ((annotation.start, annotation.end),):
        result.add_location(BioCLocation(start, end - start))
    result.text = annotation.mention
    return result


def bioc_document(document: Document) -> BioCDocument:
    """``document``'s BioC form: the BioC document it was read from (changed in place by
    :func:`with_entities`), or one built from its text, passages, infons and annotations."""
    if document.bioc is not None:
        return document.bioc
    result = BioCDocument()
    result.id = document.id
    result.infons = dict(document.infons)
    text = document.text
    spans = document.passages if document.passages is not None else [(0, len(text))]
    for (start, end), kind in zip(spans, _passage_kinds(document, len(spans))):
        passage = BioCPassage()
        passage.offset, passage.text = start, text[start:end]
        if kind:
            passage.infons["type"] = kind
        result.add_passage(passage)
    _add(result, list(document.annotations or ()))
    return result


def _numbers(identifiers: Iterable[str]) -> Iterator[int]:
    for identifier in identifiers:
        if identifier and identifier.isdigit():
            yield int(identifier)


def _add(document: BioCDocument, annotations: list[Annotation]) -> list[BioCAnnotation]:
    """``annotations`` into the passages that hold them, with new ids; the BioC annotations added."""
    used = {a.id for a in all_annotations(document)}
    next_id = max(_numbers(used), default=0) + 1
    added = []
    for annotation in annotations:
        while str(next_id) in used:
            next_id += 1
        new = _new_annotation(str(next_id), annotation)
        used.add(new.id)
        _home(document, annotation.start, annotation.end).add_annotation(new)
        added.append(new)
    return added


def _home(document: BioCDocument, start: int, end: int):
    """The passage (or, in a passage given as sentences, the sentence) whose text holds ``start:end``."""
    for passage in document.passages:
        pieces = [passage] if passage.text else passage.sentences
        for piece in pieces:
            if piece.text is not None and piece.offset <= start and end <= piece.offset + len(piece.text):
                return piece
    return document


def with_entities(document: Document, entities: Iterable) -> BioCDocument:
    """``document`` as BioC with ``entities`` (``start``, ``end``, ``text``, ``type``, ``score`` at
    document offsets) added as annotations."""
    result = bioc_document(document)
    entities = list(entities)
    added = _add(result, [Annotation(e.start, e.end, e.text, e.type, None, e.score) for e in entities])
    for annotation, entity in zip(added, entities):
        if getattr(entity, "model", None) is not None:  # a run with several models: the one it came from
            annotation.infons["model"] = entity.model
    return result
