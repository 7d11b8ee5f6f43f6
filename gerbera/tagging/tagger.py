"""Tagging new text with a trained model: word lists in, tags out; raw text in, entity spans out.

:class:`Tagger` runs a model saved by ``run_ner.py`` without a `Trainer`: plain batched
inference under ``torch.inference_mode()``, windows sorted by length and padded per batch.

- **Words to tags** (:meth:`Tagger.tag_words`): each sentence goes through the same
  :class:`~gerbera.features.word_pieces.WordEncoder` and :func:`~gerbera.features.word_predictions.word_level_ids` as
  ``run_eval.py``, so a long sentence is cut into the same windows, an untokenizable word is
  fed as the unknown token, and every word gets exactly one tag: the arg-max of the logits at its
  first sub-token. The same sentence gets the same tags as in ``run_eval.py``'s
  ``test_predictions.txt`` (with the same ``--max_seq_length``).
- **Text to entities** (:meth:`Tagger.tag_text`, :meth:`Tagger.tag_documents`): the text is cut
  into sentences and words by :func:`gerbera.tagging.text_segmentation.segment` (offline, rules of the
  biomedical NER corpora: ``IL-2`` is ``IL`` ``-`` ``2``, ``e.g.`` does not end a sentence), the
  words are tagged as above, and entities are read from each sentence's tags with seqeval's own
  ``get_entities`` (its default mode, the one :func:`gerbera.scoring.metrics.span_scores` counts with).
  An entity of words ``i..j`` spans the characters from word ``i``'s start to word ``j``'s end,
  so ``text[entity.start:entity.end] == entity.text`` always holds; entities never overlap and
  never cross a sentence (or passage) boundary.
- **Entity type**: the type of the model's tags (``B-Disease`` -> ``Disease``); a model with
  untyped tags (``B``, ``I``, ``O``) gives its entities the type ``entity_type`` (``Entity``).
- **Score**: the softmax probability of each word's predicted tag (at its first sub-token),
  averaged over the entity's words; a number in (0, 1].
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator, Sequence

import numpy as np
import torch
from seqeval.metrics.sequence_labeling import get_entities
from transformers.data.data_collator import pad_without_fast_tokenizer_warning

from gerbera.errors import GerberaError
from gerbera.hardware import scoring_precision
from gerbera.features.word_predictions import word_level_ids
from gerbera.tagging.text_segmentation import Sentence, Token, segment

logger = logging.getLogger(__name__)

__all__ = [
    "DEFAULT_ENTITY_TYPE", "Entity", "InputDocument", "TaggedDocument", "Tagger",
    "choose_device", "entity_spans", "segment_passages", "words_document",
]

DEFAULT_ENTITY_TYPE = "Entity"


@dataclass(frozen=True)
class Entity:
    """An entity mention: ``text == document_text[start:end]`` (character offsets, end exclusive)."""

    start: int
    end: int
    text: str
    type: str
    score: float

    def as_dict(self) -> dict:
        return {"start": self.start, "end": self.end, "text": self.text, "type": self.type, "score": round(self.score, 6)}


@dataclass
class InputDocument:
    """A document to tag.

    ``sentences`` given: the words are tagged as they are (a column file's sentences); else the
    text is segmented, each of ``passages`` (character spans, e.g. a PubTator title and abstract)
    on its own so that no sentence, and so no entity, crosses from one passage into the next.
    ``source`` carries whatever the reader wants back (the PubTator document).
    """

    id: str
    text: str
    sentences: list[Sentence] | None = None
    passages: Sequence[tuple[int, int]] | None = None
    source: object = None


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
        for sentence in segment(text[start:end]):
            tokens = tuple(Token(t.text, t.start + start, t.end + start) for t in sentence.tokens)
            sentences.append(Sentence(sentence.start + start, sentence.end + start, tokens))
    return sentences


def choose_device(device: str | None) -> torch.device:
    """``None`` or ``"auto"``: the GPU when there is one, else the CPU; else the named device, checked."""
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        chosen = torch.device(device)
    except (RuntimeError, ValueError):
        raise GerberaError(f"--device {device}: not a device (use cpu, cuda, cuda:1, ... or auto)") from None
    if chosen.type == "cuda" and not torch.cuda.is_available():
        raise GerberaError(f"--device {device}: this machine has no CUDA GPU that torch can use")
    if chosen.type == "cuda" and chosen.index is not None and chosen.index >= torch.cuda.device_count():
        raise GerberaError(f"--device {device}: there are only {torch.cuda.device_count()} GPUs")
    return chosen


def entity_spans(tags: Sequence[str]) -> list[tuple[str, int, int]]:
    """``(type, first word, last word)`` of each entity, as seqeval's metric counts them.

    The type is seqeval's: ``Disease`` for ``B-Disease``, ``_`` for untyped ``B``/``I``.
    """
    return get_entities(list(tags))


class Tagger:
    """A trained token-classification model that tags word lists and raw text.

    Build it with :meth:`load` (a folder saved by ``run_ner.py``), or from parts: a model whose
    output ``logits`` are ``(batch, tokens, tags)``, the :class:`~gerbera.features.word_pieces.WordEncoder` of
    its tokenizer, and its :class:`~gerbera.corpora.tags.TagSet`.
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
        if batch_size < 1:
            raise GerberaError(f"--batch_size {batch_size}: must be at least 1")
        if not entity_type or any(char.isspace() for char in entity_type):
            raise GerberaError(f"--entity_type {entity_type!r}: give a name without whitespace, e.g. Disease")
        self.device = torch.device(device) if device is not None else next(model.parameters()).device
        self.model = model.to(self.device).eval()
        self.encoder = encoder
        self.tagset = tagset
        self.labels = np.asarray(tagset.labels, dtype=object)
        self.batch_size = batch_size
        self.entity_type = entity_type
        self.precision = precision  # gerbera.hardware.scoring_precision
        self.name = getattr(getattr(model, "config", None), "_name_or_path", None)
        # A long sentence is tokenized whole before it is cut into windows: the tokenizer's
        # "sequence length is longer than the specified maximum" warning does not apply.
        warned = getattr(encoder.tokenizer, "deprecation_warnings", None)
        if isinstance(warned, dict):
            warned["sequence-length-is-longer-than-the-specified-maximum"] = True

    @classmethod
    def load(
        cls,
        model_name_or_path: str | None = None,
        max_seq_length: int = 128,
        batch_size: int = 32,
        device: str | None = None,
        entity_type: str = DEFAULT_ENTITY_TYPE,
        model_args=None,
    ) -> "Tagger":
        """Load a model saved by ``run_ner.py`` the way ``run_eval.py`` does.

        ``model_args`` (:class:`gerbera.commands.arguments.ModelArguments`) carries every model-loading
        flag; without it one is made from ``model_name_or_path``. ``device``: ``"cpu"``,
        ``"cuda"``, ...; default the GPU when there is one.
        """
        from gerbera.commands.arguments import ModelArguments
        from gerbera.models.loading import load_model
        from gerbera.commands.session import ModelSide

        if model_args is None:
            model_args = ModelArguments(model_name_or_path=model_name_or_path)
        side = ModelSide.load(model_args, max_seq_length)
        if side.trained_tagset is None:
            raise GerberaError(
                f"{side.name} has no trained tag head: tag text with a model saved by run_ner.py (--model_name_or_path)"
            )
        encoder = side.encoder(max_seq_length)
        model = load_model(side.name, side.config, side.trained_tagset, model_args.trust_remote_code, model_args.cache_dir)
        device = choose_device(device)
        tagger = cls(model, encoder, side.trained_tagset, batch_size, device, entity_type, model_args.scoring_precision)
        tagger.name = side.name
        return tagger

    # ------------------------------------------------------------------------------------------
    # words -> tags

    def _forward(self, rows: list[list[int]], with_token_type_ids: bool) -> tuple[np.ndarray, np.ndarray]:
        """Arg-max tag ids and their softmax probabilities for a batch of rows, (rows, longest)."""
        # padded by the tokenizer, as DataCollatorForTokenClassification pads for run_eval.py
        padded = pad_without_fast_tokenizer_warning(
            self.encoder.tokenizer, {"input_ids": rows}, return_tensors="pt", return_attention_mask=True
        )
        inputs = {"input_ids": padded["input_ids"].to(self.device), "attention_mask": padded["attention_mask"].to(self.device)}
        if with_token_type_ids:
            inputs["token_type_ids"] = torch.zeros_like(inputs["input_ids"])
        with scoring_precision(self.model, self.precision, self.device):
            output = self.model(**inputs)
        logits = output.logits if hasattr(output, "logits") else output[0]
        logits = logits.float()
        ids = logits.argmax(dim=-1)  # on the logits, as run_eval.py does
        probabilities = torch.softmax(logits, dim=-1).gather(-1, ids.unsqueeze(-1)).squeeze(-1)
        return ids.cpu().numpy(), probabilities.cpu().numpy()

    def predict(self, sentences: Sequence[Sequence[str]]) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Tag ids and their probabilities, one per word of every sentence (empty sentences allowed)."""
        sentences = [list(words) for words in sentences]
        lengths = [len(words) for words in sentences]
        keep = [i for i, n in enumerate(lengths) if n]
        ids_out = [np.zeros(0, dtype=np.int64) for _ in sentences]
        probs_out = [np.zeros(0, dtype=np.float32) for _ in sentences]
        if not keep:
            return ids_out, probs_out
        batch = {
            "words": [sentences[i] for i in keep],
            "sentence_id": list(range(len(keep))),
            "dataset": [""] * len(keep),
        }
        features = self.encoder.encode(batch)
        rows = features["input_ids"]
        longest = max(len(row) for row in rows)
        ids = np.zeros((len(rows), longest), dtype=np.int64)
        probs = np.zeros((len(rows), longest), dtype=np.float32)
        order = sorted(range(len(rows)), key=lambda r: -len(rows[r]))  # longest first, as run_eval.py
        with_token_type_ids = "token_type_ids" in features
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                chosen = order[start : start + self.batch_size]
                batch_ids, batch_probs = self._forward([rows[r] for r in chosen], with_token_type_ids)
                width = batch_ids.shape[1]
                ids[chosen, :width] = batch_ids
                probs[chosen, :width] = batch_probs
        # word_level_ids puts every window's word predictions back in sentence order; it is given
        # flat indices into the (rows, tokens) arrays, so ids and probabilities follow one gather.
        flat = np.arange(ids.size, dtype=np.int64).reshape(ids.shape)
        per_sentence = word_level_ids(flat, features, [lengths[i] for i in keep])
        for i, index in zip(keep, per_sentence):
            ids_out[i] = ids.reshape(-1)[index]
            probs_out[i] = probs.reshape(-1)[index]
        return ids_out, probs_out

    def tag_words(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        """One tag per word of every sentence (the words as given, not re-tokenized)."""
        ids, _ = self.predict(sentences)
        return [self.labels[sentence].tolist() for sentence in ids]

    # ------------------------------------------------------------------------------------------
    # tags -> entities

    def entities(self, text: str, sentences: Sequence[Sentence], tags, scores) -> list[Entity]:
        """Entities of a document from its sentences' word tags (see the module docstring)."""
        found = []
        for sentence, sentence_tags, sentence_scores in zip(sentences, tags, scores):
            for chunk_type, first, last in entity_spans(sentence_tags):
                start, end = sentence.tokens[first].start, sentence.tokens[last].end
                entity_type = chunk_type if self.tagset.typed else self.entity_type
                score = float(np.mean(sentence_scores[first : last + 1]))
                found.append(Entity(start, end, text[start:end], entity_type, score))
        return found

    # ------------------------------------------------------------------------------------------
    # documents

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
        chunk_words: int = 5_000,
        progress: Callable[[int, int], None] | None = None,
    ) -> Iterator[TaggedDocument]:
        """Tag documents lazily, in input order.

        Documents are gathered until they hold ``chunk_words`` words; the chunk's sentences are
        then tagged together (windows sorted by length across the chunk) and its documents
        yielded. ``progress(documents, words)`` is called after each chunk.
        """
        pending: list[tuple[InputDocument, list[Sentence]]] = []
        words = 0
        for document in documents:
            sentences = document.sentences if document.sentences is not None else segment_passages(
                document.text, document.passages
            )
            pending.append((document, sentences))
            words += sum(len(sentence.tokens) for sentence in sentences)
            if words >= chunk_words:
                yield from self._tag_chunk(pending, words, progress)
                pending, words = [], 0
        if pending:
            yield from self._tag_chunk(pending, words, progress)

    def _tag_chunk(self, pending, words: int, progress) -> Iterator[TaggedDocument]:
        all_sentences = [[token.text for token in sentence.tokens] for _, sentences in pending for sentence in sentences]
        started = time.perf_counter()
        ids, probs = self.predict(all_sentences)
        logger.debug("tagged %d words in %.2fs", words, time.perf_counter() - started)
        results, position = [], 0
        for document, sentences in pending:
            count = len(sentences)
            tags = [self.labels[sentence].tolist() for sentence in ids[position : position + count]]
            scores = [sentence.tolist() for sentence in probs[position : position + count]]
            position += count
            tagged = TaggedDocument(document, sentences, tags, scores)
            tagged.entities = self.entities(document.text, sentences, tags, scores)
            results.append(tagged)
        if progress is not None:
            progress(len(pending), words)
        yield from results
