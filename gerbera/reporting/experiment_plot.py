"""The plot of a ``gerbera-experiment`` report: each seed's F1 of both arms per training-set size
(with mean ± sd), and the paired differences GERBERA - single-task with their 95% t interval."""

from __future__ import annotations

import statistics
from pathlib import Path


def plot(rows: list[dict], table: list[dict], path: Path, bio: str) -> None:
    """Write the two-panel figure of ``table`` (``experiment_statistics.summary_rows``) to ``path``."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, (left, right) = plt.subplots(1, 2, figsize=(10, 4), dpi=100)
    positions = range(len(table))
    for offset, arm, marker in ((-0.12, "single-task", "o"), (0.12, "GERBERA", "s")):
        for i, t in zip(positions, table):
            values = t["single"] if arm == "single-task" else t["gerbera"]
            left.scatter([i + offset] * len(values), values, marker=marker, alpha=0.5,
                         color="C0" if arm == "single-task" else "C1", label=arm if i == 0 else None)
            left.errorbar(i + offset, statistics.mean(values), yerr=statistics.stdev(values) if len(values) > 1 else 0,
                          color="black", capsize=4, marker="_", markersize=14)
    left.set_xticks(list(positions), [f"{100 * t['size']:g}%" for t in table])
    left.set_xlim(-0.5, len(table) - 0.5)
    left.set_xlabel(f"{bio} training set used")
    left.set_ylabel(f"{bio} test span F1")
    left.set_title("per seed, with mean ± sd")
    left.legend()
    for i, t in zip(positions, table):
        deltas = [100 * d for d in t["deltas"]]
        right.scatter([i] * len(deltas), deltas, color="C2", alpha=0.6)
        if t["ci"]:
            mean = statistics.mean(deltas)
            right.errorbar(i, mean, yerr=[[mean - 100 * t["ci"][0]], [100 * t["ci"][1] - mean]], color="black",
                           capsize=6, marker="D")
    right.axhline(0, color="grey", linewidth=1)
    right.set_xticks(list(positions), [f"{100 * t['size']:g}%" for t in table])
    right.set_xlim(-0.5, len(table) - 0.5)
    right.set_ylabel("GERBERA - single-task (F1 points)")
    right.set_title("paired by seed, mean with 95% t interval")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
