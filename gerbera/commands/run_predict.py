"""run_predict.py: tag new text (one file, or folders and globs of files) with a trained model.

One input file is read, tagged and written as a stream into one output file (:func:`_run_file`);
several, or a folder, or a glob, go into an output folder of units of work that a rerun resumes
and that processes share (:mod:`gerbera.tagging.corpus_run`). Reading and writing are the
format modules' (:mod:`gerbera.tagging.unit_io`), tagging is :class:`gerbera.tagging.tagger.Tagger`.
This module is the command: it chooses the mode, loads the model, shows progress and returns
the summary; its flags are :mod:`gerbera.commands.predict_arguments`.
"""

from __future__ import annotations

import contextlib
import logging
import os
import sys
import time
from pathlib import Path

from transformers import HfArgumentParser

from gerbera import __version__
from gerbera.commands.arguments import StrictHfArgumentParser
from gerbera.commands.exits import exit_status, user_errors
from gerbera.commands.interruption import stopped_cleanly
from gerbera.commands.log_noise import silence_known_noise
from gerbera.commands.predict_arguments import DESCRIPTION, PredictArguments, PredictModelArguments
from gerbera.commands.predict_folder_checks import refuse_overwriting_inputs, refuse_replacing_outputs, warn_if_idle
from gerbera.commands.predict_model import load_tagger, models_identity, set_threads
from gerbera.documents.formats import INPUT_FORMATS, choose_output_format
from gerbera.errors import GerberaError, UsageError
from gerbera.tagging import unit_io
from gerbera.tagging.core_share import CoreShare
from gerbera.tagging.corpus_inputs import expand_inputs
from gerbera.tagging.corpus_run import CorpusJob, documents_to_tag, tag_corpus
from gerbera.tagging.entities import DEFAULT_ENTITY_TYPE
from gerbera.tagging.garbage_collection import fewer_collections
from gerbera.tagging.manifest import MANIFEST, RunRecord
from gerbera.tagging.model_set import ModelSet, parse_model_specs
from gerbera.tagging.progress import CorpusProgress, estimate_documents
from gerbera.tagging.sharding import Worker
from gerbera.tagging.tagger import Tagger

logger = logging.getLogger("gerbera")
KEPT_WHEN_STOPPED = ("no partial output is left (an output is renamed into place only when complete); into a folder, "
                     "the finished units are kept and the same command goes on from there")

def make_parser() -> HfArgumentParser:
    parser = StrictHfArgumentParser((PredictModelArguments, PredictArguments), description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"GERBERA toolkit {__version__}")
    return parser


def main(argv=None) -> dict:
    silence_known_noise()
    with _gerbera_logger_restored(), user_errors(), stopped_cleanly(KEPT_WHEN_STOPPED):
        argv = sys.argv[1:] if argv is None else list(argv)
        model_args, args = make_parser().parse_args_into_dataclasses(argv)
        return run(model_args, args)


@contextlib.contextmanager
def _gerbera_logger_restored():
    """What a run sets on the ``gerbera`` logger (a handler on this call's stderr, the level, no
    propagation) is undone when ``main`` returns: a program or a test that calls ``main`` again with
    another stderr, or then trains in the same process, logs as it did before."""
    handlers, propagate, level = list(logger.handlers), logger.propagate, logger.level
    try:
        yield
    finally:
        logger.handlers[:] = handlers
        logger.propagate, logger.level = propagate, level


def _setup_logging() -> None:
    import transformers

    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(logging.INFO)
    transformers.utils.logging.set_verbosity_warning()


def _into_folder(args: PredictArguments) -> bool:
    """Whether the output is a folder of units (see --output's help)."""
    if args.output == "-":
        return False
    several = len(args.input) > 1 or any(value != "-" and not Path(value).is_file() for value in args.input)
    return several or Path(args.output).is_dir() or args.output.endswith(("/", os.sep))


def run(model_args, args: PredictArguments) -> dict:
    """Tag ``args.input`` into ``args.output``; the run's summary (counts and speed)."""
    _setup_logging()
    _check_arguments(model_args, args)
    worker = Worker.from_environment(args.shard)
    if _into_folder(args):
        return _run_corpus(model_args, args, worker)
    if worker.world > 1:
        raise UsageError("--shard and torchrun share the units of a folder output: give --output a folder")
    return _run_file(model_args, args)


def _check_arguments(model_args, args: PredictArguments) -> None:
    """Refuse bad flags before any work (and apply --num_threads)."""
    if args.input_format not in INPUT_FORMATS:
        raise UsageError(f"--input_format {args.input_format}: choose one of {', '.join(INPUT_FORMATS)}")
    if args.part_documents < 1:
        raise UsageError(f"--part_documents {args.part_documents}: must be at least 1")
    if "-" in args.input and len(args.input) > 1:
        raise UsageError("--input -: stdin is read alone, not with files")
    if args.output_words and args.output_format not in ("auto", "jsonl"):
        raise UsageError("--output_words needs JSON Lines output (--output_format jsonl)")
    if args.num_threads is not None and args.num_threads < 1:
        raise UsageError(f"--num_threads {args.num_threads}: must be at least 1")
    if args.batch_size < 1:  # before the model loads
        raise UsageError(f"--batch_size {args.batch_size}: must be at least 1")
    if not 0 <= model_args.max_f1_loss < float("inf"):  # nan too
        raise UsageError(f"--max_f1_loss {model_args.max_f1_loss}: give the F1 points a setting may lose, 0 or more")
    _check_models(model_args, args)


def _check_models(model_args, args: PredictArguments) -> None:
    """One model (--model_name_or_path) or several (--model NAME=PATH ...), checked before any work."""
    if model_args.model and model_args.model_name_or_path:
        raise UsageError("--model and --model_name_or_path: give one of them (--model takes several NAME=PATH)")
    if not model_args.model and not model_args.model_name_or_path:
        raise UsageError("give the model to tag with: --model_name_or_path PATH, or --model NAME=PATH ...")
    if model_args.model:
        if args.entity_type != DEFAULT_ENTITY_TYPE:
            raise UsageError("--entity_type with --model: an untyped model's type is its NAME (--model NAME=PATH)")
        if len(parse_model_specs(model_args.model)) > 1 and args.output_words:
            raise UsageError("--output_words: one word has a tag of each model; tag with one model for the words")


def _speed(summary: dict, seconds: float) -> dict:
    summary["seconds"] = round(seconds, 3)
    summary["documents_per_second"] = round(summary["documents"] / seconds, 2) if seconds else None
    summary["words_per_second"] = round(summary["words"] / seconds, 1) if seconds else None
    return summary


def _run_file(model_args, args: PredictArguments) -> dict:
    """One input file into one output file (or stdout), streamed."""
    source = args.input[0]
    if source != "-" and not Path(source).is_file():
        raise GerberaError(f"--input {source}: no such file")
    output_format = choose_output_format(args.output, args.output_format)
    if args.output_words and output_format != "jsonl":
        raise UsageError("--output_words needs JSON Lines output (--output_format jsonl)")
    if args.output != "-" and Path(args.output).is_dir():
        raise GerberaError(f"--output {args.output} is a folder; give a file name")
    if source != "-" and args.output != "-" and Path(args.output).exists() and os.path.samefile(source, args.output):
        raise GerberaError(f"--output {args.output} is the input file: the output would replace it; give another name")
    if args.output != "-" and Path(args.output).is_file() and not args.overwrite_output:
        raise GerberaError(f"--output {args.output} exists: add --overwrite_output to replace it, or give another name")
    set_threads(args.num_threads)
    input_format, documents = unit_io.read(source, args.input_format)
    tagger = load_tagger(model_args, args, args.device)
    logger.info("Tagging %s (%s) with %s on %s in %s, tags: %s", source, input_format, tagger.name, tagger.device,
                tagger.precision, tagger.describe_tags())
    totals = {"documents": 0, "words": 0, "entities": 0}
    estimate = None if args.disable_tqdm or source == "-" else estimate_documents(source, input_format)
    progress = CorpusProgress(estimate, args.disable_tqdm)
    started = time.perf_counter()
    try:
        with fewer_collections(), unit_io.open_tagged_writer(args.output, output_format, args.output_words,
                                                             args.write_scores) as writer:
            for tagged in tagger.tag_documents(documents, progress=progress.advance):
                writer.write(tagged)
                totals["documents"] += 1
                totals["words"] += tagged.num_words
                totals["entities"] += len(tagged.entities)
    finally:
        progress.close()
    if not totals["documents"]:
        logger.warning("--input %s holds no documents (an empty file?): nothing was tagged", source)
    summary = _speed({"model": tagger.name, "input": source, "input_format": input_format, "output": args.output,
                      "output_format": output_format, "scoring_precision": tagger.precision,
                      "certificate": tagger.certificate, **totals},
                     time.perf_counter() - started)
    logger.info("Tagged %d documents, %d words, %d entities in %.1fs (%.1f documents/s, %.0f words/s): %s",
                totals["documents"], totals["words"], totals["entities"], summary["seconds"],
                summary["documents_per_second"] or 0, summary["words_per_second"] or 0, args.output)
    return summary


def _settings(tagger: Tagger | ModelSet, model_args, args: PredictArguments) -> dict:
    """What shapes the outputs of a folder: a rerun with other values is refused."""
    return {
        **models_identity(tagger), "max_seq_length": args.max_seq_length,
        "entity_type": args.entity_type, "scoring_precision": tagger.precision, "certificate": tagger.certificate,
        "word_tokenization": model_args.word_tokenization, "input_format": args.input_format,
        "output_format": args.output_format, "part_documents": args.part_documents,
        "output_words": args.output_words, "write_scores": args.write_scores,
    }


def _run_corpus(model_args, args: PredictArguments, worker: Worker) -> dict:
    """Files, folders and globs into a folder of units (see gerbera.tagging.corpus_run)."""
    if "-" in args.input:
        raise UsageError("--input -: stdin is tagged into a file, not a folder")
    if Path(args.output).exists() and not Path(args.output).is_dir():
        raise GerberaError(f"--output {args.output}: a file, but several inputs are written into a folder")
    files = expand_inputs(args.input, args.output)
    job = CorpusJob(files, args.output, args.input_format, args.output_format, args.part_documents,
                    args.skip_bad_documents, args.output_words, args.write_scores, worker)
    refuse_overwriting_inputs(job)
    if not args.overwrite_output:
        refuse_replacing_outputs(job)
    warn_if_idle(job)
    set_threads(args.num_threads)
    share = CoreShare(args.output, worker.local_world) if worker.world > 1 and args.num_threads is None else None
    with share or contextlib.nullcontext():  # registered before the model loads, so that peers count it
        tagger = load_tagger(model_args, args, worker.device(args.device))
        RunRecord(args.output).check_settings(_settings(tagger, model_args, args))
        if share is not None:
            share.apply()
        logger.info("Tagging %d files into %s with %s on %s in %s (%s), tags: %s", len(files), args.output,
                    tagger.name, tagger.device, tagger.precision, worker.label, tagger.describe_tags())
        progress = CorpusProgress(None if args.disable_tqdm else documents_to_tag(job), args.disable_tqdm,
                                  f" ({worker.rank + 1}/{worker.world})" if worker.world > 1 else "",
                                  share.apply if share is not None else None)
        try:
            with fewer_collections():
                totals = tag_corpus(tagger, job, progress)
        finally:
            progress.close()
    summary = _speed({"model": tagger.name, "input": args.input, "output": args.output,
                      "scoring_precision": tagger.precision, "certificate": tagger.certificate,
                      "process": worker.rank, "processes": worker.world,
                      **totals}, totals.pop("seconds"))
    logger.info("%s: %d units done, %d skipped (finished before); %d documents, %d entities in %.1fs "
                "(%.1f documents/s)%s; %d units in %s", worker.label.capitalize(), totals["units_done"],
                totals["units_skipped"], totals["documents"], totals["entities"], summary["seconds"],
                summary["documents_per_second"] or 0,
                f"; {totals['bad_documents_skipped']} malformed documents skipped" if totals["bad_documents_skipped"] else ""
                + (f"; changed since tagged, so tagged again: {', '.join(totals['inputs_changed'])} "
                   f"({totals['stale_units_removed']} stale units removed)" if totals["inputs_changed"] else ""),
                totals["units_in_manifest"], Path(args.output) / MANIFEST)
    return summary


def cli() -> int:
    """``gerbera-predict`` and ``python run_predict.py``: the process's exit status, never the results (`gerbera.commands.exits`)."""
    return exit_status(main)


if __name__ == "__main__":
    raise SystemExit(cli())
