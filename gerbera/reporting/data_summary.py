"""What a group of dataset files holds, in words: sentences, words, entities by type, the tag
mapping applied and, once tokenized, per dataset the sub-token lengths, windows and the share of
words unknown to the tokenizer.

run_ner.py and run_eval.py log it for every group they read (`log_summary`), the inspect command
(`gerbera.commands.inspect_data`) prints it, and the run record counts entities with `entity_counts`.
"""

from __future__ import annotations

import logging
from collections import Counter

import numpy as np

from gerbera.corpora.tags import OUTSIDE, parse_tag, to_iob2
from gerbera.features.split_groups import SplitGroup
from gerbera.features.word_pieces import WordEncoder, unknown_word_share, warn_if_words_unknown

logger = logging.getLogger("gerbera")

UNTYPED = "-"  # the type of entities tagged B/I without a type, in `entity_counts`


def entity_counts(tag_sentences) -> Counter:
    """Entities by type (``-`` for untyped), counted after normalising the scheme to IOB2."""
    counts: Counter = Counter()
    for tags in tag_sentences:
        parsed = [parse_tag(tag) or (OUTSIDE, None) for tag in tags]
        for prefix, entity_type in to_iob2(parsed):
            if prefix == "B":
                counts[entity_type or UNTYPED] += 1
    return counts


def describe(group: SplitGroup, encoder: WordEncoder | None = None) -> str:
    """A human-readable summary of a group, one block per dataset file; with an encoder (once the
    group's features are built) each block ends with its sub-token lengths and windows."""
    lines = []
    start = 0
    sub_tokens = _sub_tokens_per_sentence(group, encoder)
    for split in group.splits:
        end = start + len(split.sentences)
        share = f" (fraction {split.fraction:g} of the file)" if split.fraction != 1.0 else ""
        lines.append(f"{split.dataset}/{split.split} ({split.path}): {len(split.sentences)} sentences{share}, {split.num_words} words")
        if split.has_tags:
            raw = [s.tags for s in split.sentences]
            lines.append("  entities: " + _entity_counts_text(entity_counts(raw)))
            if group.gold_tags is not None:
                mapping = Counter()
                for raw_tags, mapped in zip(raw, group.gold_tags[start:end]):
                    mapping.update(zip(raw_tags, mapped))
                changed = sorted((r, m, n) for (r, m), n in mapping.items() if r != m)
                lines.append("  tag mapping: " + (", ".join(f"{r} -> {m} ({n})" for r, m, n in changed) or "none (tags used as written)"))
        else:
            lines.append("  words only: no gold tags")
        if sub_tokens is not None:
            per_sentence, windows = sub_tokens[0][start:end], sub_tokens[1][start:end]
            lines.append(_sub_tokens_text(per_sentence, windows, encoder.max_seq_length))
            unknown = unknown_word_share(encoder, [s.words for s in split.sentences])
            lines.append(f"  words unknown to the tokenizer: {100 * unknown:.1f}%")
        start = end
    return "\n".join(lines)


def _entity_counts_text(counts: Counter) -> str:
    """``Disease 960, Chemical 12 (total 972)``; untyped entities (B/I tags) as ``5134 (untyped)``."""
    if not counts:
        return "none"
    typed = [f"{t} {n}" for t, n in sorted(counts.items()) if t != UNTYPED]
    if not typed:
        return f"{counts[UNTYPED]} (untyped)"
    if UNTYPED in counts:
        typed.append(f"untyped {counts[UNTYPED]}")
    return ", ".join(typed) + f" (total {sum(counts.values())})"


def _sub_tokens_per_sentence(group: SplitGroup, encoder: WordEncoder | None):
    """Sub-tokens (special tokens left out) and windows of every sentence of the group, or None
    without an encoder or features."""
    if encoder is None or group.features is None:
        return None
    sentence_ids = np.asarray(group.features["sentence_id"])
    pieces = np.asarray(group.features["length"]) - len(encoder.special)
    per_sentence = np.bincount(sentence_ids, weights=pieces, minlength=group.num_sentences)
    windows = np.bincount(sentence_ids, minlength=group.num_sentences)
    return per_sentence, windows


def _sub_tokens_text(per_sentence, windows, max_seq_length: int) -> str:
    if len(per_sentence) == 0:
        return "  sub-tokens per sentence: no sentences"
    q = np.percentile(per_sentence, [50, 90, 99, 100])
    return (
        f"  sub-tokens per sentence: mean {per_sentence.mean():.1f}, median {q[0]:.0f}, p90 {q[1]:.0f}, "
        f"p99 {q[2]:.0f}, max {q[3]:.0f}; {int((windows > 1).sum())} sentences need more than one window "
        f"at max_seq_length {max_seq_length}"
    )


def log_summary(group: SplitGroup, encoder: WordEncoder | None = None) -> None:
    """`describe` the group in the log (run_ner.py and run_eval.py, for every group they read), and
    warn for each dataset file whose words are mostly unknown to the tokenizer."""
    logger.info("Data:\n%s", describe(group, encoder))
    if encoder is not None:
        for split in group.splits:
            warn_if_words_unknown(encoder, [s.words for s in split.sentences], str(split.path))
