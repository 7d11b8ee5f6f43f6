"""The rules of a command session: a user's mistake reported as one line (every command), the log's
set-up, and what run_ner.py and run_eval.py do with a non-empty --output_dir (refuse it, or resume
the training run it holds from its last complete checkpoint)."""

from __future__ import annotations

import contextlib
import json
import logging
import sys
from pathlib import Path

import datasets
import torch
import transformers

from gerbera.errors import GerberaError
from gerbera.hardware import describe_choices

logger = logging.getLogger("gerbera")


@contextlib.contextmanager
def user_errors():
    """Report a user's mistake as one line on stderr and exit 2, without a traceback."""
    try:
        yield
    except GerberaError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def setup_logging(training_args) -> None:
    """The toolkit's, transformers' and datasets' messages on stdout, at the Trainer's log level; the
    hardware choices (`gerbera.hardware`) logged first."""
    level = training_args.get_process_log_level()
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
        handlers=[logging.StreamHandler(sys.stdout)],
    )
    # The toolkit's own messages (data summary, tag set, model) show on the main process.
    logging.getLogger("gerbera").setLevel(logging.INFO if training_args.should_log else logging.WARNING)
    datasets.utils.logging.set_verbosity(max(level, logging.WARNING))
    transformers.utils.logging.set_verbosity(level)
    transformers.utils.logging.disable_default_handler()
    transformers.utils.logging.enable_propagation()
    chosen = getattr(training_args, "hardware_choices", None)
    if chosen:
        logger.info(describe_choices(chosen, on_gpu=not training_args.use_cpu and torch.cuda.is_available()))


def prepare_output_dir(output_dir: str, overwrite: bool, resume_from_checkpoint: str | None, training: bool,
                       arguments: dict | None = None) -> str | None:
    """The checkpoint to resume from, if any; refuse a non-empty output dir without --overwrite_output_dir.

    A run interrupted by a preemption signal (`gerbera.training.preemption`) is resumed by the same command,
    even one with --overwrite_output_dir: its record holds the same ``arguments``."""
    path = Path(output_dir)
    if resume_from_checkpoint or not path.is_dir() or not any(path.iterdir()):
        return resume_from_checkpoint
    if overwrite:
        last = _checkpoint_of_interrupted_run(path, arguments) if training else None
        if last is not None:
            logger.info("Resuming the interrupted run in --output_dir from %s (same command; remove the folder to "
                        "start afresh)", last)
        return last
    last = last_complete_checkpoint(output_dir) if training else None
    if last is not None:
        logger.info("Resuming from the last checkpoint found in --output_dir: %s", last)
        return last
    if training and _unfinished_run_without_checkpoint(path):
        logger.info("--output_dir %s holds a run that stopped before its first checkpoint: starting afresh", output_dir)
        return None
    raise GerberaError(
        f"--output_dir {output_dir} is not empty; add --overwrite_output_dir to write into it, or choose another folder"
    )


def _recorded_run(path: Path) -> dict:
    try:
        return json.loads((path / "run_record.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _unfinished_run_without_checkpoint(path: Path) -> bool:
    return _recorded_run(path).get("status") in ("running", "interrupted")


def _checkpoint_of_interrupted_run(path: Path, arguments: dict | None) -> str | None:
    """The checkpoint the folder's run saved when a signal interrupted it, if that run had exactly
    these (resolved) arguments and the checkpoint is complete (not whatever older run's checkpoint
    numbers higher)."""
    record = _recorded_run(path)
    if arguments is None or record.get("status") != "interrupted":
        return None
    if record.get("arguments") != json.loads(json.dumps(arguments)):
        return None
    checkpoint = (record.get("interrupted") or {}).get("checkpoint")
    return checkpoint if checkpoint and _whole_json(Path(checkpoint) / "trainer_state.json") else None


def last_complete_checkpoint(output_dir: str) -> str | None:
    """The newest ``checkpoint-N`` whose trainer state was written whole. The Trainer writes that
    file last, and not atomically: a run killed while saving leaves a checkpoint without it, or
    with a truncated one, and such a checkpoint is skipped."""
    candidates = sorted(
        (p for p in Path(output_dir).glob("checkpoint-*") if p.name.split("-")[-1].isdigit()),
        key=lambda p: int(p.name.split("-")[-1]),
        reverse=True,
    )
    for checkpoint in candidates:
        if _whole_json(checkpoint / "trainer_state.json"):
            return str(checkpoint)
    return None


def _whole_json(path: Path) -> bool:
    try:
        json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return True
