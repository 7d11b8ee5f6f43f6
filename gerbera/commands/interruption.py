"""A tagging run stopped by Ctrl-C or a signal: one line, no traceback, and no partial file.

:func:`stopped_cleanly` turns SIGTERM (what ``kill``, SLURM and Kubernetes send) into an exception
while the command runs, as Ctrl-C already is, so that every output being written is removed by its
own clean-up on the way out (outputs are written to a temporary file and renamed when complete).
The command then says what is kept and exits 128 + the signal's number (130 for Ctrl-C, 143 for
SIGTERM), as a process killed by the signal would. Training has its own handling, which saves a
checkpoint (`gerbera.training.preemption`); this is for commands with nothing to save.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

__all__ = ["Stopped", "stopped_cleanly"]

logger = logging.getLogger("gerbera")


class Stopped(BaseException):
    """SIGTERM received (a BaseException, as KeyboardInterrupt is: no ``except Exception`` swallows it)."""

    def __init__(self, signal_number: int):
        super().__init__(signal_number)
        self.signal_number = signal_number


def _raise_stopped(signal_number, _frame) -> None:
    raise Stopped(signal_number)


@contextmanager
def stopped_cleanly(what_is_kept: str) -> Iterator[None]:
    """Run the body; on Ctrl-C or SIGTERM, log one line (the signal, then ``what_is_kept``) and exit
    128 + the signal's number. Outside the main thread (where no handler can be set) only Ctrl-C is
    caught."""
    previous = None
    if threading.current_thread() is threading.main_thread():
        previous = signal.signal(signal.SIGTERM, _raise_stopped)
    try:
        yield
    except (KeyboardInterrupt, Stopped) as stop:
        number = stop.signal_number if isinstance(stop, Stopped) else signal.SIGINT
        logger.warning("Stopped by %s: %s", signal.Signals(number).name, what_is_kept)
        raise SystemExit(128 + number) from None
    finally:
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
