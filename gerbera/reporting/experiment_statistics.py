"""Statistics over seeds for ``gerbera-experiment``: pairing two arms' scores by seed, the t interval
of the mean paired difference, and the seed whose difference is the median.

An experiment's rows (its ``results.json``) hold one score per size, seed and arm; two arms are
compared seed by seed at the same size (the same training subset), so a seed's luck cancels out
of its difference.
"""

from __future__ import annotations

import statistics

SAME_STEPS = "single-task same steps"  # the control arm of --equal_steps: single-task with GERBERA's optimizer steps


def paired(rows: list[dict], size: float, key=lambda r: r["test_f1"], baseline: str = "single-task",
           other: str = "GERBERA") -> list[tuple[int, float, float]]:
    """(seed, baseline, other) for the seeds where both arms finished."""
    first = {r["seed"]: key(r) for r in rows if r["size"] == size and r["arm"] == baseline}
    second = {r["seed"]: key(r) for r in rows if r["size"] == size and r["arm"] == other}
    return [(seed, first[seed], second[seed]) for seed in first if seed in second]


def t_interval(values: list[float], confidence: float = 0.95) -> tuple[float, float] | None:
    """The t confidence interval of the mean; None with fewer than two values."""
    if len(values) < 2:
        return None
    from scipy.stats import t

    mean, half = statistics.mean(values), t.ppf(0.5 + confidence / 2, len(values) - 1) * statistics.stdev(values) / len(values) ** 0.5
    return mean - half, mean + half


def median_seed(pairs: list[tuple[int, float, float]]) -> int:
    """The seed whose paired difference is the median (the lower of the two middle ones for an even count)."""
    ordered = sorted(pairs, key=lambda p: (p[2] - p[1], p[0]))
    return ordered[(len(ordered) - 1) // 2][0]


def summary_rows(rows: list[dict], sizes: list[float], baseline: str = "single-task") -> list[dict]:
    """Per size with paired seeds: both arms' scores (``single``: the baseline arm's, ``gerbera``:
    GERBERA's), the differences GERBERA - baseline, their interval, how often GERBERA is ahead, and
    the median seed."""
    table = []
    for size in sizes:
        pairs = paired(rows, size, baseline=baseline)
        if not pairs:
            continue
        single, gerbera = [p[1] for p in pairs], [p[2] for p in pairs]
        deltas = [g - s for _, s, g in pairs]
        table.append({"size": size, "seeds": len(pairs), "single": single, "gerbera": gerbera, "deltas": deltas,
                      "ci": t_interval(deltas), "wins": sum(d > 0 for d in deltas), "median_seed": median_seed(pairs)})
    return table


def mean_sd(values: list[float]) -> str:
    """``mean ± sd`` to 4 decimals (sd 0 for one value)."""
    sd = statistics.stdev(values) if len(values) > 1 else 0.0
    return f"{statistics.mean(values):.4f} ± {sd:.4f}"
