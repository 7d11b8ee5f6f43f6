"""How a tagger's forward pass runs: a *setting* names a runtime and a precision.

==============  ===================================================================================
``fp32``        PyTorch in fp32 without TF32 (the default): the same tags on every machine.
``bf16``        PyTorch under bf16 autocast: fast on GPUs and on CPUs with AVX512-BF16 or AMX.
``int8``        PyTorch with the encoder's ``Linear`` layers' weights quantized to int8 per output
                channel, activations quantized on the fly (dynamic quantization), the tag head in
                fp32; CPU only.
``onnx-fp32``   the model exported to ONNX once and run by ONNX Runtime in fp32.
``onnx-int8``   that export in int8: weights and activations quantized per block of 32 input
                channels (ONNX Runtime's ``MatMulNBits``), the classifier in fp32; CPU.
==============  ===================================================================================

Only the model call changes: windows, padding, the arg-max and softmax, word alignment, decoding
and the outputs are the same code for every setting (:class:`gerbera.tagging.word_tagger.WordTagger`
asks :meth:`Forward.logits` for the logits of a padded batch). How far a fast setting's tags stray
from ``fp32`` is measured on labelled data by ``python -m gerbera.certify``
(:mod:`gerbera.runtimes.certificates`). An export lives in the toolkit's cache
(:mod:`gerbera.runtimes.onnx_export`), keyed by the model's fingerprint: a changed model is never
served from a stale export.
"""

from __future__ import annotations

import copy
import warnings
from collections.abc import Callable

import torch

from gerbera.errors import GerberaError
from gerbera.hardware import scoring_precision
from gerbera.runtimes.int8_form import INT8_FORM

__all__ = ["SETTINGS", "TORCH_SETTINGS", "Forward", "forward_for", "check_setting", "setting_form"]

TORCH_SETTINGS = ("fp32", "bf16", "int8")
ONNX_SETTINGS = ("onnx-fp32", "onnx-int8")
SETTINGS = TORCH_SETTINGS + ONNX_SETTINGS
TORCH_INT8_FORM = "torch-dynamic-qint8-per-channel-fp32-head"  # the int8 setting's quantization (see _quantized)


def setting_form(setting: str) -> str:
    """What exactly runs in ``setting``, recorded per setting in a certificate: a certificate of a form the
    toolkit no longer runs (another quantization, say) is not taken for today's."""
    return {"fp32": "torch-fp32", "bf16": "torch-bf16-autocast", "int8": TORCH_INT8_FORM,
            "onnx-fp32": "onnx-fp32", "onnx-int8": f"onnx-{INT8_FORM.name}"}[setting]


class Forward:
    """The logits of a padded batch: ``(rows, tokens, tags)`` float32 on the tagger's device."""

    setting = "fp32"

    def logits(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        raise NotImplementedError


class TorchForward(Forward):
    """PyTorch eager: fp32, bf16 autocast, or a dynamically quantized int8 copy of the model."""

    def __init__(self, model: torch.nn.Module, setting: str, device: torch.device):
        self.setting, self.device = setting, device
        self.model = _quantized(model) if setting == "int8" else model

    def logits(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        precision = "bf16" if self.setting == "bf16" else "fp32"
        with scoring_precision(self.model, precision, self.device):
            output = self.model(**inputs)
        logits = output.logits if hasattr(output, "logits") else output[0]
        return logits.float()


class OnnxForward(Forward):
    """ONNX Runtime on an export of the model, built on the first batch (its input names)."""

    def __init__(self, model: torch.nn.Module, setting: str, device: torch.device, identity: Callable[[], str | None]):
        self.setting, self.device, self.model, self.identity = setting, device, model, identity
        self.session = None

    def logits(self, inputs: dict[str, torch.Tensor]) -> torch.Tensor:
        if self.session is None:
            from gerbera.runtimes.onnx_export import open_session

            identity = self.identity()
            if identity is None:
                raise GerberaError(f"--scoring_precision {self.setting}: the model has no folder to fingerprint, so its "
                                   f"export cannot be cached (tag with a model folder saved by run_ner.py)")
            self.session = open_session(self.model, identity, sorted(inputs), self.setting == "onnx-int8", self.device)
        feed = {name: tensor.cpu().numpy() for name, tensor in inputs.items()}
        logits = self.session.run(["logits"], feed)[0]
        return torch.from_numpy(logits).to(self.device).float()


def check_setting(setting: str, device: torch.device) -> None:
    """Refuse a setting this machine cannot run, in one line (before any work)."""
    if setting not in SETTINGS:
        raise GerberaError(f"--scoring_precision {setting}: choose one of {', '.join(SETTINGS)} (or auto in run_predict.py)")
    if setting in ("int8", "onnx-int8") and device.type != "cpu":
        raise GerberaError(f"--scoring_precision {setting}: dynamic int8 runs on the CPU only (--device cpu); "
                           f"on a GPU use bf16")
    if setting in ONNX_SETTINGS:
        try:
            import onnxruntime  # noqa: F401
        except ImportError:
            raise GerberaError(f"--scoring_precision {setting}: needs ONNX Runtime: pip install onnxruntime onnx") from None
        if device.type != "cpu":
            raise GerberaError(f"--scoring_precision {setting}: the toolkit runs ONNX Runtime on the CPU only; "
                               f"on a GPU use fp32 or bf16")


def forward_for(model: torch.nn.Module, setting: str, device: torch.device,
                identity: Callable[[], str | None]) -> Forward:
    """The forward pass of ``model`` in ``setting`` (checked with :func:`check_setting`); ``identity()``
    gives the model's fingerprint, asked for only when an export is opened."""
    check_setting(setting, device)
    if setting in TORCH_SETTINGS:
        return TorchForward(model, setting, device)
    return OnnxForward(model, setting, device, identity)


def _quantized(model: torch.nn.Module) -> torch.nn.Module:
    """A copy of ``model`` whose encoder's ``Linear`` layers compute in int8: weights per output channel,
    activations per tensor on the fly. The tag head (every ``Linear`` outside the encoder) stays in fp32.

    Per channel, not per tensor (PyTorch's default): on NCBI-disease devel (MiniLM, 2 AVX2 cores) per
    tensor changed 0.67% of the words' tags and cost 2.8 F1 points, per channel with the head in fp32
    0.41% and 0.6, at the same speed (docs/performance.md)."""
    with warnings.catch_warnings():  # torch.ao.quantization is deprecated in favour of torchao, not installed here
        warnings.simplefilter("ignore")
        from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

        prefix = getattr(model, "base_model_prefix", "")
        encoder = {name: per_channel_dynamic_qconfig for name, module in model.named_modules()
                   if isinstance(module, torch.nn.Linear) and prefix and name.startswith(prefix + ".")}
        if not encoder:
            raise GerberaError(f"--scoring_precision int8: cannot tell the encoder of {type(model).__name__} from its tag "
                               f"head (no Linear layer under its base_model_prefix {prefix!r}), so nothing would be "
                               f"quantized as int8 intends; tag it in onnx-int8, bf16 or fp32")
        return quantize_dynamic(copy.deepcopy(model).float(), encoder, dtype=torch.qint8)
