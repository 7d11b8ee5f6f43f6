"""What a group of dataset files holds, in words: sentences, words, entities by type, the tag
mapping applied and, once tokenized, the sub-token lengths and windows.

run_ner.py and run_eval.py log it for every group they read (`log_summary`), the inspect command
(`gerbera.commands.inspect_data`) prints it, and the run record counts entities with `entity_counts`.
"""

from __future__ import annotations

import logging
from collections import Counter

import numpy as np

from gerbera.corpora.tags import OUTSIDE, parse_tag, to_iob2
from gerbera.features.split_groups import SplitGroup
from gerbera.features.word_pieces import WordEncoder

logger = logging.getLogger("gerbera")


def entity_counts(tag_sentences) -> Counter:
    """Entities by type (``-`` for untyped), counted after normalising the scheme to IOB2."""
    counts: Counter = Counter()
    for tags in tag_sentences:
        parsed = [parse_tag(tag) or (OUTSIDE, None) for tag in tags]
        for prefix, entity_type in to_iob2(parsed):
            if prefix == "B":
                counts[entity_type or "-"] += 1
    return counts


def describe(group: SplitGroup, encoder: WordEncoder | None = None) -> str:
    """A human-readable summary of a group, one block per dataset file."""
    lines = []
    start = 0
    for split in group.splits:
        end = start + len(split.sentences)
        share = f" (fraction {split.fraction:g} of the file)" if split.fraction != 1.0 else ""
        lines.append(f"{split.dataset}/{split.split} ({split.path}): {len(split.sentences)} sentences{share}, {split.num_words} words")
        if split.has_tags:
            raw = [s.tags for s in split.sentences]
            counts = entity_counts(raw)
            lines.append("  entities: " + (", ".join(f"{t} {n}" for t, n in sorted(counts.items())) or "none")
                         + f" (total {sum(counts.values())})")
            if group.gold_tags is not None:
                mapping = Counter()
                for raw_tags, mapped in zip(raw, group.gold_tags[start:end]):
                    mapping.update(zip(raw_tags, mapped))
                changed = sorted((r, m, n) for (r, m), n in mapping.items() if r != m)
                lines.append("  tag mapping: " + (", ".join(f"{r} -> {m} ({n})" for r, m, n in changed) or "none (tags used as written)"))
        else:
            lines.append("  words only: no gold tags")
        start = end
    if encoder is not None and group.features is not None:
        features = group.features
        sentence_ids = np.asarray(features["sentence_id"])
        pieces = np.asarray(features["length"]) - len(encoder.special)
        per_sentence = np.bincount(sentence_ids, weights=pieces, minlength=group.num_sentences)
        windows = np.bincount(sentence_ids, minlength=group.num_sentences)
        q = np.percentile(per_sentence, [50, 90, 99, 100])
        lines.append(
            f"  sub-tokens per sentence: mean {per_sentence.mean():.1f}, median {q[0]:.0f}, p90 {q[1]:.0f}, "
            f"p99 {q[2]:.0f}, max {q[3]:.0f}; {int((windows > 1).sum())} sentences need more than one window "
            f"at max_seq_length {encoder.max_seq_length}"
        )
    return "\n".join(lines)


def log_summary(group: SplitGroup, encoder: WordEncoder | None = None) -> None:
    """`describe` the group in the log (run_ner.py and run_eval.py, for every group they read)."""
    logger.info("Data:\n%s", describe(group, encoder))
