"""The tag set shared by every dataset, and how each corpus's tags are mapped into it.

Corpora come in different tag schemes (IOB2, IOB1, IO, IOBES/BIOES, BILOU) and with or without
entity types. Every sentence is first normalised to IOB2 (the rule seqeval's default mode uses:
an inside tag that does not continue an entity of the same type starts one), then expressed in
the tag set's own scheme and typing. With an untyped tag set (``B``, ``I``, ``O``) typed tags are
read as their prefix alone: that is how CoNLL2003's ``B-PER`` joins NCBI-disease's ``B``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from gerbera.errors import CorpusFormatError, GerberaError
from gerbera.outputs import atomic_write
from gerbera.text.column_syntax import OUTSIDE, parse_tag  # parse_tag: here too, for the many users of this module

# Prefixes of other schemes, as the IOB2 prefix they become when the entity starts here.
_STARTS = {"B", "S", "U"}
_INSIDES = {"I", "E", "L"}


def to_iob2(parsed: Sequence[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    """Normalise one sentence's parsed tags (any scheme) to IOB2."""
    result: list[tuple[str, str | None]] = []
    previous: tuple[str, str | None] = (OUTSIDE, None)
    for prefix, entity_type in parsed:
        if prefix == OUTSIDE:
            current = (OUTSIDE, None)
        elif prefix in _STARTS:
            current = ("B", entity_type)
        else:  # an inside tag continues an entity only after one of the same type
            continues = previous[0] != OUTSIDE and previous[1] == entity_type
            current = ("I" if continues else "B", entity_type)
        result.append(current)
        # IOBES/BILOU mark an entity's end (E/L) and single-token entities (S/U): what follows
        # an end cannot continue the entity.
        previous = (OUTSIDE, None) if prefix in {"E", "L", "S", "U"} else current
    return result


def _from_iob2_to_iobes(tags: list[tuple[str, str | None]]) -> list[tuple[str, str | None]]:
    result = []
    for i, (prefix, entity_type) in enumerate(tags):
        following = tags[i + 1] if i + 1 < len(tags) else (OUTSIDE, None)
        ends_here = not (following[0] == "I" and following[1] == entity_type)
        if prefix == "B":
            result.append(("S" if ends_here else "B", entity_type))
        elif prefix == "I":
            result.append(("E" if ends_here else "I", entity_type))
        else:
            result.append((prefix, entity_type))
    return result


def _join(prefix: str, entity_type: str | None) -> str:
    return prefix if entity_type is None or prefix == OUTSIDE else f"{prefix}-{entity_type}"


def _check_every_inside_has_a_begin(path, labels: list[str], line_of: dict[str, int]) -> None:
    """In a B/I tag set, an ``I-X`` without ``B-X`` (usually a typo of the type) leaves every entity of
    X unable to begin: the training data's ``B-X`` would be refused much later, at its first use."""
    parsed = [(tag, parse_tag(tag)) for tag in labels]
    begins = {entity_type for _, (prefix, entity_type) in parsed if prefix in ("B", "S")}
    if not begins:
        return  # an IO tag set: I tags only, none begins
    for tag, (prefix, entity_type) in parsed:
        if prefix == "I" and entity_type not in begins:
            begin = "B" if entity_type is None else f"B-{entity_type}"
            known = ", ".join(sorted(t for t in begins if t is not None)) or "(untyped) B"
            raise CorpusFormatError(
                path, line_of[tag],
                f"'{tag}' has no '{begin}' in this file (its B tags: {known}): add '{begin}', or fix the type's spelling",
            )


@dataclass
class TagSet:
    """The model's tags, in id order, with the scheme and typing they imply."""

    labels: list[str]
    source: str = "training data"
    typed: bool = field(init=False)
    scheme: str = field(init=False)  # "IOB2", "IOBES" or "IO"
    entity_types: tuple[str, ...] = field(init=False)
    # How corpora are read (`gerbera.corpora.type_map`): a corpus type -> the type of this set it is
    # read as (--type_map), and whether spans are scored without types (--ignore_types).
    corpus_types: dict[str, str] = field(default_factory=dict, compare=False)
    ignore_types: bool = field(default=False, compare=False)

    def __post_init__(self) -> None:
        if OUTSIDE not in self.labels:
            self.labels = [*self.labels, OUTSIDE]
        parsed = []
        for tag in self.labels:
            prefix_type = parse_tag(tag)
            if prefix_type is None:
                raise GerberaError(f"{self.source}: '{tag}' is not a tag (expected O, B, I, B-TYPE, S-TYPE, ...)")
            parsed.append(prefix_type)
        self.entity_types = tuple(sorted({t for p, t in parsed if p != OUTSIDE and t is not None}))
        has_untyped = any(t is None and p != OUTSIDE for p, t in parsed)
        if self.entity_types and has_untyped:
            raise GerberaError(f"{self.source}: mixes typed and untyped tags: {', '.join(self.labels)}")
        self.typed = bool(self.entity_types)
        prefixes = {p for p, _ in parsed}
        if prefixes & {"S", "E", "U", "L"}:
            self.scheme = "IOBES"
        elif "B" not in prefixes and "I" in prefixes:
            self.scheme = "IO"
        else:
            self.scheme = "IOB2"
        self.label2id = {tag: i for i, tag in enumerate(self.labels)}

    @property
    def id2label(self) -> dict[int, str]:
        return dict(enumerate(self.labels))

    @classmethod
    def from_file(cls, path: str | os.PathLike) -> TagSet:
        """Read a ``--labels`` file: one tag a line; ``O`` is added when missing."""
        try:
            with open(path, encoding="utf-8-sig") as handle:
                lines = handle.read().split("\n")
        except FileNotFoundError:
            raise GerberaError(f"{path}: labels file not found") from None
        except UnicodeDecodeError as error:
            raise CorpusFormatError(path, None, f"not UTF-8 text ({error.reason})") from None
        labels: list[str] = []
        first_seen: dict[str, int] = {}
        for number, line in enumerate(lines, start=1):
            tag = line.strip(" \t\r")
            if not tag:
                continue
            if tag in first_seen:
                raise CorpusFormatError(path, number, f"tag '{tag}' repeats line {first_seen[tag]}")
            if parse_tag(tag) is None:
                raise CorpusFormatError(path, number, f"'{tag}' is not a tag (expected O, B, I, B-TYPE, ...)")
            first_seen[tag] = number
            labels.append(tag)
        if not labels:
            raise CorpusFormatError(path, None, "labels file is empty: write one tag a line (e.g. B, I, O)")
        _check_every_inside_has_a_begin(path, labels, first_seen)
        return cls(labels, source=str(path))

    @classmethod
    def from_tags(cls, raw_tags: Iterable[str]) -> TagSet:
        """The IOB2 tag set that covers every tag seen in the training data."""
        types: set[str | None] = set()
        for tag in set(raw_tags):
            parsed = parse_tag(tag)
            if parsed is not None and parsed[0] != OUTSIDE:
                types.add(parsed[1])
        if None in types and len(types) > 1:  # untyped and typed corpora together: untyped set
            types = {None}
        labels = [OUTSIDE]
        for entity_type in sorted(types, key=lambda t: t or ""):
            labels += [_join("B", entity_type), _join("I", entity_type)]
        return cls(labels, source="tags of the training data")

    def map_sentence(self, raw_tags: Sequence[str], path: str, first_line: int) -> list[str]:
        """Express one sentence's tags in this tag set; a tag it cannot represent is an error."""
        parsed = []
        for offset, tag in enumerate(raw_tags):
            prefix_type = parse_tag(tag)
            if prefix_type is None:
                raise CorpusFormatError(
                    path, first_line + offset, f"'{tag}' is not a tag of a known scheme (IOB, IOBES, IO)"
                )
            parsed.append((prefix_type[0], self.corpus_types.get(prefix_type[1], prefix_type[1])))
        mapped = self._express(parsed)
        known = self.scored_labels if self.ignore_types else self.label2id
        for offset, tag in enumerate(mapped):
            if tag not in known:
                raise CorpusFormatError(
                    path,
                    first_line + offset,
                    f"tag '{raw_tags[offset]}' cannot be represented in the tag set "
                    f"({', '.join(self.labels)}) from {self.source}: {self._advice(raw_tags[offset])}",
                )
        return mapped

    def _express(self, parsed: list[tuple[str, str | None]]) -> list[str]:
        """Parsed tags of one sentence (any scheme) in this set's scheme and typing: without types in
        an untyped set or with --ignore_types; an untyped entity of a set of one type has that type."""
        tags = to_iob2(parsed)
        if not self.typed or self.ignore_types:
            tags = [(prefix, None) for prefix, _ in tags]
        elif len(self.entity_types) == 1:  # an untyped corpus read as the set's one type
            tags = [(p, self.entity_types[0] if t is None and p != OUTSIDE else t) for p, t in tags]
        if self.scheme == "IOBES":
            tags = _from_iob2_to_iobes(tags)
        elif self.scheme == "IO":
            tags = [("I" if prefix == "B" else prefix, t) for prefix, t in tags]
        return [_join(prefix, entity_type) for prefix, entity_type in tags]

    @property
    def scored_labels(self) -> set[str]:
        """The tags gold and predicted tags are compared in: this set's, without types with --ignore_types."""
        if not self.ignore_types:
            return set(self.labels)
        return {_join(prefix, None) for prefix, _ in map(parse_tag, self.labels)}

    def as_scored(self, predicted: list[str]) -> list[str]:
        """One sentence's predicted tags (this set's) as they are scored: without types with --ignore_types."""
        return self._express([parse_tag(tag) for tag in predicted]) if self.ignore_types else predicted

    def _advice(self, raw_tag: str) -> str:
        """What to do about a tag this set cannot represent."""
        untyped = ("use the untyped tag set B, I, O (--labels with those three lines: typed tags are then read as B/I; "
                   "see NERdata/README.md, 'Your own corpus')")
        entity_type = (parse_tag(raw_tag) or (None, None))[1]
        if self.source.startswith("model "):  # a trained model's tags stay as they are
            types = ", ".join(self.entity_types)
            if entity_type is None:
                return (f"the corpus is untyped and the model has the types {types}: score spans without types "
                        "with --ignore_types (run_eval.py), or train from an encoder")
            return (f"the model's types are {types}: read the corpus's {entity_type} as one of them with --type_map "
                    f"{self.entity_types[0]}={entity_type}, or score spans without types with --ignore_types (run_eval.py)")
        if entity_type is None:
            return untyped
        return f"{untyped}, or add the type's tags (B-{entity_type}, I-{entity_type}) to the labels file"

    def save(self, path: str | os.PathLike) -> None:
        atomic_write(path, "".join(f"{tag}\n" for tag in self.labels))

    def check_compatible(self, other: TagSet, what: str) -> None:
        if set(self.labels) != set(other.labels):
            raise GerberaError(
                f"{what} has the tags [{', '.join(other.labels)}], but the requested tag set "
                f"({self.source}) is [{', '.join(self.labels)}]: a trained model keeps its tags, so leave --labels "
                "out; --type_map MODEL_TYPE=CORPUS_TYPE reads a corpus's types as the model's, and --ignore_types "
                "(run_eval.py) scores spans without types"
            )

