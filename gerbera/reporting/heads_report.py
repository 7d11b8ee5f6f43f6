"""The Markdown report of ``gerbera.heads_experiment``: GERBERA per corpus against one model with a
head per corpus, per entity type.

For each type: both recipes' test F1 over the seeds, the paired differences (head per corpus -
per corpus, same seed) with their t interval, and the median seed's pair compared sentence by
sentence with ``gerbera.compare`` (paired bootstrap). The two recipes' prediction files may spell
one type differently (``B`` from untyped GERBERA tags, ``B-GENE`` from a typed head): the
comparison reads copies with the types taken off (``*.spans.txt``), which changes no span of a
corpus of one type. Then the training time of each recipe, every seed and every command.
"""

from __future__ import annotations

import os
import re
import shlex
import statistics
import time
from pathlib import Path

from gerbera.outputs import atomic_write
from gerbera.reporting.experiment_report import interval, precision_line, where
from gerbera.reporting.experiment_statistics import mean_sd, median_seed, t_interval
from gerbera.scoring.comparison.report import compare, format_text

PER_CORPUS = "GERBERA per corpus"
HEADS = "head per corpus"

__all__ = ["HEADS", "PER_CORPUS", "write_heads_report"]


def write_heads_report(plan, argv: list[str], rows: list[dict], path: Path, resamples: int, repository: Path) -> None:
    """``plan``: the experiment's HeadsPlan; ``argv``: its arguments; ``rows``: the finished runs' scores."""
    path.parent.mkdir(parents=True, exist_ok=True)
    threads = f"OMP_NUM_THREADS={shlex.quote(os.environ['OMP_NUM_THREADS'])} " if os.environ.get("OMP_NUM_THREADS") else ""
    lines = [
        "# One model per corpus, or one model with a head per corpus?", "",
        f"Written by `gerbera.heads_experiment` on {time.strftime('%Y-%m-%d %H:%M')} ({os.cpu_count()} CPUs). The command:",
        "", "```", where(repository) + threads + shlex.join(["python", "-m", "gerbera.heads_experiment", *argv]), "```", "",
        f"- Biomedical corpora: {', '.join(f'{d} ({t})' for d, t in plan.corpora.items())}, {100 * plan.size:g}% of each "
        f"train set (seeded by `--subset_seed {plan.subset_seed}`, the same subset for every seed); general-domain data: "
        f"{'+'.join(plan.general)} at {plan.general_fraction:g} of its train set.",
        f"- {PER_CORPUS}: per corpus, {plan.mt_epochs:g} epochs on the corpus + the general-domain data (one shared head, "
        f"untyped tags), then {plan.ft_epochs:g} on the corpus. {HEADS.capitalize()}: one model, {plan.mt_epochs:g} epochs on "
        f"every corpus + the general-domain data (`--head corpus`: each dataset through its own head), then "
        f"{plan.ft_epochs:g} on the biomedical corpora. Each biomedical sentence is seen as often in both recipes.",
        f"- Encoder: {plan.model or 'the embedded all-MiniLM-L6-v2 (the default)'}; learning rate {plan.learning_rate:g}, "
        f"batch {plan.train_batch_size}, max_seq_length {plan.max_seq_length}. Scores: seqeval strict span F1 on each "
        "corpus's whole test set.",
        precision_line(rows),
    ]
    lines += summary_lines(plan, rows)
    lines += median_seed_lines(plan, rows, path, resamples, repository)
    lines += seed_lines(rows)
    lines += command_lines(plan, threads)
    atomic_write(path, "\n".join(lines) + "\n")


def pairs(rows: list[dict], dataset: str) -> list[tuple[int, float, float]]:
    """(seed, per corpus, head per corpus) test F1 of the seeds where both recipes finished."""
    first = {r["seed"]: r["test_f1"] for r in rows if r["dataset"] == dataset and r["arm"] == PER_CORPUS}
    second = {r["seed"]: r["test_f1"] for r in rows if r["dataset"] == dataset and r["arm"] == HEADS}
    return [(seed, first[seed], second[seed]) for seed in first if seed in second]


def summary_lines(plan, rows: list[dict]) -> list[str]:
    lines = ["", "## Per type", "",
             f"Differences are {HEADS} minus {PER_CORPUS}, seed by seed, in F1 points; the interval is the 95% t interval "
             "of their mean.", "",
             f"| type (corpus) | seeds | {PER_CORPUS} | {HEADS} | difference (mean) | 95% interval | {HEADS} ahead |",
             "|---|---|---|---|---|---|---|"]
    for dataset, entity_type in plan.corpora.items():
        paired = pairs(rows, dataset)
        if not paired:
            continue
        deltas = [h - p for _, p, h in paired]
        lines.append(f"| {entity_type} ({dataset}) | {len(paired)} | {mean_sd([p for _, p, _ in paired])} | "
                     f"{mean_sd([h for _, _, h in paired])} | {100 * statistics.mean(deltas):+.2f} | "
                     f"{interval(t_interval(deltas))} | {sum(d > 0 for d in deltas)} of {len(deltas)} |")
    per_corpus = per_seed_seconds(rows, PER_CORPUS, 1)
    heads = per_seed_seconds(rows, HEADS, len(plan.corpora))  # one model: its time is on every corpus's row
    if per_corpus and heads:
        lines += ["", f"Training time per seed, both steps: {PER_CORPUS} {per_corpus:.0f} s (its {len(plan.corpora)} models), "
                  f"{HEADS} {heads:.0f} s (one model)."]
    return lines


def per_seed_seconds(rows: list[dict], arm: str, rows_per_model: int) -> float | None:
    """The mean training seconds per seed of a recipe (all its models)."""
    chosen = [r for r in rows if r["arm"] == arm]
    seeds = {r["seed"] for r in chosen}
    return sum(r["train_seconds"] for r in chosen) / rows_per_model / len(seeds) if seeds else None


def untyped_copy(predictions: str) -> str:
    """A copy of a prediction file with the types taken off its tags (``B-GENE`` -> ``B``)."""
    source = Path(predictions)
    target = source.with_name(source.stem + ".spans.txt")
    text = source.read_text(encoding="utf-8")
    atomic_write(target, re.sub(r"(?<= )([BIES])-\S+", r"\1", text))
    return str(target)


def median_seed_lines(plan, rows: list[dict], path: Path, resamples: int, repository: Path) -> list[str]:
    lines = ["", "## The median seed, sentence by sentence", "",
             f"Per type, the seed whose difference is the median, compared with `gerbera.compare` (paired bootstrap over "
             f"test sentences, {resamples} resamples, seed 1; A = {PER_CORPUS}, B = {HEADS})."]
    by_key = {(r["dataset"], r["seed"], r["arm"]): r for r in rows}
    for dataset, entity_type in plan.corpora.items():
        paired = pairs(rows, dataset)
        if not paired:
            continue
        seed = median_seed(paired)
        a = untyped_copy(by_key[(dataset, seed, PER_CORPUS)]["predictions"])
        b = untyped_copy(by_key[(dataset, seed, HEADS)]["predictions"])
        comparison = compare(a, b, resamples=resamples, seed=1, examples=3)
        command = shlex.join(["python", "-m", "gerbera.compare", a, b, "--resamples", str(resamples), "--seed", "1",
                              "--examples", "3"])
        lines += ["", f"### {entity_type} ({dataset}), seed {seed}", "", "```", *where(repository).splitlines(),
                  f"$ {command}", format_text(comparison.summary).rstrip(), "```"]
    return lines


def seed_lines(rows: list[dict]) -> list[str]:
    lines = ["", "## Every seed", "", "| type | seed | recipe | test F1 | precision | recall | training seconds |",
             "|---|---|---|---|---|---|---|"]
    for r in sorted(rows, key=lambda r: (r["dataset"], r["seed"], r["arm"])):
        lines.append(f"| {r['type']} | {r['seed']} | {r['arm']} | {r['test_f1']:.4f} | {r['test_precision']:.4f} | "
                     f"{r['test_recall']:.4f} | {r['train_seconds']} |")
    return lines


def command_lines(plan, threads: str) -> list[str]:
    lines = ["", "## Every run, the exact command", ""]
    for seed in plan.seeds:
        lines += [f"### Seed {seed}", "", "```"]
        if threads:
            lines.append(f"export {threads.strip()}")
        for name, command in plan.runs(seed).items():
            lines += [f"# {name}", shlex.join(command)]
        lines += ["```", ""]
    return lines
