"""The GPU fast path: a training step that the host does not hold up.

On a GPU a step of 16 short sentences is a few milliseconds of arithmetic, but launching the
thousands of small kernels of an eager forward and backward pass took about 86 ms (issue 14,
H200). The fast path removes the launches and the waits, and keeps the Hugging Face Trainer as
the engine:

- **A few fixed shapes** (`gerbera.training.fixed_shapes`): sequence lengths padded up to a few length
  buckets, training batches always full, so that each shape is traced and captured once.
- **CUDA graphs over forward and backward**: the Trainer's own ``--torch_compile`` with the
  ``cudagraphs`` backend (accelerate compiles the model): TorchDynamo and AOTAutograd trace the
  model once, and each of the forward and backward graphs is replayed as one CUDA graph per shape
  (cudagraph trees), with no code generation, so capture takes seconds. The sequence length is
  marked dynamic, so one trace serves every bucket (each bucket still gets its own CUDA graph).
  ``--torch_compile_backend inductor --torch_compile_mode reduce-overhead`` adds Inductor's fused
  kernels to the graphs, at the cost of a longer compilation; ``bench/gpu_throughput.py`` measures
  both. The loss, gradient clipping and the fused AdamW step stay outside the graphs (a handful
  of kernels).
- **No host synchronisation inside a step**: batches are copied from pinned memory without
  blocking (``accelerator_config.non_blocking``); the Trainer's per-step check for a non-finite
  loss (``logging_nan_inf_filter``, a ``bool()`` of a GPU tensor, a wait for the GPU every step)
  is done on the GPU instead, with the same result; the FLOP count the Trainer adds up each step
  reuses a parameter count made once (the stock one walks every module each step).

``--fast_path true`` turns it on. It is **off by default until it has been measured on a GPU**
(it was built without one; ``bash bench/gpu_check.sh`` measures it in one call), then meant to be
the default on one CUDA GPU in a single process. It never compiles with several processes,
DeepSpeed or FSDP, nor with gradient accumulation, whose accumulated gradients CUDA graphs would
overwrite. On a CPU it compiles with Inductor, which rarely pays there. Each choice is a default
for a flag the user did not give, logged and recorded with the run; the shapes met are logged
after training.
"""

from __future__ import annotations

import logging
import os
from collections import Counter
from typing import Any

import torch

from gerbera.training.fixed_shapes import full_training_batches

logger = logging.getLogger("gerbera")

FAST_PATH_BACKEND = "cudagraphs"
# Off until a GPU session has measured it (bench/gpu_check.sh); then on for one CUDA GPU in one process.
ON_BY_DEFAULT = False
COMPILE_FLAGS = {"torch_compile", "torch_compile_backend", "torch_compile_mode"}


def _several_processes(values: dict[str, Any]) -> bool:
    return int(os.environ.get("WORLD_SIZE", "1")) > 1 or bool(values.get("deepspeed")) or bool(values.get("fsdp"))


def fast_path_choices(values: dict[str, Any], given: set[str]) -> dict[str, Any]:
    """The flag values the fast path chooses for the flags the user did not set (called by
    `gerbera.commands.arguments` with the command line's values). Nothing is chosen when it is off (the
    default, until measured on a GPU; `ON_BY_DEFAULT`). Only training is compiled: a scoring run is
    over before a compilation would pay for itself."""
    on_gpu = torch.cuda.is_available() and not values.get("use_cpu")
    requested = values.get("fast_path")
    chosen: dict[str, Any] = {}
    if requested is None:
        if not ON_BY_DEFAULT or not on_gpu or _several_processes(values):
            return chosen
        chosen["fast_path"] = True
    elif not requested:
        return chosen
    accumulating = int(values.get("gradient_accumulation_steps") or 1) > 1
    several = _several_processes(values)  # CUDA graphs with DDP, DeepSpeed or FSDP: not tried
    if values.get("do_train") and not given & COMPILE_FLAGS and not (on_gpu and accumulating) and not several:
        chosen["torch_compile"] = True
        chosen["torch_compile_backend"] = FAST_PATH_BACKEND if on_gpu else "inductor"
    if "logging_nan_inf_filter" not in given:
        chosen["logging_nan_inf_filter"] = False  # done on the device: FastPathTrainerMixin.training_step
    if on_gpu and "accelerator_config" not in given:
        chosen["accelerator_config"] = '{"non_blocking": true}'  # JSON, as given on a command line
    return chosen


def describe(training_args, buckets) -> str:
    compiled = (
        f"torch.compile backend {training_args.torch_compile_backend}"
        + (f" mode {training_args.torch_compile_mode}" if training_args.torch_compile_mode else "")
        + ", sequence length dynamic"
        if training_args.torch_compile
        else "not compiled"
    )
    return (
        f"fast path: lengths padded to the buckets {', '.join(map(str, buckets))}; full training batches; {compiled}; "
        f"non-blocking batch copies {'on' if getattr(training_args.accelerator_config, 'non_blocking', False) else 'off'} "
        "(--fast_path false turns it off)"
    )


class FastPathTrainerMixin:
    """Trainer methods of the fast path (mixed into `gerbera.training.trainer.GerberaTrainer`). With
    ``fast_path`` False they behave as the stock Trainer's, except for the cached FLOP count."""

    fast_path = False
    nonfinite_check_on_device = False  # True when the fast path turned logging_nan_inf_filter off

    def get_train_dataloader(self):
        with full_training_batches(self):
            return super().get_train_dataloader()

    def _prepare_inputs(self, inputs):
        inputs = super()._prepare_inputs(inputs)
        if self.fast_path:
            input_ids = inputs.get("input_ids")
            if isinstance(input_ids, torch.Tensor):
                phase = "training" if torch.is_grad_enabled() else "evaluation"
                self.shapes_seen()[phase][tuple(input_ids.shape)] += 1
            if self.args.torch_compile:
                # one trace for every bucket: the width is a symbol (each width is still its own CUDA graph)
                for value in inputs.values():
                    if isinstance(value, torch.Tensor) and value.dim() >= 2:
                        torch._dynamo.maybe_mark_dynamic(value, 1)
        return inputs

    def training_step(self, model, inputs, num_items_in_batch=None):
        loss = super().training_step(model, inputs, num_items_in_batch)
        if self.nonfinite_check_on_device and getattr(self, "_tr_loss", None) is not None:
            # The stock logging_nan_inf_filter, without waiting for the GPU: a non-finite loss is
            # logged as the mean of the losses since the last log.
            since_logged = 1 + self.state.global_step - getattr(self, "_globalstep_last_logged", self.state.global_step)
            loss = torch.where(torch.isfinite(loss), loss, self._tr_loss / since_logged)
        return loss

    def floating_point_ops(self, inputs) -> int:
        if getattr(self, "_flops_per_token", None) is None:
            self._flops_per_token = super().floating_point_ops({"input_ids": torch.empty(1, 1)})
        main_input = getattr(self.model, "main_input_name", "input_ids")
        if main_input not in inputs:
            return super().floating_point_ops(inputs)
        return self._flops_per_token * inputs[main_input].numel()

    def shapes_seen(self) -> dict[str, Counter]:
        """Batch shapes (rows, width) given to the model, and how often, per phase."""
        if getattr(self, "_shapes_seen", None) is None:
            self._shapes_seen = {"training": Counter(), "evaluation": Counter()}
        return self._shapes_seen

    def train(self, *args, **kwargs):
        output = super().train(*args, **kwargs)
        if self.fast_path:
            seen = self.shapes_seen()["training"]
            logger.info(
                "Fast path: %d training batch shapes (rows x width: batches): %s",
                len(seen), ", ".join(f"{r}x{w}: {n}" for (r, w), n in sorted(seen.items())),
            )
        return output
