"""One pipeline of ``bench/speed.py``, measured in its own process: ``default`` (what run_ner.py
does: dynamic padding, length-grouped batches), ``static`` (``--pad_to_max_length``: every input
padded to max_seq_length, random batches) or ``default_bf16`` (the default pipeline trained under
bf16 autocast).

The pipeline is built from the toolkit's own pieces, then: one epoch of its training batches is
drawn to measure the padding (no training), it trains one step a turn, and it evaluates the devel
set one whole pass a turn, ``--eval_repeats`` times. Each turn is timed by the process's own clock.

No heavy imports at module level: the spawned processes import this file.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from _speed_preprocessing import EVAL_DATASETS, TRAIN_DATASETS, load_model_side
from _speed_process import Baton, TurnClock, peak_rss_mb, process_peak_rss_mb, reset_peak_rss, rss_mb

PIPELINES = ("default", "static", "default_bf16")  # index 0 / 1 / 2 of the processes (the third: --bf16_arm)


def run_pipeline(index: int, args_dict: dict, prep: dict, cond, turn, done, queue) -> None:
    """A process's whole life: wait for the first turn, measure, report the result (or the error) on the queue."""
    baton = Baton(cond, turn, done, index)
    baton.acquire()
    try:
        result = measure_pipeline(PIPELINES[index], argparse.Namespace(**args_dict), prep, baton)
    except BaseException as error:  # report, never leave the other process waiting
        import traceback

        result = {"error": f"{type(error).__name__}: {error}", "traceback": traceback.format_exc()}
    queue.put((index, result))
    baton.finish()


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


def load_data(args, prep: dict, encoder, tagset):
    """The training group (its features: a cache hit, the parent built them) and the devel group
    (the first --eval_sentences sentences, when given: not cached, the cache key is the file's digest)."""
    from gerbera.corpora.column_files import CorpusSplit
    from gerbera.features.split_groups import SplitGroup, load_group, read_splits

    cache_dir = prep["cache_dir"]
    train_group = SplitGroup(read_splits(args.data_dir, TRAIN_DATASETS, "train"), tagset)
    train_group.map_tags()
    train_group.build_features(encoder, cache_dir)
    devel = load_group(args.data_dir, EVAL_DATASETS, "devel", tagset)
    if args.eval_sentences and args.eval_sentences < devel.num_sentences:
        devel = SplitGroup(
            [CorpusSplit(s.dataset, s.split, s.path, s.sentences[: args.eval_sentences]) for s in devel.splits][:1],
            tagset,
        )
        devel.map_tags()
        devel.build_features(encoder, None, sort_by_length=True)
    else:
        devel.build_features(encoder, cache_dir, sort_by_length=True)
    return train_group, devel


def build_trainer(name: str, args, model_side, tagset, train_group):
    """The toolkit's Trainer for this pipeline, with TrainingArguments built directly (nothing
    logged, saved or evaluated while training) and a collator that counts tokens."""
    from transformers import PrinterCallback, TrainingArguments, set_seed

    from gerbera.commands.arguments import DataArguments
    from gerbera.models.loading import load_model
    from gerbera.training.setup import make_trainer

    static = name == "static"
    bf16 = name == "default_bf16"  # bf16 autocast training, the toolkit's default on CPUs with native bf16
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
        use_cpu=not args.device.startswith("cuda"),
        bf16=bf16,
        dataloader_num_workers=0,
        train_sampling_strategy="random" if static else "group_by_length",
    )
    set_seed(args.seed)
    model = load_model(model_side.name, model_side.config, tagset)
    trainer = make_trainer(model, training_args, data_args, model_side.tokenizer, train_dataset=train_group.features)
    trainer.remove_callback(PrinterCallback)  # no metrics dicts printed in the middle of the report
    collator = CountingCollator(trainer.data_collator)
    trainer.data_collator = collator
    return trainer, collator, training_args


def scan_one_epoch(trainer, collator: CountingCollator, seed: int) -> list[tuple[int, int, int]]:
    """The batches of one whole epoch of this pipeline's training dataloader (for padding efficiency)."""
    from transformers import set_seed

    set_seed(seed)
    for _ in trainer.get_train_dataloader():
        pass
    epoch_log = collator.log
    collator.log = []
    return epoch_log


def take_turns_each_step(baton: Baton, clock: TurnClock, step_times: list):
    """A callback for one training step per turn: a turn runs from the end of the previous step (so
    it includes fetching and collating this step's batch) to the end of this one."""
    from transformers import TrainerCallback

    class TurnTaking(TrainerCallback):
        def on_step_end(self, args_, state, control, **kwargs):
            step_times.append(clock.lap())
            baton.yield_turn()
            clock.start()

    return TurnTaking()


def train_in_turns(trainer, collator: CountingCollator, baton: Baton, clock: TurnClock, warmup_steps: int) -> dict:
    step_times: list[tuple[float, float]] = []
    trainer.add_callback(take_turns_each_step(baton, clock, step_times))
    reset_peak_rss()
    rss_before_train = rss_mb()
    clock.start()
    train_result = trainer.train()
    train_peak = peak_rss_mb()
    warmup = min(warmup_steps, len(step_times) - 1)
    timed = step_times[warmup:]
    timed_batches = collator.log[warmup : len(step_times)]
    return {
        "steps": len(step_times),
        "timed": timed,
        "wall": sum(w for w, _ in timed),
        "cpu": sum(c for _, c in timed),
        "rows": sum(b[0] for b in timed_batches),
        "real": sum(b[1] for b in timed_batches),
        "computed": sum(b[2] for b in timed_batches),
        "loss": float(train_result.training_loss),
        "rss_before": rss_before_train,
        "peak": train_peak,
    }


def evaluate_in_turns(trainer, devel, collator: CountingCollator, baton: Baton, clock: TurnClock, repeats: int) -> dict:
    """predict + decode + seqeval of the length-sorted devel set: one whole pass a turn, ``repeats``
    passes, the median pass counts. (A turn per batch, as in training, would add to every batch the
    cost of waking this process and its OpenMP threads and refilling the caches: a fixed cost per
    batch that weighs most on the faster pipeline. Measured: 3.1x with a turn per batch; 3.6x in one
    process, bench/eval_in_process.py.)"""
    from gerbera.scoring.group_scores import GroupScorer

    scorer = GroupScorer(devel)
    post = {}

    def compute_metrics(prediction):
        t0 = time.perf_counter()
        predicted = scorer.decode(prediction.predictions)
        t1 = time.perf_counter()
        metrics = scorer.score(predicted)
        post.update(decode_s=t1 - t0, score_s=time.perf_counter() - t1)
        return metrics

    trainer.compute_metrics = compute_metrics
    reset_peak_rss()
    passes: list[tuple[float, float]] = []
    for _ in range(repeats):
        collator.log = []
        clock.start()
        output = trainer.predict(devel.features, metric_key_prefix="eval")
        passes.append(clock.lap())
        baton.yield_turn()
    peak = peak_rss_mb()
    wall, cpu = sorted(passes)[len(passes) // 2]
    return {"scorer": scorer, "output": output, "post": post, "passes": passes, "wall": wall, "cpu": cpu,
            "log": collator.log, "peak": peak}


def profile_scoring(scorer, predictions) -> str:
    """cProfile of the evaluation post-processing (decode + seqeval)."""
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    scorer.score(scorer.decode(predictions))
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(12)
    return out.getvalue()


def measure_pipeline(name: str, args, prep: dict, baton: Baton) -> dict:
    import datasets
    import numpy as np
    import torch
    import transformers

    from gerbera.corpora.tags import TagSet

    datasets.disable_progress_bars()
    transformers.utils.logging.set_verbosity_error()
    transformers.utils.logging.disable_progress_bar()
    torch.set_num_threads(args.threads)
    setup_started = time.perf_counter()
    cuda = args.device.startswith("cuda")
    sync = torch.cuda.synchronize if cuda else None

    model_side = load_model_side(args)
    encoder = model_side.encoder(args.max_seq_length)
    tagset = TagSet(list(prep["labels"]))
    train_group, devel = load_data(args, prep, encoder, tagset)
    trainer, collator, training_args = build_trainer(name, args, model_side, tagset, train_group)

    scan_started = time.perf_counter()
    epoch_log = scan_one_epoch(trainer, collator, args.seed)
    setup_s, scan_s = scan_started - setup_started, time.perf_counter() - scan_started

    clock = TurnClock(sync)
    train = train_in_turns(trainer, collator, baton, clock, args.warmup_steps)
    evaluation = evaluate_in_turns(trainer, devel, collator, baton, clock, args.eval_repeats)
    output, eval_log, eval_wall, eval_cpu = evaluation["output"], evaluation["log"], evaluation["wall"], evaluation["cpu"]
    profile_text = profile_scoring(evaluation["scorer"], output.predictions) if args.profile and name == "default" else None

    train_wall, train_cpu, rows, real, computed = train["wall"], train["cpu"], train["rows"], train["real"], train["computed"]
    return {
        "pipeline": name,
        "setup_s": setup_s,
        "epoch_scan_s": scan_s,
        "steps": train["steps"],
        "timed_steps": len(train["timed"]),
        "train_wall_s": train_wall,
        "train_cpu_s": train_cpu,
        "train_s_per_step": train_wall / max(len(train["timed"]), 1),
        "train_samples_per_s": rows / train_wall,
        "train_real_tokens_per_s": real / train_wall,
        "train_computed_tokens_per_s": computed / train_wall,
        "train_samples_per_cpu_s": rows / train_cpu,
        "timed_padding_efficiency": real / computed,
        "timed_tokens_per_row": real / rows,
        "epoch_tokens_per_row": sum(b[1] for b in epoch_log) / sum(b[0] for b in epoch_log),
        "epoch_batches": len(epoch_log),
        "padding_efficiency": sum(b[1] for b in epoch_log) / sum(b[2] for b in epoch_log),
        "train_loss": train["loss"],
        "eval_sentences": devel.num_sentences,
        "eval_rows": len(devel.features),
        "eval_batches": len(eval_log),
        "eval_wall_s": eval_wall,
        "eval_pass_wall_s": [round(wall, 3) for wall, _ in evaluation["passes"]],
        "train_step_wall_s": [round(wall, 4) for wall, _ in train["timed"]],  # the same batches in every pipeline
        "eval_cpu_s": eval_cpu,
        "eval_samples_per_s": devel.num_sentences / eval_wall,
        "eval_samples_per_cpu_s": devel.num_sentences / eval_cpu,
        "eval_padding_efficiency": sum(b[1] for b in eval_log) / max(sum(b[2] for b in eval_log), 1),
        "eval_predictions_shape": list(np.asarray(output.predictions).shape),
        "eval_decode_s": evaluation["post"].get("decode_s"),
        "eval_score_s": evaluation["post"].get("score_s"),
        "f1": float(output.metrics.get("eval_f1", float("nan"))),
        "precision": float(output.metrics.get("eval_precision", float("nan"))),
        "recall": float(output.metrics.get("eval_recall", float("nan"))),
        "rss_before_train_mb": train["rss_before"],
        "train_peak_rss_mb": train["peak"],
        "eval_peak_rss_mb": evaluation["peak"],
        "peak_rss_mb": process_peak_rss_mb(),
        "cuda_peak_mb": torch.cuda.max_memory_allocated() / 2**20 if cuda else None,
        "threads": torch.get_num_threads(),
        "bf16": bool(training_args.bf16),
        "device": str(training_args.device),
        "profile": profile_text,
    }
