"""A head per corpus in the trainer: each example's logits and labels routed to its head's columns.

A model with a head per corpus (`gerbera.models.corpus_heads`) gives every head's logits side by side.
Its features carry a ``head_ids`` column (the example's head, an index into the config's heads) and
labels that are the head's own tag ids (0 .. len(head labels) - 1). `HeadColumns.route` keeps each
example's own head's columns and fills every other column with the lowest value of the logits'
dtype: the softmax (of the loss, as of the argmax of scoring) is then over the head's columns
alone, and the other heads get no gradient from the example. `HeadColumns.labels` turns the head's
tag ids into column ids of the whole logits.
"""

from __future__ import annotations

import torch

from gerbera.models.corpus_heads import heads_of

HEAD_IDS = "head_ids"


class HeadColumns:
    """The first and last-plus-one column of every head of a model (``None`` from `of` without heads)."""

    def __init__(self, starts: list[int], ends: list[int]):
        self.starts = torch.tensor(starts, dtype=torch.long)
        self.ends = torch.tensor(ends, dtype=torch.long)

    @classmethod
    def of(cls, config) -> HeadColumns | None:
        heads = heads_of(config)
        if heads is None:
            return None
        return cls([head.columns.start for head in heads], [head.columns.stop for head in heads])

    def _per_example(self, head_ids: torch.Tensor, device) -> tuple[torch.Tensor, torch.Tensor]:
        head_ids = torch.as_tensor(head_ids, device=device).reshape(-1)
        return self.starts.to(device)[head_ids], self.ends.to(device)[head_ids]

    def route(self, logits: torch.Tensor, head_ids: torch.Tensor) -> torch.Tensor:
        """``logits`` (batch, length, columns) with every column outside each example's head at the dtype's minimum."""
        starts, ends = self._per_example(head_ids, logits.device)
        columns = torch.arange(logits.shape[-1], device=logits.device)
        inside = (columns >= starts[:, None]) & (columns < ends[:, None])  # (batch, columns)
        return logits.masked_fill(~inside[:, None, :], torch.finfo(logits.dtype).min)

    def labels(self, labels: torch.Tensor, head_ids: torch.Tensor) -> torch.Tensor:
        """The head's own tag ids (batch, length) as column ids of the logits; -100 stays -100."""
        starts, _ = self._per_example(head_ids, labels.device)
        return torch.where(labels == -100, labels, labels + starts[:, None])
