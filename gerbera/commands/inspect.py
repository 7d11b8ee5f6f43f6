"""Look before you train: what the toolkit will read from a --data_dir and --data_list.

Per dataset: sentences, words, entities by type (as written in the file), the tag mapping that
will be applied (e.g. ``B-PER -> B``), and with a tokenizer, the sub-token lengths of the
sentences and how many need more than one window at the chosen max_seq_length.

Run it as ``python -m gerbera.commands.inspect --data_dir NERdata --data_list A+B [--model_name_or_path M]``.
"""

from __future__ import annotations

import argparse
import logging
from collections import Counter

import numpy as np

from gerbera.corpora.mixing import parse_training_list, sample_split
from gerbera.features.datasets import SplitGroup, read_splits
from gerbera.features.word_pieces import WordEncoder
from gerbera.corpora.tags import OUTSIDE, TagSet, parse_tag, to_iob2

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
    logger.info("Data:\n%s", describe(group, encoder))


def main(argv=None) -> None:
    from gerbera.models.loading import check_max_seq_length, load_config, load_tokenizer
    from gerbera.commands.session import user_errors

    parser = argparse.ArgumentParser(prog="python -m gerbera.commands.inspect", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data_dir", default="NERdata")
    parser.add_argument("--data_list", required=True, help="datasets joined by '+'")
    parser.add_argument("--split", default="train", choices=["train", "devel", "test"])
    parser.add_argument("--labels", help="tag set file (default: the tags of the data)")
    parser.add_argument("--model_name_or_path", help="with a tokenizer: sub-token lengths and windows")
    parser.add_argument("--max_seq_length", type=int, default=128)
    parser.add_argument("--seed", type=int, default=42, help="seed of the samples taken by fractions (A:0.25)")
    args = parser.parse_args(argv)
    with user_errors():
        specs = parse_training_list(args.data_list)
        splits = [
            sample_split(split, fraction, args.seed)
            for split, (_, fraction) in zip(read_splits(args.data_dir, [n for n, _ in specs], args.split), specs)
        ]
        if args.labels:
            tagset = TagSet.from_file(args.labels)
        else:
            tagset = TagSet.from_tags(t for split in splits if split.has_tags for s in split.sentences for t in s.tags)
        group = SplitGroup(splits, tagset)
        group.map_tags()
        print(f"tag set ({tagset.source}): {' '.join(tagset.labels)}")
        encoder = None
        if args.model_name_or_path:
            config = load_config(args.model_name_or_path)
            tokenizer = load_tokenizer(args.model_name_or_path, config)
            check_max_seq_length(args.max_seq_length, config, tokenizer, args.model_name_or_path)
            encoder = WordEncoder(tokenizer, args.max_seq_length)
            group.build_features(encoder, cache_dir=None)
        print(describe(group, encoder))


if __name__ == "__main__":
    main()
