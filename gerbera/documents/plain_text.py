"""Plain text and column files as documents to tag: ``text-lines``, ``text`` and ``conll``.

- ``text-lines``: one document a line (streamed); blank lines are skipped; a document's id is
  its line number (1-based); a ``\\r`` before the line end is dropped.
- ``text``: the whole file one document, line ends kept as they are (so offsets count the
  characters of the decoded file, a CRLF being two); its id is the file name without extension
  (``stdin`` for ``-``). The file is one document, so it is read whole.
- ``conll``: a column file as in NERdata (``word`` or ``word ... tag`` a line, a blank line
  ending a sentence; tags, if any, are ignored); each sentence is a document whose id is its
  number (1-based), whose ``words`` are its words and whose text is the words joined by single
  spaces. Streamed, ``.gz`` too; tags on every word line or on none, as in corpora.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from gerbera.documents.model import Document
from gerbera.documents.opening import DocumentFormatError, iter_lines, read_text
from gerbera.documents.pubtator import safe_document_id
from gerbera.text.column_syntax import DOCSTART

__all__ = ["iter_conll", "iter_text", "iter_text_lines", "text_document_id"]

_COLUMNS = re.compile(r"[ \t]+")


def text_document_id(path: str) -> str:
    """The id of a ``text`` document: the file name without its extensions (``.gz`` and one more)."""
    if path == "-":
        return "stdin"
    name = Path(path).name
    if name.lower().endswith(".gz"):
        name = name[:-3]
    return safe_document_id(Path(name).stem)


def iter_text_lines(path: str) -> Iterator[Document]:
    """One document a non-blank line, its id the line number."""
    for number, line in iter_lines(path):
        if line.endswith("\r"):
            line = line[:-1]
        if line.strip():
            yield Document.of_text(str(number), line, source_line=number)


def iter_text(path: str) -> Iterator[Document]:
    """The whole file as one document (none when it is blank)."""
    text = read_text(path)
    if text.strip():
        yield Document.of_text(text_document_id(path), text, source_line=1)


def iter_conll(path: str) -> Iterator[Document]:
    """Every sentence of a column file as a document of words, streamed (``.gz`` too). A file has
    tags on every word line or on none (the rule of :func:`gerbera.corpora.column_files.read_column_file`)."""
    if path == "-":
        raise DocumentFormatError("<stdin>", None, "a column file (conll) is read from a file, not stdin")
    words: list[str] = []
    first_line = first_token_line = 0
    has_tags: bool | None = None
    sentences = 0
    for number, line in iter_lines(path):
        columns = _COLUMNS.split(line.strip(" \t\r")) if line.strip(" \t\r") else None
        if columns is None or columns[0] == DOCSTART:
            if words:
                sentences += 1
                yield Document.of_text(str(sentences), " ".join(words), source_line=first_line, words=tuple(words))
                words = []
            continue
        line_has_tag = len(columns) > 1
        if has_tags is None:
            has_tags, first_token_line = line_has_tag, number
        elif line_has_tag != has_tags:
            problem = (f"has a tag, but line {first_token_line} has a word only; a file has tags on every line or on none"
                       if line_has_tag else
                       f"no tag after the word '{columns[0]}' (expected 'word tag', as on line {first_token_line})")
            raise DocumentFormatError(path, number, problem)
        if not words:
            first_line = number
        words.append(columns[0])
    if words:
        yield Document.of_text(str(sentences + 1), " ".join(words), source_line=first_line,
                               words=tuple(words))
    elif not sentences:
        raise DocumentFormatError(path, None, "no sentences in this file (it is empty or holds only -DOCSTART- lines)")
