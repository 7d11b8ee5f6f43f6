"""One run at a time in an --output_dir: a second run_ner.py or run_eval.py started on the folder of a
run still going is refused in one line, naming that run, before it reads or removes anything there.

The lock is an advisory ``flock`` on ``<output_dir>/.gerbera-run.lock``, held by the main process
(global rank 0) for the whole run and released by the kernel when the process ends, however it
ends (a kill -9 too): a folder is never left locked. The file stays, holding who last ran there; a
folder that holds only it counts as empty. Processes on different machines are told apart where the
shared file system supports ``flock`` (NFSv4, Lustre, GPFS do).
"""

from __future__ import annotations

import contextlib
import datetime
import os
import socket
from collections.abc import Iterator
from pathlib import Path

from gerbera.errors import GerberaError

__all__ = ["LOCK_NAME", "one_run_at_a_time"]

LOCK_NAME = ".gerbera-run.lock"


@contextlib.contextmanager
def one_run_at_a_time(output_dir: str, enabled: bool = True) -> Iterator[None]:
    """Hold the folder's lock for the block; refuse at once if another live process holds it."""
    if not enabled:
        yield
        return
    import fcntl

    folder = Path(output_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError:  # not a folder, or not one that can be made: the output-folder checks say so in one line
        yield
        return
    with open(folder / LOCK_NAME, "a+", encoding="utf-8") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.seek(0)
            holder = handle.read().strip() or "another process"
            raise GerberaError(f"--output_dir {output_dir}: another run is writing into it ({holder}); wait for it to "
                               f"end, or choose another --output_dir") from None
        handle.seek(0)
        handle.truncate()
        started = datetime.datetime.now().astimezone().isoformat(timespec="seconds")
        handle.write(f"pid {os.getpid()} on {socket.gethostname()}, running since {started}\n")
        handle.flush()
        yield
