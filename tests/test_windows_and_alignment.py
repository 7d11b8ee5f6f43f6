"""Windows never exceed --max_seq_length, even for a single word with more sub-tokens than a
window holds (byte-level BPE splits an unusual word into many pieces; WordPiece gives [UNK])."""

import pytest
from transformers import AutoTokenizer

from gerbera.features.word_pieces import WordEncoder


@pytest.mark.parametrize("max_len", [8, 24])
def test_overlong_word_keeps_its_first_sub_tokens_within_the_window(tiny_roberta, max_len):
    tokenizer = AutoTokenizer.from_pretrained(tiny_roberta, add_prefix_space=True)
    encoder = WordEncoder(tokenizer, max_len)
    long_word = "x" * 300 + "qz" * 40
    words = ["a", long_word, "b"]
    pieces = tokenizer([long_word], is_split_into_words=True, add_special_tokens=False)["input_ids"]
    assert len(pieces) > max_len  # the word alone would overflow a window
    out = encoder.encode({"words": [words], "sentence_id": [0], "dataset": ["d"], "tag_ids": [[2, 0, 1]]})
    assert all(length <= max_len for length in out["length"])
    assert [len(ids) for ids in out["input_ids"]] == out["length"]
    # the long word has a window of its own, filled with its first pieces
    [row] = [r for r in range(len(out["input_ids"])) if out["word_offset"][r] == 1]
    assert out["word_positions"][row] == [1]
    assert out["input_ids"][row][1:-1] == pieces[: encoder.window_budget]
    labels = [out["labels"][r][p] for r in range(len(out["input_ids"])) for p in out["word_positions"][r]]
    assert labels == [2, 0, 1]


@pytest.mark.parametrize("encoder_name", ["tiny_bert", "tiny_roberta"])
def test_each_word_is_tagged_at_its_first_sub_token(encoder_name, request):
    path = request.getfixturevalue(encoder_name)
    tokenizer = AutoTokenizer.from_pretrained(path, add_prefix_space=True) if "roberta" in encoder_name else AutoTokenizer.from_pretrained(path)
    words = ["Huntingtonian", "xqzdisease", "is", "BRCA1qq", "."]
    pieces = [tokenizer([w], is_split_into_words=True, add_special_tokens=False)["input_ids"] for w in words]
    assert any(len(p) > 1 for p in pieces)  # words of several sub-tokens
    out = WordEncoder(tokenizer, 64).encode({"words": [words], "sentence_id": [0], "dataset": ["d"], "tag_ids": [[0, 1, 2, 0, 2]]})
    starts = [1 + sum(len(p) for p in pieces[:i]) for i in range(len(words))]  # after the [CLS] / <s> token
    assert out["word_positions"][0] == starts
    assert out["input_ids"][0][1:-1] == [i for p in pieces for i in p]
    assert [out["labels"][0][p] for p in starts] == [0, 1, 2, 0, 2]
    assert sum(label != -100 for label in out["labels"][0]) == len(words)  # later sub-tokens are ignored
