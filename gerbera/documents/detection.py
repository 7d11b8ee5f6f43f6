"""Telling a document file's format from its name and its first bytes.

:func:`detect_format` decides, for a path (``.gz`` read decompressed; the ``.gz`` is not part
of the name looked at):

- by extension: ``.pubtator`` -> ``pubtator``; ``.bioc.xml`` -> ``bioc-xml``; ``.bioc.json`` ->
  ``bioc-json``; ``.conll``/``.iob``/``.iob2``/``.bio`` -> ``conll``;
- else by content: XML whose root element is ``<collection>`` -> ``bioc-xml``, whose root is
  ``<PubmedArticleSet>`` (or ``<PubmedBookArticleSet>``) -> ``medline`` (other XML is an
  error); JSON (``{`` or ``[`` first) with ``"passages"`` or ``"documents"`` -> ``bioc-json``;
  else text as :func:`detect_text_format` tells it: ``pubtator``, ``conll`` or ``text-lines``.

Only the first 64 KB (decompressed) are looked at, or what a truncated ``.gz`` holds before its
damage (the reader reports the damage). On stdin, a slow pipe is waited for until these bytes
tell the format (:func:`_tells_format`: the XML root element's whole name, JSON's BioC keys, a
text's first whole line, a column file's first 5,000) or end.
"""

from __future__ import annotations

import re
import zlib
from pathlib import Path

from gerbera.documents.opening import DocumentFormatError, open_binary, stdin_head
from gerbera.text.column_syntax import DOCSTART, parse_tag

__all__ = ["CONLL_EXTENSIONS", "detect_format", "detect_text_format", "file_suffixes"]

CONLL_EXTENSIONS = {".conll", ".iob", ".iob2", ".bio"}
_HEAD_BYTES = 1 << 16
_PUBTATOR_PASSAGE = re.compile(r"[^\t|]+\|[ta]\|")
_COLUMNS = re.compile(r"[ \t]+")
_ROOT = re.compile(r"<([A-Za-z_][\w.:-]*)")
_XML_PROLOG = re.compile(r"\s*(<\?.*?\?>|<!--.*?-->|<!DOCTYPE[^>\[]*(\[.*?\])?\s*>|\s+)", re.DOTALL)
_ROOTS = {"collection": "bioc-xml", "PubmedArticleSet": "medline", "PubmedBookArticleSet": "medline"}


def file_suffixes(path: str) -> list[str]:
    """The lower-case extensions of ``path`` without a final ``.gz`` (``a.bioc.xml.gz``: ``.bioc``, ``.xml``)."""
    if path == "-":
        return []
    name = Path(path).name.lower()
    if name.endswith(".gz"):
        name = name[:-3]
    return Path(name).suffixes


def detect_format(path: str) -> str:
    """The format of ``path`` (see the module docstring); ``-`` reads stdin until its first bytes tell."""
    suffixes = file_suffixes(path)
    last = suffixes[-1] if suffixes else ""
    if last == ".pubtator":
        return "pubtator"
    if last in CONLL_EXTENSIONS:
        return "conll"
    if suffixes[-2:] == [".bioc", ".xml"]:
        return "bioc-xml"
    if suffixes[-2:] == [".bioc", ".json"]:
        return "bioc-json"
    head = _head(path)
    start = head.lstrip(" \t\r\n")
    if start.startswith("<"):
        return _xml_format(path, head)
    if start[:1] in ("{", "[") and ('"passages"' in head or '"documents"' in head):
        return "bioc-json"
    return detect_text_format(head)


def _head(path: str) -> str:
    """The first 64 KB of the (decompressed) text, cut after its last whole line when there is more."""
    if path == "-":
        data = stdin_head(lambda data: _tells_format(_decoded(data)), _HEAD_BYTES)
    else:
        pieces, size = [], 0
        with open_binary(path) as binary:
            while size < _HEAD_BYTES:
                try:
                    piece = binary.read1(_HEAD_BYTES - size)
                except (EOFError, OSError, zlib.error):
                    break  # a damaged .gz: what was read before the damage tells the format
                if not piece:
                    break
                pieces.append(piece)
                size += len(piece)
        data = b"".join(pieces)
    if len(data) >= _HEAD_BYTES:
        data = data[: data.rfind(b"\n") + 1] or data
    return _decoded(data)


def _decoded(data: bytes) -> str:
    text = data.decode("utf-8", errors="ignore")  # bytes that are not UTF-8 are the reader's to report, by line
    return text[1:] if text.startswith("\ufeff") else text


def _tells_format(head: str) -> bool:
    """Whether the first bytes of a stream tell its format as :func:`detect_format` would tell it from
    more: more bytes could change neither the answer nor the error."""
    start = head.lstrip(" \t\r\n")
    if start.startswith("<"):
        root = _ROOT.match(head, _after_prolog(head))
        return root is not None and root.end() < len(head)  # the whole name, not a prefix of it
    if start[:1] in ("{", "["):
        return '"passages"' in head or '"documents"' in head
    whole = head[: head.rfind("\n") + 1]
    lines = [line for line in whole.split("\n") if line.strip()]
    if not lines:
        return False
    if detect_text_format(whole) != "conll":
        return True  # the first line, or a line that is not "word ... tag", decided it
    return lines[0].strip(" \t").split(" ")[0].split("\t")[0] == DOCSTART or len(lines) >= 5000


def _after_prolog(head: str) -> int:
    """Where the root element may start: after the XML declaration, comments, a DOCTYPE and space."""
    position = 0
    while match := _XML_PROLOG.match(head, position):
        if match.end() == position:
            break
        position = match.end()
    return position


def _xml_format(path: str, head: str) -> str:
    root = _ROOT.match(head, _after_prolog(head))
    name = root.group(1) if root else "?"
    if name in _ROOTS:
        return _ROOTS[name]
    raise DocumentFormatError(
        path, None, f"XML whose root element is <{name}>: neither BioC (<collection>) nor PubMed (<PubmedArticleSet>); "
        "give --input_format to choose"
    )


def detect_text_format(content: str) -> str:
    """``pubtator`` when the first non-blank line is ``ID|t|...`` or ``ID|a|...``; ``conll`` when it
    starts with ``-DOCSTART-`` or every non-blank line (of the first 5,000) is ``word ... tag``,
    all with the same number of columns and a tag of a known scheme in the last; else ``text-lines``."""
    lines = [line[:-1] if line.endswith("\r") else line for line in content.split("\n")]
    lines = [line for line in lines if line.strip()]
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
