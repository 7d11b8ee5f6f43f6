"""Errors a user can act on.

A `GerberaError` is a mistake in the user's input (a file, a flag, a model path). The entry
scripts print it as one line on stderr, without a Python traceback, and exit with status 1; a
`UsageError`, a command line wrong whatever the files hold (a flag's value out of range, flags that
do not go together), with status 2, as argparse's errors (`gerbera.commands.exits`).
"""

from __future__ import annotations

import os


class GerberaError(Exception):
    """A problem with the user's input, reported as one clear line."""


class UsageError(GerberaError):
    """A command line that cannot run whatever the files hold: a flag's value out of range, flags
    that do not go together, a required flag missing, nothing asked. Told before any work."""


class CorpusFormatError(GerberaError):
    """A corpus file that cannot be read: names the file, the line and what is wrong (and, where it
    is known, the id of the document it belongs to: ``document_id``)."""

    def __init__(self, path: str | os.PathLike, line: int | None, problem: str, document_id: str | None = None):
        self.path = str(path)
        self.line = line
        self.problem = problem
        self.document_id = document_id
        where = self.path if line is None else f"{self.path}:{line}"
        super().__init__(f"{where}: {problem}")
