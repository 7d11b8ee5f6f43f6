"""What a model gives when it tags: one or more tag layers, each read into entities of its own types.

A model with one head gives one layer: the arg-max over all its logits, its tags read into
entities typed by the tags (``B-Chemical``: ``Chemical``) or, untyped (``B``, ``I``, ``O``), by
the name it is given. A model with a head per corpus (:mod:`gerbera.models.corpus_heads`) gives
one layer per head, from one encoder pass: the arg-max over the head's own columns of the logits
(its probability a softmax over those columns), entities typed by the head's name (untyped tags)
or by the tags' own types (typed tags). Heads of general-domain data (``general``) give no
layer unless asked for (``--general_heads``).

:func:`check_layers` holds the rule that keeps an output readable: no two layers, of one model
or of two, give the same entity type, and all use one tag scheme. So entities of one type come
from one tag sequence and never overlap; entities of different types may overlap and are all kept.
"""

from __future__ import annotations

from dataclasses import dataclass

from gerbera.corpora.tags import TagSet
from gerbera.errors import GerberaError
from gerbera.tagging.entities import SpanDecoder

__all__ = ["TagLayer", "check_layers", "head_layers", "single_layer"]


@dataclass(frozen=True)
class TagLayer:
    """One tag sequence a model gives per word, and how its entities are typed."""

    tagset: TagSet
    columns: slice | None = None  # the logits' columns it is the arg-max of (None: all of them)
    entity_type: str | None = None  # the type of untyped tags' entities (None: typed tags)
    head: str | None = None  # the head's name, for a model with a head per corpus

    @property
    def types(self) -> tuple[str, ...]:
        """The entity types this layer gives."""
        return tuple(self.tagset.entity_types) if self.entity_type is None else (self.entity_type,)

    def decoder(self) -> SpanDecoder:
        return SpanDecoder(self.tagset.labels)


def single_layer(tagset: TagSet, entity_type: str) -> TagLayer:
    """The one layer of a model with one head."""
    return TagLayer(tagset, None, None if tagset.typed else entity_type)


def head_layers(heads, name: str, general: bool = False) -> list[TagLayer]:
    """The layers of a model with a head per corpus (``heads``: :func:`~gerbera.models.corpus_heads.heads_of`)."""
    layers = []
    for head in heads:
        if head.general and not general:
            continue
        tagset = TagSet(list(head.labels), source=f"model {name}, head {head.name}")
        if len(tagset.labels) != len(head.labels):
            raise GerberaError(f"model {name}: head {head.name} has no O tag among its labels ({', '.join(head.labels)})")
        layers.append(TagLayer(tagset, head.columns, None if tagset.typed else head.name, head.name))
    if not layers:
        raise GerberaError(f"model {name}: every head is a general-domain head; add --general_heads to tag with them")
    return layers


def check_layers(models: dict[str, list[TagLayer]], typed_names: dict[str, bool] | None = None) -> None:
    """Refuse layers that would give one entity type twice, or tag schemes that differ.

    ``models``: each model's name and its layers. ``typed_names``: for each model named by the
    user whose name is not a type (a typed model), its name is reserved too: another model may
    not give entities of that type.
    """
    given: dict[str, str] = {}  # type -> the model (and head) that gives it
    for model, layers in models.items():
        for layer in layers:
            where = model if layer.head is None else f"{model} (head {layer.head})"
            for entity_type in layer.types:
                if entity_type in given:
                    raise GerberaError(f"--model: {given[entity_type]} and {where} both give entities of type "
                                       f"{entity_type}; give each type to one model")
                given[entity_type] = where
    for model, typed in (typed_names or {}).items():
        if typed and model in given and given[model].split(" ")[0] != model:
            raise GerberaError(f"--model {model}=...: {given[model]} gives entities of type {model}; name the "
                               "typed model otherwise")
    schemes = {f"{model}{'' if layer.head is None else ' (head ' + layer.head + ')'}": layer.tagset.scheme
               for model, layers in models.items() for layer in layers}
    if len(set(schemes.values())) > 1:
        listed = ", ".join(f"{where} {scheme}" for where, scheme in schemes.items())
        raise GerberaError(f"--model: the models use different tag schemes ({listed}); tag with models of one scheme")
