"""Does general-domain data help on my corpus? Single-task against GERBERA, several sizes and seeds.

    python -m gerbera.commands.experiment --data_dir NERdata --bio NCBI-disease --general CoNLL2003 \\
        --general_fraction 0.04 --sizes 0.1 --seeds 1 2 3 --work_dir runs/ncbi --report docs/ncbi.md

For every training-set size S (a seeded share of the biomedical train set, the same subset for
every seed) and every seed N:

- single-task: train on the biomedical subset for MT + FT epochs;
- GERBERA: train on the biomedical subset + the general-domain dataset(s) (a share of each) for MT
  epochs (one shared tag head), then fine-tune on the biomedical subset for FT epochs.

Both recipes make the same number of passes over the biomedical sentences. Each final model is
scored on the biomedical test set (and, with --cross, on other datasets). The report gives the
per-seed scores, the paired differences (GERBERA - single-task, same size and seed) with a t
confidence interval, the paired bootstrap comparison (``gerbera.scoring.comparison.report``) of the median-seed pair
of each size, a plot, and the exact command of every run.

Every run writes into its own folder of --work_dir; a finished run (its ``all_results.json``
written by the command now asked for) is not run again, so the command can be stopped and
started again. A folder holding a finished run of another command is refused.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from gerbera.errors import GerberaError
from gerbera.outputs import atomic_write, read_json, write_json

REPO = Path(__file__).resolve().parent.parent
ARMS = ("single-task", "GERBERA")
COMMAND_FILE = "experiment_command.txt"
NOTES_MARKER = "<!-- Notes below this line are kept when the report is written again. -->"
QUIET = ["--report_to", "none", "--disable_tqdm", "true", "--save_strategy", "no", "--overwrite_output_dir"]


def entry_point(script: str, console: str) -> list[str]:
    """How to start run_ner.py / run_eval.py: the checkout's script, else the installed command."""
    if (REPO / script).is_file():
        return [sys.executable, str(REPO / script)]
    found = shutil.which(console)
    if found is None:
        raise GerberaError(f"neither {REPO / script} nor the command {console} exists: install the toolkit (pip install .)")
    return [found]


@dataclass
class Plan:
    """What to run: every setting that goes into the commands."""

    data_dir: Path
    bio: str
    general: list[str]
    general_fraction: dict[float, float]  # per size
    sizes: list[float]
    seeds: list[int]
    labels: Path
    work_dir: Path
    mt_epochs: float = 2
    ft_epochs: float = 2
    learning_rate: float = 1e-4
    train_batch_size: int = 16
    eval_batch_size: int = 64
    max_seq_length: int = 128
    warmup_steps: int = 0
    data_seed: int = 1
    model: str | None = None
    cross: list[str] = field(default_factory=list)
    extra: list[str] = field(default_factory=list)

    def share(self, dataset: str, fraction: float) -> str:
        return dataset if fraction == 1 else f"{dataset}:{fraction:g}"

    def common(self, data_list: str, epochs: float, seed: int) -> list[str]:
        return ["--data_dir", str(self.data_dir), "--labels", str(self.labels), "--data_list", data_list,
                "--eval_data_list", self.bio, "--num_train_epochs", f"{epochs:g}", "--learning_rate", f"{self.learning_rate:g}",
                "--per_device_train_batch_size", str(self.train_batch_size),
                "--per_device_eval_batch_size", str(self.eval_batch_size), "--max_seq_length", str(self.max_seq_length),
                "--warmup_steps", str(self.warmup_steps), "--seed", str(seed), "--data_seed", str(self.data_seed)]

    def run_dir(self, size: float, seed: int) -> Path:
        return self.work_dir / f"size{size:g}_seed{seed}"

    def runs(self, size: float, seed: int) -> dict[str, list[str]]:
        """Name -> full command, in the order they must run."""
        train, evaluate = entry_point("run_ner.py", "gerbera-train"), entry_point("run_eval.py", "gerbera-eval")
        folder = self.run_dir(size, seed)
        model = ["--model_name_or_path", self.model] if self.model else []
        bio = self.share(self.bio, size)
        mixture = "+".join([bio] + [self.share(g, self.general_fraction[size]) for g in self.general])
        commands = {
            "single-task": [*train, *model, *self.common(bio, self.mt_epochs + self.ft_epochs, seed), "--do_train",
                            "--do_predict", *self.extra, *QUIET, "--output_dir", str(folder / "single-task")],
            "GERBERA multi-task": [*train, *model, *self.common(mixture, self.mt_epochs, seed), "--do_train", *self.extra,
                                   *QUIET, "--output_dir", str(folder / "gerbera-multitask")],
            "GERBERA": [*train, "--model_name_or_path", str(folder / "gerbera-multitask"),
                        *self.common(bio, self.ft_epochs, seed), "--do_train", "--do_predict", *self.extra, *QUIET,
                        "--output_dir", str(folder / "gerbera")],
        }
        if self.cross:
            for arm, final in (("single-task", "single-task"), ("GERBERA", "gerbera")):
                commands[f"{arm} cross"] = [
                    *evaluate, "--model_name_or_path", str(folder / final), "--data_dir", str(self.data_dir),
                    "--eval_data_list", "+".join(self.cross), "--max_seq_length", str(self.max_seq_length),
                    "--per_device_eval_batch_size", str(self.eval_batch_size), "--seed", str(seed), "--do_predict",
                    *QUIET, "--output_dir", str(folder / f"{final}-cross")]
        return commands


def output_dir(command: list[str]) -> Path:
    return Path(command[len(command) - 1 - command[::-1].index("--output_dir") + 1])


def finished(command: list[str]) -> dict | None:
    """The results of a finished run of exactly this command, else None; a finished run of another
    command in the same folder is an error."""
    out = output_dir(command)
    recorded = out / COMMAND_FILE
    results = out / "all_results.json"
    if not results.is_file() or not recorded.is_file():
        return None
    if recorded.read_text(encoding="utf-8").strip() != shlex.join(command):
        raise GerberaError(f"{out} holds a finished run of another command ({recorded}); use another --work_dir, "
                           "or remove the folder to run it again")
    return read_json(results)


def execute(command: list[str], log: Path) -> dict:
    results = finished(command)
    if results is not None:
        return results
    out = output_dir(command)
    out.mkdir(parents=True, exist_ok=True)
    (out / "all_results.json").unlink(missing_ok=True)  # a stale result must never pass for this run's
    atomic_write(out / COMMAND_FILE, shlex.join(command) + "\n")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1",
           "TOKENIZERS_PARALLELISM": "false"}
    print(f"running {out}", flush=True)
    with open(log, "a", encoding="utf-8") as handle:
        handle.write(f"\n$ {shlex.join(command)}\n")
        handle.flush()
        code = subprocess.run(command, env=env, stdout=handle, stderr=subprocess.STDOUT).returncode
    if code != 0 or not (out / "all_results.json").is_file():
        raise GerberaError(f"this run failed (exit status {code}); its output is at the end of {log}:\n  {shlex.join(command)}")
    return read_json(out / "all_results.json")


def run_all(plan: Plan, on_row=None) -> tuple[list[dict], int]:
    """Every run of the plan (finished ones read back); the rows, and how many runs were started."""
    plan.work_dir.mkdir(parents=True, exist_ok=True)
    log = plan.work_dir / "log.txt"
    rows, started = [], 0
    for size in plan.sizes:
        for seed in plan.seeds:
            commands = plan.runs(size, seed)
            results = {}
            for name, command in commands.items():
                started += finished(command) is None
                results[name] = execute(command, log)
            for arm, final, first in (("single-task", "single-task", "single-task"), ("GERBERA", "GERBERA", "GERBERA multi-task")):
                row = {"size": size, "seed": seed, "arm": arm, "test_f1": results[final]["test_f1"],
                       "test_precision": results[final]["test_precision"], "test_recall": results[final]["test_recall"],
                       "train_sentences": results[final].get("train_sentences"),
                       "train_seconds": round(sum(results[n]["train_runtime"] for n in {first, final})),
                       "predictions": str(output_dir(commands[final]) / "test_predictions.txt"),
                       "commands": [shlex.join(commands[n]) for n in dict.fromkeys([first, final, f"{arm} cross"]) if n in commands]}
                if f"{arm} cross" in results:
                    cross = results[f"{arm} cross"]
                    names = plan.cross
                    row["cross_f1"] = {name: cross.get(f"test_{name}_f1", cross["test_f1"]) if len(names) > 1 else cross["test_f1"]
                                       for name in names}
                rows.append(row)
            if on_row is not None:
                on_row(rows)
    return rows, started


# ---- statistics over seeds --------------------------------------------------------------------------------------

def paired(rows: list[dict], size: float, key=lambda r: r["test_f1"]) -> list[tuple[int, float, float]]:
    """(seed, single-task, GERBERA) for the seeds where both finished."""
    single = {r["seed"]: key(r) for r in rows if r["size"] == size and r["arm"] == "single-task"}
    gerbera = {r["seed"]: key(r) for r in rows if r["size"] == size and r["arm"] == "GERBERA"}
    return [(seed, single[seed], gerbera[seed]) for seed in single if seed in gerbera]


def t_interval(values: list[float], confidence: float = 0.95) -> tuple[float, float] | None:
    if len(values) < 2:
        return None
    from scipy.stats import t

    mean, half = statistics.mean(values), t.ppf(0.5 + confidence / 2, len(values) - 1) * statistics.stdev(values) / len(values) ** 0.5
    return mean - half, mean + half


def median_seed(pairs: list[tuple[int, float, float]]) -> int:
    """The seed whose paired difference is the median (the lower of the two middle ones for an even count)."""
    ordered = sorted(pairs, key=lambda p: (p[2] - p[1], p[0]))
    return ordered[(len(ordered) - 1) // 2][0]


def summary_rows(rows: list[dict], sizes: list[float]) -> list[dict]:
    table = []
    for size in sizes:
        pairs = paired(rows, size)
        if not pairs:
            continue
        single, gerbera = [p[1] for p in pairs], [p[2] for p in pairs]
        deltas = [g - s for _, s, g in pairs]
        table.append({"size": size, "seeds": len(pairs), "single": single, "gerbera": gerbera, "deltas": deltas,
                      "ci": t_interval(deltas), "wins": sum(d > 0 for d in deltas), "median_seed": median_seed(pairs)})
    return table


def _mean_sd(values: list[float]) -> str:
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.4f} ± {sd:.4f}"


def plot(rows: list[dict], table: list[dict], path: Path, bio: str) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4), dpi=100)
    positions = range(len(table))
    for offset, arm, marker in ((-0.12, "single-task", "o"), (0.12, "GERBERA", "s")):
        for i, t in zip(positions, table):
            values = t["single"] if arm == "single-task" else t["gerbera"]
            left.scatter([i + offset] * len(values), values, marker=marker, alpha=0.5,
                         color="C0" if arm == "single-task" else "C1", label=arm if i == 0 else None)
            left.errorbar(i + offset, statistics.mean(values), yerr=statistics.stdev(values) if len(values) > 1 else 0,
                          color="black", capsize=4, marker="_", markersize=14)
    left.set_xticks(list(positions), [f"{100 * t['size']:g}%" for t in table])
    left.set_xlim(-0.5, len(table) - 0.5)
    left.set_xlabel(f"{bio} training set used")
    left.set_ylabel(f"{bio} test span F1")
    left.set_title("per seed, with mean ± sd")
    left.legend()
    for i, t in zip(positions, table):
        deltas = [100 * d for d in t["deltas"]]
        right.scatter([i] * len(deltas), deltas, color="C2", alpha=0.6)
        if t["ci"]:
            mean = statistics.mean(deltas)
            right.errorbar(i, mean, yerr=[[mean - 100 * t["ci"][0]], [100 * t["ci"][1] - mean]], color="black",
                           capsize=6, marker="D")
    right.axhline(0, color="grey", linewidth=1)
    right.set_xticks(list(positions), [f"{100 * t['size']:g}%" for t in table])
    right.set_xlim(-0.5, len(table) - 0.5)
    right.set_ylabel("GERBERA - single-task (F1 points)")
    right.set_title("paired by seed, mean with 95% t interval")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)


def write_report(plan: Plan, argv: list[str], rows: list[dict], path: Path, resamples: int) -> None:
    from gerbera.scoring.comparison.report import compare, format_text
    from gerbera.scoring.comparison.html_page import write_page

    table = summary_rows(rows, plan.sizes)
    path.parent.mkdir(parents=True, exist_ok=True)
    image = path.with_suffix(".png")
    if table:
        plot(rows, table, image, plan.bio)
    general = "+".join(plan.general)
    # the thread count changes the last digits of a CPU run: part of the exact command when it was set
    threads = f"OMP_NUM_THREADS={shlex.quote(os.environ['OMP_NUM_THREADS'])} " if os.environ.get("OMP_NUM_THREADS") else ""
    sentences = {r["size"]: r["train_sentences"] for r in rows if r["arm"] == "single-task"}
    lines = [
        f"# Does general-domain data help on {plan.bio}? Single-task against GERBERA",
        "",
        f"Written by `gerbera.commands.experiment` on {time.strftime('%Y-%m-%d %H:%M')} ({os.cpu_count()} CPUs). The command:",
        "", "```", f"cd {shlex.quote(os.getcwd())} && {threads}" + shlex.join([sys.executable, "-m", "gerbera.commands.experiment", *argv]),
        "```", "",
        f"- Biomedical corpus: {plan.bio}, test set scored with seqeval (strict spans, conlleval mode). "
        f"Training subsets seeded by `--data_seed {plan.data_seed}` (the same subset for every seed): "
        + ", ".join(f"{100 * s:g}% = {sentences.get(s, '?')} sentences" for s in plan.sizes) + ".",
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
        "",
        "## Summary",
        "",
        "Differences are GERBERA - single-task at the same size and seed, in F1 points (F1 x 100); the interval is "
        "the 95% t interval of the mean paired difference over seeds.",
        "",
        "| train | seeds | single-task F1 (mean ± sd) | GERBERA F1 (mean ± sd) | mean difference | 95% CI | GERBERA ahead |",
        "|---|---|---|---|---|---|---|",
    ]
    for t in table:
        ci = f"[{100 * t['ci'][0]:+.2f}, {100 * t['ci'][1]:+.2f}]" if t["ci"] else "-"
        lines.append(f"| {100 * t['size']:g}% | {t['seeds']} | {_mean_sd(t['single'])} | {_mean_sd(t['gerbera'])} | "
                     f"{100 * statistics.mean(t['deltas']):+.2f} | {ci} | {t['wins']} of {t['seeds']} |")
    for name in plan.cross:
        lines += ["", f"Cross-dataset, {name} test (the same models):", "",
                  "| train | seeds | single-task F1 | GERBERA F1 | mean difference | 95% CI |", "|---|---|---|---|---|---|"]
        for size in plan.sizes:
            pairs = paired(rows, size, key=lambda r: r.get("cross_f1", {}).get(name, float("nan")))
            if pairs:
                deltas = [g - s for _, s, g in pairs]
                ci = t_interval(deltas)
                lines.append(f"| {100 * size:g}% | {len(pairs)} | {_mean_sd([p[1] for p in pairs])} | {_mean_sd([p[2] for p in pairs])} | "
                             f"{100 * statistics.mean(deltas):+.2f} | {f'[{100 * ci[0]:+.2f}, {100 * ci[1]:+.2f}]' if ci else '-'} |")
    if table:
        lines += ["", f"![F1 per seed and paired differences]({image.name})"]
    lines += ["", "## Every seed", "", "| train | seed | single-task F1 | GERBERA F1 | difference |"
              + "".join(f" {n} single-task | {n} GERBERA |" for n in plan.cross) + " training s (single / GERBERA) |",
              "|---|---|---|---|---|" + "---|---|" * len(plan.cross) + "---|"]
    by_key = {(r["size"], r["seed"], r["arm"]): r for r in rows}
    for size in plan.sizes:
        for seed, s, g in paired(rows, size):
            single, gerbera = by_key[(size, seed, "single-task")], by_key[(size, seed, "GERBERA")]
            cross = "".join(f" {single['cross_f1'][n]:.4f} | {gerbera['cross_f1'][n]:.4f} |" for n in plan.cross)
            lines.append(f"| {100 * size:g}% | {seed} | {s:.4f} | {g:.4f} | {100 * (g - s):+.2f} |{cross} "
                         f"{single['train_seconds']} / {gerbera['train_seconds']} |")
    lines += ["", "## The median seed, sentence by sentence", "",
              "For each size, the seed whose paired difference is the median, compared with `gerbera.scoring.comparison.report` "
              f"(paired bootstrap over test sentences, {resamples} resamples, seed 1): is that one pair's difference "
              "larger than the test set's sampling noise?"]
    pages = []
    for t in table:
        seed = t["median_seed"]
        single, gerbera = by_key[(t["size"], seed, "single-task")], by_key[(t["size"], seed, "GERBERA")]
        page = path.with_name(f"{path.stem}_{100 * t['size']:g}pct_seed{seed}.html")
        comparison = compare(single["predictions"], gerbera["predictions"], resamples=resamples, seed=1, examples=3)
        write_page(comparison, page)
        pages.append(page)
        command = f"cd {shlex.quote(str(REPO))} && " + shlex.join([sys.executable, "-m", "gerbera.scoring.comparison.report", single["predictions"], gerbera["predictions"],
                              "--resamples", str(resamples), "--seed", "1", "--examples", "3", "--html", str(page)])
        lines += ["", f"### {100 * t['size']:g}%, seed {seed} (A = single-task, B = GERBERA)", "",
                  f"Page with every differing sentence: [{page.name}]({page.name}).", "", "```", f"$ {command}",
                  format_text(comparison.summary).rstrip(), "```"]
    for stale in set(path.parent.glob(f"{path.stem}_*pct_seed*.html")) - set(pages):  # another seed was the median
        stale.unlink()
    lines += ["", "## Every run, the exact command", "",
              "Each command below is complete: run again in the same environment (the thread count, hardware and library "
              "versions), it writes the same model and the same test F1. A run's folder also holds `run_record.json` "
              "(versions, devices, data files and their SHA-256).", ""]
    for size in plan.sizes:
        for seed in plan.seeds:
            lines += [f"### {100 * size:g}%, seed {seed}", "", "```"]
            if threads:
                lines.append(f"export {threads.strip()}  # the runs' environment: the thread count changes the last digits")
            for name, command in plan.runs(size, seed).items():
                lines += [f"# {name}{'' if finished(command) else ' (not finished yet)'}", shlex.join(command)]
            lines += ["```", ""]
    lines += [NOTES_MARKER, ""]
    notes = ""
    if path.is_file() and NOTES_MARKER in path.read_text(encoding="utf-8"):
        notes = path.read_text(encoding="utf-8").split(NOTES_MARKER, 1)[1].lstrip("\n")
    atomic_write(path, "\n".join(lines) + "\n" + notes)


def parse_plan(args) -> Plan:
    data_dir = Path(args.data_dir).resolve()
    for name in [args.bio, *args.general.split("+"), *(args.cross.split("+") if args.cross else [])]:
        if not (data_dir / name).is_dir():
            raise GerberaError(f"--data_dir {data_dir}: no dataset folder '{name}'")
    if any(not 0 < s <= 1 for s in args.sizes):
        raise GerberaError("--sizes are shares of the biomedical train set, in (0, 1]")
    fractions = args.general_fraction
    if len(fractions) not in (1, len(args.sizes)):
        raise GerberaError(f"--general_fraction: one value, or one per size ({len(args.sizes)})")
    if len(set(args.seeds)) != len(args.seeds) or len(set(args.sizes)) != len(args.sizes):
        raise GerberaError("--seeds and --sizes must not repeat a value")
    work_dir = Path(args.work_dir).resolve()
    labels = Path(args.labels).resolve() if args.labels else data_dir / args.bio / "labels.txt"
    if not labels.is_file():
        if args.labels:
            raise GerberaError(f"--labels {labels}: no such file")
        labels = work_dir / "labels.txt"  # untyped: the general-domain types are read as B/I, as in the paper
        work_dir.mkdir(parents=True, exist_ok=True)
        if not labels.is_file():
            atomic_write(labels, "B\nI\nO\n")
    return Plan(data_dir=data_dir, bio=args.bio, general=args.general.split("+"),
                general_fraction={s: fractions[0] if len(fractions) == 1 else fractions[i] for i, s in enumerate(args.sizes)},
                sizes=args.sizes, seeds=args.seeds, labels=labels, work_dir=work_dir, mt_epochs=args.mt_epochs,
                ft_epochs=args.ft_epochs, learning_rate=args.learning_rate, train_batch_size=args.per_device_train_batch_size,
                eval_batch_size=args.per_device_eval_batch_size, max_seq_length=args.max_seq_length,
                warmup_steps=args.warmup_steps, data_seed=args.data_seed, model=args.model_name_or_path,
                cross=args.cross.split("+") if args.cross else [], extra=shlex.split(args.train_args))


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m gerbera.commands.experiment", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--data_dir", default="NERdata", help="folder of datasets")
    parser.add_argument("--bio", required=True, help="the biomedical dataset (a folder of --data_dir)")
    parser.add_argument("--general", default="CoNLL2003", help="general-domain dataset(s), joined by '+'")
    parser.add_argument("--general_fraction", type=float, nargs="+", default=[1.0],
                        help="share of each general-domain train set in the multi-task step: one value, or one per size")
    parser.add_argument("--sizes", type=float, nargs="+", default=[0.1, 1.0], help="shares of the biomedical train set")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--data_seed", type=int, default=1, help="seed of the subsets (the same subset for every seed)")
    parser.add_argument("--mt_epochs", type=float, default=2, help="GERBERA's multi-task epochs")
    parser.add_argument("--ft_epochs", type=float, default=2, help="GERBERA's fine-tuning epochs (single-task trains both)")
    parser.add_argument("--learning_rate", type=float, default=1e-4)
    parser.add_argument("--per_device_train_batch_size", type=int, default=16)
    parser.add_argument("--per_device_eval_batch_size", type=int, default=64)
    parser.add_argument("--max_seq_length", type=int, default=128)
    parser.add_argument("--warmup_steps", type=int, default=0)
    parser.add_argument("--model_name_or_path", help="encoder (default: the embedded all-MiniLM-L6-v2)")
    parser.add_argument("--labels", help="tag set (default: the biomedical dataset's labels.txt, else untyped B, I, O)")
    parser.add_argument("--cross", help="datasets to score every final model on as well, joined by '+'")
    parser.add_argument("--train_args", default="", help="more run_ner.py flags for every training run, e.g. '--bf16 true'")
    parser.add_argument("--work_dir", required=True, help="where the runs go (finished runs are reused)")
    parser.add_argument("--report", help="the Markdown report (default: WORK_DIR/report.md); the plot and pages go beside it")
    parser.add_argument("--resamples", type=int, default=10_000, help="bootstrap resamples for the median-seed comparison")
    parser.add_argument("--dry_run", action="store_true", help="print the commands, run nothing")
    return parser


def main(argv=None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    try:
        plan = parse_plan(args)
        if args.dry_run:
            for size in plan.sizes:
                for seed in plan.seeds:
                    for name, command in plan.runs(size, seed).items():
                        print(f"# {100 * size:g}%, seed {seed}, {name}{' (finished)' if finished(command) else ''}\n{shlex.join(command)}")
            return
        report = Path(args.report).resolve() if args.report else plan.work_dir / "report.md"
        started = time.time()

        def report_so_far(rows: list[dict]) -> None:  # after every seed: a stopped experiment leaves a report
            write_json(plan.work_dir / "results.json", rows)
            write_report(plan, argv, rows, report, args.resamples)

        rows, count = run_all(plan, on_row=report_so_far)
        report_so_far(rows)
    except GerberaError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    print(f"{count} runs started, {len(rows)} results ({time.time() - started:.0f} s); wrote {report}")


if __name__ == "__main__":
    main()
