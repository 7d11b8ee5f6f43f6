"""A model exported to ONNX (and quantized to int8) once, cached by its fingerprint, opened in ONNX Runtime.

The export lives in ``$GERBERA_CACHE/exports`` (else ``~/.cache/gerbera/exports``), in a folder
named by the model's fingerprint (:func:`gerbera.tagging.model_identity.model_identity`: a hash of
the weights, config and tokenizer files), one file per set of input names and precision, an int8
file also named by its form (:mod:`gerbera.runtimes.int8_form`). A model whose files change has
another fingerprint, so it is exported anew and never served from a stale
export. Each file is written under a temporary name and renamed into place, so a process killed
during an export leaves no half file that a later run would open, and two processes exporting at
once both end with a whole one.
"""

from __future__ import annotations

import contextlib
import logging
import os
import re
import tempfile
import time
import warnings
from pathlib import Path

import torch

from gerbera.cache_dir import toolkit_cache_dir
from gerbera.errors import GerberaError
from gerbera.outputs import follow_umask
from gerbera.runtimes.int8_form import INT8_FORM, Int8Form, quantize

logger = logging.getLogger(__name__)

__all__ = ["export_dir", "exported", "open_session"]

LEFT_BEHIND_SECONDS = 3600  # a temporary export older than this was left by a killed process: an export takes minutes


def export_dir(identity: str) -> Path:
    return toolkit_cache_dir("exports") / re.sub(r"[^A-Za-z0-9_.-]", "_", identity)


def exported(model: torch.nn.Module, identity: str, input_names: list[str], form: Int8Form | None) -> Path:
    """The ONNX file of ``model`` for these inputs (in fp32 when ``form`` is None, else in that int8
    form), exported on first use."""
    folder = export_dir(identity)
    stem = "-".join(name.replace("_", "") for name in input_names)
    fp32 = folder / f"{stem}-fp32.onnx"
    if not fp32.exists():
        _export(model, input_names, fp32)
    if form is None:
        return fp32
    quantized = folder / f"{stem}-{form.name}.onnx"  # a changed form is a new file: an old export is never served
    if not quantized.exists():
        with _temporary(quantized) as temporary:
            quantize(fp32, temporary, form)
    return quantized


def open_session(model: torch.nn.Module, identity: str, input_names: list[str], int8: bool, device: torch.device):
    """An ONNX Runtime session on the export, with torch's thread count (``--num_threads``)."""
    import onnxruntime

    path = exported(model, identity, input_names, INT8_FORM if int8 else None)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = torch.get_num_threads()
    options.inter_op_num_threads = 1
    options.log_severity_level = 3  # warnings about unused initializers are not the user's business
    return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def _export(model: torch.nn.Module, input_names: list[str], path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    example = {name: torch.ones((2, 8), dtype=torch.long) for name in input_names}
    if "token_type_ids" in example:
        example["token_type_ids"] = torch.zeros((2, 8), dtype=torch.long)
    axes = {name: {0: "rows", 1: "tokens"} for name in [*input_names, "logits"]}
    logger.info("exporting the model to ONNX (once; cached in %s)", path.parent)
    # The exporter puts the module it is given back in the mode it found it in, and a new module is in
    # training mode: so the wrapper is made in eval mode, and the model's own mode is put back after,
    # or the model the caller goes on tagging with would run with dropout on.
    was_training = model.training
    wrapper = _Logits(model.float(), input_names).eval()
    try:
        with _temporary(path) as temporary, warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():
            warnings.simplefilter("ignore")
            try:
                torch.onnx.export(wrapper, tuple(example[name] for name in input_names), temporary,
                                  input_names=input_names, output_names=["logits"], dynamic_axes=axes,
                                  opset_version=17, dynamo=False)
            except Exception as error:  # any operator or module the exporter cannot write
                reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__
                raise GerberaError(f"this model cannot be exported to ONNX ({type(error).__name__}: {reason[:200]})") from None
    finally:
        model.train(was_training)


class _temporary:
    """A temporary file name beside ``path``, renamed to ``path`` when the block ends without an error."""

    def __init__(self, path: Path):
        self.path = path

    def __enter__(self) -> str:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        for left in self.path.parent.glob(f".{self.path.stem}-*.onnx"):  # of a process killed while it wrote
            with contextlib.suppress(OSError):
                if time.time() - left.stat().st_mtime > LEFT_BEHIND_SECONDS:
                    left.unlink()
        handle, self.temporary = tempfile.mkstemp(dir=self.path.parent, prefix=f".{self.path.stem}-", suffix=".onnx")
        os.close(handle)
        return self.temporary

    def __exit__(self, kind, error, trace) -> None:
        if kind is None:
            follow_umask(self.temporary)  # mkstemp makes it 0600: a cache shared by a group must be readable
            os.replace(self.temporary, self.path)
        else:
            Path(self.temporary).unlink(missing_ok=True)


class _Logits(torch.nn.Module):
    """The model with positional inputs in the order given and the logits as its one output."""

    def __init__(self, model: torch.nn.Module, input_names: list[str]):
        super().__init__()
        self.model, self.input_names = model, input_names

    def forward(self, *inputs):
        output = self.model(**dict(zip(self.input_names, inputs)))
        return output.logits if hasattr(output, "logits") else output[0]
