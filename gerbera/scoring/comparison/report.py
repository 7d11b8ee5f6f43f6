"""Two systems' predictions on the same text, compared: scores of each, the paired tests of the
difference, the kinds of errors, and the entities one got right and the other wrong.

``compare(A, B)`` reads two prediction files (``word gold predicted`` lines, as run_ner.py and
run_eval.py write ``test_predictions.txt``; conlleval input works too) or run folders holding one,
checks that they hold the same words and gold tags, and returns a ``Comparison``: strict span
precision, recall and F1 (seqeval's default conlleval mode: the figures conlleval.pl prints) of
each, per entity type and per dataset where the run recorded its datasets; the difference
F1(B) - F1(A) with a paired bootstrap confidence interval and p-value over sentences (documents
when the file has -DOCSTART- lines, at least ``MIN_UNITS`` in every scope; with fewer, sentences, and
the summary says so; no interval and no bootstrap p-value for a scope of fewer than ``MIN_UNITS``
units, a degenerate resample) and an approximate-randomization p-value; overlap (partial)
match; the errors split into missed, spurious, boundary and type errors; and the entities one got
right and the other wrong, with examples. ``format_text`` prints its summary. The command is
``gerbera.commands.compare``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gerbera.errors import GerberaError
from gerbera.scoring.comparison.error_kinds import ERROR_KINDS, SentenceErrors, Span, classify
from gerbera.scoring.comparison.prediction_files import PredictionFile, ScoredSentence, check_same_text, load_predictions
from gerbera.scoring.comparison.significance import MIN_UNITS, paired_test, unit_counts
from gerbera.scoring.metrics import ALL, span_report

DIFFERENCE_KINDS = {
    "found_by_b_only": "gold entities B found and A did not",
    "found_by_a_only": "gold entities A found and B did not",
    "false_positives_of_a_only": "A's false positives that B does not make",
    "false_positives_of_b_only": "B's false positives that A does not make",
}


@dataclass
class Comparison:
    """A and B read, each sentence's errors of each, and the summary (what format_text prints)."""

    a: PredictionFile
    b: PredictionFile
    errors_a: list[SentenceErrors]
    errors_b: list[SentenceErrors]
    summary: dict

    @property
    def sentences(self) -> list[ScoredSentence]:
        return self.a.sentences

    def differing(self) -> list[int]:
        """Indices of the sentences where A's and B's entities differ."""
        return [i for i, (ea, eb) in enumerate(zip(self.errors_a, self.errors_b)) if set(ea.predicted) != set(eb.predicted)]


def entity_type(span: Span) -> str:
    return "" if span.type == "_" else span.type


def in_context(words: list[str], span: Span, width: int = 8) -> str:
    left = max(0, span.start - width)
    right = min(len(words), span.end + 1 + width)
    return " ".join(
        (["..."] if left else []) + words[left:span.start] + ["[" + " ".join(words[span.start:span.end + 1]) + "]"]
        + words[span.end + 1:right] + (["..."] if right < len(words) else [])
    )


def describe_other(words: list[str], span: Span, errors: SentenceErrors) -> str:
    """What the other system predicted where ``span`` is."""
    touching = [(p, kind) for p, kind in zip(errors.predicted, errors.predicted_kind) if p.overlaps(span)]
    if not touching:
        return "nothing"
    return "; ".join(
        f"'{' '.join(words[p.start:p.end + 1])}'{' ' + entity_type(p) if entity_type(p) else ''} ({kind})"
        for p, kind in touching
    )


def entity_differences(sentences, errors_a, errors_b, examples: int) -> dict:
    found = {key: {"count": 0, "examples": []} for key in DIFFERENCE_KINDS}

    def add(key: str, index: int, span: Span, other_name: str, other: SentenceErrors) -> None:
        found[key]["count"] += 1
        if len(found[key]["examples"]) < examples:
            sentence = sentences[index]
            found[key]["examples"].append({
                "sentence": index + 1, "line": sentence.lines[span.start],
                "entity": " ".join(sentence.words[span.start:span.end + 1]), "type": entity_type(span),
                "context": in_context(sentence.words, span), other_name: describe_other(sentence.words, span, other),
            })

    for index, (ea, eb) in enumerate(zip(errors_a, errors_b)):
        right_a, right_b = set(ea.predicted) & set(ea.gold), set(eb.predicted) & set(eb.gold)
        for g in ea.gold:
            if g in right_b and g not in right_a:
                add("found_by_b_only", index, g, "a_predicted", ea)
            elif g in right_a and g not in right_b:
                add("found_by_a_only", index, g, "b_predicted", eb)
        gold = set(ea.gold)
        for p in ea.predicted:
            if p not in gold and p not in eb.predicted:
                add("false_positives_of_a_only", index, p, "b_predicted", eb)
        for p in eb.predicted:
            if p not in gold and p not in ea.predicted:
                add("false_positives_of_b_only", index, p, "a_predicted", ea)
    return found


def overlap_scores(errors: list[SentenceErrors]) -> dict:
    predicted = sum(len(e.predicted) for e in errors)
    gold = sum(len(e.gold) for e in errors)
    precision = sum(e.overlap_precision_hits for e in errors) / predicted if predicted else 0.0
    recall = sum(e.overlap_recall_hits for e in errors) / gold if gold else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f1": f1}


def error_split(errors: list[SentenceErrors]) -> dict:
    counts = {kind: sum(e.count(kind) for e in errors) for kind in ERROR_KINDS}
    counts["correct"] = sum(e.tp for e in errors)
    return counts


def counts_matrix(errors: list[SentenceErrors]) -> np.ndarray:
    return np.array([[e.tp, e.fp, e.fn] for e in errors], dtype=np.float64).reshape(-1, 3)


def compare(path_a, path_b, resamples: int = 10_000, seed: int = 1, unit: str = "auto", examples: int = 5,
            confidence: float = 0.95) -> Comparison:
    """Compare B with A (prediction files or run folders holding the same text); differences are B - A."""
    if resamples < 1:
        raise GerberaError("--resamples must be at least 1")
    a, b = load_predictions(path_a), load_predictions(path_b)
    check_same_text(a, b)
    if unit == "document" and not a.has_documents:
        raise GerberaError(f"--unit document: {a.path} has no -DOCSTART- lines")
    sentences = a.sentences
    errors_a = [classify(s.gold, s.predicted) for s in a.sentences]
    errors_b = [classify(s.gold, s.predicted) for s in b.sentences]
    scopes = {ALL: list(range(len(sentences)))}
    if len(a.datasets) > 1:
        for name in a.datasets:
            scopes[name] = [i for i, s in enumerate(sentences) if s.dataset == name]
    unit_note = None
    if unit == "auto":
        fewest = min(len({sentences[i].document for i in chosen}) for chosen in scopes.values())
        unit = "document" if a.has_documents and fewest >= MIN_UNITS else "sentence"
        if a.has_documents and unit == "sentence":
            unit_note = (f"only {fewest} document{'s' * (fewest != 1)} (-DOCSTART- lines), fewer than {MIN_UNITS}: "
                         "sentences are resampled instead")
    summary = {
        "a": {"path": str(a.path)}, "b": {"path": str(b.path)},
        "sentences": len(sentences), "words": sum(len(s.words) for s in sentences),
        "documents": len({s.document for s in sentences}) if a.has_documents else None,
        "unit": unit, "unit_note": unit_note, "datasets": a.datasets,
        "mode": "seqeval default mode = conlleval",
        "scopes": {},
    }
    for scope, chosen in scopes.items():
        units = np.array([sentences[i].document if unit == "document" else i for i in chosen], dtype=np.int64)
        _, units = np.unique(units, return_inverse=True)
        test = paired_test(unit_counts(counts_matrix([errors_a[i] for i in chosen]), units),
                           unit_counts(counts_matrix([errors_b[i] for i in chosen]), units), resamples, seed, confidence)
        summary["scopes"][scope] = {
            "sentences": len(chosen),
            "strict": {side: span_report([f.sentences[i].gold for i in chosen], [f.sentences[i].predicted for i in chosen])
                       for side, f in (("a", a), ("b", b))},
            "test": test,
            "overlap": {"a": overlap_scores([errors_a[i] for i in chosen]), "b": overlap_scores([errors_b[i] for i in chosen])},
            "errors": {"a": error_split([errors_a[i] for i in chosen]), "b": error_split([errors_b[i] for i in chosen])},
        }
    summary["differences"] = entity_differences(sentences, errors_a, errors_b, examples)
    comparison = Comparison(a, b, errors_a, errors_b, summary)
    summary["differing_sentences"] = len(comparison.differing())
    return comparison


def _type_name(name: str) -> str:
    return "all types" if name == ALL else name


def format_text(summary: dict) -> str:
    out = [f"A: {summary['a']['path']}", f"B: {summary['b']['path']}",
           f"{summary['sentences']} sentences, {summary['words']} words"
           + (f", {summary['documents']} documents" if summary["documents"] else "")
           + (f", datasets {'+'.join(summary['datasets'])}" if summary["datasets"] else ""), ""]
    out.append(f"Strict span scores ({summary['mode']}), in %:")
    header = f"{'scope':<22} {'type':<14} {'gold':>6} {'P A':>7} {'R A':>7} {'F1 A':>7} {'P B':>7} {'R B':>7} {'F1 B':>7} {'B-A':>7}"
    out.append(header)
    for scope, values in summary["scopes"].items():
        report_a, report_b = values["strict"]["a"], values["strict"]["b"]
        for name in [ALL] + sorted((set(report_a) | set(report_b)) - {ALL}):
            zero = {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}  # a type only one side predicted
            ra, rb = report_a.get(name, zero), report_b.get(name, zero)
            out.append(f"{scope:<22} {_type_name(name):<14} {max(ra['support'], rb['support']):>6} {100 * ra['precision']:>7.2f} "
                       f"{100 * ra['recall']:>7.2f} {100 * ra['f1']:>7.2f} {100 * rb['precision']:>7.2f} "
                       f"{100 * rb['recall']:>7.2f} {100 * rb['f1']:>7.2f} {100 * (rb['f1'] - ra['f1']):>+7.2f}")
    first = next(iter(summary["scopes"].values()))["test"]
    out += ["", f"F1(B) - F1(A), paired over {summary['unit']}s: {first['resamples']} resamples, seed {first['seed']}, "
            f"{100 * first['confidence']:g}% percentile interval:"]
    if summary.get("unit_note"):
        out.append(f"  ({summary['unit_note']})")
    for scope, values in summary["scopes"].items():
        t = values["test"]
        if t.get("too_few_units"):
            out.append(f"  {scope:<20} {100 * t['difference']:+.2f} points ({t['units']} {summary['unit']}s): too few "
                       f"{summary['unit']}s for the bootstrap (fewer than {MIN_UNITS}), so no interval; "
                       f"p = {t['p_randomization']:.4f} (approximate randomization)")
            continue
        out.append(f"  {scope:<20} {100 * t['difference']:+.2f} points ({t['units']} {summary['unit']}s), "
                   f"CI [{100 * t['ci_low']:+.2f}, {100 * t['ci_high']:+.2f}], p = {t['p_bootstrap']:.4f} (paired bootstrap), "
                   f"p = {t['p_randomization']:.4f} (approximate randomization)")
    out += ["", "Overlap (partial) match, same type, in %:"]
    for scope, values in summary["scopes"].items():
        oa, ob = values["overlap"]["a"], values["overlap"]["b"]
        out.append(f"  {scope:<20} A: P {100 * oa['precision']:.2f} R {100 * oa['recall']:.2f} F1 {100 * oa['f1']:.2f}   "
                   f"B: P {100 * ob['precision']:.2f} R {100 * ob['recall']:.2f} F1 {100 * ob['f1']:.2f}")
    out += ["", "Errors (entities): " + ", ".join(f"{kind}" for kind in ("correct", *ERROR_KINDS)) + ":"]
    for scope, values in summary["scopes"].items():
        for side in ("a", "b"):
            e = values["errors"][side]
            out.append(f"  {scope:<20} {side.upper()}: " + "  ".join(f"{kind} {e[kind]}" for kind in ("correct", *ERROR_KINDS)))
    out += ["", f"Entities one got right and the other wrong ({summary['differing_sentences']} sentences differ):"]
    for key, meaning in DIFFERENCE_KINDS.items():
        found = summary["differences"][key]
        out.append(f"  {found['count']:>5}  {meaning}")
        for example in found["examples"]:
            other = example.get("a_predicted", example.get("b_predicted"))
            who = "A" if "a_predicted" in example else "B"
            out.append(f"         line {example['line']}: {example['context']}"
                       f"{'  <' + example['type'] + '>' if example['type'] else ''}  ({who} predicted: {other})")
    return "\n".join(out) + "\n"
