"""The one document type every reader returns and every writer takes: text with passages and entity annotations.

A :class:`Document` is either a PubTator-style document (``title`` and ``abstract``, its text
``title + " " + abstract``, the abstract starting at ``len(title) + 1``) or any other text
(``body``: BioC, plain text, a column file's sentence; :meth:`Document.of_text`). Either way it
has ``id`` (a string), ``text``, ``passages`` (``(start, end)`` spans of ``text``, each
segmented on its own; None: the text is segmented whole), ``annotations`` (offsets into
``text``), ``relations``, ``infons`` (the source document's), ``header`` (the collection's
:class:`Header`, shared by the documents of one file), ``source_line`` (the line of the file
where the document starts) and, for a column file, ``words``. A BioC document also keeps the
``bioc.BioCDocument`` it was read from (``bioc``) so that it is written back whole.

:func:`checked` is applied by :func:`gerbera.documents.formats.iter_documents` to every document
read: the id becomes a string, and characters XML 1.0 cannot hold (C0 controls other than tab and
line ends, such as ``\\x0b`` and ``\\x01``; U+FFFE, U+FFFF; lone surrogates) become spaces in
the text, the mentions and the BioC document kept for writing back: one character for one, so
every offset stays valid, and every writer (PubTator, BioC XML and JSON, JSON Lines) writes the
same text. Each document changed is logged.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field

__all__ = ["Annotation", "Document", "Header", "checked", "xml_safe"]

logger = logging.getLogger("gerbera")

_NOT_IN_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """``text`` with every character XML 1.0 cannot hold replaced by a space (same length)."""
    return _NOT_IN_XML.sub(" ", text) if _NOT_IN_XML.search(text) else text


@dataclass
class Annotation:
    """An entity mention: character offsets ``[start, end)`` into :attr:`Document.text`.

    ``identifier`` is the concept id of the 6th column (e.g. ``MESH:D003920``), None when absent;
    ``score`` a model's confidence, written only when asked for (PubTator has no such column).
    ``locations``: None for one contiguous span; a discontinuous mention (BioC, several
    locations) has its ``(start, end)`` spans here, ``start``/``end`` covering them all.
    """

    start: int
    end: int
    mention: str
    type: str
    identifier: str | None = None
    score: float | None = None
    locations: tuple[tuple[int, int], ...] | None = None


@dataclass
class Header:
    """A collection's header: BioC's ``source``, ``date``, ``key`` and infons, and the XML
    ``DOCTYPE`` declaration of the file it came from (None: none), written back with its documents."""

    source: str = ""
    date: str = ""
    key: str = ""
    infons: dict[str, str] = field(default_factory=dict)
    doctype: str | None = None


@dataclass
class Document:
    """A document of any format (see the module docstring).

    ``relations`` holds the tab-separated columns after the PMID of each PubTator relation line
    (for BC5CDR: ``("CID", "D008750", "D007022")``), in file order. ``body`` and ``spans``: the
    text and passages of a document that is not a title and an abstract (:meth:`of_text`).
    """

    id: str
    title: str = ""
    abstract: str = ""
    annotations: list[Annotation] = field(default_factory=list)
    relations: list[tuple[str, ...]] = field(default_factory=list)
    source_line: int | None = field(default=None, compare=False)
    body: str | None = None
    spans: list[tuple[int, int]] | None = None
    infons: dict[str, str] = field(default_factory=dict)
    header: Header | None = field(default=None, compare=False, repr=False)
    bioc: object = field(default=None, compare=False, repr=False)
    words: tuple[str, ...] | None = None

    @classmethod
    def of_text(cls, document_id: str, text: str, passages: list[tuple[int, int]] | None = None, **fields) -> Document:
        """A document that is not a title and an abstract: ``text`` with ``passages`` (None: whole)."""
        return cls(document_id, body=text, spans=None if passages is None else list(passages), **fields)

    @property
    def has_title(self) -> bool:
        """Whether the document is a title and an abstract (PubTator, MEDLINE)."""
        return self.body is None

    @property
    def text(self) -> str:
        """The text annotation offsets refer to: ``body``, or ``title + " " + abstract``."""
        return self.body if self.body is not None else f"{self.title} {self.abstract}"

    @property
    def passages(self) -> list[tuple[int, int]] | None:
        """The ``(start, end)`` spans of the passages within :attr:`text` (a title and an abstract:
        theirs, unless ``spans`` says otherwise; other text: ``spans``, None when whole)."""
        if self.spans is not None or not self.has_title:
            return self.spans
        abstract_start = len(self.title) + 1
        return [(0, len(self.title)), (abstract_start, abstract_start + len(self.abstract))]


def checked(document: Document, path: str = "<string>") -> Document:
    """``document`` as every writer takes it (see the module docstring); changed in place."""
    document.id = "" if document.id is None else str(document.id)
    changed = False
    for name in ("title", "abstract", "body"):
        value = getattr(document, name)
        if value and _NOT_IN_XML.search(value):
            setattr(document, name, xml_safe(value))
            changed = True
    for annotation in document.annotations:
        if _NOT_IN_XML.search(annotation.mention):
            annotation.mention, changed = xml_safe(annotation.mention), True
    if document.bioc is not None:
        changed = _bioc_xml_safe(document.bioc) or changed
    if changed:
        logger.warning("%s: document %s: characters XML cannot hold (control characters) are written as spaces "
                       "(offsets unchanged)", path, document.id)
    return document


def _bioc_xml_safe(node) -> bool:
    """Every text and infon of a ``bioc`` document, passage, sentence, annotation or relation made
    :func:`xml_safe`; whether anything changed."""
    changed = False
    text = getattr(node, "text", None)
    if text and _NOT_IN_XML.search(text):
        node.text, changed = xml_safe(text), True
    infons = getattr(node, "infons", None) or {}
    if any(_NOT_IN_XML.search(f"{key}{value}") for key, value in infons.items()):
        node.infons = {xml_safe(str(key)): xml_safe(str(value)) for key, value in infons.items()}
        changed = True
    for child in (*getattr(node, "passages", ()), *getattr(node, "sentences", ()), *getattr(node, "annotations", ()),
                  *getattr(node, "relations", ())):
        changed = _bioc_xml_safe(child) or changed
    return changed
