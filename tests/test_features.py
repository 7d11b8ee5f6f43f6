"""Where words meet sub-tokens: windows, untokenizable words, and the way back to words."""

import numpy as np
import pytest
from transformers import AutoTokenizer

from gerbera.errors import GerberaError
from gerbera.features.word_pieces import IGNORE_INDEX, WordEncoder
from gerbera.features.word_predictions import word_level_ids


@pytest.fixture(scope="module")
def bert_tokenizer(tiny_bert):
    return AutoTokenizer.from_pretrained(tiny_bert)


@pytest.fixture(scope="module")
def roberta_tokenizer(tiny_roberta):
    return AutoTokenizer.from_pretrained(tiny_roberta, add_prefix_space=True)


def encode(encoder, sentences, tags=None):
    batch = {"words": sentences, "sentence_id": list(range(len(sentences))), "dataset": ["d"] * len(sentences)}
    if tags is not None:
        batch["tag_ids"] = tags
    return encoder.encode(batch)


def test_first_sub_token_carries_the_tag(bert_tokenizer):
    encoder = WordEncoder(bert_tokenizer, 32)
    out = encode(encoder, [["Huntington", "disease", "."]], [[0, 1, 2]])
    ids, labels, positions = out["input_ids"][0], out["labels"][0], out["word_positions"][0]
    assert ids[0] == bert_tokenizer.cls_token_id and ids[-1] == bert_tokenizer.sep_token_id
    assert [labels[p] for p in positions] == [0, 1, 2]
    assert sum(label != IGNORE_INDEX for label in labels) == 3
    assert positions[0] == 1 and out["length"][0] == len(ids)


def test_word_without_sub_tokens_becomes_unknown(bert_tokenizer):
    encoder = WordEncoder(bert_tokenizer, 32)
    out = encode(encoder, [["a", "\u200b", "\u00ad", "b"]], [[2, 0, 1, 2]])
    positions = out["word_positions"][0]
    assert len(positions) == 4
    assert out["input_ids"][0][positions[1]] == bert_tokenizer.unk_token_id
    assert [out["labels"][0][p] for p in positions] == [2, 0, 1, 2]


def test_long_sentence_is_cut_into_windows_covering_every_word(roberta_tokenizer):
    encoder = WordEncoder(roberta_tokenizer, 16)
    words = [f"word{i}" for i in range(40)]
    out = encode(encoder, [words], [[i % 3 for i in range(40)]])
    assert len(out["input_ids"]) > 1
    assert all(length <= 16 for length in out["length"])
    covered = [out["word_offset"][r] + k for r in range(len(out["input_ids"])) for k in range(len(out["word_positions"][r]))]
    assert covered == list(range(40))
    labels = [out["labels"][r][p] for r in range(len(out["input_ids"])) for p in out["word_positions"][r]]
    assert labels == [i % 3 for i in range(40)]


def test_overlong_word_keeps_its_first_sub_tokens(bert_tokenizer):
    encoder = WordEncoder(bert_tokenizer, 8)
    out = encode(encoder, [["a", "z" * 300 + "qx" * 50, "b"]], [[2, 0, 2]])
    assert all(length <= 8 for length in out["length"])
    assert sum(len(p) for p in out["word_positions"]) == 3


def test_max_seq_length_must_hold_a_word(bert_tokenizer):
    with pytest.raises(GerberaError, match="cannot hold a word"):
        WordEncoder(bert_tokenizer, 2)


def test_word_level_ids_puts_window_predictions_back_in_order():
    # two sentences (3 and 4 words); the second is split into two windows; rows in shuffled order
    features = {
        "word_positions": [[1, 2], [1, 3, 4], [1, 2]],
        "sentence_id": [1, 0, 1],
        "word_offset": [2, 0, 0],
    }
    token_predictions = np.full((3, 6), -100)
    token_predictions[0, [1, 2]] = [7, 8]  # sentence 1, words 2-3
    token_predictions[1, [1, 3, 4]] = [1, 2, 3]  # sentence 0
    token_predictions[2, [1, 2]] = [5, 6]  # sentence 1, words 0-1
    result = word_level_ids(token_predictions, features, [3, 4])
    assert [r.tolist() for r in result] == [[1, 2, 3], [5, 6, 7, 8]]


def test_word_level_ids_accepts_per_batch_arrays():
    features = {"word_positions": [[1, 2], [1]], "sentence_id": [0, 1], "word_offset": [0, 0]}
    batches = [np.array([[-100, 4, 5, -100]]), np.array([[-100, 6]])]
    assert [r.tolist() for r in word_level_ids(batches, features, [2, 1])] == [[4, 5], [6]]
