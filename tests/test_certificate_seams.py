"""Certificates at their seams: a damaged certificate file, a result of another form or of a failed
setting, a model whose encoder int8 cannot tell from its head, and a tolerance that is not a number
of points. Every case ends in one line of the log or of the error, never in a traceback."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import test_runtimes
import torch
from test_predict import _one_thread  # noqa: F401 (autouse)
from test_runtimes import certify_main, measured, tag, write_certificate

from gerbera.commands import run_predict
from gerbera.commands.exits import exit_status
from gerbera.errors import GerberaError
from gerbera.runtimes.certificates import certificate_path
from gerbera.runtimes.settings import forward_for

CPU = torch.device("cpu")
model, corpus = test_runtimes.model, test_runtimes.corpus  # the fixtures of test_runtimes.py


@pytest.fixture
def fresh_model(model, tmp_path) -> Path:
    return Path(shutil.copytree(model, tmp_path / "model"))


DAMAGED_FILES = {
    "not UTF-8": b"\xff\xfe\x00garbage",
    "cut short": b'{"model": "sha256:0',
    "empty": b"",
    "a list": b"[]",
    "settings a list": b'{"settings": []}',
}


@pytest.mark.parametrize("content", DAMAGED_FILES.values(), ids=DAMAGED_FILES.keys())
def test_a_damaged_certificate_file_is_read_as_none(fresh_model, tmp_path, capsys, content):
    path = write_certificate(fresh_model, {"int8": measured(2.4, -0.001)})
    path.write_bytes(content)
    summary, _ = tag(fresh_model, tmp_path, "auto")
    assert summary["scoring_precision"] == "fp32" and summary["certificate"] is None
    summary, _ = tag(fresh_model, tmp_path, "int8")  # tagged as asked, with a warning that says why unchecked
    assert summary["scoring_precision"] == "int8" and summary["certificate"] is None
    said = [line for line in capsys.readouterr().err.splitlines() if "--scoring_precision" in line]
    assert "--scoring_precision auto: fp32" in said[0] and str(path) in said[0] and "certify again" in said[0]
    assert "WARNING" in said[1] and "its tags are not checked against fp32" in said[1] and "certify again" in said[1]


DAMAGED_RESULTS = {
    "not a result": "x",
    "no speed": {key: value for key, value in measured(2.4, -0.001).items() if key != "sentences_per_second"},
    "interval not a number": {**measured(2.4, -0.001), "ci_low": "x"},
    "difference missing": {key: value for key, value in measured(2.4, -0.001).items() if key != "f1_difference"},
}


@pytest.mark.parametrize("result", DAMAGED_RESULTS.values(), ids=DAMAGED_RESULTS.keys())
def test_a_damaged_result_is_passed_over_and_said(fresh_model, tmp_path, capsys, result):
    path = write_certificate(fresh_model, {"bf16": measured(1.5, -0.001)})
    certificate = json.loads(path.read_text())
    certificate["settings"]["int8"] = result
    path.write_text(json.dumps(certificate))
    summary, _ = tag(fresh_model, tmp_path, "auto")
    assert summary["scoring_precision"] == "bf16"
    summary, _ = tag(fresh_model, tmp_path, "int8")
    assert summary["scoring_precision"] == "int8" and summary["certificate"] is None
    said = [line for line in capsys.readouterr().err.splitlines() if "--scoring_precision" in line]
    assert "not used: int8 (a damaged result: certify again)" in said[0]
    assert "WARNING" in said[1] and f"{path}: a damaged result: certify again" in said[1]


def test_auto_says_which_settings_it_passed_over_and_why(fresh_model, tmp_path, capsys):
    """A certificate from an older toolkit (int8 in another form) and a setting that could not run: auto
    tags with what is left and names what it did not use; asked for by name, the failure is shown."""
    write_certificate(fresh_model, {"int8": {**measured(2.4, -0.001), "form": None}, "onnx-fp32": measured(1.1, 0.0),
                                    "onnx-int8": {"error": "this model cannot be exported to ONNX"}})
    summary, _ = tag(fresh_model, tmp_path, "auto")
    assert summary["scoring_precision"] == "onnx-fp32"
    said = [line for line in capsys.readouterr().err.splitlines() if "--scoring_precision auto" in line][0]
    assert "not used: int8 (measured in another form, unnamed;" in said and "certify again" in said
    assert "onnx-int8 (it could not run: this model cannot be exported to ONNX)" in said
    write_certificate(fresh_model, {"int8": {**measured(2.4, -0.001), "form": None}})
    summary, _ = tag(fresh_model, tmp_path, "auto")
    said = [line for line in capsys.readouterr().err.splitlines() if "--scoring_precision auto" in line][0]
    assert summary["scoring_precision"] == "fp32" and "not used: int8 (measured in another form" in said


class _Unprefixed(torch.nn.Module):
    """A token classifier of no known layout: no base_model_prefix names its encoder."""

    base_model_prefix = ""

    def __init__(self):
        super().__init__()
        self.encoder, self.classifier = torch.nn.Linear(8, 8), torch.nn.Linear(8, 3)


def test_int8_refuses_a_model_whose_encoder_it_cannot_tell_from_its_head(fresh_model, corpus, monkeypatch):
    with pytest.raises(GerberaError, match="cannot tell the encoder of _Unprefixed from its tag head"):
        forward_for(_Unprefixed(), "int8", CPU, lambda: None)
    from transformers import BertForTokenClassification

    monkeypatch.setattr(BertForTokenClassification, "base_model_prefix", "")  # certify: int8 fails, the rest is measured
    certificate = certify_main(fresh_model, corpus, "--settings", "int8", "onnx-fp32")
    assert "cannot tell the encoder" in certificate["settings"]["int8"]["error"]
    assert certificate["settings"]["onnx-fp32"]["words_changed_share"] == 0
    assert certificate_path(fresh_model, CPU).is_file()


@pytest.mark.parametrize("loss", ["nan", "-1", "inf"])
def test_a_tolerance_that_is_not_a_number_of_points_is_a_usage_error(fresh_model, tmp_path, loss, capsys):
    source = tmp_path / "in.txt"
    source.write_text("Breast cancer.\n", encoding="utf-8")
    status = exit_status(run_predict.main, ["--model_name_or_path", str(fresh_model), "--input", str(source), "--output",
                              str(tmp_path / "out.jsonl"), "--scoring_precision", "auto", f"--max_f1_loss={loss}",
                              "--disable_tqdm"])
    assert status == 2 and f"--max_f1_loss {float(loss)}" in capsys.readouterr().err
    assert not (tmp_path / "out.jsonl").exists()


def test_a_certification_of_fewer_settings_says_which_results_it_replaces(fresh_model, corpus, monkeypatch):
    from gerbera.commands import certify

    certify_main(fresh_model, corpus, "--settings", "int8", "onnx-fp32")
    warned = []
    monkeypatch.setattr(certify.logger, "warning", lambda message, *args: warned.append(message % args))
    certificate = certify_main(fresh_model, corpus, "--settings", "int8")
    assert set(certificate["settings"]) == {"int8"}
    assert [line for line in warned if "the results for onnx-fp32 it held are not in the new certificate" in line
            and "--settings int8 onnx-fp32" in line]


def test_a_result_without_an_interval_is_not_taken_and_said_so(fresh_model, tmp_path, capsys):
    """Certified on too few sentences for a bootstrap interval: not damaged, but nothing to hold it to."""
    write_certificate(fresh_model, {"int8": {**measured(2.4, -0.001), "ci_low": None, "ci_high": None}})
    assert tag(fresh_model, tmp_path, "auto")[0]["scoring_precision"] == "fp32"
    summary, _ = tag(fresh_model, tmp_path, "int8")
    said = [line for line in capsys.readouterr().err.splitlines() if "--scoring_precision int8" in line]
    assert summary["certificate"] is None and "too few sentences for an interval" in said[0] and "damaged" not in said[0]
