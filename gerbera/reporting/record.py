"""The run record and the learning curves of a run.

``run_record.json`` is written when a run starts (``running``), names each checkpoint the run saves
(``checkpoint``: the one a rerun resumes from) and the one it resumed from
(``resume_from_checkpoint``), and is completed when the run ends: ``finished`` (``checkpoint`` None
once its checkpoints are removed), ``interrupted`` by a signal (`gerbera.training.preemption`) or
``failed`` with its error. Its paths are relative to its own folder where inside it, else absolute
(`gerbera.reporting.record_paths`). Its ``arguments`` hold every resolved flag, so
``python run_ner.py OUT/run_record.json --output_dir NEW`` runs the same experiment again, from any
working directory; it also holds the environment, the hardware choices and every data file used
(size, hash, counts).
``training_curves.png`` plots the training loss and devel F1. The results table and the model
card are `gerbera.reporting.model_card`'s.
"""

from __future__ import annotations

import dataclasses
import datetime
import platform
import subprocess
import sys
import time
from pathlib import Path

from transformers import TrainerCallback

from gerbera import __version__
from gerbera.features.split_groups import file_digest
from gerbera.models.corpus_heads import as_dict
from gerbera.outputs import TRAINING_CURVES, write_json
from gerbera.reporting.data_summary import entity_counts
from gerbera.reporting.record_paths import PATHS_KEY, PATHS_RULE, arguments_in_record, in_record


def _git_commit() -> str | None:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None


def environment() -> dict:
    import datasets
    import tokenizers
    import torch
    import transformers

    if torch.cuda.is_available():
        devices = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    else:
        devices = [f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"]
    return {
        "toolkit_version": __version__,
        "git_commit": _git_commit(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "datasets": datasets.__version__,
        "tokenizers": tokenizers.__version__,
        "devices": devices,
        "platform": platform.platform(),
    }


def describe_files(groups) -> list[dict]:
    """Path, size, content hash, counts and tag mapping of every dataset file used."""
    files = []
    for group in groups:
        if group is None:
            continue
        start = 0
        for split in group.splits:
            end = start + len(split.sentences)
            entry = {
                "dataset": split.dataset,
                "split": split.split,
                "path": str(split.path.resolve()),
                "bytes": split.path.stat().st_size,
                "sha256": file_digest(split.path),
                "fraction": split.fraction,
                "sentences": len(split.sentences),
                "words": split.num_words,
            }
            if split.has_tags:
                entry["entities"] = dict(sorted(entity_counts(s.tags for s in split.sentences).items()))
                mapping: dict[str, dict[str, int]] = {}
                for sentence, mapped in zip(split.sentences, group.gold_tags[start:end]):
                    for raw, new in zip(sentence.tags, mapped):
                        counts = mapping.setdefault(raw, {})
                        counts[new] = counts.get(new, 0) + 1
                entry["tag_mapping"] = dict(sorted(mapping.items()))
            files.append(entry)
            start = end
    return files


def resolved_arguments(model_args, data_args, original_flags, training_args) -> dict:
    """Every flag as the run used it, in the form run_ner.py / run_eval.py accept from a .json file,
    its paths as the run record in --output_dir writes them (`gerbera.reporting.record_paths`)."""
    values = {}
    for args in (model_args, data_args, original_flags):
        values.update(dataclasses.asdict(args))
    values.update(training_args.to_dict())
    # to_dict() masks secrets as "<HUB_TOKEN>"; a replayed record must not send that as a token
    values = {k: v for k, v in values.items() if not k.endswith("_token")}
    return arguments_in_record(values, training_args.output_dir)


class RunRecord:
    """``run_record.json``: written at the start, completed at the end of a run."""

    def __init__(self, output_dir: str, script: str, arguments: dict, tagset, groups, enabled: bool = True,
                 hardware_choices: dict | None = None, world_size: int = 1, given_flags: list | None = None,
                 resumed_from: str | None = None, heads: list | None = None):
        self.path = Path(output_dir) / "run_record.json"
        self.enabled = enabled
        self.started = time.time()
        resumed_from = self._path(resumed_from)
        self.data = {
            "script": script,
            "command": [Path(sys.executable).name, *sys.argv],
            "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "status": "running",
            PATHS_KEY: PATHS_RULE,
            "resume_from_checkpoint": resumed_from,  # the checkpoint this run continues, if any
            "checkpoint": resumed_from,  # the last complete checkpoint of this run: what a rerun resumes from
            "arguments": arguments,
            "seed": arguments.get("seed"),
            "given_flags": given_flags or [],  # the flags the user gave (the rest are defaults)
            "hardware_choices": hardware_choices or {},
            "world_size": world_size,  # processes (torchrun, accelerate)
            "environment": environment(),
            "tag_set": tagset.labels,
            "data_files": describe_files(groups),
        }
        if heads:  # a head per corpus: each head's tags (tag_set is then the first dataset's head's)
            self.data["heads"] = [as_dict(head) for head in heads]
        self._write()

    def finish(self, results: dict, extra: dict | None = None) -> None:
        self.data["status"] = "finished"
        self.data["wall_time_s"] = round(time.time() - self.started, 2)
        self.data["results"] = results
        self.data.update(extra or {})
        self._write()

    def checkpoint_saved(self, checkpoint: str) -> None:
        self.data["checkpoint"] = self._path(checkpoint)
        self._write()

    def checkpoints_removed(self, names: list[str]) -> None:
        """A finished run whose ``checkpoint-N`` folders were removed (the model is in the folder)."""
        self.data["checkpoint"] = None
        self.data["checkpoints_removed"] = names
        self._write()

    def fail(self, error: BaseException) -> None:
        """A run that ended with an error; its last checkpoint, if any, is what the same command resumes."""
        self.data["status"] = "failed"
        self.data["error"] = f"{type(error).__name__}: {error}"
        self.data["wall_time_s"] = round(time.time() - self.started, 2)
        self._write()

    def interrupt(self, reason: str, checkpoint: str) -> None:
        """A run stopped early that the same command resumes (`gerbera.training.preemption`)."""
        checkpoint = self._path(checkpoint)
        self.data["status"] = "interrupted"
        self.data["checkpoint"] = checkpoint
        self.data["interrupted"] = {"reason": reason, "checkpoint": checkpoint,
                                    "wall_time_s": round(time.time() - self.started, 2)}
        self._write()

    def _path(self, path: str | None) -> str | None:
        return None if path is None else in_record(path, self.path.parent)

    def _write(self) -> None:
        if self.enabled:
            write_json(self.path, self.data)


class CheckpointRecorder(TrainerCallback):
    """Names each checkpoint in the run record once it is saved whole (the Trainer calls ``on_save``
    after writing it)."""

    def __init__(self, record: RunRecord):
        self.record = record

    def on_save(self, args, state, control, **kwargs):
        self.record.checkpoint_saved(str(Path(args.output_dir) / f"checkpoint-{state.global_step}"))


def plot_training_curves(output_dir: str, log_history: list[dict]) -> bool:
    """``training_curves.png``: training loss and devel F1 against steps. False when nothing to plot."""
    losses = [(h["step"], h["loss"]) for h in log_history if "loss" in h and "step" in h]
    if not losses:  # logging_steps beyond the run: the final average training loss is all there is
        losses = [(h["step"], h["train_loss"]) for h in log_history if "train_loss" in h and "step" in h]
    f1s = [(h["step"], h["eval_f1"]) for h in log_history if "eval_f1" in h and "step" in h]
    if not losses and not f1s:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, loss_axis = plt.subplots(figsize=(7, 4), dpi=100)
    if losses:
        loss_axis.plot(*zip(*losses), color="tab:blue", marker="o", markersize=3, label="training loss")
    loss_axis.set_xlabel("step")
    loss_axis.set_ylabel("training loss", color="tab:blue")
    if f1s:
        f1_axis = loss_axis.twinx()
        f1_axis.plot(*zip(*f1s), color="tab:red", marker="s", markersize=3, label="devel F1")
        f1_axis.set_ylabel("devel span F1", color="tab:red")
        f1_axis.set_ylim(0, 1)
    loss_axis.set_title("Training curves")
    figure.tight_layout()
    target = Path(output_dir) / TRAINING_CURVES
    temporary = target.with_name(f".{TRAINING_CURVES}.tmp")
    figure.savefig(temporary, format="png")
    plt.close(figure)
    temporary.replace(target)
    return True
