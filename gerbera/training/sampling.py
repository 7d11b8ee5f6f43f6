"""The order training batches come in: batches of similar length, in random order.

The stock length-grouped sampler serves each group of 50 batches longest first, so training drifts
every 50 steps from long biomedical sentences to short general-domain ones; measured over 3 seeds
(bench/sampling_f1.py) that cost about 6 F1 points after 150 steps. `ShuffledLengthGroupedSampler`
shuffles the batches, which removes the drift; `SamplerEpochCallback` tells it which epoch begins.
`gerbera.training.trainer.GerberaTrainer` uses both with ``train_sampling_strategy="group_by_length"``.

`data_order_seed` is the one seed of the data's order and sampling (these batches, and the
fractions of `gerbera.corpora.mixing`).
"""

from __future__ import annotations

import torch
from torch.utils.data import Sampler
from transformers import TrainerCallback
from transformers.trainer_pt_utils import get_length_grouped_indices


def data_order_seed(training_args) -> int:
    """The seed of everything about the data's order and sampling: --data_seed, else --seed."""
    return training_args.data_seed if training_args.data_seed is not None else training_args.seed


class ShuffledLengthGroupedSampler(Sampler):
    """Batches of similar length (grouped as the stock length-grouped sampler does), in random
    order; the longest batch still comes first, so an out-of-memory error shows at once, and a
    last, incomplete batch stays last, so that every batch the data loader cuts is one of these.

    The order depends only on ``seed`` and the epoch (``set_epoch``, which the Trainer calls before
    every epoch): a run resumed in the middle of an epoch skips exactly the batches it had trained,
    and every process of a multi-GPU run draws the same order for accelerate to shard."""

    def __init__(self, lengths: list[int], batch_size: int, seed: int = 0):
        self.lengths = lengths
        self.batch_size = batch_size
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.lengths)

    def __iter__(self):
        generator = torch.Generator()
        generator.manual_seed(self.seed + self.epoch)
        indices = get_length_grouped_indices(self.lengths, self.batch_size, generator=generator)
        batches = [indices[i : i + self.batch_size] for i in range(0, len(indices), self.batch_size)]
        full = len(batches) - (len(batches[-1]) < self.batch_size)  # batches 1 .. full-1 are shuffled
        middle = [int(i) + 1 for i in torch.randperm(full - 1, generator=generator)] if full > 1 else []
        order = [0, *middle, *range(max(full, 1), len(batches))]
        return iter([index for b in order for index in batches[b]])


class SamplerEpochCallback(TrainerCallback):
    """Tells the length-grouped sampler which epoch begins. The Trainer's own ``set_epoch`` call
    does not reach it through every wrapper: resumed in the middle of an epoch on several processes,
    the data loader's sampler is ``SkipBatchSampler(BatchSamplerShard(BatchSampler(sampler)))``, and
    the sampler would replay epoch 0's order."""

    def __init__(self):
        self.sampler: ShuffledLengthGroupedSampler | None = None

    def on_epoch_begin(self, args, state, control, **kwargs):
        if self.sampler is not None:
            # state.epoch is the epoch index plus the fraction done: 1.5 when resumed half-way into epoch 1
            self.sampler.set_epoch(int(state.epoch))
