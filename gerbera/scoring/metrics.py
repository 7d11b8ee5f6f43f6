"""Where metrics are made: seqeval span precision, recall and F1 (its default, conlleval mode)."""

from __future__ import annotations

from collections.abc import Sequence

ALL = "all"


def span_report(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> dict[str, dict]:
    """``{"all": {...}, TYPE: {...}}`` with precision, recall, f1 and support (gold entities).

    Untyped tags (B, I, O) have one anonymous type, which seqeval names ``_``; it is then
    reported only as ``all``.
    """
    from seqeval.metrics import classification_report  # here: it loads scikit-learn, most of a second at start-up

    report = classification_report(
        [list(tags) for tags in gold], [list(tags) for tags in predicted], output_dict=True, zero_division=0
    )

    def row(values: dict) -> dict:
        return {
            "precision": float(values["precision"]),
            "recall": float(values["recall"]),
            "f1": float(values["f1-score"]),
            "support": int(values["support"]),
        }

    result = {ALL: row(report["micro avg"])}
    entity_types = [key for key in report if not key.endswith(" avg") and key != "_"]
    for entity_type in entity_types:
        result[entity_type] = row(report[entity_type])
    return result


def flatten(report: dict[str, dict], prefix: str) -> dict[str, float]:
    """``{prefix}f1``, ``{prefix}precision``, ... and ``{prefix}{TYPE}_f1`` etc."""
    flat = {}
    for entity_type, values in report.items():
        type_prefix = prefix if entity_type == ALL else f"{prefix}{entity_type}_"
        for measure, value in values.items():
            flat[f"{type_prefix}{measure}"] = value
    return flat


def span_scores(gold, predicted, prefix: str = "") -> dict[str, float]:
    return flatten(span_report(gold, predicted), prefix)
