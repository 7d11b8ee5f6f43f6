"""Checkpoints of the original GERBERA code (RoBERTaMultiNER2 / BERTMultiNER2), the domain head,
and the two word-tokenization modes.

The checkpoints are built here in exactly the original layout: config.json with the original
architecture and id2label, tokenizer files in the old format only (vocab.json + merges.txt, or
vocab.txt), and a pickled pytorch_model.bin holding the encoder (with its pooler and position-id
buffer), the four branch layers and the unused classifier. The reference predictions are
computed below from the original's formula, independently of the toolkit's model code.
"""

import functools
import json
import logging
import os
import shutil
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F
from conftest import BIO_SENTENCES
from safetensors.torch import load_file
from transformers import AutoConfig, AutoModel, AutoTokenizer

import convert_checkpoint
import run_eval
import run_ner
from gerbera.corpora.tags import TagSet
from gerbera.errors import GerberaError
from gerbera.features.split_groups import tokenizer_fingerprint
from gerbera.features.word_pieces import WordEncoder
from gerbera.models.domain_head import DomainHeadForTokenClassification, domain_head_class
from gerbera.models.loading import checkpoint_layout, load_config, load_model, trained_tagset
from gerbera.models.original_checkpoints import read_state_dict

LABELS = ["B", "I", "O"]
ARCHITECTURE = {"roberta": "RoBERTaMultiNER2", "bert": "BERTMultiNER2"}


def make_original_checkpoint(encoder_dir: Path, out: Path, kind: str, seed: int = 7) -> Path:
    """A checkpoint laid out as the original code saved it, from a tiny encoder folder."""
    out.mkdir(parents=True)
    config = json.loads((encoder_dir / "config.json").read_text())
    config.pop("dtype", None)
    config.update(architectures=[ARCHITECTURE[kind]], id2label={str(i): t for i, t in enumerate(LABELS)},
                  label2id={t: i for i, t in enumerate(LABELS)})
    (out / "config.json").write_text(json.dumps(config, indent=2))
    for name in (("vocab.json", "merges.txt") if kind == "roberta" else ("vocab.txt",)):
        shutil.copy(encoder_dir / name, out / name)

    hidden, labels = config["hidden_size"], len(LABELS)
    generator = torch.Generator().manual_seed(seed)

    def randn(*shape, scale=0.4):
        return torch.randn(*shape, generator=generator) * scale

    state = {f"{kind}.{key}": tensor for key, tensor in load_file(encoder_dir / "model.safetensors").items()}
    state[f"{kind}.embeddings.position_ids"] = torch.arange(config["max_position_embeddings"]).unsqueeze(0)
    state[f"{kind}.pooler.dense.weight"] = randn(hidden, hidden)
    state[f"{kind}.pooler.dense.bias"] = randn(hidden)
    for branch in ("bio", "gener"):
        state[f"{branch}_classifier_2.weight"] = randn(hidden, hidden)
        state[f"{branch}_classifier_2.bias"] = randn(hidden, scale=1.0)
        state[f"{branch}_classifier.weight"] = randn(labels, hidden)
        state[f"{branch}_classifier.bias"] = randn(labels)
    state["classifier.weight"] = randn(labels, hidden, scale=5.0)  # unused by the original: must be ignored
    state["classifier.bias"] = randn(labels, scale=5.0)
    torch.save(state, out / "pytorch_model.bin")
    return out


@pytest.fixture(scope="module")
def original_roberta(tiny_roberta, tmp_path_factory):
    return make_original_checkpoint(tiny_roberta, tmp_path_factory.mktemp("orig-roberta") / "RoBERTa-ncbi", "roberta")


@pytest.fixture(scope="module")
def original_bert(tiny_bert, tmp_path_factory):
    return make_original_checkpoint(tiny_bert, tmp_path_factory.mktemp("orig-bert") / "BERT-ncbi", "bert")


# --- the reference: the original's computation, written from the formula ---

@functools.cache
def reference_tokenizer(checkpoint: Path, kind: str, mode: str):
    """transformers 3.0.0's slow RoBERTa tokenize(word) added no space (legacy); standard adds one."""
    if kind == "roberta":
        return AutoTokenizer.from_pretrained(checkpoint, add_prefix_space=(mode == "standard"))
    return AutoTokenizer.from_pretrained(checkpoint)


def reference_pieces(checkpoint: Path, kind: str, mode: str, words):
    """Each word's sub-token ids as the original (legacy) or the standard treatment makes them."""
    tokenizer = reference_tokenizer(checkpoint, kind, mode)
    return [tokenizer.convert_tokens_to_ids(tokenizer.tokenize(word)) for word in words], tokenizer


@functools.cache
def reference_encoder(checkpoint: Path, kind: str):
    state = torch.load(checkpoint / "pytorch_model.bin", weights_only=True)
    config = AutoConfig.from_pretrained(checkpoint)
    encoder = AutoModel.from_config(config, add_pooling_layer=False).eval()
    encoder.load_state_dict({k[len(kind) + 1:]: v for k, v in state.items()
                             if k.startswith(kind + ".") and ".pooler." not in k and not k.endswith("position_ids")})
    return encoder, state, config


def reference_logits(checkpoint: Path, kind: str, input_ids: list[int]) -> torch.Tensor:
    encoder, state, config = reference_encoder(checkpoint, kind)
    with torch.no_grad():
        h = encoder(torch.tensor([input_ids])).last_hidden_state[0]
        bio = F.linear(F.relu(F.linear(h, state["bio_classifier_2.weight"], state["bio_classifier_2.bias"])),
                       state["bio_classifier.weight"], state["bio_classifier.bias"])
        zero = torch.zeros(config.hidden_size)
        general = F.linear(F.relu(F.linear(zero, state["gener_classifier_2.weight"], state["gener_classifier_2.bias"])),
                           state["gener_classifier.weight"], state["gener_classifier.bias"])
    return bio + general


def reference_predictions(checkpoint: Path, kind: str, mode: str, sentences):
    predicted = []
    for words in sentences:
        pieces, tokenizer = reference_pieces(checkpoint, kind, mode, words)
        input_ids, firsts = [tokenizer.cls_token_id], []
        for word_pieces in pieces:
            firsts.append(len(input_ids))
            input_ids.extend(word_pieces)
        input_ids.append(tokenizer.sep_token_id)
        logits = reference_logits(checkpoint, kind, input_ids)
        predicted.append([LABELS[i] for i in logits[firsts].argmax(-1).tolist()])
    return predicted


def bio_words():
    return [[word for word, _ in sentence] for sentence in BIO_SENTENCES]


def eval_predictions(model, data_dir, out, extra=()):
    results = run_eval.main(["--model_name_or_path", str(model), "--data_dir", str(data_dir), "--eval_data_list", "bio",
                             "--output_dir", str(out), "--max_seq_length", "128", "--per_device_eval_batch_size", "3",
                             "--seed", "1", "--do_predict", "--overwrite_output_dir", "--report_to", "none", *extra])
    sentences, current = [], []
    for line in (out / "test_predictions.txt").read_text(encoding="utf-8").split("\n"):
        if line:
            current.append(line.split(" "))
        elif current:
            sentences.append(current)
            current = []
    assert [[row[0] for row in s] for s in sentences] == bio_words()
    return [[row[-1] for row in s] for s in sentences], results


# --- run_eval on the original layout equals the original's computation ---

@pytest.mark.parametrize("kind", ["roberta", "bert"])
@pytest.mark.parametrize("flag", [None, "legacy", "standard"])
def test_run_eval_on_original_checkpoint_matches_reference(kind, flag, request, data_dir, tmp_path, caplog):
    checkpoint = request.getfixturevalue(f"original_{kind}")
    extra = ["--word_tokenization", flag] if flag else []
    with caplog.at_level(logging.INFO, logger="gerbera"):
        predicted, results = eval_predictions(checkpoint, data_dir, tmp_path / "eval", extra)
    mode = flag or "legacy"  # checkpoints in the original layout default to legacy
    assert f"Word tokenization: {mode} (" in caplog.text
    if flag is None:
        assert "the default for checkpoints of the original GERBERA code" in caplog.text
    assert ARCHITECTURE[kind] in caplog.text
    assert predicted == reference_predictions(checkpoint, kind, mode, bio_words())
    assert "test_f1" in results


def test_reference_modes_differ_for_roberta(original_roberta):
    """Legacy and standard word pieces differ for byte-level BPE: the test above checks both for real."""
    words = bio_words()[1]
    legacy, tokenizer = reference_pieces(original_roberta, "roberta", "legacy", words)
    standard, _ = reference_pieces(original_roberta, "roberta", "standard", words)
    assert legacy != standard
    assert not any(t.startswith("Ġ") for p in legacy for t in tokenizer.convert_ids_to_tokens(p))
    assert reference_predictions(original_roberta, "roberta", "legacy", bio_words()) != \
        reference_predictions(original_roberta, "roberta", "standard", bio_words())


def test_loaded_original_model_logits_equal_the_formula(original_roberta):
    config = load_config(str(original_roberta))
    assert checkpoint_layout(config) == "original"
    tagset = trained_tagset(config, str(original_roberta))
    assert tagset.labels == LABELS
    model = load_model(str(original_roberta), config, tagset)
    assert isinstance(model, DomainHeadForTokenClassification) and not model.training
    assert not hasattr(model, "classifier")
    input_ids = [0, 40, 41, 42, 43, 2]
    with torch.no_grad():
        logits = model(input_ids=torch.tensor([input_ids])).logits[0]
    torch.testing.assert_close(logits, reference_logits(original_roberta, "roberta", input_ids), rtol=1e-5, atol=1e-5)


# --- conversion to the toolkit's format ---

@pytest.mark.parametrize("kind", ["roberta", "bert"])
def test_converted_checkpoint_gives_identical_predictions(kind, request, data_dir, tmp_path):
    checkpoint = request.getfixturevalue(f"original_{kind}")
    converted = tmp_path / "converted"
    previous = os.umask(0o022)
    try:
        convert_checkpoint.main([str(checkpoint), str(converted)])
    finally:
        os.umask(previous)
    assert {p.name: p.stat().st_mode & 0o777 for p in converted.iterdir()} == {p.name: 0o644 for p in converted.iterdir()}
    files = {p.name for p in converted.iterdir()}
    assert {"model.safetensors", "config.json", "tokenizer.json", "labels.txt"} <= files
    assert not any(name.endswith((".bin", ".pt", ".pkl")) for name in files)
    config = json.loads((converted / "config.json").read_text())
    assert config["gerbera_head"] == "domain" and config["gerbera_word_tokenization"] == "legacy"
    assert config["gerbera_converted_from"] == ARCHITECTURE[kind]
    assert config["id2label"] == {"0": "B", "1": "I", "2": "O"}
    assert (converted / "labels.txt").read_text().split() == LABELS
    assert checkpoint_layout(AutoConfig.from_pretrained(converted)) == "domain"

    original, _ = eval_predictions(checkpoint, data_dir, tmp_path / "eval_original")
    after, _ = eval_predictions(converted, data_dir, tmp_path / "eval_converted")
    assert after == original == reference_predictions(checkpoint, kind, "legacy", bio_words())
    standard, _ = eval_predictions(converted, data_dir, tmp_path / "eval_std", ["--word_tokenization", "standard"])
    assert standard == reference_predictions(checkpoint, kind, "standard", bio_words())


def test_converter_refuses_a_model_that_needs_no_conversion(tiny_bert, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        convert_checkpoint.main([str(tiny_bert), str(tmp_path / "out")])
    assert exit_info.value.code == 1
    assert "not a checkpoint of the original GERBERA code" in capsys.readouterr().err


# --- unsafe or unreachable checkpoints ---

class _Payload:
    """Unpickling this would create a file: proof that nothing ran."""

    def __init__(self, marker):
        self.marker = marker

    def __reduce__(self):
        return (open, (str(self.marker), "w"))


def test_pickle_with_objects_is_refused_without_running_it(original_roberta, data_dir, tmp_path, capsys):
    checkpoint = tmp_path / "evil"
    shutil.copytree(original_roberta, checkpoint)
    marker = tmp_path / "pwned"
    state = torch.load(checkpoint / "pytorch_model.bin", weights_only=True)
    state["extra"] = _Payload(marker)
    torch.save(state, checkpoint / "pytorch_model.bin")
    with pytest.raises(SystemExit) as exit_info:
        eval_predictions(checkpoint, data_dir, tmp_path / "eval")
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "refuses to unpickle arbitrary objects" in err and str(checkpoint / "pytorch_model.bin") in err
    assert not marker.exists()
    with pytest.raises(GerberaError, match="refuses to unpickle"):
        read_state_dict(checkpoint / "pytorch_model.bin")


def test_checkpoint_without_the_branches_is_refused(original_bert, data_dir, tmp_path, capsys):
    checkpoint = tmp_path / "incomplete"
    shutil.copytree(original_bert, checkpoint)
    state = torch.load(checkpoint / "pytorch_model.bin", weights_only=True)
    del state["gener_classifier_2.weight"]
    torch.save(state, checkpoint / "pytorch_model.bin")
    with pytest.raises(SystemExit):
        eval_predictions(checkpoint, data_dir, tmp_path / "eval")
    assert "no gener_classifier_2.weight" in capsys.readouterr().err


def test_hub_name_offline_says_no_download_was_possible(data_dir, tmp_path, capsys):
    with pytest.raises(SystemExit) as exit_info:
        eval_predictions("Euanyu/GERBERA-NCBI", data_dir, tmp_path / "eval")
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "Euanyu/GERBERA-NCBI: no such local folder, and no download was possible" in err
    assert "HF_HUB_OFFLINE" in err


# --- word tokenization modes ---

def test_legacy_pieces_have_no_space_marker(tiny_roberta):
    tokenizer = AutoTokenizer.from_pretrained(tiny_roberta, add_prefix_space=True)
    words = [["Huntington", "disease", "is", "inherited", "."], ["BRCA1", "IL-6", "\u00a0", "Huntington"]]
    standard = WordEncoder(tokenizer, 64)
    legacy = WordEncoder(tokenizer, 64, mode="legacy")
    assert (standard.mode, legacy.mode) == ("standard", "legacy")

    def tokens(encoder):
        return [[tokenizer.convert_ids_to_tokens(list(p)) for p in s] for s in encoder.word_pieces(words)]

    assert all(word[0].startswith("Ġ") for sentence in tokens(standard) for word in sentence)
    legacy_tokens = tokens(legacy)
    assert not any(t.startswith("Ġ") for sentence in legacy_tokens for word in sentence for t in word)
    assert legacy_tokens[1][1] == ["IL", "-", "6"]
    assert legacy_tokens[1][2] == []  # whitespace only: nothing, as transformers 3.0.0 gave (then the unknown token)
    assert legacy_tokens[0][0] == legacy_tokens[1][3]  # cached per word
    plain = AutoTokenizer.from_pretrained(tiny_roberta, add_prefix_space=False)
    assert legacy_tokens[0] == [plain.tokenize(w) for w in words[0]]
    # the features cache tells the modes apart
    assert tokenizer_fingerprint(legacy.tokenizer) != tokenizer_fingerprint(standard.tokenizer)
    out = legacy.encode({"words": words, "sentence_id": [0, 1], "dataset": ["d", "d"]})
    assert out["input_ids"][1][out["word_positions"][1][2]] == tokenizer.unk_token_id
    assert tokenizer.add_prefix_space  # the given tokenizer is left as it was


def test_legacy_words_are_never_padded_or_truncated(tiny_bert):
    """tokenizer.json may ask for padding to a fixed length (the embedded MiniLM's does)."""
    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    encoder = WordEncoder(tokenizer, 64, mode="legacy")
    for backend in (tokenizer.backend_tokenizer, encoder.tokenizer.backend_tokenizer):
        backend.enable_padding(length=32)
        backend.enable_truncation(max_length=1)
    pieces = encoder.word_pieces([["Huntington", "disease"]])[0]
    assert 0 < len(pieces[0]) < 32 and list(pieces[0]) == tokenizer.encode("Huntington", add_special_tokens=False, padding=False, truncation=False)[:len(pieces[0])]


def test_legacy_equals_standard_for_wordpiece(tiny_bert):
    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    words = [[w for w, _ in s] for s in BIO_SENTENCES] + [["IL-6", "Hello", "x" * 40]]
    legacy = WordEncoder(tokenizer, 64, mode="legacy")
    assert [[list(p) for p in s] for s in legacy.word_pieces(words)] == WordEncoder(tokenizer, 64).word_pieces(words)


def test_unknown_mode_is_refused(tiny_bert):
    with pytest.raises(GerberaError, match="choose one of standard, legacy"):
        WordEncoder(AutoTokenizer.from_pretrained(tiny_bert), 64, mode="fancy")


# --- the domain head ---

def manual_logits(model, input_ids, general: bool):
    prefix = model.base_model_prefix
    with torch.no_grad():
        h = getattr(model, prefix)(input_ids).last_hidden_state
        zero = torch.zeros(h.shape[-1])

        def branch(name, x):
            return getattr(model, f"{name}_classifier")(F.relu(getattr(model, f"{name}_classifier_2")(x)))

        return branch("gener", h) + branch("bio", zero) if general else branch("bio", h) + branch("gener", zero)


@pytest.mark.parametrize("encoder", ["tiny_roberta", "tiny_bert"])
def test_domain_head_per_example_formula_loss_and_round_trip(encoder, request, tmp_path):
    path = request.getfixturevalue(encoder)
    config = load_config(str(path))
    tagset = TagSet(LABELS)
    model = load_model(str(path), config, tagset, head="domain")
    assert type(model) is domain_head_class(config) and type(model).__name__.endswith("DomainHeadForTokenClassification")
    model.eval()
    input_ids = torch.tensor([[2, 40, 41, 42, 3], [2, 50, 51, 52, 3], [2, 60, 61, 62, 3]])
    if "roberta" in encoder:
        input_ids[:, 0], input_ids[:, -1] = 0, 2
    with torch.no_grad():
        mixed = model(input_ids=input_ids, domain_ids=torch.tensor([0, 1, 0])).logits
        default = model(input_ids=input_ids).logits
    for row, general in enumerate([False, True, False]):
        torch.testing.assert_close(mixed[row], manual_logits(model, input_ids[row:row + 1], general)[0])
    torch.testing.assert_close(default, manual_logits(model, input_ids, False))  # None: all biomedical

    labels = torch.full_like(input_ids, -100)
    labels[:, 1:4] = torch.tensor([0, 1, 2])
    out = model(input_ids=input_ids, labels=labels, domain_ids=torch.tensor([0, 1, 0]))
    expected = F.cross_entropy(out.logits[:, 1:4].reshape(-1, 3), labels[:, 1:4].reshape(-1))
    torch.testing.assert_close(out.loss, expected)

    saved = tmp_path / "domain"
    model.save_pretrained(saved)
    assert (saved / "model.safetensors").is_file()
    saved_config = json.loads((saved / "config.json").read_text())
    assert saved_config["gerbera_head"] == "domain"
    reloaded_config = load_config(str(saved))
    assert checkpoint_layout(reloaded_config) == "domain"
    assert trained_tagset(reloaded_config, str(saved)).labels == LABELS
    reloaded = load_model(str(saved), reloaded_config, trained_tagset(reloaded_config, str(saved)))
    with torch.no_grad():
        torch.testing.assert_close(reloaded(input_ids=input_ids, domain_ids=torch.tensor([0, 1, 0])).logits, mixed)


def test_fine_tuning_an_original_checkpoint_keeps_head_and_word_tokenization(original_roberta, data_dir, tmp_path):
    out = tmp_path / "ft"
    run_ner.main(["--model_name_or_path", str(original_roberta), "--data_dir", str(data_dir), "--data_list", "bio",
                  "--output_dir", str(out), "--max_seq_length", "64", "--max_steps", "2", "--per_device_train_batch_size", "2",
                  "--learning_rate", "1e-3", "--seed", "1", "--save_steps", "10000", "--report_to", "none",
                  "--disable_tqdm", "true", "--do_train", "--do_predict", "--overwrite_output_dir"])
    config = json.loads((out / "config.json").read_text())
    assert config["gerbera_head"] == "domain" and config["gerbera_word_tokenization"] == "legacy"
    assert config["architectures"] == ["RobertaDomainHeadForTokenClassification"]
    assert (out / "model.safetensors").is_file() and not (out / "pytorch_model.bin").exists()
    state = load_file(out / "model.safetensors")
    assert "bio_classifier_2.weight" in state and "classifier.weight" not in state
    predicted, _ = eval_predictions(out, data_dir, tmp_path / "eval")
    assert len(predicted) == len(BIO_SENTENCES)


def test_head_domain_from_an_encoder_and_refused_on_a_shared_head_model(tiny_bert, data_dir, tmp_path, capsys):
    out = tmp_path / "domain"
    run_ner.main(["--model_name_or_path", str(tiny_bert), "--head", "domain", "--data_dir", str(data_dir),
                  "--data_list", "bio", "--output_dir", str(out), "--max_seq_length", "64", "--max_steps", "1",
                  "--per_device_train_batch_size", "2", "--report_to", "none", "--disable_tqdm", "true",
                  "--do_train", "--overwrite_output_dir"])
    config = json.loads((out / "config.json").read_text())
    assert config["gerbera_head"] == "domain" and config["architectures"] == ["BertDomainHeadForTokenClassification"]
    assert config["gerbera_word_tokenization"] == "standard"
    predicted, _ = eval_predictions(out, data_dir, tmp_path / "eval")  # loads back as the domain head
    assert len(predicted) == len(BIO_SENTENCES)
    card = (out / "README.md").read_text()  # the model card does not send users to pipeline()
    assert "domain head" in card and "pipeline_tag" not in card and "run_predict.py" in card

    from transformers import AutoModelForTokenClassification
    shared = tmp_path / "shared"
    AutoModelForTokenClassification.from_pretrained(
        tiny_bert, num_labels=3, id2label=dict(enumerate(LABELS)), label2id={t: i for i, t in enumerate(LABELS)}
    ).save_pretrained(shared)
    AutoTokenizer.from_pretrained(tiny_bert).save_pretrained(shared)
    with pytest.raises(SystemExit):
        eval_predictions(shared, data_dir, tmp_path / "eval2", ["--head", "domain"])
    assert "was trained with the shared tag head" in capsys.readouterr().err
