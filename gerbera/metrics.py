"""Where metrics are made: seqeval span precision, recall and F1 (its default, conlleval mode)."""

from __future__ import annotations

from typing import Sequence

from seqeval.metrics import classification_report


def span_scores(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]], prefix: str) -> dict[str, float]:
    """Micro P/R/F1 over all entities, plus one set per entity type, keyed ``{prefix}precision`` etc.

    Untyped tags (B, I, O) are scored as one anonymous type; seqeval names it ``_``.
    """
    report = classification_report(
        [list(tags) for tags in gold], [list(tags) for tags in predicted], output_dict=True, zero_division=0
    )
    micro = report["micro avg"]
    scores = {
        f"{prefix}precision": float(micro["precision"]),
        f"{prefix}recall": float(micro["recall"]),
        f"{prefix}f1": float(micro["f1-score"]),
        f"{prefix}support": int(micro["support"]),
    }
    entity_types = [key for key in report if not key.endswith(" avg")]
    if len(entity_types) > 1:
        for entity_type in entity_types:
            for measure, name in (("precision", "precision"), ("recall", "recall"), ("f1-score", "f1")):
                scores[f"{prefix}{entity_type}_{name}"] = float(report[entity_type][measure])
    return scores
