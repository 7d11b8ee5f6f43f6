"""Reading BioC XML one document at a time, with memory that does not grow with the file.

``bioc.biocxml.iterparse`` (the ``bioc`` package) streams documents, but it never frees the XML
elements it has read, so its memory grows with the file (measured in
``bench/document_readers.py``). This reader uses lxml's ``iterparse`` the same way, builds each
``<document>`` into the package's own ``bioc.BioCDocument`` as soon as it ends, and then frees
the element and the ones before it. A document that breaks the BioC structure (an offset that
is not a number, a location without a length) is a :class:`DocumentFormatError` naming the file,
the line where the document starts and its id; XML that is not well formed names the line the
parser stopped at. The collection's ``source``, ``date``, ``key``, infons and the file's
``DOCTYPE`` declaration are kept (for writing BioC back) in a
:class:`~gerbera.documents.model.Header`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from bioc import BioCAnnotation, BioCDocument, BioCLocation, BioCNode, BioCPassage, BioCRelation, BioCSentence
from lxml import etree

from gerbera.documents.bioc_documents import bioc_text_documents
from gerbera.documents.model import Document, Header
from gerbera.documents.opening import DocumentFormatError, display_name, open_binary, reading_errors

__all__ = ["iter_bioc_xml", "iter_bioc_xml_documents"]

_COLLECTION_FIELDS = ("source", "date", "key", "infon")


class _Malformed(Exception):
    """A BioC element that breaks the format: the element and the problem."""

    def __init__(self, element, problem: str):
        super().__init__(problem)
        self.element = element
        self.problem = problem


def _integer(element, name: str, value: str | None) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise _Malformed(element, f"<{element.tag}> has {name} {value!r}, not a whole number") from None


def _annotation(element) -> BioCAnnotation:
    annotation = BioCAnnotation()
    annotation.id = element.get("id") or ""
    for child in element:
        if child.tag == "infon":
            annotation.infons[child.get("key")] = child.text or ""
        elif child.tag == "location":
            offset = _integer(child, "offset", child.get("offset"))
            annotation.add_location(BioCLocation(offset, _integer(child, "length", child.get("length"))))
        elif child.tag == "text":
            annotation.text = child.text or ""
    return annotation


def _relation(element) -> BioCRelation:
    relation = BioCRelation()
    relation.id = element.get("id") or ""
    for child in element:
        if child.tag == "infon":
            relation.infons[child.get("key")] = child.text or ""
        elif child.tag == "node":
            relation.add_node(BioCNode(child.get("refid") or "", child.get("role") or ""))
    return relation


def _own_children(target, element) -> Iterator:
    """The children of a document, passage or sentence element, its infons, annotations and
    relations read into ``target`` on the way (one pass over the children)."""
    for child in element:
        tag = child.tag
        if tag == "infon":
            target.infons[child.get("key")] = child.text or ""
        elif tag == "annotation":
            target.add_annotation(_annotation(child))
        elif tag == "relation":
            target.add_relation(_relation(child))
        else:
            yield child


def _sentence(element) -> BioCSentence:
    sentence, offset = BioCSentence(), None
    for child in _own_children(sentence, element):
        if child.tag == "offset":
            offset = child.text
        elif child.tag == "text":
            sentence.text = child.text or ""
    sentence.offset = _integer(element, "offset", offset)
    return sentence


def _passage(element) -> BioCPassage:
    passage, offset = BioCPassage(), None
    for child in _own_children(passage, element):
        if child.tag == "offset":
            offset = child.text
        elif child.tag == "text":
            passage.text = child.text or ""
        elif child.tag == "sentence":
            passage.add_sentence(_sentence(child))
    passage.offset = _integer(element, "offset", offset)
    return passage


def element_document(element) -> BioCDocument:
    """A ``<document>`` element as a ``bioc.BioCDocument`` (raises ``_Malformed``)."""
    document = BioCDocument()
    for child in _own_children(document, element):
        if child.tag == "id":
            document.id = child.text
        elif child.tag == "passage":
            document.add_passage(_passage(child))
    return document


def iter_bioc_xml_documents(
    path: str, on_bad_document: Callable[[DocumentFormatError], None] | None = None
) -> Iterator[tuple[BioCDocument, int | None, Header]]:
    """Every ``bioc.BioCDocument`` of a BioC XML file (``.gz`` too), with the line where it starts
    and the collection's header; freed from memory once the next one is read."""
    collection = Header()
    shown = display_name(path)
    with open_binary(path) as binary, reading_errors(path):
        events = etree.iterparse(binary, events=("end",), tag=("document", *_COLLECTION_FIELDS), remove_comments=True)
        try:
            for _, element in events:
                parent = element.getparent()
                if collection.doctype is None:
                    collection.doctype = element.getroottree().docinfo.doctype or ""
                if element.tag != "document":
                    if parent is not None and parent.tag == "collection":
                        _collection_field(collection, element)
                    continue
                try:
                    yield element_document(element), element.sourceline, collection
                except _Malformed as malformed:
                    document_id = element.findtext("id")
                    error = DocumentFormatError(shown, malformed.element.sourceline,
                                                f"document {document_id!r}: {malformed.problem}", document_id or None)
                    if on_bad_document is None:
                        raise error from None
                    on_bad_document(error)
                element.clear(keep_tail=True)
                if parent is not None:
                    while element.getprevious() is not None:
                        del parent[0]
        except etree.XMLSyntaxError as error:
            raise DocumentFormatError(shown, error.lineno, f"not well-formed XML: {error.msg}") from None
        if events.root is not None and events.root.tag != "collection":
            raise DocumentFormatError(shown, 1, f"the root element is <{events.root.tag}>, not BioC's <collection>")


def _collection_field(collection: Header, element) -> None:
    if element.tag == "infon":
        collection.infons[element.get("key")] = element.text or ""
    else:
        setattr(collection, element.tag, element.text or "")


def iter_bioc_xml(
    path: str,
    check_mentions: bool = True,
    on_bad_document: Callable[[DocumentFormatError], None] | None = None,
) -> Iterator[Document]:
    """The documents of a BioC XML file as text to tag (see :mod:`gerbera.documents.bioc_documents`).

    A malformed document raises :class:`DocumentFormatError`; with ``on_bad_document`` the
    callback gets the error and reading goes on with the next document.
    """
    yield from bioc_text_documents(iter_bioc_xml_documents(path, on_bad_document), path, check_mentions, on_bad_document)
