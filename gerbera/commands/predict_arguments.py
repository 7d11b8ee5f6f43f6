"""The flags of run_predict.py: the model to tag with, what to read and where to write, and how.

Every flag has a sentence of help and its default; ``run_predict.py --help`` shows them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from gerbera.documents.formats import INPUT_FORMATS, OUTPUT_FORMATS
from gerbera.runtimes.settings import SETTINGS
from gerbera.tagging.entities import DEFAULT_ENTITY_TYPE

__all__ = ["DESCRIPTION", "PredictArguments", "PredictModelArguments"]

DESCRIPTION = (
    "Tag new text with a trained NER model: plain text, PubTator, BioC or PubMed XML files in (one file, or folders "
    "and globs of them), entity spans with exact character offsets out, as JSON Lines, PubTator or BioC. Into a "
    "folder the work is cut into units that a rerun resumes and that torchrun or --shard share among processes."
)
INPUT_FORMAT_HELP = (
    "text-lines: one document a line; text: the whole file one document; pubtator: PMID|t|title and PMID|a|abstract "
    "lines; conll: a column file, tagged word for word; bioc-xml, bioc-json: BioC, every passage tagged; medline: "
    "PubMed/MEDLINE XML (PubmedArticleSet), title and abstract tagged."
)


@dataclass
class PredictModelArguments:
    """The model flags of run_predict.py (the model-loading flags of run_eval.py, without a default model)."""

    model_name_or_path: str | None = field(
        default=None,
        metadata={"help": "The trained model to tag with: a folder saved by run_ner.py (or a hub name of a "
                  "token-classification model). This or --model is required: an encoder without a trained tag "
                  "head cannot tag."},
    )
    model: list[str] | None = field(
        default=None,
        metadata={"help": "Several models in one run, each NAME=PATH, e.g. --model Disease=./gerbera_ncbi "
                  "Gene=./gerbera_bc2gm: each document is read and segmented once, each model tags it, and one "
                  "output holds every model's entities with their type and model. An untyped model's entities take "
                  "NAME as their type; a typed model keeps its own types (NAME names it). No two models may give "
                  "one type, and all must use one tag scheme. Instead of --model_name_or_path.", "nargs": "+"},
    )
    general_heads: bool = field(
        default=False,
        metadata={"help": "A model with a head per corpus: tag with its general-domain heads too (default off: "
                  "only the heads of biomedical corpora give entities)."},
    )
    cache_dir: str | None = field(default=None, metadata={"help": "Where hub downloads are stored (default: the hub's own cache)."})
    trust_remote_code: bool = field(
        default=False, metadata={"help": "Allow a model folder's own Python code to run (default off: never needed for standard encoders)."}
    )
    word_tokenization: str | None = field(
        default=None,
        metadata={"help": "How words become sub-tokens: 'standard' (each word as if after a space) or 'legacy' "
                  "(each word alone, as the original GERBERA code did). Default: what the model was trained with "
                  "('legacy' for checkpoints of the original code, else 'standard').",
                  "choices": ["standard", "legacy"]},
    )
    scoring_precision: str = field(
        default="fp32",
        metadata={"help": "Runtime and precision of the forward pass. 'fp32' (default): PyTorch fp32, the same tags on "
                  "any machine. 'bf16': bf16 autocast (GPUs, bf16 CPUs). 'int8': PyTorch dynamic int8 (CPU). "
                  "'onnx-fp32', 'onnx-int8': ONNX Runtime on an export of the model, cached (CPU). 'auto': the fastest "
                  "setting that the model's certificate for this kind of machine (python -m gerbera.certify) holds "
                  "within --max_f1_loss F1 points of fp32, else fp32.",
                  "choices": [*SETTINGS, "auto"], "aliases": ["--precision"]},
    )
    max_f1_loss: float = field(
        default=0.5,
        metadata={"help": "With --scoring_precision auto: the most F1 points a setting may lose against fp32, at the "
                  "low end of its certificate's 95 percent interval (default 0.5)."},
    )


@dataclass
class PredictArguments:
    input: list[str] = field(
        metadata={"help": "What to tag: files, folders (every file under them) and quoted globs ('pubmed/*.xml.gz'), "
                  "any mix, several values allowed; .gz files are read as they are; '-' reads stdin. Required.",
                  "nargs": "+"},
    )
    output: str = field(
        metadata={"help": "Where to write. One input file: a file ('-': JSON Lines to stdout), or a folder when it "
                  "exists or ends with '/'. Several inputs, a folder or a glob: a folder holding one output per "
                  "unit of work, named after its input, a manifest.jsonl, and what a rerun needs to resume. Required."},
    )
    overwrite_output: bool = field(
        default=False,
        metadata={"help": "Replace an existing --output file (default off: it is refused). Into a folder: replace the "
                  "files there that have the names of its outputs but were not written by a tagging run into it "
                  "(a folder of an earlier run is resumed, not overwritten)."},
    )
    input_format: str = field(
        default="auto",
        metadata={"help": "Format of the inputs (default auto: detected file by file from the content and the "
                  "extension). " + INPUT_FORMAT_HELP, "choices": list(INPUT_FORMATS)},
    )
    output_format: str = field(
        default="auto",
        metadata={"help": "Format of the outputs (default auto: into a folder, the input's own format: BioC in, "
                  "BioC out; PubTator and PubMed XML give PubTator; plain text and column files give jsonl. Into "
                  "a file, from its extension: .jsonl/.json jsonl, .pubtator/.txt pubtator).",
                  "choices": list(OUTPUT_FORMATS)},
    )
    part_documents: int = field(
        default=10_000,
        metadata={"help": "Documents per unit of work (default 10000): a longer input file is tagged in parts of "
                  "this many documents, each with its own output file, finished or redone as a whole on resume "
                  "and given to one process. A shorter file is one unit: to share one file among N processes, give "
                  "at most its documents / N."},
    )
    shard: str | None = field(
        default=None,
        metadata={"help": "K/N: tag only the K-th of N equal shares of the units (K from 0), for job arrays, e.g. "
                  "--shard $SLURM_ARRAY_TASK_ID/100 (default: all units; under torchrun the ranks share them)."},
    )
    skip_bad_documents: bool = field(
        default=False,
        metadata={"help": "Leave out a malformed document, list it in the manifest (file, id, reason) and go on "
                  "(default off: the first one stops the run with an error naming file and line; finished units are kept)."},
    )
    entity_type: str = field(
        default=DEFAULT_ENTITY_TYPE,
        metadata={"help": f"Type of the entities of a model with untyped tags (B, I, O), e.g. Disease (default "
                  f"{DEFAULT_ENTITY_TYPE}). A typed model's entities take the type of its tags (B-Chemical: Chemical)."},
    )
    max_seq_length: int = field(
        default=128,
        metadata={"help": "Most sub-tokens per model input, special tokens included (default 128); longer sentences "
                  "are cut into windows between words, as in run_eval.py (use the same value to get the same predictions)."},
    )
    batch_size: int = field(
        default=32, metadata={"help": "Model inputs per forward pass (default 32).", "aliases": ["--per_device_eval_batch_size"]}
    )
    device: str = field(
        default="auto",
        metadata={"help": "cpu, cuda, cuda:1, ... (default auto: the GPU if there is one). Under torchrun, auto and cuda "
                  "mean each process's own GPU (LOCAL_RANK); cuda:1 is cuda:1."},
    )
    num_threads: int | None = field(
        default=None,
        metadata={"help": "CPU threads for torch (default: one per core; the processes of one --shard or torchrun run "
                  "on one machine share out its cores, and say so in the log). Fastest measured on a CPU: one --shard "
                  "process per core with 1 thread each (1.15x one process with every core on 2 quiet cores; 3x on a busy "
                  "machine, where 1 thread is faster for a single process too)."},
    )
    output_words: bool = field(
        default=False, metadata={"help": "JSON Lines: add every word with its offsets, predicted tag and probability (default off)."}
    )
    write_scores: bool = field(
        default=False,
        metadata={"help": "PubTator: add each entity's score as a 7th column, after the identifier column (-) (default off)."},
    )
    disable_tqdm: bool = field(default=False, metadata={"help": "No progress bar (default: a bar on stderr)."})
