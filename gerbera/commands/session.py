"""The rules of a command session: the log's set-up (a user's mistake is reported by
`gerbera.commands.exits`), and what run_ner.py and run_eval.py do with a non-empty --output_dir (refuse it, or resume
the unfinished training run it holds from its last complete checkpoint in that folder)."""

from __future__ import annotations

import json
import logging
import re
import sys
from pathlib import Path

import datasets
import torch
import transformers

from gerbera.commands.output_folder import (
    UNFINISHED,
    check_output_dir,
    finished_run,
    finished_run_refusal,
    recorded_run,
    remove_previous_run,
    shaping_differences,
)
from gerbera.commands.run_folder_lock import LOCK_NAME
from gerbera.errors import GerberaError
from gerbera.hardware import describe_choices
from gerbera.reporting.record_paths import PATHS_KEY

logger = logging.getLogger("gerbera")


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
                       arguments: dict | None = None, other_arguments: bool = False) -> str | None:
    """The checkpoint to resume from, if any; refuse a non-empty output dir that holds nothing to resume
    without --overwrite_output_dir.

    The folder's ``run_record.json`` names the last complete checkpoint its run saved. A run that did not
    finish (interrupted by a signal, killed, failed) is resumed by the same command, with or without
    --overwrite_output_dir; one with arguments that shape training differently is refused, naming the
    differences, unless ``other_arguments`` (--resume_with_other_arguments). A finished run is never
    resumed: without --overwrite_output_dir it is refused, with the choices. Only a checkpoint inside
    the folder is resumed. Result files of the run before are removed (`gerbera.commands.output_folder`)."""
    path = check_output_dir(output_dir)
    if not path.is_dir() or not any(entry.name != LOCK_NAME for entry in path.iterdir()):
        return resume_from_checkpoint
    if resume_from_checkpoint:
        remove_previous_run(path, training)
        return resume_from_checkpoint
    record = recorded_run(path)
    unfinished = record.get("status") in UNFINISHED
    if not overwrite and finished_run(path, record):
        raise GerberaError(finished_run_refusal(output_dir, record, training))
    if overwrite:
        last = _checkpoint_of_unfinished_run(path, record, arguments) if training else None
        if last is not None:
            logger.info("Resuming the interrupted run in --output_dir from %s (same command; remove the folder to "
                        "start afresh)", last)
        else:
            remove_previous_run(path, training, checkpoints=training)
        return last
    last = _checkpoint_to_resume(path, record) if training else None
    if last is not None:
        differences = shaping_differences(record.get("arguments"), arguments) if record and arguments else []
        if differences and not other_arguments:
            raise GerberaError(
                f"--output_dir {output_dir} holds {Path(last).name} of a run with other arguments: "
                f"{'; '.join(differences)}. Run the same command to resume it, add --resume_with_other_arguments "
                "to resume it with these, or --overwrite_output_dir to start afresh"
            )
        if differences:
            logger.warning("Resuming %s with other arguments: %s", last, "; ".join(differences))
        logger.info("Resuming from the last checkpoint found in --output_dir: %s", last)
        remove_previous_run(path, training, checkpoints=False)
        return last
    if unfinished:
        logger.info("--output_dir %s holds a run that stopped before its first checkpoint (or whose checkpoint is not "
                    "in the folder): starting afresh", output_dir)
        remove_previous_run(path, training, checkpoints=False)
        return None
    raise GerberaError(
        f"--output_dir {output_dir} is not empty; add --overwrite_output_dir to write into it, or choose another folder"
    )


def _checkpoint_to_resume(path: Path, record: dict) -> str | None:
    """The folder's checkpoint to resume from: the one its run record names (none: a run that saved
    none yet), or in a folder without a record of that (an older toolkit's), the newest complete one."""
    if "checkpoint" in record or "interrupted" in record:
        return _recorded_checkpoint(path, record)
    return last_complete_checkpoint(str(path))


def _recorded_checkpoint(path: Path, record: dict) -> str | None:
    """The checkpoint the record names, if complete, in the folder itself: a copy of a run folder
    resumes its own checkpoint, never the original's. The record names it relative to the folder
    (`gerbera.reporting.record_paths`); an absolute path there lies outside the folder and is not
    used. An older record's path (absolute, or relative to where the run started) is read by the
    checkpoint's name in the folder."""
    checkpoint = record.get("checkpoint") or (record.get("interrupted") or {}).get("checkpoint")
    if not checkpoint or (record.get(PATHS_KEY) and Path(checkpoint).is_absolute()):
        return None
    name = Path(checkpoint).name
    if not re.fullmatch(r"checkpoint-\d+", name):
        return None
    candidate = path / name
    return str(candidate) if _whole_json(candidate / "trainer_state.json") else None


def _checkpoint_of_unfinished_run(path: Path, record: dict, arguments: dict | None) -> str | None:
    """The last checkpoint the folder's run saved, if that run did not finish and had the same
    arguments (where they shape training) and the checkpoint is complete (not whatever older run's
    checkpoint numbers higher)."""
    if arguments is None or record.get("status") not in UNFINISHED:
        return None
    if shaping_differences(record.get("arguments"), arguments):
        return None
    return _recorded_checkpoint(path, record)


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
