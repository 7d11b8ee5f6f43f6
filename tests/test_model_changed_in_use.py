"""A model folder saved again while a process uses it (run_ner.py into the same folder, a ``cp`` over
its weights): the process tags with the weights it loaded, records their fingerprint, and a model
whose files change while it loads is refused rather than measured or tagged under the wrong name."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import BIO_SENTENCES, write_dataset
from test_predict import UNTYPED, _one_thread, make_head, predict  # noqa: F401 (_one_thread: autouse)
from test_runtimes import measured, write_certificate

from gerbera.commands import certify, predict_model
from gerbera.tagging import word_tagger
from gerbera.tagging.model_identity import model_identity
from gerbera.tagging.tagger import Tagger

WORDS = [[word for word, _ in sentence] for sentence in BIO_SENTENCES] * 10


@pytest.fixture(scope="module")
def models(tiny_bert, tmp_path_factory) -> tuple[Path, Path]:
    """Two models of one shape whose tags differ: the weights of the second saved over the first's."""
    root = tmp_path_factory.mktemp("changed")
    return make_head(tiny_bert, root / "a", UNTYPED, seed=5), make_head(tiny_bert, root / "b", UNTYPED, seed=11)


@pytest.fixture
def model(models, tmp_path) -> Path:
    return Path(shutil.copytree(models[0], tmp_path / "model"))


def save_over(model: Path, other: Path) -> None:
    """Write ``other``'s weights into ``model``'s weight file in place, as ``cp`` does (same inode)."""
    data = (other / "model.safetensors").read_bytes()
    with open(model / "model.safetensors", "r+b") as handle:
        handle.write(data)
        handle.truncate()


def test_weights_saved_over_in_place_do_not_change_a_loaded_tagger(models, model):
    tagger = Tagger.load(str(model), 128, 8, "cpu")
    before = [tagger.tags_of(ids) for ids in tagger.predict(WORDS)[0]]
    other = Tagger.load(str(models[1]), 128, 8, "cpu")
    assert [other.tags_of(ids) for ids in other.predict(WORDS)[0]] != before  # the two models tag otherwise
    save_over(model, models[1])
    assert [tagger.tags_of(ids) for ids in tagger.predict(WORDS)[0]] == before
    assert tagger.identity["model"] == model_identity(str(models[0]))["model"]  # what it tags with, not the folder now


def saved_over_after(monkeypatch, module, name: str, model: Path, other: Path) -> None:
    """``module.name`` does its work, then ``other``'s weights are saved over ``model``'s."""
    original = getattr(module, name)

    def then_saved_over(*args, **kwargs):
        result = original(*args, **kwargs)
        save_over(model, other)
        return result

    monkeypatch.setattr(module, name, then_saved_over)


@pytest.fixture
def corpus(models, tmp_path) -> Path:
    tagger = Tagger.load(str(models[0]), 128, 8, "cpu")
    gold = [tagger.tags_of(ids) if n % 4 else ["O"] * len(ids) for n, ids in enumerate(tagger.predict(WORDS)[0])]
    write_dataset(tmp_path / "data", "bio", BIO_SENTENCES, test=[list(zip(w, t)) for w, t in zip(WORDS, gold)])
    return tmp_path / "data"


def test_a_model_saved_again_while_certify_loads_it_is_refused(models, model, corpus, monkeypatch, capsys):
    saved_over_after(monkeypatch, word_tagger, "load_model", model, models[1])
    with pytest.raises(SystemExit) as stopped:
        certify.main(["--model_name_or_path", str(model), "--data_dir", str(corpus), "--data_list", "bio",
                      "--settings", "bf16", "--rounds", "1", "--resamples", "200"])
    assert stopped.value.code == 1
    error = capsys.readouterr().err
    assert "changed while it was loaded" in error and "model.safetensors differ" in error
    assert not (model / "certificates").exists()


def test_a_model_saved_again_after_auto_read_its_certificate_is_refused(models, model, tmp_path, monkeypatch, capsys):
    write_certificate(model, {"bf16": measured(2.0, -0.001)})
    saved_over_after(monkeypatch, predict_model, "with_chosen_setting", model, models[1])
    source = tmp_path / "in.txt"
    source.write_text("Mutations in BRCA1 cause breast cancer .\n", encoding="utf-8")
    with pytest.raises(SystemExit) as stopped:
        predict("--model_name_or_path", model, "--input", source, "--output", tmp_path / "out.jsonl",
                "--device", "cpu", "--scoring_precision", "auto")
    assert stopped.value.code == 1 and "changed between reading its certificate and loading it" in capsys.readouterr().err
    assert not (tmp_path / "out.jsonl").exists()


def test_a_model_saved_again_during_certify_is_measured_and_exported_as_loaded(models, model, corpus, monkeypatch,
                                                                                tmp_path):
    """Saved over after it loaded: the certificate and the ONNX export are both keyed by the weights measured."""
    pytest.importorskip("onnxruntime")
    from gerbera.runtimes.onnx_export import export_dir

    monkeypatch.setenv("GERBERA_CACHE", str(tmp_path / "cache"))
    loaded = model_identity(str(model))["model"]
    saved_over_after(monkeypatch, certify, "_labelled", model, models[1])
    certificate = certify.main(["--model_name_or_path", str(model), "--data_dir", str(corpus), "--data_list", "bio",
                                "--settings", "onnx-fp32", "--rounds", "1", "--resamples", "200"])
    assert certificate["model"] == loaded != model_identity(str(model))["model"]
    assert list(export_dir(loaded).glob("*.onnx"))
    assert not export_dir(model_identity(str(model))["model"]).exists()
