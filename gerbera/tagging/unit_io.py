"""Reading and writing one unit of work, on the format modules' streaming readers and writers.

:func:`detect` says which format a file is read as, :func:`read` yields its documents one at a
time (a malformed one raises, or with ``on_bad_document`` is reported and skipped), and
:func:`open_tagged_writer` writes tagged documents into one output file atomically.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from gerbera.errors import GerberaError
from gerbera.tagging import input_formats, output_formats
from gerbera.tagging.documents import InputDocument

__all__ = ["detect", "open_tagged_writer", "read"]


def detect(path: str, input_format: str) -> str:
    """The format ``path`` is read as (``input_format`` unless it is ``auto``; detection is logged)."""
    return input_formats.resolve_input_format(path, input_format)


def read(path: str, input_format: str, on_bad_document: Callable[[GerberaError], None] | None = None
         ) -> tuple[str, Iterator[InputDocument]]:
    """The format ``path`` is read as, and its documents, one at a time (streamed)."""
    input_format = detect(path, input_format)
    return input_format, input_formats.iter_input_documents(path, input_format, on_bad_document)


def open_tagged_writer(path: str, output_format: str, output_words: bool = False, write_scores: bool = False):
    """A writer of tagged documents (``.write(tagged)``) into ``path`` (``-``: stdout), renamed into
    place when complete (see :func:`gerbera.tagging.output_formats.open_tagged_writer`)."""
    return output_formats.open_tagged_writer(path, output_format, output_words, write_scores)
