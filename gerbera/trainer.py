"""The Hugging Face `Trainer`, with the two samplers NER needs, and nothing pickled.

- Training with ``train_sampling_strategy="group_by_length"`` takes the lengths from the
  features' ``length`` column (the stock Trainer drops that column first and re-measures every
  example in Python).
- Evaluation always keeps the dataset's order (the stock Trainer length-groups evaluation
  batches too, which reorders predictions); evaluation sets are sorted by length up front, so
  their batches carry little padding anyway.
"""

from __future__ import annotations

import os

import torch
from torch.utils.data import SequentialSampler
from transformers import Trainer
from transformers.trainer_pt_utils import LengthGroupedSampler


class GerberaTrainer(Trainer):
    def _save(self, output_dir: str | None = None, state_dict=None):
        """Save as the stock Trainer does, but the training arguments as JSON, not as a pickle."""
        super()._save(output_dir, state_dict)
        output_dir = output_dir or self.args.output_dir
        pickled = os.path.join(output_dir, "training_args.bin")
        if self.args.should_save and os.path.exists(pickled):
            os.remove(pickled)
            with open(os.path.join(output_dir, "training_args.json"), "w", encoding="utf-8") as handle:
                handle.write(self.args.to_json_string())

    def _get_train_sampler(self, train_dataset=None):
        dataset = self.train_dataset
        if self.args.train_sampling_strategy == "group_by_length" and "length" in dataset.column_names:
            return LengthGroupedSampler(
                self.args.train_batch_size * self.args.gradient_accumulation_steps,
                lengths=dataset["length"],
            )
        return super()._get_train_sampler(train_dataset)

    def _get_eval_sampler(self, eval_dataset):
        if self.args.world_size <= 1:
            return SequentialSampler(eval_dataset)
        return None  # accelerate shards in order and gathers each example once


def argmax_logits(logits: torch.Tensor, labels) -> torch.Tensor:
    """Keep only the predicted tag ids: evaluation never holds all logits in memory."""
    if isinstance(logits, tuple):
        logits = logits[0]
    return logits.argmax(dim=-1)
