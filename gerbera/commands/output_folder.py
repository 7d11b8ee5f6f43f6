"""What a run folder (--output_dir) holds of the run before: its record, whether that run finished,
whether its arguments shaped training as this run's do, and the result files that must not stay
beside new ones; and the checkpoints a finished run no longer needs.

`gerbera.commands.session.prepare_output_dir` decides from these whether a run resumes, starts
afresh or is refused.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

from gerbera.errors import GerberaError
from gerbera.outputs import result_file_patterns

logger = logging.getLogger("gerbera")

UNFINISHED = ("running", "interrupted", "failed")  # run_record.json statuses of a run that did not finish

# Arguments that do not change the trained weights: where a run writes, what it evaluates and how
# often, what it logs, how data is loaded. Every other argument shapes training.
NOT_SHAPING = frozenset({
    "output_dir", "overwrite_output_dir", "resume_from_checkpoint", "resume_with_other_arguments", "keep_checkpoints",
    "overwrite_cache",
    "cache_dir", "features_cache_dir", "do_eval", "do_predict", "eval_data_list", "eval_data_type",
    "entity_type", "per_device_eval_batch_size", "eval_accumulation_steps", "eval_do_concat_batches", "eval_use_gather_object",
    "include_for_metrics", "scoring_precision", "logging_first_step", "logging_steps", "logging_strategy",
    "logging_nan_inf_filter", "log_level", "log_level_replica", "log_on_each_node", "report_to", "run_name", "project",
    "trackio_space_id", "trackio_bucket_id", "trackio_static_space_id", "disable_tqdm", "save_steps", "save_strategy",
    "save_total_limit", "save_on_each_node", "save_only_model", "push_to_hub", "hub_model_id", "hub_strategy",
    "hub_private_repo", "hub_always_push", "hub_revision", "dataloader_num_workers", "dataloader_pin_memory",
    "dataloader_persistent_workers", "dataloader_prefetch_factor", "skip_memory_metrics",
    "include_num_input_tokens_seen", "ddp_timeout", "local_rank", "torch_empty_cache_steps", "debug",
})
# When the evaluations happen shapes training only where the best evaluated model becomes the result.
EVALUATION_TIMES = frozenset({"eval_strategy", "eval_steps", "eval_delay", "eval_on_start", "evaluate_during_training",
                              "evaluation_strategy"})


def check_output_dir(output_dir: str) -> Path:
    """``output_dir`` as a path; a one-line error where it (or a folder above it) is a file."""
    path = Path(output_dir)
    for folder in (path, *path.parents):
        if folder.exists() and not folder.is_dir():
            raise GerberaError(f"--output_dir {output_dir}: {folder} is a file, not a folder; choose a folder")
    return path


def recorded_run(path: Path) -> dict:
    """The folder's ``run_record.json`` ({} when there is none, or it cannot be read)."""
    try:
        record = json.loads((path / "run_record.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return record if isinstance(record, dict) else {}


def finished_run(path: Path, record: dict) -> bool:
    """Whether the folder holds a run that finished: its record says so, or, in a folder without a
    record (an older toolkit's, or the original code's), the results or trainer state a run writes
    when it ends are there."""
    if record.get("status"):
        return record["status"] == "finished"
    return any((path / name).is_file() for name in ("all_results.json", "trainer_state.json", "eval_results.txt"))


def finished_run_refusal(output_dir: str, record: dict, training: bool) -> str:
    """The one-line refusal of a run into the folder of a finished run, with the choices."""
    script = record.get("script") or "earlier"
    if not training:
        return (f"--output_dir {output_dir} holds a finished {script} run; choose another --output_dir, or add "
                "--overwrite_output_dir to replace its results")
    return (f"--output_dir {output_dir} holds a finished {script} run; choose another --output_dir, add "
            f"--overwrite_output_dir to train again from scratch, or score its model with run_eval.py "
            f"--model_name_or_path {output_dir} --output_dir ANOTHER_FOLDER")


def shaping_differences(recorded: dict | None, arguments: dict | None) -> list[str]:
    """The arguments that shape training and differ between a recorded run and this one, as
    ``--name recorded (now new)``; [] when they agree or nothing was recorded."""
    if not isinstance(recorded, dict) or arguments is None:
        return []
    arguments = json.loads(json.dumps(arguments))  # as recorded: tuples as lists, and so on
    best_model = recorded.get("load_best_model_at_end") or arguments.get("load_best_model_at_end")
    ignored = NOT_SHAPING if best_model else NOT_SHAPING | EVALUATION_TIMES
    missing = "(not recorded)"
    return [
        f"--{key} {recorded.get(key, missing)} (now {arguments.get(key, missing)})"
        for key in sorted(set(recorded) | set(arguments))
        if key not in ignored and recorded.get(key, missing) != arguments.get(key, missing)
    ]


def remove_previous_run(path: Path, training: bool, checkpoints: bool = False) -> None:
    """Remove the result files of the run before (predictions, scores, tables, model card, curves),
    so that none stays beside this run's; with ``checkpoints``, its ``checkpoint-N`` folders too
    (a run starting afresh). The model's own files are left: a run rewrites them, and run_eval.py
    may write into the folder of the model it scores."""
    stale = [file for name in result_file_patterns(training) for file in path.glob(name) if file.is_file()]
    for file in stale:
        file.unlink(missing_ok=True)
    old = [folder for folder in path.glob("checkpoint-*") if folder.is_dir()] if checkpoints else []
    for folder in old:
        shutil.rmtree(folder, ignore_errors=True)
    if stale or old:
        logger.info("Removed from --output_dir what the run before left: %s",
                    ", ".join(sorted(p.name for p in [*stale, *old])))


def drop_checkpoints(path: Path) -> list[str]:
    """Remove the ``checkpoint-N`` folders of a run that finished (its model is saved in ``path``);
    their names, oldest first."""
    old = sorted((f for f in path.glob("checkpoint-*") if f.is_dir() and f.name.split("-")[-1].isdigit()),
                 key=lambda f: int(f.name.split("-")[-1]))
    for folder in old:
        shutil.rmtree(folder)
    if old:
        logger.info("Removed the checkpoints of the finished run (%s; --keep_checkpoints keeps them)",
                    ", ".join(f.name for f in old))
    return [f.name for f in old]
