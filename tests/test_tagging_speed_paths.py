"""The fast host side of tagging gives exactly what the code it replaced gave (issue 22, item 7).

Each fast path is compared with the old algorithm (kept in ``reference_host_side.py``) on
generated inputs (hypothesis) and, where ``../shared/NERdata`` is present, on real sentences:

- sentence splitting and word tokenization (:func:`split_sentences`, :func:`sentences_in`,
  :func:`segment_passages`): the same sentences and tokens, offsets included;
- entity decoding from tag ids (:class:`SpanDecoder`, :func:`entity_spans`, :func:`find_entities`)
  against seqeval's ``get_entities``, stray ``I-`` tags, type changes and IOBES tags included;
- :meth:`WordEncoder.encode` (each distinct word tokenized once, one-window sentences built at
  once) against ``word_pieces`` + ``windows``, with and without labels, in both word tokenizations;
- padding of a batch in numpy against the tokenizer's own ``pad``, on either padding side.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np
import pytest
import reference_host_side as reference
import torch
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from seqeval.metrics.sequence_labeling import get_entities
from transformers import AutoTokenizer

from gerbera.features.word_pieces import ORIGINAL_WORD_TOKENIZATION, WordEncoder
from gerbera.tagging.documents import Entity, segment_passages
from gerbera.tagging.entities import SpanDecoder, entities_of_ids, entity_spans, find_entities
from gerbera.text.segmentation import sentences_in, split_sentences, tokenize_words

NERDATA = Path(__file__).resolve().parents[2] / "shared" / "NERdata"
if not NERDATA.is_dir():
    NERDATA = Path(__file__).resolve().parents[1] / ".." / "shared" / "NERdata"

# Characters that exercise every rule: terminals, closers, openers, number joins, extenders (marks,
# zero-width and format characters, ZWJ, skin tones), line and paragraph breaks, other spaces.
PIECES = [
    "a", "b", "Z", "Q", "p", "x", "5", "6", "0", "12", "2,000", "1,2", "5.6", "κB", "é", "α", "中", "²",
    ".", ".", ".", "?", "!", "…", ",", ";", ":", "-", "/", "+", "%", "°",
    ")", "]", "}", '"', "'", "»", "’", "”", "›", "(", "[", "{", "«", "‘", "“", "‹",
    "\u0301", "\u200b", "\u00ad", "\u200d", "\ufeff", "\x07", "\U0001f3fb", "\U0001f469",
    " ", " ", " ", " ", "  ", "\t", "\n", "\n\n", "\r\n", "\r\n\r\n", "\r", "\u2028", "\u2029", "\u00a0", "\u3000",
    "e.g.", "i.e.", "et al.", "Fig.", "vs.", "(e.g.", "J.", "E. coli", "p53", "mRNA", "The", "In", "IL-2",
]
texts = st.lists(st.sampled_from(PIECES), max_size=60).map("".join)
QUICK = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def real_texts(limit: int = 400) -> list[str]:
    """Sentences of the real corpora, glued back into running text (no space before . , ) and so on)."""
    if not NERDATA.is_dir():
        return []
    from gerbera.corpora.column_files import read_column_file

    found = []
    for name in ("NCBI-disease/test.txt", "BC5CDR-disease/test.txt", "CoNLL2003/test.txt"):
        path = NERDATA / name
        if path.is_file():
            for sentence in read_column_file(path, require_tags=False):
                text = re.sub(r" ([.,;:!?)\]%])", r"\1", " ".join(sentence.words))
                found.append(re.sub(r"([(\[]) ", r"\1", text))
    rng = random.Random(22)
    joins = [" ", " ", " ", "\n", "\n\n", "  "]
    return ["".join(s + rng.choice(joins) for s in rng.sample(found, 12)) for _ in range(min(limit, len(found) // 12))]


# --- sentences and tokens -----------------------------------------------------------------------


@QUICK
@given(texts)
def test_sentences_are_the_old_splitters(text):
    assert split_sentences(text) == reference.split_sentences(text)
    assert tokenize_words(text, 7) == reference.tokenize_words(text, 7)


@QUICK
@given(texts, st.integers(0, 80), st.integers(0, 80))
def test_sentences_in_a_span_are_those_of_the_span_cut_out(text, a, b):
    start, end = min(a, b, len(text)), min(max(a, b), len(text))
    expected = reference.segment_passages(text, [(start, end)])
    assert sentences_in(text, start, end) == expected
    assert segment_passages(text, [(start, end)]) == expected


@QUICK
@given(texts, st.lists(st.tuples(st.integers(-3, 70), st.integers(-3, 70)), max_size=4))
def test_passages_are_segmented_as_before(text, passages):
    assert segment_passages(text, passages) == reference.segment_passages(text, passages)
    assert segment_passages(text) == reference.segment_passages(text)


def test_real_text_is_segmented_as_before():
    texts_found = real_texts()
    if not texts_found:
        pytest.skip("../shared/NERdata is not here")
    for text in texts_found:
        assert split_sentences(text) == reference.split_sentences(text)
        title = text.find(". ") + 1
        passages = [(0, title), (title + 1, len(text))]
        assert segment_passages(text, passages) == reference.segment_passages(text, passages)


# --- entities -------------------------------------------------------------------------------------

LABEL_SETS = [
    ["B", "I", "O"],
    ["O", "I", "B"],
    ["B-Disease", "I-Disease", "O"],
    ["O", "B-PER", "I-PER", "B-LOC", "I-LOC", "B-MISC", "I-MISC"],
    ["B-A", "I-A", "E-A", "S-A", "B-B", "I-B", "E-B", "S-B", "O"],
    ["B", "I", "E", "S", "O"],
    ["B-A-x", "I-A-x", "I-A", "O"],
]


@QUICK
@given(st.sampled_from(LABEL_SETS).flatmap(lambda labels: st.tuples(
    st.just(labels), st.lists(st.integers(0, len(labels) - 1), max_size=40))))
def test_spans_from_ids_are_seqevals(case):
    labels, ids = case
    tags = [labels[i] for i in ids]
    expected = get_entities(list(tags))
    assert SpanDecoder(labels).spans(ids) == expected
    assert entity_spans(tags) == expected


@QUICK
@given(st.sampled_from(LABEL_SETS), st.randoms(use_true_random=False), st.booleans())
def test_entities_of_a_document_are_as_before(labels, rng, untyped):
    text = "Alpha beta-gamma (DM) in p53. The IL-2 cells, e.g. TNF-alpha!\n\nNew 5.6 paragraph ends here."
    sentences = split_sentences(text)
    ids = [[rng.randrange(len(labels)) for _ in sentence.tokens] for sentence in sentences]
    tags = [[labels[i] for i in sentence] for sentence in ids]
    scores = [[rng.random() for _ in sentence.tokens] for sentence in sentences]
    entity_type = "Thing" if untyped else None
    expected = reference.find_entities(text, sentences, tags, scores, entity_type)
    assert find_entities(text, sentences, tags, scores, entity_type) == expected
    assert entities_of_ids(text, sentences, ids, scores, SpanDecoder(labels), entity_type) == expected
    assert all(isinstance(entity, Entity) and text[entity.start:entity.end] == entity.text for entity in expected)


# --- sub-tokens and windows -----------------------------------------------------------------------

WORDS = ["the", "Huntington", "disease", "xqzwv", "BRCA1qq", "IL", "-", "2", ".", "(", "DM", ")", "\u200b",
         "\u00ad", "p53", "κB", "中文", "", "x" * 90, "Huntingtonian" * 3, "[SEP]", "[UNK]", "ﬁ", "Ⅻ"]


@pytest.fixture(scope="module")
def tokenizers(tiny_bert, tiny_roberta):
    return {"bert": AutoTokenizer.from_pretrained(tiny_bert),
            "roberta": AutoTokenizer.from_pretrained(tiny_roberta, add_prefix_space=True)}


def random_batch(rng: random.Random, sentences: int, with_tags: bool) -> dict:
    words = [[rng.choice(WORDS) for _ in range(rng.choice([0, 1, 2, 5, 12, 40]))] for _ in range(sentences)]
    batch = {"words": words, "sentence_id": list(range(sentences)), "dataset": ["d"] * sentences}
    if with_tags:
        batch["tag_ids"] = [[rng.randrange(3) for _ in sentence] for sentence in words]
    return batch


@pytest.mark.parametrize("mode", ["standard", ORIGINAL_WORD_TOKENIZATION])
@pytest.mark.parametrize("name", ["bert", "roberta"])
@pytest.mark.parametrize("max_seq_length", [6, 16, 128])
def test_encode_is_word_pieces_and_windows(tokenizers, name, mode, max_seq_length):
    encoder = WordEncoder(tokenizers[name], max_seq_length, mode)
    rng = random.Random(f"{name}{mode}{max_seq_length}")
    for round_ in range(6):  # later rounds meet words already tokenized
        batch = random_batch(rng, 9, with_tags=round_ % 2 == 0)
        assert encoder.encode(batch) == reference.encode(encoder, batch)


def test_encode_of_real_sentences_is_as_before(tokenizers):
    texts_found = real_texts(60)
    if not texts_found:
        pytest.skip("../shared/NERdata is not here")
    sentences = [sentence.words for text in texts_found for sentence in split_sentences(text)]
    batch = {"words": sentences, "sentence_id": list(range(len(sentences))), "dataset": [""] * len(sentences)}
    for tokenizer in tokenizers.values():
        encoder = WordEncoder(tokenizer, 32)
        assert encoder.encode(batch) == reference.encode(encoder, batch)
        assert encoder.encode(batch) == reference.encode(encoder, batch)  # now from the words' cache


def test_the_word_cache_stays_bounded(tokenizers, monkeypatch):
    encoder = WordEncoder(tokenizers["bert"], 32)
    monkeypatch.setattr(WordEncoder, "PIECE_CACHE_LIMIT", 5)
    for k in range(4):
        words = [[f"w{k}{i}" for i in range(4)]]
        batch = {"words": words, "sentence_id": [0], "dataset": [""]}
        assert encoder.encode(batch) == reference.encode(encoder, batch)
    assert len(encoder._piece_cache) <= 5 + 4


# --- padding ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("side", ["right", "left"])
def test_padding_is_the_tokenizers(tiny_bert, side):
    from gerbera.tagging.word_tagger import WordTagger

    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    tokenizer.padding_side = side
    tagger = WordTagger.__new__(WordTagger)
    tagger.encoder = WordEncoder(tokenizer, 32)
    rng = random.Random(side)
    for rows in ([[5]], [[2, 7, 9, 3], [2, 3], [2, 11, 3]], [[rng.randrange(50) for _ in range(rng.randrange(1, 30))]
                                                            for _ in range(17)]):
        padded, expected = tagger._pad(rows), reference.pad(tokenizer, rows)
        for key in ("input_ids", "attention_mask"):
            assert padded[key].dtype == expected[key].dtype == torch.int64
            assert torch.equal(padded[key], expected[key]), key
    assert np.array_equal(tagger._pad([[1, 2]])["attention_mask"].numpy(), [[1, 1]])
