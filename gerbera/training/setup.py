"""Setting up the trainer of a run: the batch collator (padding), the `GerberaTrainer` with its
scoring precision, the fast path and the preemption callback, and where tokenized features are cached.

run_ner.py and run_eval.py build their trainer here (`make_trainer`), from the parsed flags.
"""

from __future__ import annotations

import logging

from transformers import DataCollatorForTokenClassification

from gerbera.training.fast_path import describe as describe_fast_path
from gerbera.training.fixed_shapes import BucketPaddingCollator, length_buckets, parse_length_buckets
from gerbera.training.preemption import PreemptionCallback
from gerbera.training.trainer import GerberaTrainer, argmax_logits

logger = logging.getLogger("gerbera")


def fast_path_buckets(data_args) -> list[int]:
    """The padded widths of the fast path: one (max_seq_length) with --pad_to_max_length."""
    if data_args.pad_to_max_length:
        return [data_args.max_seq_length]
    if getattr(data_args, "length_buckets", None):
        return parse_length_buckets(data_args.length_buckets, data_args.max_seq_length)
    return length_buckets(data_args.max_seq_length)


def make_trainer(model, training_args, data_args, tokenizer, train_dataset=None, eval_dataset=None, compute_metrics=None,
                 scoring_precision: str = "fp32"):
    """The run's `GerberaTrainer`. Batches are padded to the fast path's buckets, to max_seq_length
    (--pad_to_max_length) or to their longest input; ``compute_metrics`` scores evaluation during
    training; a training run stops at a preemption signal with a checkpoint."""
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
