"""One entry point for every document format: detect it, read its documents, write documents back.

Input formats (:data:`INPUT_FORMATS`): ``pubtator``, ``bioc-xml``, ``bioc-json``, ``medline``
(PubMed XML), and, for tagging, ``text``, ``text-lines`` and ``conll``. :func:`iter_documents`
yields a format's documents one at a time (memory holds one document, not the file; ``text`` and
``conll`` excepted, see :mod:`gerbera.documents.plain_text`), each a
:class:`~gerbera.documents.model.Document` checked by :func:`~gerbera.documents.model.checked`
(its id a string; characters XML cannot hold written as spaces).
A ``.gz`` file is read decompressed (:mod:`gerbera.documents.opening`).

A malformed document raises :class:`~gerbera.documents.opening.DocumentFormatError` naming the
file, the line (or the document id) and the problem. With ``on_bad_document``, the callback gets
that error instead and reading goes on with the next document. Damage that leaves no next
document to go on with (XML or JSON that does not parse, bytes that are not UTF-8) always raises.

Output formats (:data:`OUTPUT_FORMATS`): see :mod:`gerbera.documents.writers`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from gerbera.documents.detection import detect_format
from gerbera.documents.model import checked
from gerbera.documents.opening import DocumentFormatError, display_name

__all__ = ["INPUT_FORMATS", "OUTPUT_FORMATS", "detect_format", "iter_documents", "open_writer"]

INPUT_FORMATS = ("pubtator", "bioc-xml", "bioc-json", "medline", "text", "text-lines", "conll")
OUTPUT_FORMATS = ("pubtator", "bioc-xml", "bioc-json", "jsonl")
_CHECKS_MENTIONS = ("pubtator", "bioc-xml", "bioc-json")


def _reader(fmt: str) -> Callable[..., Iterator]:
    if fmt == "pubtator":
        from gerbera.documents.pubtator import iter_pubtator

        return iter_pubtator
    if fmt == "bioc-xml":
        from gerbera.documents.bioc_xml import iter_bioc_xml

        return iter_bioc_xml
    if fmt == "bioc-json":
        from gerbera.documents.bioc_json import iter_bioc_json

        return iter_bioc_json
    if fmt == "medline":
        from gerbera.documents.medline import iter_medline

        return iter_medline
    from gerbera.documents import plain_text

    return {"text": plain_text.iter_text, "text-lines": plain_text.iter_text_lines, "conll": plain_text.iter_conll}[fmt]


def iter_documents(
    path: str,
    fmt: str = "auto",
    on_bad_document: Callable[[DocumentFormatError], None] | None = None,
    check_mentions: bool = True,
) -> Iterator:
    """The documents of ``path`` in ``fmt`` (``auto``: :func:`detect_format`), one at a time.

    ``check_mentions`` (PubTator, BioC): an annotation whose text differs from the document's
    text at its offsets is a malformed document (tagging, which ignores the input's annotations,
    turns this off).
    """
    path = str(path)
    if fmt == "auto":
        fmt = detect_format(path)
    if fmt not in INPUT_FORMATS:
        raise ValueError(f"unknown document format {fmt!r}; choose one of {', '.join(INPUT_FORMATS)}")
    read = _reader(fmt)
    if fmt in _CHECKS_MENTIONS:
        documents = read(path, check_mentions=check_mentions, on_bad_document=on_bad_document)
    elif fmt == "medline":
        documents = read(path, on_bad_document=on_bad_document)
    else:
        documents = read(path)
    shown = display_name(path)
    return (checked(document, shown) for document in documents)


def open_writer(path: str, fmt: str, **options):
    """A streaming, atomic writer of ``fmt`` into ``path`` (see :mod:`gerbera.documents.writers`)."""
    from gerbera.documents.writers import open_writer as open_format_writer

    return open_format_writer(path, fmt, **options)
