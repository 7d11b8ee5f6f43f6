"""The values tagging works on: a document to tag, a tagged document, and an entity mention.

An :class:`InputDocument` is raw text (cut into sentences by :func:`segment_passages`) or a
sentence of given words (:func:`words_document`); a :class:`TaggedDocument` holds its sentences,
one tag and one probability per word, and the :class:`Entity` mentions read from those tags.
Offsets are character offsets into the document's text, end exclusive.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from gerbera.text.segmentation import Sentence, Token, segment, sentences_in

__all__ = ["Entity", "InputDocument", "TaggedDocument", "segment_passages", "words_document"]


@dataclass(frozen=True)
class Entity:
    """An entity mention: ``text == document_text[start:end]`` (character offsets, end exclusive)."""

    start: int
    end: int
    text: str
    type: str
    score: float
    model: str | None = None  # the name of the model it came from, in a run with several (--model)

    def as_dict(self) -> dict:
        found = {"start": self.start, "end": self.end, "text": self.text, "type": self.type, "score": round(self.score, 6)}
        if self.model is not None:
            found["model"] = self.model
        return found


@dataclass
class InputDocument:
    """A document to tag.

    ``sentences`` given: the words are tagged as they are (a column file's sentences); else the
    text is segmented, each of ``passages`` (character spans, e.g. a PubTator title and abstract)
    on its own so that no sentence, and so no entity, crosses from one passage into the next.
    ``source`` is the :class:`~gerbera.documents.model.Document` the reader gave, which the
    writers take (None for text given directly).
    """

    id: str
    text: str
    sentences: list[Sentence] | None = None
    passages: Sequence[tuple[int, int]] | None = None
    source: object = None

    def sentences_to_tag(self) -> list[Sentence]:
        """The given sentences, or else the text's, segmented passage by passage."""
        return self.sentences if self.sentences is not None else segment_passages(self.text, self.passages)


@dataclass
class TaggedDocument:
    """A document with its sentences, one tag and one probability per word, and its entities."""

    document: InputDocument
    sentences: list[Sentence]
    tags: list[list[str]]
    scores: list[list[float]]
    entities: list[Entity] = field(default_factory=list)

    @property
    def num_words(self) -> int:
        return sum(len(sentence.tokens) for sentence in self.sentences)

    def words(self) -> list[dict]:
        """Every word with its offsets, tag and probability (``--output_words``)."""
        return [
            {"text": token.text, "start": token.start, "end": token.end, "tag": tag, "score": round(score, 6)}
            for sentence, tags, scores in zip(self.sentences, self.tags, self.scores)
            for token, tag, score in zip(sentence.tokens, tags, scores)
        ]


def words_document(document_id: str, words: Sequence[str], source: object = None) -> InputDocument:
    """A pre-tokenized sentence as a document: its text is the words joined by single spaces."""
    tokens, offset = [], 0
    for word in words:
        tokens.append(Token(word, offset, offset + len(word)))
        offset += len(word) + 1
    text = " ".join(words)
    sentences = [Sentence(tokens[0].start, tokens[-1].end, tuple(tokens))] if tokens else []
    return InputDocument(document_id, text, sentences=sentences, source=source)


def segment_passages(text: str, passages: Sequence[tuple[int, int]] | None = None) -> list[Sentence]:
    """The sentences of ``text``, each passage segmented on its own; offsets into ``text``."""
    if passages is None:
        return segment(text)
    sentences: list[Sentence] = []
    for start, end in passages:
        if 0 <= start <= end <= len(text):  # in place, offsets into text: no copies of the passage or its tokens
            sentences += sentences_in(text, start, end)
            continue
        for sentence in segment(text[start:end]):
            tokens = tuple(Token(t.text, t.start + start, t.end + start) for t in sentence.tokens)
            sentences.append(Sentence(sentence.start + start, sentence.end + start, tokens))
    return sentences
