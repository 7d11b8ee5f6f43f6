"""Documents tagged a chunk at a time: gathered until they hold ``chunk_words`` words, each chunk's
sentences prepared for the model together (windows sorted by length across the chunk), tagged, and
its documents yielded in input order.

:class:`~gerbera.tagging.tagger.Tagger` prepares a chunk's windows for its one model;
:class:`~gerbera.tagging.model_set.ModelSet` segments a chunk once and prepares it for each of its
models. With ``prefetch`` (a GPU's default) the next chunks are read, segmented and prepared on a
worker thread while the model tags this one (:mod:`gerbera.tagging.prefetch`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from gerbera.tagging.documents import InputDocument, TaggedDocument
from gerbera.tagging.prefetch import prefetched

__all__ = ["prepared_chunks", "tag_in_chunks"]


def prepared_chunks(documents: Iterable[InputDocument], chunk_words: int, prepare: Callable) -> Iterator[tuple]:
    """``(pending, words, prepare(pending))`` per chunk: ``pending`` the chunk's documents, each with
    its sentences to tag, ``words`` the words they hold."""
    pending, words = [], 0
    for document in documents:
        sentences = document.sentences_to_tag()
        pending.append((document, sentences))
        words += sum(len(sentence.tokens) for sentence in sentences)
        if words >= chunk_words:
            yield pending, words, prepare(pending)
            pending, words = [], 0
    if pending:
        yield pending, words, prepare(pending)


def tag_in_chunks(documents: Iterable[InputDocument], chunk_words: int, prepare: Callable, tag_chunk: Callable,
                  prefetch: bool) -> Iterator[TaggedDocument]:
    """The tagged documents, lazily and in input order: ``tag_chunk(pending, words, prepared)`` yields
    a chunk's documents."""
    chunks = prepared_chunks(documents, chunk_words, prepare)
    if prefetch:
        chunks = prefetched(chunks)
    for pending, words, prepared in chunks:
        yield from tag_chunk(pending, words, prepared)
