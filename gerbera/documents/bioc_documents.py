"""A BioC document as text to tag: its passages laid out at their BioC offsets, its annotations kept.

BioC offsets are document offsets: a passage's text starts at its ``offset``, an annotation's
location is ``offset`` (into the document) and ``length``. :func:`bioc_text_document` lays the
passages' texts out at their offsets (a passage without text contributes its sentences' texts
at theirs), fills the gaps between them with spaces, and so gives a text that BioC offsets
index directly: ``text[location.offset:location.offset + location.length]`` is the located text.
Each passage (or sentence, for a passage given as sentences) is one span of ``passages``, so
segmentation never joins two of them into one sentence.

The annotations of the input (in passages, sentences or the document) become
:class:`~gerbera.documents.model.Annotation`\\ s: ``type`` from the infon ``type``, ``identifier``
from ``identifier`` (or ``MESH``), ``score`` from ``score`` when it is a number, ``mention`` the
annotation's text; one with several locations
(a discontinuous mention) keeps them in ``locations``, its ``start``/``end`` covering them all.
With ``check_mentions``, a contiguous annotation's text must equal the document text at its
location. The result is a :class:`~gerbera.documents.model.Document` (its id a string, its infons
the BioC document's, its header the collection's); the original ``bioc.BioCDocument`` is kept
(``.bioc``, its ids made strings) for writing back.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from bioc import BioCAnnotation, BioCDocument

from gerbera.documents.model import Annotation, Document, Header
from gerbera.documents.opening import DocumentFormatError, display_name

__all__ = ["all_annotations", "bioc_text_document", "string_ids"]


def _pieces(document: BioCDocument) -> Iterator[tuple[int, str]]:
    """``(offset, text)`` of every passage with text, or of its sentences when it has none."""
    for passage in document.passages:
        if passage.text:
            yield passage.offset, passage.text
        else:
            for sentence in passage.sentences:
                if sentence.text:
                    yield sentence.offset, sentence.text


def all_annotations(document: BioCDocument) -> Iterator[BioCAnnotation]:
    """The annotations of every passage, sentence and of the document itself."""
    for passage in document.passages:
        yield from passage.annotations
        for sentence in passage.sentences:
            yield from sentence.annotations
    yield from document.annotations


def bioc_text_document(
    document: BioCDocument,
    path: str,
    line: int | None,
    check_mentions: bool = True,
    header: Header | None = None,
) -> Document:
    """``document`` as text with passages and annotations at BioC document offsets.

    Raises :class:`DocumentFormatError` naming ``path``, ``line`` and the document id for
    passages that overlap, offsets that are negative or past the text, or (``check_mentions``)
    an annotation whose text differs from the document's at its location.
    """
    string_ids(document)
    document_id = document.id

    def fail(problem: str) -> DocumentFormatError:
        return DocumentFormatError(path, line, f"document {document_id!r}: {problem}", document_id or None)

    if not document_id.strip():
        raise fail("no document id")
    parts: list[str] = []
    spans: list[tuple[int, int]] = []
    end = 0
    for offset, piece in sorted(_pieces(document), key=lambda item: item[0]):
        if offset < end:
            raise fail(f"the passage at offset {offset} overlaps the text before it, which ends at {end}")
        parts.append(" " * (offset - end))
        parts.append(piece)
        spans.append((offset, offset + len(piece)))
        end = offset + len(piece)
    text = "".join(parts)
    annotations = [_annotation(a, text, check_mentions, fail) for a in all_annotations(document)]
    annotations.sort(key=lambda a: (a.start, a.end, a.type))
    return Document.of_text(document_id, text, spans, annotations=annotations, source_line=line,
                            infons=dict(document.infons), header=header, bioc=document)


def string_ids(document: BioCDocument) -> None:
    """The ids of ``document`` and of its annotations, relations and nodes as strings ("" for none):
    BioC JSON may give numbers."""
    document.id = "" if document.id is None else str(document.id)
    relations = list(document.relations)
    for passage in document.passages:
        relations += passage.relations
        for sentence in passage.sentences:
            relations += sentence.relations
    for item in (*all_annotations(document), *relations):
        item.id = "" if item.id is None else str(item.id)
    for relation in relations:
        for node in relation.nodes:
            node.refid = "" if node.refid is None else str(node.refid)


def _annotation(annotation: BioCAnnotation, text: str, check_mentions: bool, fail) -> Annotation:
    name = f"annotation {annotation.id!r}" if annotation.id else "an annotation"
    if not annotation.locations:
        raise fail(f"{name} has no location")
    spans = []
    for location in annotation.locations:
        start, stop = location.offset, location.offset + location.length
        if location.offset < 0 or location.length < 0 or stop > len(text):
            raise fail(f"{name} at {start}-{stop} is not a span of the document's {len(text)} characters")
        spans.append((start, stop))
    spans.sort()
    mention = annotation.text or ""
    if check_mentions and len(spans) == 1 and text[spans[0][0]:spans[0][1]] != mention:
        raise fail(f"{name}: its text {mention!r} differs from the document text at {spans[0][0]}-{spans[0][1]}, "
                   f"{text[spans[0][0]:spans[0][1]]!r}")
    infons = annotation.infons
    identifier = infons.get("identifier") or infons.get("MESH")
    return Annotation(
        spans[0][0], max(stop for _, stop in spans), mention, str(infons.get("type") or ""),
        str(identifier) if identifier else None, _score(infons.get("score")),
        tuple(spans) if len(spans) > 1 else None,
    )


def _score(value: str | None) -> float | None:
    """The ``score`` infon (a model's confidence, as GERBERA writes it) as a number, if it is one."""
    try:
        return float(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def bioc_text_documents(
    raw: Iterable[tuple[BioCDocument, int | None, Header]],
    path: str,
    check_mentions: bool,
    on_bad_document: Callable[[DocumentFormatError], None] | None,
) -> Iterator[Document]:
    """Each read BioC document (with its line and collection) as text to tag; a malformed one raises,
    or goes to ``on_bad_document`` and is skipped. Shared by the XML and JSON readers."""
    for document, line, header in raw:
        try:
            yield bioc_text_document(document, display_name(path), line, check_mentions, header)
        except DocumentFormatError as error:
            if on_bad_document is None:
                raise
            on_bad_document(error)
