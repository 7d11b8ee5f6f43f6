"""What a corpus run shows while it works: one progress bar over documents, one log line per unit.

The bar counts the documents this process tags, over all its units, with an ETA. Its total
is estimated before the run by a quick scan of the input bytes (:func:`estimate_documents`:
the marks that start a document in each format, counted without parsing, in the first
megabytes of a large file), so the ETA is known from the start. A damaged ``.gz`` is counted as
far as it can be read: the damage is the reader's to report, when the run reaches it.
"""

from __future__ import annotations

import gzip
import logging
import os
import re
import sys
import time
import zlib
from collections.abc import Callable

__all__ = ["CorpusProgress", "estimate_documents"]

logger = logging.getLogger("gerbera")

_DOCUMENT_MARKS = {
    "pubtator": re.compile(rb"^[^\t|\n]+\|t\|", re.MULTILINE),
    "medline": re.compile(rb"<Pubmed(?:Book)?Article>"),
    "bioc-xml": re.compile(rb"<document[ >]"),
    "bioc-json": re.compile(rb'"passages"\s*:'),
    "text-lines": re.compile(rb"^[^\S\n]*\S", re.MULTILINE),
    "conll": re.compile(rb"(?:\A|\n[^\S\n]*\n)[^\S\n]*\S"),
}


def estimate_documents(path: str, input_format: str, sample_bytes: int = 1 << 22) -> int | None:
    """About how many documents ``path`` holds (None: cannot tell for this format).

    A file of up to ``sample_bytes`` (decompressed) is scanned whole; from a larger one the first
    ``sample_bytes`` are scanned and the count scaled to the file's size (a gzip file's size
    decompressed is in its last 4 bytes), so that a corpus of a thousand PubMed files is
    estimated in seconds.
    """
    if input_format == "text":
        return 1
    mark = _DOCUMENT_MARKS.get(input_format)
    if mark is None:
        return None
    compressed = path.lower().endswith(".gz")
    sample, damaged = _head(path, compressed, sample_bytes)
    if damaged or len(sample) < sample_bytes:
        return len(mark.findall(sample))
    cut = sample.rfind(b"\n") + 1 or len(sample)
    size = _gzip_size(path) if compressed else os.path.getsize(path)
    return round(len(mark.findall(sample, 0, cut)) * size / cut)


def _head(path: str, compressed: bool, size: int) -> tuple[bytes, bool]:
    """The first ``size`` bytes (decompressed), and whether the file was found damaged before them."""
    pieces, read = [], 0
    with (gzip.open if compressed else open)(path, "rb") as handle:
        while read < size:
            try:
                piece = handle.read1(min(1 << 16, size - read))
            except (EOFError, OSError, zlib.error):
                return b"".join(pieces), True
            if not piece:
                break
            pieces.append(piece)
            read += len(piece)
    return b"".join(pieces), False


def _gzip_size(path: str) -> int:
    with open(path, "rb") as handle:
        handle.seek(-4, os.SEEK_END)
        return int.from_bytes(handle.read(4), "little")


class CorpusProgress:
    """The bar and the log lines of one process's run."""

    def __init__(self, total: int | None, disable: bool, label: str = "", every_chunk: Callable[[], None] | None = None):
        from tqdm.auto import tqdm

        self.every_chunk = every_chunk  # called after each chunk (the share of the cores taken again)

        self.bar = tqdm(total=total, unit="doc", desc=f"Tagging{label}", disable=disable, file=sys.stderr,
                        dynamic_ncols=True)
        self.started = time.perf_counter()
        self.words = 0

    def advance(self, documents: int, words: int) -> None:
        self.words += words
        self.bar.update(documents)
        if self.bar.total is not None and self.bar.n > self.bar.total:
            self.bar.total = self.bar.n
        self.bar.set_postfix_str(f"{self.words / max(time.perf_counter() - self.started, 1e-9):.0f} words/s",
                                 refresh=False)
        if self.every_chunk is not None:
            self.every_chunk()

    def unit_done(self, record: dict) -> None:
        first = record["first_document"]
        logger.info(
            "unit done: %s part %d (documents %d-%d): %d entities in %.1fs -> %s%s",
            record["input"], record["part"], first, first + record["documents"] - 1, record["entities"],
            record["seconds"], record["output"],
            f" ({len(record['skipped_documents'])} malformed documents skipped)" if record["skipped_documents"] else "",
        )

    def close(self) -> None:
        self.bar.close()
