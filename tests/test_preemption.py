"""A cluster's preemption signal (SIGTERM, SIGUSR1) to a real training process: it finishes the step,
saves a complete checkpoint, records the run as interrupted and exits with 128 + the signal; the
same command resumes it and ends with the weights of an uninterrupted run. The signal goes to the
whole process group, as torchrun and SLURM send it, data-loader workers included."""

import json
import os
import signal
import subprocess
import sys

import pytest
import torch
from conftest import REPO
from safetensors.torch import load_file

STEPS = 60


def command(model, data_dir, out):
    return [sys.executable, "run_ner.py", "--model_name_or_path", str(model), "--data_dir", str(data_dir),
            "--data_list", "bio", "--labels", str(data_dir / "bio" / "labels.txt"), "--output_dir", str(out),
            "--do_train", "--max_steps", str(STEPS), "--per_device_train_batch_size", "2", "--learning_rate", "1e-3",
            "--logging_steps", "1", "--save_steps", "100000", "--seed", "5", "--full_determinism",
            "--dataloader_num_workers", "2", "--overwrite_output_dir", "--report_to", "none", "--disable_tqdm", "true"]


@pytest.fixture
def env(tmp_path):
    return {**os.environ, "GERBERA_CACHE": str(tmp_path / "cache"), "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}


def interrupt(cmd, env, signum, log):
    """Start ``cmd`` in a process group of its own, send ``signum`` to the group once it has logged
    its first training step; its exit code and output."""
    with open(log, "w") as stderr:
        process = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=stderr, text=True,
                                   start_new_session=True)
        seen = []
        for line in process.stdout:
            seen.append(line)
            if "'loss'" in line:
                os.killpg(process.pid, signum)
                break
        seen.extend(process.stdout)
        code = process.wait(timeout=300)
    return code, "".join(seen) + open(log).read()


@pytest.mark.slow
@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGUSR1])
def test_signal_saves_a_checkpoint_and_the_same_command_resumes(tiny_bert, data_dir, tmp_path, env, signum):
    out = tmp_path / "run"
    code, output = interrupt(command(tiny_bert, data_dir, out), env, signum, tmp_path / "stderr.log")
    assert code == 128 + signum, output[-3000:]
    record = json.loads((out / "run_record.json").read_text())
    assert record["status"] == "interrupted", output[-3000:]
    checkpoint = out / record["interrupted"]["checkpoint"]  # relative to the record's folder
    step = json.loads((checkpoint / "trainer_state.json").read_text())["global_step"]
    assert record["interrupted"]["checkpoint"] == f"checkpoint-{step}" and 1 <= step < STEPS
    assert (checkpoint / "model.safetensors").is_file() and (checkpoint / "optimizer.pt").is_file()
    assert not (out / "model.safetensors").exists()  # no half-trained model passed off as the result
    if signum != signal.SIGTERM:
        return
    resumed = subprocess.run(command(tiny_bert, data_dir, out), cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert f"Resuming the interrupted run in --output_dir from {checkpoint}" in resumed.stdout + resumed.stderr
    assert json.loads((out / "run_record.json").read_text())["status"] == "finished"
    whole = tmp_path / "whole"
    uninterrupted = subprocess.run(command(tiny_bert, data_dir, whole), cwd=REPO, env=env, capture_output=True, text=True,
                                   timeout=300)
    assert uninterrupted.returncode == 0, uninterrupted.stderr[-3000:]
    expected, got = load_file(str(whole / "model.safetensors")), load_file(str(out / "model.safetensors"))
    for name in expected:
        assert torch.equal(got[name], expected[name]), name


def _stubborn_worker(ready):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)  # as a shielded data-loader worker
    ready.set()
    while True:
        signal.pause()


def test_leftover_workers_that_ignore_sigterm_are_stopped():
    """What runs at exit (before multiprocessing waits for its children): a worker that ignores
    SIGTERM is killed, not waited for."""
    import multiprocessing

    from gerbera.training.loader_workers import stop_leftover_workers

    context = multiprocessing.get_context("fork")
    ready = context.Event()
    worker = context.Process(target=_stubborn_worker, args=(ready,), daemon=True)
    worker.start()
    try:
        assert ready.wait(60)
        assert stop_leftover_workers(grace_s=0.5) == 1
        assert not worker.is_alive() and worker.exitcode == -signal.SIGKILL
    finally:
        if worker.is_alive():  # else this very test process would wait for it at exit
            worker.kill()
            worker.join()


def test_a_worker_killed_by_the_signal_stops_training_as_the_signal():
    from gerbera.training.preemption import PreemptionCallback

    callback = PreemptionCallback()
    assert callback.stopped_by_dead_worker(RuntimeError("DataLoader worker (pid 7) is killed by signal: Terminated. "))
    assert callback.stopped == signal.SIGTERM
    other = PreemptionCallback()
    assert not other.stopped_by_dead_worker(RuntimeError("DataLoader worker (pid 7) is killed by signal: Killed. "))
    assert not other.stopped_by_dead_worker(RuntimeError("CUDA error: out of memory"))
    assert other.stopped is None
