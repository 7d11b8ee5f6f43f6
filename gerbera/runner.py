"""What run_ner.py and run_eval.py share: logging, user-error handling, output-dir rules,
loading the model side, and the trainer."""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from dataclasses import dataclass
from pathlib import Path

import datasets
import transformers
from transformers import DataCollatorForTokenClassification

from .data import default_cache_dir
from .errors import GerberaError
from .features import WordEncoder
from .modeling import check_max_seq_length, load_config, load_tokenizer, resolve_model_path, trained_tagset
from .trainer import GerberaTrainer, argmax_logits

logger = logging.getLogger("gerbera")


@contextlib.contextmanager
def user_errors():
    """Report a user's mistake as one line on stderr and exit 2, without a traceback."""
    try:
        yield
    except GerberaError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None


def setup_logging(training_args) -> None:
    level = training_args.get_process_log_level()
    logging.basicConfig(
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
        datefmt="%H:%M:%S",
        handlers=[logging.StreamHandler(sys.stdout)],
    )
    # The toolkit's own messages (data summary, tag set, model) show on the main process.
    logging.getLogger("gerbera").setLevel(logging.INFO if training_args.should_log else logging.WARNING)
    datasets.utils.logging.set_verbosity(max(level, logging.WARNING))
    transformers.utils.logging.set_verbosity(level)
    transformers.utils.logging.disable_default_handler()
    transformers.utils.logging.enable_propagation()


def prepare_output_dir(output_dir: str, overwrite: bool, resume_from_checkpoint: str | None, training: bool) -> str | None:
    """The checkpoint to resume from, if any; refuse a non-empty output dir without --overwrite_output_dir."""
    path = Path(output_dir)
    if resume_from_checkpoint or not path.is_dir() or not any(path.iterdir()) or overwrite:
        return resume_from_checkpoint
    last = last_complete_checkpoint(output_dir) if training else None
    if last is not None:
        logger.info("Resuming from the last checkpoint found in --output_dir: %s", last)
        return last
    if training and _unfinished_run_without_checkpoint(path):
        logger.info("--output_dir %s holds a run that stopped before its first checkpoint: starting afresh", output_dir)
        return None
    raise GerberaError(
        f"--output_dir {output_dir} is not empty; add --overwrite_output_dir to write into it, or choose another folder"
    )


def _unfinished_run_without_checkpoint(path: Path) -> bool:
    record = path / "run_record.json"
    if not record.is_file():
        return False
    try:
        return json.loads(record.read_text(encoding="utf-8")).get("status") == "running"
    except (OSError, ValueError):
        return False


def last_complete_checkpoint(output_dir: str) -> str | None:
    """The newest ``checkpoint-N`` whose trainer state was written (a run killed while saving
    leaves a checkpoint without it, which is skipped)."""
    candidates = sorted(
        (p for p in Path(output_dir).glob("checkpoint-*") if p.name.split("-")[-1].isdigit()),
        key=lambda p: int(p.name.split("-")[-1]),
        reverse=True,
    )
    for checkpoint in candidates:
        if (checkpoint / "trainer_state.json").is_file():
            return str(checkpoint)
    return None


@dataclass
class ModelSide:
    """The model name, its config, tokenizer and (if trained) tag set."""

    name: str
    config: object
    tokenizer: object
    trained_tagset: object

    @classmethod
    def load(cls, model_args, max_seq_length: int) -> "ModelSide":
        name = resolve_model_path(model_args.model_name_or_path)
        config = load_config(name, model_args.trust_remote_code, model_args.cache_dir)
        tokenizer = load_tokenizer(name, config, model_args.trust_remote_code, model_args.cache_dir)
        check_max_seq_length(max_seq_length, config, tokenizer, name)
        return cls(name, config, tokenizer, trained_tagset(config, name))

    def encoder(self, max_seq_length: int) -> WordEncoder:
        return WordEncoder(self.tokenizer, max_seq_length)


def features_cache_dir(data_args) -> str:
    return data_args.features_cache_dir or str(default_cache_dir())


def make_trainer(model, training_args, data_args, tokenizer, train_dataset=None, eval_dataset=None, compute_metrics=None):
    if data_args.pad_to_max_length:
        collator = DataCollatorForTokenClassification(tokenizer, padding="max_length", max_length=data_args.max_seq_length)
    else:
        multiple = 8 if (training_args.fp16 or training_args.bf16) else None
        collator = DataCollatorForTokenClassification(tokenizer, pad_to_multiple_of=multiple)
    return GerberaTrainer(
        model=model,
        args=training_args,
        train_dataset=train_dataset,
        eval_dataset=eval_dataset,
        data_collator=collator,
        processing_class=tokenizer,
        compute_metrics=compute_metrics,
        preprocess_logits_for_metrics=argmax_logits,
    )
