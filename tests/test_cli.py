"""The entry scripts end to end, with tiny models built in the test session."""

import json
import os
import subprocess
import sys

import pytest
from conftest import BIO_SENTENCES, REPO, write_dataset
from seqeval.metrics import f1_score, precision_score, recall_score
from transformers import AutoTokenizer, pipeline

import run_eval
import run_ner
from gerbera.corpora.column_files import read_column_file
from gerbera.corpora.tags import TagSet
from gerbera.features.split_groups import SplitGroup, read_splits
from gerbera.features.word_pieces import WordEncoder

QUICK = ["--max_steps", "4", "--per_device_train_batch_size", "4", "--per_device_eval_batch_size", "4",
         "--learning_rate", "1e-3", "--seed", "1", "--save_steps", "10000", "--report_to", "none",
         "--disable_tqdm", "true"]


def train_args(model, data_dir, out, data_list="bio+news", eval_list="bio", extra=()):
    return ["--model_name_or_path", str(model), "--data_dir", f"{data_dir}/", "--labels", str(data_dir / "bio" / "labels.txt"),
            "--output_dir", str(out), "--data_list", data_list, "--eval_data_list", eval_list,
            "--max_seq_length", "128", "--warmup_steps", "0", "--logging_steps", "2", "--evaluate_during_training",
            "--do_train", "--do_eval", "--do_predict", "--overwrite_output_dir", *QUICK, *extra]


def read_predictions(path):
    sentences, current = [], []
    with open(path, encoding="utf-8") as handle:
        text = handle.read()
    for line in text.split("\n"):
        if line:
            current.append(line.split(" "))
        elif current:
            sentences.append(current)
            current = []
    return sentences


def check_predictions_match_input(predictions_file, corpus_file, tagset_labels):
    predicted = read_predictions(predictions_file)
    source = read_column_file(corpus_file, require_tags=False)
    assert [[row[0] for row in s] for s in predicted] == [s.words for s in source]
    assert all(row[-1] in tagset_labels for s in predicted for row in s)
    return predicted


@pytest.mark.parametrize("encoder", ["tiny_bert", "tiny_roberta"])
def test_gerbera_recipe_multitask_finetune_cross_eval(encoder, request, data_dir, tmp_path):
    model = request.getfixturevalue(encoder)
    multitask = tmp_path / "gerbera_model"
    results = run_ner.main(train_args(model, data_dir, multitask))

    config = json.loads((multitask / "config.json").read_text())
    assert config["id2label"] == {"0": "B", "1": "I", "2": "O"}  # one shared head, untyped
    assert (multitask / "labels.txt").read_text().split() == ["B", "I", "O"]  # the tag set, in the head's id order
    for name in ("model.safetensors", "tokenizer.json", "labels.txt", "eval_results.txt", "test_results.txt",
                 "eval_predictions.txt", "test_predictions.txt", "all_results.json"):
        assert (multitask / name).is_file(), name
    assert results["train_sentences"] == len(BIO_SENTENCES) + 3  # bio + news train concatenated
    assert results["train_datasets"] == "bio+news"
    # --evaluate_during_training: devel scored every --logging_steps
    history = json.loads((multitask / "trainer_state.json").read_text())["log_history"]
    assert [h["step"] for h in history if "eval_f1" in h] == [2, 4]
    # results files: key = value lines, same numbers as all_results.json
    lines = dict(line.split(" = ", 1) for line in (multitask / "test_results.txt").read_text().splitlines())
    assert float(lines["test_f1"]) == pytest.approx(results["test_f1"])
    # the predictions file reproduces the input words one for one, and scores to the reported F1
    predicted = check_predictions_match_input(multitask / "test_predictions.txt", data_dir / "bio" / "test.txt", {"B", "I", "O"})
    gold = [[row[1] for row in s] for s in predicted]
    assert f1_score(gold, [[row[2] for row in s] for s in predicted]) == pytest.approx(results["test_f1"])

    finetuned = tmp_path / "gerbera_ft"
    run_ner.main(train_args(multitask, data_dir, finetuned, data_list="bio"))
    assert (finetuned / "model.safetensors").is_file()

    cross = tmp_path / "eval_bio2"
    results = run_eval.main(["--model_name_or_path", str(finetuned), "--data_dir", str(data_dir),
                             "--labels", str(data_dir / "bio" / "labels.txt"), "--output_dir", str(cross),
                             "--eval_data_type", "bio2", "--eval_data_list", "bio2", "--max_seq_length", "128",
                             "--per_device_eval_batch_size", "32", "--seed", "1", "--do_eval", "--do_predict",
                             "--overwrite_output_dir", "--report_to", "none"])
    assert results["test_data_type"] == "bio2" and "test_f1" in results and "eval_f1" in results
    assert "test_data_type = bio2" in (cross / "test_results.txt").read_text()
    # typed B-Disease gold tags were read as B/I under the model's untyped tag set
    predicted = check_predictions_match_input(cross / "test_predictions.txt", data_dir / "bio2" / "test.txt", {"B", "I", "O"})
    assert {row[1] for s in predicted for row in s} <= {"B", "I", "O"}


def test_saved_model_runs_in_transformers_pipeline(tiny_bert, data_dir, tmp_path):
    """pipeline() on the saved folder tags each word (its first sub-token) as the run itself did."""
    out = tmp_path / "model"
    run_ner.main(train_args(tiny_bert, data_dir, out))
    expected = [[row[-1] for row in sentence] for sentence in read_predictions(out / "test_predictions.txt")]
    assert len({tag for tags in expected for tag in tags}) > 1  # else a wrong label map could go unseen
    tagger = pipeline("token-classification", model=str(out), device="cpu", ignore_labels=[])  # keep the O tags
    for sentence in read_column_file(data_dir / "bio" / "test.txt"):
        text = " ".join(sentence.words)
        starts = [sum(len(w) + 1 for w in sentence.words[:i]) for i in range(len(sentence.words))]
        by_start = {}
        for token in tagger(text):
            by_start.setdefault(token["start"], token["entity"])  # a word's first sub-token
        assert [by_start[start] for start in starts] == expected.pop(0), text


def test_several_eval_datasets_scored_together_and_each(tiny_bert, data_dir, tmp_path):
    out = tmp_path / "model"
    results = run_ner.main(train_args(tiny_bert, data_dir, out, eval_list="bio+bio2"))
    for key in ("test_f1", "test_bio_f1", "test_bio2_f1", "eval_bio_precision", "eval_bio2_recall"):
        assert key in results
    assert results["test_datasets"] == "bio+bio2"
    together = []
    for name in ("bio", "bio2"):
        # each dataset's file holds its own sentences, and its scores are computed on them alone
        predicted = check_predictions_match_input(out / f"test_predictions_{name}.txt", data_dir / name / "test.txt", {"B", "I", "O"})
        together += predicted
        gold, tags = [[row[1] for row in s] for s in predicted], [[row[2] for row in s] for s in predicted]
        assert results[f"test_{name}_support"] == sum(tag == "B" for s in gold for tag in s)
        for measure, function in (("f1", f1_score), ("precision", precision_score), ("recall", recall_score)):
            assert results[f"test_{name}_{measure}"] == pytest.approx(function(gold, tags)), (name, measure)
    assert (results["test_bio_support"], results["test_bio2_support"]) == (5, 4)
    assert read_predictions(out / "test_predictions.txt") == together
    assert results["test_support"] == 9


def test_typed_tag_set_gives_per_type_scores(tiny_bert, data_dir, tmp_path):
    out = tmp_path / "news_model"
    args = train_args(tiny_bert, data_dir, out, data_list="news", eval_list="news")
    args.remove("--labels")
    args.remove(str(data_dir / "bio" / "labels.txt"))
    results = run_ner.main(args)
    config = json.loads((out / "config.json").read_text())
    assert set(config["id2label"].values()) == {"O", "B-LOC", "I-LOC", "B-MISC", "I-MISC", "B-ORG", "I-ORG", "B-PER", "I-PER"}
    assert "test_PER_f1" in results and "test_ORG_f1" in results


def test_json_arguments_file(tiny_bert, data_dir, tmp_path):
    out = tmp_path / "model"
    args = {"model_name_or_path": str(tiny_bert), "data_dir": str(data_dir), "data_list": "bio",
            "output_dir": str(out), "do_train": True, "do_predict": True, "max_steps": 2,
            "per_device_train_batch_size": 4, "evaluate_during_training": True, "logging_steps": 1,
            "overwrite_output_dir": True, "report_to": "none"}
    path = tmp_path / "args.json"
    path.write_text(json.dumps(args))
    results = run_ner.main([str(path)])
    assert "test_f1" in results
    history = json.loads((out / "trainer_state.json").read_text())["log_history"]
    assert [h["step"] for h in history if "eval_f1" in h] == [1, 2]


def test_words_only_test_file_is_predicted_not_scored(tiny_bert, data_dir, tmp_path):
    (data_dir / "bio" / "test.txt").write_text("Huntington\ndisease\n\nBRCA1\nmutations\n.\n")
    out = tmp_path / "model"
    results = run_ner.main(train_args(tiny_bert, data_dir, out))
    assert "test_f1" not in results and results["test_metrics_skipped"] == "no gold tags"
    predicted = read_predictions(out / "test_predictions.txt")
    assert [[row[0] for row in s] for s in predicted] == [["Huntington", "disease"], ["BRCA1", "mutations", "."]]
    assert all(len(row) == 2 for s in predicted for row in s)


def test_tagged_and_words_only_files_are_not_scored_together(tiny_bert, data_dir, tmp_path, capsys):
    (data_dir / "bio2" / "test.txt").write_text("Huntington\ndisease\n\n")
    with pytest.raises(SystemExit):
        run_ner.main(train_args(tiny_bert, data_dir, tmp_path / "model", data_list="bio", eval_list="bio+bio2"))
    assert "bio2/test.txt holds words only, but" in capsys.readouterr().err
    assert not (tmp_path / "model" / "model.safetensors").exists()  # refused before any training


def test_every_word_predicted_with_windows_and_odd_words(tiny_roberta, data_dir, tmp_path):
    odd = [("\u200b", "O"), ("soft\u00adhyphen", "O"), ("\U0001F600", "O"), ("x" * 300, "B")]
    long_sentence = [(f"w{i}", "O") for i in range(150)] + odd
    write_dataset(data_dir, "odd", BIO_SENTENCES + [long_sentence])
    out = tmp_path / "model"
    run_ner.main(train_args(tiny_roberta, data_dir, out, data_list="odd", eval_list="odd", extra=["--max_seq_length", "24"]))
    check_predictions_match_input(out / "test_predictions.txt", data_dir / "odd" / "test.txt", {"B", "I", "O"})


def test_starting_model_with_other_tag_set_is_refused(tiny_bert, data_dir, tmp_path, capsys):
    typed = tmp_path / "typed"
    args = train_args(tiny_bert, data_dir, typed, data_list="news", eval_list="news")
    args.remove("--labels")
    args.remove(str(data_dir / "bio" / "labels.txt"))
    run_ner.main(args)
    with pytest.raises(SystemExit) as exit_info:
        run_ner.main(train_args(typed, data_dir, tmp_path / "ft", data_list="bio"))
    assert exit_info.value.code == 1
    err = capsys.readouterr().err
    assert "has the tags [O, B-LOC" in err and "is [B, I, O]" in err


def test_non_empty_output_dir_is_refused(tiny_bert, data_dir, tmp_path, capsys):
    out = tmp_path / "out"
    out.mkdir()
    (out / "something.txt").write_text("keep me")
    args = [a for a in train_args(tiny_bert, data_dir, out) if a != "--overwrite_output_dir"]
    with pytest.raises(SystemExit):
        run_ner.main(args)
    assert "--overwrite_output_dir" in capsys.readouterr().err
    assert (out / "something.txt").read_text() == "keep me"


def test_embedded_encoder_is_the_default(data_dir, tmp_path, caplog):
    out = tmp_path / "model"
    args = train_args("x", data_dir, out, data_list="bio")[2:]  # no --model_name_or_path
    with caplog.at_level("INFO", logger="gerbera"):
        run_ner.main([*args, "--max_steps", "1", "--max_seq_length", "64"])
    assert "embedded all-MiniLM-L6-v2" in caplog.text
    assert json.loads((out / "config.json").read_text())["hidden_size"] == 384


def run_script(*args):
    return subprocess.run([sys.executable, *args], cwd=REPO, capture_output=True, text=True,
                          env={**os.environ, "HF_HUB_OFFLINE": "1", "HOME": str(REPO)})


def test_help_explains_gerbera_flags():
    result = run_script("run_ner.py", "--help")
    assert result.returncode == 0
    for flag in ("--data_list", "--eval_data_list", "--labels", "--evaluate_during_training", "--overwrite_output_dir",
                 "--eval_data_type", "--max_seq_length", "--pad_to_max_length", "--learning_rate", "--eval_strategy",
                 "--entity_type"):
        assert flag in result.stdout


def test_user_error_is_one_line_without_traceback(data_dir, tmp_path, tiny_bert):
    result = run_script("run_eval.py", "--model_name_or_path", str(tiny_bert), "--data_dir", str(data_dir),
                        "--eval_data_list", "linnaeus", "--output_dir", str(tmp_path / "o"), "--do_eval")
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines()[-1].startswith("error: ")


def test_features_cache_is_keyed_by_content(tiny_bert, data_dir, tmp_path, monkeypatch):
    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    cache = tmp_path / "cache"
    encoded = []  # sentences tokenized: a cache hit tokenizes none (a rebuild writes the same file name)
    original_encode = WordEncoder.encode
    monkeypatch.setattr(WordEncoder, "encode", lambda self, batch: encoded.extend(batch["words"]) or original_encode(self, batch))

    def build(max_len=64, labels=("B", "I", "O"), overwrite=False):
        encoded.clear()
        group = SplitGroup(read_splits(str(data_dir), ["bio"], "train"), TagSet(list(labels)))
        group.map_tags()
        return group.build_features(WordEncoder(tokenizer, max_len), cache, overwrite_cache=overwrite)

    first = build()
    assert len(encoded) == len(BIO_SENTENCES)
    assert len(list(cache.glob("features-*.arrow"))) == 1
    assert build()["input_ids"] == first["input_ids"] and encoded == []  # served from the cache
    assert build(overwrite=True)["input_ids"] == first["input_ids"] and len(encoded) == len(BIO_SENTENCES)
    assert len(list(cache.glob("features-*.arrow"))) == 1
    # another tag order gives other tag ids: never the cached labels of the old order
    reordered = build(labels=("O", "B", "I"))
    assert len(encoded) == len(BIO_SENTENCES) and reordered["labels"] != first["labels"]
    assert len(list(cache.glob("features-*.arrow"))) == 2
    path = data_dir / "bio" / "train.txt"
    path.write_text(path.read_text().replace("Mutations", "Variants"))
    changed = build()
    assert changed["input_ids"] != first["input_ids"] and len(encoded) == len(BIO_SENTENCES)
    assert len(list(cache.glob("features-*.arrow"))) == 3
    build(max_len=32)
    assert len(encoded) == len(BIO_SENTENCES)
    assert len(list(cache.glob("features-*.arrow"))) == 4


def test_evaluation_only_run_ignores_the_training_schedule(tiny_bert, data_dir, tmp_path):
    """The README's training command without --do_train still carries --evaluate_during_training."""
    out = tmp_path / "model"
    run_ner.main(train_args(tiny_bert, data_dir, out, data_list="bio"))
    args = [a for a in train_args(out, data_dir, tmp_path / "eval", data_list="bio") if a != "--do_train"]
    results = run_ner.main(args)
    assert "test_f1" in results and "train_loss" not in results
    results = run_eval.main([*args[:2], "--data_dir", str(data_dir), "--eval_data_list", "bio", "--output_dir",
                             str(tmp_path / "eval2"), "--evaluation_strategy", "steps", "--do_eval", "--report_to", "none"])
    assert "eval_f1" in results


def test_explicit_eval_strategy_wins_over_evaluate_during_training(tmp_path):
    from gerbera.commands.arguments import parse_arguments

    *_, training_args = parse_arguments(["--output_dir", str(tmp_path), "--do_train", "--evaluate_during_training",
                                         "--eval_strategy", "epoch"], "test")
    assert training_args.eval_strategy == "epoch"
    *_, training_args = parse_arguments(["--output_dir", str(tmp_path), "--do_train", "--evaluate_during_training",
                                         "--logging_steps", "7"], "test")
    assert training_args.eval_strategy == "steps" and training_args.eval_steps == 7


@pytest.mark.parametrize("flag", ["--prediction_loss_only", "--batch_eval_metrics"])
def test_flags_that_would_lose_predictions_are_refused(flag, tiny_bert, data_dir, tmp_path, capsys):
    with pytest.raises(SystemExit):
        run_eval.main(["--model_name_or_path", str(tiny_bert), "--data_dir", str(data_dir), "--eval_data_list", "bio",
                       "--output_dir", str(tmp_path / "o"), "--do_predict", flag])
    assert f"{flag} is not supported" in capsys.readouterr().err
