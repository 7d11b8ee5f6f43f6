"""Do the training order and the loss normalization cost accuracy? Span F1 after the same training.

All arms use the toolkit's default dynamic padding (padding does not change the model's outputs:
pads are masked out and sit to the right of every real token), so only the order of the training
examples and the loss's denominator differ. The orders:

- ``random``: random sampling, the original's order (``train_sampling_strategy="random"``);
- ``stock_group_by_length``: transformers' ``LengthGroupedSampler`` (megabatches of 50 batches,
  each sorted longest first, so within every 50 steps the batches go from the longest sentences
  to the shortest);
- ``group_by_length``: the toolkit's default (``gerbera.training.sampling.ShuffledLengthGroupedSampler``):
  the same length-grouped batches in random order, so padding stays low without the drift.

An arm ending in ``/batch_mean`` divides each batch's summed token loss by the batch's own number
of tagged tokens (the stock per-batch mean); the others use the toolkit's default, a constant
denominator (the mean number of tagged tokens in a batch: `gerbera.training.trainer.GerberaTrainer`).

``--precisions fp32 bf16`` runs every arm in both training precisions (bf16: CPU autocast, the
toolkit's default on CPUs with native bf16), paired by seed; scoring is fp32 in both, as the
toolkit scores.

Three uses:
- ``python bench/sampling_f1.py [--seeds 1 2] [--steps 150]``: NCBI-disease+CoNLL2003, the first
  150 steps, NCBI-disease devel (the drift of the stock sampler shows within 50 steps);
- ``python bench/sampling_f1.py --train NCBI-disease:0.1 --epochs 4 --eval_split test --seeds 1 2 3 4 5 6
  --arms group_by_length group_by_length/batch_mean random random/batch_mean``: whole runs on a small
  training set, paired by seed;
- ``python bench/sampling_f1.py --train NCBI-disease:0.1 --epochs 4 --eval_split test --seeds 1 2 3 4
  --arms group_by_length --precisions fp32 bf16``: does bf16 training cost accuracy?
The last line is a JSON object.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from _offline import REPO  # sets up sys.path and offline hubs

ARMS = ("random", "stock_group_by_length", "group_by_length", "random/batch_mean", "group_by_length/batch_mean")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data_dir", default=str((REPO / ".." / "shared" / "NERdata").resolve()))
    parser.add_argument("--model_name_or_path", default=None)
    parser.add_argument("--train", default="NCBI-disease+CoNLL2003", help="--data_list syntax: A+B:0.25")
    parser.add_argument("--data_seed", type=int, default=1, help="draws the fractions of --train")
    parser.add_argument("--steps", type=int, default=150)
    parser.add_argument("--epochs", type=float, default=None, help="train whole epochs instead of --steps")
    parser.add_argument("--eval_split", default="devel", choices=("devel", "test"))
    parser.add_argument("--batch_size", type=int, default=16)
    parser.add_argument("--max_seq_length", type=int, default=128)
    parser.add_argument("--learning_rate", type=float, default=1e-4)
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--arms", nargs="+", default=list(ARMS[:3]), choices=ARMS)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--precisions", nargs="+", default=["fp32"], choices=("fp32", "bf16"),
                        help="training precision of every arm (both: paired by seed)")
    args = parser.parse_args(argv)

    import datasets
    import numpy as np
    import torch
    import transformers
    from transformers import PrinterCallback, TrainingArguments, set_seed
    from transformers.trainer_pt_utils import LengthGroupedSampler

    from gerbera.commands.arguments import DataArguments, ModelArguments
    from gerbera.corpora.mixing import parse_training_list, sample_split
    from gerbera.corpora.tags import TagSet
    from gerbera.features.split_groups import SplitGroup, load_group, read_splits
    from gerbera.models.loading import load_model
    from gerbera.models.model_side import ModelSide
    from gerbera.scoring.group_scores import GroupScorer
    from gerbera.training.setup import make_trainer

    datasets.disable_progress_bars()
    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    torch.set_num_threads(args.threads)

    scratch = Path(tempfile.mkdtemp(prefix="gerbera-sampling-"))
    model_side = ModelSide.load(ModelArguments(model_name_or_path=args.model_name_or_path), args.max_seq_length)
    encoder = model_side.encoder(args.max_seq_length)
    specs = parse_training_list(args.train)
    splits = read_splits(args.data_dir, [name for name, _ in specs], "train")
    splits = [sample_split(split, fraction, args.data_seed) for split, (_, fraction) in zip(splits, specs)]
    tagset = TagSet.from_tags(tag for split in splits for s in split.sentences for tag in s.tags)
    train = SplitGroup(splits, tagset)
    train.map_tags()
    train.build_features(encoder, scratch / "cache")
    devel = load_group(args.data_dir, ["NCBI-disease"], args.eval_split, tagset)
    devel.build_features(encoder, scratch / "cache", sort_by_length=True)
    lengths = train.features["length"][:]

    results = []
    both = len(args.precisions) > 1
    runs = [(seed, arm, precision) for seed in args.seeds for arm in args.arms for precision in args.precisions]
    for seed, base_arm, precision in runs:
        arm = f"{base_arm}@{precision}" if both else base_arm
        order, _, loss = base_arm.partition("/")
        length = {"max_steps": args.steps} if args.epochs is None else {"num_train_epochs": args.epochs}
        training_args = TrainingArguments(
            output_dir=str(scratch / f"{arm}-{seed}"), report_to="none", disable_tqdm=True, save_strategy="no",
            eval_strategy="no", logging_strategy="no", **length,
            per_device_train_batch_size=args.batch_size, per_device_eval_batch_size=args.batch_size,
            learning_rate=args.learning_rate, seed=seed, use_cpu=True, bf16=precision == "bf16",
            train_sampling_strategy="random" if order == "random" else "group_by_length",
        )
        set_seed(seed)
        model = load_model(model_side.name, model_side.config, tagset)
        trainer = make_trainer(model, training_args, DataArguments(max_seq_length=args.max_seq_length), model_side.tokenizer,
                               train_dataset=train.features)
        trainer.remove_callback(PrinterCallback)
        trainer.batch_mean_loss = loss == "batch_mean"
        if order == "stock_group_by_length":
            trainer._get_train_sampler = lambda *a, **k: LengthGroupedSampler(args.batch_size, lengths=lengths)
        seen = []
        inner = trainer.data_collator

        def counting(features, inner=inner, seen=seen):
            batch = inner(features)
            seen.append((int(batch["attention_mask"].sum()), int(batch["input_ids"].numel())))
            return batch

        trainer.data_collator = counting
        started = time.perf_counter()
        trainer.train()
        train_s = time.perf_counter() - started
        steps_seen = seen[: trainer.state.global_step]
        trainer.compute_metrics = GroupScorer(devel)
        metrics = trainer.predict(devel.features, metric_key_prefix="eval").metrics
        row = {
            "arm": arm, "seed": seed, "f1": round(metrics["eval_f1"], 4),
            "precision": round(metrics["eval_precision"], 4), "recall": round(metrics["eval_recall"], 4),
            "padding_efficiency": round(sum(r for r, _ in steps_seen) / sum(c for _, c in steps_seen), 3),
            "train_s": round(train_s, 1),
        }
        results.append(row)
        print(row, flush=True)

    summary = {"train": args.train, "steps": args.steps, "epochs": args.epochs, "eval_split": args.eval_split, "learning_rate": args.learning_rate, "seeds": args.seeds, "runs": results}
    for arm in dict.fromkeys(r["arm"] for r in results):
        f1s = [r["f1"] for r in results if r["arm"] == arm]
        summary[f"{arm}_mean_f1"] = round(float(np.mean(f1s)), 4)
    if both:
        for base_arm in args.arms:  # bf16 minus fp32, paired by seed: mean and standard error, in F1 points
            f1 = {(r["seed"], r["arm"]): r["f1"] for r in results}
            deltas = [100 * (f1[(s, f"{base_arm}@bf16")] - f1[(s, f"{base_arm}@fp32")]) for s in args.seeds]
            error = float(np.std(deltas, ddof=1) / np.sqrt(len(deltas))) if len(deltas) > 1 else None
            summary[f"{base_arm}_bf16_minus_fp32_points"] = {
                "mean": round(float(np.mean(deltas)), 2), "standard_error": error and round(error, 2),
                "per_seed": [round(d, 2) for d in deltas]}
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
