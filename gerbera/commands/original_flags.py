"""The original GERBERA code's flags that transformers dropped, and what they mean now.

The original command lines keep working: ``--evaluate_during_training`` means evaluation every
``--eval_steps`` (or ``--logging_steps``), ``--evaluation_strategy`` is ``--eval_strategy``,
``--group_by_length`` is ``--train_sampling_strategy group_by_length``, and
``--overwrite_output_dir`` is handled by the toolkit (`gerbera.commands.session.prepare_output_dir`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class OriginalFlags:
    """Flags of the original command lines that transformers 5 no longer has, and the toolkit's flags of
    what a rerun into the same --output_dir may do and what a finished run keeps there."""

    overwrite_output_dir: bool = field(
        default=False,
        metadata={"help": "Write into a non-empty --output_dir and start afresh (its checkpoints and results are "
                  "removed), unless it holds an unfinished run with the same arguments, which is resumed. Without it, "
                  "a run refuses a non-empty output dir (a finished run's included), unless it holds an unfinished run "
                  "to resume."},
    )
    resume_with_other_arguments: bool = field(
        default=False,
        metadata={"help": "Resume the checkpoint in --output_dir even though arguments that shape training (learning "
                  "rate, steps, data, seed...) differ from its run's; without it such a resume is refused."},
    )
    keep_checkpoints: bool = field(
        default=False,
        metadata={"help": "Keep the checkpoint-N folders of a run that finished (by default they are removed once the run "
                  "is recorded as finished: the model is saved in --output_dir). A --save_total_limit you give also "
                  "keeps the checkpoints that limit leaves."},
    )
    evaluate_during_training: bool = field(
        default=False, metadata={"help": "Evaluate on devel every --eval_steps (default: every --logging_steps given, else every 500 steps)."}
    )
    evaluation_strategy: str | None = field(default=None, metadata={"help": "Old name of --eval_strategy."})
    group_by_length: bool = field(
        default=False, metadata={"help": "Old flag for --train_sampling_strategy group_by_length (the default here)."}
    )


def rename_original_flags(values: dict[str, Any], given: set[str]) -> None:
    """Set in ``values`` the `TrainingArguments` flags that the original's flags stand for. An
    ``--eval_strategy`` (``--eval_steps``) the user gave (``given``) wins over the old evaluation
    flags; ``--group_by_length`` wins over ``--train_sampling_strategy``. ``--overwrite_output_dir``
    keeps its name: the toolkit reads it itself."""
    if values.get("evaluation_strategy") and "eval_strategy" not in given:
        values["eval_strategy"] = values["evaluation_strategy"]
    if values.get("evaluate_during_training") and not given & {"eval_strategy", "evaluation_strategy"}:
        values["eval_strategy"] = "steps"
        if "eval_steps" not in given:
            values["eval_steps"] = values["logging_steps"]
    if values.get("group_by_length"):
        values["train_sampling_strategy"] = "group_by_length"
