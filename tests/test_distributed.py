"""Several processes (torchrun, gloo on the CPU with --use_cpu): training follows the data order of
one uninterrupted run also when it is resumed mid-epoch, and evaluation scores every example
exactly once. Each check would also pass if the processes ran alone, so the run record's world
size is checked too."""

import json
import os
import shutil
import subprocess
import sys

import pytest
import torch
from conftest import BIO_SENTENCES, NEWS_SENTENCES, REPO, write_dataset
from safetensors.torch import load_file

import run_eval

# 16 training sentences: 4 steps an epoch at 2 processes x 2; checkpoint-6 lies inside epoch 1.
TRAIN = (BIO_SENTENCES + NEWS_SENTENCES) * 2 + BIO_SENTENCES[:2]
TEST = BIO_SENTENCES + NEWS_SENTENCES  # 7: divisible neither by 2 processes nor by the batch size


def torchrun(script, *args, env, processes=2):
    result = subprocess.run(
        [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(processes),
         script, *args, "--use_cpu", "true", "--report_to", "none", "--disable_tqdm", "true"],
        cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
    )
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-3000:]
    return result


def weights(folder):
    return load_file(str(folder / "model.safetensors"))


@pytest.mark.slow
@pytest.mark.parametrize("processes", [2])
def test_two_processes_train_resume_and_score_as_one_run(tiny_bert, data_dir, tmp_path, processes):
    write_dataset(data_dir, "odd", TRAIN, test=TEST)
    env = {**os.environ, "GERBERA_CACHE": str(tmp_path / "cache"), "OMP_NUM_THREADS": "1"}
    train_args = ["--model_name_or_path", str(tiny_bert), "--data_dir", str(data_dir), "--data_list", "odd",
                  "--labels", str(data_dir / "bio" / "labels.txt"), "--do_train", "--do_predict",
                  "--max_steps", "12", "--save_steps", "6", "--per_device_train_batch_size", "2",
                  "--per_device_eval_batch_size", "2", "--learning_rate", "1e-3", "--seed", "3"]
    whole = tmp_path / "whole"
    torchrun("run_ner.py", *train_args, "--output_dir", str(whole), "--keep_checkpoints", env=env, processes=processes)
    record = json.loads((whole / "run_record.json").read_text())
    assert record["world_size"] == processes and record["status"] == "finished"

    # the same run, stopped at checkpoint-6 (mid-epoch) and resumed by the same command
    resumed = tmp_path / "resumed"
    resumed.mkdir()
    shutil.copytree(whole / "checkpoint-6", resumed / "checkpoint-6")
    torchrun("run_ner.py", *train_args, "--output_dir", str(resumed), env=env, processes=processes)
    assert json.loads((resumed / "trainer_state.json").read_text())["global_step"] == 12
    expected, got = weights(whole), weights(resumed)
    for name in expected:
        assert torch.equal(got[name], expected[name]), name

    # the two-process scores and predictions equal those of one process
    single = run_eval.main(["--model_name_or_path", str(whole), "--data_dir", str(data_dir), "--eval_data_list", "odd",
                            "--output_dir", str(tmp_path / "single"), "--do_predict", "--report_to", "none",
                            "--per_device_eval_batch_size", "2"])
    both = json.loads((whole / "all_results.json").read_text())
    assert both["test_sentences"] == single["test_sentences"] == len(TEST)
    assert both["test_f1"] == single["test_f1"]
    predictions = (whole / "test_predictions.txt").read_text()
    assert predictions == (tmp_path / "single" / "test_predictions.txt").read_text()
    assert len({line.split()[-1] for line in predictions.splitlines() if line}) > 1  # more than one tag predicted
