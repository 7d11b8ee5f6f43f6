"""Two CPU processes (gloo) score every example exactly once: the same F1 and predictions as one."""

import json
import os
import subprocess
import sys

import pytest

import run_ner
from conftest import BIO_SENTENCES, NEWS_SENTENCES, REPO, write_dataset


def test_two_process_evaluation_equals_one(tiny_bert, data_dir, tmp_path):
    # 7 test sentences: not divisible by 2 processes nor by the batch size
    write_dataset(data_dir, "odd", BIO_SENTENCES, test=BIO_SENTENCES + NEWS_SENTENCES)
    model = tmp_path / "model"
    run_ner.main(["--model_name_or_path", str(tiny_bert), "--data_dir", str(data_dir), "--data_list", "odd",
                  "--output_dir", str(model), "--do_train", "--max_steps", "5", "--learning_rate", "1e-3",
                  "--report_to", "none", "--labels", str(data_dir / "bio" / "labels.txt")])
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GERBERA_CACHE": str(tmp_path / "cache"), "CUDA_VISIBLE_DEVICES": "",
           "OMP_NUM_THREADS": "1"}
    outputs = {}
    for processes in (1, 2):
        out = tmp_path / f"eval{processes}"
        result = subprocess.run(
            [sys.executable, "-m", "torch.distributed.run", "--nproc_per_node", str(processes), "--master_port",
             str(29500 + processes), "run_eval.py", "--model_name_or_path", str(model), "--data_dir", str(data_dir),
             "--eval_data_list", "odd", "--output_dir", str(out), "--do_predict", "--per_device_eval_batch_size", "2",
             "--report_to", "none", "--disable_tqdm", "true"],
            cwd=REPO, env=env, capture_output=True, text=True, timeout=300,
        )
        assert result.returncode == 0, result.stderr[-3000:]
        outputs[processes] = out
    one = json.loads((outputs[1] / "all_results.json").read_text())
    two = json.loads((outputs[2] / "all_results.json").read_text())
    assert two["test_f1"] == pytest.approx(one["test_f1"])
    assert two["test_sentences"] == one["test_sentences"] == 7
    assert (outputs[2] / "test_predictions.txt").read_text() == (outputs[1] / "test_predictions.txt").read_text()
