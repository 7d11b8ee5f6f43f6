"""Quick checks for the offline tiny encoders in ``tests/tiny_models.py``."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")

import pytest
import torch
from safetensors.torch import load_file
from transformers import AutoModelForTokenClassification, AutoTokenizer

try:
    from tests.tiny_models import make_tiny_bert, make_tiny_roberta
except ImportError:  # tests/ is not a package: pytest puts tests/ itself on sys.path
    from tiny_models import make_tiny_bert, make_tiny_roberta

LABELS = ["O", "B-Disease", "I-Disease"]
ID2LABEL = dict(enumerate(LABELS))
LABEL2ID = {label: i for i, label in ID2LABEL.items()}
SENTENCES = [
    ["Hello", "world"],
    ["BRCA1", "mutations", "cause", "breast", "cancer", "in", "Zyxwvutsrq", "carriers", "."],
]


def _load(path, **tokenizer_kwargs):
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True, **tokenizer_kwargs)
    model = AutoModelForTokenClassification.from_pretrained(
        path,
        num_labels=len(LABELS),
        id2label=ID2LABEL,
        label2id=LABEL2ID,
        local_files_only=True,
    )
    return tokenizer, model


def _check_word_ids(word_ids, words):
    """Each word gets >= 1 token, in order; special tokens map to None."""
    assert word_ids[0] is None and word_ids[-1] is None
    inner = word_ids[1:-1]
    assert None not in inner
    assert sorted(set(inner)) == list(range(len(words)))
    assert inner == sorted(inner)


BUILDERS = {
    "bert": (make_tiny_bert, {}),
    "roberta": (make_tiny_roberta, {"add_prefix_space": True}),
}


@pytest.mark.parametrize("kind", sorted(BUILDERS))
def test_build_load_and_forward(tmp_path, kind):
    build, tokenizer_kwargs = BUILDERS[kind]
    path = build(tmp_path / kind, corpus_words=["acetaminophen", "BRCA1"])
    tokenizer, model = _load(path, **tokenizer_kwargs)

    assert tokenizer.is_fast
    assert tokenizer.model_max_length == 512
    assert tokenizer.pad_token_id is not None
    assert tokenizer.cls_token_id is not None and tokenizer.sep_token_id is not None
    assert tokenizer.unk_token_id is not None and tokenizer.mask_token_id is not None
    assert model.config.pad_token_id == tokenizer.pad_token_id
    assert model.config.vocab_size == len(tokenizer)
    assert 300 <= len(tokenizer) <= 1100
    assert model.config.model_type == kind
    assert model.config.id2label == ID2LABEL
    assert model.config.hidden_size == 32 and model.config.num_hidden_layers == 2
    expected_positions = 514 if kind == "roberta" else 512
    assert model.config.max_position_embeddings == expected_positions

    batch = tokenizer(SENTENCES, is_split_into_words=True, padding=True, return_tensors="pt")
    for index, words in enumerate(SENTENCES):
        length = int(batch["attention_mask"][index].sum())
        _check_word_ids(batch.word_ids(index)[:length], words)
        assert all(w is None for w in batch.word_ids(index)[length:])
    assert tokenizer.unk_token_id not in batch["input_ids"].tolist()[1]
    # The short sentence is padded with the pad id and masked out.
    short_len = int(batch["attention_mask"][0].sum())
    assert short_len < batch["input_ids"].shape[1]
    assert set(batch["input_ids"][0, short_len:].tolist()) == {tokenizer.pad_token_id}

    model.eval()
    with torch.no_grad():
        logits = model(**batch).logits
    assert logits.shape == (*batch["input_ids"].shape, len(LABELS))
    assert torch.isfinite(logits).all()

    # A single-sentence call with word_ids works too.
    assert tokenizer(["Hello", "world"], is_split_into_words=True).word_ids()[1] == 0


def test_bert_is_uncased_and_saves_vocab_txt(tmp_path):
    path = make_tiny_bert(tmp_path / "bert")
    assert {"tokenizer.json", "tokenizer_config.json", "vocab.txt", "config.json", "model.safetensors"} <= {
        p.name for p in path.iterdir()
    }
    tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
    assert tokenizer("Breast CANCER")["input_ids"] == tokenizer("breast cancer")["input_ids"]
    vocab_lines = (path / "vocab.txt").read_text(encoding="utf-8").splitlines()
    assert vocab_lines[: tokenizer.pad_token_id + 1][-1] == "[PAD]"
    assert len(vocab_lines) == len(tokenizer)


def test_roberta_prefix_space_tokens(tmp_path):
    path = make_tiny_roberta(tmp_path / "roberta")
    assert {"vocab.json", "merges.txt", "tokenizer.json", "tokenizer_config.json"} <= {p.name for p in path.iterdir()}
    tokenizer = AutoTokenizer.from_pretrained(path, add_prefix_space=True, local_files_only=True)
    assert tokenizer.is_fast
    assert (tokenizer.bos_token_id, tokenizer.pad_token_id, tokenizer.eos_token_id) == (0, 1, 2)
    words = ["Hello", "world", "aspirin", "Zyxwvutsrq"]
    encoding = tokenizer(words, is_split_into_words=True)
    tokens = encoding.tokens()
    word_ids = encoding.word_ids()
    for index in range(len(words)):
        first = word_ids.index(index)
        assert tokens[first].startswith("Ġ"), tokens
    # Only the first piece of each word carries the space marker.
    for position in range(1, len(tokens) - 1):
        if word_ids[position] == word_ids[position - 1]:
            assert not tokens[position].startswith("Ġ"), tokens


def test_same_seed_same_model(tmp_path):
    for build in (make_tiny_bert, make_tiny_roberta):
        name = build.__name__
        a = build(tmp_path / f"{name}-a", seed=3)
        b = build(tmp_path / f"{name}-b", seed=3)
        c = build(tmp_path / f"{name}-c", seed=4)
        assert (a / "tokenizer.json").read_text() == (b / "tokenizer.json").read_text()
        wa, wb, wc = (load_file(str(p / "model.safetensors")) for p in (a, b, c))
        assert wa.keys() == wb.keys()
        assert all(torch.equal(wa[k], wb[k]) for k in wa)
        assert not all(torch.equal(wa[k], wc[k]) for k in wa)
