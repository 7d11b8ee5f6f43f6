"""Corpora as they come: awkward words and lengths are predicted word for word; bad input is
refused up front with one line naming the file, the line and the problem."""

import json
import os
import subprocess
import sys

import pytest
from conftest import REPO, write_dataset
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import run_eval
import run_ner
from gerbera.corpora.column_files import Sentence, read_column_file, write_column_file

# Any character but the column and line separators; words of 1 to 300 characters.
WORD = st.text(st.characters(blacklist_characters=" \t\r\n", blacklist_categories=("Cs",)), min_size=1, max_size=300).filter(
    lambda w: w != "-DOCSTART-"
)
AWKWARD = st.sampled_from(["\u200b", "\u00ad", "\x1c", "\x0b", "\U0001F600", "\u00a0", "x" * 300, "\ufeff", "Ω", "ﬁ"])
SENTENCE = st.lists(st.one_of(WORD, AWKWARD), min_size=1, max_size=300)
TAG = st.sampled_from(["O", "B", "I", "B-Disease", "I-Disease", "S-Disease", "E-Disease"])


def read_predictions(path):
    sentences, current = [], []
    with open(path, encoding="utf-8", newline="\n") as handle:
        text = handle.read()
    for line in text.split("\n"):
        if line:
            current.append(line.rsplit(" ", 2))
        elif current:
            sentences.append(current)
            current = []
    return sentences


@pytest.fixture(scope="module")
def trained_model(tiny_roberta, tmp_path_factory):
    root = tmp_path_factory.mktemp("robust")
    from conftest import BIO_SENTENCES

    write_dataset(root / "data", "bio", BIO_SENTENCES, labels=["B", "I", "O"])
    out = root / "model"
    run_ner.main(["--model_name_or_path", str(tiny_roberta), "--data_dir", str(root / "data"), "--data_list", "bio",
                  "--output_dir", str(out), "--do_train", "--max_steps", "2", "--report_to", "none",
                  "--labels", str(root / "data" / "bio" / "labels.txt")])
    return out


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(sentences=st.lists(SENTENCE, min_size=1, max_size=4), max_len=st.sampled_from([8, 16, 128]))
def test_predictions_reproduce_awkward_input_word_for_word(trained_model, tmp_path_factory, sentences, max_len):
    root = tmp_path_factory.mktemp("awkward")
    folder = root / "data" / "odd"
    folder.mkdir(parents=True)
    write_column_file(folder / "test.txt", [Sentence(words, ["O"] * len(words), 0) for words in sentences])
    out = root / "eval"
    run_eval.main(["--model_name_or_path", str(trained_model), "--data_dir", str(root / "data"), "--eval_data_list", "odd",
                   "--output_dir", str(out), "--do_predict", "--max_seq_length", str(max_len), "--report_to", "none",
                   "--disable_tqdm", "true"])
    predicted = read_predictions(out / "test_predictions.txt")
    assert [[row[0] for row in s] for s in predicted] == sentences
    assert all(row[2] in {"B", "I", "O"} for s in predicted for row in s)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.lists(st.tuples(st.one_of(WORD, AWKWARD), TAG), min_size=1, max_size=40), min_size=1, max_size=6))
def test_reading_then_writing_a_corpus_loses_nothing(tmp_path_factory, tokens):
    path = tmp_path_factory.mktemp("roundtrip") / "train.txt"
    sentences = [Sentence([w for w, _ in s], [t for _, t in s], 0) for s in tokens]
    write_column_file(path, sentences)
    once = read_column_file(path)
    assert [(s.words, s.tags) for s in once] == [(s.words, s.tags) for s in sentences]
    write_column_file(path, once)
    assert [(s.words, s.tags) for s in read_column_file(path)] == [(s.words, s.tags) for s in sentences]


def refused(capsys, main, args):
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == 1  # a failed run, not a wrong command line (2)
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: ")
    return err[0]


def eval_args(model, data_dir, tmp_path, *extra):
    return ["--model_name_or_path", str(model), "--data_dir", str(data_dir), "--eval_data_list", "bio",
            "--output_dir", str(tmp_path / "out"), "--do_predict", "--report_to", "none", *extra]


def test_refusals_before_any_work(trained_model, data_dir, tmp_path, capsys):
    assert "beyond the maximum" in refused(capsys, run_eval.main, eval_args(trained_model, data_dir, tmp_path, "--max_seq_length", "4096"))
    assert "cannot hold a word" in refused(capsys, run_eval.main, eval_args(trained_model, data_dir, tmp_path, "--max_seq_length", "2"))
    message = refused(capsys, run_eval.main, eval_args(tmp_path / "no-such-model", data_dir, tmp_path))
    assert "no such local folder" in message
    message = refused(capsys, run_eval.main, eval_args(trained_model, data_dir, tmp_path, "--eval_data_list", "../bio"))
    assert "must be a folder name inside --data_dir" in message
    (data_dir / "bio" / "test.txt").write_text("")
    assert "test.txt: no sentences" in refused(capsys, run_eval.main, eval_args(trained_model, data_dir, tmp_path))
    (data_dir / "bio" / "test.txt").write_bytes(b"ok O\n\xff\xfe O\n")
    assert "test.txt:2: bytes that are not UTF-8" in refused(capsys, run_eval.main, eval_args(trained_model, data_dir, tmp_path))


def test_training_refuses_bad_tags_before_training(tiny_bert, data_dir, tmp_path, capsys):
    (data_dir / "news" / "train.txt").write_text("EU B-ORG\nrejects X-ORG\n")
    message = refused(capsys, run_ner.main, ["--model_name_or_path", str(tiny_bert), "--data_dir", str(data_dir),
                                              "--data_list", "bio+news", "--output_dir", str(tmp_path / "o"),
                                              "--do_train", "--report_to", "none"])
    assert "news/train.txt:2: 'X-ORG' is not a tag" in message
    assert not (tmp_path / "o" / "model.safetensors").exists()
    (data_dir / "news" / "train.txt").write_text("EU B-ORG\nrejects\n")
    message = refused(capsys, run_ner.main, ["--model_name_or_path", str(tiny_bert), "--data_dir", str(data_dir),
                                              "--data_list", "bio+news", "--output_dir", str(tmp_path / "o2"),
                                              "--do_train", "--report_to", "none"])
    assert "news/train.txt:2: no tag after the word 'rejects'" in message
    (data_dir / "bio" / "labels.txt").write_text("B\nI\nB\n")
    message = refused(capsys, run_ner.main, ["--model_name_or_path", str(tiny_bert), "--data_dir", str(data_dir),
                                              "--data_list", "bio", "--labels", str(data_dir / "bio" / "labels.txt"),
                                              "--output_dir", str(tmp_path / "o3"), "--do_train", "--report_to", "none"])
    assert "labels.txt:3: tag 'B' repeats line 1" in message


def test_inspection_command_shows_counts_mapping_and_windows(tiny_bert, data_dir):
    result = subprocess.run(
        [sys.executable, "-m", "gerbera.inspection", "--data_dir", str(data_dir), "--data_list", "bio+news",
         "--labels", str(data_dir / "bio" / "labels.txt"), "--model_name_or_path", str(tiny_bert), "--max_seq_length", "8"],
        cwd=REPO, capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1", "HOME": str(REPO)},  # the caller's packages (PYTHONPATH) stay
    )
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "bio/train" in out and "4 sentences, 30 words" in out
    assert "news/train" in out and "3 sentences, 22 words" in out
    assert "entities: LOC 1, MISC 2, ORG 2, PER 1 (total 6)" in out
    assert "B-PER -> B (1)" in out and "I-ORG -> I (1)" in out
    assert "sentences need more than one window at max_seq_length 8" in out


def test_linked_dataset_folders_and_files_are_followed_names_climbing_out_refused(tiny_bert, data_dir, tmp_path, capsys):
    """Corpora kept apart are paired by linking them into one --data_dir (issue 33, item 9): a linked
    dataset folder and a linked split file are read as if they were there; a name with '..' or an
    absolute path is still refused, before any work."""
    elsewhere = tmp_path / "elsewhere"
    write_dataset(elsewhere, "general", [[("EU", "B-ORG"), ("said", "O"), (".", "O")]])
    (elsewhere / "kept").mkdir()
    (elsewhere / "kept" / "train.txt").write_text("Huntington B\ndisease I\n.\tO\n\n", encoding="utf-8")
    linked = tmp_path / "linked"
    linked.mkdir()
    (linked / "general").symlink_to(elsewhere / "general", target_is_directory=True)
    (linked / "bio").mkdir()
    (linked / "bio" / "train.txt").symlink_to(elsewhere / "kept" / "train.txt")
    out = tmp_path / "out"
    results = run_ner.main(["--model_name_or_path", str(tiny_bert), "--data_dir", str(linked), "--data_list", "bio+general",
                            "--output_dir", str(out), "--do_train", "--max_steps", "1", "--report_to", "none"])
    assert results["train_sentences"] == 2
    record = json.loads((out / "run_record.json").read_text())
    assert {f["dataset"] for f in record["data_files"]} == {"bio", "general"}
    capsys.readouterr()
    for name in ("../elsewhere/general", str(elsewhere / "general"), "bio/../../elsewhere/general"):
        message = refused(capsys, run_ner.main, ["--model_name_or_path", str(tiny_bert), "--data_dir", str(linked),
                                                  "--data_list", name, "--output_dir", str(tmp_path / "o"),
                                                  "--do_train", "--report_to", "none"])
        assert f"dataset name '{name}' must be a folder name inside --data_dir" in message, message
