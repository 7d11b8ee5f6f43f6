"""A head per corpus (``--head corpus``): what a model's config says about its heads.

A model trained with a head per corpus is a standard token-classification model whose one
classifier layer gives the tags of every head side by side: head *k*'s logits are the columns
``offset_k .. offset_k + len(labels_k)`` of the model's ``logits``, in the order of the config's
``gerbera_heads`` list (`HEADS_CONFIG_KEY`). Each entry names:

- ``name``: the head's entity type (the type of an untyped corpus's entities, e.g. ``Disease``; a
  typed corpus's head keeps its tags' own types, and ``name`` then only names the head);
- ``dataset``: the dataset of ``--data_list`` whose examples train it;
- ``labels``: its tags, in the order of its columns;
- ``general``: a general-domain dataset's head (trained, not given by ``run_predict.py`` by default).

Training routes each example's loss to its dataset's columns only, so each head learns from its
own corpus alone while the encoder learns from all of them. ``id2label`` names each column
``<name>:<tag>`` so that a reader of the config sees which head a column belongs to.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

from gerbera.errors import GerberaError

HEADS_CONFIG_KEY = "gerbera_heads"

__all__ = ["HEADS_CONFIG_KEY", "Head", "heads_of", "set_heads"]


@dataclass(frozen=True)
class Head:
    """One head of a model with a head per corpus (see the module docstring)."""

    name: str
    dataset: str
    labels: tuple[str, ...]
    general: bool = False
    offset: int = 0  # its first column in the logits

    @property
    def columns(self) -> slice:
        """The head's columns of the logits."""
        return slice(self.offset, self.offset + len(self.labels))


def heads_of(config) -> list[Head] | None:
    """The heads a model's config lists, with their columns; ``None`` for a model with one head."""
    entries = getattr(config, HEADS_CONFIG_KEY, None)
    if not entries:
        return None
    heads, offset = [], 0
    for entry in entries:
        try:
            head = Head(str(entry["name"]), str(entry["dataset"]), tuple(entry["labels"]), bool(entry.get("general", False)), offset)
        except (KeyError, TypeError):
            raise GerberaError(f"config.json: {HEADS_CONFIG_KEY} entry {entry!r} lacks a name, dataset or labels") from None
        heads.append(head)
        offset += len(head.labels)
    _check(heads, getattr(config, "num_labels", offset))
    return heads


def set_heads(config, heads: list[Head]) -> None:
    """Write ``heads`` (in column order) into ``config``, with the label fields that go with them."""
    _check(heads, sum(len(head.labels) for head in heads))
    setattr(config, HEADS_CONFIG_KEY, [
        {"name": head.name, "dataset": head.dataset, "labels": list(head.labels), "general": head.general}
        for head in heads
    ])
    id2label, offset = {}, 0
    for head in heads:  # columns in the order of the list
        for tag in head.labels:
            id2label[offset] = f"{head.name}:{tag}"
            offset += 1
    config.num_labels = len(id2label)
    config.id2label = id2label
    config.label2id = {label: index for index, label in id2label.items()}


def _check(heads: list[Head], columns: int) -> None:
    names = [head.name for head in heads]
    datasets = [head.dataset for head in heads]
    for what, values in (("name", names), ("dataset", datasets)):
        repeated = sorted({value for value in values if values.count(value) > 1})
        if repeated:
            raise GerberaError(f"{HEADS_CONFIG_KEY}: two heads with the {what} {', '.join(repeated)}")
    if any(not head.labels for head in heads):
        raise GerberaError(f"{HEADS_CONFIG_KEY}: a head without labels")
    total = sum(len(head.labels) for head in heads)
    if total != columns:
        raise GerberaError(f"{HEADS_CONFIG_KEY}: the heads have {total} tags but the model has {columns} (num_labels)")


def as_dict(head: Head) -> dict:
    """A head as the config writes it (for records and model cards)."""
    entry = asdict(head)
    entry.pop("offset")
    entry["labels"] = list(head.labels)
    return entry
