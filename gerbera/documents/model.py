"""The documents every format reads into: text with passages and entity annotations at character offsets.

:class:`Document` is a PubTator document (title and abstract, text ``title + " " + abstract``);
readers of other formats yield objects with the same protocol: ``id``, ``text``, ``passages``
(``(start, end)`` spans of ``text``, each segmented on its own), ``annotations`` (offsets into
``text``) and ``source_line`` (the line of the file where the document starts, or None).
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Annotation", "Document"]


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
class Document:
    """A PubTator document: title, abstract, entity annotations and any relation lines.

    ``relations`` holds the tab-separated columns after the PMID of each relation line (for
    BC5CDR: ``("CID", "D008750", "D007022")``), in file order. ``source_line``: the line of the
    file where the document starts (None when not read from a file), for error messages.
    """

    id: str
    title: str
    abstract: str = ""
    annotations: list[Annotation] = field(default_factory=list)
    relations: list[tuple[str, ...]] = field(default_factory=list)
    source_line: int | None = field(default=None, compare=False)

    @property
    def text(self) -> str:
        """The text annotation offsets refer to: ``title + " " + abstract``."""
        return f"{self.title} {self.abstract}"

    @property
    def passages(self) -> list[tuple[int, int]]:
        """The ``(start, end)`` spans of the title and the abstract within :attr:`text`."""
        abstract_start = len(self.title) + 1
        return [(0, len(self.title)), (abstract_start, abstract_start + len(self.abstract))]
