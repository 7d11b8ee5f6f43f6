"""What every command's process exits with, as a shell script, a Makefile or a scheduler sees it.

- 0: the command did what it was asked (also ``--help`` and ``--version``);
- 1: it failed: an input file, a model, a folder or the machine did not allow the run (a
  `gerbera.errors.GerberaError`: one line on stderr, no traceback; or any other error, with its
  traceback);
- 2: the command line itself is wrong, whatever the files hold: an unknown or misspelled flag, a
  value out of range, flags that do not go together, nothing asked (argparse's errors and
  `gerbera.errors.UsageError`), one line on stderr;
- 128 + the signal's number when a signal stops it: 130 for Ctrl-C, 143 for SIGTERM.

A command's ``main(argv)`` is its Python interface: it returns what the run produced (the results,
the summary) and raises ``SystemExit`` with the statuses above; `exit_status` turns it into the
process's status. Each command module's ``cli()`` is what the installed ``gerbera-*`` command, the
script (``python run_ner.py``) and ``python -m`` start: its return value is the status, never the
results (a console script passes whatever its function returns to ``sys.exit``, which prints
anything but an int and exits 1).
"""

from __future__ import annotations

import contextlib
import signal
import sys
from collections.abc import Callable, Iterator, Sequence

from gerbera.errors import GerberaError, UsageError

__all__ = ["FAILED", "INTERRUPTED", "USAGE", "exit_status", "user_errors"]

FAILED = 1
USAGE = 2
INTERRUPTED = 128 + signal.SIGINT


@contextlib.contextmanager
def user_errors() -> Iterator[None]:
    """A `GerberaError` raised in the body: its one line on stderr, and exit 2 for a wrong command
    line (`UsageError`), 1 for a run that could not be done."""
    try:
        yield
    except GerberaError as error:
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(USAGE if isinstance(error, UsageError) else FAILED) from None


def exit_status(main: Callable[[Sequence[str] | None], object], argv: Sequence[str] | None = None) -> int:
    """Run ``main(argv)`` and return the process's exit status (see the module): 0 whatever it
    returns, the status of a ``SystemExit`` it raises, 130 on a Ctrl-C it did not handle (one line,
    no traceback). Other exceptions go through: Python prints their traceback and exits 1."""
    try:
        main(argv)
    except SystemExit as stop:
        if stop.code is None or isinstance(stop.code, int):
            return stop.code or 0
        print(stop.code, file=sys.stderr)  # SystemExit("message"), as Python itself would
        return FAILED
    except KeyboardInterrupt:
        print("Stopped by SIGINT (Ctrl-C)", file=sys.stderr)
        return INTERRUPTED
    return 0
