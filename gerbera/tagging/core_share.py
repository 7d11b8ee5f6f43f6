"""How many CPU threads a process of a corpus run takes when several run on one machine.

Processes that tag one output folder (``--shard K/N`` job-array tasks, torchrun ranks, or both)
often land on one machine, and each would otherwise take every core: two ``--shard`` processes
on 2 cores tagged 10 documents/s together where one thread each gave 20. Unless
``--num_threads`` is given, each process takes its share of the cores it may run on
(``os.sched_getaffinity``: a Slurm task's own cores when its allocation limits them):

- the processes of the run on this machine register in the output folder
  (``.gerbera-predict/processes/<host>-<pid>.json``: host, process id and start time, cores);
  a process counts the live ones on its own host whose cores overlap its own (a file left by
  a process that died is ignored, and removed) and takes ``cores // count`` threads;
- under torchrun, ``LOCAL_WORLD_SIZE`` is a floor on the count (the ranks start together);
- the count is taken again every ``interval`` seconds while the run tags (between chunks), so a
  process that starts late or finishes early changes the others' share; each change is logged.

Processes of other runs, or in containers that hide each other's host, are not counted: give
``--num_threads`` there. Any trouble with the register (a read-only folder) falls back to
the torchrun count, never stops the run.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from pathlib import Path

logger = logging.getLogger("gerbera")

__all__ = ["CoreShare", "available_cores"]

_FOLDER = Path(".gerbera-predict") / "processes"


def available_cores() -> set[int]:
    """The cores this process may run on."""
    if hasattr(os, "sched_getaffinity"):
        return set(os.sched_getaffinity(0))
    return set(range(os.cpu_count() or 1))


def _start_time(pid: int) -> str | None:
    """A process's start time (Linux: clock ticks since boot), which tells it from a later one with its id."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[1].split()[19]
    except (OSError, IndexError):
        return None


def _alive(pid: int, started: str | None) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # someone else's process: alive
    except OSError:
        return False
    return started is None or _start_time(pid) in (None, started)


class CoreShare:
    """This process's share of the cores among the processes of one run on this machine (see the module docstring).

    Use as a context manager (registers on entry, leaves on exit); :meth:`apply` sets torch's threads.
    """

    def __init__(self, output_folder: str, known: int = 1, interval: float = 10.0):
        self.folder = Path(output_folder) / _FOLDER
        self.known, self.interval = max(1, known), interval
        self.host, self.pid = socket.gethostname(), os.getpid()
        self.cores = available_cores()
        self.mine = self.folder / f"{self.host}-{self.pid}.json"
        self.threads: int | None = None
        self.checked = float("-inf")

    def __enter__(self) -> CoreShare:
        record = {"host": self.host, "pid": self.pid, "started": _start_time(self.pid), "cores": sorted(self.cores)}
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            writing = self.mine.with_suffix(".writing")
            writing.write_text(json.dumps(record), encoding="utf-8")
            os.replace(writing, self.mine)
        except OSError as error:
            logger.warning("cannot register this process in %s (%s): the processes of this run on this machine "
                           "are counted as %d; give --num_threads to choose", self.folder, error, self.known)
        return self

    def __exit__(self, *exc) -> None:
        self.mine.unlink(missing_ok=True)

    def processes(self) -> int:
        """The live processes of this run on this machine whose cores overlap this one's (this one included)."""
        count = 1
        try:
            entries = [path for path in self.folder.glob("*.json") if path != self.mine]
        except OSError:
            entries = []
        for path in entries:
            try:
                record = json.loads(path.read_text(encoding="utf-8"))
                if record["host"] != self.host:
                    continue
                if not _alive(int(record["pid"]), record.get("started")):
                    path.unlink(missing_ok=True)  # left by a process that died
                    continue
                count += bool(self.cores & set(record["cores"]))
            except (OSError, ValueError, KeyError, TypeError):
                continue  # being written or removed, or not ours: not counted
        return max(count, self.known)

    def apply(self) -> None:
        """Set torch's threads to this process's share, if the count may have changed (every ``interval`` s)."""
        now = time.monotonic()
        if now - self.checked < self.interval:
            return
        self.checked = now
        count = self.processes()
        threads = max(1, len(self.cores) // count)
        if threads == self.threads:
            return
        import torch

        torch.set_num_threads(threads)
        logger.info("%s%d process%s of this run on this machine, %d cores: %d torch thread%s%s (--num_threads chooses)",
                    "now " if self.threads is not None else "", count, "es" if count > 1 else "", len(self.cores),
                    threads, "s" if threads > 1 else "", " each" if count > 1 else "")
        self.threads = threads
