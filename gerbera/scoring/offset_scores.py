"""Scores on a corpus's own terms: predicted mentions at document offsets, scored the BioCreative way.

For a dataset read from PubTator or BioC (`gerbera.corpora.offset_tags`), the predicted word tags
are turned back into mentions at character offsets of the documents (a mention spans from its
first word's start to its last word's end), written next to the column predictions as
``{prefix}_predictions[_{dataset}].pubtator`` (or ``.bioc.xml`` / ``.bioc.json`` for BioC), and
scored against the file's own annotations: a predicted mention is correct when a gold mention of
the same document has exactly its span and type (BioCreative's strict mention-level scores,
micro-averaged over documents). With an untyped tag set (B/I/O) only spans are compared.

Devel and test words are cut only as ``run_predict.py`` cuts new text, so these scores are those
tagging gets, and they are the headline. The gold mentions are every annotation of the selected
types, those the conversion to word tags dropped (overlapping, discontinuous) and those the words
cannot hold (ending inside a word, crossing a sentence split: ``{key}_unreachable_mentions``)
included: they count as missed here. The word-level seqeval F1 is kept and labelled as what it is:
a score against the gold mentions rounded to the words. The log gives both and says how many
mentions make them differ.
"""

from __future__ import annotations

import logging
from pathlib import Path

from gerbera.corpora.tags import OUTSIDE, parse_tag, to_iob2
from gerbera.outputs import predictions_name
from gerbera.scoring.metrics import ALL
from gerbera.scoring.offset_predictions import write_predicted

logger = logging.getLogger(__name__)

def word_spans(tags: list[str]) -> list[tuple[int, int, str | None]]:
    """The entities of one sentence's tags (any scheme) as ``(first word, end word, type)``."""
    parsed = to_iob2([parse_tag(tag) or (OUTSIDE, None) for tag in tags])
    spans: list[tuple[int, int, str | None]] = []
    for index, (prefix, entity_type) in enumerate(parsed):
        if prefix == "B":
            spans.append((index, index + 1, entity_type))
        elif prefix == "I":
            first, _, kept_type = spans[-1]
            spans[-1] = (first, index + 1, kept_type)
    return spans


def predicted_mentions(source, predicted: list[list[str]]) -> list[set[tuple[int, int, str | None]]]:
    """Per document, the predicted mentions ``(start, end, type)`` at document offsets."""
    mentions: list[set[tuple[int, int, str | None]]] = [set() for _ in source.documents]
    for (document_index, offsets), tags in zip(source.sentence_spans, predicted):
        for first, end, entity_type in word_spans(tags):
            mentions[document_index].add((offsets[first][0], offsets[end - 1][1], entity_type))
    return mentions


def mention_scores(source, predicted_per_document, typed: bool, corpus_types: dict | None = None) -> dict[str, float]:
    """Exact span (and type, when ``typed``) matches, per document, summed over documents; a gold
    type is read as the model's through ``corpus_types`` (--type_map)."""
    gold_total = predicted_total = correct = 0
    renames = corpus_types or {}
    for gold, predicted in zip(source.gold, predicted_per_document):
        gold_keys = {(locations, renames.get(entity_type, entity_type) if typed else None) for locations, entity_type in gold}
        predicted_keys = {(((start, end),), entity_type if typed else None) for start, end, entity_type in predicted}
        gold_total += len(gold_keys)
        predicted_total += len(predicted_keys)
        correct += len(gold_keys & predicted_keys)
    precision = correct / predicted_total if predicted_total else 0.0
    recall = correct / gold_total if gold_total else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1,
            "gold_mentions": gold_total, "predicted_mentions": predicted_total, "correct_mentions": correct}


def untyped_name(source, entity_type: str | None = None) -> str:
    """The type written for mentions of an untyped tag set: ``entity_type`` (``--entity_type``) when
    given, else the one type selected by ``--entity_types``, else the one type of the file's gold
    mentions, else ``Entity``."""
    if entity_type:
        return entity_type
    if source.entity_types and len(source.entity_types) == 1:
        return next(iter(source.entity_types))
    types = {mention_type for mentions in source.gold for _, mention_type in mentions}
    return types.pop() if len(types) == 1 and next(iter(types)) else "Entity"


def score_offset_splits(group, predicted: list[list[str]], reports: dict, prefix: str, output_dir: str | None,
                        entity_type: str | None = None) -> dict:
    """Mention-level scores of each split of ``group`` read from offsets, predictions written
    under ``output_dir`` (None: not written), untyped mentions named by :func:`untyped_name`; the
    log says why they differ from seqeval's."""
    metrics: dict = {}
    start = 0
    single = len(group.splits) == 1
    for split in group.splits:
        end = start + len(split.sentences)
        source = split.source
        if source is None or group.gold_tags is None:
            start = end
            continue
        mentions = predicted_mentions(source, predicted[start:end])
        start = end
        typed = group.tagset.typed and not group.tagset.ignore_types
        scores = mention_scores(source, mentions, typed, group.tagset.corpus_types)
        key = f"{prefix}_offset" if single else f"{prefix}_{split.dataset}_offset"
        metrics.update({f"{key}_{name}": value for name, value in scores.items()})
        metrics[f"{key}_unreachable_mentions"] = source.report.unreachable
        if output_dir is not None:
            name = predictions_name(prefix, None if single else split.dataset, source.format)
            write_predicted(source.documents, mentions, source.format, Path(output_dir) / name,
                            untyped_name(source, entity_type))
        seqeval = reports.get(split.dataset) or next(iter(reports.values()), {})
        explain(split, scores, seqeval.get(ALL, {}).get("f1"), typed)
    return metrics


def explain(split, scores: dict, seqeval_f1: float | None, typed: bool) -> None:
    """Log both scores, and what in the conversion makes them differ."""
    report = split.source.report
    reasons = [
        f"{report.unreachable} gold mentions that words cut as run_predict.py cuts them cannot hold (ending inside a "
        "word, crossing a sentence split) count as missed here" if report.unreachable else "",
        f"{report.dropped} gold mentions dropped in the conversion to word tags (overlapping, discontinuous, "
        "crossing passages or covering no word) count as missed here" if report.dropped else "",
        f"{sum(1 for c in report.changes if c.kind.startswith('word split'))} words split at mention boundaries"
        if any(c.kind.startswith("word split") for c in report.changes) else "",
        f"{report.not_selected_by_type.total()} mentions of types not selected are not scored" if report.not_selected_by_type else "",
        "" if typed else "spans only are compared (an untyped tag set, or --ignore_types)",
    ]
    why = "; ".join(reason for reason in reasons if reason) or "no mention was changed in the conversion"
    seqeval_text = f"{seqeval_f1:.4f}" if seqeval_f1 is not None else "n/a"
    logger.info(
        "%s: mention-level F1 at document offsets %.4f (exact span%s, the headline: P %.4f, R %.4f; %d gold, %d "
        "predicted, %d correct) vs word-level seqeval F1 %s (gold mentions rounded to the words); %s",
        split.path, scores["f1"], " and type" if typed else "", scores["precision"], scores["recall"], scores["gold_mentions"],
        scores["predicted_mentions"], scores["correct_mentions"], seqeval_text, why,
    )
