"""One live process per rank in a corpus output folder, and what a dead one left behind removed.

Two processes of the same rank (a requeued job that starts while the old one is still stopping, or
the same ``--shard K/N`` started twice) would tag the same units and, cleaning up, remove each
other's files in progress. So each process holds the lock of its rank,
``.gerbera-predict/ranks/rank{R}.lock`` (an ``flock``, which the system drops when the process
ends, however it ends), for as long as it tags, with a line naming it (host, pid, since when):

- **A second process of the same rank waits**, up to :data:`WAIT_SECONDS`, for the first to stop,
  then is refused with one line naming the process that holds the rank. Waiting covers a requeued
  job whose old process is still stopping (schedulers give it tens of seconds); refusing after that
  keeps a duplicate from sitting idle on an allocation behind a run that may take hours, or hang.
- **Leftovers are removed only when their owner is gone.** A unit in progress is written as
  ``.gerbera-predict/writing/rank{R}-{host}-{pid}.*``; a process removes such a file only while it
  holds rank R's lock (its own rank's for its whole run; another rank's for the moment it takes).
- **Where the file system has no working locks** (``flock`` fails), the owner line decides: a live
  process on this host holds the rank; one on another host cannot be asked and is taken as gone.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import re
import socket
import time
from pathlib import Path

from gerbera.errors import GerberaError

__all__ = ["RankLock", "remove_leftovers", "temporary_name"]

logger = logging.getLogger("gerbera")

WAIT_SECONDS = 60.0
POLL_SECONDS = 0.5
_LEFTOVER = re.compile(r"^\.?rank(\d+)-(?:(.+)-(\d+)\.)?")  # the writer's own temporary file starts with "."


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9.-]", "_", socket.gethostname()) or "host"


def temporary_name(rank: int, extension: str) -> str:
    """The name of a unit's output while this process writes it."""
    return f"rank{rank}-{_host()}-{os.getpid()}{extension}"


def _alive(host: str | None, pid: int | None) -> bool:
    """Whether a process named by host and pid is running (one on another host: taken as gone)."""
    if host != _host() or pid is None or pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RankLock:
    """The lock of one rank of an output folder's processes."""

    def __init__(self, state: Path, rank: int):
        self.rank, self.path = rank, Path(state) / "ranks" / f"rank{rank}.lock"
        self._handle = None

    def _owner(self) -> tuple[str | None, int | None, str]:
        with contextlib.suppress(OSError, ValueError):
            host, pid, since = self.path.read_text(encoding="utf-8").split(" ", 2)
            return host, int(pid), since.strip()
        return None, None, "?"

    def try_acquire(self, claim: bool = True) -> bool:
        """Take the lock if no live process holds it (``claim``: and name this process as its holder)."""
        self.path.parent.mkdir(parents=True, exist_ok=True)
        handle = open(self.path, "a+", encoding="utf-8")  # noqa: SIM115 (held until release)
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            handle.close()
            return False
        except OSError:  # no locks on this file system: the owner line decides
            if _alive(*self._owner()[:2]):
                handle.close()
                return False
        if claim:
            handle.seek(0)
            handle.truncate()
            handle.write(f"{_host()} {os.getpid()} {time.strftime('%Y-%m-%d %H:%M:%S')}\n")
            handle.flush()
        self._handle = handle
        return True

    def acquire(self, folder: str, wait: float | None = None) -> None:
        """Take the lock, waiting up to ``wait`` seconds (:data:`WAIT_SECONDS`) for its holder to stop."""
        deadline = time.monotonic() + (WAIT_SECONDS if wait is None else wait)
        said = False
        while not self.try_acquire():
            host, pid, since = self._owner()
            holder = f"pid {pid} on {host}, running since {since}"
            if time.monotonic() >= deadline:
                raise GerberaError(
                    f"--output {folder}: process {self.rank + 1} of this run's processes (the same --shard and rank) "
                    f"is already tagging into it ({holder}); two would tag the same units: let it finish or "
                    "stop it, then run this again")
            if not said:
                logger.warning("--output %s: waiting for the other process of rank %d (%s) to stop", folder,
                               self.rank, holder)
                said = True
            time.sleep(POLL_SECONDS)

    def release(self) -> None:
        if self._handle is not None:
            self._handle.close()  # drops the flock
            self._handle = None


def remove_leftovers(writing: Path, state: Path, own: RankLock) -> None:
    """Remove the units in progress that dead processes left under ``writing`` (see the module docstring)."""
    by_rank: dict[int, list[Path]] = {}
    for path in writing.iterdir() if writing.is_dir() else ():
        match = _LEFTOVER.match(path.name)
        if match and not _alive(match.group(2), int(match.group(3)) if match.group(3) else None):
            by_rank.setdefault(int(match.group(1)), []).append(path)
    for rank, paths in sorted(by_rank.items()):
        other = own if rank == own.rank else RankLock(state, rank)
        if other is own or other.try_acquire(claim=False):  # held for a moment: its owner line is left as it is
            try:
                for path in paths:
                    path.unlink(missing_ok=True)
            finally:
                if other is not own:
                    other.release()
