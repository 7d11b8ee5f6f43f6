"""Which head of a model with a head per corpus (`gerbera.models.corpus_heads`) a dataset uses.

- Training a new model (`new_heads`): one head per dataset of ``--data_list``, with the dataset's
  own tag set. Its name is the entity type: ``--head_types DATASET=TYPE`` names an untyped dataset's
  type (default: the dataset's name); a typed dataset of one type is named by it (BC2GM's
  ``B-GENE``/``I-GENE``: ``GENE``); of several types, by the dataset's name (CoNLL2003).
- Continuing a model with heads (`heads_for_datasets` with ``training=True``): each dataset trains
  the head made for it (its ``dataset``); a dataset without one is an error, never a new head.
- Scoring (`heads_for_datasets`): a dataset uses its own head; another dataset (cross-dataset
  evaluation) the head ``--head_types`` names for it, else, for a typed corpus, the head that
  has all its types (read through ``--type_map``); else an error that lists the heads.
"""

from __future__ import annotations

from collections.abc import Sequence

from gerbera.corpora.tags import TagSet, parse_tag
from gerbera.corpora.type_map import flag_pairs
from gerbera.errors import GerberaError, UsageError
from gerbera.models.corpus_heads import Head


def parse_head_types(value: str | None) -> dict[str, str]:
    """``"NCBI-disease=Disease,BC5CDR-disease=Disease"`` -> ``{"NCBI-disease": "Disease", ...}``."""
    if not value:
        return {}
    names: dict[str, str] = {}
    for dataset, head in flag_pairs("--head_types", value, "DATASET=TYPE", "NCBI-disease=Disease", forbidden=" =:"):
        if dataset in names:
            raise UsageError(f"--head_types {value}: the dataset {dataset} is named twice")
        names[dataset] = head
    return names


def corpus_types(tags: Sequence[str]) -> list[str]:
    """The entity types of a corpus's tags, sorted (empty for an untyped corpus)."""
    types = {parsed[1] for parsed in map(parse_tag, set(tags)) if parsed is not None and parsed[1] is not None}
    return sorted(types)


def new_heads(splits, head_types: dict[str, str], general_datasets: Sequence[str]) -> list[Head]:
    """One head per training split (a dataset of --data_list), in the order of --data_list."""
    heads = []
    for split in splits:
        tags = [tag for sentence in split.sentences for tag in sentence.tags]
        tagset = TagSet.from_tags(tags)
        types = corpus_types(tags)
        if split.dataset in head_types:
            if types:
                raise UsageError(f"--head_types {split.dataset}={head_types[split.dataset]}: {split.dataset} is typed "
                                 f"({', '.join(types)}); its head is named by its type(s)")
            name = head_types[split.dataset]
        elif len(types) == 1:
            name = types[0]
        else:
            name = split.dataset
        heads.append(Head(name, split.dataset, tuple(tagset.labels), split.dataset in general_datasets))
    names = [head.name for head in heads]
    repeated = sorted({name for name in names if names.count(name) > 1})
    if repeated:
        owners = ", ".join(head.dataset for head in heads if head.name in repeated)
        raise UsageError(f"--head corpus: two heads would be named {', '.join(repeated)} ({owners}); name an untyped "
                         "dataset's type with --head_types DATASET=TYPE")
    return heads


def check_head_types(value: str | None, datasets: Sequence[str]) -> None:
    """Refuse --head_types for a dataset the run neither trains nor scores (a misspelled name)."""
    unknown = sorted(set(parse_head_types(value)) - set(datasets))
    if unknown:
        raise UsageError(f"--head_types names {', '.join(unknown)}, which the run neither trains nor scores "
                         f"(its datasets: {', '.join(dict.fromkeys(datasets))})")


def head_tagset(head: Head, model: str, type_map: str | None = None, ignore_types: bool = False) -> TagSet:
    """The tag set of one head (its labels, in its column order), reading corpora through --type_map."""
    from gerbera.corpora.type_map import read_corpus_types

    return read_corpus_types(TagSet(list(head.labels), source=f"head {head.name} of {model}"), type_map, ignore_types)


def describe(heads: Sequence[Head]) -> str:
    """``Disease (NCBI-disease: B I O), GENE (BC2GM: ...)``: the heads, for errors and logs."""
    return ", ".join(f"{head.name} ({head.dataset}{', general' if head.general else ''}: {' '.join(head.labels)})"
                     for head in heads)


def heads_for_datasets(heads: Sequence[Head], splits, head_types: dict[str, str], type_map: dict[str, str],
                       training: bool = False) -> dict[str, Head]:
    """The head of each split's dataset (see the module docstring); ``type_map``: corpus type to model type."""
    by_dataset = {head.dataset: head for head in heads}
    by_name = {head.name: head for head in heads}
    chosen: dict[str, Head] = {}
    for split in splits:
        dataset = split.dataset
        if dataset in head_types:
            if head_types[dataset] not in by_name:
                raise UsageError(f"--head_types {dataset}={head_types[dataset]}: the model has no head "
                                 f"{head_types[dataset]}; its heads: {describe(heads)}")
            chosen[dataset] = by_name[head_types[dataset]]
        elif dataset in by_dataset:
            chosen[dataset] = by_dataset[dataset]
        elif training:
            raise UsageError(f"--data_list {dataset}: the model has no head for {dataset}; each dataset trains its own "
                               f"head (its heads: {describe(heads)}); name the head it trains with "
                               f"--head_types {dataset}=HEAD")
        else:
            chosen[dataset] = _head_by_type(heads, split, type_map)
    return chosen


def _head_by_type(heads: Sequence[Head], split, type_map: dict[str, str]) -> Head:
    types = {type_map.get(t, t) for t in corpus_types([tag for s in split.sentences for tag in (s.tags or [])])}
    if types:
        fitting = [head for head in heads if head.name in types and len(types) == 1
                   or types <= set(corpus_types(head.labels))]
        if len(fitting) == 1:
            return fitting[0]
    what = f"typed {', '.join(sorted(types))}" if types else "untyped"
    raise GerberaError(f"{split.path}: {split.dataset} ({what}) is not one of the model's datasets and no one head fits its "
                       f"types; choose one with --head_types {split.dataset}=HEAD (heads: {describe(heads)})")
