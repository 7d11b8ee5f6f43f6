"""Certify the fast settings of a model on labelled data: the F1 each gives up against fp32, and its speed.

    python -m gerbera.certify --model_name_or_path MODEL --data_dir NERdata/ --data_list NCBI-disease

The labelled sentences (``--split``, default test, of each dataset of ``--data_list``, in any format
``run_eval.py`` reads) are tagged with PyTorch fp32 and with each setting of
:mod:`gerbera.runtimes.settings`, through the same tagging code ``run_predict.py`` uses. For each
setting the certificate holds its span F1 against the gold tags and the difference to fp32 with the
paired bootstrap interval of :mod:`gerbera.scoring.comparison.significance` (sentences resampled),
the share of words whose tag changed, the entities gained and lost against fp32, sentences/s on this
machine (median of ``--rounds``, the settings taking turns) and the speed-up. It is written into the
model folder for this kind of machine (:mod:`gerbera.runtimes.certificates`) when every setting has
run, never before: an interrupted certification leaves no certificate.
"""

from __future__ import annotations

import argparse
import datetime
import logging
import os
import statistics
import sys
import time
from importlib import metadata

import numpy as np
import torch

from gerbera.commands.exits import exit_status, user_errors
from gerbera.commands.parsers import StrictArgumentParser
from gerbera.corpora.column_files import parse_dataset_list
from gerbera.corpora.split_sources import load_split
from gerbera.errors import GerberaError, UsageError
from gerbera.outputs import atomic_write, read_json, write_json
from gerbera.runtimes.certificates import certificate_path, machine_key, machine_kind, summary_table
from gerbera.runtimes.settings import SETTINGS, setting_form
from gerbera.scoring.comparison.error_kinds import classify, spans
from gerbera.scoring.comparison.significance import f1, paired_test
from gerbera.tagging.model_identity import model_identity
from gerbera.tagging.word_tagger import WordTagger, choose_device

logger = logging.getLogger("gerbera.certify")


def build_parser() -> argparse.ArgumentParser:
    parser = StrictArgumentParser(prog="python -m gerbera.certify", description=__doc__.split("\n\n")[0])
    parser.add_argument("--model_name_or_path", required=True, help="the trained model folder (saved by run_ner.py)")
    parser.add_argument("--data_dir", default="NERdata/", help="folder of the datasets (default NERdata/)")
    parser.add_argument("--data_list", required=True, help="datasets to certify on, joined by + (e.g. NCBI-disease)")
    parser.add_argument("--split", default="test", choices=["train", "devel", "test"], help="split to tag (default test)")
    parser.add_argument("--entity_types", default=None, help="PubTator/BioC corpora: the annotation types that become tags")
    parser.add_argument("--settings", nargs="+", default=[s for s in SETTINGS if s != "fp32"], choices=SETTINGS[1:],
                        help=f"the settings to certify against fp32 (default all: {' '.join(SETTINGS[1:])})")
    parser.add_argument("--max_seq_length", type=int, default=128, help="as run_predict.py (default 128)")
    parser.add_argument("--batch_size", type=int, default=32, help="as run_predict.py (default 32)")
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda, cuda:1: certificates are per kind of machine")
    parser.add_argument("--num_threads", type=int, default=None, help="CPU threads (default: torch's, one per core)")
    parser.add_argument("--rounds", type=int, default=3, help="timed passes over the data per setting; the median counts (default 3)")
    parser.add_argument("--resamples", type=int, default=10_000, help="bootstrap samples (default 10000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the bootstrap (default 1)")
    return parser


def main(argv=None) -> dict:
    """Certify and return the certificate; a wrong command line exits 2, a run that cannot be done 1
    (`gerbera.commands.exits`)."""
    argv = sys.argv[1:] if argv is None else [str(a) for a in argv]
    args = build_parser().parse_args(argv)
    args.given = argv
    logging.basicConfig(level=logging.INFO, format="%(message)s", stream=sys.stderr)
    with user_errors():
        if args.rounds < 1 or args.resamples < 1 or args.batch_size < 1:
            raise UsageError("--rounds, --resamples and --batch_size must be at least 1")
        if args.num_threads is not None:
            if args.num_threads < 1:
                raise UsageError("--num_threads must be at least 1")
            torch.set_num_threads(args.num_threads)
        certificate, path = certify(args)
    sys.stdout.write(summary_table(certificate))
    print(f"wrote {path}", file=sys.stderr)
    return certificate


def cli() -> int:
    """``gerbera-certify`` and ``python -m gerbera.certify``: the process's exit status (`gerbera.commands.exits`)."""
    return exit_status(main)


def certify(args) -> tuple[dict, str]:
    device = choose_device(args.device)
    refuse_heads(args.model_name_or_path)
    reference = WordTagger.load(args.model_name_or_path, args.max_seq_length, args.batch_size, str(device))
    words, gold, description = _labelled(args, reference.tagset)
    load_at_start = _load_average()
    taggers, failed = {"fp32": reference}, {}
    for setting in args.settings:
        try:
            taggers[setting] = _tagger_like(reference, setting)
        except GerberaError as error:  # a setting this model cannot run (int8 without a known encoder, ...)
            failed[setting] = str(error)
            logger.warning("%s: %s", setting, error)
    tags, seconds, errors = _tag_in_turns(taggers, words, args.rounds)
    errors.update(failed)
    base_counts = _counts(gold, tags["fp32"])
    if not base_counts[:, 0].sum():  # no true positive: every F1 is 0, and every difference 0 whatever the tags
        raise GerberaError(f"{args.model_name_or_path} finds none of the {int(base_counts[:, [0, 2]].sum())} gold entities "
                           f"of {description} in fp32 (F1 0): a certificate would measure nothing; certify a trained "
                           f"model on data of its kind")
    base_speed = len(words) / statistics.median(seconds["fp32"])
    results = {}
    for setting in args.settings:
        if setting in errors:
            results[setting] = {"error": errors[setting]}
            continue
        test = paired_test(base_counts, _counts(gold, tags[setting]), resamples=args.resamples, seed=args.seed)
        speed = len(words) / statistics.median(seconds[setting])
        gained, lost = _entity_changes(tags["fp32"], tags[setting])
        changed = sum(a != b for x, y in zip(tags["fp32"], tags[setting]) for a, b in zip(x, y))
        results[setting] = {
            "form": setting_form(setting), "f1": test["f1_b"], "f1_difference": test["difference"], "ci_low": test["ci_low"], "ci_high": test["ci_high"],
            "confidence": test["confidence"], "p_bootstrap": test["p_bootstrap"],
            "words_changed_share": changed / max(1, sum(map(len, words))), "entities_gained": gained, "entities_lost": lost,
            "sentences_per_second": speed, "speedup": speed / base_speed, "seconds": seconds[setting],
        }
    kind = machine_kind(device)
    identity = reference.identity or model_identity(args.model_name_or_path)  # of the weights measured, taken as they loaded
    certificate = {
        "model": identity["model"], "model_path": identity["model_path"], "machine": kind, "machine_key": machine_key(kind),
        "threads": torch.get_num_threads(), "batch_size": args.batch_size, "max_seq_length": args.max_seq_length,
        "libraries": _versions(), "created": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
        "command": "python -m gerbera.certify " + " ".join(args.given),
        "data": {"data_dir": args.data_dir, "datasets": parse_dataset_list(args.data_list), "split": args.split,
                 "sentences": len(words), "words": sum(map(len, words)), "description": description},
        "reference": {"setting": "fp32", "f1": float(f1(base_counts.sum(axis=0))), "sentences_per_second": base_speed,
                      "seconds": seconds["fp32"]},
        "settings": results,
        "load_average": {"start": load_at_start, "end": _load_average(), "cores": os.cpu_count()},
    }
    _warn_if_busy(certificate["load_average"], device)
    path = certificate_path(args.model_name_or_path, device)
    _warn_of_dropped_settings(path, results)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write(path.with_suffix(".txt"), summary_table(certificate))
    write_json(path, certificate)  # last: the file run_predict reads appears whole, or not at all
    return certificate, str(path)


def _warn_of_dropped_settings(path, results: dict) -> None:
    """A certificate is replaced whole: say which settings the one it replaces measured and this one does not."""
    try:
        before = read_json(path).get("settings", {}) if path.is_file() else {}
    except (OSError, ValueError, AttributeError):
        return
    dropped = sorted(set(before) - set(results)) if isinstance(before, dict) else []
    if dropped:
        logger.warning("%s is replaced whole: the results for %s it held are not in the new certificate (certify every "
                       "setting you use in one run: --settings %s)", path, ", ".join(dropped), " ".join(sorted({*dropped, *results})))


def refuse_heads(name: str) -> None:
    """A model with a head per corpus is not certified (yet): one line that says what to do instead."""
    from gerbera.models.corpus_heads import heads_of
    from gerbera.models.loading import load_config, resolve_model_path

    heads = heads_of(load_config(resolve_model_path(name), False, None))
    if heads:
        raise GerberaError(f"{name} has a head per corpus ({', '.join(head.name for head in heads)}): certificates are made "
                           "for models with one tag head so far; tag it with a setting named in --scoring_precision "
                           "(auto tags it in fp32)")


def _labelled(args, tagset) -> tuple[list[list[str]], list[list[str]], str]:
    """The words and gold tags (in the model's tag set) of the chosen split of every dataset."""
    words, gold, parts = [], [], []
    for dataset in parse_dataset_list(args.data_list):
        split = load_split(args.data_dir, dataset, args.split, args.entity_types)
        if not split.has_tags:
            raise GerberaError(f"{split.path}: has no tags to certify against")
        for sentence in split.sentences:
            words.append(sentence.words)
            gold.append(tagset.map_sentence(sentence.tags, str(split.path), sentence.first_line))
        parts.append(f"{dataset} {args.split} ({len(split.sentences)} sentences)")
    if not words:
        raise GerberaError(f"--data_list {args.data_list}: no sentences to tag")
    return words, gold, ", ".join(parts)


def _tagger_like(reference: WordTagger, setting: str) -> WordTagger:
    tagger = WordTagger(reference.model, reference.encoder, reference.tagset, batch_size=reference.batch_size,
                        device=reference.device, precision=setting)
    tagger.name, tagger.identity = reference.name, reference.identity  # an export is keyed by the weights loaded
    return tagger


def _tag_in_turns(taggers: dict, words, rounds: int) -> tuple[dict, dict, dict]:
    """Each setting's tags, and its seconds per pass over ``words``: the settings take turns, round
    after round, so that load from other work falls on all alike. A warm-up batch first (an ONNX
    export is built then); a setting that fails there is left out with its one-line reason."""
    tags, seconds, errors = {}, {name: [] for name in taggers}, {}
    for name, tagger in taggers.items():
        try:
            tagger.predict(words[: tagger.batch_size])
        except GerberaError as error:
            if name == "fp32":
                raise
            errors[name] = str(error)
            logger.warning("%s: %s", name, error)
    for round_ in range(rounds):
        for name, tagger in taggers.items():
            if name in errors:
                continue
            started = time.perf_counter()
            ids, _ = tagger.predict(words)
            seconds[name].append(time.perf_counter() - started)
            if round_ == 0:
                tags[name] = [tagger.tags_of(sentence) for sentence in ids]
            logger.info("round %d, %s: %.1f sentences/s", round_ + 1, name, len(words) / seconds[name][-1])
    return tags, seconds, errors


def _counts(gold, predicted) -> np.ndarray:
    """(sentences, 3): true positives, false positives, false negatives of each sentence."""
    found = [classify(g, p) for g, p in zip(gold, predicted)]
    return np.array([[e.tp, e.fp, e.fn] for e in found], dtype=np.float64).reshape(-1, 3)


def _entity_changes(reference, other) -> tuple[int, int]:
    """Entities the setting finds that fp32 does not (gained), and the other way (lost)."""
    gained = lost = 0
    for a, b in zip(reference, other):
        before, after = set(spans(a)), set(spans(b))
        gained += len(after - before)
        lost += len(before - after)
    return gained, lost


def _load_average() -> float | None:
    """The machine's load average over the last minute (None where the system does not say)."""
    try:
        return round(os.getloadavg()[0], 2)
    except (AttributeError, OSError):
        return None


def _warn_if_busy(load: dict, device: torch.device) -> None:
    """Speeds timed on a CPU busy with other work rank the settings wrongly: say so (they are kept)."""
    busiest = max((value for value in (load["start"], load["end"]) if value is not None), default=None)
    if device.type == "cpu" and busiest is not None and load["cores"] and busiest > load["cores"]:
        logger.warning("the speeds were timed on a busy machine (load average %.1f on %d cores): auto ranks the "
                       "settings by them, so certify again on a quiet machine for speeds to trust (the F1 figures "
                       "do not depend on the load)", busiest, load["cores"])


def _versions() -> dict:
    versions = {"python": sys.version.split()[0], "torch": torch.__version__}
    for package in ("transformers", "onnxruntime", "onnx", "tokenizers"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return versions
