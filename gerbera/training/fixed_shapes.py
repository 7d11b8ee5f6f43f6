"""Batches of a few fixed shapes, for the GPU fast path (`gerbera.training.fast_path`).

A compiled, CUDA-graphed model is traced and captured once per input shape. Padding each batch
to its own longest input (the default on a CPU) makes a new width for almost every batch; here a
batch is padded up to the smallest of a few fixed widths, the *length buckets*, so an epoch has
at most one shape per bucket:

- ``length_buckets(max_seq_length)``: 16, 32, 48, 64, 96, 128 for 128 (each about 1.5x the
  last, multiples of 16, ``max_seq_length`` last), so a batch carries at most about half again
  its longest input in padding; the length-grouped sampler makes its rows similar in length.
- Training batches are full: the last, incomplete batch of an epoch (which the length-grouped
  sampler keeps last) gets rows copied from its last row with every label set to -100. Such a
  row adds nothing to the loss (the summed token loss ignores -100) and so nothing to the
  gradient: the step is the one the incomplete batch would take, without a shape of its own
  and without dropping any example (``--dataloader_drop_last`` would drop them).
- Evaluation batches are never filled (their rows are predictions, one per window); the last
  one may have fewer rows, one more shape.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence

import torch
from transformers import DataCollatorForTokenClassification

from gerbera.errors import GerberaError

IGNORE_INDEX = -100


def length_buckets(max_seq_length: int, smallest: int = 16, growth: float = 1.5, multiple: int = 16) -> list[int]:
    """The padded widths of the fast path: from ``smallest`` up, each about ``growth`` times the
    last, rounded up to a multiple of ``multiple``; ``max_seq_length`` is always the last."""
    buckets: list[int] = []
    width = float(smallest)
    while True:
        rounded = -(-int(width) // multiple) * multiple
        if rounded >= max_seq_length:
            break
        if not buckets or rounded > buckets[-1]:
            buckets.append(rounded)
        width *= growth
    return buckets + [max_seq_length]


def parse_length_buckets(text: str, max_seq_length: int) -> list[int]:
    """``--length_buckets "32,64,128"``: increasing widths; max_seq_length is added if missing."""
    try:
        widths = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise GerberaError(f"--length_buckets {text!r}: give widths as integers separated by commas, e.g. 32,64,128") from None
    if not widths or widths[0] < 1:
        raise GerberaError(f"--length_buckets {text!r}: give at least one positive width")
    if widths[-1] > max_seq_length:
        raise GerberaError(f"--length_buckets {text!r}: {widths[-1]} is more than --max_seq_length {max_seq_length}")
    return widths if widths[-1] == max_seq_length else widths + [max_seq_length]


class BucketPaddingCollator:
    """Pads a batch to the smallest bucket that holds its longest input (the stock token
    classification collator does the padding), and, when ``fill_rows`` is set, adds rows until the
    batch has ``fill_rows`` rows (copies of its last row, labels -100)."""

    def __init__(self, tokenizer, buckets: Sequence[int], fill_rows: int | None = None):
        self.tokenizer = tokenizer
        self.buckets = sorted(buckets)
        self.fill_rows = fill_rows
        self._pad = {
            width: DataCollatorForTokenClassification(tokenizer, padding="max_length", max_length=width)
            for width in self.buckets
        }

    def bucket(self, longest: int) -> int:
        for width in self.buckets:
            if width >= longest:
                return width
        raise GerberaError(
            f"an input of {longest} sub-tokens is longer than the largest length bucket ({self.buckets[-1]})"
        )

    def __call__(self, features: list[dict]) -> dict:
        longest = max(len(feature["input_ids"]) for feature in features)
        batch = self._pad[self.bucket(longest)](features)
        missing = (self.fill_rows or 0) - len(features)
        if missing > 0 and "labels" in batch:
            batch = self._filled(batch, missing)
        return batch

    @staticmethod
    def _filled(batch, missing: int):
        for key, value in batch.items():
            if isinstance(value, torch.Tensor) and value.dim() >= 1:
                extra = value[-1:].expand(missing, *value.shape[1:])
                if key == "labels":
                    extra = torch.full_like(extra, IGNORE_INDEX)
                batch[key] = torch.cat([value, extra])
        return batch

    def for_training(self, batch_size: int) -> BucketPaddingCollator:
        """The same buckets, with every batch filled to ``batch_size`` rows."""
        return BucketPaddingCollator(self.tokenizer, self.buckets, fill_rows=batch_size)


@contextlib.contextmanager
def full_training_batches(trainer):
    """While the Trainer builds its training data loader, its collator fills batches to the
    per-device batch size (when the collator can: a `BucketPaddingCollator`)."""
    collator = trainer.data_collator
    if not isinstance(collator, BucketPaddingCollator):
        yield
        return
    trainer.data_collator = collator.for_training(trainer._train_batch_size)
    try:
        yield
    finally:
        trainer.data_collator = collator
