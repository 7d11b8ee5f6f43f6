"""A run killed at any moment continues from its last checkpoint and ends as an uninterrupted run."""

import os
import signal
import subprocess
import sys
import time

import pytest
import torch
from safetensors.torch import load_file

from conftest import REPO


def command(model, data_dir, out, steps=400):
    return [sys.executable, "run_ner.py", "--model_name_or_path", str(model), "--data_dir", str(data_dir),
            "--data_list", "bio+news", "--eval_data_list", "bio", "--output_dir", str(out),
            "--max_steps", str(steps), "--save_steps", "30", "--per_device_train_batch_size", "2",
            "--learning_rate", "1e-3", "--seed", "3", "--do_train", "--do_predict", "--report_to", "none",
            "--disable_tqdm", "true", "--logging_steps", "50"]


def run(args, env):
    return subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)


def test_killed_run_resumes_to_the_same_model(tiny_bert, data_dir, tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GERBERA_CACHE": str(tmp_path / "cache"), "CUDA_VISIBLE_DEVICES": ""}
    reference = tmp_path / "reference"
    done = run(command(tiny_bert, data_dir, reference), env)
    assert done.returncode == 0, done.stderr[-2000:]

    interrupted = tmp_path / "interrupted"
    process = subprocess.Popen(command(tiny_bert, data_dir, interrupted), cwd=REPO, env=env,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 300
    # bio+news has 7 sentences: 4 steps an epoch at batch 2, so checkpoint-90 falls mid-epoch and the
    # resumed epoch must skip exactly the batches already trained
    while not (interrupted / "checkpoint-90" / "trainer_state.json").exists():
        assert process.poll() is None and time.time() < deadline, "run ended before its third checkpoint"
        time.sleep(0.02)
    process.send_signal(signal.SIGKILL)
    process.wait()
    assert not (interrupted / "model.safetensors").exists(), "the run finished before it was killed"

    again = run(command(tiny_bert, data_dir, interrupted), env)  # the same command
    assert again.returncode == 0, again.stderr[-2000:]
    assert "Resuming from the last checkpoint" in again.stdout + again.stderr

    expected = load_file(reference / "model.safetensors")
    resumed = load_file(interrupted / "model.safetensors")
    assert expected.keys() == resumed.keys()
    for name in expected:
        torch.testing.assert_close(resumed[name], expected[name], rtol=1e-4, atol=1e-5)
    assert (interrupted / "test_predictions.txt").read_text() == (reference / "test_predictions.txt").read_text()
    # nothing pickled beside the model: training arguments as JSON
    assert not list(interrupted.rglob("training_args.bin"))
    assert (interrupted / "training_args.json").is_file()


def test_a_checkpoint_killed_while_its_state_was_written_is_skipped(tmp_path):
    """The Trainer writes trainer_state.json last and not atomically: a kill at that moment leaves
    it empty or cut short, and resuming must take the checkpoint before."""
    from gerbera.runner import last_complete_checkpoint

    for step, state in ((30, '{"global_step": 30}'), (60, '{"global_step": 60}'), (90, ""), (120, '{"global_')):
        (tmp_path / f"checkpoint-{step}").mkdir()
        (tmp_path / f"checkpoint-{step}" / "trainer_state.json").write_text(state)
    (tmp_path / "checkpoint-150").mkdir()  # killed before the state was written at all
    assert last_complete_checkpoint(str(tmp_path)) == str(tmp_path / "checkpoint-60")
