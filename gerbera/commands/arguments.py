"""Command-line arguments of run_ner.py and run_eval.py: GERBERA's own flags, the original's flags
that transformers dropped (`gerbera.commands.original_flags`), and every `TrainingArguments` flag of
the installed transformers. A single ``.json`` argument holds all flags (or is a run record to replay).

Flags are spelled in full (`gerbera.commands.parsers`), and each command's --help shows the flags it
uses (`gerbera.commands.command_flags`). After reading, `parse_arguments` takes four steps, in this
order: a command line that asks for nothing refused (`check_something_asked`), the original's flags
renamed (`rename_original_flags`), the toolkit's own defaults and refusals (`apply_toolkit_defaults`),
and the defaults chosen for this machine's hardware (`choose_hardware_defaults`).
"""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from transformers import HfArgumentParser, TrainingArguments

from gerbera import __version__
from gerbera.commands.command_flags import RUN_EVAL, RUN_NER, tailor_help
from gerbera.commands.log_noise import silence_known_noise
from gerbera.commands.original_flags import OriginalFlags, rename_original_flags
from gerbera.commands.parsers import StrictParsing
from gerbera.errors import GerberaError, UsageError
from gerbera.hardware import training_defaults
from gerbera.models.model_side import ModelArguments
from gerbera.reporting.record_paths import replayed_arguments
from gerbera.training.fast_path import ON_BY_DEFAULT as FAST_PATH_ON_BY_DEFAULT
from gerbera.training.fast_path import fast_path_choices


@dataclass
class DataArguments:
    data_dir: str = field(default="NERdata", metadata={"help": "Folder of datasets: <data_dir>/<dataset>/{train,devel,test}.txt."})
    labels: str | None = field(
        default=None,
        metadata={"help": "File with the shared tag set, one tag a line (O added when missing). Default: the "
                  "tags of the trained model, else of the training data. Untyped B/I/O reads typed tags as B/I."},
    )
    data_list: str | None = field(
        default=None,
        metadata={"help": "Datasets to train on, joined by '+': their train.txt files are concatenated "
                  "(e.g. NCBI-disease+CoNLL2003 for the multi-task step, NCBI-disease to fine-tune). "
                  "NAME:F takes a random fraction F of a dataset's sentences, seeded by --subset_seed "
                  "(else --data_seed, else --seed); F above 1 oversamples (e.g. NCBI-disease+CoNLL2003:0.25)."},
    )
    subset_seed: int | None = field(
        default=None,
        metadata={"help": "Seed of the NAME:F fractions of --data_list only (the batch order keeps --data_seed, else "
                  "--seed): runs with different --seed then train on the same subset in different orders. "
                  "Default: --data_seed, else --seed."},
    )
    eval_data_list: str | None = field(
        default=None,
        metadata={"help": "Datasets to score, joined by '+': devel.txt with --do_eval, test.txt with --do_predict; "
                  "scored together and each on its own. Default: the first dataset of --data_list."},
    )
    entity_types: str | None = field(
        default=None,
        metadata={"help": "For datasets read from PubTator or BioC: the annotation types that become tags, joined "
                  "by ',' (e.g. Disease for BC5CDR's disease task); mentions of other types are tagged O. Default: all."},
    )
    type_map: str | None = field(
        default=None,
        metadata={"help": "Read a corpus's entity types as the model's: MODEL_TYPE=CORPUS_TYPE pairs joined by ',' "
                  "(e.g. Chemical=Drug scores a Chemical model on a corpus typed Drug, or fine-tunes it there). An "
                  "untyped corpus (B, I, O) is read as the type of a model of one type without it."},
    )
    ignore_types: bool = field(
        default=False,
        metadata={"help": "Score spans without their types (cross-dataset evaluation of a model whose types the "
                  "corpus names otherwise, or lacks): gold and predicted tags are compared as B/I/O. Scoring only "
                  "(no eval loss is reported); not with --do_train."},
    )
    eval_data_type: str | None = field(
        default=None, metadata={"help": "A name for the evaluated data (e.g. linnaeus), recorded in the results."}
    )
    entity_type: str | None = field(
        default=None,
        metadata={"help": "For datasets read from PubTator or BioC, scored with untyped tags (B, I, O): the type "
                  "named in {eval,test}_predictions.pubtator/.bioc.* (e.g. Disease). Default: the dataset's own "
                  "type when its mentions have one (or --entity_types names one), else Entity."},
    )
    max_seq_length: int = field(
        default=128,
        metadata={"help": "Most sub-tokens per model input, special tokens included. Longer sentences are cut "
                  "into windows between words, so every word is still predicted."},
    )
    pad_to_max_length: bool = field(
        default=False,
        metadata={"help": "Pad every input to max_seq_length and sample at random, as the original did "
                  "(slower). Default: pad each batch to its longest input and group inputs of similar length."},
    )
    fast_path: bool | None = field(
        default=None,
        metadata={"help": "The GPU fast path (gerbera/training/fast_path.py): lengths padded to a few buckets, full training "
                  "batches, training compiled with CUDA graphs (--torch_compile_backend cudagraphs), no per-step host "
                  "syncs; on the CPU training is compiled with inductor instead. Default: "
                  + ("on for training on one CUDA GPU in one process; 'false' turns it off." if FAST_PATH_ON_BY_DEFAULT
                     else "off (not yet measured on a GPU); 'true' turns it on.")},
    )
    length_buckets: str | None = field(
        default=None,
        metadata={"help": "With the fast path: the widths batches are padded to, e.g. 32,64,128 (max_seq_length is "
                  "always one). Default: 16, then about 1.5x each, multiples of 16 (16,32,48,64,96,128 for 128)."},
    )
    general_data_list: str = field(
        default="CoNLL2003+OntoNotes+WNUT2016+WNUT2017+WikiANN+WikiNER+FewNERD+demo-news",
        metadata={"help": "Datasets of --data_list that are general-domain, joined by '+'; with --head domain "
                  "their examples train the general-domain branch, all others the biomedical one; with --head corpus "
                  "their heads are marked general (not given by run_predict.py by default)."},
    )
    head_types: str | None = field(
        default=None,
        metadata={"help": "With a head per corpus (--head corpus): the head of a dataset, DATASET=TYPE pairs joined by "
                  "',' (e.g. NCBI-disease=Disease). Training, it names an untyped dataset's head (default: the dataset's "
                  "name; a typed dataset's head is named by its type, or by the dataset with several types); scoring "
                  "another dataset than the model's (e.g. BC5CDR-disease=Disease), it names the head that scores it."},
    )
    overwrite_cache: bool = field(default=False, metadata={"help": "Rebuild cached features instead of loading them."})
    features_cache_dir: str | None = field(
        default=None,
        metadata={"help": "Where tokenized features are cached (Arrow files, keyed by the data files' contents, "
                  "tag set, tokenizer and max_seq_length). Default: $GERBERA_CACHE/features or ~/.cache/gerbera/features."},
    )


ARGUMENT_TYPES = (ModelArguments, DataArguments, OriginalFlags, TrainingArguments)
LOGGING_SHARE = 0.02  # --logging_steps when not given: every 2% of the steps (the Trainer rounds up: at least 1)
TRAINER_LOGGING_STEPS = 500  # the Trainer's own default

# What each command must be asked to do, and how the user asks it.
ACTIONS = {
    RUN_NER: {"do_train": "train on --data_list", "do_eval": "score devel.txt", "do_predict": "score test.txt"},
    RUN_EVAL: {"do_eval": "score devel.txt", "do_predict": "score test.txt"},
}


class StrictHfArgumentParser(StrictParsing, HfArgumentParser):
    """transformers' ``HfArgumentParser`` with the toolkit's rules (`gerbera.commands.parsers`): flags
    spelled in full, an unknown flag named in one line with the closest ones."""


def make_parser(description: str, command: str = RUN_NER) -> HfArgumentParser:
    parser = StrictHfArgumentParser(ARGUMENT_TYPES, description=description)
    parser.add_argument("--version", action="version", version=f"GERBERA toolkit {__version__}")
    tailor_help(parser, command)
    return parser


def check_something_asked(values: dict[str, Any], command: str) -> None:
    """Refuse a command line without any of the command's action flags: it would do nothing."""
    actions = ACTIONS.get(command, ACTIONS[RUN_NER])
    if not any(values.get(flag) for flag in actions):
        wanted = ", ".join(f"--{flag} ({what})" for flag, what in actions.items())
        raise UsageError(f"nothing to do: no action asked; add one or more of {wanted}")


def _given_on_command_line(parser: HfArgumentParser, argv: Sequence[str]) -> set[str]:
    """Names of the fields the user set (as opposed to defaults)."""
    options = {arg.split("=", 1)[0] for arg in argv if arg.startswith("-")}
    given = set()
    for action in parser._actions:
        if any(option in options for option in action.option_strings):
            given.add(action.dest)
    return given


def _read_values(parser: HfArgumentParser, argv: Sequence[str]) -> tuple[dict[str, Any], set[str]]:
    """Values of every field, and the names the user set. A first argument ending in .json holds
    the flags (or is a run record, whose recorded arguments are used); flags after it override."""
    if not argv or not argv[0].endswith(".json"):
        return vars(parser.parse_args(list(argv))), _given_on_command_line(parser, argv)
    try:
        with open(argv[0], encoding="utf-8") as handle:
            from_file = json.load(handle)
    except (OSError, json.JSONDecodeError) as error:
        raise GerberaError(f"{argv[0]}: cannot read the arguments file ({error})") from None
    defaults = vars(parser.parse_args([]))
    is_record = isinstance(from_file.get("arguments"), dict) and "environment" in from_file  # a run_record.json
    recorded_given = None
    if is_record:
        # what the recording machine's hardware chose is chosen anew for this machine
        automatic = from_file.get("hardware_choices") or {}
        recorded_given = from_file.get("given_flags")
        # its paths usable from here (gerbera.reporting.record_paths)
        from_file = {k: v for k, v in replayed_arguments(from_file, argv[0]).items() if k not in automatic}
    unknown = sorted(set(from_file) - set(defaults))
    if unknown:
        raise UsageError(f"{argv[0]}: unknown arguments: {', '.join(unknown)}")
    overrides = vars(parser.parse_args(list(argv[1:])))
    given_after = _given_on_command_line(parser, argv[1:])
    values = {**defaults, **from_file, **{k: overrides[k] for k in given_after}}
    if not is_record:
        chosen_in_file = set(from_file)
    elif recorded_given is not None:  # the flags the recorded run's user gave
        chosen_in_file = set(recorded_given) & set(from_file)
    else:  # an older record holds every flag: those at their defaults were not the user's choice
        chosen_in_file = {k for k, v in from_file.items() if v != defaults[k]}
    return values, chosen_in_file | given_after


def apply_toolkit_defaults(values: dict[str, Any], given: set[str]) -> None:
    """The toolkit's own rules over `TrainingArguments` values: its defaults for the flags the user
    did not set (``given``), and the flags it refuses."""
    if not values.get("do_train"):
        # Nothing to evaluate "during": the Trainer refuses an eval strategy without an eval set.
        values["eval_strategy"] = "no"
    for flag in ("prediction_loss_only", "batch_eval_metrics"):
        if values.get(flag):
            raise UsageError(f"--{flag} is not supported: the toolkit scores whole datasets and writes every prediction")
    if "train_sampling_strategy" not in given and not values["pad_to_max_length"]:
        values["train_sampling_strategy"] = "group_by_length"
    if "eval_do_concat_batches" not in given:
        # The Trainer's running concatenation of batch outputs is quadratic in the number of
        # batches; the toolkit joins the per-batch arrays once (gerbera.features.word_predictions).
        values["eval_do_concat_batches"] = False
    if "logging_steps" not in given:
        # A training curve of about 50 points whatever the run's length (the Trainer's 500 steps gave a 116-step
        # run one point); evaluations stay every 500 steps, where they followed the logging steps.
        if values.get("eval_strategy") == "steps" and values.get("eval_steps") is None:
            values["eval_steps"] = TRAINER_LOGGING_STEPS
        values["logging_steps"] = LOGGING_SHARE
    if values.get("output_dir") is None:
        raise UsageError("--output_dir is required")


def choose_hardware_defaults(values: dict[str, Any], given: set[str]) -> dict[str, Any]:
    """Set in ``values`` the defaults chosen for this machine (`gerbera.hardware.training_defaults`,
    and the fast path's, `gerbera.training.fast_path.fast_path_choices`) for the flags the user did
    not set, and return them: they are logged and recorded apart, and a replayed run record
    chooses them anew."""
    chosen = training_defaults(given, values)
    chosen.update(fast_path_choices(values, given))
    values.update(chosen)
    return chosen


def parse_arguments(argv: Sequence[str] | None, description: str, command: str = RUN_NER):
    """Parse argv (or one .json file) into (model, data, original flags, training) argument objects,
    for ``command`` (run_ner or run_eval: its --help and the actions it can be asked)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    silence_known_noise()
    parser = make_parser(description, command)
    values, given = _read_values(parser, argv)
    check_something_asked(values, command)
    rename_original_flags(values, given)
    apply_toolkit_defaults(values, given)
    hardware_choices = choose_hardware_defaults(values, given)
    result = []
    for dtype in ARGUMENT_TYPES:
        names = {f.name for f in dataclasses.fields(dtype) if f.init}
        try:
            result.append(dtype(**{k: v for k, v in values.items() if k in names}))
        except (ValueError, TypeError) as error:
            raise UsageError(f"invalid arguments: {error}") from None
    result[-1].hardware_choices = hardware_choices  # logged, and recorded apart from the user's flags
    result[-1].given_flags = sorted(given)  # recorded: a replay tells the user's choices from defaults
    return tuple(result)
