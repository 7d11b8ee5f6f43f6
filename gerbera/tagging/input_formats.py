"""Reading the documents to tag: plain text, text lines, PubTator or a column file, detected or chosen.

Input formats (``--input_format``):

- ``text-lines``: plain text, one document a line; blank lines are skipped; a document's id is
  its line number (1-based).
- ``text``: plain text, the whole file one document (blank lines separate paragraphs, which
  never share a sentence); its id is the file name without extension.
- ``pubtator``: ``PMID|t|title`` and ``PMID|a|abstract`` lines. The text is ``title + " " +
  abstract`` (PubTator's offset convention); title and abstract are segmented on their own, so
  no entity crosses from one into the other. Annotation and relation lines of the input are
  ignored: the output holds the predicted entities only.
- ``conll``: a column file as in NERdata (``word`` or ``word ... tag`` a line, a blank line
  ending a sentence; tags, if any, are ignored). The words are tagged as they are, exactly as
  ``run_eval.py`` tags them; each sentence is a document whose id is its number (1-based) and
  whose text is its words joined by single spaces (offsets count into that text).
- ``auto`` (default): ``pubtator`` for a ``.pubtator`` file or when the first non-blank line is
  ``ID|t|...`` or ``ID|a|...``; ``conll`` for a ``.conll``/``.iob``/``.iob2``/``.bio`` file, when
  it starts with ``-DOCSTART-``, or when every non-blank line is ``word ... tag``, all with the
  same number of columns and a tag of a known scheme (``O``, ``B``, ``I-Disease``, ...) in the
  last; else ``text-lines``. A
  words-only column file (one word a line) reads like one-line documents: name it ``.conll`` or
  give ``--input_format conll``.

Text is read as UTF-8 (a byte-order mark is dropped); line ends are kept as they are, so
offsets count the characters of the decoded file (a CRLF is two).
"""

from __future__ import annotations

import logging
import re
import sys
from pathlib import Path

from gerbera.corpora.column_files import DOCSTART, decode_utf8, read_column_file
from gerbera.corpora.tags import parse_tag
from gerbera.errors import GerberaError
from gerbera.tagging.documents import InputDocument, words_document
from gerbera.tagging.pubtator import parse_pubtator, safe_document_id

logger = logging.getLogger("gerbera")

__all__ = ["CONLL_EXTENSIONS", "INPUT_FORMATS", "detect_input_format", "read_documents"]

INPUT_FORMATS = ("auto", "text", "text-lines", "pubtator", "conll")
CONLL_EXTENSIONS = {".conll", ".iob", ".iob2", ".bio"}
_PUBTATOR_PASSAGE = re.compile(r"[^\t|]+\|[ta]\|")
_COLUMNS = re.compile(r"[ \t]+")


def _read_text(path: str) -> str:
    try:
        data = sys.stdin.buffer.read() if path == "-" else Path(path).read_bytes()
    except OSError as error:
        raise GerberaError(f"--input {path}: cannot read the file ({error.strerror or error})") from None
    return decode_utf8(data, path)


def _lines(content: str) -> list[str]:
    return [line[:-1] if line.endswith("\r") else line for line in content.split("\n")]


def detect_input_format(path: str, content: str) -> str:
    """The format of ``--input_format auto`` (see the module docstring)."""
    suffix = Path(path).suffix.lower() if path != "-" else ""
    if suffix == ".pubtator":
        return "pubtator"
    if suffix in CONLL_EXTENSIONS:
        return "conll"
    lines = [line for line in _lines(content) if line.strip()]
    if not lines:
        return "text-lines"
    if _PUBTATOR_PASSAGE.match(lines[0]):
        return "pubtator"
    if lines[0].strip(" \t").split(" ")[0].split("\t")[0] == DOCSTART:
        return "conll"
    widths = set()
    for line in lines[:5000]:
        columns = _COLUMNS.split(line.strip(" \t"))
        if columns[0] == DOCSTART:
            continue
        if len(columns) < 2 or parse_tag(columns[-1]) is None:
            return "text-lines"
        widths.add(len(columns))
    return "conll" if len(widths) == 1 else "text-lines"


def _document_id(path: str) -> str:
    return safe_document_id("stdin" if path == "-" else Path(path).stem)


def read_documents(path: str, input_format: str) -> tuple[str, list[InputDocument]]:
    """The documents of ``path`` (``-``: stdin) and the format they were read as."""
    if input_format == "conll" or (input_format == "auto" and Path(path).suffix.lower() in CONLL_EXTENSIONS):
        return "conll", _column_documents(path)
    content = _read_text(path)
    if input_format == "auto":
        input_format = detect_input_format(path, content)
        logger.info("--input %s read as %s (give --input_format to choose)", path, input_format)
    if input_format == "conll":
        return input_format, _column_documents(path)
    if input_format == "pubtator":
        documents = parse_pubtator(content, "<stdin>" if path == "-" else path, check_mentions=False)
        return input_format, [InputDocument(d.id, d.text, passages=d.passages, source=d) for d in documents]
    if input_format == "text":
        return input_format, [InputDocument(_document_id(path), content)] if content.strip() else []
    documents = [InputDocument(str(number), line) for number, line in enumerate(_lines(content), start=1) if line.strip()]
    return input_format, documents


def _column_documents(path: str) -> list[InputDocument]:
    if path == "-":
        raise GerberaError("--input_format conll reads a file, not stdin")
    sentences = read_column_file(path, require_tags=False)
    return [words_document(str(i), sentence.words) for i, sentence in enumerate(sentences, start=1)]
