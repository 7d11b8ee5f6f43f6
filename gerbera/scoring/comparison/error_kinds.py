"""Entity spans of one sentence and what a prediction got wrong, for ``gerbera.scoring.comparison.report``.

Spans are read from the tags with seqeval's own ``get_entities`` (its default, conlleval mode),
so a span here is exactly an entity that seqeval counts. Every predicted entity is one of:

- ``correct``: the same words and type as a gold entity (a strict true positive);
- ``type``: the same words as a gold entity, another type;
- ``boundary``: overlaps a gold entity, with other first or last words (whatever its type);
- ``spurious``: overlaps no gold entity.

A gold entity that no predicted entity overlaps is ``missed``. So strict false positives =
type + boundary + spurious errors, and every strict false negative is a missed entity or a gold
entity that a type or boundary error touches.

Relaxed (overlap) match: a predicted entity is right when it shares a word with a gold entity of
its type; a gold entity is found when a predicted entity of its type shares a word with it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from seqeval.metrics.sequence_labeling import get_entities

ERROR_KINDS = ("missed", "spurious", "boundary", "type")


@dataclass(frozen=True)
class Span:
    type: str
    start: int
    end: int  # inclusive, as seqeval gives it

    def overlaps(self, other: Span) -> bool:
        return self.start <= other.end and other.start <= self.end

    @property
    def words(self) -> tuple[int, int]:
        return self.start, self.end


def spans(tags: Sequence[str]) -> list[Span]:
    return [Span(entity_type, start, end) for entity_type, start, end in get_entities(list(tags))]


@dataclass
class SentenceErrors:
    """One system's entities in one sentence, each with its kind."""

    gold: list[Span]
    predicted: list[Span]
    predicted_kind: list[str]  # correct, type, boundary or spurious, one per predicted entity
    missed: list[Span]  # gold entities no predicted entity overlaps
    overlap_precision_hits: int  # predicted entities overlapping a gold entity of their type
    overlap_recall_hits: int  # gold entities overlapped by a predicted entity of their type

    @property
    def tp(self) -> int:
        return self.predicted_kind.count("correct")

    @property
    def fp(self) -> int:
        return len(self.predicted) - self.tp

    @property
    def fn(self) -> int:
        return len(self.gold) - self.tp

    def count(self, kind: str) -> int:
        return len(self.missed) if kind == "missed" else self.predicted_kind.count(kind)


def classify(gold_tags: Sequence[str], predicted_tags: Sequence[str]) -> SentenceErrors:
    gold, predicted = spans(gold_tags), spans(predicted_tags)
    gold_set = set(gold)
    by_words = {g.words: g for g in gold}
    kinds = []
    for p in predicted:
        if p in gold_set:
            kinds.append("correct")
        elif p.words in by_words:
            kinds.append("type")
        elif any(p.overlaps(g) for g in gold):
            kinds.append("boundary")
        else:
            kinds.append("spurious")
    missed = [g for g in gold if not any(g.overlaps(p) for p in predicted)]
    overlap_precision = sum(any(p.type == g.type and p.overlaps(g) for g in gold) for p in predicted)
    overlap_recall = sum(any(p.type == g.type and p.overlaps(g) for p in predicted) for g in gold)
    return SentenceErrors(gold, predicted, kinds, missed, overlap_precision, overlap_recall)
