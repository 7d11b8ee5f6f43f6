"""Dataset mixing: ``--data_list NCBI-disease+CoNLL2003:0.25`` trains on all of NCBI-disease and a
seeded random quarter of CoNLL2003's training sentences.

A fraction below 1 takes a random subset (e.g. to simulate a small BioNER dataset); above 1 it
oversamples: every sentence ``floor(f)`` times, plus a random subset for the rest. The sample
depends only on the file, the fraction and the seed, so a run is reproducible.
"""

from __future__ import annotations

import math
import random
from dataclasses import replace

from gerbera.corpora.column_files import CorpusSplit
from gerbera.errors import GerberaError, UsageError


def parse_training_list(value: str | None) -> list[tuple[str, float]]:
    """``"A+B:0.25"`` -> ``[("A", 1.0), ("B", 0.25)]``."""
    if not value:
        return []
    specs = []
    for item in value.split("+"):
        name, _, fraction_text = item.strip().partition(":")
        if not name:
            raise UsageError(f"--data_list '{value}' has an empty dataset name (use A+B or A+B:0.25)")
        try:
            fraction = float(fraction_text) if fraction_text else 1.0
        except ValueError:
            raise UsageError(f"--data_list '{value}': '{fraction_text}' is not a fraction (e.g. {name}:0.25)") from None
        if not math.isfinite(fraction) or fraction <= 0:
            raise UsageError(f"--data_list '{value}': the fraction of {name} must be above 0")
        specs.append((name, fraction))
    return specs


def sample_split(split: CorpusSplit, fraction: float, seed: int) -> CorpusSplit:
    """A seeded random ``fraction`` of a split's sentences (oversampled above 1)."""
    if fraction == 1.0:
        return split
    total = len(split.sentences)
    whole, rest = divmod(fraction, 1.0)
    rng = random.Random(f"{seed}:{split.dataset}:{split.split}")
    extra = sorted(rng.sample(range(total), round(rest * total)))
    sentences = [s for _ in range(int(whole)) for s in split.sentences] + [split.sentences[i] for i in extra]
    if not sentences:
        raise GerberaError(f"{split.path}: a fraction of {fraction} of {total} sentences leaves none")
    return replace(split, sentences=sentences, fraction=fraction, sample_seed=seed)
