"""Issue 4's speed benchmark: the toolkit's default pipeline against the original's behaviour.

Two pipelines, measured side by side in ONE run, on NCBI-disease+CoNLL2003 train (19.5k sentences):

- ``default``: what ``run_ner.py`` does by default: every batch padded to its longest input
  (``DataCollatorForTokenClassification`` with dynamic padding), training batches drawn by the
  length-grouped sampler, evaluation on the length-sorted devel set;
- ``static``: the original's behaviour, kept as ``--pad_to_max_length``: every input padded to
  ``max_seq_length`` and training batches drawn at random.

Both are built from the toolkit's own pieces (``gerbera.features.datasets``, ``gerbera.commands.session.make_trainer``,
``gerbera.scoring.group_scores.GroupScorer``), with the same seed, the same tag set, the same number of steps.

The CPU is shared with other work, so the two pipelines do not run one after the other: each runs
in its own process, and the two processes take turns (a baton passed after every training step and
after every whole evaluation pass; the process without the baton sleeps). A change in the
machine's load thus hits both pipelines alike, and each process's peak RSS is its own.

Run ``python bench/speed.py`` (full) or ``python bench/speed.py --quick`` (< 3 minutes on 2 cores).
The last line printed is one JSON object with every number; see bench/README.md.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import shutil
import sys
import tempfile
import time
from datetime import datetime, timezone
from pathlib import Path

from _offline import REPO  # noqa: E402  (sets up sys.path and offline hubs)

TRAIN_DATASETS = ["NCBI-disease", "CoNLL2003"]
EVAL_DATASETS = ["NCBI-disease"]
PIPELINES = ("default", "static", "default_bf16")  # index 0 / 1 / 2 of the processes (the third: --bf16_arm)

# Targets of issue 4 (2 CPU cores, MiniLM).
TARGETS = {
    "train_speedup": (">=", 3.0),
    "eval_speedup": (">=", 3.5),
    "padding_efficiency": (">=", 0.90),
    "preprocess_s": ("<", 4.0),
    "cached_preprocess_s": ("<", 1.0),
    "cpu_bf16_train_speedup": (">=", 1.5),  # issue 14, when the bf16 arm runs
}


# --------------------------------------------------------------------------------------------
# small helpers (no heavy imports at module level: the spawned processes import this file)
# --------------------------------------------------------------------------------------------


def cpu_name() -> str:
    try:
        for line in open("/proc/cpuinfo", encoding="utf-8"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def rss_mb() -> float:
    return _status_kb("VmRSS") / 1024


def peak_rss_mb() -> float:
    """Peak RSS since the last reset_peak_rss() (VmHWM), else since the process started."""
    value = _status_kb("VmHWM")
    if value:
        return value / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def reset_peak_rss() -> bool:
    """Linux >= 4.0: writing 5 to clear_refs resets VmHWM to the current RSS."""
    try:
        with open("/proc/self/clear_refs", "w") as handle:
            handle.write("5")
        return True
    except OSError:
        return False


def _status_kb(key: str) -> int:
    try:
        for line in open("/proc/self/status", encoding="utf-8"):
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


class Baton:
    """Processes take turns, in a ring: only the holder works, the others sleep in a condition wait.
    The turn passes to the next process that has not finished (back to the holder when none is left)."""

    def __init__(self, cond, turn, done, me: int):
        self.cond, self.turn, self.done, self.me = cond, turn, done, me

    def _next(self) -> int:
        count = len(self.done)
        for step in range(1, count):
            other = (self.me + step) % count
            if not self.done[other]:
                return other
        return self.me

    def acquire(self) -> None:
        with self.cond:
            self.cond.wait_for(lambda: self.turn.value == self.me)

    def pass_on(self) -> None:
        with self.cond:
            self.turn.value = self._next()
            self.cond.notify_all()

    def yield_turn(self) -> None:
        self.pass_on()
        self.acquire()

    def finish(self) -> None:
        with self.cond:
            self.done[self.me] = 1
            self.turn.value = self._next()
            self.cond.notify_all()


class TurnClock:
    """Wall and CPU time of the work done in this process's turns."""

    def __init__(self, sync=None):
        self.sync = sync or (lambda: None)
        self.start()

    def start(self) -> None:
        self.wall0, self.cpu0 = time.perf_counter(), time.process_time()

    def lap(self) -> tuple[float, float]:
        self.sync()
        return time.perf_counter() - self.wall0, time.process_time() - self.cpu0


# --------------------------------------------------------------------------------------------
# preprocessing (in the parent, before the pipelines start)
# --------------------------------------------------------------------------------------------


def load_model_side(args):
    from gerbera.commands.arguments import ModelArguments
    from gerbera.commands.session import ModelSide

    return ModelSide.load(ModelArguments(model_name_or_path=args.model_name_or_path), args.max_seq_length)


def preprocess_train(args, encoder, cache_dir):
    """What run_ner.py does before training: read, choose the tag set, map tags, build features."""
    from gerbera.features.datasets import SplitGroup, read_splits
    from gerbera.corpora.tags import TagSet

    import gc

    times = {}
    gc_time = [0.0, 0.0]  # total, start of the running collection

    def on_gc(phase, info):
        if phase == "start":
            gc_time[1] = time.perf_counter()
        else:
            gc_time[0] += time.perf_counter() - gc_time[1]

    gc.callbacks.append(on_gc)
    c0 = time.process_time()
    t0 = time.perf_counter()
    splits = read_splits(args.data_dir, TRAIN_DATASETS, "train")
    t1 = time.perf_counter()
    tagset = TagSet.from_tags(tag for split in splits for s in split.sentences for tag in s.tags)
    t2 = time.perf_counter()
    group = SplitGroup(splits, tagset)
    group.map_tags()
    t3 = time.perf_counter()
    group.build_features(encoder, cache_dir)
    t4 = time.perf_counter()
    gc.callbacks.remove(on_gc)
    times.update(gc_s=gc_time[0], cpu_s=time.process_time() - c0, read_s=t1 - t0, tagset_s=t2 - t1, map_tags_s=t3 - t2, build_features_s=t4 - t3, total_s=t4 - t0)
    return group, times


def _build_features_breakdown(group, encoder, tagset, build_features_s: float) -> dict:
    words = [s.words for s in group.sentences]
    tok = encoder.tokenizer
    t0 = time.perf_counter()
    for i in range(0, len(words), 1000):
        tok(words[i : i + 1000], is_split_into_words=True, add_special_tokens=False)
    t1 = time.perf_counter()
    for i in range(0, len(words), 1000):
        encoder.word_pieces(words[i : i + 1000])
    t2 = time.perf_counter()
    columns = {
        "words": words,
        "sentence_id": list(range(len(words))),
        "dataset": group.sentence_dataset,
        "tag_ids": [[tagset.label2id[t] for t in tags] for tags in group.gold_tags],
    }
    for i in range(0, len(words), 1000):
        encoder.encode({k: v[i : i + 1000] for k, v in columns.items()})
    t3 = time.perf_counter()
    breakdown = {
        "tokenizer_s": t1 - t0,
        "word_pieces_python_s": (t2 - t1) - (t1 - t0),
        "windows_rows_python_s": (t3 - t2) - (t2 - t1),
        "datasets_arrow_s": build_features_s - (t3 - t2),
    }
    return breakdown


def preprocessing(args, model_side, scratch: Path) -> dict:
    import cProfile
    import io
    import pstats

    from gerbera.features.datasets import garbage_collection_paused, load_group

    encoder = model_side.encoder(args.max_seq_length)
    cache_dir = scratch / "features-cache"
    if cache_dir.exists():
        shutil.rmtree(cache_dir)
    reset_peak_rss()
    rss0 = rss_mb()
    group, cold = preprocess_train(args, encoder, cache_dir)  # empty cache dir
    cold_peak = peak_rss_mb()
    _, cached = preprocess_train(args, encoder, cache_dir)  # the same files again: a cache hit
    tagset = group.tagset
    # devel: built (and cached) here so that the pipelines only load it
    t0 = time.perf_counter()
    devel = load_group(args.data_dir, EVAL_DATASETS, "devel", tagset)
    devel.build_features(encoder, cache_dir, sort_by_length=True)
    devel_s = time.perf_counter() - t0

    # Where build_features spends its time: the tokenizer alone, then word grouping, then the
    # window/row assembly, the rest is datasets (Arrow writing, fingerprints). The parts run with
    # the garbage collector paused, as build_features does, so that they add up to its time.
    with garbage_collection_paused():
        breakdown = _build_features_breakdown(group, encoder, tagset, cold["build_features_s"])
    result = {
        "cold": cold,
        "cached": cached,
        "breakdown": breakdown,
        "devel_build_s": devel_s,
        "train_rows": len(group.features),
        "train_sentences": group.num_sentences,
        "devel_sentences": devel.num_sentences,
        "labels": tagset.labels,
        "peak_rss_mb": cold_peak,
        "rss_before_mb": rss0,
        "cache_dir": str(cache_dir),
    }
    if args.profile:
        profile_dir = scratch / "features-profile"
        profiler = cProfile.Profile()
        profiler.enable()
        preprocess_train(args, encoder, profile_dir)
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
        result["profile"] = out.getvalue()
    return result


# --------------------------------------------------------------------------------------------
# one pipeline (in its own process)
# --------------------------------------------------------------------------------------------


def run_pipeline(index: int, args_dict: dict, prep: dict, cond, turn, done, queue) -> None:
    baton = Baton(cond, turn, done, index)
    baton.acquire()
    try:
        result = _pipeline(PIPELINES[index], argparse.Namespace(**args_dict), prep, baton)
    except BaseException as error:  # report, never leave the other process waiting
        import traceback

        result = {"error": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc()}
    queue.put((index, result))
    baton.finish()


def _pipeline(name: str, args, prep: dict, baton: Baton) -> dict:
    import datasets
    import numpy as np
    import torch
    import transformers
    from transformers import PrinterCallback, TrainerCallback, TrainingArguments, set_seed

    from gerbera.commands.arguments import DataArguments
    from gerbera.corpora.column_files import CorpusSplit
    from gerbera.features.datasets import SplitGroup, load_group, read_splits
    from gerbera.scoring.group_scores import GroupScorer
    from gerbera.models.loading import load_model
    from gerbera.commands.session import make_trainer
    from gerbera.corpora.tags import TagSet

    datasets.disable_progress_bars()
    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    torch.set_num_threads(args.threads)
    setup_started = time.perf_counter()
    static = name == "static"
    bf16 = name == "default_bf16"  # bf16 autocast training, the toolkit's default on CPUs with native bf16
    device = args.device
    cuda = device.startswith("cuda")
    sync = torch.cuda.synchronize if cuda else None

    model_side = load_model_side(args)
    encoder = model_side.encoder(args.max_seq_length)
    tagset = TagSet(list(prep["labels"]))
    cache_dir = prep["cache_dir"]
    train_group = SplitGroup(read_splits(args.data_dir, TRAIN_DATASETS, "train"), tagset)
    train_group.map_tags()
    train_group.build_features(encoder, cache_dir)  # a cache hit: the parent built it
    devel = load_group(args.data_dir, EVAL_DATASETS, "devel", tagset)
    if args.eval_sentences and args.eval_sentences < devel.num_sentences:
        # a prefix of the devel file; its features are not cached (the cache key is the file's digest)
        devel = SplitGroup(
            [CorpusSplit(s.dataset, s.split, s.path, s.sentences[: args.eval_sentences]) for s in devel.splits][:1],
            tagset,
        )
        devel.map_tags()
        devel.build_features(encoder, None, sort_by_length=True)
    else:
        devel.build_features(encoder, cache_dir, sort_by_length=True)

    data_args = DataArguments(
        data_dir=args.data_dir, max_seq_length=args.max_seq_length, pad_to_max_length=static,
    )
    training_args = TrainingArguments(
        output_dir=str(Path(args.output_dir) / name),
        report_to="none",
        disable_tqdm=True,
        save_strategy="no",
        eval_strategy="no",
        logging_strategy="no",
        max_steps=args.steps,
        per_device_train_batch_size=args.batch_size,
        per_device_eval_batch_size=args.eval_batch_size or args.batch_size,
        learning_rate=args.learning_rate,
        seed=args.seed,
        use_cpu=not cuda,
        bf16=bf16,
        dataloader_num_workers=0,
        train_sampling_strategy="random" if static else "group_by_length",
    )
    set_seed(args.seed)
    model = load_model(model_side.name, model_side.config, tagset)
    trainer = make_trainer(model, training_args, data_args, model_side.tokenizer, train_dataset=train_group.features)
    trainer.remove_callback(PrinterCallback)  # no metrics dicts printed in the middle of the report

    class CountingCollator:
        """The pipeline's own collator, recording real and computed tokens of every batch."""

        def __init__(self, inner):
            self.inner = inner
            self.log: list[tuple[int, int, int]] = []  # (rows, real tokens, computed tokens)

        def __call__(self, features):
            batch = self.inner(features)
            ids = batch["input_ids"]
            real = int(batch["attention_mask"].sum()) if "attention_mask" in batch else int(ids.numel())
            self.log.append((int(ids.shape[0]), real, int(ids.numel())))
            return batch

    collator = CountingCollator(trainer.data_collator)
    trainer.data_collator = collator

    # Padding efficiency over one whole epoch of the batches this pipeline's dataloader produces.
    scan_started = time.perf_counter()
    set_seed(args.seed)
    for _ in trainer.get_train_dataloader():
        pass
    setup_s, scan_s = scan_started - setup_started, time.perf_counter() - scan_started
    epoch_log = collator.log
    collator.log = []

    clock = TurnClock(sync)
    step_times: list[tuple[float, float]] = []

    class TurnTaking(TrainerCallback):
        """One training step per turn: a turn runs from the end of the previous step (so it
        includes fetching and collating this step's batch) to the end of this one."""

        def on_step_end(self, args_, state, control, **kwargs):
            step_times.append(clock.lap())
            baton.yield_turn()
            clock.start()

    trainer.add_callback(TurnTaking())

    # ---- training
    reset_peak_rss()
    rss_before_train = rss_mb()
    clock.start()
    train_result = trainer.train()
    train_peak = peak_rss_mb()
    warmup = min(args.warmup_steps, len(step_times) - 1)
    timed = step_times[warmup:]
    timed_batches = collator.log[warmup : len(step_times)]
    train_wall = sum(w for w, _ in timed)
    train_cpu = sum(c for _, c in timed)
    rows = sum(b[0] for b in timed_batches)
    real = sum(b[1] for b in timed_batches)
    computed = sum(b[2] for b in timed_batches)

    # ---- evaluation: predict the length-sorted devel set, decode per word, score with seqeval
    scorer = GroupScorer(devel)
    post = {}

    def compute_metrics(prediction):
        t0 = time.perf_counter()
        predicted = scorer.decode(prediction.predictions)
        t1 = time.perf_counter()
        metrics = scorer.score(predicted)
        post.update(decode_s=t1 - t0, score_s=time.perf_counter() - t1)
        return metrics

    # One whole pass a turn, --eval_repeats passes, the median pass counts. (A turn per batch, as in
    # training, would add to every batch the cost of waking this process and its OpenMP threads
    # and refilling the caches: a fixed cost per batch that weighs most on the faster pipeline.
    # Measured: 3.1x with a turn per batch; 3.6x in one process, bench/eval_in_process.py.)
    trainer.compute_metrics = compute_metrics
    reset_peak_rss()
    eval_passes: list[tuple[float, float]] = []
    for _ in range(args.eval_repeats):
        collator.log = []
        clock.start()
        output = trainer.predict(devel.features, metric_key_prefix="eval")
        eval_passes.append(clock.lap())
        baton.yield_turn()
    eval_peak = peak_rss_mb()
    eval_wall, eval_cpu = sorted(eval_passes)[len(eval_passes) // 2]
    eval_log = collator.log

    profile_text = None
    if args.profile and name == "default":
        import cProfile
        import io
        import pstats

        profiler = cProfile.Profile()
        profiler.enable()
        scorer.score(scorer.decode(output.predictions))
        profiler.disable()
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
        profile_text = out.getvalue()

    return {
        "pipeline": name,
        "setup_s": setup_s,
        "epoch_scan_s": scan_s,
        "steps": len(step_times),
        "timed_steps": len(timed),
        "train_wall_s": train_wall,
        "train_cpu_s": train_cpu,
        "train_s_per_step": train_wall / max(len(timed), 1),
        "train_samples_per_s": rows / train_wall,
        "train_real_tokens_per_s": real / train_wall,
        "train_computed_tokens_per_s": computed / train_wall,
        "train_samples_per_cpu_s": rows / train_cpu,
        "timed_padding_efficiency": real / computed,
        "timed_tokens_per_row": real / rows,
        "epoch_tokens_per_row": sum(b[1] for b in epoch_log) / sum(b[0] for b in epoch_log),
        "epoch_batches": len(epoch_log),
        "padding_efficiency": sum(b[1] for b in epoch_log) / sum(b[2] for b in epoch_log),
        "train_loss": float(train_result.training_loss),
        "eval_sentences": devel.num_sentences,
        "eval_rows": len(devel.features),
        "eval_batches": len(eval_log),
        "eval_wall_s": eval_wall,
        "eval_pass_wall_s": [round(wall, 3) for wall, _ in eval_passes],
        "eval_cpu_s": eval_cpu,
        "eval_samples_per_s": devel.num_sentences / eval_wall,
        "eval_samples_per_cpu_s": devel.num_sentences / eval_cpu,
        "eval_padding_efficiency": sum(b[1] for b in eval_log) / max(sum(b[2] for b in eval_log), 1),
        "eval_predictions_shape": list(np.asarray(output.predictions).shape),
        "eval_decode_s": post.get("decode_s"),
        "eval_score_s": post.get("score_s"),
        "f1": float(output.metrics.get("eval_f1", float("nan"))),
        "precision": float(output.metrics.get("eval_precision", float("nan"))),
        "recall": float(output.metrics.get("eval_recall", float("nan"))),
        "rss_before_train_mb": rss_before_train,
        "train_peak_rss_mb": train_peak,
        "eval_peak_rss_mb": eval_peak,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "cuda_peak_mb": torch.cuda.max_memory_allocated() / 2**20 if cuda else None,
        "threads": torch.get_num_threads(),
        "bf16": bool(training_args.bf16),
        "device": str(training_args.device),
        "profile": profile_text,
    }


# --------------------------------------------------------------------------------------------
# the run
# --------------------------------------------------------------------------------------------


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


def summarise(args, prep, default: dict, static: dict, elapsed: float, bf16: dict | None = None) -> dict:
    summary = {
        "train_speedup": default["train_samples_per_s"] / static["train_samples_per_s"],
        "eval_speedup": default["eval_samples_per_s"] / static["eval_samples_per_s"],
        "padding_efficiency": default["padding_efficiency"],
        "preprocess_s": prep["cold"]["total_s"],
        "cached_preprocess_s": prep["cached"]["total_s"],
        "train_speedup_cpu_time": default["train_samples_per_cpu_s"] / static["train_samples_per_cpu_s"],
        "eval_speedup_cpu_time": default["eval_samples_per_cpu_s"] / static["eval_samples_per_cpu_s"],
        "static_padding_efficiency": static["padding_efficiency"],
        "preprocess_build_features_s": prep["cold"]["build_features_s"],
        "cached_build_features_s": prep["cached"]["build_features_s"],
        "preprocess_cpu_s": prep["cold"]["cpu_s"],
        "preprocess_gc_s": prep["cold"]["gc_s"],
        "cached_preprocess_gc_s": prep["cached"]["gc_s"],
        "cached_preprocess_cpu_s": prep["cached"]["cpu_s"],
        "preprocess_breakdown_s": {
            **{k: prep["cold"][k] for k in ("read_s", "tagset_s", "map_tags_s")},
            **prep["breakdown"],
        },
    }
    for name, result in (("default", default), ("static", static)):
        for key in (
            "train_samples_per_s", "train_real_tokens_per_s", "train_computed_tokens_per_s", "train_s_per_step",
            "timed_padding_efficiency", "timed_tokens_per_row", "epoch_tokens_per_row", "eval_samples_per_s", "eval_pass_wall_s", "eval_padding_efficiency",
            "eval_decode_s", "eval_score_s", "f1", "train_loss", "rss_before_train_mb", "train_peak_rss_mb", "eval_peak_rss_mb", "peak_rss_mb",
        ):
            summary[f"{name}_{key}"] = result[key]
    summary.update(
        f1_delta=default["f1"] - static["f1"],
        steps=default["steps"],
        timed_steps=default["timed_steps"],
        batch_size=args.batch_size,
        max_seq_length=args.max_seq_length,
        train_sentences=prep["train_sentences"],
        train_rows=prep["train_rows"],
        eval_sentences=default["eval_sentences"],
        eval_repeats=args.eval_repeats,
        device=default["device"],
        cpu=cpu_name(),
        cpu_count=os.cpu_count(),
        threads=default["threads"],
        load_average_at_start=args.load_average,
        tokenizers_parallelism=os.environ.get("TOKENIZERS_PARALLELISM", "(unset)"),
        quick=args.quick,
        elapsed_s=elapsed,
        date=datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
    )
    # bf16 against fp32, the same (default) pipeline, the same run (issue 14: at least 1.5x, F1 within noise)
    summary["cpu_bf16_train_speedup"] = bf16["train_samples_per_s"] / default["train_samples_per_s"] if bf16 else None
    summary["cpu_bf16_train_speedup_cpu_time"] = (
        bf16["train_samples_per_cpu_s"] / default["train_samples_per_cpu_s"] if bf16 else None
    )
    summary["cpu_bf16_f1_delta"] = bf16["f1"] - default["f1"] if bf16 else None
    if bf16:
        for key in ("train_samples_per_s", "train_s_per_step", "f1", "train_loss", "eval_samples_per_s", "train_peak_rss_mb"):
            summary[f"default_bf16_{key}"] = bf16[key]
    summary["targets_met"] = {
        key: (summary[key] >= bound if op == ">=" else summary[key] < bound)
        for key, (op, bound) in TARGETS.items() if summary.get(key) is not None
    }
    return {k: (round(v, 4) if isinstance(v, float) else v) for k, v in summary.items()}


def print_report(args, prep, results, summary) -> None:
    default, static = results["default"], results["static"]

    def row(label, key, fmt="{:.1f}", ratio=True):
        a, b = default[key], static[key]
        r = f"{a / b:.2f}x" if ratio and b else ""
        print(f"| {label:<38} | {fmt.format(a):>12} | {fmt.format(b):>12} | {r:>7} |")

    cold, cached = prep["cold"], prep["cached"]
    print()
    print(f"GERBERA speed benchmark — {summary['date']} — {summary['cpu']} ({summary['cpu_count']} cores), "
          f"torch threads {summary['threads']}, load average at start {summary['load_average_at_start']:.1f}, "
          f"device {summary['device']}")
    print(f"train: {'+'.join(TRAIN_DATASETS)} ({prep['train_sentences']} sentences, {prep['train_rows']} rows), "
          f"max_seq_length {args.max_seq_length}, batch {args.batch_size}, {default['steps']} steps "
          f"({default['timed_steps']} timed), lr {args.learning_rate}, seed {args.seed}; "
          f"eval: {'+'.join(EVAL_DATASETS)} devel ({default['eval_sentences']} sentences)")
    print()
    print("Preprocessing (train, 19.5k sentences; read + tag set + map tags + build features):")
    for label, t in (("cold (empty cache)", cold), ("cached (second build)", cached)):
        print(f"  {label:<22} {t['total_s']:.2f} s, CPU {t['cpu_s']:.2f} s  (read {t['read_s']:.2f}, tag set {t['tagset_s']:.2f}, "
              f"map tags {t['map_tags_s']:.2f}, build_features {t['build_features_s']:.2f}; Python GC in all {t['gc_s']:.2f})")
    b = prep["breakdown"]
    print(f"  build_features cold: tokenizer {b['tokenizer_s']:.2f} s, word grouping (Python) {b['word_pieces_python_s']:.2f} s, "
          f"windows/rows (Python) {b['windows_rows_python_s']:.2f} s, the rest (datasets/Arrow, GC) {b['datasets_arrow_s']:.2f} s")
    print()
    print(f"| {'':<38} | {'default':>12} | {'static':>12} | {'ratio':>7} |")
    print(f"|{'-' * 40}|{'-' * 14}|{'-' * 14}|{'-' * 9}|")
    row("train samples/s", "train_samples_per_s")
    row("train real tokens/s", "train_real_tokens_per_s", "{:.0f}")
    row("train computed tokens/s (with padding)", "train_computed_tokens_per_s", "{:.0f}")
    row("train s/step", "train_s_per_step", "{:.3f}")
    row("train samples/s per CPU-second", "train_samples_per_cpu_s")
    row("padding efficiency, one epoch", "padding_efficiency", "{:.3f}")
    row("padding efficiency, timed batches", "timed_padding_efficiency", "{:.3f}")
    row("real tokens/row, timed batches", "timed_tokens_per_row", "{:.1f}")
    row("real tokens/row, one epoch", "epoch_tokens_per_row", "{:.1f}")
    row("eval sentences/s", "eval_samples_per_s")
    row("eval sentences/s per CPU-second", "eval_samples_per_cpu_s")
    row("eval padding efficiency", "eval_padding_efficiency", "{:.3f}")
    row("eval decode (word_level_ids) s", "eval_decode_s", "{:.3f}", ratio=False)
    row("eval seqeval scoring s", "eval_score_s", "{:.3f}", ratio=False)
    row("span F1, NCBI devel", "f1", "{:.4f}", ratio=False)
    row("train loss", "train_loss", "{:.4f}", ratio=False)
    row("RSS before training, MiB", "rss_before_train_mb", "{:.0f}")
    row("peak RSS while training, MiB", "train_peak_rss_mb", "{:.0f}")
    row("peak RSS while evaluating, MiB", "eval_peak_rss_mb", "{:.0f}")
    row("peak RSS of the process, MiB", "peak_rss_mb", "{:.0f}")
    print()
    if default["timed_tokens_per_row"] > 1.2 * default["epoch_tokens_per_row"]:
        print("  note: the default pipeline's timed batches are longer than its epoch average (the length-grouped sampler"
              " serves each 50-batch megabatch longest first): with this few steps its samples/s understates an epoch's;"
              " tokens/s and a longer run (--steps 150) are the fairer figures.")
    if default["steps"] < 100:
        print("  note: F1 after so few steps says nothing about accuracy; use the full run (--steps 150) for that.")
    bf16 = results.get("default_bf16")
    if bf16:
        print(f"  bf16 autocast training (default pipeline, third process): {bf16['train_samples_per_s']:.1f} samples/s "
              f"against {default['train_samples_per_s']:.1f} in fp32 = {summary['cpu_bf16_train_speedup']:.2f}x "
              f"({summary['cpu_bf16_train_speedup_cpu_time']:.2f}x in CPU time); span F1 {bf16['f1']:.4f} against "
              f"{default['f1']:.4f} (delta {summary['cpu_bf16_f1_delta']:+.4f}); eval sentences/s {bf16['eval_samples_per_s']:.1f}")
    for key in summary["targets_met"]:
        op, bound = TARGETS[key]
        print(f"  target {key} {op} {bound}: {summary[key]:.3f} -> {'met' if summary['targets_met'][key] else 'MISSED'}")
    if args.profile:
        print("\ncProfile, cold preprocessing (tottime):\n" + prep.get("profile", ""))
        print("cProfile, evaluation post-processing (decode + seqeval, default pipeline):\n" + (default.get("profile") or ""))
    print()


if __name__ == "__main__":
    main()
