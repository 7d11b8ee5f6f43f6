"""Training and scoring on corpora as they come, through the entry points: the same corpus as
column files, JSON Lines and a save_to_disk folder trains the same model; PubTator datasets train,
mix with column files and are scored at document offsets; gerbera-convert-corpus round trips."""

from __future__ import annotations

import fnmatch
import logging
import shutil

import bioc.pubtator
import pytest
import torch
from conftest import BIO_SENTENCES, SHARED_DATA
from safetensors.torch import load_file
from test_cli import train_args
from test_corpus_formats import save_to_disk, write_jsonl, write_pubtator_dataset
from test_predict import make_head

import run_eval
import run_ner
from gerbera.commands import convert_corpus
from gerbera.corpora.column_files import read_column_file
from gerbera.corpora.conversion_report import MERGED
from gerbera.documents.pubtator import read_pubtator
from gerbera.outputs import (
    ALL_RESULTS,
    MODEL_CARD,
    PREDICTION_SUFFIXES,
    RESULTS_TABLE,
    SCORED_SPLITS,
    TRAINER_STATE,
    TRAINING_CURVES,
    predictions_name,
    result_file_patterns,
    results_name,
)


def same_corpus_three_ways(data_dir):
    """``bio`` as column files, ``bio_jsonl`` as JSON Lines, ``bio_saved`` as a save_to_disk folder."""
    for split in ("train", "devel", "test"):
        write_jsonl(data_dir / "bio_jsonl" / f"{split}.jsonl", BIO_SENTENCES)
    save_to_disk(data_dir / "bio_saved", BIO_SENTENCES, ["O", "B", "I"])


def test_column_jsonl_and_save_to_disk_train_bit_identical_models(tiny_bert, data_dir, tmp_path):
    same_corpus_three_ways(data_dir)
    models, f1s = [], []
    for name in ("bio", "bio_jsonl", "bio_saved"):
        out = tmp_path / name
        results = run_ner.main(train_args(tiny_bert, data_dir, out, data_list=name, eval_list=name))
        models.append(load_file(out / "model.safetensors"))
        f1s.append(results["test_f1"])
    for other in models[1:]:
        assert other.keys() == models[0].keys()
        assert all(torch.equal(other[key], models[0][key]) for key in models[0])
    assert f1s[0] == f1s[1] == f1s[2]


def test_pubtator_dataset_trains_mixes_with_column_files_and_is_scored_at_offsets(tiny_bert, data_dir, tmp_path, caplog):
    write_pubtator_dataset(data_dir, "bio_pubtator", BIO_SENTENCES)
    out = tmp_path / "mixed"
    with caplog.at_level(logging.INFO):
        results = run_ner.main(train_args(tiny_bert, data_dir, out, data_list="bio_pubtator+news", eval_list="bio_pubtator+bio"))
    assert results["train_sentences"] == 4 + 3
    # the four gold mentions of the PubTator test file, at document offsets
    assert results["test_bio_pubtator_offset_gold_mentions"] == 5
    assert 0 <= results["test_bio_pubtator_offset_f1"] <= 1
    written = read_pubtator(out / "test_predictions_bio_pubtator.pubtator")
    assert [d.id for d in written] == [f"test-{n}" for n in range(1, 5)]
    assert len(written) == 4 and all(a.type == "Entity" for d in written for a in d.annotations)
    predicted = sum(len(d.annotations) for d in written)
    assert results["test_bio_pubtator_offset_predicted_mentions"] == predicted
    # the bioc package (as BioCreative tools) reads every predicted mention: six columns (issue 33, item 4)
    text = (out / "test_predictions_bio_pubtator.pubtator").read_text(encoding="utf-8")
    assert sum(len(d.annotations) for d in bioc.pubtator.loads(text)) == predicted
    assert "mention-level F1 at document offsets" in caplog.text and "spans only are compared" in caplog.text

    evaluated = run_eval.main(["--model_name_or_path", str(out), "--data_dir", str(data_dir), "--eval_data_list", "bio_pubtator",
                               "--output_dir", str(tmp_path / "eval"), "--do_predict", "--report_to", "none"])
    assert evaluated["test_offset_gold_mentions"] == 5
    assert evaluated["test_f1"] == results["test_bio_pubtator_f1"]


def test_integer_tags_named_by_a_copied_tag_set_are_refused_by_the_entry_points(tiny_bert, data_dir, tmp_path, capsys):
    """The README's Hugging Face route with NCBI-disease's labels.txt (B I O) copied beside integer
    ner_tags: 0 would be named B (issue 30, item 3)."""
    write_jsonl(data_dir / "bio_int" / "test.jsonl", BIO_SENTENCES, ["O", "B", "I"])
    shutil.copy(data_dir / "bio" / "labels.txt", data_dir / "bio_int" / "labels.txt")  # B I O, order-free
    model = make_head(tiny_bert, tmp_path / "model", ["B", "I", "O"], seed=1)
    arguments = ["--model_name_or_path", str(model), "--data_dir", str(data_dir), "--eval_data_list", "bio_int",
                 "--output_dir", str(tmp_path / "eval"), "--overwrite_output_dir", "--do_predict", "--report_to", "none"]
    with pytest.raises(SystemExit) as stopped:
        run_eval.main(arguments)
    assert stopped.value.code == 1  # the data's names cannot be right: a failure, not a wrong command line
    assert f"error: {data_dir / 'bio_int' / 'labels.txt'}:1: names id 0 'B', not O" in capsys.readouterr().err
    (data_dir / "bio_int" / "ner_tag_names.txt").write_text("O\nB\nI\n", encoding="utf-8")  # its own name, right order
    assert run_eval.main(arguments)["test_f1"] == run_eval.main([*arguments[:5], "bio", *arguments[6:]])["test_f1"]


def test_fixed_names_of_integer_tags_give_fresh_features(tiny_bert, data_dir, tmp_path):
    """The features cache keys on the names of integer tags too: after a names file is fixed, the
    features hold the fixed tags, as the scores do (issue 30, item 2)."""
    folder = data_dir / "bio_int"
    write_jsonl(folder / "test.jsonl", BIO_SENTENCES, ["O", "B", "I"])
    model = make_head(tiny_bert, tmp_path / "model", ["B", "I", "O"], seed=1)

    def evaluate(dataset: str, cache: str) -> dict:
        return run_eval.main(["--model_name_or_path", str(model), "--data_dir", str(data_dir), "--eval_data_list", dataset,
                              "--output_dir", str(tmp_path / "eval"), "--overwrite_output_dir", "--do_predict",
                              "--report_to", "none", "--features_cache_dir", str(tmp_path / cache)])

    (folder / "ner_tag_names.txt").write_text("O\nI\nB\n", encoding="utf-8")  # B and I swapped: no check can tell
    wrong = evaluate("bio_int", "cache")
    (folder / "ner_tag_names.txt").write_text("O\nB\nI\n", encoding="utf-8")
    fixed, columns = evaluate("bio_int", "cache"), evaluate("bio", "other_cache")
    assert wrong["test_loss"] != columns["test_loss"]
    assert (fixed["test_loss"], fixed["test_f1"]) == (columns["test_loss"], columns["test_f1"])


def test_a_rerun_removes_every_prediction_file_of_the_run_before(tiny_bert, data_dir, tmp_path):
    """--overwrite_output_dir: the run before's predictions at document offsets go with its column
    predictions, so no file of another run stays beside this run's (issue 30, item 13)."""
    write_pubtator_dataset(data_dir, "bio_pubtator", BIO_SENTENCES)
    model = make_head(tiny_bert, tmp_path / "model", ["B", "I", "O"], seed=1)
    out = tmp_path / "eval"
    common = ["--model_name_or_path", str(model), "--data_dir", str(data_dir), "--output_dir", str(out),
              "--do_eval", "--do_predict", "--report_to", "none"]
    run_eval.main([*common, "--eval_data_list", "bio_pubtator+bio"])
    offsets = {f"{prefix}_predictions_bio_pubtator.pubtator" for prefix in ("eval", "test")}
    assert offsets <= {p.name for p in out.iterdir()}
    run_eval.main([*common, "--eval_data_list", "bio", "--overwrite_output_dir"])
    written = {p.name for p in out.iterdir() if "_predictions" in p.name}
    assert written == {"eval_predictions.txt", "test_predictions.txt"}


def test_every_result_file_name_is_one_a_rerun_removes():
    patterns = result_file_patterns(training=True)
    names = [ALL_RESULTS, RESULTS_TABLE, MODEL_CARD, TRAINER_STATE, TRAINING_CURVES]
    for prefix in SCORED_SPLITS:
        names.append(results_name(prefix))
        names += [predictions_name(prefix, dataset, fmt) for fmt in PREDICTION_SUFFIXES for dataset in (None, "bio")]
    assert all(any(fnmatch.fnmatchcase(name, pattern) for pattern in patterns) for name in names), names
    assert not set(result_file_patterns(training=False)) & {MODEL_CARD, TRAINER_STATE, TRAINING_CURVES}


def test_entity_types_reach_training_and_the_cache_key(tiny_bert, data_dir, tmp_path):
    folder = data_dir / "typed"
    folder.mkdir()
    text = "1|t|Aspirin causes asthma .\n1|a|\n1\t0\t7\tAspirin\tChemical\n1\t15\t21\tasthma\tDisease\n"
    for split in ("train", "devel", "test"):
        (folder / f"{split}.pubtator").write_text(text, encoding="utf-8")
    args = train_args(tiny_bert, data_dir, tmp_path / "all", data_list="typed", eval_list="typed")
    everything = run_ner.main(args)
    disease = run_ner.main([*train_args(tiny_bert, data_dir, tmp_path / "disease", data_list="typed", eval_list="typed"),
                            "--entity_types", "Disease"])
    assert everything["test_offset_gold_mentions"] == 2
    assert disease["test_offset_gold_mentions"] == 1  # a new cache key: not the features of all types


def test_convert_corpus_folder_writes_column_files_and_the_report(data_dir, tmp_path, capsys):
    write_pubtator_dataset(data_dir, "bio_pubtator", BIO_SENTENCES)
    out = tmp_path / "columns"
    report = convert_corpus.main([str(data_dir / "bio_pubtator"), str(out), "--untyped"])
    assert report.documents == 12 and report.mentions_by_type == {"Entity": 15}
    for split in ("train", "devel", "test"):
        sentences = read_column_file(out / f"{split}.txt")
        assert [list(zip(s.words, s.tags)) for s in sentences] == BIO_SENTENCES
    assert "mentions tagged, by type: Entity 15" in (out / "conversion_report.txt").read_text()
    assert "-> " in capsys.readouterr().out


@pytest.mark.slow
def test_ncbi_disease_round_trips_through_pubtator(tmp_path):
    """Column files -> PubTator (words joined by spaces) -> column files: the same words and tags."""
    source = SHARED_DATA / "NCBI-disease"
    if not source.is_dir():
        pytest.skip("NCBI-disease not found in ../shared/NERdata")
    for split in ("train", "devel", "test"):
        shutil.rmtree(tmp_path / "x", ignore_errors=True)
        convert_corpus.main([str(source / f"{split}.txt"), str(tmp_path / f"{split}.pubtator")])
        report = convert_corpus.main([str(tmp_path / f"{split}.pubtator"), str(tmp_path / f"{split}.txt"), "--untyped"])
        original = read_column_file(source / f"{split}.txt")
        again = read_column_file(tmp_path / f"{split}.txt")
        assert [w for s in again for w in s.words] == [w for s in original for w in s.words]
        assert [t for s in again for t in s.tags] == [t for s in original for t in s.tags]
        # nothing dropped or split; where the sentence splitter cut a mention ("EC 1 . 1 . 1 . 49"),
        # the sentences were merged and reported
        assert {change.kind for change in report.changes} <= {MERGED} and report.dropped == 0
