"""How a corpus's entity types meet a trained model's: ``--type_map`` and ``--ignore_types``.

A model keeps the tags it was trained with. To score it on (or fine-tune it with) a corpus whose
types have other names, ``--type_map MODEL=CORPUS`` reads the corpus's type ``CORPUS`` as the
model's type ``MODEL`` (``--type_map Chemical=Drug``; several pairs joined by ``,``); to compare
spans alone, ``--ignore_types`` (scoring only) reads gold and predicted tags without their types.
An untyped corpus (``B``, ``I``, ``O``) needs neither with a model of one type: its entities are
read as that type (`gerbera.corpora.tags.TagSet.map_sentence`), and an untyped model reads typed
tags as ``B``/``I``.
"""

from __future__ import annotations

from gerbera.corpora.tags import TagSet
from gerbera.errors import GerberaError, UsageError


def flag_pairs(flag: str, value: str, form: str, example: str, forbidden: str = " =") -> list[tuple[str, str]]:
    """The ``A=B`` pairs of a flag's value joined by ``,``; a pair with an empty side or a character of
    ``forbidden`` in a side is a usage error that shows ``form`` and ``example``."""
    pairs = []
    for pair in value.split(","):
        left, _, right = (part.strip() for part in pair.partition("="))
        if not left or not right or any(c in side for side in (left, right) for c in forbidden):
            raise UsageError(f"{flag} {value}: '{pair}' is not {form} (e.g. {flag} {example})")
        pairs.append((left, right))
    return pairs


def parse_type_map(value: str | None) -> dict[str, str]:
    """``"Chemical=Drug,Disease=Illness"`` -> ``{"Drug": "Chemical", "Illness": "Disease"}`` (corpus type to model type)."""
    if not value:
        return {}
    renames: dict[str, str] = {}
    for model_type, corpus_type in flag_pairs("--type_map", value, "MODEL_TYPE=CORPUS_TYPE", "Chemical=Drug"):
        if corpus_type in renames:
            raise UsageError(f"--type_map {value}: the corpus type {corpus_type} is mapped twice")
        renames[corpus_type] = model_type
    return renames


def read_corpus_types(tagset: TagSet, type_map: str | None, ignore_types: bool) -> TagSet:
    """Set how ``tagset`` reads the corpora's types (checked against its own types) and return it."""
    renames = parse_type_map(type_map)
    if renames and ignore_types:
        raise UsageError("--type_map and --ignore_types: give one (with --ignore_types types are not compared at all)")
    if renames and not tagset.typed:
        raise GerberaError(
            f"--type_map {type_map}: the tag set ({tagset.source}) is untyped ({', '.join(tagset.labels)}): every "
            "corpus type is read as B/I already; leave --type_map out"
        )
    unknown = sorted(set(renames.values()) - set(tagset.entity_types))
    if unknown:
        raise GerberaError(
            f"--type_map {type_map}: the tag set ({tagset.source}) has no type {', '.join(unknown)}; its types: "
            f"{', '.join(tagset.entity_types)} (write MODEL_TYPE=CORPUS_TYPE)"
        )
    tagset.corpus_types = renames
    tagset.ignore_types = ignore_types
    return tagset
