"""The names of integer ``ner_tags`` in Hugging Face records: where they come from, and checks that
they can be right.

Records may hold their tags as integers (``0, 3, 4``). Their names come from, first found:

1. the data's own features, a ``ClassLabel`` (Parquet files and ``save_to_disk`` folders written
   by ``datasets`` carry it; JSON Lines does not);
2. ``ner_tag_names.txt`` in the dataset folder: one tag name a line, line 1 naming 0;
3. (deprecated) the folder's ``labels.txt``, read the same way, with a warning: ``labels.txt`` is
   also the order-free tag set of ``--labels``, and one copied from another dataset (``B I O``)
   would name 0 ``B``.

A file in the wrong order names every tag wrong without any error, so names from a file are
checked: id 0 must be named ``O``, and the id the data holds most often must be the one named ``O``
(most words are outside entities). Where that is not so and the order is right all the same, the
file's first line ``# 0 need not be O`` turns both checks off. A name that is no tag (``B``,
``I-Disease``, ``O``, ...) or a repeated name is an error naming the file and line. Names are read
only when the data holds integers: a folder whose records hold tag names needs none.
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

from gerbera.corpora.column_files import decode_utf8
from gerbera.corpora.tags import OUTSIDE, parse_tag
from gerbera.errors import CorpusFormatError

logger = logging.getLogger(__name__)

NAMES_FILE = "ner_tag_names.txt"
DEPRECATED_NAMES_FILE = "labels.txt"
ANY_ORDER = "# 0 need not be O"
CLASS_LABEL = "its ClassLabel feature"  # a names file's first line that turns the order checks off


def _read_names(path: Path) -> tuple[list[str], bool]:
    """The names of a names file, and whether its first line turns the order checks off."""
    names: list[str] = []
    checked = True
    seen: dict[str, int] = {}
    for number, raw in enumerate(decode_utf8(path.read_bytes(), path).split("\n"), start=1):
        line = raw.strip(" \t\r")
        if not line:
            continue
        if line.startswith("#"):
            if number == 1 and " ".join(line.split()).lower() == ANY_ORDER.lower():
                checked = False
                continue
            raise CorpusFormatError(path, number, f"{line!r} is no tag name (the only comment a names file may hold is "
                                                  f"'{ANY_ORDER}', on line 1)")
        if parse_tag(line) is None:
            raise CorpusFormatError(path, number, f"{line!r} is not a tag (expected O, B, I, B-TYPE, ...)")
        if line in seen:
            raise CorpusFormatError(path, number, f"tag {line!r} repeats line {seen[line]}: each id needs a name of its own")
        seen[line] = number
        names.append(line)
    if not names:
        raise CorpusFormatError(path, None, "names no tag (one tag name a line, line 1 naming 0)")
    return names, checked


class IntegerTagNames:
    """The names of one data file's integer tags: its ``ClassLabel`` names (``class_names``), else
    those of the dataset folder's names file, read when the first integer is met."""

    def __init__(self, folder: Path, class_names: list[str] | None = None):
        self.folder = folder
        self.names = class_names
        self.source = CLASS_LABEL if class_names else None
        self.checked = False  # whether the order checks apply (names from a file)
        self.counts: Counter[int] = Counter()

    def name(self, tag: int, path: str, line: int, position: int) -> str:
        """The name of integer ``tag`` (ner_tag ``position`` of the record at ``path:line``)."""
        if self.names is None:
            self._read(path, line, tag)
        if not 0 <= tag < len(self.names):
            raise CorpusFormatError(path, line, f"ner_tag {position} is {tag}, but {self.source} names 0-{len(self.names) - 1}")
        self.counts[tag] += 1
        return self.names[tag]

    def _read(self, path: str, line: int, tag: int) -> None:
        for name in (NAMES_FILE, DEPRECATED_NAMES_FILE):
            names_file = self.folder / name
            if names_file.is_file():
                break
        else:
            raise CorpusFormatError(
                path, line, f"integer ner_tags ({tag}) but no names for them: the data has no ClassLabel feature and "
                f"{self.folder} no {NAMES_FILE} (one tag name a line, line 1 naming 0)")
        self.names, self.checked = _read_names(names_file)
        self.source = str(names_file)
        if name == DEPRECATED_NAMES_FILE:
            logger.warning("%s names the integer ner_tags of %s; this use of labels.txt is deprecated (labels.txt is also "
                           "an order-free tag set): name them in %s", names_file, path, self.folder / NAMES_FILE)
        if self.checked and self.names[0] != OUTSIDE:
            raise CorpusFormatError(
                names_file, 1, f"names id 0 {self.names[0]!r}, not O: line 1 names 0 in the order of the integer ner_tags "
                f"(an order-free tag set copied here names every tag wrong); put O first, or '{ANY_ORDER}' on line 1 "
                "if the order is right")

    def check_counts(self, path) -> None:
        """After a data file is read: the id seen most often must be the one named O."""
        if not self.checked or not self.counts:
            return
        (most, count), total = self.counts.most_common(1)[0], self.counts.total()
        if count > self.counts[0]:  # checked names name 0 O
            raise CorpusFormatError(
                self.source, None, f"names id {most} {self.names[most]!r}, but {most} is the most frequent ner_tag of "
                f"{path} ({count} of {total}; O is usually most frequent): the names are likely in the wrong order; "
                f"put '{ANY_ORDER}' on line 1 if they are right")

    def description(self) -> str | None:
        """What named the integer tags, for the features cache key (None: no integer was named)."""
        if not self.counts:
            return None
        by = self.source if self.source == CLASS_LABEL else Path(self.source).name  # not where the folder lies
        return f"integer ner_tags named {','.join(self.names)} by {by}"
