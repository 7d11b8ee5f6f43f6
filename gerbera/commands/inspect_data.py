"""Look before you train: what the toolkit will read from a --data_dir and --data_list.

Per dataset: sentences, words, entities by type (as written in the file), the tag mapping that
will be applied (e.g. ``B-PER -> B``), and the sub-token lengths of the sentences, how many need
more than one window at the chosen max_seq_length, and the share of words the tokenizer does not
know. The sub-tokens are those of --model_name_or_path's tokenizer, cut as run_ner.py would cut
them (its word tokenization); without it, of the embedded all-MiniLM-L6-v2 encoder, run_ner.py's
default, and the output says so.

Run it as ``python -m gerbera.inspection --data_dir NERdata --data_list A+B [--model_name_or_path M]``.
"""

from __future__ import annotations

from gerbera.commands.exits import exit_status, user_errors
from gerbera.commands.parsers import StrictArgumentParser
from gerbera.corpora.mixing import parse_training_list, sample_split
from gerbera.corpora.tags import TagSet
from gerbera.features.split_groups import SplitGroup, read_splits
from gerbera.reporting.data_summary import describe


def build_parser() -> StrictArgumentParser:
    parser = StrictArgumentParser(prog="python -m gerbera.inspection", description=__doc__.split("\n\n")[0])
    parser.add_argument("--data_dir", default="NERdata",
                        help="folder of datasets: <data_dir>/<dataset>/{train,devel,test}.txt (default: NERdata)")
    parser.add_argument("--data_list", required=True,
                        help="datasets joined by '+', as run_ner.py's --data_list (NAME:F takes a fraction F); required")
    parser.add_argument("--split", default="train", choices=["train", "devel", "test"],
                        help="which file of each dataset to read (default: train)")
    parser.add_argument("--labels", help="tag set file, one tag a line (default: the tags of the data)")
    parser.add_argument("--entity_types", help="PubTator/BioC: annotation types that become tags, joined by ',' (default: all)")
    parser.add_argument("--model_name_or_path",
                        help="model whose tokenizer cuts the words into sub-tokens (default: the embedded all-MiniLM-L6-v2 "
                        "encoder, run_ner.py's default)")
    parser.add_argument("--max_seq_length", type=int, default=128,
                        help="sub-tokens per model input, special tokens included: longer sentences need more than one "
                        "window (default: 128)")
    parser.add_argument("--seed", type=int, default=42, help="seed of the samples taken by fractions, A:0.25 (default: 42)")
    return parser


def main(argv=None) -> None:
    from gerbera.models.model_side import ModelArguments, ModelSide

    args = build_parser().parse_args(argv)
    with user_errors():
        specs = parse_training_list(args.data_list)
        splits = [
            sample_split(split, fraction, args.seed)
            for split, (_, fraction) in zip(read_splits(args.data_dir, [n for n, _ in specs], args.split, args.entity_types), specs)
        ]
        if args.labels:
            tagset = TagSet.from_file(args.labels)
        else:
            tagset = TagSet.from_tags(t for split in splits if split.has_tags for s in split.sentences for t in s.tags)
        group = SplitGroup(splits, tagset)
        group.map_tags()
        print(f"tag set ({tagset.source}): {' '.join(tagset.labels)}")
        for split in splits:  # read from PubTator or BioC: what the conversion to word tags did
            if split.source is not None:
                print(f"{split.path}: {split.source.report.summary()}")
        side = ModelSide.load(ModelArguments(model_name_or_path=args.model_name_or_path), args.max_seq_length)
        encoder = side.encoder(args.max_seq_length)
        default = "" if args.model_name_or_path else ", run_ner.py's default encoder (--model_name_or_path to choose)"
        print(f"sub-tokens: the tokenizer of {side.name}{default}, word tokenization {encoder.mode}")
        group.build_features(encoder, cache_dir=None)
        print(describe(group, encoder))


def cli() -> int:
    """``gerbera-inspect`` and ``python -m gerbera.inspection``: the process's exit status, never the results (`gerbera.commands.exits`)."""
    return exit_status(main)


if __name__ == "__main__":
    raise SystemExit(cli())
