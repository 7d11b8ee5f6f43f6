"""run_predict.py: tag new text (plain text, PubTator, column files) with a trained model.

Reading the input is :mod:`gerbera.tagging.input_formats` (``--input_format``: ``text-lines``,
``text``, ``pubtator``, ``conll`` or ``auto``, which detects them), tagging is
:class:`gerbera.tagging.tagger.Tagger`, and writing is :mod:`gerbera.tagging.output_formats`
(``--output_format``: ``jsonl`` or ``pubtator``, or ``auto`` from the output's extension); each
module's docstring describes its formats. This module is the command: its flags, the run with
its progress bar and log lines, and the summary it returns.
"""

from __future__ import annotations

import logging
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from transformers import HfArgumentParser

from gerbera import __version__
from gerbera.commands.arguments import ModelArguments, StrictHfArgumentParser
from gerbera.commands.session import user_errors
from gerbera.errors import GerberaError
from gerbera.tagging.entities import DEFAULT_ENTITY_TYPE
from gerbera.tagging.input_formats import INPUT_FORMATS, read_documents
from gerbera.tagging.output_formats import OUTPUT_FORMATS, choose_output_format, format_tagged, open_output
from gerbera.tagging.tagger import Tagger

logger = logging.getLogger("gerbera")

DESCRIPTION = (
    "Tag new text with a trained NER model: plain text, PubTator or column files in, entity spans with exact "
    "character offsets out, as JSON Lines or PubTator."
)


@dataclass
class PredictArguments:
    input: str = field(metadata={"help": "File to tag (UTF-8): plain text, PubTator or a column file; '-' reads stdin."})
    output: str = field(metadata={"help": "Where to write the entities; '-' writes JSON Lines to stdout."})
    input_format: str = field(
        default="auto",
        metadata={"help": "text-lines: one document a line; text: the whole file one document; pubtator: "
                  "PMID|t|title and PMID|a|abstract lines; conll: a column file, tagged word for word. auto: "
                  "pubtator or conll when the file looks like one (or by extension .pubtator, .conll), else text-lines.",
                  "choices": list(INPUT_FORMATS)},
    )
    output_format: str = field(
        default="auto",
        metadata={"help": "jsonl or pubtator; auto: from --output's extension (.jsonl/.json: jsonl, .pubtator/.txt: pubtator).",
                  "choices": list(OUTPUT_FORMATS)},
    )
    entity_type: str = field(
        default=DEFAULT_ENTITY_TYPE,
        metadata={"help": "Type of the entities of a model with untyped tags (B, I, O), e.g. Disease. A typed "
                  "model's entities take the type of its tags (B-Chemical: Chemical)."},
    )
    max_seq_length: int = field(
        default=128,
        metadata={"help": "Most sub-tokens per model input, special tokens included; longer sentences are cut into "
                  "windows between words, as in run_eval.py (use the same value to get the same predictions)."},
    )
    batch_size: int = field(
        default=32, metadata={"help": "Model inputs per forward pass.", "aliases": ["--per_device_eval_batch_size"]}
    )
    device: str = field(default="auto", metadata={"help": "cpu, cuda, cuda:1, ...; auto: the GPU if there is one."})
    num_threads: int | None = field(
        default=None,
        metadata={"help": "CPU threads for torch (default: torch's choice, one per core). On a machine busy with "
                  "other work, 1 is often faster than several."},
    )
    output_words: bool = field(
        default=False, metadata={"help": "JSON Lines: add every word with its offsets, predicted tag and probability."}
    )
    write_scores: bool = field(
        default=False, metadata={"help": "PubTator: add each entity's score as a 7th column (after an empty identifier)."}
    )
    disable_tqdm: bool = field(default=False, metadata={"help": "No progress bar."})


def make_parser() -> HfArgumentParser:
    parser = StrictHfArgumentParser((ModelArguments, PredictArguments), description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"GERBERA toolkit {__version__}")
    return parser


def main(argv=None) -> dict:
    with user_errors():
        argv = sys.argv[1:] if argv is None else list(argv)
        model_args, args = make_parser().parse_args_into_dataclasses(argv)
        return run(model_args, args)


def _setup_logging() -> None:
    import transformers

    if not logger.handlers:
        handler = logging.StreamHandler(sys.stderr)
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s", "%H:%M:%S"))
        logger.addHandler(handler)
        logger.propagate = False
    logger.setLevel(logging.INFO)
    transformers.utils.logging.set_verbosity_warning()


def run(model_args, args: PredictArguments) -> dict:
    """Read ``args.input``, tag it, write ``args.output``; the run's summary (counts and speed)."""
    _setup_logging()
    output_format = _check_arguments(args)
    input_format, documents = read_documents(args.input, args.input_format)
    tagger = _load_tagger(model_args, args)
    logger.info("Tagging %d documents (%s) with %s on %s in %s, tags: %s", len(documents), input_format, tagger.name,
                tagger.device, tagger.precision, ", ".join(tagger.tagset.labels))
    totals, seconds = _tag_and_write(tagger, documents, args, output_format)
    summary = {
        "model": tagger.name,
        "input": args.input,
        "input_format": input_format,
        "output": args.output,
        "output_format": output_format,
        "scoring_precision": tagger.precision,
        **totals,
        "seconds": round(seconds, 3),
        "documents_per_second": round(totals["documents"] / seconds, 2) if seconds else None,
        "words_per_second": round(totals["words"] / seconds, 1) if seconds else None,
    }
    logger.info(
        "Tagged %d documents, %d words, %d entities in %.1fs (%.1f documents/s, %.0f words/s): %s",
        totals["documents"], totals["words"], totals["entities"], seconds,
        summary["documents_per_second"] or 0, summary["words_per_second"] or 0, args.output,
    )
    return summary


def _check_arguments(args: PredictArguments) -> str:
    """Refuse bad flags before any work (and apply --num_threads); the output format."""
    if args.input_format not in INPUT_FORMATS:
        raise GerberaError(f"--input_format {args.input_format}: choose one of {', '.join(INPUT_FORMATS)}")
    output_format = choose_output_format(args.output, args.output_format)
    if args.output_words and output_format != "jsonl":
        raise GerberaError("--output_words needs JSON Lines output (--output_format jsonl)")
    if args.input != "-" and not Path(args.input).is_file():
        raise GerberaError(f"--input {args.input}: no such file")
    if args.num_threads is not None:
        if args.num_threads < 1:
            raise GerberaError(f"--num_threads {args.num_threads}: must be at least 1")
        import torch

        torch.set_num_threads(args.num_threads)
    return output_format


def _load_tagger(model_args, args: PredictArguments) -> Tagger:
    """The model, loaded without transformers' progress bars under --disable_tqdm."""
    from transformers.utils import logging as hf_logging

    bars_were_on = hf_logging.is_progress_bar_enabled()
    if args.disable_tqdm:  # also the "Loading weights" bar
        hf_logging.disable_progress_bar()
    try:
        return Tagger.load(
            model_args=model_args, max_seq_length=args.max_seq_length, batch_size=args.batch_size,
            device=args.device, entity_type=args.entity_type,
        )
    finally:
        if bars_were_on:
            hf_logging.enable_progress_bar()


def _tag_and_write(tagger: Tagger, documents, args: PredictArguments, output_format: str) -> tuple[dict, float]:
    """Tag the documents into ``args.output`` with a progress bar; the counts and the seconds taken."""
    from tqdm.auto import tqdm

    totals = {"documents": 0, "words": 0, "entities": 0}
    bar = tqdm(total=len(documents), unit="doc", desc="Tagging", disable=args.disable_tqdm, file=sys.stderr)
    started = time.perf_counter()

    def progress(documents_done: int, words_done: int) -> None:
        totals["words"] += words_done
        bar.update(documents_done)
        elapsed = time.perf_counter() - started
        bar.set_postfix_str(f"{totals['words'] / max(elapsed, 1e-9):.0f} words/s")

    try:
        with open_output(args.output) as out:
            for index, tagged in enumerate(tagger.tag_documents(documents, progress=progress)):
                totals["documents"] += 1
                totals["entities"] += len(tagged.entities)
                out.write(format_tagged(tagged, output_format, index == 0, args.output_words, args.write_scores))
    finally:
        bar.close()
    return totals, time.perf_counter() - started
