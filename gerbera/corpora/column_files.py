"""Reading NER corpora in column format: where a sentence is read.

Layout: ``<data_dir>/<dataset>/{train,devel,test}.txt`` (other formats of a dataset folder:
`gerbera.corpora.split_sources`, which also reads a split with ``load_split``). One token a line, word in the first
column and tag in the last, columns separated by spaces or tabs; a blank line ends a sentence;
``-DOCSTART-`` lines are skipped. Line ends may be LF or CRLF and a UTF-8 byte-order mark is
allowed. A test file may hold words only: it is then predicted but not scored.

Only spaces and tabs separate columns: other characters (no-break space, zero-width space, soft
hyphen, control characters) belong to the word, so that every input word is kept as it is.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from gerbera.errors import CorpusFormatError, GerberaError, UsageError
from gerbera.text.column_syntax import DOCSTART

SPLITS = ("train", "devel", "test")
_COLUMN_SEPARATOR = re.compile(r"[ \t]+")


@dataclass
class Sentence:
    """One sentence of a column file; ``tags`` is None for a words-only file."""

    words: list[str]
    tags: list[str] | None
    first_line: int  # 1-based line number of the first word; word i is on line first_line + i


@dataclass
class CorpusSplit:
    """One split file of one dataset."""

    dataset: str
    split: str
    path: Path
    sentences: list[Sentence]
    fraction: float = 1.0  # share of the file's sentences used (see gerbera.corpora.mixing)
    sample_seed: int | None = None
    # How the sentences were made when the file is no column file (enters the features cache key),
    # and for offset formats (PubTator, BioC) where each came from (gerbera.corpora.offset_tags).
    reader: str | None = None
    source: Any = None  # a gerbera.corpora.offset_tags.OffsetSource

    @property
    def has_tags(self) -> bool:
        return self.sentences[0].tags is not None

    @property
    def num_words(self) -> int:
        return sum(len(s.words) for s in self.sentences)


def decode_utf8(data: bytes, path: str | os.PathLike, error_class: type[CorpusFormatError] = CorpusFormatError) -> str:
    """The text of a file's bytes (a byte-order mark dropped); bytes that are not UTF-8 are an
    error that names the file and line."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        raise error_class(
            path, line, f"bytes that are not UTF-8 ({data[error.start:error.end]!r}); save the file as UTF-8"
        ) from None


def column_lines(path: Path) -> Iterator[tuple[int, list[str] | None]]:
    """Every line of a column file: its 1-based number and its columns (split on spaces and tabs),
    or None for a blank line. The bytes are checked to be UTF-8; line ends (LF or CRLF) and the
    spaces around a line are dropped. ``-DOCSTART-`` lines come as any other (``columns[0]``)."""
    for number, line in enumerate(decode_utf8(path.read_bytes(), path).split("\n"), start=1):
        line = line.strip(" \t\r")
        yield number, _COLUMN_SEPARATOR.split(line) if line else None


def read_column_file(path: str | os.PathLike, require_tags: bool = True) -> list[Sentence]:
    """Read a column file into sentences, refusing anything it cannot read faithfully."""
    path = Path(path)
    sentences: list[Sentence] = []
    words: list[str] = []
    tags: list[str] = []
    first_line = 0
    has_tags: bool | None = None  # decided by the first token line
    first_token_line = 0

    def end_sentence() -> None:
        nonlocal words, tags
        if words:
            sentences.append(Sentence(words, tags if has_tags else None, first_line))
            words, tags = [], []

    for number, columns in column_lines(path):
        if columns is None:
            end_sentence()
            continue
        if columns[0] == DOCSTART:
            end_sentence()
            continue
        line_has_tag = len(columns) > 1
        if has_tags is None:
            has_tags, first_token_line = line_has_tag, number
            if not has_tags and require_tags:
                raise CorpusFormatError(path, number, f"no tag after the word '{columns[0]}' (expected 'word tag')")
        elif line_has_tag != has_tags:
            if line_has_tag:
                problem = f"has a tag, but line {first_token_line} has a word only; a file has tags on every line or on none"
            else:
                problem = f"no tag after the word '{columns[0]}' (expected 'word tag', as on line {first_token_line})"
            raise CorpusFormatError(path, number, problem)
        if not words:
            first_line = number
        words.append(columns[0])
        if has_tags:
            tags.append(columns[-1])
    end_sentence()
    if not sentences:
        raise CorpusFormatError(path, None, "no sentences in this file (it is empty or holds only -DOCSTART- lines)")
    return sentences


def dataset_path(data_dir: str | os.PathLike, dataset: str) -> Path:
    """The folder of one dataset. A name that climbs out of ``data_dir`` (``..``, an absolute path) is
    refused; a folder or file linked into ``data_dir`` (a symbolic link to a corpus kept elsewhere) is
    followed, so that corpora kept apart can be paired without copying them."""
    data_dir = Path(data_dir)
    if not data_dir.is_dir():
        raise GerberaError(f"--data_dir {data_dir}: no such folder")
    if not dataset or Path(dataset).is_absolute() or any(part in ("..", "") for part in dataset.replace("\\", "/").split("/")):
        raise GerberaError(f"dataset name '{dataset}' must be a folder name inside --data_dir {data_dir}")
    folder = data_dir / dataset
    if not folder.is_dir():
        available = sorted(p.name for p in data_dir.iterdir() if p.is_dir() and not p.name.startswith("."))
        raise GerberaError(
            f"dataset '{dataset}' not found in --data_dir {data_dir}; available: {', '.join(available) or 'none'}"
        )
    return folder


def parse_dataset_list(value: str | None) -> list[str]:
    """``"A+B+C"`` -> ``["A", "B", "C"]``."""
    if not value:
        return []
    names = [name.strip() for name in value.split("+")]
    if any(not name for name in names):
        raise UsageError(f"dataset list '{value}' has an empty name (use A+B+C)")
    if any(":" in name for name in names):
        raise UsageError(f"dataset list '{value}': fractions (A:0.5) apply to --data_list only")
    return names


def write_column_file(path: str | os.PathLike, sentences: list[Sentence]) -> None:
    """Write sentences back in column format (``word tag`` or ``word``).

    A first word that starts with U+FEFF gets a byte-order mark in front, so that reading the
    file back (which drops one leading mark) keeps the word whole."""
    with open(path, "w", encoding="utf-8", newline="\n") as out:
        if sentences and sentences[0].words and sentences[0].words[0].startswith("\ufeff"):
            out.write("\ufeff")
        for sentence in sentences:
            for i, word in enumerate(sentence.words):
                out.write(f"{word} {sentence.tags[i]}\n" if sentence.tags is not None else f"{word}\n")
            out.write("\n")
