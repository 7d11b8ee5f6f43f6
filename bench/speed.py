"""Issue 4's speed benchmark: the toolkit's default pipeline against the original's behaviour.

Two pipelines, measured side by side in ONE run, on NCBI-disease+CoNLL2003 train (19.5k sentences):

- ``default``: what ``run_ner.py`` does by default: every batch padded to its longest input
  (``DataCollatorForTokenClassification`` with dynamic padding), training batches drawn by the
  length-grouped sampler, evaluation on the length-sorted devel set;
- ``static``: the original's behaviour, kept as ``--pad_to_max_length``: every input padded to
  ``max_seq_length`` and training batches drawn at random.

Both are built from the toolkit's own pieces (``gerbera.features.split_groups``, ``gerbera.training.setup.make_trainer``,
``gerbera.scoring.group_scores.GroupScorer``), with the same seed, the same tag set, the same number of steps.

The CPU is shared with other work, so the two pipelines do not run one after the other: each runs
in its own process, and the two processes take turns (a baton passed after every training step and
after every whole evaluation pass; the process without the baton sleeps). A change in the
machine's load thus hits both pipelines alike, and each process's peak RSS is its own.

Run ``python bench/speed.py`` (full) or ``python bench/speed.py --quick`` (< 3 minutes on 2 cores).
The last line printed is one JSON object with every number; see bench/README.md.

This file is the driver: the command line, the threads, the processes. The parts: ``_speed_process``
(the baton, the turn clock, memory), ``_speed_preprocessing`` (the data, and preprocessing measured
in this process), ``_speed_pipeline`` (one pipeline measured in its own process), ``_speed_summary``
(the JSON summary, the printed report, the targets).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from _offline import REPO  # sets up sys.path and offline hubs
from _speed_pipeline import PIPELINES, run_pipeline
from _speed_preprocessing import load_model_side, preprocessing
from _speed_summary import print_report, summarise


def parse_args(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--data_dir", default=str((REPO / ".." / "shared" / "NERdata").resolve()))
    parser.add_argument("--model_name_or_path", default=None, help="default: the embedded all-MiniLM-L6-v2")
    parser.add_argument("--steps", type=int, default=None, help="training steps of each pipeline (default 150, --quick 10)")
    parser.add_argument("--warmup_steps", type=int, default=2, help="first steps left out of the timings")
    parser.add_argument("--batch_size", type=int, default=16)
    parser.add_argument("--eval_batch_size", type=int, default=None, help="default: --batch_size")
    parser.add_argument("--max_seq_length", type=int, default=128)
    parser.add_argument("--learning_rate", type=float, default=1e-4)
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--eval_sentences", type=int, default=None, help="first N devel sentences (default all, --quick 160)")
    parser.add_argument("--eval_repeats", type=int, default=3, help="evaluation passes of each pipeline; the median counts")
    parser.add_argument("--output_dir", default=None, help="scratch folder (default: a temporary one, removed afterwards)")
    parser.add_argument("--device", default="auto", help="cpu, cuda or auto")
    parser.add_argument(
        "--threads", default="auto",
        help="torch threads of each pipeline: a number, 'torch' (torch's default: one per core) or 'auto' (torch's "
        "default on an idle machine; fewer when the load average says other work holds cores, since OpenMP threads "
        "that wait for a descheduled sibling make every operator slow)",
    )
    parser.add_argument(
        "--bf16_arm", default="auto", choices=["auto", "true", "false"],
        help="a third process: the default pipeline trained under bf16 autocast (cpu_bf16_train_speedup, "
        "cpu_bf16_f1_delta against the fp32 default). auto: on a CPU with native bf16 (AVX512-BF16 or AMX)",
    )
    parser.add_argument("--quick", action="store_true", help="a smoke run: 10 steps, 160 devel sentences (< 3 min on 2 cores)")
    parser.add_argument("--profile", action="store_true", help="also cProfile the preprocessing and the evaluation post-processing")
    args = parser.parse_args(argv)
    if args.steps is None:
        args.steps = 10 if args.quick else 150
    if args.eval_sentences is None and args.quick:
        args.eval_sentences = 160
    if args.eval_repeats < 1:
        parser.error("--eval_repeats must be at least 1")
    if args.steps <= args.warmup_steps:
        parser.error("--steps must be larger than --warmup_steps")
    return args


def choose_threads(value: str, load_average: float, torch_default: int) -> int:
    if value == "torch":
        return torch_default
    if value != "auto":
        return int(value)
    cores = os.cpu_count() or torch_default
    free = int(cores - load_average + 0.5)  # cores the rest of the machine leaves idle
    return max(1, min(torch_default, free))


def main(argv=None) -> dict:
    import multiprocessing

    args = parse_args(argv)
    started = time.perf_counter()
    import datasets
    import torch
    import transformers

    datasets.disable_progress_bars()
    transformers.utils.logging.set_verbosity_error()
    if args.device == "auto":
        args.device = "cuda" if torch.cuda.is_available() else "cpu"
    args.load_average = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0
    args.threads = choose_threads(args.threads, args.load_average, torch.get_num_threads())
    temporary = args.output_dir is None
    scratch = Path(tempfile.mkdtemp(prefix="gerbera-bench-") if temporary else args.output_dir)
    scratch.mkdir(parents=True, exist_ok=True)
    args.output_dir = str(scratch)
    try:
        model_side = load_model_side(args)
        prep = preprocessing(args, model_side, scratch)

        if args.bf16_arm == "auto":
            from gerbera.hardware import cpu_has_native_bf16

            args.bf16_arm = "true" if args.device == "cpu" and cpu_has_native_bf16() else "false"
        count = len(PIPELINES) if args.bf16_arm == "true" else 2
        context = multiprocessing.get_context("spawn")
        cond, turn, done, queue = context.Condition(), context.Value("i", 0), context.Array("b", count), context.Queue()
        workers = [
            context.Process(target=run_pipeline, args=(i, vars(args), prep, cond, turn, done, queue), daemon=True)
            for i in range(count)
        ]
        for worker in workers:
            worker.start()
        results = {}
        for _ in workers:
            index, result = queue.get()
            results[PIPELINES[index]] = result
        for worker in workers:
            worker.join()
        for name, result in results.items():
            if "error" in result:
                print(result["traceback"], file=sys.stderr)
                raise SystemExit(f"pipeline {name} failed: {result['error']}")
    finally:
        if temporary:
            shutil.rmtree(scratch, ignore_errors=True)

    summary = summarise(args, prep, results["default"], results["static"], time.perf_counter() - started,
                        results.get("default_bf16"))
    print_report(args, prep, results, summary)
    print(json.dumps(summary, sort_keys=False))
    return summary


if __name__ == "__main__":
    main()
