"""What turning offset annotations into word tags did: counts, and every mention it changed.

A `ConversionReport` is filled by `gerbera.corpora.offset_tags` while it reads one corpus file
(PubTator or BioC). It counts documents, sentences, words and the mentions tagged per type, and
keeps one `Change` per mention that was split off inside a word, adjusted, dropped, or that
merged two sentences, with the file, document id, offsets and text, so that nothing is lost
silently. Devel and test files, cut as new text, report instead each gold mention that their words
cannot hold (it ends inside a word, or crosses a sentence split): missed at document offsets. ``format()`` is the text the conversion command prints and the training log shows.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

# Kinds of change, in the order the report lists them.
SPLIT_WORD = "word split at a mention boundary"
ADJUSTED = "adjusted (spaces at its ends left out)"
MERGED = "sentences merged (a sentence split fell inside the mention)"
DROPPED_OVERLAP = "dropped: overlaps a longer mention (kept)"
DROPPED_DISCONTINUOUS = "dropped: discontinuous (several locations)"
DROPPED_NO_WORD = "dropped: covers no word"
DROPPED_CROSSES_PASSAGES = "dropped: crosses a passage boundary"
# Devel and test (words cut as run_predict.py cuts them): mentions no predicted mention can equal.
INSIDE_WORD = "missed at offsets: starts or ends inside a word (word tags: the whole words)"
CROSSES_SENTENCES = "missed at offsets: crosses a sentence split (word tags: its part in each sentence)"
UNREACHABLE = (INSIDE_WORD, CROSSES_SENTENCES)
KINDS = (SPLIT_WORD, ADJUSTED, MERGED, DROPPED_OVERLAP, DROPPED_DISCONTINUOUS, DROPPED_NO_WORD, DROPPED_CROSSES_PASSAGES,
         *UNREACHABLE)


@dataclass(frozen=True)
class Change:
    """One mention the conversion changed or dropped (offsets into the document text)."""

    kind: str
    path: str
    document_id: str
    start: int
    end: int
    text: str
    entity_type: str
    detail: str = ""

    def describe(self) -> str:
        more = f" ({self.detail})" if self.detail else ""
        return f"{self.path}: document {self.document_id}, {self.start}-{self.end} {self.entity_type} {self.text!r}{more}"


@dataclass
class ConversionReport:
    """Counts and changes of one or more converted files."""

    documents: int = 0
    sentences: int = 0
    words: int = 0
    mentions_by_type: Counter = field(default_factory=Counter)  # tagged mentions
    not_selected_by_type: Counter = field(default_factory=Counter)  # left out by --entity_types (tagged O)
    changes: list[Change] = field(default_factory=list)

    def add(self, change: Change) -> None:
        self.changes.append(change)

    def count(self, kind: str) -> int:
        return sum(1 for change in self.changes if change.kind == kind)

    @property
    def dropped(self) -> int:
        return sum(1 for change in self.changes if change.kind.startswith("dropped"))

    @property
    def unreachable(self) -> int:
        """Gold mentions that words cut as new text cannot hold (missed at document offsets)."""
        return sum(1 for change in self.changes if change.kind in UNREACHABLE)

    def merge(self, other: ConversionReport) -> None:
        self.documents += other.documents
        self.sentences += other.sentences
        self.words += other.words
        self.mentions_by_type.update(other.mentions_by_type)
        self.not_selected_by_type.update(other.not_selected_by_type)
        self.changes.extend(other.changes)

    def summary(self) -> str:
        """One line: documents, sentences, mentions, and how many were changed or dropped."""
        mentions = ", ".join(f"{t} {n}" for t, n in sorted(self.mentions_by_type.items())) or "none"
        changed = "; ".join(f"{self.count(kind)} {kind}" for kind in KINDS if self.count(kind))
        return (
            f"{self.documents} documents, {self.sentences} sentences, {self.words} words; mentions tagged: {mentions}"
            + (f"; {changed}" if changed else "; no mention split, adjusted or dropped")
        )

    def format(self, examples: int | None = 5) -> str:
        """The full report; ``examples`` changes listed per kind (None: all)."""
        lines = [
            f"documents: {self.documents}",
            f"sentences: {self.sentences}",
            f"words: {self.words}",
            "mentions tagged, by type: "
            + (", ".join(f"{t} {n}" for t, n in sorted(self.mentions_by_type.items())) or "none"),
        ]
        if self.not_selected_by_type:
            lines.append(
                "mentions of types not selected (--entity_types), tagged O: "
                + ", ".join(f"{t} {n}" for t, n in sorted(self.not_selected_by_type.items()))
            )
        for kind in KINDS:
            changes = [change for change in self.changes if change.kind == kind]
            lines.append(f"{kind}: {len(changes)}")
            shown = changes if examples is None else changes[:examples]
            lines += [f"  {change.describe()}" for change in shown]
            if len(shown) < len(changes):
                lines.append(f"  ... and {len(changes) - len(shown)} more")
        return "\n".join(lines)
