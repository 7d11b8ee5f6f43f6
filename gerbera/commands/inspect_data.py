"""Look before you train: what the toolkit will read from a --data_dir and --data_list.

Per dataset: sentences, words, entities by type (as written in the file), the tag mapping that
will be applied (e.g. ``B-PER -> B``), and with a tokenizer, the sub-token lengths of the
sentences and how many need more than one window at the chosen max_seq_length.

Run it as ``python -m gerbera.inspection --data_dir NERdata --data_list A+B [--model_name_or_path M]``.
"""

from __future__ import annotations

from gerbera.commands.parsers import StrictArgumentParser
from gerbera.corpora.mixing import parse_training_list, sample_split
from gerbera.corpora.tags import TagSet
from gerbera.features.split_groups import SplitGroup, read_splits
from gerbera.features.word_pieces import WordEncoder
from gerbera.reporting.data_summary import describe


def main(argv=None) -> None:
    from gerbera.commands.session import user_errors
    from gerbera.models.loading import check_max_seq_length, load_config, load_tokenizer

    parser = StrictArgumentParser(prog="python -m gerbera.inspection", description=__doc__.split("\n\n")[0])
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
