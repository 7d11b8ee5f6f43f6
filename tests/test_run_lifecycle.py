"""A run ends promptly and truthfully whatever happens to it: an error in training with data-loader
workers ends it with its error, and a signal at any moment -- during an evaluation in training,
during the start-up of a resumed run, while the final model is saved or the test set predicted --
leaves a checkpoint and a run record that the same command completes. The signals go to the whole
process group, as torchrun and SLURM send them; each is sent when the run has logged the moment
(tests/planted_faults.py holds the run there until the signal is sent)."""

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import REPO

PLANTED = str(REPO / "tests" / "planted_faults.py")


def flags(model, data_dir, out, *extra):
    return ["--model_name_or_path", str(model), "--data_dir", str(data_dir), "--data_list", "bio",
            "--labels", str(data_dir / "bio" / "labels.txt"), "--output_dir", str(out), "--do_train",
            "--per_device_train_batch_size", "2", "--learning_rate", "1e-3", "--seed", "5", "--logging_steps", "1",
            "--report_to", "none", "--disable_tqdm", "true", "--overwrite_output_dir", *extra]


@pytest.fixture
def env(tmp_path):
    return {**os.environ, "GERBERA_CACHE": str(tmp_path / "cache"), "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1",
            "PLANTED_GO": str(tmp_path / "go"), "CUDA_VISIBLE_DEVICES": ""}


def start(cmd, env):
    return subprocess.Popen(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            start_new_session=True)


def finish(process, seen, timeout):
    """The exit code and whole output of ``process``, which must end within ``timeout`` seconds."""
    try:
        rest, _ = process.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        rest, _ = process.communicate()
        pytest.fail(f"the run did not end within {timeout} s:\n{(''.join(seen) + rest)[-3000:]}")
    return process.returncode, "".join(seen) + rest


def signal_at(cmd, env, marker, signum=signal.SIGTERM, timeout=300):
    """Run ``cmd``; when a line holds ``marker``, send ``signum`` to its process group (and let a
    planted pause go on). Its exit code and output."""
    process = start(cmd, env)
    seen = []
    for line in process.stdout:
        seen.append(line)
        if marker in line:
            os.killpg(process.pid, signum)
            Path(env["PLANTED_GO"]).touch()
            break
    return finish(process, seen, timeout)


def record_of(out):
    return json.loads((out / "run_record.json").read_text())


def test_an_error_in_training_with_workers_ends_the_run_at_once(tiny_bert, data_dir, tmp_path, env):
    """The workers ignore SIGTERM (a group signal must not kill them): at exit they must still be
    stopped, or multiprocessing waits for them forever."""
    out = tmp_path / "run"
    process = start([sys.executable, PLANTED, "raise-at-step-3",
                     *flags(tiny_bert, data_dir, out, "--max_steps", "20", "--dataloader_num_workers", "2")], env)
    seen = []
    for line in process.stdout:
        seen.append(line)
        if "CUDA out of memory (planted)" in line:
            break
    code, output = finish(process, seen, timeout=60)  # the error is printed: the exit must follow
    assert code == 1, output[-3000:]
    record = record_of(out)
    assert record["status"] == "failed" and "CUDA out of memory (planted)" in record["error"]


def test_signal_during_an_evaluation_in_training_saves_after_it(tiny_bert, data_dir, tmp_path, env):
    out = tmp_path / "run"
    cmd = [sys.executable, PLANTED, "pause-in-evaluation",
           *flags(tiny_bert, data_dir, out, "--max_steps", "6", "--eval_strategy", "steps", "--eval_steps", "2",
                  "--per_device_eval_batch_size", "1", "--dataloader_num_workers", "2", "--save_strategy", "no")]
    code, output = signal_at(cmd, env, "PLANTED PAUSE")
    assert code == 128 + signal.SIGTERM, output[-3000:]
    record = record_of(out)
    assert record["status"] == "interrupted", output[-3000:]
    # saved right after the evaluation at step 2, not after one more step
    assert record["checkpoint"] == "checkpoint-2"  # relative to the record's folder
    assert json.loads((out / "checkpoint-2" / "trainer_state.json").read_text())["global_step"] == 2


@pytest.mark.slow
def test_resumed_run_signalled_during_start_up_keeps_its_checkpoint(tiny_bert, data_dir, tmp_path, env):
    """Run 1 stops on SIGTERM with a checkpoint; run 2 (the same command) gets SIGTERM while it
    starts up; run 3 must still resume that checkpoint, not start from step 0."""
    out = tmp_path / "run"
    cmd = [sys.executable, "run_ner.py", *flags(tiny_bert, data_dir, out, "--max_steps", "30", "--save_strategy", "no")]
    code, output = signal_at(cmd, env, "'loss'")
    assert code == 128 + signal.SIGTERM, output[-3000:]
    checkpoint = record_of(out)["checkpoint"]
    assert checkpoint and (out / checkpoint).is_dir()

    first_record = (out / "run_record.json").read_text()
    process = start(cmd, env)  # run 2: signalled as soon as its own record says "running"
    deadline = time.monotonic() + 300
    while process.poll() is None and time.monotonic() < deadline:
        text = (out / "run_record.json").read_text()
        if text != first_record and json.loads(text)["status"] == "running":
            os.killpg(process.pid, signal.SIGTERM)
            break
        time.sleep(0.02)
    code, output = finish(process, [], timeout=300)
    assert code in (-signal.SIGTERM, 128 + signal.SIGTERM), output[-3000:]

    resumed = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    assert resumed.returncode == 0, resumed.stdout[-3000:] + resumed.stderr[-3000:]
    assert "Resuming the interrupted run in --output_dir from" in resumed.stdout + resumed.stderr
    record = record_of(out)
    assert record["status"] == "finished" and record["trained"]["steps"] == 30
    assert int(Path(record["resume_from_checkpoint"]).name.split("-")[1]) >= int(Path(checkpoint).name.split("-")[1])


@pytest.mark.parametrize("moment, scoring, stops", [
    ("pause-in-saving", ["--do_predict"], True),  # the final model: the test set is still to predict
    ("pause-in-prediction", ["--do_eval", "--do_predict"], True),  # devel: the test set is still to predict
    ("pause-in-prediction", ["--do_predict"], False),  # the last scoring: only files are left to write
])
def test_signal_after_training_leaves_what_the_same_command_completes(tiny_bert, data_dir, tmp_path, env, moment,
                                                                      scoring, stops):
    out = tmp_path / "run"
    cmd = [sys.executable, PLANTED, moment,
           *flags(tiny_bert, data_dir, out, "--max_steps", "4", "--save_strategy", "no", *scoring)]
    code, output = signal_at(cmd, env, "PLANTED PAUSE")
    if not stops:
        assert code == 0, output[-3000:]
        assert record_of(out)["status"] == "finished" and (out / "test_predictions.txt").is_file()
        return
    assert code == 128 + signal.SIGTERM, output[-3000:]
    record = record_of(out)
    assert record["status"] == "interrupted" and record["checkpoint"] == "checkpoint-4", output[-3000:]
    assert not (out / "test_predictions.txt").exists()
    if moment != "pause-in-saving":
        return
    again = subprocess.run([sys.executable, "run_ner.py", *cmd[3:]], cwd=REPO, env=env, capture_output=True,
                           text=True, timeout=300)
    assert again.returncode == 0, again.stdout[-3000:] + again.stderr[-3000:]
    record = record_of(out)
    assert record["status"] == "finished" and record["trained"]["steps"] == 4
    assert record["resume_from_checkpoint"] == "checkpoint-4"
    assert (out / "model.safetensors").is_file() and (out / "test_predictions.txt").is_file()


def test_an_error_in_training_gives_the_signal_handlers_back(tiny_bert, data_dir, tmp_path, monkeypatch):
    """Training holds SIGTERM and SIGUSR1; an error must not leave them caught (a process that goes
    on, or hangs at exit, would then ignore the signals that should end it)."""
    import torch

    import run_ner
    from gerbera.training.trainer import GerberaTrainer

    def failing_step(self, *args, **kwargs):
        raise torch.OutOfMemoryError("CUDA out of memory (planted)")

    before = {s: signal.getsignal(s) for s in (signal.SIGTERM, signal.SIGUSR1)}
    monkeypatch.setattr(GerberaTrainer, "training_step", failing_step)
    with pytest.raises(torch.OutOfMemoryError):
        run_ner.main(flags(tiny_bert, data_dir, tmp_path / "run", "--max_steps", "2"))
    assert {s: signal.getsignal(s) for s in before} == before
    assert record_of(tmp_path / "run")["status"] == "failed"


def test_a_second_run_into_the_folder_of_a_run_going_on_is_refused(tiny_bert, data_dir, tmp_path, env):
    """Seams trial: two runs started on one --output_dir trained side by side and mixed their
    checkpoints and records. The second is refused in one line naming the first; the first goes on."""
    from gerbera.commands import run_eval

    out = tmp_path / "run"
    first = start([sys.executable, PLANTED, "pause-in-saving", *flags(tiny_bert, data_dir, out, "--max_steps", "2")], env)
    seen = []
    for line in first.stdout:
        seen.append(line)
        if "PLANTED PAUSE" in line:
            break
    try:
        second = subprocess.run([sys.executable, "run_ner.py", *flags(tiny_bert, data_dir, out, "--max_steps", "2")],
                                cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
        assert second.returncode == 1, second.stderr[-3000:]
        refusal = second.stderr.strip().splitlines()[-1]
        assert "another run is writing into it" in refusal and f"pid {first.pid} on" in refusal, refusal
        with pytest.raises(SystemExit):  # run_eval.py into the same folder too
            run_eval.main(["--model_name_or_path", str(tiny_bert), "--data_dir", str(data_dir), "--eval_data_list", "bio",
                           "--output_dir", str(out), "--do_eval", "--report_to", "none", "--overwrite_output_dir"])
    finally:
        Path(env["PLANTED_GO"]).touch()
    code, output = finish(first, seen, 300)
    assert code == 0, output[-3000:]
    assert record_of(out)["status"] == "finished"
