"""The Markdown report of ``gerbera-experiment``: the setup, the summary over seeds, every seed, the
sentence-level comparison of each size's median-seed pair, and the exact command of every run.

Written again after every seed, so a stopped experiment leaves a report; the notes a reader adds
below ``NOTES_MARKER`` are kept. When the rows hold the same-steps control (``--equal_steps``), the
summary and the seed table add it; otherwise it is not mentioned.
"""

from __future__ import annotations

import glob
import os
import re
import shlex
import statistics
import time
from collections import Counter
from pathlib import Path

from gerbera.outputs import atomic_write
from gerbera.reporting.experiment_plot import plot
from gerbera.reporting.experiment_statistics import SAME_STEPS, mean_sd, paired, summary_rows, t_interval
from gerbera.scoring.comparison.html_page import write_page
from gerbera.scoring.comparison.report import compare, format_text

NOTES_MARKER = "<!-- Notes below this line are kept when the report is written again. -->"
RunListing = list[tuple[float, int, str, str, bool]]  # (size, seed, name, command, finished), in the order they run


def write_report(plan, argv: list[str], rows: list[dict], path: Path, resamples: int, runs: RunListing,
                 repository: Path) -> None:
    """``plan``: the experiment's Plan (its settings); ``argv``: the experiment's own arguments;
    ``rows``: the finished runs' scores; ``runs``: every run's command; ``repository``: where the
    printed comparison commands start."""
    table = summary_rows(rows, plan.sizes)
    path.parent.mkdir(parents=True, exist_ok=True)
    image = path.with_suffix(".png")
    if table:
        plot(rows, table, image, plan.bio)
    # the thread count changes the last digits of a CPU run: part of the exact command when it was set
    threads = f"OMP_NUM_THREADS={shlex.quote(os.environ['OMP_NUM_THREADS'])} " if os.environ.get("OMP_NUM_THREADS") else ""
    lines = setup_lines(plan, argv, rows, threads, repository)
    lines += summary_lines(plan, rows, table)
    if table:
        lines += ["", f"![F1 per seed and paired differences]({image.name})"]
    lines += seed_lines(plan, rows)
    lines += median_seed_lines(rows, table, path, resamples, repository)
    lines += command_lines(plan, runs, threads)
    lines += [NOTES_MARKER, ""]
    notes = ""
    if path.is_file() and NOTES_MARKER in path.read_text(encoding="utf-8"):
        notes = path.read_text(encoding="utf-8").split(NOTES_MARKER, 1)[1].lstrip("\n")
    atomic_write(path, "\n".join(lines) + "\n" + notes)


def where(repository: Path) -> str:
    """Where the commands start, free of this machine's paths: nothing from the repository's root,
    else a ``cd`` relative to it."""
    folder = os.path.relpath(os.getcwd(), repository)
    return "" if folder == "." else f"cd {shlex.quote(folder)}  # from the repository's root\n"


def setup_lines(plan, argv: list[str], rows: list[dict], threads: str, repository: Path) -> list[str]:
    general = "+".join(plan.general)
    sentences = {r["size"]: r["train_sentences"] for r in rows if r["arm"] == "single-task"}
    return [
        f"# Does general-domain data help on {plan.bio}? Single-task against GERBERA",
        "",
        f"Written by `gerbera.experiment` on {time.strftime('%Y-%m-%d %H:%M')} ({os.cpu_count()} CPUs). The command:",
        "", "```", where(repository) + threads + shlex.join(["python", "-m", "gerbera.experiment", *argv]),
        "```", "",
        f"- Biomedical corpus: {plan.bio}, test set scored with seqeval (strict spans, conlleval mode). "
        f"Training subsets seeded by `--subset_seed {plan.subset_seed}` (the same subset for every seed): "
        + ", ".join(f"{100 * s:g}% = {sentences.get(s, '?')} sentences" for s in plan.sizes) + ".",
        "- What varies across seeds: each run's `--seed`, which sets the initialisation of the tag head, dropout and the "
        "order of the training batches; the training subsets (and the general-domain shares) stay the same.",
        f"- General-domain data: {general}, share per size: "
        + ", ".join(f"{100 * s:g}% -> {plan.general_fraction[s]:g}" for s in plan.sizes) + ".",
        f"- Single-task: {plan.mt_epochs + plan.ft_epochs:g} epochs on {plan.bio}. GERBERA: {plan.mt_epochs:g} epochs on "
        f"{plan.bio} + {general}, then {plan.ft_epochs:g} on {plan.bio}: the same {plan.mt_epochs + plan.ft_epochs:g} passes "
        "over the biomedical sentences.",
        f"- Encoder: {plan.model or 'the embedded all-MiniLM-L6-v2 (the default)'}; learning rate {plan.learning_rate:g}, "
        f"batch {plan.train_batch_size}, max_seq_length {plan.max_seq_length}, warmup {plan.warmup_steps} steps, tag set "
        f"{plan.labels}." + (f" Cross-dataset test sets: {', '.join(plan.cross)}." if plan.cross else ""),
        f"- Environment of the runs: OMP_NUM_THREADS={os.environ.get('OMP_NUM_THREADS', 'unset (torch picks the thread count)')}, "
        "HF_HUB_OFFLINE=1; the thread count can change the last digits of a run's F1. Each run's `run_record.json` holds "
        "the library versions and devices.",
        precision_line(rows),
    ]


def precision_line(rows: list[dict]) -> str:
    """The runs' training precision: it changes a run's F1, and the toolkit chooses it by hardware
    (bf16 where the CPU or GPU computes it natively), so another machine may train otherwise."""
    counts = Counter(row.get("precision") or "not recorded" for row in rows)
    said = ", ".join(f"{name} ({count} runs)" for name, count in sorted(counts.items())) if len(counts) > 1 else next(iter(counts), "-")
    return (f"- Training precision of the runs (their `run_record.json`): {said}. Without `--bf16`/`--fp16` in "
            "`--train_args` the toolkit chooses bf16 mixed precision where the hardware computes bf16 natively "
            "(AVX512-BF16 or AMX CPUs, Ampere and later GPUs), else fp32 (fp16 on older GPUs); the precision changes "
            "a run's F1, so a machine that chooses otherwise gives other figures.")


def interval(ci: tuple[float, float] | None) -> str:
    return f"[{100 * ci[0]:+.2f}, {100 * ci[1]:+.2f}]" if ci else "-"


def summary_lines(plan, rows: list[dict], table: list[dict]) -> list[str]:
    lines = [
        "",
        "## Summary",
        "",
        "Differences are GERBERA - single-task at the same size and seed, in F1 points (F1 x 100); the interval is "
        "the 95% t interval of the mean paired difference over seeds.",
        "",
        "| train | seeds | single-task F1 (mean ± sd) | GERBERA F1 (mean ± sd) | mean difference | 95% CI | GERBERA ahead |",
        "|---|---|---|---|---|---|---|",
    ]
    lines += summary_table(table)
    control = summary_rows(rows, plan.sizes, baseline=SAME_STEPS)
    if control:
        lines += ["", "Control, single-task with the same optimizer steps (`--equal_steps`): GERBERA's multi-task step adds "
                  "optimizer steps on general-domain sentences, so comparing at the same passes over the biomedical "
                  "sentences can favour GERBERA when single-task is undertrained; this arm trains single-task for as many "
                  "optimizer steps as the GERBERA runs of the same size and seed took together (multi-task + fine-tuning). "
                  "Differences are GERBERA - single-task with the same steps, paired by seed.", "",
                  "| train | seeds | single-task, same steps F1 (mean ± sd) | GERBERA F1 (mean ± sd) | mean difference | 95% CI "
                  "| GERBERA ahead |", "|---|---|---|---|---|---|---|"]
        lines += summary_table(control)
    for name in plan.cross:
        lines += ["", f"Cross-dataset, {name} test (the same models):", "",
                  "| train | seeds | single-task F1 | GERBERA F1 | mean difference | 95% CI |", "|---|---|---|---|---|---|"]
        for size in plan.sizes:
            pairs = paired(rows, size, key=lambda r: r.get("cross_f1", {}).get(name, float("nan")))
            if pairs:
                deltas = [g - s for _, s, g in pairs]
                lines.append(f"| {100 * size:g}% | {len(pairs)} | {mean_sd([p[1] for p in pairs])} | {mean_sd([p[2] for p in pairs])} | "
                             f"{100 * statistics.mean(deltas):+.2f} | {interval(t_interval(deltas))} |")
    return lines


def summary_table(table: list[dict]) -> list[str]:
    return [f"| {100 * t['size']:g}% | {t['seeds']} | {mean_sd(t['single'])} | {mean_sd(t['gerbera'])} | "
            f"{100 * statistics.mean(t['deltas']):+.2f} | {interval(t['ci'])} | {t['wins']} of {t['seeds']} |" for t in table]


def seed_lines(plan, rows: list[dict]) -> list[str]:
    control = any(r["arm"] == SAME_STEPS for r in rows)
    lines = ["", "## Every seed", "", "| train | seed | single-task F1 | GERBERA F1 | difference |"
             + "".join(f" {n} single-task | {n} GERBERA |" for n in plan.cross) + " training s (single / GERBERA) |"
             + (" single-task, same steps F1 | GERBERA - same steps | its optimizer steps |" if control else ""),
             "|---|---|---|---|---|" + "---|---|" * len(plan.cross) + "---|" + "---|---|---|" * control]
    by_key = {(r["size"], r["seed"], r["arm"]): r for r in rows}
    for size in plan.sizes:
        for seed, s, g in paired(rows, size):
            single, gerbera = by_key[(size, seed, "single-task")], by_key[(size, seed, "GERBERA")]
            cross = "".join(f" {single['cross_f1'][n]:.4f} | {gerbera['cross_f1'][n]:.4f} |" for n in plan.cross)
            same = by_key.get((size, seed, SAME_STEPS))
            same = (f" {same['test_f1']:.4f} | {100 * (g - same['test_f1']):+.2f} | {same['optimizer_steps']} |" if same
                    else " - | - | - |") if control else ""
            lines.append(f"| {100 * size:g}% | {seed} | {s:.4f} | {g:.4f} | {100 * (g - s):+.2f} |{cross} "
                         f"{single['train_seconds']} / {gerbera['train_seconds']} |{same}")
    return lines


def median_seed_lines(rows: list[dict], table: list[dict], path: Path, resamples: int, repository: Path) -> list[str]:
    """Each size's median-seed pair compared sentence by sentence; writes its HTML page beside the report."""
    lines = ["", "## The median seed, sentence by sentence", "",
             "For each size, the seed whose paired difference is the median, compared with `gerbera.compare` "
             f"(paired bootstrap over test sentences, {resamples} resamples, seed 1): is that one pair's difference "
             "larger than the test set's sampling noise?"]
    by_key = {(r["size"], r["seed"], r["arm"]): r for r in rows}
    pages = []
    for t in table:
        seed = t["median_seed"]
        single, gerbera = by_key[(t["size"], seed, "single-task")], by_key[(t["size"], seed, "GERBERA")]
        page = path.with_name(f"{path.stem}_{100 * t['size']:g}pct_seed{seed}.html")
        comparison = compare(single["predictions"], gerbera["predictions"], resamples=resamples, seed=1, examples=3)
        write_page(comparison, page)
        pages.append(page)
        command = shlex.join(
            ["python", "-m", "gerbera.compare", single["predictions"], gerbera["predictions"],
             "--resamples", str(resamples), "--seed", "1", "--examples", "3", "--html", str(page)])
        lines += ["", f"### {100 * t['size']:g}%, seed {seed} (A = single-task, B = GERBERA)", "",
                  f"Page with every differing sentence: [{page.name}]({page.name}).", "", "```",
                  *where(repository).splitlines(), f"$ {command}",
                  format_text(comparison.summary).rstrip(), "```"]
    for stale in set(path.parent.glob(f"{glob.escape(path.stem)}_*pct_seed*.html")) - set(pages):
        if re.fullmatch(rf"{re.escape(path.stem)}_[0-9.e+-]+pct_seed-?[0-9]+\.html", stale.name):  # this report's, not another's
            stale.unlink()  # another seed is the median now
    return lines


def command_lines(plan, runs: RunListing, threads: str) -> list[str]:
    lines = ["", "## Every run, the exact command", "",
             "Each command below is complete: run again in the same environment (the thread count, hardware and library "
             "versions), it writes the same model and the same test F1. A run's folder also holds `run_record.json` "
             "(versions, devices, data files and their SHA-256).", ""]
    for size in plan.sizes:
        for seed in plan.seeds:
            lines += [f"### {100 * size:g}%, seed {seed}", "", "```"]
            if threads:
                lines.append(f"export {threads.strip()}  # the runs' environment: the thread count changes the last digits")
            for name, command, done in [(name, command, done) for s, d, name, command, done in runs if (s, d) == (size, seed)]:
                lines += [f"# {name}{'' if done else ' (not finished yet)'}", command]
            lines += ["```", ""]
    return lines
