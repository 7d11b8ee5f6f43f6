"""The fields the toolkit writes into a model's config.json, in one place.

Beside the standard fields of transformers, a model saved by the toolkit records:

- ``gerbera_head`` (`HEAD_CONFIG_KEY`): ``"domain"`` (`DOMAIN_HEAD`) for a model with the domain
  head (`gerbera.models.domain_head`); absent for the standard shared head;
- ``gerbera_word_tokenization`` (`WORD_TOKENIZATION_CONFIG_KEY`): how words were cut into
  sub-tokens for the model, ``"standard"`` or ``"legacy"`` (the original code's word tokenization;
  see `gerbera.features.word_pieces`);
- ``gerbera_converted_from`` (`CONVERTED_FROM_CONFIG_KEY`): for a model converted from a
  checkpoint of the original GERBERA code, the original architecture (``RoBERTaMultiNER2`` /
  ``BERTMultiNER2``).

The tag set goes into the standard label fields (``id2label``, ``label2id``, ``num_labels``):
`set_label_fields` writes them, for every kind of model.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from transformers import PretrainedConfig

    from gerbera.corpora.tags import TagSet

# config attribute that marks a checkpoint saved with the domain head, and its value for that head
HEAD_CONFIG_KEY = "gerbera_head"
DOMAIN_HEAD = "domain"
# config attribute recording how words were tokenized for a model ("standard" / "legacy")
WORD_TOKENIZATION_CONFIG_KEY = "gerbera_word_tokenization"
# config attribute naming the original code's architecture a converted model came from
CONVERTED_FROM_CONFIG_KEY = "gerbera_converted_from"


def is_domain_head_config(config: PretrainedConfig) -> bool:
    """True for the config of a model marked for, or saved with, the domain head."""
    return getattr(config, HEAD_CONFIG_KEY, None) == DOMAIN_HEAD


def mark_domain_head(config: PretrainedConfig) -> None:
    """Mark ``config`` for the domain head (`gerbera.models.loading.load_model` then builds it)."""
    setattr(config, HEAD_CONFIG_KEY, DOMAIN_HEAD)


def set_label_fields(config: PretrainedConfig, tagset: TagSet) -> None:
    """Make ``config``'s label fields (``num_labels``, ``id2label``, ``label2id``) those of ``tagset``."""
    config.num_labels = len(tagset.labels)
    config.id2label = tagset.id2label
    config.label2id = dict(tagset.label2id)
