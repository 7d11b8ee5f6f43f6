"""Opening a document file: ``.gz`` read transparently, compressed or non-UTF-8 bytes a clear error.

Every reader of :mod:`gerbera.documents` opens its input here:

- a name ending in ``.gz`` is decompressed as it is read (a ``.gz`` whose bytes are not gzip is
  an error); ``-`` is stdin;
- gzip bytes under another name are reported as "compressed (gzip)" with the name to give the
  file (not as "not UTF-8"); bzip2, xz, zstd and zip bytes are reported as compressed too;
- text is UTF-8 (a byte-order mark is dropped): other bytes are an error naming the file, the
  line and the bytes; a truncated or damaged ``.gz`` is an error naming the file.

stdin is read once: :func:`stdin_head` reads its first bytes (waiting on a slow pipe until a
test says it has enough, or the end), and every later reader of ``-`` gets them again first.

The errors are :class:`DocumentFormatError` (``"{path}:{line}: problem"``), a
:class:`~gerbera.errors.GerberaError`, so the entry points print them as one line.
"""

from __future__ import annotations

import codecs
import gzip
import io
import os
import sys
import zlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import BinaryIO, TextIO

from gerbera.errors import CorpusFormatError

__all__ = [
    "DocumentFormatError",
    "compression_of",
    "display_name",
    "iter_lines",
    "iter_text_chunks",
    "open_binary",
    "open_text",
    "read_text",
    "reading_errors",
    "stdin_head",
]

_MAGIC = {
    b"\x1f\x8b": "gzip",
    b"BZh": "bzip2",
    b"\xfd7zXZ\x00": "xz",
    b"\x28\xb5\x2f\xfd": "zstd",
    b"PK\x03\x04": "zip",
}
# documents that are not text at all, named in the error instead of "not UTF-8"
_NOT_TEXT = {b"%PDF-": "a PDF", b"\xd0\xcf\x11\xe0": "a Microsoft Office (OLE) file"}
_CHUNK = 1 << 20


class DocumentFormatError(CorpusFormatError, ValueError):
    """A document file that cannot be read; the message is ``"{path}:{line}: {problem}"``
    (``"{path}: {problem}"`` when no line applies)."""


def compression_of(head: bytes) -> str | None:
    """The compression whose magic bytes start ``head`` (``"gzip"``, ``"bzip2"``, ...), or None."""
    for magic, name in _MAGIC.items():
        if head.startswith(magic):
            return name
    return None


def display_name(path: str | os.PathLike) -> str:
    """How error messages name ``path``: ``<stdin>`` for ``-``."""
    return "<stdin>" if str(path) == "-" else str(path)


def _is_gz_name(path: str) -> bool:
    return str(path).lower().endswith(".gz")


class _Replayed(io.RawIOBase):
    """stdin with the bytes read ahead of its readers (:func:`stdin_head`) given again first."""

    def __init__(self, source: BinaryIO):
        self.source, self.head, self.given = source, bytearray(), 0

    def readable(self) -> bool:
        return True

    def read_ahead(self, enough: Callable[[bytes], bool], limit: int) -> bytes:
        while self.given == 0 and len(self.head) < limit and not enough(bytes(self.head)):
            data = _read_some(self.source, limit - len(self.head))
            if not data:
                break
            self.head += data
        return bytes(self.head[self.given:])

    def readinto(self, buffer) -> int:
        if self.given < len(self.head):
            count = min(len(buffer), len(self.head) - self.given)
            buffer[:count] = self.head[self.given : self.given + count]
            self.given += count
            return count
        data = _read_some(self.source, len(buffer))
        buffer[: len(data)] = data
        return len(data)


def _read_some(source: BinaryIO, size: int) -> bytes:
    """Up to ``size`` bytes, as soon as there are any (blocks only while there are none)."""
    return source.read1(size) if hasattr(source, "read1") else source.read(size)


_stdin: tuple[object, io.BufferedReader, _Replayed] | None = None


def _stdin_reader() -> tuple[io.BufferedReader, _Replayed]:
    """One reader of the current ``sys.stdin`` for every reader of ``-`` (a new stdin gets a new one)."""
    global _stdin
    source = sys.stdin.buffer
    if _stdin is None or _stdin[0] is not source:
        replayed = _Replayed(source)
        _stdin = (source, io.BufferedReader(replayed), replayed)
    return _stdin[1], _stdin[2]


def stdin_head(enough: Callable[[bytes], bool], limit: int) -> bytes:
    """stdin's first bytes, read (waiting for a slow pipe) until ``enough(bytes)`` says so, ``limit``
    bytes or the end; a reader of ``-`` opened after gets them again (see the module docstring)."""
    return _stdin_reader()[1].read_ahead(enough, limit)[:limit]


@contextmanager
def open_binary(path: str | os.PathLike) -> Iterator[BinaryIO]:
    """The file's bytes, decompressed when its name ends in ``.gz``; ``-`` is stdin."""
    path = str(path)
    shown = display_name(path)
    try:
        raw = _stdin_reader()[0] if path == "-" else open(path, "rb")  # noqa: SIM115 (closed below)
    except OSError as error:
        raise DocumentFormatError(shown, None, f"cannot read the file ({error.strerror or error})") from None
    try:
        head = stdin_head(lambda data: len(data) >= 8, 8) if path == "-" else raw.peek(8)[:8]
        compression = compression_of(head)
        if _is_gz_name(path):
            if compression != "gzip":
                raise DocumentFormatError(shown, None, "named .gz, but its bytes are not gzip-compressed")
            with gzip.GzipFile(fileobj=raw, mode="rb") as unpacked:
                yield unpacked
        elif compression == "gzip":
            fix = "pipe it through gunzip" if path == "-" else (
                f"name the file {os.path.basename(path)}.gz to read it decompressed, or decompress it (gunzip)")
            raise DocumentFormatError(shown, None, f"the bytes are compressed (gzip), not text; {fix}")
        elif compression is not None:
            raise DocumentFormatError(
                shown, None, f"the bytes are compressed ({compression}), not text; decompress the file first "
                "(only gzip, in a file named .gz, is read as it is)"
            )
        else:
            kind = next((name for magic, name in _NOT_TEXT.items() if head.startswith(magic)), None)
            if kind is not None:
                raise DocumentFormatError(shown, None, f"{kind}, not text: extract its text first (for PubMed Central "
                                          "articles, BioC from PMC holds the text)")
            yield raw
    finally:
        if path != "-":
            raw.close()


@contextmanager
def reading_errors(path: str | os.PathLike) -> Iterator[None]:
    """Damaged gzip data and read errors met while reading ``path`` become :class:`DocumentFormatError`."""
    try:
        yield
    except (EOFError, zlib.error, gzip.BadGzipFile) as error:
        raise DocumentFormatError(display_name(path), None, f"truncated or damaged gzip data ({error})") from None
    except OSError as error:
        raise DocumentFormatError(display_name(path), None, f"cannot read the file ({error.strerror or error})") from None


def _not_utf8(path: str, line: int | None, bad: bytes) -> DocumentFormatError:
    return DocumentFormatError(display_name(path), line, f"bytes that are not UTF-8 ({bad!r}); save the file as UTF-8")


@contextmanager
def open_text(path: str | os.PathLike) -> Iterator[TextIO]:
    """The file as UTF-8 text (``.gz`` decompressed, a byte-order mark dropped). Bytes that are not
    UTF-8 raise :class:`DocumentFormatError` naming the file (:func:`iter_lines` also names the line)."""
    with open_binary(path) as binary, reading_errors(path):
        try:
            yield io.TextIOWrapper(binary, encoding="utf-8-sig", newline="")
        except UnicodeDecodeError as error:
            raise _not_utf8(str(path), None, error.object[error.start:error.end]) from None


def read_text(path: str | os.PathLike) -> str:
    """The whole text of a UTF-8 file (a byte-order mark dropped), for a format that is one document."""
    with open_binary(path) as binary, reading_errors(path):
        data = binary.read()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise _not_utf8(str(path), data.count(b"\n", 0, error.start) + 1, data[error.start:error.end]) from None


def iter_lines(path: str | os.PathLike) -> Iterator[tuple[int, str]]:
    """Every line of a UTF-8 text file: its 1-based number and its text without the ``\\n``
    (a ``\\r`` before it is kept). Streams: one line in memory at a time."""
    path = str(path)
    with open_binary(path) as binary, reading_errors(path):
        for number, raw in enumerate(binary, start=1):
            if number == 1 and raw.startswith(codecs.BOM_UTF8):
                raw = raw[len(codecs.BOM_UTF8):]
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as error:
                raise _not_utf8(path, number, raw[error.start:error.end]) from None
            yield number, line[:-1] if line.endswith("\n") else line


def iter_text_chunks(path: str | os.PathLike, size: int = _CHUNK) -> Iterator[str]:
    """The decoded text of a UTF-8 file in pieces of about ``size`` characters (a byte-order mark
    dropped), for readers whose documents may span lines (JSON). Non-UTF-8 bytes are an error
    naming the line."""
    path = str(path)
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    lines_before = 0
    with open_binary(path) as binary, reading_errors(path):
        while True:
            data = binary.read(size)
            try:
                text = decoder.decode(data, final=not data)
            except UnicodeDecodeError as error:
                pending = error.object  # the decoder's buffered bytes plus this read
                raise _not_utf8(path, lines_before + pending.count(b"\n", 0, error.start) + 1,
                                pending[error.start:error.end]) from None
            lines_before += data.count(b"\n")
            if text:
                yield text
            if not data:
                return
