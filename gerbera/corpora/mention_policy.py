"""Which annotated mentions of a document become word tags: checks, type selection and policies.

For every annotation of a document (PubTator or BioC, any object with ``.start``, ``.end``,
``.mention``, ``.type`` and optionally ``.locations``), in this order:

1. **Checked**: offsets must lie within the document text (``0 <= start < end <= len(text)``),
   the type must be able to name a tag (not empty, no spaces) and the mention must equal the
   text at its offsets; otherwise the file cannot be read
   faithfully and reading stops with an error naming the file, the line of the document and
   both texts.
2. **Type selection** (``--entity_types Disease``): a mention of another type is tagged ``O`` and
   only counted (``not_selected_by_type``); with no selection every type is kept.
3. **Discontinuous mentions** (BioC annotations with several locations) cannot be written as
   B/I tags without tagging the words between their pieces: they are dropped and reported. (The
   mention-level scores at document offsets still count them as gold mentions.)
4. **Spaces at the ends** of a mention are left out of its span (reported as adjusted); a mention
   that holds only spaces is dropped and reported.
5. A mention that **crosses a passage boundary** (e.g. from the title into the abstract) is
   dropped and reported: passages are segmented one by one.
6. **Overlapping and nested mentions**: the longest is kept (ties: the one that starts first, then
   the one first in the file); each mention that overlaps a kept one is dropped and reported,
   naming the mention kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from gerbera.corpora.conversion_report import (
    ADJUSTED,
    DROPPED_CROSSES_PASSAGES,
    DROPPED_DISCONTINUOUS,
    DROPPED_NO_WORD,
    DROPPED_OVERLAP,
    Change,
    ConversionReport,
)
from gerbera.errors import CorpusFormatError


@dataclass(frozen=True)
class Mention:
    """A mention kept for tagging: ``[start, end)`` in the document text, inside passage ``passage``."""

    start: int
    end: int
    type: str
    passage: int


def parse_entity_types(value: str | None) -> frozenset[str] | None:
    """``"Disease,Chemical"`` -> ``{"Disease", "Chemical"}``; None or empty: every type."""
    if not value:
        return None
    types = frozenset(name.strip() for name in value.split(",") if name.strip())
    return types or None


def locations_of(annotation) -> tuple[tuple[int, int], ...]:
    """The ``(start, end)`` pieces of an annotation: its locations, or its one span."""
    locations = getattr(annotation, "locations", None)
    return tuple(locations) if locations else ((annotation.start, annotation.end),)


def check_annotation(document, annotation, path: str) -> None:
    """Offsets within the text, and the mention equal to the text there; else an error."""
    text = document.text
    line = getattr(document, "source_line", None)
    for start, end in locations_of(annotation):
        if not 0 <= start < end <= len(text):
            raise CorpusFormatError(
                path, line,
                f"document {document.id}: mention {annotation.mention!r} at {start}-{end} is not a span of "
                f"the document's {len(text)} characters",
            )
    if not annotation.type or any(char.isspace() for char in annotation.type):
        raise CorpusFormatError(
            path, line, f"document {document.id}: mention {annotation.mention!r} at {annotation.start}-{annotation.end} "
            f"has the type {annotation.type!r}, which cannot be a tag (B-TYPE): it is empty or holds a space",
        )
    if len(locations_of(annotation)) == 1 and text[annotation.start : annotation.end] != annotation.mention:
        raise CorpusFormatError(
            path, line,
            f"document {document.id}: mention {annotation.mention!r} differs from the text at "
            f"{annotation.start}-{annotation.end}, {text[annotation.start:annotation.end]!r}",
        )


def _passage_of(passages, start: int, end: int) -> int | None:
    for index, (passage_start, passage_end) in enumerate(passages):
        if passage_start <= start and end <= passage_end:
            return index
    return None


def select_mentions(document, path: str, entity_types: frozenset[str] | None, report: ConversionReport) -> list[Mention]:
    """The mentions of ``document`` to tag, in text order (see the module docstring)."""
    text = document.text
    candidates: list[tuple[Mention, int]] = []
    for order, annotation in enumerate(document.annotations):
        check_annotation(document, annotation, path)
        if entity_types is not None and annotation.type not in entity_types:
            report.not_selected_by_type[annotation.type] += 1
            continue

        def change(kind: str, detail: str = "", annotation=annotation) -> Change:
            return Change(kind, path, document.id, annotation.start, annotation.end, annotation.mention, annotation.type, detail)

        if len(locations_of(annotation)) > 1:
            pieces = ", ".join(f"{s}-{e}" for s, e in locations_of(annotation))
            report.add(change(DROPPED_DISCONTINUOUS, detail=f"locations {pieces}"))
            continue
        start, end = annotation.start, annotation.end
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start == end:
            report.add(change(DROPPED_NO_WORD))
            continue
        if (start, end) != (annotation.start, annotation.end):
            report.add(change(ADJUSTED, detail=f"now {start}-{end} {text[start:end]!r}"))
        passage = _passage_of(document.passages, start, end)
        if passage is None:
            report.add(change(DROPPED_CROSSES_PASSAGES))
            continue
        candidates.append((Mention(start, end, annotation.type, passage), order))
    return _keep_longest(candidates, document, path, report)


def _keep_longest(candidates, document, path: str, report: ConversionReport) -> list[Mention]:
    kept: list[Mention] = []
    text = document.text
    for mention, _ in sorted(candidates, key=lambda item: (item[0].start - item[0].end, item[0].start, item[1])):
        blocking = next((k for k in kept if k.start < mention.end and mention.start < k.end), None)
        if blocking is None:
            kept.append(mention)
            continue
        report.add(Change(
            DROPPED_OVERLAP, path, document.id, mention.start, mention.end, text[mention.start:mention.end],
            mention.type, f"kept {blocking.start}-{blocking.end} {blocking.type} {text[blocking.start:blocking.end]!r}",
        ))
    return sorted(kept, key=lambda m: m.start)
