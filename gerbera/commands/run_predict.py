"""run_predict.py: tag new text (plain text, PubTator, column files) with a trained model.

Input formats (``--input_format``):

- ``text-lines``: plain text, one document a line; blank lines are skipped; a document's id is
  its line number (1-based).
- ``text``: plain text, the whole file one document (blank lines separate paragraphs, which
  never share a sentence); its id is the file name without extension.
- ``pubtator``: ``PMID|t|title`` and ``PMID|a|abstract`` lines. The text is ``title + " " +
  abstract`` (PubTator's offset convention); title and abstract are segmented on their own, so
  no entity crosses from one into the other. Annotation and relation lines of the input are
  ignored: the output holds the predicted entities only.
- ``conll``: a column file as in NERdata (``word`` or ``word ... tag`` a line, a blank line
  ending a sentence; tags, if any, are ignored). The words are tagged as they are, exactly as
  ``run_eval.py`` tags them; each sentence is a document whose id is its number (1-based) and
  whose text is its words joined by single spaces (offsets count into that text).
- ``auto`` (default): ``pubtator`` for a ``.pubtator`` file or when the first non-blank line is
  ``ID|t|...`` or ``ID|a|...``; ``conll`` for a ``.conll``/``.iob``/``.iob2``/``.bio`` file, when
  it starts with ``-DOCSTART-``, or when every non-blank line is ``word ... tag``, all with the
  same number of columns and a tag of a known scheme (``O``, ``B``, ``I-Disease``, ...) in the
  last; else ``text-lines``. A
  words-only column file (one word a line) reads like one-line documents: name it ``.conll`` or
  give ``--input_format conll``.

Text is read as UTF-8 (a byte-order mark is dropped); line ends are kept as they are, so
offsets count the characters of the decoded file (a CRLF is two).

Output formats (``--output_format``; ``auto``: from the output file's extension, ``.jsonl``,
``.json`` or ``.ndjson`` -> ``jsonl``, ``.pubtator`` or ``.txt`` -> ``pubtator``; ``-`` writes
JSON Lines to stdout):

- ``jsonl``: one JSON object a document, ``{"id", "text", "entities": [{"start", "end", "text",
  "type", "score"}]}``, with ``text[start:end] == entity text``; ``--output_words`` adds
  ``"words": [{"text", "start", "end", "tag", "score"}]``, every word with its predicted tag.
- ``pubtator``: title and abstract lines, then ``PMID<TAB>start<TAB>end<TAB>mention<TAB>type``
  a predicted entity (``--write_scores`` adds an empty identifier column and the score). A
  document read from plain text or a column file has an empty title and its text as the
  abstract, so its offsets are one more than in JSON Lines (PubTator counts from the title's
  start, the abstract starting at ``len(title) + 1``). PubTator lines cannot hold tabs or line
  breaks: in this output they become spaces (same length, so offsets stay valid).
"""

from __future__ import annotations

import json
import logging
import re
import sys
import time
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator, TextIO

from transformers import HfArgumentParser

from gerbera import __version__
from gerbera.commands.arguments import ModelArguments
from gerbera.corpora.column_files import DOCSTART, decode_utf8, read_column_file
from gerbera.errors import GerberaError
from gerbera.outputs import atomic_open
from gerbera.tagging.pubtator import Annotation, Document, format_pubtator, parse_pubtator
from gerbera.commands.session import user_errors
from gerbera.tagging.tagger import DEFAULT_ENTITY_TYPE, InputDocument, TaggedDocument, Tagger, words_document
from gerbera.corpora.tags import parse_tag

logger = logging.getLogger("gerbera")

DESCRIPTION = (
    "Tag new text with a trained NER model: plain text, PubTator or column files in, entity spans with exact "
    "character offsets out, as JSON Lines or PubTator."
)

INPUT_FORMATS = ("auto", "text", "text-lines", "pubtator", "conll")
OUTPUT_FORMATS = ("auto", "jsonl", "pubtator")
CONLL_EXTENSIONS = {".conll", ".iob", ".iob2", ".bio"}
JSONL_EXTENSIONS = {".jsonl", ".json", ".ndjson"}
PUBTATOR_EXTENSIONS = {".pubtator", ".txt"}
_PUBTATOR_PASSAGE = re.compile(r"[^\t|]+\|[ta]\|")
_COLUMNS = re.compile(r"[ \t]+")
_NOT_IN_PUBTATOR = str.maketrans({"\t": " ", "\n": " ", "\r": " "})


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
    parser = HfArgumentParser((ModelArguments, PredictArguments), description=DESCRIPTION)
    parser.add_argument("--version", action="version", version=f"GERBERA toolkit {__version__}")
    return parser


def main(argv=None) -> dict:
    with user_errors():
        argv = sys.argv[1:] if argv is None else list(argv)
        model_args, args = make_parser().parse_args_into_dataclasses(argv)
        return run(model_args, args)


# ----------------------------------------------------------------------------------------------
# input


def _read_text(path: str) -> str:
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as error:
        raise GerberaError(f"--input {path}: cannot read the file ({error.strerror or error})") from None
    return decode_utf8(data, path)


def _lines(content: str) -> list[str]:
    return [line[:-1] if line.endswith("\r") else line for line in content.split("\n")]


def detect_input_format(path: str, content: str) -> str:
    """The format of ``--input_format auto`` (see the module docstring)."""
    suffix = Path(path).suffix.lower() if path != "-" else ""
    if suffix == ".pubtator":
        return "pubtator"
    if suffix in CONLL_EXTENSIONS:
        return "conll"
    lines = [line for line in _lines(content) if line.strip()]
    if not lines:
        return "text-lines"
    if _PUBTATOR_PASSAGE.match(lines[0]):
        return "pubtator"
    if lines[0].strip(" \t").split(" ")[0].split("\t")[0] == DOCSTART:
        return "conll"
    widths = set()
    for line in lines[:5000]:
        columns = _COLUMNS.split(line.strip(" \t"))
        if columns[0] == DOCSTART:
            continue
        if len(columns) < 2 or parse_tag(columns[-1]) is None:
            return "text-lines"
        widths.add(len(columns))
    return "conll" if len(widths) == 1 else "text-lines"


def _document_id(path: str) -> str:
    return _pubtator_safe_id("stdin" if path == "-" else Path(path).stem)


def _pubtator_safe_id(text: str) -> str:
    """An id that cannot break a PubTator line (no |, tab or line break)."""
    return re.sub(r"[|\t\n\r]", "_", text) or "document"


def read_documents(path: str, input_format: str) -> tuple[str, list[InputDocument]]:
    """The documents of ``path`` (``-``: stdin) and the format they were read as."""
    if input_format == "conll" or (input_format == "auto" and Path(path).suffix.lower() in CONLL_EXTENSIONS):
        return "conll", _column_documents(path)
    content = _read_text(path)
    if input_format == "auto":
        input_format = detect_input_format(path, content)
        logger.info("--input %s read as %s (give --input_format to choose)", path, input_format)
    if input_format == "conll":
        return input_format, _column_documents(path)
    if input_format == "pubtator":
        documents = parse_pubtator(content, "<stdin>" if path == "-" else path, check_mentions=False)
        return input_format, [InputDocument(d.id, d.text, passages=d.passages, source=d) for d in documents]
    if input_format == "text":
        return input_format, [InputDocument(_document_id(path), content)] if content.strip() else []
    documents = [InputDocument(str(number), line) for number, line in enumerate(_lines(content), start=1) if line.strip()]
    return input_format, documents


def _column_documents(path: str) -> list[InputDocument]:
    if path == "-":
        raise GerberaError("--input_format conll reads a file, not stdin")
    sentences = read_column_file(path, require_tags=False)
    return [words_document(str(i), sentence.words) for i, sentence in enumerate(sentences, start=1)]


# ----------------------------------------------------------------------------------------------
# output


def choose_output_format(output: str, output_format: str) -> str:
    if output_format != "auto":
        return output_format
    if output == "-":
        return "jsonl"
    name = Path(output).name.lower()
    suffix = Path(name).suffix
    if suffix in JSONL_EXTENSIONS:
        return "jsonl"
    if suffix in PUBTATOR_EXTENSIONS:
        return "pubtator"
    raise GerberaError(
        f"--output {output}: cannot tell the format from the extension; name it .jsonl or .pubtator, "
        "or give --output_format jsonl|pubtator"
    )


def jsonl_record(tagged: TaggedDocument, output_words: bool = False) -> dict:
    record = {
        "id": tagged.document.id,
        "text": tagged.document.text,
        "entities": [entity.as_dict() for entity in tagged.entities],
    }
    if output_words:
        record["words"] = tagged.words()
    return record


def pubtator_document(tagged: TaggedDocument) -> Document:
    """The tagged document as PubTator: the input's title and abstract, or an empty title."""
    source = tagged.document.source
    if isinstance(source, Document):
        title, abstract, shift = source.title, source.abstract, 0
    else:
        title, abstract, shift = "", tagged.document.text, 1
    annotations = [
        Annotation(e.start + shift, e.end + shift, e.text.translate(_NOT_IN_PUBTATOR), e.type, None, round(e.score, 6))
        for e in tagged.entities
    ]
    return Document(
        _pubtator_safe_id(tagged.document.id), title.translate(_NOT_IN_PUBTATOR), abstract.translate(_NOT_IN_PUBTATOR), annotations
    )


@contextmanager
def open_output(path: str) -> Iterator[TextIO]:
    """stdout for '-', else a temporary file beside ``path`` renamed into place when complete."""
    if path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    if Path(path).is_dir():
        raise GerberaError(f"--output {path} is a folder; give a file name")
    with ExitStack() as stack:
        try:
            out = stack.enter_context(atomic_open(path))
        except OSError as error:
            raise GerberaError(f"--output {path}: cannot write there ({error.strerror or error})") from None
        yield out


# ----------------------------------------------------------------------------------------------


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
    _setup_logging()
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
    input_format, documents = read_documents(args.input, args.input_format)

    from transformers.utils import logging as hf_logging

    bars_were_on = hf_logging.is_progress_bar_enabled()
    if args.disable_tqdm:  # also the "Loading weights" bar
        hf_logging.disable_progress_bar()
    try:
        tagger = Tagger.load(
            model_args=model_args, max_seq_length=args.max_seq_length, batch_size=args.batch_size,
            device=args.device, entity_type=args.entity_type,
        )
    finally:
        if bars_were_on:
            hf_logging.enable_progress_bar()
    logger.info("Tagging %d documents (%s) with %s on %s in %s, tags: %s", len(documents), input_format, tagger.name,
                tagger.device, tagger.precision, ", ".join(tagger.tagset.labels))

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
                if output_format == "jsonl":
                    out.write(json.dumps(jsonl_record(tagged, args.output_words), ensure_ascii=False) + "\n")
                else:
                    out.write(("\n" if index else "") + format_pubtator([pubtator_document(tagged)], args.write_scores))
    finally:
        bar.close()
    seconds = time.perf_counter() - started
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
