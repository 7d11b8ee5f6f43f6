"""Scoring split groups with a trainer, and writing the original's result and prediction files."""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from gerbera.features.datasets import SplitGroup
from gerbera.scoring.metrics import flatten, span_report
from gerbera.outputs import write_key_values
from gerbera.features.word_predictions import word_level_ids, write_predictions

logger = logging.getLogger(__name__)


class GroupScorer:
    """``compute_metrics`` for one `SplitGroup`: all its datasets together, then each on its own."""

    def __init__(self, group: SplitGroup):
        self.group = group
        self.labels = np.asarray(group.tagset.labels, dtype=object)
        self.sentence_lengths = [len(sentence.words) for sentence in group.sentences]
        self.predicted: list[list[str]] | None = None
        self.breakdown: dict[str, dict] = {}  # scope ("A+B", "A", "B") -> span report

    def decode(self, token_predictions: np.ndarray) -> list[list[str]]:
        ids = word_level_ids(token_predictions, self.group.features, self.sentence_lengths)
        self.predicted = [self.labels[sentence].tolist() for sentence in ids]
        return self.predicted

    def score(self, predicted: list[list[str]]) -> dict[str, float]:
        gold = self.group.gold_tags
        names = list(dict.fromkeys(split.dataset for split in self.group.splits))
        self.breakdown = {"+".join(names): span_report(gold, predicted)}
        metrics = flatten(self.breakdown["+".join(names)], prefix="")
        if len(names) > 1:
            for name in names:
                keep = [i for i, dataset in enumerate(self.group.sentence_dataset) if dataset == name]
                self.breakdown[name] = span_report([gold[i] for i in keep], [predicted[i] for i in keep])
                metrics.update(flatten(self.breakdown[name], prefix=f"{name}_"))
        return metrics

    def __call__(self, eval_prediction) -> dict[str, float]:
        return self.score(self.decode(eval_prediction.predictions))


def evaluate_group(trainer, group: SplitGroup, prefix: str, output_dir: str, data_type: str | None = None) -> dict:
    """Predict every word of ``group``, score it (when it has gold tags) and write
    ``{prefix}_results.txt`` and ``{prefix}_predictions.txt`` (one line per input word)."""
    scorer = GroupScorer(group)
    trainer.compute_metrics = scorer if group.has_tags else None
    output = trainer.predict(group.features, metric_key_prefix=prefix)
    predicted = scorer.predicted if group.has_tags else scorer.decode(output.predictions)
    metrics = {key: value for key, value in output.metrics.items()}
    if not group.has_tags:
        logger.warning(
            "%s: words only, no gold tags: predictions written, metrics skipped",
            ", ".join(str(split.path) for split in group.splits),
        )
        metrics[f"{prefix}_metrics_skipped"] = "no gold tags"
    if data_type:
        metrics[f"{prefix}_data_type"] = data_type
    metrics[f"{prefix}_scoring_precision"] = trainer.scoring_precision
    metrics[f"{prefix}_datasets"] = "+".join(split.dataset for split in group.splits)
    metrics[f"{prefix}_sentences"] = group.num_sentences
    metrics[f"{prefix}_words"] = sum(scorer.sentence_lengths)
    if trainer.is_world_process_zero():
        out = Path(output_dir)
        write_key_values(out / f"{prefix}_results.txt", metrics)
        write_predictions(out / f"{prefix}_predictions.txt", group.sentences, predicted, group.gold_tags)
        if len(group.splits) > 1:
            start = 0
            for split in group.splits:
                end = start + len(split.sentences)
                gold = group.gold_tags[start:end] if group.gold_tags is not None else None
                write_predictions(out / f"{prefix}_predictions_{split.dataset}.txt", split.sentences, predicted[start:end], gold)
                start = end
    trainer.compute_metrics = None
    if scorer.breakdown:  # structured scores for results.md and the model card (not in the .txt file)
        metrics[f"{prefix}_breakdown"] = scorer.breakdown
    return metrics
