"""Significance of an F1 difference between two systems on the same text, for ``gerbera.scoring.comparison.report``.

Both tests work on per-unit counts (a unit is a sentence, or a document): true positives, false
positives and false negatives of A and of B. Span F1 is a corpus-level figure (2tp / (2tp + fp + fn)
over the summed counts), so each resample sums counts and recomputes F1; it never averages
per-sentence F1 values.

- Paired bootstrap (Efron & Tibshirani; Koehn 2004; Berg-Kirkpatrick et al. 2012): draw units with
  replacement, the same units for A and B, and recompute F1(B) - F1(A). The confidence interval is
  the percentile interval of those differences. The two-sided p-value asks how often a resampled
  difference lies at least |observed| away from the observed one (the bootstrap distribution
  shifted to the null of no difference): identical systems give p = 1.
- Approximate randomization (Noreen 1989; Riezler & Maxwell 2005): under the null A and B are
  exchangeable, so swap A's and B's counts of each unit with probability 1/2 and count how often the
  difference is at least as large as the observed one, in absolute value.

With fewer than ``MIN_UNITS`` units the bootstrap is degenerate (one document is one unit: every
resample repeats it, and the interval shrinks to a point with p = 1 / (1 + resamples)), so
`paired_test` then gives no bootstrap interval and no bootstrap p-value. The randomization test
stays: it is exact in the limit whatever the number of units (with n units its p-value is never
below 1 / 2^(n-1); with one unit it is 1).

p-values are (1 + hits) / (1 + resamples), never 0. Everything is vectorised with numpy: a block of
resamples is a (resamples, units) matrix of drawn unit indices (bootstrap) or coin flips
(randomization); the blocks bound the memory.
"""

from __future__ import annotations

import numpy as np

MIN_UNITS = 30  # fewer units than this: no interval and no p-value
BLOCK_CELLS = 4_000_000  # resamples x units drawn at once: bounds the memory to tens of MB
_TIES = 1e-12


def f1(counts: np.ndarray) -> np.ndarray:
    """Span F1 from (..., 3) arrays of summed (tp, fp, fn): 2tp / (2tp + fp + fn), 0 when undefined
    (seqeval's zero_division=0)."""
    tp, fp, fn = counts[..., 0], counts[..., 1], counts[..., 2]
    denominator = 2 * tp + fp + fn
    return np.divide(2 * tp, denominator, out=np.zeros(np.shape(denominator), dtype=float), where=denominator > 0)


def unit_counts(sentence_counts: np.ndarray, units: np.ndarray) -> np.ndarray:
    """Sum (sentences, 3) counts into (units, 3): ``units`` gives each sentence's unit, 0..n-1."""
    summed = np.zeros((int(units.max()) + 1, sentence_counts.shape[1]), dtype=np.float64)
    np.add.at(summed, units, sentence_counts)
    return summed


def _blocks(resamples: int, units: int):
    size = max(1, BLOCK_CELLS // max(units, 1))
    for start in range(0, resamples, size):
        yield min(size, resamples - start)


def bootstrap_differences(counts_a: np.ndarray, counts_b: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """F1(B) - F1(A) on ``resamples`` paired bootstrap samples of the units."""
    n = len(counts_a)
    # one int32 column per count (tp, fp, fn of A, then of B): np.take on int32 is the fast gather
    columns = [np.ascontiguousarray(column, dtype=np.int32) for column in np.concatenate([counts_a, counts_b], axis=1).T]
    rng = np.random.default_rng(seed)
    out = []
    for block in _blocks(resamples, n):
        drawn = rng.integers(0, n, size=(block, n), dtype=np.int32)  # the same units for A and B
        sums = np.stack([np.take(column, drawn).sum(axis=1, dtype=np.int64) for column in columns], axis=1)
        out.append(f1(sums[:, 3:].astype(np.float64)) - f1(sums[:, :3].astype(np.float64)))
    return np.concatenate(out) if out else np.zeros(0)


def randomization_differences(counts_a: np.ndarray, counts_b: np.ndarray, resamples: int, seed: int) -> np.ndarray:
    """F1(B') - F1(A') where each unit's A and B counts are swapped with probability 1/2."""
    counts_a, counts_b = np.asarray(counts_a, dtype=np.float64), np.asarray(counts_b, dtype=np.float64)
    n = len(counts_a)
    rng = np.random.default_rng(seed)
    total_a, total_b, change = counts_a.sum(axis=0), counts_b.sum(axis=0), counts_b - counts_a
    out = []
    for block in _blocks(resamples, n):
        coins = np.unpackbits(rng.integers(0, 256, size=(block, (n + 7) // 8), dtype=np.uint8), axis=1, count=n)
        swapped = coins.astype(np.float64) @ change  # what moves from B to A (and back) in each sample
        out.append(f1(total_b - swapped) - f1(total_a + swapped))
    return np.concatenate(out) if out else np.zeros(0)


def paired_test(counts_a: np.ndarray, counts_b: np.ndarray, resamples: int = 10_000, seed: int = 1,
                confidence: float = 0.95) -> dict:
    """The observed difference F1(B) - F1(A), its paired bootstrap interval and p-value, and the
    approximate-randomization p-value. Counts: (units, 3) arrays of tp, fp, fn. With fewer than
    ``MIN_UNITS`` units, ``too_few_units`` is true and the bootstrap's interval and p-value are None."""
    counts_a, counts_b = np.asarray(counts_a, dtype=np.float64), np.asarray(counts_b, dtype=np.float64)
    if counts_a.shape != counts_b.shape:
        raise ValueError(f"paired counts of different shapes: {counts_a.shape} and {counts_b.shape}")
    observed = float(f1(counts_b.sum(axis=0)) - f1(counts_a.sum(axis=0)))
    permuted = randomization_differences(counts_a, counts_b, resamples, seed)
    p_randomization = float((1 + np.sum(np.abs(permuted) >= abs(observed) - _TIES)) / (1 + resamples))
    if len(counts_a) < MIN_UNITS:
        return {"f1_a": float(f1(counts_a.sum(axis=0))), "f1_b": float(f1(counts_b.sum(axis=0))), "difference": observed,
                "ci_low": None, "ci_high": None, "confidence": confidence, "p_bootstrap": None,
                "p_randomization": p_randomization, "b_better_share": None, "resamples": resamples, "seed": seed,
                "units": len(counts_a), "too_few_units": True}
    boot = bootstrap_differences(counts_a, counts_b, resamples, seed)
    tail = (1 - confidence) / 2
    return {
        "f1_a": float(f1(counts_a.sum(axis=0))),
        "f1_b": float(f1(counts_b.sum(axis=0))),
        "difference": observed,
        "ci_low": float(np.quantile(boot, tail)),
        "ci_high": float(np.quantile(boot, 1 - tail)),
        "confidence": confidence,
        "p_bootstrap": float((1 + np.sum(np.abs(boot - observed) >= abs(observed) - _TIES)) / (1 + resamples)),
        "p_randomization": p_randomization,
        "b_better_share": float(np.mean(boot > 0)),
        "resamples": resamples,
        "seed": seed,
        "units": len(counts_a),
        "too_few_units": False,
    }
