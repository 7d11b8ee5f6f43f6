"""Reading PubMed/MEDLINE XML (``PubmedArticleSet``: baseline and update files, ``.xml.gz``) one citation at a time.

Each ``<PubmedArticle>`` (and ``<PubmedBookArticle>``) becomes a
:class:`~gerbera.documents.model.Document` with a title and an abstract: its id is the PMID, its text is PubTator's,
``title + " " + abstract``, so offsets are the same as in PubTator files of the same citation.

- **Title**: ``ArticleTitle`` (for a book: the chapter's ``ArticleTitle``, else ``BookTitle``);
  ``VernacularTitle`` when there is no English one.
- **Abstract**: the ``AbstractText`` sections of ``Abstract`` (not ``OtherAbstract``, the
  abstracts in other languages; not ``CopyrightInformation``), in order, joined by one space.
  A structured abstract's section keeps its label as PubMed shows it: ``Label="BACKGROUND"``
  gives ``"BACKGROUND: "`` before the section's text. The labels are part of the text and so
  are tagged too, and a document's ``passages`` are the title and each section (label
  included), so no sentence runs from one section into the next. A section without text is
  left out.
- A citation without an abstract is its title alone (text ``title + " "``, as in PubTator).
- Inline markup (``<i>``, ``<b>``, ``<sup>``, ``<sub>``, ``<u>``, MathML) keeps its text
  (``H<sub>2</sub>O`` reads ``H2O``); each run of white space (line breaks included) becomes one
  space, and titles and sections are stripped, so titles and abstracts fit PubTator's lines.
- ``<DeleteCitation>`` (update files) is ignored: this reader tags what a file holds, it does
  not apply deletions to earlier outputs.

The XML is read with lxml's ``iterparse``; each citation's elements are freed once it is read,
so memory holds one citation, not the file. A citation without a PMID is a malformed document
(:class:`~gerbera.documents.opening.DocumentFormatError` naming the file and line);
``on_bad_document`` gets it and reading goes on. XML that does not parse always raises.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from lxml import etree

from gerbera.documents.model import Document
from gerbera.documents.opening import DocumentFormatError, display_name, open_binary, reading_errors

__all__ = ["citation_document", "iter_medline"]

_ROOTS = ("PubmedArticleSet", "PubmedBookArticleSet")
_TITLE_PATHS = (
    "MedlineCitation/Article/ArticleTitle",
    "BookDocument/ArticleTitle",
    "BookDocument/Book/BookTitle",
    "MedlineCitation/Article/VernacularTitle",
)
_ABSTRACT_PATHS = ("MedlineCitation/Article/Abstract", "BookDocument/Abstract")
_PMID_PATHS = ("MedlineCitation/PMID", "BookDocument/PMID")


def _plain(element) -> str:
    """The element's text with its inline markup's text, white space runs as one space."""
    return " ".join("".join(element.itertext()).split()) if element is not None else ""


def _first_text(citation, paths: tuple[str, ...]) -> str:
    for path in paths:
        text = _plain(citation.find(path))
        if text:
            return text
    return ""


def citation_document(citation, path: str = "<string>") -> Document:
    """A ``<PubmedArticle>`` or ``<PubmedBookArticle>`` element as a document (see the module docstring)."""
    pmid = _first_text(citation, _PMID_PATHS)
    if not pmid:
        raise DocumentFormatError(path, citation.sourceline, f"a <{citation.tag}> without a PMID")
    title = _first_text(citation, _TITLE_PATHS)
    abstract = next((a for a in map(citation.find, _ABSTRACT_PATHS) if a is not None), None)
    parts: list[str] = []
    sections: list[tuple[int, int]] = []
    start = len(title) + 1
    for section in abstract.iterfind("AbstractText") if abstract is not None else ():
        text = _plain(section)
        if not text:
            continue
        label = " ".join((section.get("Label") or "").split())
        part = f"{label}: {text}" if label else text
        if parts:
            start += 1
        sections.append((start, start + len(part)))
        parts.append(part)
        start += len(part)
    spans = [(0, len(title)), *sections]  # the title, then each abstract section: each segmented on its own
    return Document(pmid, title, " ".join(parts), source_line=citation.sourceline, spans=spans)


def iter_medline(
    path: str, on_bad_document: Callable[[DocumentFormatError], None] | None = None
) -> Iterator[Document]:
    """The citations of a PubMed XML file (``.gz`` too), one at a time (see the module docstring)."""
    shown = display_name(path)
    with open_binary(path) as binary, reading_errors(path):
        events = etree.iterparse(
            binary, events=("end",), tag=("PubmedArticle", "PubmedBookArticle", "DeleteCitation"),
            remove_comments=True, resolve_entities=False, no_network=True,
        )
        try:
            for _, element in events:
                if element.tag != "DeleteCitation":
                    try:
                        yield citation_document(element, shown)
                    except DocumentFormatError as error:
                        if on_bad_document is None:
                            raise
                        on_bad_document(error)
                _free(element)
        except etree.XMLSyntaxError as error:
            raise DocumentFormatError(shown, error.lineno, f"not well-formed XML: {error.msg}") from None
        if events.root is not None and events.root.tag not in _ROOTS:
            raise DocumentFormatError(shown, 1, f"the root element is <{events.root.tag}>, not PubMed's <PubmedArticleSet>")


def _free(element) -> None:
    """Drop a read citation and the elements before it from the tree being built."""
    element.clear(keep_tail=True)
    parent = element.getparent()
    if parent is not None:
        while element.getprevious() is not None:
            del parent[0]
