"""Writing tagged documents: JSON Lines records or PubTator documents, into a file or stdout.

Output formats (``--output_format``; ``auto``: from the output file's extension, ``.jsonl``,
``.json`` or ``.ndjson`` -> ``jsonl``, ``.pubtator`` or ``.txt`` -> ``pubtator``; ``-`` writes
JSON Lines to stdout):

- ``jsonl``: one JSON object a document, ``{"id", "text", "entities": [{"start", "end", "text",
  "type", "score"}]}``, with ``text[start:end] == entity text``; ``--output_words`` adds
  ``"words": [{"text", "start", "end", "tag", "score"}]``, every word with its predicted tag.
- ``pubtator``: title and abstract lines, then ``PMID<TAB>start<TAB>end<TAB>mention<TAB>type``
  a predicted entity (``--write_scores`` adds an empty identifier column and the score). A
  document read from plain text or a column file has an empty title and its text as the
  abstract, so its offsets are one more than in JSON Lines (PubTator counts from the title's
  start, the abstract starting at ``len(title) + 1``). PubTator lines cannot hold tabs or line
  breaks: in this output they become spaces (same length, so offsets stay valid).

An output file is written as a temporary file beside it, renamed into place when complete.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import TextIO

from gerbera.documents.pubtator import Annotation, Document, format_pubtator, safe_document_id
from gerbera.errors import GerberaError
from gerbera.outputs import atomic_open
from gerbera.tagging.documents import TaggedDocument

__all__ = [
    "JSONL_EXTENSIONS", "OUTPUT_FORMATS", "PUBTATOR_EXTENSIONS",
    "choose_output_format", "format_tagged", "jsonl_record", "open_output", "pubtator_document",
]

OUTPUT_FORMATS = ("auto", "jsonl", "pubtator")
JSONL_EXTENSIONS = {".jsonl", ".json", ".ndjson"}
PUBTATOR_EXTENSIONS = {".pubtator", ".txt"}
_NOT_IN_PUBTATOR = str.maketrans({"\t": " ", "\n": " ", "\r": " "})


def choose_output_format(output: str, output_format: str) -> str:
    """The format of ``--output_format`` (``auto``: from the extension of ``output``; see the module docstring)."""
    if output_format != "auto":
        return output_format
    if output == "-":
        return "jsonl"
    name = Path(output).name.lower()
    suffix = Path(name).suffix
    if suffix in JSONL_EXTENSIONS:
        return "jsonl"
    if suffix in PUBTATOR_EXTENSIONS:
        return "pubtator"
    raise GerberaError(
        f"--output {output}: cannot tell the format from the extension; name it .jsonl or .pubtator, "
        "or give --output_format jsonl|pubtator"
    )


def jsonl_record(tagged: TaggedDocument, output_words: bool = False) -> dict:
    """The tagged document as one JSON Lines record (``--output_words``: with every word)."""
    record = {
        "id": tagged.document.id,
        "text": tagged.document.text,
        "entities": [entity.as_dict() for entity in tagged.entities],
    }
    if output_words:
        record["words"] = tagged.words()
    return record


def pubtator_document(tagged: TaggedDocument) -> Document:
    """The tagged document as PubTator: the input's title and abstract, or an empty title."""
    source = tagged.document.source
    if isinstance(source, Document):
        title, abstract, shift = source.title, source.abstract, 0
    else:
        title, abstract, shift = "", tagged.document.text, 1
    annotations = [
        Annotation(e.start + shift, e.end + shift, e.text.translate(_NOT_IN_PUBTATOR), e.type, None, round(e.score, 6))
        for e in tagged.entities
    ]
    return Document(
        safe_document_id(tagged.document.id), title.translate(_NOT_IN_PUBTATOR), abstract.translate(_NOT_IN_PUBTATOR), annotations
    )


def format_tagged(
    tagged: TaggedDocument, output_format: str, first: bool, output_words: bool = False, write_scores: bool = False
) -> str:
    """The text of one tagged document in ``output_format``; ``first``: the output's first document."""
    if output_format == "jsonl":
        return json.dumps(jsonl_record(tagged, output_words), ensure_ascii=False) + "\n"
    return ("" if first else "\n") + format_pubtator([pubtator_document(tagged)], write_scores)


@contextmanager
def open_output(path: str) -> Iterator[TextIO]:
    """stdout for '-', else a temporary file beside ``path`` renamed into place when complete."""
    if path == "-":
        yield sys.stdout
        sys.stdout.flush()
        return
    if Path(path).is_dir():
        raise GerberaError(f"--output {path} is a folder; give a file name")
    with ExitStack() as stack:
        try:
            out = stack.enter_context(atomic_open(path))
        except OSError as error:
            raise GerberaError(f"--output {path}: cannot write there ({error.strerror or error})") from None
        yield out
