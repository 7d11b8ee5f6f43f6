"""A head per corpus in the ways a run can go (issue 32, item 3): resumed from a checkpoint by the same
command, in bf16, on the fast path (bucketed, filled and compiled batches) and on two processes (gloo)."""

from __future__ import annotations

import json
import os
import shutil

import pytest
import torch
from conftest import BIO_SENTENCES, NEWS_SENTENCES, write_dataset
from safetensors.torch import load_file
from test_corpus_heads import COLUMNS, HEADS, predicted_tags
from test_distributed import torchrun

from gerbera.commands import run_eval, run_ner

GENES = [[(w, t if t == "O" else f"{t}-GENE") for w, t in s] for s in BIO_SENTENCES[1:] + BIO_SENTENCES[:1]]


@pytest.fixture
def heads_data(data_dir):
    write_dataset(data_dir, "genes", GENES)
    return data_dir


def heads_run(model, data, out, *extra, data_list="bio+genes+news"):
    """A run with a head per corpus (new heads, or those of ``model``) that scores bio and genes."""
    return ["--model_name_or_path", str(model), "--data_dir", str(data), "--data_list", data_list,
            "--general_data_list", "news", "--head_types", "bio=Disease", "--eval_data_list", "bio+genes",
            "--output_dir", str(out), "--do_train", "--do_predict", "--per_device_train_batch_size", "2",
            "--learning_rate", "1e-2", "--seed", "3", *extra]


QUIET = ("--report_to", "none", "--disable_tqdm", "true")


def test_a_stopped_run_resumes_to_the_same_model(tiny_bert, heads_data, tmp_path):
    """A run stopped after checkpoint-2 and started again by the same command ends with the weights and
    heads of the run that was not stopped."""
    whole = tmp_path / "whole"
    run_ner.main(heads_run(tiny_bert, heads_data, whole, "--head", "corpus", "--max_steps", "4", "--save_steps", "2",
                           "--keep_checkpoints", *QUIET))
    resumed = tmp_path / "resumed"
    resumed.mkdir()
    shutil.copytree(whole / "checkpoint-2", resumed / "checkpoint-2")
    run_ner.main(heads_run(tiny_bert, heads_data, resumed, "--head", "corpus", "--max_steps", "4", "--save_steps", "2", *QUIET))
    assert json.loads((resumed / "trainer_state.json").read_text())["global_step"] == 4
    assert json.loads((resumed / "config.json").read_text())["gerbera_heads"] == HEADS
    expected, got = load_file(whole / "model.safetensors"), load_file(resumed / "model.safetensors")
    for name in expected:
        torch.testing.assert_close(got[name], expected[name], rtol=1e-4, atol=1e-5)
    assert (resumed / "test_predictions.txt").read_text() == (whole / "test_predictions.txt").read_text()


@pytest.mark.parametrize("extra", [
    ["--bf16", "true", "--use_cpu", "true"],
    ["--fast_path", "true", "--torch_compile_backend", "aot_eager", "--max_seq_length", "32"],
], ids=["bf16", "fast-path"])
def test_each_dataset_trains_its_own_head(tiny_bert, heads_data, tmp_path, extra):
    """In bf16, and on the fast path (batches padded to buckets and filled with copies of their last row,
    training compiled), a run on bio+genes changes the Disease and GENE heads' columns, never news's."""
    start = tmp_path / "start"
    run_ner.main(heads_run(tiny_bert, heads_data, start, "--head", "corpus", "--max_steps", "1", *QUIET))
    out = tmp_path / "out"
    run_ner.main(heads_run(start, heads_data, out, "--max_steps", "3", "--per_device_train_batch_size", "3", *QUIET, *extra,
                           data_list="bio+genes"))
    before, after = load_file(start / "model.safetensors"), load_file(out / "model.safetensors")
    for name, columns in COLUMNS.items():
        changed = not torch.equal(before["classifier.weight"][columns], after["classifier.weight"][columns])
        assert changed == (name != "news"), name
    assert predicted_tags(out / "test_predictions_genes.txt") <= {"O", "B-GENE", "I-GENE"}
    assert json.loads((out / "all_results.json").read_text())["test_genes_f1"] >= 0


def test_two_processes_train_and_score_each_head_as_one(tiny_bert, heads_data, tmp_path):
    """torchrun with two processes (gloo): the heads are made and trained, and the two-process scores and
    predictions equal those of run_eval.py in one process."""
    write_dataset(heads_data, "news", NEWS_SENTENCES * 2)
    env = {**os.environ, "GERBERA_CACHE": str(tmp_path / "cache"), "OMP_NUM_THREADS": "1"}
    out = tmp_path / "two"
    torchrun("run_ner.py", *heads_run(tiny_bert, heads_data, out, "--head", "corpus", "--max_steps", "3",
                                      "--per_device_eval_batch_size", "2"), env=env)
    record = json.loads((out / "run_record.json").read_text())
    assert record["world_size"] == 2 and record["heads"] == HEADS
    single = run_eval.main(["--model_name_or_path", str(out), "--data_dir", str(heads_data), "--eval_data_list", "bio+genes",
                            "--output_dir", str(tmp_path / "one"), "--do_predict", "--per_device_eval_batch_size", "2", *QUIET])
    both = json.loads((out / "all_results.json").read_text())
    for key in ("test_sentences", "test_f1", "test_bio_f1", "test_genes_f1"):
        assert both[key] == single[key], key
    assert (out / "test_predictions.txt").read_text() == (tmp_path / "one" / "test_predictions.txt").read_text()
