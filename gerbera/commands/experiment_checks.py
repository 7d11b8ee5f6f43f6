"""The checks ``gerbera-experiment`` makes before any run starts (and in ``--dry_run``): the dataset
folders exist, the numeric flags are in range, and the flags of ``--train_args`` are run_ner.py's
own, spelled out in full, and none the experiment sets itself.

Every problem is a one-line `GerberaError` that says what to type instead: a misspelled flag names
the closest run_ner.py flag; a flag the experiment sets names the experiment's own flag.
"""

from __future__ import annotations

import difflib
from pathlib import Path

from gerbera.errors import GerberaError, UsageError

# run_ner.py flags every run's command already holds -> the experiment's flag that sets them
SET_BY_EXPERIMENT = {
    "data_dir": "--data_dir", "labels": "--labels", "data_list": "--bio, --general and --sizes",
    "eval_data_list": "--bio", "num_train_epochs": "--mt_epochs and --ft_epochs", "learning_rate": "--learning_rate",
    "per_device_train_batch_size": "--per_device_train_batch_size",
    "per_device_eval_batch_size": "--per_device_eval_batch_size", "max_seq_length": "--max_seq_length",
    "warmup_steps": "--warmup_steps", "seed": "--seeds", "subset_seed": "--subset_seed", "output_dir": "--work_dir",
    "model_name_or_path": "--model_name_or_path", "do_train": "the experiment (per run)",
    "do_predict": "the experiment (per run)", "report_to": "the experiment (none)",
    "disable_tqdm": "the experiment (true)", "save_strategy": "the experiment (no)",
    "overwrite_output_dir": "the experiment",
}


def check_datasets(data_dir: Path, names: list[str]) -> None:
    """Every dataset is a folder of ``data_dir``; else an error that lists the folders there are."""
    if not data_dir.is_dir():
        raise GerberaError(f"--data_dir {data_dir}: no such folder")
    missing = [name for name in names if not (data_dir / name).is_dir()]
    if missing:
        available = sorted(p.name for p in data_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
        raise GerberaError(f"--data_dir {data_dir}: no dataset folder '{missing[0]}'; available: "
                           f"{', '.join(available) or 'none'}")


def check_ranges(args) -> None:
    """The experiment's numeric flags, each in its range."""
    if any(not 0 < s <= 1 for s in args.sizes):
        raise UsageError("--sizes are shares of the biomedical train set, in (0, 1]")
    if any(f <= 0 for f in args.general_fraction):
        raise UsageError("--general_fraction must be above 0 (above 1 oversamples)")
    for flag in ("mt_epochs", "ft_epochs", "learning_rate"):
        if not getattr(args, flag) > 0:
            raise UsageError(f"--{flag} must be above 0, not {getattr(args, flag):g}")
    for flag in ("per_device_train_batch_size", "per_device_eval_batch_size", "max_seq_length", "resamples"):
        if getattr(args, flag) < 1:
            raise UsageError(f"--{flag} must be at least 1, not {getattr(args, flag)}")
    if args.warmup_steps < 0:
        raise UsageError(f"--warmup_steps must be 0 or more, not {args.warmup_steps}")


def check_train_args(extra: list[str], equal_steps: bool) -> None:
    """The flags of ``--train_args`` are run_ner.py's, each written in full with a valid value, none that
    the experiment sets itself, and no ``--max_steps`` with ``--equal_steps`` (whose control arm's
    ``--max_steps`` is the GERBERA runs' step count, which a cap on every run would change)."""
    if not extra:
        return
    from gerbera.commands.arguments import make_parser  # transformers, torch: imported only when there are flags to check

    parser = make_parser("")

    def refuse(message: str) -> None:
        raise UsageError(f"--train_args: {message.splitlines()[0]}")

    parser.error = refuse
    options = parser._option_string_actions  # flag spelling -> its argparse action
    given = set()
    for token in extra:
        if not token.startswith("--"):
            continue
        flag = token.split("=", 1)[0]
        if flag not in options:
            close = difflib.get_close_matches(flag, [o for o in options if o.startswith("--")], n=1)
            refuse(f"{flag} is not a run_ner.py flag" + (f"; did you mean {close[0]}?" if close else ""))
        given.add(options[flag].dest)
    for dest in sorted(given):
        if dest in SET_BY_EXPERIMENT:
            refuse(f"--{dest} is set in every run by {SET_BY_EXPERIMENT[dest]}: give it there")
    if equal_steps and "max_steps" in given:
        refuse("--max_steps cannot be combined with --equal_steps: the control arm's --max_steps is the steps of the "
               "GERBERA runs, which --max_steps would cap; drop one of the two")
    parser.parse_known_args(extra)  # the values: types and choices
