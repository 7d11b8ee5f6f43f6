"""Tagging with several models in one run (``run_predict.py --model Disease=./ncbi Gene=./bc2gm``).

:class:`ModelSet` has the document interface of :class:`~gerbera.tagging.tagger.Tagger`
(``tag_documents``), so every mode of ``run_predict.py`` (a file, a folder of units, resume,
``--shard``, torchrun, the bad-document policy) runs it unchanged. Each chunk of documents is
read and segmented once; each model then cuts the sentences into its own windows (its own
tokenizer and ``--max_seq_length``), tags them, and reads its entities from its tag layers
(:mod:`gerbera.tagging.tag_layers`). A document's entities from all models are one list in
document order (start, end, type), each with its type and the name of its model (``model``).

The models are named ``NAME=PATH``: an untyped model's entities take ``NAME`` as their type; a
typed model keeps its own types, ``NAME`` only naming it. No two models give one type, and all
use one tag scheme (:func:`~gerbera.tagging.tag_layers.check_layers`): entities of one type come
from one model's tag sequence and never overlap; entities of different types may.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path

from gerbera.errors import GerberaError, UsageError
from gerbera.models.loading import is_local_path
from gerbera.tagging.chunks import tag_in_chunks
from gerbera.tagging.documents import InputDocument, TaggedDocument
from gerbera.tagging.entities import entity_order
from gerbera.tagging.tag_layers import check_layers

__all__ = ["ModelSet", "parse_model_specs"]

_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_.\-]*$")


def parse_model_specs(values: list[str]) -> dict[str, str]:
    """``NAME=PATH`` values of ``--model``, checked: a NAME is a type (a letter, then letters, digits,
    ``_``, ``.`` or ``-``), given once; a PATH that can only be local must be a folder."""
    specs: dict[str, str] = {}
    for value in values:
        name, equals, path = value.partition("=")
        if not equals or not path:
            raise UsageError(f"--model {value}: give NAME=PATH, e.g. Disease=./gerbera_ncbi")
        if not _NAME.match(name):
            raise UsageError(f"--model {value}: {name!r} is not a valid entity type (a letter, then letters, "
                             "digits, _, . or -), e.g. Disease")
        if name in specs:
            raise UsageError(f"--model: two models named {name} ({specs[name]} and {path}); give each its own NAME")
        if not Path(path).is_dir() and (is_local_path(path) or Path(path).exists()):
            problem = f"{path} is a file, not a model folder" if Path(path).exists() else f"no such folder {path}"
            raise GerberaError(f"--model {value}: {problem}")
        specs[name] = path
    return specs


class ModelSet:
    """Taggers, each named, tagging the same documents into one list of entities per document."""

    def __init__(self, taggers: dict[str, object]):
        if not taggers:
            raise UsageError("--model: give at least one NAME=PATH")
        check_layers({name: tagger.layers for name, tagger in taggers.items()},
                     {name: all(layer.entity_type != name for layer in tagger.layers) for name, tagger in taggers.items()})
        for name, tagger in taggers.items():
            tagger.label = name
        self.taggers = taggers
        first = next(iter(taggers.values()))
        self.device, self.batch_size = first.device, first.batch_size
        self.layers = [layer for tagger in taggers.values() for layer in tagger.layers]
        self.name = " ".join(f"{name}={tagger.name}" for name, tagger in taggers.items())
        precisions = {tagger.precision for tagger in taggers.values()}
        self.precision = precisions.pop() if len(precisions) == 1 else ", ".join(
            f"{name}: {tagger.precision}" for name, tagger in taggers.items())
        certificates = {name: tagger.certificate for name, tagger in taggers.items() if tagger.certificate}
        self.certificate = certificates or None

    def describe_tags(self) -> str:
        return "; ".join(f"{name}: {tagger.describe_tags()}" for name, tagger in self.taggers.items())

    def default_chunk_words(self) -> int:
        return max(tagger.default_chunk_words() for tagger in self.taggers.values())

    def tag_documents(
        self,
        documents: Iterable[InputDocument],
        chunk_words: int | None = None,
        progress: Callable[[int, int], None] | None = None,
        prefetch: bool | None = None,
    ) -> Iterator[TaggedDocument]:
        """Tag documents lazily, in input order (as :meth:`gerbera.tagging.tagger.Tagger.tag_documents`)."""
        return tag_in_chunks(documents, chunk_words or self.default_chunk_words(), self._prepare,
                             lambda pending, words, prepared: self._tag_chunk(pending, words, prepared, progress),
                             self.device.type == "cuda" if prefetch is None else prefetch)

    def _prepare(self, pending) -> list:
        """A chunk, segmented once, in every model's windows."""
        return [tagger._prepare(pending) for tagger in self.taggers.values()]

    def _tag_chunk(self, pending, words: int, prepared: list, progress) -> Iterator[TaggedDocument]:
        merged = None
        for tagger, windows in zip(self.taggers.values(), prepared):
            ids, probs = tagger.run(windows)
            tagged = tagger.decode(pending, ids, probs)
            if merged is None:  # the first model's documents, with its word tags (--output_words takes one model)
                merged = tagged
            else:
                for into, one in zip(merged, tagged):
                    into.entities += one.entities
        for document in merged:
            document.entities.sort(key=entity_order)
        if progress is not None:
            progress(len(pending), words)
        yield from merged
