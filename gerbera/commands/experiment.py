"""Does general-domain data help on my corpus? Single-task against GERBERA, several sizes and seeds.

    python -m gerbera.experiment --data_dir NERdata --bio NCBI-disease --general CoNLL2003 \\
        --general_fraction 0.04 --sizes 0.1 --seeds 1 2 3 --work_dir runs/ncbi --report docs/ncbi.md

For every training-set size S (a share of the biomedical train set, seeded by --subset_seed: the
same subset for every seed) and every seed N (the runs' --seed: the initialisation, dropout and the
order of the training batches):

- single-task: train on the biomedical subset for MT + FT epochs;
- GERBERA: train on the biomedical subset + the general-domain dataset(s) (a share of each) for MT
  epochs (one shared tag head), then fine-tune on the biomedical subset for FT epochs.

Both recipes make the same number of passes over the biomedical sentences. With --equal_steps a
control arm runs as well, after the GERBERA runs of each size and seed: single-task with
--max_steps = the optimizer steps those two GERBERA runs took together (read from their
``trainer_state.json``), since GERBERA's multi-task step adds steps on general-domain sentences.

Each final model is scored on the biomedical test set (and, with --cross, on other datasets). The
report gives the per-seed scores, the paired differences (GERBERA - single-task, same size and
seed) with a t confidence interval, the paired bootstrap comparison (``gerbera.compare``) of the
median-seed pair of each size, a plot, and the exact command of every run
(``gerbera.reporting.experiment_report``).

Every run writes into its own folder of --work_dir; a finished run (its ``all_results.json``
written by the command now asked for) is not run again, so the command can be stopped and
started again. A folder holding a finished run of another command is refused
(``gerbera.commands.experiment_runs``).
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from gerbera.commands.exits import exit_status, user_errors
from gerbera.commands.experiment_checks import check_datasets, check_ranges, check_train_args
from gerbera.commands.experiment_runs import (
    TrainingSettings,
    execute,
    finished,
    listed_runs,
    optimizer_steps,
    output_dir,
    training_precision,
    training_settings,
)
from gerbera.commands.parsers import StrictArgumentParser
from gerbera.errors import GerberaError, UsageError
from gerbera.outputs import atomic_write, write_json
from gerbera.reporting.experiment_report import write_report
from gerbera.reporting.experiment_statistics import SAME_STEPS

REPO = Path(__file__).resolve().parents[2]  # the repository: the folder above the gerbera package, with run_ner.py
QUIET = ["--report_to", "none", "--disable_tqdm", "true", "--save_strategy", "no", "--overwrite_output_dir"]


def entry_point(script: str, console: str) -> list[str]:
    """How to start run_ner.py / run_eval.py, as the commands show it: ``python`` (this Python, see
    `gerbera.commands.experiment_runs.runnable`) and the checkout's script relative to the current
    folder, else the installed command's name."""
    if (REPO / script).is_file():
        return ["python", os.path.relpath(REPO / script)]
    if shutil.which(console) is None:
        raise GerberaError(f"neither {REPO / script} nor the command {console} exists: install the toolkit (pip install .)")
    return [console]


@dataclass(kw_only=True)
class Plan(TrainingSettings):
    """What to run: every setting that goes into the commands."""

    data_dir: Path
    bio: str
    general: list[str]
    general_fraction: dict[float, float]  # per size
    sizes: list[float]
    seeds: list[int]
    labels: Path
    work_dir: Path
    warmup_steps: int = 0
    cross: list[str] = field(default_factory=list)
    equal_steps: bool = False  # the single-task control with GERBERA's optimizer steps

    def common(self, data_list: str, epochs: float, seed: int) -> list[str]:
        return ["--data_dir", str(self.data_dir), "--labels", str(self.labels), "--data_list", data_list,
                "--eval_data_list", self.bio, *self.training_flags(epochs), "--warmup_steps", str(self.warmup_steps),
                *self.seed_flags(seed)]

    def run_dir(self, size: float, seed: int) -> Path:
        return self.work_dir / f"size{size:g}_seed{seed}"

    def single_task(self, size: float, seed: int, folder: str, max_steps: list[str]) -> list[str]:
        """Train on the biomedical subset for MT + FT epochs (or ``--max_steps``), then score the test set."""
        model = ["--model_name_or_path", self.model] if self.model else []
        return [*entry_point("run_ner.py", "gerbera-train"), *model,
                *self.common(self.share(self.bio, size), self.mt_epochs + self.ft_epochs, seed), "--do_train",
                "--do_predict", *self.extra, *max_steps, *QUIET, "--output_dir", str(self.run_dir(size, seed) / folder)]

    def same_steps(self, size: float, seed: int, steps: int | str) -> list[str]:
        """The control of --equal_steps: single-task for ``steps`` optimizer steps."""
        return self.single_task(size, seed, "single-task-same-steps", ["--max_steps", str(steps)])

    def runs(self, size: float, seed: int) -> dict[str, list[str]]:
        """Name -> full command, in the order they must run. The same-steps control (--equal_steps) is
        among them once the GERBERA runs of this size and seed have finished: its steps are theirs."""
        train, evaluate = entry_point("run_ner.py", "gerbera-train"), entry_point("run_eval.py", "gerbera-eval")
        folder = self.run_dir(size, seed)
        model = ["--model_name_or_path", self.model] if self.model else []
        bio = self.share(self.bio, size)
        mixture = "+".join([bio] + [self.share(g, self.general_fraction[size]) for g in self.general])
        commands = {
            "single-task": self.single_task(size, seed, "single-task", []),
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
        if self.equal_steps:
            steps = [optimizer_steps(commands[name]) for name in ("GERBERA multi-task", "GERBERA")]
            if None not in steps:
                commands[SAME_STEPS] = self.same_steps(size, seed, sum(steps))
        return commands


def run_all(plan: Plan, on_row=None, start_runs: bool = True) -> tuple[list[dict], int]:
    """Every run of the plan (finished ones read back); the rows, and how many runs were started.
    With ``start_runs`` false, only the finished runs are read: an arm of a seed whose runs have not
    all finished has no row."""
    plan.work_dir.mkdir(parents=True, exist_ok=True)
    log = plan.work_dir / "log.txt"
    rows, started = [], 0
    for size in plan.sizes:
        for seed in plan.seeds:
            commands = plan.runs(size, seed)
            results = {}
            for name, command in commands.items():
                if start_runs:
                    started += finished(command) is None
                    results[name] = execute(command, log)
                elif (done := finished(command)) is not None:
                    results[name] = done
            if plan.equal_steps and SAME_STEPS not in results:  # the GERBERA runs have just finished: their steps are known
                commands = plan.runs(size, seed)
                if start_runs:
                    started += finished(commands[SAME_STEPS]) is None
                    results[SAME_STEPS] = execute(commands[SAME_STEPS], log)
                elif SAME_STEPS in commands and (done := finished(commands[SAME_STEPS])) is not None:
                    results[SAME_STEPS] = done
            arms = [("single-task", "single-task", "single-task"), ("GERBERA", "GERBERA", "GERBERA multi-task")]
            for arm, final, first in arms + ([(SAME_STEPS, SAME_STEPS, SAME_STEPS)] if plan.equal_steps else []):
                needed = [first, final] + ([f"{arm} cross"] if f"{arm} cross" in commands else [])
                if any(name not in results for name in needed):
                    continue  # not finished (--report_only)
                row = {"size": size, "seed": seed, "arm": arm, "test_f1": results[final]["test_f1"],
                       "test_precision": results[final]["test_precision"], "test_recall": results[final]["test_recall"],
                       "train_sentences": results[final].get("train_sentences"), "precision": training_precision(commands[final]),
                       "train_seconds": round(sum(results[n]["train_runtime"] for n in {first, final})),
                       "predictions": str(output_dir(commands[final]) / "test_predictions.txt"),
                       "commands": [shlex.join(commands[n]) for n in dict.fromkeys([first, final, f"{arm} cross"]) if n in commands]}
                if f"{arm} cross" in results:
                    cross = results[f"{arm} cross"]
                    names = plan.cross
                    row["cross_f1"] = {name: cross.get(f"test_{name}_f1", cross["test_f1"]) if len(names) > 1 else cross["test_f1"]
                                       for name in names}
                if arm == SAME_STEPS:
                    row["optimizer_steps"] = optimizer_steps(commands[SAME_STEPS])
                rows.append(row)
            if on_row is not None:
                on_row(rows)
    return rows, started


def parse_plan(args) -> Plan:
    """The plan of the experiment's flags, checked (`gerbera.commands.experiment_checks`) before any run
    starts. Paths stay as given (relative to the current folder), so the commands hold no path of this
    machine that the user did not type."""
    data_dir = Path(args.data_dir)
    check_datasets(data_dir, [args.bio, *args.general.split("+"), *(args.cross.split("+") if args.cross else [])])
    check_ranges(args)
    fractions = args.general_fraction
    if len(fractions) not in (1, len(args.sizes)):
        raise UsageError(f"--general_fraction: one value, or one per size ({len(args.sizes)})")
    if len(set(args.seeds)) != len(args.seeds) or len(set(args.sizes)) != len(args.sizes):
        raise UsageError("--seeds and --sizes must not repeat a value")
    extra = shlex.split(args.train_args)
    check_train_args(extra, args.equal_steps)
    work_dir = Path(args.work_dir)
    labels = Path(args.labels) if args.labels else data_dir / args.bio / "labels.txt"
    if not labels.is_file():
        if args.labels:
            raise GerberaError(f"--labels {labels}: no such file")
        labels = work_dir / "labels.txt"  # untyped: the general-domain types are read as B/I, as in the paper
        work_dir.mkdir(parents=True, exist_ok=True)
        if not labels.is_file():
            atomic_write(labels, "B\nI\nO\n")
    return Plan(data_dir=data_dir, bio=args.bio, general=args.general.split("+"),
                general_fraction={s: fractions[0] if len(fractions) == 1 else fractions[i] for i, s in enumerate(args.sizes)},
                sizes=args.sizes, seeds=args.seeds, labels=labels, work_dir=work_dir, warmup_steps=args.warmup_steps,
                cross=args.cross.split("+") if args.cross else [], equal_steps=args.equal_steps,
                **training_settings(args, extra))


def build_parser() -> argparse.ArgumentParser:
    parser = StrictArgumentParser(prog="python -m gerbera.experiment", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--data_dir", default="NERdata", help="folder of datasets")
    parser.add_argument("--bio", required=True, help="the biomedical dataset (a folder of --data_dir)")
    parser.add_argument("--general", default="CoNLL2003", help="general-domain dataset(s), joined by '+'")
    parser.add_argument("--general_fraction", type=float, nargs="+", default=[1.0],
                        help="share of each general-domain train set in the multi-task step: one value, or one per size")
    parser.add_argument("--sizes", type=float, nargs="+", default=[0.1, 1.0], help="shares of the biomedical train set")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3],
                        help="the runs' --seed, one set of runs each: it sets the initialisation, dropout and the order "
                        "of the training batches")
    parser.add_argument("--subset_seed", type=int, default=1,
                        help="seed of the training subsets (--sizes, --general_fraction): the same subsets for every seed")
    parser.add_argument("--mt_epochs", type=float, default=2, help="GERBERA's multi-task epochs")
    parser.add_argument("--ft_epochs", type=float, default=2, help="GERBERA's fine-tuning epochs (single-task trains both)")
    parser.add_argument("--learning_rate", type=float, default=1e-4, help="peak learning rate of every training run")
    parser.add_argument("--per_device_train_batch_size", type=int, default=16,
                        help="training sentences (windows) per batch and device, in every training run")
    parser.add_argument("--per_device_eval_batch_size", type=int, default=64,
                        help="sentences (windows) per batch and device when scoring the test sets")
    parser.add_argument("--max_seq_length", type=int, default=128, help="most sub-tokens per model input")
    parser.add_argument("--warmup_steps", type=int, default=0, help="learning-rate warm-up steps of every training run")
    parser.add_argument("--model_name_or_path", help="encoder (default: the embedded all-MiniLM-L6-v2)")
    parser.add_argument("--labels", help="tag set (default: the biomedical dataset's labels.txt, else untyped B, I, O)")
    parser.add_argument("--cross", help="datasets to score every final model on as well, joined by '+'")
    parser.add_argument("--train_args", default="", help="more run_ner.py flags for every training run, e.g. '--bf16 true', checked before any run starts; "
                        "not the flags the experiment sets itself, and --max_steps (which caps every run) not with --equal_steps")
    parser.add_argument("--work_dir", required=True, help="where the runs go (finished runs are reused)")
    parser.add_argument("--report", help="the Markdown report (default: WORK_DIR/report.md); the plot and pages go beside it")
    parser.add_argument("--resamples", type=int, default=10_000, help="bootstrap resamples for the median-seed comparison")
    parser.add_argument("--equal_steps", action="store_true",
                        help="also run a control: single-task with as many optimizer steps as the GERBERA runs of the same "
                        "size and seed took together (multi-task + fine-tuning), after them")
    parser.add_argument("--dry_run", action="store_true", help="print the commands, run nothing")
    parser.add_argument("--report_only", action="store_true",
                        help="write the report from the runs that have finished, start none (a stopped experiment)")
    return parser


def main(argv=None) -> None:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    with user_errors():
        plan = parse_plan(args)
        if args.dry_run:
            for size, seed, name, command, done in listed_runs(plan):
                print(f"# {100 * size:g}%, seed {seed}, {name}{' (finished)' if done else ''}\n{command}")
            return
        report = Path(args.report) if args.report else plan.work_dir / "report.md"
        started = time.time()

        def report_so_far(rows: list[dict]) -> None:  # after every seed: a stopped experiment leaves a report
            write_json(plan.work_dir / "results.json", rows)
            shown = [arg for arg in argv if arg != "--report_only"]  # the command that runs it: the report's own
            write_report(plan, shown, rows, report, args.resamples, list(listed_runs(plan)), REPO)

        rows, count = run_all(plan, on_row=report_so_far, start_runs=not args.report_only)
        report_so_far(rows)
    print(f"{count} runs started, {len(rows)} results ({time.time() - started:.0f} s); wrote {report}")


def cli() -> int:
    """``gerbera-experiment`` and ``python -m gerbera.experiment``: the process's exit status, never the results (`gerbera.commands.exits`)."""
    return exit_status(main)


if __name__ == "__main__":
    raise SystemExit(cli())
