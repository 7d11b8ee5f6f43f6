"""Tagging new text with a trained model: word lists in, tags out; raw text in, entity spans out.

:class:`Tagger` is the document side of tagging, built on the model side
(:class:`~gerbera.tagging.word_tagger.WordTagger`: load, batch, forward, one tag and probability
per word):

- **Words to tags** (:meth:`Tagger.tag_words`): the words as given, tagged as ``run_eval.py``
  tags them (see :mod:`gerbera.tagging.word_tagger`).
- **Text to entities** (:meth:`Tagger.tag_text`, :meth:`Tagger.tag_texts`,
  :meth:`Tagger.tag_documents`): the text is cut into sentences and words by
  :func:`gerbera.text.segmentation.segment` (offline, rules of the biomedical NER
  corpora: ``IL-2`` is ``IL`` ``-`` ``2``, ``e.g.`` does not end a sentence), the words are
  tagged, and entities with exact character offsets, a type and a score are read from each
  sentence's tags (see :mod:`gerbera.tagging.entities`).
- **Many documents** (:meth:`Tagger.tag_documents`): documents are gathered into chunks of about
  ``chunk_words`` words, tagged together, and yielded in input order with a progress callback;
  on a GPU the next chunks are prepared on a worker thread while the model tags this one. A
  chunk holds about :data:`CHUNK_BATCHES` batches of sentences, so that sorting its windows by
  length leaves little padding (about 4% at 64 batches of 32, against 23% at 7 batches: the
  forward pass time grows with the padded cells).

The documents and entities themselves are in :mod:`gerbera.tagging.documents`; the names they
and the other tagging modules define are importable from here as before.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Iterator, Sequence

import torch

from gerbera.features.word_pieces import warn_if_words_unknown
from gerbera.models.model_side import ModelArguments
from gerbera.tagging.chunks import tag_in_chunks
from gerbera.tagging.documents import Entity, InputDocument, TaggedDocument, segment_passages, words_document
from gerbera.tagging.entities import (
    DEFAULT_ENTITY_TYPE,
    SpanDecoder,
    check_entity_type,
    entities_of_ids,
    entity_order,
    entity_spans,
    find_entities,
)
from gerbera.tagging.heads_model import load_heads_model
from gerbera.tagging.model_identity import folder_identity, loaded_identity
from gerbera.tagging.tag_layers import TagLayer, head_layers, single_layer
from gerbera.tagging.word_tagger import WordTagger, choose_device
from gerbera.text.segmentation import Sentence

logger = logging.getLogger(__name__)

CHUNK_BATCHES = 64  # batches of sentences per chunk, at about WORDS_PER_SENTENCE words a sentence
WORDS_PER_SENTENCE = 25

__all__ = [
    "DEFAULT_ENTITY_TYPE", "Entity", "InputDocument", "TaggedDocument", "Tagger",
    "choose_device", "entity_spans", "segment_passages", "words_document",
]


class Tagger(WordTagger):
    """A trained token-classification model that tags word lists and raw text.

    Build it with :meth:`load` (a folder saved by ``run_ner.py``), or from parts as a
    :class:`~gerbera.tagging.word_tagger.WordTagger`, plus ``entity_type``: the type of the
    entities of a model with untyped tags (``B``, ``I``, ``O``).
    """

    def __init__(
        self,
        model,
        encoder,
        tagset,
        batch_size: int = 32,
        device: str | torch.device | None = None,
        entity_type: str = DEFAULT_ENTITY_TYPE,
        precision: str = "fp32",
    ):
        self.entity_type = check_entity_type(entity_type)  # before the model moves to its device
        super().__init__(model, encoder, tagset, batch_size=batch_size, device=device, precision=precision)
        self.layers = [single_layer(tagset, self.entity_type)]
        self.label: str | None = None  # the name its entities carry in a run with several models

    def set_layers(self, layers: list[TagLayer]) -> None:
        """Tag with ``layers`` (a model with a head per corpus: one per head, see :mod:`gerbera.tagging.tag_layers`)."""
        self.layers = list(layers)
        single = len(self.layers) == 1 and self.layers[0].columns is None
        self.columns = None if single else [layer.columns for layer in self.layers]
        self._layer_decoders = [layer.decoder() for layer in self.layers]

    def describe_tags(self) -> str:
        """The tags it gives, for the log."""
        if self.columns is None:
            return ", ".join(self.tagset.labels)
        return "; ".join(f"head {layer.head} ({', '.join(layer.types)}): {', '.join(layer.tagset.labels)}"
                         for layer in self.layers)

    @classmethod
    def load(
        cls,
        model_name_or_path: str | None = None,
        max_seq_length: int = 128,
        batch_size: int = 32,
        device: str | None = None,
        entity_type: str = DEFAULT_ENTITY_TYPE,
        model_args=None,
        general_heads: bool = False,
    ) -> Tagger:
        """Load a model saved by ``run_ner.py`` the way ``run_eval.py`` does (see :meth:`WordTagger.load`).

        A model with a head per corpus tags with one layer per head (``general_heads``: with the
        general-domain heads too; see :mod:`gerbera.tagging.tag_layers`).
        """
        if model_args is None:
            model_args = ModelArguments(model_name_or_path=model_name_or_path)
        before = folder_identity(model_args.model_name_or_path)  # before any file of it is read
        parts = load_heads_model(model_args, max_seq_length)
        if parts is None:
            return super().load(model_name_or_path, max_seq_length, batch_size, device, model_args, entity_type=entity_type)
        name, model, encoder, heads = parts
        layers = head_layers(heads, name, general_heads)
        tagger = cls(model, encoder, layers[0].tagset, batch_size=batch_size, device=choose_device(device),
                     entity_type=entity_type, precision=model_args.scoring_precision)
        tagger.name = name
        tagger.identity = loaded_identity(name, before) if before is not None else None
        tagger.set_layers(layers)
        return tagger

    def entities(self, text: str, sentences: Sequence[Sentence], tags, scores) -> list[Entity]:
        """Entities of a document from its sentences' word tags (see :mod:`gerbera.tagging.entities`)."""
        return find_entities(text, sentences, tags, scores, None if self.tagset.typed else self.entity_type)

    def _span_decoder(self) -> SpanDecoder:
        """Reads entities from this model's tag ids (seqeval's rules, see :class:`SpanDecoder`)."""
        labels = self.labels.tolist()  # the tags tags_of() gives
        if getattr(self, "_decoder", None) is None or self._decoder.labels != labels:
            self._decoder = SpanDecoder(labels)
        return self._decoder

    def tag_text(self, text: str) -> list[Entity]:
        """The entities of one raw text (offsets into ``text``)."""
        return next(self.tag_documents([InputDocument("0", text)])).entities

    def tag_texts(self, texts: Iterable[str]) -> list[list[Entity]]:
        """The entities of each raw text, tagged in shared batches."""
        documents = (InputDocument(str(i), text) for i, text in enumerate(texts))
        return [tagged.entities for tagged in self.tag_documents(documents)]

    def tag_documents(
        self,
        documents: Iterable[InputDocument],
        chunk_words: int | None = None,
        progress: Callable[[int, int], None] | None = None,
        prefetch: bool | None = None,
    ) -> Iterator[TaggedDocument]:
        """Tag documents lazily, in input order.

        Documents are gathered until they hold ``chunk_words`` words (default
        :meth:`default_chunk_words`); the chunk's sentences are then tagged together (windows
        sorted by length across the chunk) and its documents yielded. ``progress(documents,
        words)`` is called after each chunk. ``prefetch`` (default: on a CUDA device): the next
        chunks are read, segmented and tokenized on a worker thread while the model tags this
        one (:mod:`gerbera.tagging.prefetch`); the results are the same.
        """
        return tag_in_chunks(documents, chunk_words or self.default_chunk_words(), self._prepare,
                             lambda pending, words, prepared: self._tag_chunk(pending, words, prepared, progress),
                             self.device.type == "cuda" if prefetch is None else prefetch)

    def default_chunk_words(self) -> int:
        """Words a chunk gathers by default: :data:`CHUNK_BATCHES` batches of sentences (at least 5,000 words)."""
        return max(5_000, CHUNK_BATCHES * self.batch_size * WORDS_PER_SENTENCE)

    def _prepare(self, pending) -> dict:
        words = [[token.text for token in sentence.tokens] for _, sentences in pending for sentence in sentences]
        if not getattr(self, "_unknown_words_checked", False):  # once, on the first chunk: a tokenizer not the model's
            self._unknown_words_checked = True
            warn_if_words_unknown(self.encoder, words, "the input")
        return self.prepare(words)

    def _tag_chunk(self, pending, words: int, prepared: dict, progress) -> Iterator[TaggedDocument]:
        started = time.perf_counter()
        ids, probs = self.run(prepared)
        logger.debug("tagged %d words in %.2fs", words, time.perf_counter() - started)
        results = self.decode(pending, ids, probs)
        if progress is not None:
            progress(len(pending), words)
        yield from results

    def decode(self, pending, ids, probs) -> list[TaggedDocument]:
        """The tagged documents of a chunk (``pending``: documents with their sentences) from :meth:`run`'s output."""
        if self.columns is not None:
            return self._decode_layers(pending, ids, probs)
        decoder = self._span_decoder()
        untyped = None if self.tagset.typed else self.entity_type
        labels = decoder.labels
        results, position = [], 0
        for document, sentences in pending:
            count = len(sentences)
            sentence_ids = [sentence.tolist() for sentence in ids[position : position + count]]
            tags = [[labels[i] for i in sentence] for sentence in sentence_ids]  # as tags_of()
            scores = [sentence.tolist() for sentence in probs[position : position + count]]
            position += count
            tagged = TaggedDocument(document, sentences, tags, scores)
            tagged.entities = entities_of_ids(document.text, sentences, sentence_ids, scores, decoder, untyped, self.label)
            results.append(tagged)
        return results

    def _decode_layers(self, pending, ids, probs) -> list[TaggedDocument]:
        """Each layer's entities, merged in document order (start, end, type); no word tags kept."""
        results, position = [], 0
        for document, sentences in pending:
            count = len(sentences)
            entities = []
            for k, (layer, decoder) in enumerate(zip(self.layers, self._layer_decoders)):
                sentence_ids = [sentence[:, k].tolist() for sentence in ids[position : position + count]]
                scores = [sentence[:, k].tolist() for sentence in probs[position : position + count]]
                entities += entities_of_ids(document.text, sentences, sentence_ids, scores, decoder,
                                            layer.entity_type, self.label)
            position += count
            entities.sort(key=entity_order)
            results.append(TaggedDocument(document, sentences, [], [], entities))
        return results
