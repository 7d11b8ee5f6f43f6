"""Evaluation speed of the two pipelines in ONE process, on one model: a check on bench/speed.py.

``bench/speed.py`` runs each pipeline in its own process, taking turns; here both evaluate the same
model one after the other, alternating, ``--repeats`` times each, and the best pass of each counts.
Each pass is what ``run_eval.py`` does: ``trainer.predict`` on the length-sorted NCBI-disease devel
features with the pipeline's collator (dynamic padding, or ``--pad_to_max_length``), decoding to
words and seqeval. The model is the embedded MiniLM with an untrained head (the speed does not
depend on the weights).

Run ``python bench/eval_in_process.py [--threads 2] [--repeats 3]``; the last line is a JSON object.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from _offline import REPO  # sets up sys.path and offline hubs


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data_dir", default=str((REPO / ".." / "shared" / "NERdata").resolve()))
    parser.add_argument("--model_name_or_path", default=None, help="default: the embedded all-MiniLM-L6-v2")
    parser.add_argument("--batch_size", type=int, default=16)
    parser.add_argument("--max_seq_length", type=int, default=128)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args(argv)

    import datasets
    import torch
    import transformers
    from transformers import TrainingArguments

    from gerbera.commands.arguments import DataArguments, ModelArguments
    from gerbera.corpora.tags import TagSet
    from gerbera.features.split_groups import load_group
    from gerbera.models.loading import load_model
    from gerbera.models.model_side import ModelSide
    from gerbera.scoring.group_scores import GroupScorer
    from gerbera.training.setup import make_trainer

    datasets.disable_progress_bars()
    transformers.utils.logging.set_verbosity_error()
    torch.set_num_threads(args.threads)
    scratch = Path(tempfile.mkdtemp(prefix="gerbera-eval-"))
    side = ModelSide.load(ModelArguments(model_name_or_path=args.model_name_or_path), args.max_seq_length)
    tagset = TagSet(["B", "I", "O"])
    devel = load_group(args.data_dir, ["NCBI-disease"], "devel", tagset)
    devel.build_features(side.encoder(args.max_seq_length), scratch / "cache", sort_by_length=True)
    model = load_model(side.name, side.config, tagset)
    trainers = {}
    for name, static in (("default", False), ("static", True)):
        training_args = TrainingArguments(output_dir=str(scratch / name), report_to="none", disable_tqdm=True,
                                          per_device_eval_batch_size=args.batch_size, use_cpu=True)
        data_args = DataArguments(max_seq_length=args.max_seq_length, pad_to_max_length=static)
        trainers[name] = make_trainer(model, training_args, data_args, side.tokenizer)
        trainers[name].compute_metrics = GroupScorer(devel)

    passes = {name: [] for name in trainers}
    for _ in range(args.repeats):
        for name, trainer in trainers.items():
            started = time.perf_counter()
            trainer.predict(devel.features)
            passes[name].append(round(time.perf_counter() - started, 3))
    result = {
        "eval_speedup": round(min(passes["static"]) / min(passes["default"]), 3),
        "default_pass_s": passes["default"],
        "static_pass_s": passes["static"],
        "sentences": devel.num_sentences,
        "threads": torch.get_num_threads(),
    }
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
