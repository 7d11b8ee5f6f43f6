"""Entity mentions read from word tags, with character offsets and scores.

- **Spans**: entities are read from each sentence's tags as seqeval's own ``get_entities`` reads
  them (its default mode, the one :func:`gerbera.scoring.metrics.span_scores` counts with; done
  from tag ids with seqeval's rules tabulated, :class:`SpanDecoder`), so they never overlap and
  never cross a sentence (or passage) boundary.
- **Offsets**: an entity of words ``i..j`` spans the characters from word ``i``'s start to word
  ``j``'s end, so ``text[entity.start:entity.end] == entity.text`` always holds.
- **Type**: the type of the model's tags (``B-Disease`` -> ``Disease``); a model with untyped
  tags (``B``, ``I``, ``O``) gives its entities the type it is told (default ``Entity``).
- **Score**: the softmax probability of each word's predicted tag (at its first sub-token),
  averaged over the entity's words; a number in (0, 1].
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from functools import lru_cache

from gerbera.errors import UsageError
from gerbera.tagging.documents import Entity
from gerbera.text.segmentation import Sentence

__all__ = [
    "DEFAULT_ENTITY_TYPE", "SpanDecoder", "check_entity_type", "entities_of_ids", "entity_order", "entity_spans",
    "find_entities",
]

DEFAULT_ENTITY_TYPE = "Entity"


def check_entity_type(entity_type: str) -> str:
    """``entity_type``, refused when it is empty or holds whitespace (it must fit a PubTator column)."""
    if not entity_type or any(char.isspace() for char in entity_type):
        raise UsageError(f"--entity_type {entity_type!r}: give a name without whitespace, e.g. Disease")
    return entity_type


def entity_order(entity: Entity) -> tuple[int, int, str]:
    """The order of entities of several tag layers in one output: by start, end, then type."""
    return entity.start, entity.end, entity.type


class SpanDecoder:
    """seqeval's ``get_entities`` (default mode) over tag ids: the same spans, read from two tables.

    ``get_entities`` walks the tags once; whether a chunk ends, or starts, before each tag depends
    only on that tag and the one before it (their prefixes and types), through seqeval's own
    ``end_of_chunk`` and ``start_of_chunk``. Both are tabulated here once for every pair of
    ``labels`` (plus seqeval's state before the first tag, and the ``O`` it appends after the
    last), so a sentence costs two table look-ups a word: stray ``I-`` tags, type changes and
    IOBES tags come out exactly as seqeval reads them.
    """

    def __init__(self, labels: Sequence[str]):
        # imported here: seqeval.metrics loads scikit-learn (most of a second), which tagging needs nowhere else
        from seqeval.metrics.sequence_labeling import end_of_chunk, start_of_chunk

        self.labels = list(labels)
        # seqeval's parse of a tag (non-suffix mode), then its appended 'O' and its initial state
        parsed = [(tag[0], tag[1:].split("-", maxsplit=1)[-1] or "_") for tag in self.labels]
        parsed += [("O", "_"), ("O", "")]
        self.after_last, self.before_first = len(self.labels), len(self.labels) + 1
        self.types = [entity_type for _, entity_type in parsed]
        self.ends = [[end_of_chunk(prev, tag, prev_type, entity_type) for tag, entity_type in parsed]
                     for prev, prev_type in parsed]
        self.starts = [[start_of_chunk(prev, tag, prev_type, entity_type) for tag, entity_type in parsed]
                       for prev, prev_type in parsed]

    def spans(self, ids: Sequence[int]) -> list[tuple[str, int, int]]:
        """``(type, first word, last word)`` of each entity of one sentence's tag ids (indices into ``labels``)."""
        ends, starts = self.ends, self.starts
        previous, begin, found = self.before_first, 0, []
        for i, current in enumerate(ids):
            if ends[previous][current]:
                found.append((self.types[previous], begin, i - 1))
            if starts[previous][current]:
                begin = i
            previous = current
        if ends[previous][self.after_last]:
            found.append((self.types[previous], begin, len(ids) - 1))
        return found


@lru_cache(maxsize=64)
def _decoder(labels: tuple[str, ...]) -> SpanDecoder:
    return SpanDecoder(labels)


def entity_spans(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """``(type, first word, last word)`` of each entity, as seqeval's metric counts them.

    The type is seqeval's: ``Disease`` for ``B-Disease``, ``_`` for untyped ``B``/``I``.
    """
    tags = list(tags)
    labels = tuple(sorted(set(tags)))
    index = {tag: i for i, tag in enumerate(labels)}
    return _decoder(labels).spans([index[tag] for tag in tags])


def find_entities(
    text: str, sentences: Sequence[Sentence], tags, scores, untyped_entity_type: str | None = None
) -> list[Entity]:
    """The entities of a document from its sentences' word tags and tag probabilities.

    ``untyped_entity_type``: the type given to the entities of untyped tags (``B``, ``I``);
    ``None`` when the tags are typed, whose entities take the type of their tags.
    """
    labels = tuple(sorted({tag for sentence_tags in tags for tag in sentence_tags}))
    index = {tag: i for i, tag in enumerate(labels)}
    ids = [[index[tag] for tag in sentence_tags] for sentence_tags in tags]
    return entities_of_ids(text, sentences, ids, scores, _decoder(labels), untyped_entity_type)


def entities_of_ids(
    text: str, sentences: Sequence[Sentence], ids, scores, decoder: SpanDecoder, untyped_entity_type: str | None = None,
    model: str | None = None,
) -> list[Entity]:
    """:func:`find_entities` from tag ids (``decoder.labels`` indices, one list per sentence); ``model``:
    the name of the model they came from, in a run with several."""
    found = []
    new = object.__new__
    for sentence, sentence_ids, sentence_scores in zip(sentences, ids, scores):
        for chunk_type, first, last in decoder.spans(sentence_ids):
            start, end = sentence.tokens[first].start, sentence.tokens[last].end
            entity_type = chunk_type if untyped_entity_type is None else untyped_entity_type
            words = sentence_scores[first : last + 1]
            score = math.fsum(words) / len(words)  # numpy's mean costs more than the rest of decoding
            # Entity(start, end, text[start:end], entity_type, score) without the frozen __init__'s cost
            entity = new(Entity)
            entity.__dict__.update(start=start, end=end, text=text[start:end], type=entity_type, score=score)
            if model is not None:
                entity.__dict__["model"] = model
            found.append(entity)
    return found
