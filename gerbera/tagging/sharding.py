"""Which process tags which unit of work: torchrun ranks, ``--shard K/N`` job arrays, or both.

A corpus run's units are the parts of its input files (see :mod:`gerbera.tagging.corpus_run`).
Unit ``p`` (0-based) of file ``f`` (0-based, in the sorted input list) belongs to process
``(f + p) % N``: one file's parts go round the processes, and so do single-part files. No
process talks to another: each reads the same input list, skips what is not its own, and
writes only its own units' files, so there is nothing to coordinate and a process that dies
leaves only its own units undone (the next run redoes them).

- ``torchrun --nproc_per_node N`` (and multi-node torchrun) sets ``RANK`` and ``WORLD_SIZE``;
  each process uses the GPU of its ``LOCAL_RANK`` (``--device auto`` or ``cuda`` without an
  index), or on the CPU its share of the cores (:mod:`gerbera.tagging.core_share`).
- ``--shard K/N`` (``K`` from 0 to ``N-1``, e.g. ``--shard $SLURM_ARRAY_TASK_ID/100``) does the
  same for processes started by a scheduler. Under torchrun too, shard ``K`` of ``N`` is cut
  again among the ranks: ``N x WORLD_SIZE`` processes in all.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass

from gerbera.errors import GerberaError, UsageError

__all__ = ["Worker", "parse_shard"]

_SHARD = re.compile(r"^\s*(\d+)\s*/\s*(\d+)\s*$")


def parse_shard(value: str | None) -> tuple[int, int]:
    """``"K/N"`` as ``(K, N)``, checked; ``None`` is ``(0, 1)``."""
    if value is None:
        return 0, 1
    match = _SHARD.match(value)
    if not match:
        raise UsageError(f"--shard {value}: give K/N, e.g. --shard 0/4 for the first of 4 shards")
    index, count = int(match.group(1)), int(match.group(2))
    if count < 1 or index >= count:
        raise UsageError(f"--shard {value}: K must be from 0 to N-1 (shards are numbered from 0)")
    return index, count


def _env_int(name: str, default: int) -> int:
    value = os.environ.get(name)
    try:
        return int(value) if value not in (None, "") else default
    except ValueError:
        raise GerberaError(f"environment variable {name}={value!r}: not a number") from None


@dataclass(frozen=True)
class Worker:
    """This process's place among the processes of a run."""

    rank: int = 0
    world: int = 1
    local_rank: int = 0
    local_world: int = 1

    @classmethod
    def from_environment(cls, shard: str | None = None) -> Worker:
        """From torchrun's variables (if any) and ``--shard``."""
        shard_index, shard_count = parse_shard(shard)
        rank, world = _env_int("RANK", 0), _env_int("WORLD_SIZE", 1)
        if not 0 <= rank < world:
            raise GerberaError(f"RANK={rank} and WORLD_SIZE={world}: the rank must be below the world size")
        return cls(
            rank=shard_index * world + rank, world=shard_count * world,
            local_rank=_env_int("LOCAL_RANK", 0), local_world=max(1, _env_int("LOCAL_WORLD_SIZE", 1)),
        )

    def owns(self, file_index: int, part_index: int) -> bool:
        """Whether part ``part_index`` of file ``file_index`` is this process's unit."""
        return (file_index + part_index) % self.world == self.rank

    @property
    def label(self) -> str:
        return f"process {self.rank + 1} of {self.world}" if self.world > 1 else "one process"

    def idle_warning(self, documents: list[int | None], part_documents: int) -> str | None:
        """Why this process will tag nothing, with the flag to use, when the input files (of about
        ``documents`` documents each, in input order) have too few units to give it one; else None."""
        if any(count is None for count in documents):
            return None
        parts = [max(1, -(-count // part_documents)) for count in documents]
        if any(self.owns(file_index, part) for file_index, count in enumerate(parts) for part in range(count)):
            return None
        total = sum(documents)
        fix = (f"give --part_documents {max(1, total // self.world)} or fewer to cut the input into a unit for "
               "every process" if total >= self.world else "start fewer processes")
        return (f"{self.label} has no unit to tag: {len(documents)} input file{'s' if len(documents) > 1 else ''} "
                f"of about {total} documents in all make {sum(parts)} unit{'s' if sum(parts) > 1 else ''} at "
                f"--part_documents {part_documents}, for {self.world} processes (--shard and torchrun share out "
                f"units, a file is cut only into parts of --part_documents documents); {fix}")

    def device(self, requested: str) -> str:
        """The device of ``requested`` for this process: under torchrun, ``auto`` and ``cuda`` (no index)
        mean this process's own GPU, ``cuda:LOCAL_RANK`` counted round the node's GPUs; ``cuda:1`` is
        ``cuda:1``."""
        if requested not in ("auto", "cuda") or self.local_world == 1:
            return requested
        import torch

        if torch.cuda.is_available():
            return f"cuda:{self.local_rank % torch.cuda.device_count()}"
        return "cpu" if requested == "auto" else requested
