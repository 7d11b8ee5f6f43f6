"""One model per corpus, or one model with a head per corpus? Both recipes on the same data and seeds.

    python -m gerbera.heads_experiment --data_dir NERdata --corpora NCBI-disease=Disease BC2GM \\
        --general CoNLL2003 --general_fraction 0.04 --size 0.1 --seeds 1 2 3 4 5 --work_dir runs/heads

For every seed N (the runs' --seed) and the same training subsets (a share --size of each
biomedical train set and --general_fraction of each general-domain one, seeded by --subset_seed):

- **GERBERA per corpus**: for each biomedical corpus, the multi-task step on the corpus + the
  general-domain data (one shared tag head, untyped tags as in the paper) for MT epochs, then
  fine-tuning on the corpus alone for FT epochs: one model per corpus;
- **a head per corpus**: one model (``run_ner.py --head corpus``), the multi-task step on every
  biomedical corpus + the general-domain data (each dataset through its own head) for MT epochs,
  then fine-tuning on the biomedical corpora for FT epochs: one model for every type.

Both recipes make the same number of passes over each biomedical sentence. Each corpus's test set
is scored with its own model or head; the report (`gerbera.reporting.heads_report`) pairs the two
recipes seed by seed, per type, with the t interval of the mean difference and the paired bootstrap
of the median seed. Finished runs are reused, as in ``gerbera.experiment``
(`gerbera.commands.experiment_runs`).
"""

from __future__ import annotations

import argparse
import shlex
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from gerbera.commands.exits import exit_status, user_errors
from gerbera.commands.experiment import QUIET, REPO, entry_point
from gerbera.commands.experiment_checks import check_datasets, check_train_args
from gerbera.commands.experiment_runs import (
    TrainingSettings,
    execute,
    finished,
    output_dir,
    training_precision,
    training_settings,
)
from gerbera.commands.parsers import StrictArgumentParser
from gerbera.errors import GerberaError, UsageError
from gerbera.outputs import atomic_write, write_json
from gerbera.reporting.heads_report import HEADS, PER_CORPUS, write_heads_report

__all__ = ["HeadsPlan", "cli", "main"]


@dataclass(kw_only=True)
class HeadsPlan(TrainingSettings):
    """What to run: every setting that goes into the commands."""

    data_dir: Path
    corpora: dict[str, str]  # biomedical dataset -> its entity type (the head's name)
    untyped: set[str]  # the datasets of corpora whose tags are untyped: --head_types names their heads
    general: list[str]
    general_fraction: float
    size: float
    seeds: list[int]
    work_dir: Path
    untyped_labels: Path

    def bio_list(self) -> str:
        return "+".join(self.share(dataset, self.size) for dataset in self.corpora)

    def general_list(self) -> str:
        return "+".join(self.share(dataset, self.general_fraction) for dataset in self.general)

    def common(self, data_list: str, eval_list: str, epochs: float, seed: int) -> list[str]:
        return ["--data_dir", str(self.data_dir), "--data_list", data_list, "--eval_data_list", eval_list,
                *self.training_flags(epochs), *self.seed_flags(seed)]

    def run_dir(self, seed: int) -> Path:
        return self.work_dir / f"seed{seed}"

    def runs(self, seed: int) -> dict[str, list[str]]:
        """Name -> full command, in the order they run."""
        train = entry_point("run_ner.py", "gerbera-train")
        folder = self.run_dir(seed)
        model = ["--model_name_or_path", self.model] if self.model else []
        commands = {}
        for dataset in self.corpora:
            bio = self.share(dataset, self.size)
            mixture = f"{bio}+{self.general_list()}"
            first, final = folder / f"{dataset}-multitask", folder / dataset
            commands[f"{dataset} multi-task"] = [
                *train, *model, "--labels", str(self.untyped_labels), *self.common(mixture, dataset, self.mt_epochs, seed),
                "--do_train", *self.extra, *QUIET, "--output_dir", str(first)]
            commands[f"{dataset} fine-tuning"] = [
                *train, "--model_name_or_path", str(first), *self.common(bio, dataset, self.ft_epochs, seed),
                "--do_train", "--do_predict", *self.extra, *QUIET, "--output_dir", str(final)]
        named = [f"{dataset}={name}" for dataset, name in self.corpora.items() if dataset in self.untyped]
        types = ["--head_types", ",".join(named)] if named else []
        evaluated = "+".join(self.corpora)
        first, final = folder / "heads-multitask", folder / "heads"
        commands["heads multi-task"] = [
            *train, *model, "--head", "corpus", *types, "--general_data_list", "+".join(self.general),
            *self.common(f"{self.bio_list()}+{self.general_list()}", evaluated, self.mt_epochs, seed), "--do_train",
            *self.extra, *QUIET, "--output_dir", str(first)]
        commands["heads fine-tuning"] = [
            *train, "--model_name_or_path", str(first),  # the model's heads, all kept
            *self.common(self.bio_list(), evaluated, self.ft_epochs, seed), "--do_train", "--do_predict", *self.extra,
            *QUIET, "--output_dir", str(final)]
        return commands

    def rows(self, seed: int, results: dict[str, dict]) -> list[dict]:
        """One row per corpus and recipe whose runs have finished."""
        commands, rows = self.runs(seed), []
        several = len(self.corpora) > 1
        for dataset, entity_type in self.corpora.items():
            for arm, first, final, key in (
                (PER_CORPUS, f"{dataset} multi-task", f"{dataset} fine-tuning", "test"),
                (HEADS, "heads multi-task", "heads fine-tuning", f"test_{dataset}" if several else "test"),
            ):
                if first not in results or final not in results:
                    continue
                scores, out = results[final], output_dir(commands[final])
                name = f"test_predictions_{dataset}.txt" if arm == HEADS and several else "test_predictions.txt"
                rows.append({"seed": seed, "dataset": dataset, "type": entity_type, "arm": arm,
                             "test_f1": scores[f"{key}_f1"], "test_precision": scores[f"{key}_precision"],
                             "test_recall": scores[f"{key}_recall"], "predictions": str(out / name),
                             "precision": training_precision(commands[final]),
                             "train_seconds": round(results[first]["train_runtime"] + results[final]["train_runtime"]),
                             "commands": [shlex.join(commands[first]), shlex.join(commands[final])]})
        return rows


def run_all(plan: HeadsPlan, on_seed=None, start_runs: bool = True) -> tuple[list[dict], int]:
    """Every run of the plan (finished ones read back): the rows, and how many runs were started."""
    plan.work_dir.mkdir(parents=True, exist_ok=True)
    log = plan.work_dir / "log.txt"
    rows, started = [], 0
    for seed in plan.seeds:
        results = {}
        for name, command in plan.runs(seed).items():
            if start_runs:
                started += finished(command) is None
                results[name] = execute(command, log)
            elif (done := finished(command)) is not None:
                results[name] = done
        rows += plan.rows(seed, results)
        if on_seed is not None:
            on_seed(rows)
    return rows, started


def parse_plan(args) -> HeadsPlan:
    """The plan of the flags, checked before any run starts."""
    data_dir = Path(args.data_dir)
    corpora, untyped = {}, set()
    general = args.general.split("+")
    check_datasets(data_dir, [entry.partition("=")[0] for entry in args.corpora] + general)
    for entry in args.corpora:
        dataset, _, name = entry.partition("=")
        typed = corpus_type(data_dir / dataset / "train.txt")
        if typed and name:
            raise UsageError(f"--corpora {entry}: {dataset} is typed ({typed}); write {dataset} alone")
        if not typed and not name:
            raise UsageError(f"--corpora {entry}: {dataset} is untyped; name its type, e.g. {dataset}=Disease")
        name = name or typed
        if dataset in corpora or name in corpora.values():
            raise UsageError(f"--corpora {entry}: each dataset and each type once")
        corpora[dataset] = name
        if not typed:
            untyped.add(dataset)
    if not 0 < args.size <= 1 or args.general_fraction <= 0:
        raise UsageError("--size is a share of each biomedical train set, in (0, 1]; --general_fraction must be above 0")
    if len(set(args.seeds)) != len(args.seeds):
        raise UsageError("--seeds must not repeat a value")
    extra = shlex.split(args.train_args)
    check_train_args(extra, False)
    work_dir = Path(args.work_dir)
    labels = work_dir / "labels.txt"  # GERBERA per corpus: untyped tags, the general-domain types read as B/I
    if not args.dry_run and not labels.is_file():  # a dry run writes nothing
        work_dir.mkdir(parents=True, exist_ok=True)
        atomic_write(labels, "B\nI\nO\n")
    return HeadsPlan(data_dir=data_dir, corpora=corpora, untyped=untyped, general=general, general_fraction=args.general_fraction,
                     size=args.size, seeds=args.seeds, work_dir=work_dir, untyped_labels=labels,
                     **training_settings(args, extra))


def corpus_type(train: Path) -> str | None:
    """The entity type of the first typed tag of a column file (``B-GENE`` -> ``GENE``); None when its tags are untyped."""
    if not train.is_file():
        raise GerberaError(f"{train}: no such file (the experiment trains on each corpus's train.txt)")
    with open(train, encoding="utf-8") as lines:
        for line in lines:
            fields = line.split()
            if len(fields) > 1 and fields[-1] != "O":
                tag = fields[-1]
                return tag.split("-", 1)[1] if "-" in tag else None
    return None


def build_parser() -> argparse.ArgumentParser:
    parser = StrictArgumentParser(prog="python -m gerbera.heads_experiment", description=__doc__.split("\n\n")[0],
                                  formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--data_dir", default="NERdata", help="folder of datasets")
    parser.add_argument("--corpora", nargs="+", required=True,
                        help="the biomedical datasets: DATASET=TYPE for an untyped corpus (its type names its head), DATASET alone for "
                        "a typed one (e.g. NCBI-disease=Disease BC2GM)")
    parser.add_argument("--general", default="CoNLL2003", help="general-domain dataset(s), joined by '+'")
    parser.add_argument("--general_fraction", type=float, default=1.0, help="share of each general-domain train set")
    parser.add_argument("--size", type=float, default=0.1, help="share of each biomedical train set")
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3, 4, 5], help="the runs' --seed, one set of runs each")
    parser.add_argument("--subset_seed", type=int, default=1, help="seed of the training subsets: the same for every seed")
    parser.add_argument("--mt_epochs", type=float, default=2, help="epochs of the multi-task step")
    parser.add_argument("--ft_epochs", type=float, default=2, help="epochs of the fine-tuning step")
    parser.add_argument("--learning_rate", type=float, default=1e-4, help="peak learning rate of every training run")
    parser.add_argument("--per_device_train_batch_size", type=int, default=16, help="training sentences per batch")
    parser.add_argument("--per_device_eval_batch_size", type=int, default=64, help="sentences per batch when scoring")
    parser.add_argument("--max_seq_length", type=int, default=128, help="most sub-tokens per model input")
    parser.add_argument("--model_name_or_path", help="encoder (default: the embedded all-MiniLM-L6-v2)")
    parser.add_argument("--train_args", default="", help="more run_ner.py flags for every training run, e.g. '--bf16 true'")
    parser.add_argument("--work_dir", required=True, help="where the runs go (finished runs are reused)")
    parser.add_argument("--report", help="the Markdown report (default: WORK_DIR/report.md)")
    parser.add_argument("--resamples", type=int, default=10_000, help="bootstrap resamples for the median-seed comparison")
    parser.add_argument("--dry_run", action="store_true", help="print the commands, run nothing")
    parser.add_argument("--report_only", action="store_true", help="write the report from the finished runs, start none")
    return parser


def main(argv=None) -> list[dict]:
    argv = list(sys.argv[1:] if argv is None else argv)
    args = build_parser().parse_args(argv)
    with user_errors():
        plan = parse_plan(args)
        if args.dry_run:
            for seed in plan.seeds:
                for name, command in plan.runs(seed).items():
                    done = " (finished)" if finished(command) is not None else ""
                    print(f"# seed {seed}, {name}{done}\n{shlex.join(command)}")
            return []
        report = Path(args.report) if args.report else plan.work_dir / "report.md"
        started = time.time()
        shown = [arg for arg in argv if arg not in ("--report_only", "--dry_run")]

        def report_so_far(rows: list[dict]) -> None:  # after every seed: a stopped experiment leaves a report
            write_json(plan.work_dir / "results.json", rows)
            write_heads_report(plan, shown, rows, report, args.resamples, REPO)

        rows, count = run_all(plan, on_seed=report_so_far, start_runs=not args.report_only)
        report_so_far(rows)
    print(f"{count} runs started, {len(rows)} results ({time.time() - started:.0f} s); wrote {report}")
    return rows


def cli() -> int:
    """``python -m gerbera.heads_experiment``: the process's exit status (`gerbera.commands.exits`)."""
    return exit_status(main)


if __name__ == "__main__":
    raise SystemExit(cli())
