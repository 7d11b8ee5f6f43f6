"""Paths in a run record (``run_record.json``): relative to the record's own folder where they lie
inside it (its checkpoints), absolute where they lie outside it (data, labels, a local model).

So a run folder that is copied or moved names its own checkpoints, never the original folder's,
and ``python run_ner.py OUT/run_record.json --output_dir NEW`` replays from any working directory.
Records written before this rule (no ``PATHS_KEY``) hold paths as the user typed them, relative to
where the run was started; they are replayed as they are.
"""

from __future__ import annotations

import os
from pathlib import Path

PATHS_KEY = "paths"  # in a record: how its paths are written
PATHS_RULE = "relative to this file's folder where inside it, else absolute"

# Arguments that are always paths, and arguments that are paths when they name something that
# exists here (else a hub name, or a configuration given inline).
PATH_ARGUMENTS = ("output_dir", "data_dir", "labels", "cache_dir", "features_cache_dir", "resume_from_checkpoint")
LOCAL_OR_NAME = ("model_name_or_path", "config_name", "tokenizer_name", "deepspeed", "fsdp_config", "accelerator_config")


def in_record(path: str | os.PathLike, folder: str | os.PathLike) -> str:
    """``path`` as a record in ``folder`` writes it: relative to ``folder`` where inside it (``.``
    for the folder itself), else absolute."""
    absolute, base = Path(os.path.abspath(path)), Path(os.path.abspath(folder))
    try:
        return absolute.relative_to(base).as_posix()
    except ValueError:
        return str(absolute)


def from_record(value: str, folder: str | os.PathLike) -> str:
    """A path a record in ``folder`` holds, as a path usable from the working directory."""
    return value if os.path.isabs(value) else os.path.normpath(os.path.join(folder, value))


def arguments_in_record(arguments: dict, folder: str | os.PathLike) -> dict:
    """``arguments`` (a run's resolved flags) with their paths written as a record in ``folder`` holds them."""
    written = dict(arguments)
    for key in (*PATH_ARGUMENTS, *LOCAL_OR_NAME):
        value = written.get(key)
        if isinstance(value, str) and value and (key in PATH_ARGUMENTS or os.path.exists(value)):
            written[key] = in_record(value, folder)
    return written


def replayed_arguments(record: dict, record_file: str | os.PathLike) -> dict:
    """The recorded arguments of ``record`` (read from ``record_file``), with its paths usable from
    the working directory."""
    arguments = dict(record["arguments"])
    if record.get(PATHS_KEY) != PATHS_RULE:
        return arguments  # an older record: paths as typed where the run was started
    folder = os.path.dirname(os.path.abspath(record_file))
    for key in (*PATH_ARGUMENTS, *LOCAL_OR_NAME):
        value = arguments.get(key)
        if isinstance(value, str) and value and (key in PATH_ARGUMENTS or os.path.exists(from_record(value, folder))):
            arguments[key] = from_record(value, folder)
    return arguments
