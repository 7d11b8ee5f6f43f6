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


def test_output_that_is_the_input_is_refused_and_the_input_kept(inside_model, tmp_path, capsys):
    source = tmp_path / "abstracts.txt"
    source.write_text(TEXT, encoding="utf-8")
    with pytest.raises(SystemExit) as exit_info:
        run_predict.main(["--model_name_or_path", str(inside_model), "--input", str(source), "--output", str(source),
                          "--output_format", "pubtator", "--disable_tqdm"])
    assert exit_info.value.code == 1
    assert "is the input file" in capsys.readouterr().err.strip().splitlines()[-1]
    assert source.read_text(encoding="utf-8") == TEXT


def test_an_existing_output_file_is_refused_unless_overwrite_output(inside_model, tmp_path, capsys):
    source, out = tmp_path / "abstracts.txt", tmp_path / "entities.jsonl"
    source.write_text(TEXT, encoding="utf-8")
    out.write_text("an earlier result\n", encoding="utf-8")
    args = ["--model_name_or_path", str(inside_model), "--input", str(source), "--output", str(out), "--disable_tqdm"]
    with pytest.raises(SystemExit) as exit_info:
        run_predict.main(args)
    assert exit_info.value.code == 1
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line == f"error: --output {out} exists: add --overwrite_output to replace it, or give another name"
    assert out.read_text(encoding="utf-8") == "an earlier result\n"
    assert run_predict.main([*args, "--overwrite_output"])["documents"] == 2
    assert [json.loads(record)["text"] for record in out.read_text(encoding="utf-8").splitlines()] == SENTENCES


def test_a_folder_is_resumed_but_files_it_did_not_write_are_refused(inside_model, tmp_path, capsys):
    """A corpus run's folder is resumed by the same command; a folder holding files with its outputs'
    names, but no run's record, is refused (the name said) unless --overwrite_output."""
    data, out = tmp_path / "data", tmp_path / "out"
    data.mkdir()
    out.mkdir()
    for name in ("a", "b"):
        (data / f"{name}.txt").write_text(TEXT, encoding="utf-8")
    (out / "b.part0002.jsonl").write_text("someone else's\n", encoding="utf-8")
    args = ["--model_name_or_path", str(inside_model), "--input", str(data), "--output", str(out), "--disable_tqdm",
            "--part_documents", "1"]
    with pytest.raises(SystemExit) as exit_info:
        run_predict.main(args)
    assert exit_info.value.code == 1
    assert "holds b.part0002.jsonl, which this run would replace: add --overwrite_output" in capsys.readouterr().err
    assert (out / "b.part0002.jsonl").read_text(encoding="utf-8") == "someone else's\n"
    assert run_predict.main([*args, "--overwrite_output"])["units_done"] == 4
    again = run_predict.main(args)  # the folder of a run: resumed (here, nothing left), not refused
    assert (again["units_done"], again["units_skipped"]) == (0, 4)


def test_folder_output_that_would_replace_an_input_is_refused(inside_model, tmp_path, capsys):
    data = tmp_path / "data"
    data.mkdir()
    (data / "a.pubtator").write_text("1|t|Huntington disease.\n1|a|Inherited.\n\n", encoding="utf-8")
    kept = (data / "a.pubtator").read_text(encoding="utf-8")
    with pytest.raises(SystemExit):
        run_predict.main(["--model_name_or_path", str(inside_model), "--input", str(data / "*.pubtator"),
                          "--output", str(data), "--disable_tqdm"])
    assert "its output would replace it" in capsys.readouterr().err
    assert (data / "a.pubtator").read_text(encoding="utf-8") == kept


def test_empty_input_is_said(inside_model, tmp_path, capsys):
    source = tmp_path / "empty.txt"
    source.write_text("", encoding="utf-8")
    summary = run_predict.main(["--model_name_or_path", str(inside_model), "--input", str(source),
                                "--output", str(tmp_path / "out.jsonl"), "--disable_tqdm"])
    assert summary["documents"] == 0
    assert "holds no documents" in capsys.readouterr().err  # run_predict's messages are on stderr
