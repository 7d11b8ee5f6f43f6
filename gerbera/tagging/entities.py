"""Entity mentions read from word tags, with character offsets and scores.

- **Spans**: entities are read from each sentence's tags with seqeval's own ``get_entities``
  (its default mode, the one :func:`gerbera.scoring.metrics.span_scores` counts with), so they
  never overlap and never cross a sentence (or passage) boundary.
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

from seqeval.metrics.sequence_labeling import get_entities

from gerbera.errors import GerberaError
from gerbera.tagging.documents import Entity
from gerbera.tagging.text_segmentation import Sentence

__all__ = ["DEFAULT_ENTITY_TYPE", "check_entity_type", "entity_spans", "find_entities"]

DEFAULT_ENTITY_TYPE = "Entity"


def check_entity_type(entity_type: str) -> str:
    """``entity_type``, refused when it is empty or holds whitespace (it must fit a PubTator column)."""
    if not entity_type or any(char.isspace() for char in entity_type):
        raise GerberaError(f"--entity_type {entity_type!r}: give a name without whitespace, e.g. Disease")
    return entity_type


def entity_spans(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """``(type, first word, last word)`` of each entity, as seqeval's metric counts them.

    The type is seqeval's: ``Disease`` for ``B-Disease``, ``_`` for untyped ``B``/``I``.
    """
    return get_entities(list(tags))


def find_entities(
    text: str, sentences: Sequence[Sentence], tags, scores, untyped_entity_type: str | None = None
) -> list[Entity]:
    """The entities of a document from its sentences' word tags and tag probabilities.

    ``untyped_entity_type``: the type given to the entities of untyped tags (``B``, ``I``);
    ``None`` when the tags are typed, whose entities take the type of their tags.
    """
    found = []
    for sentence, sentence_tags, sentence_scores in zip(sentences, tags, scores):
        for chunk_type, first, last in entity_spans(sentence_tags):
            start, end = sentence.tokens[first].start, sentence.tokens[last].end
            entity_type = chunk_type if untyped_entity_type is None else untyped_entity_type
            words = sentence_scores[first : last + 1]
            score = math.fsum(words) / len(words)  # numpy's mean costs more than the rest of decoding
            found.append(Entity(start, end, text[start:end], entity_type, score))
    return found
