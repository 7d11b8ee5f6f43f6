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
import torch
import transformers
from transformers import DataCollatorForTokenClassification

from gerbera.training.fast_path import describe as describe_fast_path
from gerbera.training.fixed_shapes import BucketPaddingCollator, length_buckets, parse_length_buckets
from gerbera.features.datasets import default_cache_dir
from gerbera.errors import GerberaError
from gerbera.features.word_pieces import WordEncoder
from gerbera.hardware import describe_choices
from gerbera.training.preemption import PreemptionCallback
from gerbera.models.domain_head import HEAD_CONFIG_KEY
from gerbera.models.original_checkpoints import WORD_TOKENIZATION_CONFIG_KEY
from gerbera.models.loading import (
    check_max_seq_length,
    checkpoint_layout,
    choose_word_tokenization,
    load_config,
    load_tokenizer,
    resolve_model_path,
    trained_tagset,
)
from gerbera.training.trainer import GerberaTrainer, argmax_logits

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
    chosen = getattr(training_args, "hardware_choices", None)
    if chosen:
        logger.info(describe_choices(chosen, on_gpu=not training_args.use_cpu and torch.cuda.is_available()))


def prepare_output_dir(output_dir: str, overwrite: bool, resume_from_checkpoint: str | None, training: bool,
                       arguments: dict | None = None) -> str | None:
    """The checkpoint to resume from, if any; refuse a non-empty output dir without --overwrite_output_dir.

    A run interrupted by a preemption signal (`gerbera.training.preemption`) is resumed by the same command,
    even one with --overwrite_output_dir: its record holds the same ``arguments``."""
    path = Path(output_dir)
    if resume_from_checkpoint or not path.is_dir() or not any(path.iterdir()):
        return resume_from_checkpoint
    if overwrite:
        last = _checkpoint_of_interrupted_run(path, arguments) if training else None
        if last is not None:
            logger.info("Resuming the interrupted run in --output_dir from %s (same command; remove the folder to "
                        "start afresh)", last)
        return last
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


def _recorded_run(path: Path) -> dict:
    try:
        return json.loads((path / "run_record.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _unfinished_run_without_checkpoint(path: Path) -> bool:
    return _recorded_run(path).get("status") in ("running", "interrupted")


def _checkpoint_of_interrupted_run(path: Path, arguments: dict | None) -> str | None:
    """The checkpoint the folder's run saved when a signal interrupted it, if that run had exactly
    these (resolved) arguments and the checkpoint is complete (not whatever older run's checkpoint
    numbers higher)."""
    record = _recorded_run(path)
    if arguments is None or record.get("status") != "interrupted":
        return None
    if record.get("arguments") != json.loads(json.dumps(arguments)):
        return None
    checkpoint = (record.get("interrupted") or {}).get("checkpoint")
    return checkpoint if checkpoint and _whole_json(Path(checkpoint) / "trainer_state.json") else None


def last_complete_checkpoint(output_dir: str) -> str | None:
    """The newest ``checkpoint-N`` whose trainer state was written whole. The Trainer writes that
    file last, and not atomically: a run killed while saving leaves a checkpoint without it, or
    with a truncated one, and such a checkpoint is skipped."""
    candidates = sorted(
        (p for p in Path(output_dir).glob("checkpoint-*") if p.name.split("-")[-1].isdigit()),
        key=lambda p: int(p.name.split("-")[-1]),
        reverse=True,
    )
    for checkpoint in candidates:
        if _whole_json(checkpoint / "trainer_state.json"):
            return str(checkpoint)
    return None


def _whole_json(path: Path) -> bool:
    try:
        json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return True


@dataclass
class ModelSide:
    """The model name, its config, tokenizer and (if trained) tag set, and how words are tokenized.

    ``layout`` is the kind of checkpoint (`gerbera.models.loading.checkpoint_layout`): ``original`` (saved
    by the original GERBERA code), ``domain`` (the toolkit's domain head) or ``shared``. With
    ``--head domain`` an encoder is marked for the domain head in its config, so that
    `gerbera.models.loading.load_model` builds it; a checkpoint that has a head keeps its own.
    """

    name: str
    config: object
    tokenizer: object
    trained_tagset: object
    word_tokenization: str | None = None  # the --word_tokenization flag (None: decided by the model)
    layout: str = "shared"

    MODE_NOTES = {
        "legacy": "each word tokenized alone without a leading space, as the original code did",
        "standard": "each word tokenized as if after a space",
    }

    @classmethod
    def load(cls, model_args, max_seq_length: int) -> "ModelSide":
        name = resolve_model_path(model_args.model_name_or_path)
        config = load_config(name, model_args.trust_remote_code, model_args.cache_dir)
        layout = checkpoint_layout(config)
        head = getattr(model_args, "head", None)
        if layout == "original":
            logger.info(
                "%s: a checkpoint of the original GERBERA code (%s): its biomedical and general-domain "
                "tag branches are used, as the original computed them", name, ", ".join(config.architectures),
            )
        elif layout == "domain":
            logger.info("%s: a model with the domain head (biomedical and general-domain branches)", name)
        elif head == "domain":
            if trained_tagset(config, name) is not None:
                raise GerberaError(
                    f"--head domain: {name} was trained with the shared tag head; start the domain head from an "
                    "encoder or a model trained with --head domain (or leave --head out)"
                )
            logger.info("--head domain: %s gets a biomedical and a general-domain tag branch", name)
            setattr(config, HEAD_CONFIG_KEY, "domain")
        tokenizer = load_tokenizer(name, config, model_args.trust_remote_code, model_args.cache_dir)
        check_max_seq_length(max_seq_length, config, tokenizer, name)
        return cls(name, config, tokenizer, trained_tagset(config, name), getattr(model_args, "word_tokenization", None), layout)

    @property
    def uses_domain_head(self) -> bool:
        return self.layout in ("original", "domain") or getattr(self.config, HEAD_CONFIG_KEY, None) == "domain"

    def word_tokenization_mode(self) -> tuple[str, str]:
        """The mode and why: --word_tokenization, else recorded in the model, else legacy for
        checkpoints of the original code, else standard."""
        return choose_word_tokenization(self.word_tokenization, self.config)

    def encoder(self, max_seq_length: int) -> WordEncoder:
        """The WordEncoder of the run. The mode is logged and recorded in the config, so a model
        trained from here is saved with it and evaluated the same way later."""
        mode, reason = self.word_tokenization_mode()
        logger.info("Word tokenization: %s (%s): %s", mode, reason, self.MODE_NOTES[mode])
        setattr(self.config, WORD_TOKENIZATION_CONFIG_KEY, mode)
        return WordEncoder(self.tokenizer, max_seq_length, mode=mode)


def features_cache_dir(data_args) -> str:
    return data_args.features_cache_dir or str(default_cache_dir())


def fast_path_buckets(data_args) -> list[int]:
    """The padded widths of the fast path: one (max_seq_length) with --pad_to_max_length."""
    if data_args.pad_to_max_length:
        return [data_args.max_seq_length]
    if getattr(data_args, "length_buckets", None):
        return parse_length_buckets(data_args.length_buckets, data_args.max_seq_length)
    return length_buckets(data_args.max_seq_length)


def make_trainer(model, training_args, data_args, tokenizer, train_dataset=None, eval_dataset=None, compute_metrics=None,
                 scoring_precision: str = "fp32"):
    fast_path = bool(getattr(data_args, "fast_path", False))
    if fast_path:
        collator = BucketPaddingCollator(tokenizer, fast_path_buckets(data_args))
    elif data_args.pad_to_max_length:
        collator = DataCollatorForTokenClassification(tokenizer, padding="max_length", max_length=data_args.max_seq_length)
    else:
        multiple = 8 if (training_args.fp16 or training_args.bf16) else None
        collator = DataCollatorForTokenClassification(tokenizer, pad_to_multiple_of=multiple)
    trainer = GerberaTrainer(
        model=model,
        args=training_args,
        train_dataset=train_dataset,
        eval_dataset=eval_dataset,
        data_collator=collator,
        processing_class=tokenizer,
        compute_metrics=compute_metrics,
        preprocess_logits_for_metrics=argmax_logits,
    )
    trainer.scoring_precision = scoring_precision
    if fast_path:
        trainer.fast_path = True
        # the fast path itself turned the stock check off (a user's --logging_nan_inf_filter false stays off)
        trainer.nonfinite_check_on_device = getattr(training_args, "hardware_choices", {}).get("logging_nan_inf_filter") is False
        logger.info(describe_fast_path(training_args, collator.buckets))
    if train_dataset is not None:
        trainer.add_callback(PreemptionCallback())
    return trainer
