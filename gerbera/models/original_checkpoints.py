"""Reading checkpoints of the original GERBERA code (``RoBERTaMultiNER2`` / ``BERTMultiNER2``) into
the toolkit's domain-head model, so that they run as the original ran them.

Such a checkpoint (e.g. the published ``Euanyu/GERBERA-NCBI``, or a folder saved by the original
``run_ner.py``) has:

- ``config.json`` with ``architectures`` ``["RoBERTaMultiNER2"]`` or ``["BERTMultiNER2"]`` and
  the tag set in ``id2label`` (``{0: B, 1: I, 2: O}``);
- ``pytorch_model.bin``, a pickled state dict: the encoder (``roberta.*`` / ``bert.*``, with a
  pooler), the two tag branches ``bio_classifier_2``/``bio_classifier`` and
  ``gener_classifier_2``/``gener_classifier``, and an unused ``classifier``;
- tokenizer files only in the old format (``vocab.json`` + ``merges.txt``, or ``vocab.txt``); the
  fast tokenizer is built from them.

`load_original_model` builds the toolkit's `DomainHeadForTokenClassification` from it (same
parameter names; the pooler, the unused ``classifier`` and stale buffers are dropped), so that
evaluation computes exactly the original's biomedical formula. The state dict is read with
``torch.load(..., weights_only=True)`` (or from safetensors): a pickle holding anything but
tensors is refused, never executed.

The original tokenized each word alone with the slow tokenizer of transformers 3.0.0, without a
leading space for RoBERTa; models trained by it saw words that way, so these checkpoints default
to the original code's word tokenization, ``--word_tokenization legacy`` (see
`gerbera.features.word_pieces`).

`gerbera.commands.convert` writes such a checkpoint in the toolkit's own format (no pickle);
``python convert_checkpoint.py SRC OUT`` runs it.
"""

from __future__ import annotations

import logging
import os
import pickle
from pathlib import Path

import torch
from transformers import PretrainedConfig

from gerbera.corpora.tags import TagSet
from gerbera.errors import GerberaError
from gerbera.models.config_keys import CONVERTED_FROM_CONFIG_KEY, set_label_fields
from gerbera.models.domain_head import DomainHeadForTokenClassification, domain_head_class

logger = logging.getLogger(__name__)

# architecture name in config.json -> the encoder's prefix in the state dict
ORIGINAL_ARCHITECTURES = {"RoBERTaMultiNER2": "roberta", "BERTMultiNER2": "bert"}
HEAD_MODULES = ("bio_classifier_2", "bio_classifier", "gener_classifier_2", "gener_classifier")
WEIGHT_FILES = ("model.safetensors", "pytorch_model.bin")


def original_architecture(config: PretrainedConfig) -> str | None:
    """``RoBERTaMultiNER2`` / ``BERTMultiNER2`` for a checkpoint in the original layout, else None."""
    for architecture in getattr(config, "architectures", None) or []:
        if architecture in ORIGINAL_ARCHITECTURES:
            return architecture
    return None


def is_original_layout(config: PretrainedConfig) -> bool:
    """True for the config of a checkpoint saved by the original GERBERA code."""
    return original_architecture(config) is not None


def _locate_weights(name: str, cache_dir: str | None = None) -> str:
    """The weights file of a checkpoint folder, or of a hub model (downloaded)."""
    if os.path.isdir(name):
        for filename in WEIGHT_FILES:
            path = os.path.join(name, filename)
            if os.path.isfile(path):
                return path
        if any(Path(name).glob("*.index.json")):
            raise GerberaError(f"{name}: sharded weights are not supported for checkpoints of the original code")
        raise GerberaError(f"{name}: no weights file ({' or '.join(WEIGHT_FILES)})")
    from transformers.utils import cached_file

    for filename in WEIGHT_FILES:
        try:
            path = cached_file(name, filename, cache_dir=cache_dir, _raise_exceptions_for_missing_entries=False)
        except (OSError, ValueError) as error:
            raise GerberaError(f"{name}: not a local folder, and its weights could not be downloaded ({error})") from None
        if path:
            return path
    raise GerberaError(f"{name}: no weights file ({' or '.join(WEIGHT_FILES)})")


def read_state_dict(path: str | os.PathLike) -> dict[str, torch.Tensor]:
    """The tensors of a weights file, read without executing any pickled code."""
    path = str(path)
    if path.endswith(".safetensors"):
        from safetensors.torch import load_file

        try:
            return load_file(path, device="cpu")
        except Exception as error:  # safetensors raises its own error types
            raise GerberaError(f"{path}: not a readable safetensors file ({error})") from None
    try:
        state_dict = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as error:
        first_line = str(error).strip().splitlines()[-1] if str(error).strip() else type(error).__name__
        raise GerberaError(
            f"{path}: holds more than tensors, and the toolkit refuses to unpickle arbitrary objects "
            f"(torch.load with weights_only=True: {first_line.strip()}). Re-save the state dict from trusted "
            "code (tensors only), or as safetensors"
        ) from None
    except (RuntimeError, EOFError, OSError) as error:
        raise GerberaError(f"{path}: not a readable PyTorch weights file ({error})") from None
    if not isinstance(state_dict, dict) or not all(
        isinstance(k, str) and isinstance(v, torch.Tensor) for k, v in state_dict.items()
    ):
        raise GerberaError(f"{path}: not a state dict (a mapping of parameter names to tensors)")
    return dict(state_dict)


def map_original_state_dict(state_dict: dict[str, torch.Tensor], prefix: str) -> tuple[dict[str, torch.Tensor], list[str]]:
    """The original's parameters under the domain-head model's names, and the names left out
    (the pooler, the unused ``classifier``, stale position-id buffers)."""
    mapped, dropped = {}, []
    for key, tensor in state_dict.items():
        name = key.removeprefix("module.")  # saved from a DataParallel wrapper
        if (
            name.startswith("classifier.")
            or name.startswith(f"{prefix}.pooler.")
            or name.endswith("embeddings.position_ids")
            or name.endswith("embeddings.token_type_ids")
        ):
            dropped.append(key)
            continue
        mapped[name] = tensor
    return mapped, dropped


def _check_layout(mapped: dict, prefix: str, num_labels: int, source: str) -> None:
    """Refuse a state dict that lacks the original's two tag branches or encoder, or whose tag
    branches predict another number of tags than config.json's ``id2label`` holds."""
    missing = [f"{module}.{part}" for module in HEAD_MODULES for part in ("weight", "bias") if f"{module}.{part}" not in mapped]
    if missing:
        raise GerberaError(f"{source}: not in the original GERBERA layout: no {', '.join(missing)}")
    if not any(key.startswith(prefix + ".") for key in mapped):
        raise GerberaError(f"{source}: not in the original GERBERA layout: no encoder weights under '{prefix}.'")
    for module in ("bio_classifier", "gener_classifier"):
        rows = mapped[f"{module}.weight"].shape[0]
        if rows != num_labels:
            raise GerberaError(
                f"{source}: {module} predicts {rows} tags but config.json's id2label has {num_labels}"
            )


def load_original_model(
    name: str, config: PretrainedConfig, tagset: TagSet | None = None, cache_dir: str | None = None
) -> DomainHeadForTokenClassification:
    """The domain-head model holding the weights of a checkpoint in the original layout, in eval mode."""
    architecture = original_architecture(config)
    if architecture is None:
        raise GerberaError(f"{name}: not a checkpoint of the original GERBERA code (architectures {config.architectures})")
    prefix = ORIGINAL_ARCHITECTURES[architecture]
    if config.model_type != prefix:
        raise GerberaError(f"{name}: architecture {architecture} with model_type {config.model_type!r}, expected {prefix!r}")
    if tagset is not None:
        set_label_fields(config, tagset)
    path = _locate_weights(name, cache_dir)
    mapped, dropped = map_original_state_dict(read_state_dict(path), prefix)
    _check_layout(mapped, prefix, config.num_labels, path)

    model = domain_head_class(config)(config)
    result = model.load_state_dict(mapped, strict=False)
    expected_buffers = {n for n, _ in model.named_buffers()}
    missing = [k for k in result.missing_keys if k not in expected_buffers]
    if missing:
        raise GerberaError(
            f"{path}: weights missing for {len(missing)} parameters of the {config.model_type} encoder "
            f"(e.g. {', '.join(missing[:3])}): not a complete checkpoint of the original code"
        )
    if result.unexpected_keys:
        logger.warning("%s: unused weights: %s", path, ", ".join(result.unexpected_keys[:10]))
    model.config.architectures = [type(model).__name__]
    setattr(model.config, CONVERTED_FROM_CONFIG_KEY, architecture)
    logger.info(
        "%s: a %s checkpoint of the original GERBERA code, loaded as %s (biomedical and general-domain branches; "
        "ignored: %s)",
        name, architecture, type(model).__name__, ", ".join(sorted({_short(k) for k in dropped})) or "nothing",
    )
    model.eval()
    return model


def _short(key: str) -> str:
    """``classifier``, ``roberta.pooler``, ``roberta.embeddings.position_ids``: what a dropped key belongs to."""
    key = key.removeprefix("module.")
    if key.startswith("classifier."):
        return "classifier"
    if ".pooler." in key:
        return key.split(".pooler.")[0] + ".pooler"
    return key
