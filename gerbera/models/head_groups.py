"""The split groups of a run with a head per corpus: each dataset's tags read as its head's.

`training_heads` gives the heads a training run trains (new ones made from the training data, or
the heads of the model it continues, which are all kept); `route_group` sets a `SplitGroup` up so
that each dataset's tags are mapped into its head's tag set (tag ids the head's own) and its rows
carry the head's index; `load_heads_group` reads a devel or test split of several datasets and
routes each to its head (`gerbera.models.head_choice`).
"""

from __future__ import annotations

import logging

from gerbera.corpora.column_files import parse_dataset_list
from gerbera.corpora.type_map import parse_type_map
from gerbera.features.split_groups import SplitGroup, read_splits
from gerbera.models.corpus_heads import Head, heads_of, set_heads
from gerbera.models.head_choice import describe, head_tagset, heads_for_datasets, new_heads, parse_head_types

logger = logging.getLogger("gerbera")


def training_heads(config, model: str, splits, data_args) -> list[Head]:
    """The heads of the model a run trains: those of ``config`` (a model with heads, continued), else
    one new head per training split, written into ``config``."""
    heads = heads_of(config)
    if heads is not None:
        logger.info("Heads of %s (all kept): %s", model, describe(heads))
        return heads
    heads = new_heads(splits, parse_head_types(data_args.head_types), parse_dataset_list(data_args.general_data_list))
    set_heads(config, heads)
    logger.info("--head corpus: a head per dataset: %s", describe(heads))
    return heads


def route_group(group: SplitGroup, heads: list[Head], chosen: dict[str, Head], model: str, data_args) -> SplitGroup:
    """Map each dataset of ``group`` into its head's tags (``chosen``: dataset to head) and map its tags."""
    tagsets = {head.name: head_tagset(head, model, data_args.type_map, data_args.ignore_types) for head in chosen.values()}
    index = {head.name: i for i, head in enumerate(heads)}
    group.dataset_tagsets = {dataset: tagsets[head.name] for dataset, head in chosen.items()}
    group.dataset_heads = {dataset: index[head.name] for dataset, head in chosen.items()}
    group.column_labels = [tag for head in heads for tag in head.labels]
    group.tagset = group.dataset_tagsets[group.splits[0].dataset]
    for dataset, head in chosen.items():
        if head.dataset != dataset:
            logger.info("%s: scored with the head %s (trained on %s)", dataset, head.name, head.dataset)
    group.map_tags()
    return group


def heads_group(splits, heads: list[Head], model: str, data_args, training: bool = False) -> SplitGroup:
    """A `SplitGroup` of ``splits`` routed to their heads (see `gerbera.models.head_choice`)."""
    chosen = heads_for_datasets(heads, splits, parse_head_types(data_args.head_types), parse_type_map(data_args.type_map),
                                training=training)
    group = SplitGroup(splits, head_tagset(chosen[splits[0].dataset], model))
    return route_group(group, heads, chosen, model, data_args)


def load_heads_group(data_args, names: list[str], split: str, heads: list[Head], model: str) -> SplitGroup:
    """One split (devel or test) of the datasets ``names``, each with its head's tags."""
    splits = read_splits(data_args.data_dir, names, split, data_args.entity_types)
    return heads_group(splits, heads, model, data_args)
