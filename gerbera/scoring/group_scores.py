"""Scoring a split group (one or more datasets' devel or test files) with a trainer, and writing
the original's result and prediction files.

`evaluate_group` runs the model over the group once (`Trainer.predict`, scoring with a
`GroupScorer` as its ``compute_metrics``), puts the predicted tags back on the words and writes
``{prefix}_results.txt`` and ``{prefix}_predictions*.txt``; for datasets read from PubTator or
BioC also the predictions at document offsets and their mention-level scores
(`gerbera.scoring.offset_scores`). A `GroupScorer` is also the
Trainer's ``compute_metrics`` for evaluation during training (run_ner.py).
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np

from gerbera.features.split_groups import SplitGroup
from gerbera.features.word_predictions import word_level_ids, write_predictions
from gerbera.outputs import predictions_name, results_name, write_key_values
from gerbera.scoring.metrics import flatten, span_report
from gerbera.scoring.offset_scores import score_offset_splits

logger = logging.getLogger(__name__)

class GroupScorer:
    """Scores of one `SplitGroup`: all its datasets together, then each on its own. Called with the
    Trainer's predictions, it is a ``compute_metrics``."""

    def __init__(self, group: SplitGroup):
        self.group = group
        # a head per corpus: predicted ids are columns of the whole logits, each in its example's head
        self.labels = np.asarray(group.column_labels or group.tagset.labels, dtype=object)
        self.sentence_lengths = [len(sentence.words) for sentence in group.sentences]

    def decode(self, token_predictions: np.ndarray) -> list[list[str]]:
        """The predicted tag of every word, sentence by sentence, from predicted ids per window row."""
        ids = word_level_ids(token_predictions, self.group.features, self.sentence_lengths)
        if not self.group.dataset_tagsets:
            return [self.group.tagset.as_scored(self.labels[sentence].tolist()) for sentence in ids]
        return [self.group.tagset_of(dataset).as_scored(self.labels[sentence].tolist())
                for sentence, dataset in zip(ids, self.group.sentence_dataset)]

    def span_reports(self, predicted: list[list[str]]) -> dict[str, dict]:
        """Span reports by scope: all datasets together (``A+B``), then, with several, each (``A``, ``B``)."""
        gold = self.group.gold_tags
        names = list(dict.fromkeys(split.dataset for split in self.group.splits))
        reports = {"+".join(names): span_report(gold, predicted)}
        if len(names) > 1:
            for name in names:
                keep = [i for i, dataset in enumerate(self.group.sentence_dataset) if dataset == name]
                reports[name] = span_report([gold[i] for i in keep], [predicted[i] for i in keep])
        return reports

    def score(self, predicted: list[list[str]]) -> dict[str, float]:
        return flat_scores(self.span_reports(predicted))

    def __call__(self, eval_prediction) -> dict[str, float]:
        return self.score(self.decode(eval_prediction.predictions))


def flat_scores(reports: dict[str, dict]) -> dict[str, float]:
    """``f1``, ``precision``, ``TYPE_f1``, ... of the first scope (all datasets together), then
    ``A_f1``, ``A_TYPE_f1``, ... of each dataset."""
    scopes = list(reports)
    metrics = flatten(reports[scopes[0]], prefix="")
    for name in scopes[1:]:
        metrics.update(flatten(reports[name], prefix=f"{name}_"))
    return metrics


def evaluate_group(trainer, group: SplitGroup, prefix: str, output_dir: str, data_type: str | None = None,
                   entity_type: str | None = None) -> dict:
    """Predict every word of ``group``, score it (when it has gold tags) and write
    ``{prefix}_results.txt`` and ``{prefix}_predictions.txt`` (one line per input word); ``entity_type``:
    the type of untyped mentions in the predictions at document offsets (see
    :func:`gerbera.scoring.offset_scores.untyped_name`)."""
    scorer = GroupScorer(group)
    # The Trainer scores and reports to the trackers as for any evaluation; the tags and the reports
    # by scope are then made again, in plain sight, from what predict returned. The price: seqeval
    # runs twice (1-2 s for BC5CDR-disease's 4,797 test sentences on one CPU core).
    trainer.compute_metrics = scorer if group.has_tags else None
    try:
        output = trainer.predict(group.features, metric_key_prefix=prefix)
    finally:
        trainer.compute_metrics = None
    predicted = scorer.decode(output.predictions)
    reports = scorer.span_reports(predicted) if group.has_tags else {}
    metrics = dict(output.metrics)
    if reports and f"{prefix}_f1" not in metrics:  # --ignore_types: no gold tag ids, so the Trainer did not score
        metrics.update({f"{prefix}_{name}": value for name, value in flat_scores(reports).items()})
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
    if reports and any(split.source is not None for split in group.splits):  # read from PubTator or BioC
        offset_dir = output_dir if trainer.is_world_process_zero() else None
        metrics.update(score_offset_splits(group, predicted, reports, prefix, offset_dir, entity_type))
    if trainer.is_world_process_zero():
        out = Path(output_dir)
        write_key_values(out / results_name(prefix), metrics)
        write_predictions(out / predictions_name(prefix), group.sentences, predicted, group.gold_tags)
        if len(group.splits) > 1:
            start = 0
            for split in group.splits:
                end = start + len(split.sentences)
                gold = group.gold_tags[start:end] if group.gold_tags is not None else None
                write_predictions(out / predictions_name(prefix, split.dataset), split.sentences, predicted[start:end], gold)
                start = end
    if reports:  # structured scores for results.md and the model card (not in the .txt file)
        metrics[f"{prefix}_breakdown"] = reports
    return metrics
