"""Reading a model's weights (``from_pretrained``): what went wrong, or what is new, in one line.

- A damaged weight file (a truncated ``model.safetensors``, a copy stopped half-way) is a
  GerberaError naming the file, instead of the safetensors library's traceback.
- A tag head that the checkpoint does not have (an encoder, or a masked-language model, starting
  to train) is expected: transformers' "LOAD REPORT" table of missing and unexpected keys is
  replaced by one line of ours. When weights of the encoder itself are missing, which is not
  expected, transformers' report is shown as it is.
"""

from __future__ import annotations

import contextlib
import logging
import os
from collections.abc import Callable, Iterator

from safetensors import SafetensorError

from gerbera.errors import GerberaError

logger = logging.getLogger("gerbera")

# The logger transformers writes its LOAD REPORT to.
REPORT_LOGGER = "transformers.modeling_utils"
WEIGHT_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth")


class _HeldReports(logging.Filter):
    """Holds back the LOAD REPORT records of transformers, to be shown or replaced afterwards."""

    def __init__(self):
        super().__init__()
        self.records: list[logging.LogRecord] = []

    def filter(self, record: logging.LogRecord) -> bool:
        if "LOAD REPORT" in str(record.msg):
            self.records.append(record)
            return False
        return True


@contextlib.contextmanager
def _held_reports() -> Iterator[_HeldReports]:
    held = _HeldReports()
    report_logger = logging.getLogger(REPORT_LOGGER)
    report_logger.addFilter(held)
    try:
        yield held
    finally:
        report_logger.removeFilter(held)


def weight_files(name: str) -> list[str]:
    """The weight files of a model folder (their paths), for naming them in an error."""
    if not os.path.isdir(name):
        return []
    return sorted(os.path.join(name, f) for f in os.listdir(name) if f.endswith(WEIGHT_SUFFIXES))


def damaged_weights_error(name: str, error: Exception) -> GerberaError:
    files = [f for f in weight_files(name) if f.endswith(".safetensors")] or weight_files(name) or [name]
    return GerberaError(
        f"{' / '.join(files)}: the weights cannot be read ({error}); the file is damaged or incomplete "
        "(a copy or download stopped early?): copy it again, or train the model again"
    )


def load_weights(load: Callable[..., object], name: str, **kwargs):
    """``load(name, output_loading_info=True, **kwargs)`` (a ``from_pretrained``), with a damaged
    file as a GerberaError and an expected new tag head logged in one line; the model.

    The weights are read into memory, not memory-mapped (``disable_mmap``): a mapped file that is
    saved again in place (``run_ner.py`` into the same folder, a ``cp`` over it) would change the
    weights of a process already tagging with it, under the fingerprint it recorded at the start."""
    with _held_reports() as held:
        try:
            model, info = load(name, output_loading_info=True, disable_mmap=True, **kwargs)
        except SafetensorError as error:
            raise damaged_weights_error(name, error) from None
    missing = list(info.get("missing_keys") or [])
    unexpected = list(info.get("unexpected_keys") or [])
    prefix = getattr(model, "base_model_prefix", "") + "."
    encoder_missing = [key for key in missing if key.startswith(prefix)]
    if encoder_missing or info.get("mismatched_keys"):
        for record in held.records:  # not expected: transformers' own report, in full
            logging.getLogger(REPORT_LOGGER).handle(record)
        return model
    if missing:
        unused = f"; {len(unexpected)} weights of the checkpoint that a tagger does not use are left out" if unexpected else ""
        logger.info("%s: new tag head (%s) initialised at random, as expected for a checkpoint without one%s",
                    name, ", ".join(missing), unused)
    elif unexpected:
        logger.info("%s: %d weights of the checkpoint that a tagger does not use are left out (%s)",
                    name, len(unexpected), ", ".join(unexpected[:3]) + (", ..." if len(unexpected) > 3 else ""))
    return model
