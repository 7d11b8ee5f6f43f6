"""What the toolkit chooses for the machine it runs on, and the precision scoring runs in.

Training (``run_ner.py``), for each flag the user did not give:

- **GPU**: bf16 mixed precision where the GPU computes bf16 natively (compute capability 8.0 on:
  A100, H100, RTX 30xx and later), else fp16 (V100, T4: torch would *emulate* bf16 there, slowly);
  TF32 matrix products from compute capability 8.0; fused AdamW; 2 data-loader workers.
- **CPU**: bf16 autocast where the CPU has native bf16 instructions (AVX512-BF16 or AMX: a MiniLM
  training step ran 1.8x faster than fp32 on an AVX512-BF16 EPYC), else fp32.

``--bf16 false`` (or ``--fp16``, ``--tf32 false``, ``--optim``, ``--dataloader_num_workers``)
chooses otherwise. The choices are logged and recorded apart from the user's flags, so a run
replayed from its ``run_record.json`` on another machine chooses anew.

Scoring (evaluation during training, ``run_eval.py``, ``run_predict.py``) runs in fp32 without
TF32 by default, whatever precision training used: the same model tags the same words alike on
any machine and through any entry point, as far as fp32 arithmetic allows.
``--scoring_precision bf16`` trades that for speed (bf16 autocast).
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Iterator
from typing import Any

import torch

logger = logging.getLogger(__name__)

SCORING_PRECISIONS = ("fp32", "bf16")


def cpu_has_native_bf16() -> bool:
    """AVX512-BF16 or AMX: bf16 matrix products run natively (torch's own CPU feature checks)."""
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(getattr(torch.cpu, name, lambda: False)() for name in checks)


def gpu_has_native_bf16() -> bool:
    """True from compute capability 8.0 (Ampere) on. ``torch.cuda.is_bf16_supported()`` alone also
    says yes where bf16 is only emulated (V100, T4), which is slower than fp16."""
    return torch.cuda.get_device_capability()[0] >= 8


def has_accelerator() -> bool:
    """A GPU (CUDA, ROCm, XPU, MPS, ...) that torch can use."""
    if hasattr(torch, "accelerator"):
        return torch.accelerator.is_available()
    return torch.cuda.is_available() or torch.backends.mps.is_available()


def training_defaults(given: set[str], values: dict[str, Any]) -> dict[str, Any]:
    """The values chosen for this machine, for each flag not in ``given`` (``values``: all flags).
    The training precision is chosen for training runs only: scoring runs in --scoring_precision."""
    if torch.cuda.is_available() and not values.get("use_cpu"):
        chosen = _gpu_training_defaults(given)
        if not values.get("do_train"):
            chosen.pop("bf16", None)
            chosen.pop("fp16", None)
        return chosen
    if has_accelerator() and not values.get("use_cpu"):
        return {}  # another kind of accelerator: its own defaults
    chosen: dict[str, Any] = {}
    if not values.get("do_train"):
        return chosen
    if not given & {"bf16", "fp16"} and cpu_has_native_bf16():
        chosen["bf16"] = True
    if (chosen.get("bf16") or values.get("bf16")) and "use_cpu" not in given:
        chosen["use_cpu"] = True  # TrainingArguments accepts bf16 without a GPU only with use_cpu
    return chosen


def _gpu_training_defaults(given: set[str]) -> dict[str, Any]:
    chosen: dict[str, Any] = {}
    native_bf16 = gpu_has_native_bf16()
    if not given & {"bf16", "fp16"}:
        chosen["bf16" if native_bf16 else "fp16"] = True
    if "tf32" not in given and native_bf16 and torch.version.cuda:  # TF32: NVIDIA from Ampere on (not ROCm)
        chosen["tf32"] = True
    if "optim" not in given:
        chosen["optim"] = "adamw_torch_fused"
    if "dataloader_num_workers" not in given:
        chosen["dataloader_num_workers"] = 2
    return chosen


def describe_choices(chosen: dict[str, Any], on_gpu: bool) -> str:
    where = "this GPU" if on_gpu else "this CPU (native bf16)"
    flags = " ".join(f"--{key} {value}" for key, value in chosen.items())
    return f"On {where} the toolkit chose {flags}; give any of these flags to choose otherwise"


# ----------------------------------------------------------------------------------------------
# scoring precision


@contextlib.contextmanager
def scoring_precision(model: torch.nn.Module, precision: str, device: torch.device | str) -> Iterator[None]:
    """Run ``model`` in ``precision`` inside the block.

    ``fp32``: without the bf16/fp16 autocast that accelerate wraps around a model's forward for
    mixed-precision training, and without TF32 on CUDA. ``bf16``: under bf16 autocast (on top of
    whatever training set up)."""
    if precision not in SCORING_PRECISIONS:
        raise ValueError(f"scoring precision {precision!r}: one of {', '.join(SCORING_PRECISIONS)}")
    device_type = torch.device(device).type
    with contextlib.ExitStack() as stack:
        if precision == "fp32":
            stack.enter_context(_without_mixed_precision_forward(model))
            if device_type == "cuda":
                stack.enter_context(_without_tf32())
        else:
            stack.enter_context(torch.autocast(device_type=device_type, dtype=torch.bfloat16))
        yield


@contextlib.contextmanager
def _without_mixed_precision_forward(model: torch.nn.Module) -> Iterator[None]:
    """accelerate replaces a mixed-precision model's ``forward`` with an autocast-wrapped one and
    keeps the original as ``_original_forward``; an outer ``autocast(enabled=False)`` cannot undo
    an autocast entered inside. Put the original back for the block (on the model and on the
    module inside a DDP-like wrapper)."""
    swapped = []
    for module in (model, getattr(model, "module", None)):
        if module is not None and "_original_forward" in vars(module) and "forward" in vars(module):
            swapped.append((module, vars(module)["forward"]))
            module.forward = module._original_forward
    try:
        yield
    finally:
        for module, wrapped in swapped:
            module.forward = wrapped


@contextlib.contextmanager
def _without_tf32() -> Iterator[None]:
    matmul, cudnn = torch.backends.cuda.matmul, torch.backends.cudnn
    if hasattr(matmul, "fp32_precision"):  # torch >= 2.9; mixing in the older flags is refused there
        saved = (matmul.fp32_precision, cudnn.fp32_precision)
        matmul.fp32_precision, cudnn.fp32_precision = "ieee", "ieee"
        try:
            yield
        finally:
            matmul.fp32_precision, cudnn.fp32_precision = saved
    else:
        saved = (matmul.allow_tf32, cudnn.allow_tf32)
        matmul.allow_tf32, cudnn.allow_tf32 = False, False
        try:
            yield
        finally:
            matmul.allow_tf32, cudnn.allow_tf32 = saved
