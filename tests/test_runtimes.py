"""Fast settings of scoring and tagging (PyTorch bf16/int8, ONNX Runtime fp32/int8), their certificates,
and --scoring_precision auto: through run_predict.py, run_eval.py and python -m gerbera.certify."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import torch
from conftest import BIO_SENTENCES, write_dataset
from test_predict import UNTYPED, _one_thread, make_head, predict, read_jsonl  # noqa: F401 (_one_thread: autouse)

from gerbera.commands import certify, run_eval
from gerbera.errors import GerberaError
from gerbera.runtimes import onnx_export
from gerbera.runtimes.certificates import certificate_path, machine_key, machine_kind
from gerbera.runtimes.settings import check_setting, setting_form
from gerbera.tagging.model_identity import model_identity

pytest.importorskip("onnxruntime")

CPU = torch.device("cpu")
TEXTS = ["Mutations in BRCA1 cause breast cancer and Huntington disease .",
         "Patients with type 2 diabetes and obesity were studied in the colon clinic ."] * 6


@pytest.fixture(scope="module")
def model(tiny_bert, tmp_path_factory) -> Path:
    return make_head(tiny_bert, tmp_path_factory.mktemp("runtimes") / "model", UNTYPED, seed=5)


@pytest.fixture
def fresh_model(model, tmp_path) -> Path:
    """A copy of the model whose folder the test may write certificates into."""
    return Path(shutil.copytree(model, tmp_path / "model"))


@pytest.fixture(scope="module")
def corpus(model, tmp_path_factory) -> Path:
    """40 labelled test sentences (enough for a bootstrap interval: 30 at least) whose gold tags are the
    model's own fp32 tags, every fourth sentence's left all O: fp32 scores below 1, and above 0."""
    from gerbera.tagging.word_tagger import WordTagger

    words = [[word for word, _ in sentence] for sentence in BIO_SENTENCES] * 10
    tagger = WordTagger.load(str(model), 128, 8, "cpu")
    gold = [tagger.tags_of(ids) if n % 4 else ["O"] * len(ids) for n, ids in enumerate(tagger.predict(words)[0])]
    root = tmp_path_factory.mktemp("certify_data")
    write_dataset(root, "bio", BIO_SENTENCES, test=[list(zip(w, t)) for w, t in zip(words, gold)])
    return root


def tag(model: Path, tmp_path: Path, setting: str, *extra) -> tuple[dict, list[dict]]:
    source = tmp_path / "in.txt"
    source.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    out = tmp_path / f"out-{setting}.jsonl"
    summary = predict("--model_name_or_path", model, "--input", source, "--output", out, "--output_words",
                      "--overwrite_output", "--device", "cpu",  # the fast settings run on the CPU, on a GPU machine too
                      "--scoring_precision", setting, *extra)
    return summary, read_jsonl(out)


def word_tags(records: list[dict]) -> list[str]:
    return [word["tag"] for record in records for word in record["words"]]


def test_onnx_fp32_tags_as_pytorch_and_int8_settings_tag_every_word(fresh_model, tmp_path):
    _, reference = tag(fresh_model, tmp_path, "fp32")
    for setting in ("bf16", "int8", "onnx-fp32", "onnx-int8"):
        summary, records = tag(fresh_model, tmp_path, setting)
        assert summary["scoring_precision"] == setting
        assert [r["id"] for r in records] == [r["id"] for r in reference]
        tags = word_tags(records)
        assert len(tags) == len(word_tags(reference)) and set(tags) <= set(UNTYPED)
        if setting == "onnx-fp32":
            same = sum(a == b for a, b in zip(tags, word_tags(reference))) / len(tags)
            assert same >= 0.999


def test_the_export_is_built_once_and_a_changed_model_is_exported_anew(fresh_model, tmp_path):
    tag(fresh_model, tmp_path, "onnx-fp32")
    identity = model_identity(str(fresh_model))["model"]
    [export] = onnx_export.export_dir(identity).glob("*-fp32.onnx")
    built = export.stat().st_mtime_ns
    tag(fresh_model, tmp_path, "onnx-fp32")
    assert export.stat().st_mtime_ns == built  # served from the cache
    _, before = tag(fresh_model, tmp_path, "onnx-fp32")
    changed = make_head(Path(fresh_model), tmp_path / "changed", UNTYPED, seed=11)  # same encoder, other head
    assert model_identity(str(changed))["model"] != identity
    _, pytorch = tag(changed, tmp_path, "fp32")
    _, exported = tag(changed, tmp_path, "onnx-fp32")
    assert word_tags(exported) == word_tags(pytorch)  # never the stale export of the first head
    assert word_tags(exported) != word_tags(before)


def test_settings_a_machine_cannot_run_are_one_line_refusals(fresh_model, tmp_path, capsys):
    with pytest.raises(GerberaError, match="CPU only"):
        check_setting("int8", torch.device("cuda"))
    with pytest.raises(GerberaError, match="ONNX Runtime on the CPU only"):
        check_setting("onnx-fp32", torch.device("cuda"))
    with pytest.raises(SystemExit):
        tag(fresh_model, tmp_path, "int4")
    assert "invalid choice" in capsys.readouterr().err


def test_a_model_that_cannot_be_exported_is_refused_in_one_line(tiny_bert, tmp_path, monkeypatch, capsys):
    never_exported = make_head(tiny_bert, tmp_path / "never_exported", UNTYPED, seed=13)

    def cannot(*args, **kwargs):
        raise RuntimeError("Exporting the operator 'aten::mystery' to ONNX opset version 17 is not supported.")

    monkeypatch.setattr(torch.onnx, "export", cannot)
    with pytest.raises(SystemExit) as stopped:
        tag(never_exported, tmp_path, "onnx-int8")
    assert stopped.value.code not in (0, None)
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("error:") and "cannot be exported to ONNX" in error and "aten::mystery" in error
    assert not list(tmp_path.glob("**/*.onnx"))  # no half export left in the cache


def certify_main(model: Path, corpus: Path, *extra) -> dict:
    return certify.main(["--model_name_or_path", model, "--data_dir", corpus, "--data_list", "bio", "--rounds", "1",
                         "--resamples", "500", *extra])


def test_certificate_measures_every_setting_against_fp32(fresh_model, corpus, capsys):
    assert certify_main(fresh_model, corpus)["settings"]
    path = certificate_path(fresh_model, CPU)
    certificate = json.loads(path.read_text(encoding="utf-8"))
    assert certificate["model"] == model_identity(str(fresh_model))["model"]
    assert certificate["machine_key"] == machine_key(machine_kind(CPU)) and certificate["libraries"]["torch"]
    assert certificate["data"]["sentences"] == 40
    assert set(certificate["settings"]) == {"bf16", "int8", "onnx-fp32", "onnx-int8"}
    onnx = certificate["settings"]["onnx-fp32"]
    assert onnx["words_changed_share"] <= 0.001 and onnx["entities_gained"] == onnx["entities_lost"] == 0
    for result in certificate["settings"].values():
        assert result["ci_low"] <= result["f1_difference"] <= result["ci_high"]
        assert result["speedup"] > 0 and result["sentences_per_second"] > 0
        assert abs(result["f1"] - certificate["reference"]["f1"] - result["f1_difference"]) < 1e-9
    assert {name: result["form"] for name, result in certificate["settings"].items()} == {
        name: setting_form(name) for name in ("bf16", "int8", "onnx-fp32", "onnx-int8")}
    table = capsys.readouterr().out
    assert "| onnx-int8 |" in table and path.with_suffix(".txt").read_text(encoding="utf-8") == table


def test_a_certificate_records_the_load_and_warns_when_timed_on_a_busy_machine(fresh_model, corpus, monkeypatch):
    import os

    warned = []
    monkeypatch.setattr(certify.logger, "warning", lambda message, *values: warned.append(message % values))
    monkeypatch.setattr(os, "getloadavg", lambda: (4.0 * (os.cpu_count() or 1), 0.0, 0.0))
    certificate = certify_main(fresh_model, corpus, "--settings", "bf16")
    assert certificate["load_average"]["start"] == 4.0 * (os.cpu_count() or 1) and certificate["load_average"]["cores"]
    assert any("timed on a busy machine" in message for message in warned)
    warned.clear()
    monkeypatch.setattr(os, "getloadavg", lambda: (0.1, 0.0, 0.0))
    certify_main(fresh_model, corpus, "--settings", "bf16")
    assert not any("busy machine" in message for message in warned)


def test_an_interrupted_certification_leaves_no_certificate(fresh_model, corpus, monkeypatch):
    calls = []
    original = certify._counts

    def interrupted(*args):
        calls.append(1)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return original(*args)

    monkeypatch.setattr(certify, "_counts", interrupted)
    with pytest.raises(KeyboardInterrupt):
        certify_main(fresh_model, corpus, "--settings", "bf16", "int8")
    assert not (fresh_model / "certificates").exists() or not list((fresh_model / "certificates").iterdir())


def write_certificate(model: Path, settings: dict, identity: str | None = None, key: str | None = None) -> Path:
    """A certificate of ``settings`` (each measured in the form it runs today, unless its result names one)."""
    path = certificate_path(model, CPU)
    path.parent.mkdir(parents=True, exist_ok=True)
    settings = {name: {"form": setting_form(name), **result} for name, result in settings.items()}
    path.write_text(json.dumps({
        "model": identity or model_identity(str(model))["model"], "model_path": str(model),
        "machine_key": key or machine_key(machine_kind(CPU)), "settings": settings}), encoding="utf-8")
    return path


def measured(speedup: float, low: float, high: float = 0.01) -> dict:
    return {"f1": 0.8, "f1_difference": (low + high) / 2, "ci_low": low, "ci_high": high, "speedup": speedup,
            "sentences_per_second": 10 * speedup}


def test_auto_takes_the_fastest_setting_within_the_tolerance(fresh_model, tmp_path):
    path = write_certificate(fresh_model, {"bf16": measured(1.7, -0.001), "int8": measured(2.4, -0.003),
                                           "onnx-int8": measured(2.9, -0.008), "onnx-fp32": measured(1.2, -0.002)})
    summary, _ = tag(fresh_model, tmp_path, "auto")
    assert summary["scoring_precision"] == "int8" and summary["certificate"] == str(path)  # onnx-int8 is 0.8 points out
    summary, _ = tag(fresh_model, tmp_path, "auto", "--max_f1_loss", "1.0")
    assert summary["scoring_precision"] == "onnx-int8"
    summary, _ = tag(fresh_model, tmp_path, "auto", "--max_f1_loss", "0.05")
    assert summary["scoring_precision"] == "fp32" and summary["certificate"] is None


def test_a_setting_named_by_the_user_is_kept_and_its_certificate_said(fresh_model, tmp_path, capsys):
    """--scoring_precision int8 on a model whose certificate measured a loss: tagged as asked, with a
    warning that names the certificate; the summary names it too. Without one, the log says so."""
    summary, _ = tag(fresh_model, tmp_path, "int8")
    assert summary["scoring_precision"] == "int8" and summary["certificate"] is None
    assert "int8: its tags are not checked against fp32 (no certificate" in capsys.readouterr().err
    path = write_certificate(fresh_model, {"int8": measured(2.4, -0.04), "bf16": measured(1.7, -0.001)})
    summary, _ = tag(fresh_model, tmp_path, "int8")
    assert summary["scoring_precision"] == "int8" and summary["certificate"] == str(path)
    warned = [line for line in capsys.readouterr().err.splitlines() if "--scoring_precision int8" in line]
    assert warned and "WARNING" in warned[0] and f"certificate {path}" in warned[0] and "NOT within -0.5" in warned[0]
    summary, _ = tag(fresh_model, tmp_path, "bf16")
    said = [line for line in capsys.readouterr().err.splitlines() if "--scoring_precision bf16" in line]
    assert summary["certificate"] == str(path) and "within -0.5 points" in said[0] and "WARNING" not in said[0]


@pytest.mark.parametrize("other", ["model", "machine"])
def test_auto_never_uses_a_certificate_of_another_model_or_machine(fresh_model, tmp_path, other):
    fast = {"int8": measured(2.4, -0.001)}
    if other == "model":
        write_certificate(fresh_model, fast, identity="sha256:0123456789abcdef")
    else:
        write_certificate(fresh_model, fast, key="cpu-000000000000")
    summary, _ = tag(fresh_model, tmp_path, "auto")
    assert summary["scoring_precision"] == "fp32"


def test_a_result_measured_in_another_form_of_the_setting_is_not_used(fresh_model, tmp_path, capsys):
    """A certificate made before the toolkit changed how a setting runs (another int8 quantization, or
    none named): auto does not take the setting, and a user who names it is told to certify again."""
    old = {"form": "torch-dynamic-qint8-of-an-older-toolkit"}
    path = write_certificate(fresh_model, {"int8": {**measured(2.4, -0.001), **old}, "bf16": measured(1.5, -0.001)})
    summary, _ = tag(fresh_model, tmp_path, "auto")
    assert summary["scoring_precision"] == "bf16" and summary["certificate"] == str(path)
    summary, _ = tag(fresh_model, tmp_path, "int8")
    assert summary["scoring_precision"] == "int8" and summary["certificate"] is None
    said = [line for line in capsys.readouterr().err.splitlines() if "--scoring_precision int8" in line]
    assert said and "in another form, torch-dynamic-qint8-of-an-older-toolkit" in said[0] and "certify again" in said[0]
    unnamed = measured(2.4, -0.001)  # a certificate from before forms were recorded
    path.write_text(json.dumps({**json.loads(path.read_text()), "settings": {"int8": unnamed}}), encoding="utf-8")
    summary, _ = tag(fresh_model, tmp_path, "auto")
    assert summary["scoring_precision"] == "fp32"


def test_auto_skips_a_setting_the_certificate_or_this_process_cannot_run(fresh_model, tmp_path, monkeypatch):
    write_certificate(fresh_model, {"onnx-int8": {"error": "this model cannot be exported to ONNX"},
                                    "bf16": measured(1.5, -0.001)})
    summary, _ = tag(fresh_model, tmp_path, "auto")
    assert summary["scoring_precision"] == "bf16"
    write_certificate(fresh_model, {"onnx-int8": measured(2.9, -0.001), "bf16": measured(1.5, -0.001)})
    from gerbera.runtimes import settings

    checked = settings.check_setting

    def without_onnxruntime(setting, device):
        if setting.startswith("onnx"):
            raise GerberaError(f"--scoring_precision {setting}: needs ONNX Runtime: pip install onnxruntime onnx")
        checked(setting, device)

    monkeypatch.setattr(settings, "check_setting", without_onnxruntime)
    summary, _ = tag(fresh_model, tmp_path, "auto")
    assert summary["scoring_precision"] == "bf16"


def test_run_eval_scores_in_a_fast_setting_as_run_predict_tags(fresh_model, corpus, tmp_path):
    results = {}
    for setting in ("fp32", "onnx-fp32", "int8"):
        results[setting] = run_eval.main([
            "--model_name_or_path", str(fresh_model), "--data_dir", str(corpus), "--eval_data_list", "bio",
            "--output_dir", str(tmp_path / setting), "--do_predict", "--scoring_precision", setting, "--use_cpu",
            "--report_to", "none", "--disable_tqdm", "true"])
    assert results["onnx-fp32"]["test_f1"] == pytest.approx(results["fp32"]["test_f1"])
    assert results["onnx-fp32"]["test_loss"] == pytest.approx(results["fp32"]["test_loss"], rel=1e-4)
    assert results["int8"]["test_scoring_precision"] == "int8"
    assert 0 <= results["int8"]["test_f1"] <= 1


def test_int8_settings_compute_with_int8_weights(fresh_model, tmp_path):
    from transformers import AutoModelForTokenClassification

    from gerbera.runtimes.settings import forward_for

    model = AutoModelForTokenClassification.from_pretrained(fresh_model)
    quantized = forward_for(model, "int8", CPU, lambda: None).model
    # the encoder's products in int8, weights per output channel; the tag head in fp32
    encoder = [module for name, module in quantized.named_modules() if name.startswith("bert.") and hasattr(module, "weight")
               and callable(module.weight)]
    assert len(encoder) == 6 * model.config.num_hidden_layers
    assert all(module.weight().qscheme() == torch.per_channel_affine for module in encoder)
    assert not any(type(module) is torch.nn.Linear for module in quantized.bert.modules())
    assert type(quantized.classifier) is torch.nn.Linear
    assert all(type(module) is torch.nn.Linear for module in model.modules() if "Linear" in type(module).__name__)  # the model left as it was
    tag(fresh_model, tmp_path, "onnx-int8")
    folder = onnx_export.export_dir(model_identity(str(fresh_model))["model"])
    [fp32], [int8] = folder.glob("*-fp32.onnx"), folder.glob("*-int8-*.onnx")
    import onnx

    nodes = onnx.load(str(int8)).graph.node
    blockwise = [node for node in nodes if node.op_type == "MatMulNBits"]
    attributes = [{a.name: onnx.helper.get_attribute_value(a) for a in node.attribute} for node in blockwise]
    # every weight MatMul but the classifier: 8 bits in blocks of 32, the products computed in int8 (level 4)
    assert len(blockwise) == sum(node.op_type == "MatMul" for node in onnx.load(str(fp32)).graph.node
                                 if "/self/MatMul" not in node.name) - 1
    assert all((a["bits"], a["block_size"], a["accuracy_level"]) == (8, 32, 4) for a in attributes)
    assert [node.name for node in nodes if node.op_type == "MatMul" and "classifier" in node.name]


def test_an_int8_export_of_another_form_is_never_served(tiny_bert, tmp_path):
    """The int8 file is named by its form: one left by an older form (here a broken one, under the
    blocks-of-32 form's old name) is not opened; the current form is quantized beside it."""
    model = make_head(tiny_bert, tmp_path / "older-form", UNTYPED, seed=23)
    folder = onnx_export.export_dir(model_identity(str(model))["model"])
    folder.mkdir(parents=True)
    older = folder / "attentionmask-inputids-tokentypeids-int8-block32.onnx"
    older.write_bytes(b"an export of an older int8 form")
    _, records = tag(model, tmp_path, "onnx-int8")
    assert word_tags(records) and older.read_bytes() == b"an export of an older int8 form"
    assert len(list(folder.glob("*-int8-*.onnx"))) == 2


def test_an_export_leaves_the_model_as_it_found_it(tiny_bert, tmp_path):
    """The exporter puts its module back in the mode it found; the model the process goes on tagging with
    (certify's fp32 and bf16 after its ONNX settings) stays in eval mode: no dropout, the same logits."""
    from gerbera.tagging.word_tagger import WordTagger

    model = make_head(tiny_bert, tmp_path / "export-mode", UNTYPED, seed=17)
    tagger = WordTagger.load(str(model), 32, 4, "cpu")
    for module in tagger.model.modules():  # dropout that would show if training mode came back
        if isinstance(module, torch.nn.Dropout):
            module.p = 0.5
    exported = WordTagger(tagger.model, tagger.encoder, tagger.tagset, batch_size=4, device=CPU, precision="onnx-fp32")
    exported.name = tagger.name
    words = [text.split() for text in TEXTS]
    before, _ = tagger.predict(words)
    exported.predict(words)  # the export happens here
    assert not tagger.model.training
    after, _ = tagger.predict(words)
    assert all((a == b).all() for a, b in zip(before, after))


def test_a_model_that_finds_no_entity_gets_no_certificate(tiny_bert, corpus, tmp_path, capsys):
    blind = make_head(tiny_bert, tmp_path / "blind", UNTYPED, favour="O")
    with pytest.raises(SystemExit) as stopped:
        certify_main(blind, corpus, "--settings", "bf16")
    assert stopped.value.code == 1
    assert "finds none of the" in capsys.readouterr().err
    assert not (blind / "certificates").exists()


def test_a_temporary_export_left_by_a_killed_process_is_removed(tiny_bert, tmp_path):
    import os
    import time

    model = make_head(tiny_bert, tmp_path / "left", UNTYPED, seed=19)
    folder = onnx_export.export_dir(model_identity(str(model))["model"])
    folder.mkdir(parents=True)
    stem = "-".join(["attentionmask", "inputids", "tokentypeids", "fp32"])
    old, fresh = folder / f".{stem}-killed.onnx", folder / f".{stem}-writing.onnx"
    for left in (old, fresh):
        left.write_bytes(b"half an export")
    os.utime(old, (time.time() - 2 * onnx_export.LEFT_BEHIND_SECONDS,) * 2)
    tag(model, tmp_path, "onnx-fp32")
    assert not old.exists() and fresh.exists()  # another process may still be writing the fresh one
    assert (folder / f"{stem}.onnx").is_file()


def test_a_model_with_a_head_per_corpus_is_refused_in_one_line(tiny_bert, corpus, tmp_path, capsys):
    """Certificates are for one-head models: a model with heads is told so, not that it has no trained head."""
    from test_predict_models import heads_model

    heads = heads_model(tiny_bert, tmp_path / "heads")
    with pytest.raises(SystemExit) as stopped:
        certify_main(heads, corpus, "--settings", "bf16")
    assert stopped.value.code == 1
    error = capsys.readouterr().err
    assert "has a head per corpus (Disease, Gene, General)" in error and "no trained tag head" not in error
    assert not (heads / "certificates").exists()
