"""One run of ``gerbera-experiment``: its folder, whether it has finished, starting it, and the
optimizer steps it took.

A run's folder is its command's ``--output_dir``. Commands are shown and recorded as the user can
type them: ``python`` for the interpreter, paths relative to the current folder or as given
(`listed_runs` lists them all). The command is written into the folder (``experiment_command.txt``)
before the run starts; the run has finished when its ``all_results.json`` is there too. A finished run of exactly the same command is read back instead
of run again; a finished run of another command is refused, never mixed in.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path

from gerbera.errors import GerberaError
from gerbera.outputs import atomic_write, read_json
from gerbera.reporting.experiment_statistics import SAME_STEPS

COMMAND_FILE = "experiment_command.txt"
PENDING_STEPS = "STEPS"  # the same-steps control's --max_steps, as shown before its GERBERA runs have finished


@dataclass(kw_only=True)
class TrainingSettings:
    """The settings every training run of an experiment shares (``gerbera.experiment``'s and
    ``gerbera.heads_experiment``'s plans), and the flags of ``run_ner.py`` they become."""

    mt_epochs: float = 2
    ft_epochs: float = 2
    learning_rate: float = 1e-4
    train_batch_size: int = 16
    eval_batch_size: int = 64
    max_seq_length: int = 128
    subset_seed: int = 1
    model: str | None = None
    extra: list[str] = field(default_factory=list)

    @staticmethod
    def share(dataset: str, fraction: float) -> str:
        """A dataset of ``--data_list``, with its fraction unless whole."""
        return dataset if fraction == 1 else f"{dataset}:{fraction:g}"

    def training_flags(self, epochs: float) -> list[str]:
        return ["--num_train_epochs", f"{epochs:g}", "--learning_rate", f"{self.learning_rate:g}",
                "--per_device_train_batch_size", str(self.train_batch_size),
                "--per_device_eval_batch_size", str(self.eval_batch_size), "--max_seq_length", str(self.max_seq_length)]

    def seed_flags(self, seed: int) -> list[str]:
        return ["--seed", str(seed), "--subset_seed", str(self.subset_seed)]


def training_settings(args, extra: list[str]) -> dict:
    """The :class:`TrainingSettings` of an experiment's command line, as keyword arguments."""
    return {"mt_epochs": args.mt_epochs, "ft_epochs": args.ft_epochs, "learning_rate": args.learning_rate,
            "train_batch_size": args.per_device_train_batch_size, "eval_batch_size": args.per_device_eval_batch_size,
            "max_seq_length": args.max_seq_length, "subset_seed": args.subset_seed, "model": args.model_name_or_path,
            "extra": extra}


def runnable(command: list[str]) -> list[str]:
    """The command to start: its leading ``python`` (how the commands are shown and recorded, free of
    this machine's paths) is this Python, the experiment's own interpreter."""
    return [sys.executable, *command[1:]] if command[0] == "python" else command


def output_dir(command: list[str]) -> Path:
    """The run's folder: its command's (last) --output_dir."""
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
    """The results of this command's run: read back when it has finished, else run now (its output
    appended to ``log``); a failed run is an error that names the command."""
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
        code = subprocess.run(runnable(command), env=env, stdout=handle, stderr=subprocess.STDOUT).returncode
    if code != 0 or not (out / "all_results.json").is_file():
        raise GerberaError(f"this run failed (exit status {code}); its output is at the end of {log}:\n  {shlex.join(command)}")
    return read_json(out / "all_results.json")


def optimizer_steps(command: list[str]) -> int | None:
    """The optimizer steps a finished run of this command took (``global_step`` in the
    ``trainer_state.json`` its Trainer saved), else None."""
    if finished(command) is None:
        return None
    state = output_dir(command) / "trainer_state.json"
    if not state.is_file():
        raise GerberaError(f"{state}: no such file, so the optimizer steps of this finished run are unknown")
    return int(read_json(state)["global_step"])


def listed_runs(plan):
    """Every run as the dry run and the report show it: (size, seed, name, command, finished). The
    same-steps control, before its GERBERA runs have finished, shows STEPS for its step count."""
    for size in plan.sizes:
        for seed in plan.seeds:
            commands = plan.runs(size, seed)
            for name, command in commands.items():
                yield size, seed, name, shlex.join(command), finished(command) is not None
            if plan.equal_steps and SAME_STEPS not in commands:
                yield (size, seed, f"{SAME_STEPS} ({PENDING_STEPS} = the optimizer steps of the two GERBERA runs, once finished)",
                       shlex.join(plan.same_steps(size, seed, PENDING_STEPS)), False)


def training_precision(command: list[str]) -> str | None:
    """How a finished run trained, from its ``run_record.json``: ``bf16`` or ``fp16`` (mixed
    precision: chosen by the toolkit for the hardware, or given in the command) or ``fp32``; None
    without a record."""
    record = output_dir(command) / "run_record.json"
    if not record.is_file():
        return None
    choices = read_json(record).get("hardware_choices") or {}
    for name in ("bf16", "fp16"):
        given = command[command.index(f"--{name}") + 1] if f"--{name}" in command[:-1] else None
        value = choices.get(name, given)
        if value is True or str(value).lower() in ("true", "1", "yes"):
            return name
    return "fp32"
