"""A model folder that cannot work is an error that says why, at every entry point, and what is
expected when loading is said in one line: a tokenizer that is not the model's (tokenizer.json
missing: every word unknown, nothing tagged, exit 0 before), a damaged weight file (a 30-line
traceback before), words mostly unknown to the tokenizer (a warning), a new tag head (one line
instead of transformers' LOAD REPORT table), and the tag-set error that says what to do."""

import logging
import os
import shutil
import socket
import subprocess
import sys
import warnings

import pytest
from conftest import REPO, write_dataset
from test_predict import make_head

import run_eval
import run_ner
from gerbera.commands import inspect_data, run_predict
from gerbera.corpora.tags import TagSet
from gerbera.errors import GerberaError
from gerbera.features.word_pieces import UNKNOWN_WORDS_WARNING_SHARE, WordEncoder, unknown_word_share
from gerbera.models.loading import is_local_path, load_config, load_model, load_tokenizer

LABELS = ["O", "B", "I"]
GREEK = [["☃☃", "ЖЖЖ", "漢字", "δεζ"], ["ηθι", "νξο", "πρσ"]]  # characters the tiny vocabulary lacks


@pytest.fixture(scope="module")
def tagger_model(tiny_bert, tmp_path_factory):
    return make_head(tiny_bert, tmp_path_factory.mktemp("models") / "tagger", LABELS)


def broken_copy(model, tmp_path, name, remove=(), truncate=None):
    folder = tmp_path / name
    shutil.copytree(model, folder)
    for file in remove:
        (folder / file).unlink()
    if truncate:
        data = (folder / truncate).read_bytes()
        (folder / truncate).write_bytes(data[: len(data) // 3])
    return folder


def entry_points(model, data_dir, tmp_path):
    """(name, main, argv) of run_ner, run_eval and run_predict, loading ``model``."""
    text = tmp_path / "in.txt"
    text.write_text("Colon cancer is common.\n", encoding="utf-8")
    common = ["--model_name_or_path", str(model)]
    return [
        ("run_ner", run_ner.main, [*common, "--data_dir", str(data_dir), "--data_list", "bio", "--output_dir",
                                   str(tmp_path / "ner"), "--do_eval", "--report_to", "none"]),
        ("run_eval", run_eval.main, [*common, "--data_dir", str(data_dir), "--eval_data_list", "bio", "--output_dir",
                                     str(tmp_path / "eval"), "--do_eval", "--report_to", "none"]),
        ("run_predict", run_predict.main, [*common, "--input", str(text), "--output", str(tmp_path / "out.jsonl"),
                                           "--disable_tqdm"]),
    ]


def one_line_error(main, argv, capsys) -> str:
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 1
    err = capsys.readouterr().err.strip()
    *before, last = err.splitlines()
    assert last.startswith("error: ") and "safetensors" not in "\n".join(before), err  # the log may come before
    return last


def test_a_model_folder_without_its_tokenizer_is_refused_naming_the_files(tagger_model, data_dir, tmp_path, capsys):
    broken = broken_copy(tagger_model, tmp_path, "no_tokenizer", remove=("tokenizer.json", "vocab.txt"))
    for name, main, argv in entry_points(broken, data_dir, tmp_path):
        err = one_line_error(main, argv, capsys)
        assert "tokenizer.json" in err and "vocab.txt" in err and "embedding" in err, (name, err)


def test_a_tokenizer_with_vocab_txt_but_no_tokenizer_json_still_loads(tagger_model, tmp_path):
    """transformers builds the fast tokenizer from vocab.txt: not an error."""
    folder = broken_copy(tagger_model, tmp_path, "vocab_only", remove=("tokenizer.json",))
    tokenizer = load_tokenizer(str(folder), load_config(str(folder)))
    assert len(tokenizer) == load_config(str(folder)).vocab_size


def test_a_truncated_weight_file_is_one_line_naming_it(tagger_model, data_dir, tmp_path, capsys):
    broken = broken_copy(tagger_model, tmp_path, "truncated", truncate="model.safetensors")
    for name, main, argv in entry_points(broken, data_dir, tmp_path):
        err = one_line_error(main, argv, capsys)
        assert f"{broken}/model.safetensors" in err and "damaged or incomplete" in err, (name, err)


def test_words_unknown_to_the_tokenizer_are_measured_and_warned(tagger_model, tmp_path, caplog):
    tokenizer = load_tokenizer(str(tagger_model), load_config(str(tagger_model)))
    encoder = WordEncoder(tokenizer, 32)
    assert unknown_word_share(encoder, [["Colon", "cancer"], ["a"]]) == 0.0
    assert unknown_word_share(encoder, GREEK + [["Colon", "cancer", "is"]]) == pytest.approx(7 / 10)
    # through run_eval: each dataset file with mostly unknown words is named in a warning
    data = tmp_path / "NERdata"
    write_dataset(data, "greek", [[(w, "O") for w in s] for s in GREEK], devel=[[(w, "O") for w in s] for s in GREEK])
    write_dataset(data, "known", [[("cancer", "B"), ("is", "O")]], devel=[[("cancer", "B"), ("is", "O")]])
    with caplog.at_level(logging.WARNING, logger="gerbera"):
        run_eval.main(["--model_name_or_path", str(tagger_model), "--data_dir", str(data), "--eval_data_list", "greek+known",
                       "--output_dir", str(tmp_path / "eval"), "--do_eval", "--report_to", "none"])
    warned = [r.getMessage() for r in caplog.records if "unknown to the tokenizer" in r.getMessage()]
    assert len(warned) == 1 and "greek/devel.txt: 100% of the words" in warned[0]
    assert UNKNOWN_WORDS_WARNING_SHARE < 0.2  # a tokenizer that knows 4 words in 5 is worth a warning


def test_a_new_tag_head_is_one_line_not_a_load_report(tiny_bert, caplog, capfd):
    with caplog.at_level(logging.INFO):
        load_model(str(tiny_bert), load_config(str(tiny_bert)), TagSet(LABELS))
    captured = capfd.readouterr()
    assert "LOAD REPORT" not in caplog.text + captured.err + captured.out
    [line] = [r.getMessage() for r in caplog.records if "new tag head" in r.getMessage()]
    assert "classifier.weight" in line and "as expected" in line


def test_known_library_warnings_are_kept_out_of_a_run(tiny_bert, data_dir, tmp_path):
    """pyarrow's FutureWarning (datasets' sort) and torch's pin_memory warning on a CPU said nothing
    a user could act on, on every run."""
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        run_ner.main(["--model_name_or_path", str(tiny_bert), "--data_dir", str(data_dir), "--data_list", "bio",
                      "--labels", str(data_dir / "bio" / "labels.txt"), "--output_dir", str(tmp_path / "o"), "--do_train",
                      "--do_eval", "--max_steps", "1", "--report_to", "none", "--use_cpu", "true", "--disable_tqdm", "true"])
    noise = [str(w.message) for w in seen if "null_placement" in str(w.message) or "pin_memory" in str(w.message)]
    assert noise == []


def test_a_tag_the_set_cannot_hold_says_what_to_do():
    typed = TagSet(["B-Disease", "I-Disease", "O"], source="labels.txt")
    with pytest.raises(GerberaError) as error:
        typed.map_sentence(["O", "B-MISC"], "news/train.txt", 5)
    message = str(error.value)
    assert "news/train.txt:6: tag 'B-MISC' cannot be represented" in message
    assert "untyped tag set B, I, O" in message and "NERdata/README.md" in message and "(B-MISC, I-MISC)" in message


def test_inspection_shows_each_dataset_with_its_own_sub_tokens(data_dir, tiny_bert, capsys):
    inspect_data.main(["--data_dir", str(data_dir), "--data_list", "bio+news", "--model_name_or_path", str(tiny_bert),
                       "--max_seq_length", "8"])
    out = capsys.readouterr().out
    blocks = out.split("news/train (")
    assert len(blocks) == 2
    for block in blocks:  # bio's block, then news's: each its own sub-token line and unknown share
        assert block.count("sub-tokens per sentence:") == 1 and block.count("words unknown to the tokenizer:") == 1
    assert "entities: 5 (untyped)" in blocks[0] and "- 5" not in out
    bio_line, news_line = [line for line in out.splitlines() if "sub-tokens per sentence" in line]
    assert bio_line != news_line  # each dataset's own numbers, not the whole group's twice


def test_inspection_without_a_model_uses_and_names_the_default_encoder(data_dir, capsys):
    inspect_data.main(["--data_dir", str(data_dir), "--data_list", "bio", "--max_seq_length", "64"])
    out = capsys.readouterr().out
    assert "run_ner.py's default encoder" in out and "all_minilm" in out.lower()
    assert "sub-tokens per sentence:" in out


@pytest.mark.parametrize("name, local", [
    ("bert-base-uncased", False), ("dmis-lab/biobert-v1.1", False), ("./model", True), ("../model", True),
    ("/models/x", True), ("~/x", True), ("runs/pt/checkpoint-5", True), ("a//b", True), ("runs/pt", True),
    ("nosuchfolder/pt", False),
])
def test_a_name_that_can_only_be_a_local_path(name, local, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").mkdir()  # exists partly: runs/pt is a path
    assert is_local_path(name) == local


def test_a_mistyped_local_path_fails_at_once_without_asking_the_hub(tiny_bert, tmp_path):
    """Online (HF_HUB_OFFLINE unset), a --model_name_or_path that can only be a local path and does
    not exist is refused before any hub call (which took 23 s of retries): the hub is a socket here
    that sees every connection."""
    (tmp_path / "runs" / "pt").mkdir(parents=True)
    (tmp_path / "in.txt").write_text("Colon cancer is common.\n", encoding="utf-8")
    offline = ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_DATASETS_OFFLINE")
    with socket.socket() as hub:
        hub.bind(("127.0.0.1", 0))
        hub.listen(8)
        hub.setblocking(False)
        env = {**{k: v for k, v in os.environ.items() if k not in offline},
               "HF_ENDPOINT": f"http://127.0.0.1:{hub.getsockname()[1]}", "HF_HOME": str(tmp_path / "hf")}
        result = subprocess.run([sys.executable, str(REPO / "run_predict.py"), "--model_name_or_path", "runs/pt-best",
                                 "--input", "in.txt", "--output", "out.jsonl", "--disable_tqdm"],
                                cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)
        with pytest.raises(BlockingIOError):
            hub.accept()  # nobody called
    assert result.returncode == 1, result.stderr[-2000:]
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: --model_name_or_path runs/pt-best: no such local folder (runs{os.sep} exists; its folders: pt)")
