"""Loading a model with a head per corpus for tagging (:mod:`gerbera.models.corpus_heads`).

Such a model is a standard token-classification model whose logits hold every head's tags side
by side; its ``id2label`` names each column ``<head>:<tag>``, which is no tag set of its own, so
it is loaded here as it was saved (its config's label fields kept) rather than through the tag
set of a model with one head. Its tagger gets one :class:`~gerbera.tagging.tag_layers.TagLayer`
per head (:func:`~gerbera.tagging.tag_layers.head_layers`).
"""

from __future__ import annotations

from gerbera.models.corpus_heads import heads_of
from gerbera.models.loading import check_max_seq_length, load_config, load_tokenizer, resolve_model_path
from gerbera.models.model_side import ModelSide
from gerbera.models.weights import load_weights

__all__ = ["load_heads_model"]


def load_heads_model(model_args, max_seq_length: int):
    """``(name, model, encoder, heads)`` of a model with a head per corpus; ``None`` for any other model."""
    name = resolve_model_path(model_args.model_name_or_path)
    config = load_config(name, model_args.trust_remote_code, model_args.cache_dir)
    heads = heads_of(config)
    if heads is None:
        return None
    from transformers import AutoModelForTokenClassification

    tokenizer = load_tokenizer(name, config, model_args.trust_remote_code, model_args.cache_dir)
    check_max_seq_length(max_seq_length, config, tokenizer, name)
    side = ModelSide(name, config, tokenizer, None, getattr(model_args, "word_tokenization", None))
    encoder = side.encoder(max_seq_length)
    model = load_weights(AutoModelForTokenClassification.from_pretrained, name, config=config,
                         trust_remote_code=model_args.trust_remote_code, cache_dir=model_args.cache_dir)
    return name, model, encoder, heads
