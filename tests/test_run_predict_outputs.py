"""run_predict.py chooses the output format by the file's extension: ``.jsonl`` and ``.json`` give
JSON Lines, ``.pubtator`` and ``.txt`` give PubTator."""

import json

import pytest
from test_predict import INSIDE_PROBABILITY, UNTYPED, make_head

import run_predict
from gerbera.documents.pubtator import read_pubtator

TEXT = "Huntington disease is inherited.\nIL-2 in p53 mice.\n"
SENTENCES = ["Huntington disease is inherited.", "IL-2 in p53 mice."]


@pytest.fixture(scope="module")
def inside_model(tiny_bert, tmp_path_factory):
    return make_head(tiny_bert, tmp_path_factory.mktemp("outputs") / "inside", UNTYPED, favour="I")


@pytest.mark.parametrize("extension", [".jsonl", ".json"])
def test_json_extensions_give_json_lines(inside_model, tmp_path, extension):
    source = tmp_path / "in.txt"
    source.write_text(TEXT, encoding="utf-8")
    out = tmp_path / f"entities{extension}"
    summary = run_predict.main(["--model_name_or_path", str(inside_model), "--input", str(source), "--output", str(out),
                                "--disable_tqdm"])
    assert summary["output_format"] == "jsonl"
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert [(r["id"], r["text"]) for r in records] == [("1", SENTENCES[0]), ("2", SENTENCES[1])]
    assert [[(e["start"], e["end"], e["text"]) for e in r["entities"]] for r in records] == [
        [(0, len(s), s)] for s in SENTENCES]
    assert all(e["score"] == pytest.approx(INSIDE_PROBABILITY, abs=2e-6) for r in records for e in r["entities"])


@pytest.mark.parametrize("extension", [".pubtator", ".txt"])
def test_pubtator_extensions_give_pubtator(inside_model, tmp_path, extension):
    source = tmp_path / "in.txt"
    source.write_text(TEXT, encoding="utf-8")
    out = tmp_path / f"entities{extension}"
    summary = run_predict.main(["--model_name_or_path", str(inside_model), "--input", str(source), "--output", str(out),
                                "--disable_tqdm", "--entity_type", "Disease"])
    assert summary["output_format"] == "pubtator"
    documents = read_pubtator(out)  # checks every mention against title + " " + abstract
    assert [(d.id, d.title, d.abstract) for d in documents] == [("1", "", SENTENCES[0]), ("2", "", SENTENCES[1])]
    assert [[(a.start, a.end, a.mention, a.type) for a in d.annotations] for d in documents] == [
        [(1, 1 + len(s), s, "Disease")] for s in SENTENCES]
