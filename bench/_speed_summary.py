"""What ``bench/speed.py`` prints: the summary of both pipelines' measurements (its last line, one
JSON object; bench/README.md explains the keys) and the report above it, with issue 4's targets
(issue 14's for the bf16 arm) marked met or missed.
"""

from __future__ import annotations

import os
import platform
from datetime import datetime, timezone

from _speed_preprocessing import EVAL_DATASETS, TRAIN_DATASETS

# Targets of issue 4 (2 CPU cores, MiniLM).
TARGETS = {
    "train_speedup": (">=", 3.0),
    "eval_speedup": (">=", 3.5),
    "padding_efficiency": (">=", 0.90),
    "preprocess_s": ("<", 4.0),
    "cached_preprocess_s": ("<", 1.0),
    "cpu_bf16_train_speedup": (">=", 1.5),  # issue 14, when the bf16 arm runs
}


def cpu_name() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


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
    if bf16:  # the first 8 timed steps (all --quick times) against the rest: new shapes cost bf16 more
        pairs = list(zip(default["train_step_wall_s"], bf16["train_step_wall_s"]))
        for name, part in (("first_8_steps", pairs[:8]), ("after_8_steps", pairs[8:])):
            summary[f"cpu_bf16_train_speedup_{name}"] = sum(a for a, _ in part) / sum(b for _, b in part) if part else None
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
