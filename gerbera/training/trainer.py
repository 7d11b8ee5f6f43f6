"""`GerberaTrainer`: the Hugging Face `Trainer` with the loss NER needs, its samplers, and nothing pickled.

- The training loss divides a batch's summed token loss by a constant, not by the batch's own
  token count (`GerberaTrainer`): with length-grouped batches a per-batch mean made tokens of
  short sentences weigh more, which cost about 1 F1 point over whole runs on a small training set
  (bench/README.md, "Accuracy"); with the constant, the length-grouped order is as accurate as
  random order.
- Training with ``train_sampling_strategy="group_by_length"`` builds batches of similar length
  (little padding) and serves them in random order (`gerbera.training.sampling`). Lengths come
  from the features' ``length`` column (the stock Trainer drops that column first and re-measures
  every example in Python).
- Evaluation always keeps the dataset's order (the stock Trainer length-groups evaluation
  batches too, which reorders predictions); evaluation sets are sorted by length up front, so
  their batches carry little padding anyway. It runs in the scoring precision
  (`gerbera.hardware.scoring_precision`), whatever precision training uses.
"""

from __future__ import annotations

import os
from pathlib import Path

import pyarrow.compute
import torch
from torch.utils.data import SequentialSampler
from transformers import Trainer
from transformers.trainer_utils import TrainOutput

from gerbera.errors import GerberaError
from gerbera.hardware import SCORING_PRECISIONS, scoring_precision
from gerbera.outputs import follow_umask
from gerbera.runtimes.settings import forward_for
from gerbera.training.fast_path import FastPathTrainerMixin
from gerbera.training.head_routing import HEAD_IDS, HeadColumns
from gerbera.training.loader_workers import shield_workers
from gerbera.training.preemption import PreemptionCallback
from gerbera.training.sampling import SamplerEpochCallback, ShuffledLengthGroupedSampler, data_order_seed


def tagged_tokens_per_row(dataset) -> float:
    """The mean number of tokens with a label (not -100) in a row of ``dataset``: with the
    standard word tokenization, the words of a window. Reads the labels column only, in chunks."""
    rows = tagged = 0
    for chunk in dataset.select_columns(["labels"]).with_format("arrow").iter(batch_size=65536):
        labels = chunk["labels"]
        rows += len(labels)
        flat = pyarrow.compute.list_flatten(labels)
        tagged += pyarrow.compute.sum(pyarrow.compute.not_equal(flat, -100)).as_py() or 0
    return tagged / rows if tagged else 1.0


class GerberaTrainer(FastPathTrainerMixin, Trainer):
    """The loss of a training batch is the summed cross-entropy of its tagged tokens divided by the
    number of tagged tokens a batch holds *on average* (a constant of the training set), not by
    the number in this batch. Every tagged token then weighs the same whatever batch it lands in,
    as it nearly does with random batches and a per-batch mean. With a per-batch mean and
    length-grouped batches, a token in a batch of short sentences would weigh several times
    more than one in a batch of long sentences (``batch_mean_loss = True`` restores the
    per-batch mean; bench/sampling_f1.py compares the two).

    The Trainer adds the losses of accumulated micro-batches, so each is divided by the
    accumulation steps here; data parallelism averages the processes' gradients. (The stock
    Trainer, seeing a model forward that takes ``**kwargs``, assumes the model divided by the
    step's token count and skips dividing by the accumulation steps, which a token classifier's
    per-batch mean does not do.) Evaluation batches report their per-batch mean. With label
    smoothing, a ``compute_loss_func`` or other label names, the stock loss is used."""

    batch_mean_loss = False
    scoring_precision = "fp32"  # evaluation's setting (gerbera.runtimes.settings)
    scoring_identity = staticmethod(lambda: None)  # the model folder's fingerprint, for an ONNX export (run_eval.py)

    @property
    def owns_loss(self) -> bool:
        return self.label_smoother is None and self.compute_loss_func is None and self.label_names == ["labels"]

    @property
    def loss_is_scaled_for_ga(self) -> bool | None:
        """Read by the Trainer: True (compute_loss divides by the accumulation steps), or None
        (the stock rule) where the stock loss is used."""
        return True if self.owns_loss else None

    def head_columns(self) -> HeadColumns | None:
        """The columns of each head of a model with a head per corpus (`gerbera.training.head_routing`)."""
        if not hasattr(self, "_head_columns"):
            self._head_columns = HeadColumns.of(self.model.config)
        return self._head_columns

    def _set_signature_columns_if_needed(self):
        super()._set_signature_columns_if_needed()
        if HEAD_IDS not in self._signature_columns:  # read by the loss and scoring, not by the model
            self._signature_columns.append(HEAD_IDS)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        head_ids = inputs.get(HEAD_IDS)
        if head_ids is not None and not (self.owns_loss and "labels" in inputs):
            raise GerberaError("a head per corpus trains with the toolkit's own loss: leave out --label_smoothing_factor")
        if not self.owns_loss or "labels" not in inputs:
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        inputs = dict(inputs)
        labels = inputs.pop("labels")
        inputs.pop(HEAD_IDS, None)
        outputs = model(**inputs)
        as_dict = isinstance(outputs, dict)
        logits = outputs["logits"] if as_dict else outputs[0]
        labels = labels.to(logits.device)
        if head_ids is not None:  # each example's loss over its own head's columns only
            logits = self.head_columns().route(logits, head_ids)
            labels = self.head_columns().labels(labels, head_ids)
            if as_dict:
                outputs["logits"] = logits
            else:
                outputs = (logits, *outputs[1:])
        summed = torch.nn.functional.cross_entropy(
            logits.flatten(0, -2).float(), labels.flatten(), ignore_index=-100, reduction="sum"
        )
        if model.training and not self.batch_mean_loss:
            loss = summed / self.expected_tagged_tokens_per_batch()
        else:  # the batch's own mean (in training, shared among the accumulated micro-batches)
            steps = self.args.gradient_accumulation_steps if model.training else 1
            loss = summed / (labels.ne(-100).sum().clamp(min=1) * steps)
        if return_outputs and not as_dict:  # tuples carry the loss first, where prediction_step looks
            outputs = (loss, *outputs)
        return (loss, outputs) if return_outputs else loss

    def prediction_step(self, model, inputs, prediction_loss_only, ignore_keys=None):
        """Evaluation runs in ``scoring_precision`` (fp32 without TF32 by default), whatever
        precision training uses; the int8 and ONNX Runtime settings of ``run_eval.py`` take their
        logits from :mod:`gerbera.runtimes.settings`."""
        if HEAD_IDS in inputs:
            return self._heads_step(model, inputs)
        if self.scoring_precision not in SCORING_PRECISIONS:
            return self._setting_step(model, inputs)
        with scoring_precision(model, self.scoring_precision, self.args.device):
            return super().prediction_step(model, inputs, prediction_loss_only, ignore_keys)

    def _setting_step(self, model, inputs) -> tuple:
        """Loss (the batch's mean over tagged tokens), logits and labels of a batch in a fast setting."""
        if getattr(self, "_scoring_forward", None) is None:
            self._scoring_forward = forward_for(model, self.scoring_precision, self.args.device, self.scoring_identity)
        inputs = self._prepare_inputs(inputs)
        labels = inputs.get("labels")
        model_inputs = {key: inputs[key] for key in ("input_ids", "attention_mask", "token_type_ids") if key in inputs}
        with torch.no_grad():
            logits = self._scoring_forward.logits(model_inputs)
            loss = None
            if labels is not None:
                loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), labels.reshape(-1), ignore_index=-100)
        return loss, logits, labels

    def _heads_step(self, model, inputs) -> tuple:
        """Loss, logits and labels of a batch of a model with a head per corpus: each example's
        logits outside its head's columns at the lowest value, so that the argmax is its head's."""
        inputs = self._prepare_inputs(inputs)
        head_ids, labels = inputs[HEAD_IDS], inputs.get("labels")
        model_inputs = {key: inputs[key] for key in ("input_ids", "attention_mask", "token_type_ids") if key in inputs}
        with torch.no_grad():
            if self.scoring_precision in SCORING_PRECISIONS:
                with scoring_precision(model, self.scoring_precision, self.args.device):
                    logits = model(**model_inputs)["logits"]
            else:
                if getattr(self, "_scoring_forward", None) is None:
                    self._scoring_forward = forward_for(model, self.scoring_precision, self.args.device, self.scoring_identity)
                logits = self._scoring_forward.logits(model_inputs)
            logits = self.head_columns().route(logits.float(), head_ids)
            loss = None
            if labels is not None:
                columns = self.head_columns().labels(labels, head_ids)
                loss = torch.nn.functional.cross_entropy(logits.reshape(-1, logits.shape[-1]), columns.reshape(-1), ignore_index=-100)
        return loss, logits, labels

    def expected_tagged_tokens_per_batch(self) -> float:
        """Tagged tokens per row of the training set x rows per micro-batch (as the data loader
        cuts them: ``--auto_find_batch_size`` may have lowered it) x accumulation steps."""
        if getattr(self, "_tagged_tokens_per_row", None) is None:
            self._tagged_tokens_per_row = tagged_tokens_per_row(self.train_dataset)
        return self._tagged_tokens_per_row * self._train_batch_size * self.args.gradient_accumulation_steps

    def _save(self, output_dir: str | None = None, state_dict=None):
        """Save as the stock Trainer does, but the training arguments as JSON, not as a pickle, and the
        weights with the permissions of the umask, as every other file."""
        super()._save(output_dir, state_dict)
        output_dir = output_dir or self.args.output_dir
        if self.args.should_save:
            for weights in Path(output_dir).glob("*.safetensors"):
                follow_umask(weights)  # written 0600 by safetensors; the rest of the folder follows the umask
        pickled = os.path.join(output_dir, "training_args.bin")
        if self.args.should_save and os.path.exists(pickled):
            os.remove(pickled)
            with open(os.path.join(output_dir, "training_args.json"), "w", encoding="utf-8") as handle:
                handle.write(self.args.to_json_string())

    def train(self, *args, **kwargs):
        """Train as the stock Trainer does. A data-loader worker killed by a preemption signal
        stops training as the signal does (`gerbera.training.preemption`); whatever way training
        ends, errors included, the signal handlers are given back."""
        preemption = next((c for c in self.callback_handler.callbacks if isinstance(c, PreemptionCallback)), None)
        try:
            return super().train(*args, **kwargs)
        except RuntimeError as error:
            if preemption is None or not preemption.stopped_by_dead_worker(error):
                raise
            return TrainOutput(self.state.global_step, float("nan"), {})
        finally:
            if preemption is not None:
                preemption.release()

    # gerbera.training.loader_workers: a preemption signal must not kill the workers of any loader
    def get_train_dataloader(self):
        loader = super().get_train_dataloader()
        shield_workers(loader)
        return loader

    def get_eval_dataloader(self, eval_dataset=None):
        loader = super().get_eval_dataloader(eval_dataset)
        shield_workers(loader)
        return loader

    def get_test_dataloader(self, test_dataset):
        loader = super().get_test_dataloader(test_dataset)
        shield_workers(loader)
        return loader

    def _get_train_sampler(self, train_dataset=None):
        dataset = self.train_dataset
        if self.args.train_sampling_strategy == "group_by_length" and "length" in dataset.column_names:
            sampler = ShuffledLengthGroupedSampler(
                list(dataset["length"]),
                self.args.train_batch_size * self.args.gradient_accumulation_steps,
                data_order_seed(self.args),
            )
            epochs = next((c for c in self.callback_handler.callbacks if isinstance(c, SamplerEpochCallback)), None)
            if epochs is None:
                epochs = SamplerEpochCallback()
                self.add_callback(epochs)
            epochs.sampler = sampler
            return sampler
        return super()._get_train_sampler(train_dataset)

    def _get_eval_sampler(self, eval_dataset):
        if self.args.world_size <= 1:
            return SequentialSampler(eval_dataset)
        return None  # accelerate shards in order and gathers each example once


def argmax_logits(logits: torch.Tensor, labels) -> torch.Tensor:
    """Keep only the predicted tag ids: evaluation never holds all logits in memory."""
    if isinstance(logits, tuple):
        logits = logits[0]
    return logits.argmax(dim=-1)
