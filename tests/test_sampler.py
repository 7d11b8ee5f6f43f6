"""Length-grouped training batches: little padding, served in random order, nothing lost."""

import random

import pytest
import torch
from transformers.trainer_pt_utils import LengthGroupedSampler

from gerbera.training.sampling import ShuffledLengthGroupedSampler

random.seed(0)
LENGTHS = [min(128, max(3, int(random.lognormvariate(3.1, 0.6)))) for _ in range(5000)]


def batches(indices, size=16):
    return [indices[i : i + size] for i in range(0, len(indices), size)]


def padding_efficiency(indices):
    return sum(LENGTHS) / sum(max(LENGTHS[i] for i in b) * len(b) for b in batches(indices))


@pytest.mark.parametrize("count", [5000, 4992, 33, 17, 16, 15, 1])
def test_every_example_once(count):
    assert sorted(ShuffledLengthGroupedSampler(LENGTHS[:count], 16)) == list(range(count))


def test_same_padding_as_length_grouping_but_batches_in_random_order():
    torch.manual_seed(0)
    stock = list(LengthGroupedSampler(16, lengths=LENGTHS))
    shuffled = list(ShuffledLengthGroupedSampler(LENGTHS, 16, seed=0))  # the same megabatches as seed 0 above
    assert padding_efficiency(shuffled) == pytest.approx(padding_efficiency(stock)) and padding_efficiency(shuffled) > 0.9
    assert sorted(map(sorted, batches(shuffled))) == sorted(map(sorted, batches(stock)))  # the same batches
    assert shuffled[:16] == stock[:16]  # the longest batch first
    # the stock order falls from long to short within every 50-batch group; the shuffled order does not
    longest = [max(LENGTHS[i] for i in b) for b in batches(shuffled)][:50]
    assert sum(a < b for a, b in zip(longest, longest[1:])) > 10


def test_order_depends_only_on_seed_and_epoch():
    """What a resumed run needs: the same epoch gives the same order whatever else drew random
    numbers before; another epoch or seed gives another order."""
    sampler = ShuffledLengthGroupedSampler(LENGTHS, 16, seed=7)
    sampler.set_epoch(3)
    torch.manual_seed(0)
    first = list(sampler)
    torch.rand(1000)
    assert list(sampler) == first
    again = ShuffledLengthGroupedSampler(LENGTHS, 16, seed=7)
    again.set_epoch(3)
    assert list(again) == first
    sampler.set_epoch(4)
    assert list(sampler) != first
    other_seed = ShuffledLengthGroupedSampler(LENGTHS, 16, seed=8)
    other_seed.set_epoch(3)
    assert list(other_seed) != first
