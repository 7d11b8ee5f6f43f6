"""Tagging new text: a trained model's tags for given words, and entity spans for raw text.

- :mod:`gerbera.tagging.word_tagger`: the model side (load a model saved by ``run_ner.py``,
  batch, forward pass in the scoring precision, one tag and probability per word).
- :mod:`gerbera.tagging.tagger`: :class:`Tagger`, the document side (text to sentences, tags to
  entities with character offsets, many documents in chunks with progress).
- :mod:`gerbera.tagging.documents` and :mod:`gerbera.tagging.entities`: the documents and entity
  mentions, and how entities are read from tags.
- Every entity type in one run: :mod:`gerbera.tagging.model_set` (:class:`ModelSet`, several
  models, ``--model NAME=PATH``), :mod:`gerbera.tagging.tag_layers` (a model gives one tag layer
  per head, and the rule that no two layers give one type) and :mod:`gerbera.tagging.heads_model`
  (loading a model with a head per corpus).
- :mod:`gerbera.tagging.unit_io`: the files ``run_predict.py`` reads and writes: documents of
  :mod:`gerbera.documents` (which names, detects, reads and writes every format) read as documents
  to tag, tagged documents written back.
- A corpus into a folder: :mod:`gerbera.tagging.corpus_run` (units of work, resume),
  :mod:`gerbera.tagging.corpus_inputs` (files, folders, globs and output names),
  :mod:`gerbera.tagging.manifest` (what is finished, from which input content),
  :mod:`gerbera.tagging.model_identity` (which model: the files that make the tags),
  :mod:`gerbera.tagging.sharding` (which process does which unit), :mod:`gerbera.tagging.rank_lock`
  (one live process per rank, and what a dead one left removed), :mod:`gerbera.tagging.progress` (bar and log lines),
  :mod:`gerbera.tagging.prefetch` (the host side ahead of the model on a worker thread) and
  :mod:`gerbera.tagging.garbage_collection` (Python's collector tuned while a run tags).

The names below are importable from this package; each is loaded on first use, so that reading
a PubTator file does not load torch.
"""

from __future__ import annotations

import importlib

_HOMES = {
    "Tagger": "gerbera.tagging.tagger",
    "ModelSet": "gerbera.tagging.model_set",
    "WordTagger": "gerbera.tagging.word_tagger",
    "choose_device": "gerbera.tagging.word_tagger",
    "Entity": "gerbera.tagging.documents",
    "InputDocument": "gerbera.tagging.documents",
    "TaggedDocument": "gerbera.tagging.documents",
    "segment_passages": "gerbera.tagging.documents",
    "words_document": "gerbera.tagging.documents",
    "DEFAULT_ENTITY_TYPE": "gerbera.tagging.entities",
    "entity_spans": "gerbera.tagging.entities",
}

__all__ = sorted(_HOMES)


def __getattr__(name: str):
    if name not in _HOMES:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(_HOMES[name]), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_HOMES))
