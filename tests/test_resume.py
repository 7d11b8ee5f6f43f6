"""A run killed at any moment continues from its last checkpoint and ends as an uninterrupted run."""

import json
import os
import signal
import subprocess
import sys
import time

import pytest
import torch
from conftest import REPO
from safetensors.torch import load_file

import run_ner
from gerbera.training.trainer import GerberaTrainer


def command(model, data_dir, out, steps=400):
    return [sys.executable, "run_ner.py", "--model_name_or_path", str(model), "--data_dir", str(data_dir),
            "--data_list", "bio+news", "--eval_data_list", "bio", "--output_dir", str(out),
            "--max_steps", str(steps), "--save_steps", "30", "--per_device_train_batch_size", "2",
            "--learning_rate", "1e-3", "--seed", "3", "--do_train", "--do_predict", "--report_to", "none",
            "--disable_tqdm", "true", "--logging_steps", "50"]


def run(args, env):
    return subprocess.run(args, cwd=REPO, env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
def test_killed_run_resumes_to_the_same_model(tiny_bert, data_dir, tmp_path):
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "GERBERA_CACHE": str(tmp_path / "cache"), "CUDA_VISIBLE_DEVICES": ""}
    reference = tmp_path / "reference"
    done = run(command(tiny_bert, data_dir, reference), env)
    assert done.returncode == 0, done.stderr[-2000:]

    interrupted = tmp_path / "interrupted"
    log = tmp_path / "interrupted.log"  # the killed run's output, shown when it goes wrong
    with open(log, "w") as output:
        process = subprocess.Popen(command(tiny_bert, data_dir, interrupted), cwd=REPO, env=env,
                                   stdout=output, stderr=subprocess.STDOUT)
    deadline = time.time() + 300
    # bio+news has 7 sentences: 4 steps an epoch at batch 2, so checkpoint-90 falls mid-epoch and the
    # resumed epoch must skip exactly the batches already trained
    while not (interrupted / "checkpoint-90" / "trainer_state.json").exists():
        if process.poll() is not None or time.time() > deadline:
            process.kill()
            process.wait()
            pytest.fail(f"run ended (exit {process.returncode}) before its third checkpoint:\n{log.read_text()[-3000:]}")
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
    from gerbera.commands.session import last_complete_checkpoint

    for step, state in ((30, '{"global_step": 30}'), (60, '{"global_step": 60}'), (90, ""), (120, '{"global_')):
        (tmp_path / f"checkpoint-{step}").mkdir()
        (tmp_path / f"checkpoint-{step}" / "trainer_state.json").write_text(state)
    (tmp_path / "checkpoint-150").mkdir()  # killed before the state was written at all
    assert last_complete_checkpoint(str(tmp_path)) == str(tmp_path / "checkpoint-60")


def quick_run(model, data_dir, out, *extra):
    return ["--model_name_or_path", str(model), "--data_dir", str(data_dir), "--data_list", "bio", "--output_dir", str(out),
            "--do_train", "--per_device_train_batch_size", "2", "--learning_rate", "1e-2", "--report_to", "none",
            "--disable_tqdm", "true", *extra]


def test_explicit_resume_from_checkpoint_continues_that_checkpoint(tiny_bert, data_dir, tmp_path):
    """--resume_from_checkpoint names a checkpoint of another run (another seed): training continues
    from its step and weights; here it is already at --max_steps, so the saved model is that
    checkpoint's (without the flag, two steps from the encoder with seed 1 give another model)."""
    other = tmp_path / "other"
    run_ner.main(quick_run(tiny_bert, data_dir, other, "--max_steps", "2", "--save_steps", "2", "--seed", "5",
                           "--keep_checkpoints"))
    checkpoint = other / "checkpoint-2"
    out = tmp_path / "resumed"
    run_ner.main(quick_run(tiny_bert, data_dir, out, "--max_steps", "2", "--seed", "1",
                           "--resume_from_checkpoint", str(checkpoint)))
    expected, resumed = load_file(checkpoint / "model.safetensors"), load_file(out / "model.safetensors")
    assert expected.keys() == resumed.keys()
    for name in expected:
        assert torch.equal(resumed[name], expected[name]), name


def test_run_that_stopped_before_its_first_checkpoint_starts_afresh(tiny_bert, data_dir, tmp_path, monkeypatch, caplog):
    """The run record is written when a run starts; a run that dies before its first checkpoint
    leaves it "running", and the same command (no --overwrite_output_dir) then starts afresh."""
    out = tmp_path / "model"
    args = quick_run(tiny_bert, data_dir, out, "--max_steps", "2", "--save_steps", "10000", "--do_predict")
    seen = {}

    def dies_at_once(self, *args, **kwargs):
        seen.update(json.loads((out / "run_record.json").read_text()))
        raise RuntimeError("killed before the first checkpoint")

    monkeypatch.setattr(GerberaTrainer, "train", dies_at_once)
    with pytest.raises(RuntimeError, match="killed"):
        run_ner.main(args)
    assert seen["status"] == "running" and seen["arguments"]["data_list"] == "bio"
    assert {(f["dataset"], f["split"]) for f in seen["data_files"]} == {("bio", "train"), ("bio", "test")}
    assert all(len(f["sha256"]) == 64 for f in seen["data_files"])
    monkeypatch.undo()

    with caplog.at_level("INFO", logger="gerbera"):
        results = run_ner.main(args)
    assert "stopped before its first checkpoint" in caplog.text and "starting afresh" in caplog.text
    assert "test_f1" in results and json.loads((out / "run_record.json").read_text())["status"] == "finished"


def test_rerun_with_other_training_arguments_is_refused_by_name(tiny_bert, data_dir, tmp_path, capsys, monkeypatch):
    """A folder with a checkpoint of an unfinished run is resumed only by a run whose training
    arguments are the same (or forced); the resume is recorded, and the run before's results do not
    stay beside the new. (The run before failed while it wrote its last files, after its test predictions.)"""
    from gerbera.commands import run_ner as run_ner_command

    def fails(*args, **kwargs):
        raise OSError("No space left on device (planted)")

    out = tmp_path / "model"
    monkeypatch.setattr(run_ner_command, "plot_training_curves", fails)
    with pytest.raises(OSError, match="planted"):
        run_ner.main(quick_run(tiny_bert, data_dir, out, "--max_steps", "2", "--save_steps", "2", "--do_predict"))
    monkeypatch.undo()
    assert (out / "test_predictions.txt").is_file() and (out / "checkpoint-2").is_dir()
    other = quick_run(tiny_bert, data_dir, out, "--max_steps", "4", "--save_steps", "2", "--learning_rate", "5e-3")
    with pytest.raises(SystemExit) as refused:
        run_ner.main(other)
    assert refused.value.code == 1
    message = capsys.readouterr().err
    assert "--learning_rate 0.01 (now 0.005)" in message and "--max_steps 2 (now 4)" in message, message
    assert "--resume_with_other_arguments" in message and "--save_steps" not in message

    run_ner.main([*other, "--resume_with_other_arguments"])
    record = json.loads((out / "run_record.json").read_text())
    assert record["resume_from_checkpoint"] == "checkpoint-2" and record["status"] == "finished"
    assert record["trained"]["steps"] == 4 and record["arguments"]["learning_rate"] == 5e-3
    assert not (out / "test_predictions.txt").exists() and not (out / "test_results.txt").exists()


def test_output_dir_that_is_a_file_is_a_one_line_error(tiny_bert, data_dir, tmp_path, capsys):
    import run_eval

    path = tmp_path / "a_file"
    path.write_text("not a folder\n")
    for main, extra in ((run_ner.main, ["--do_train"]), (run_eval.main, ["--eval_data_list", "bio", "--do_eval"])):
        with pytest.raises(SystemExit) as refused:
            main(["--model_name_or_path", str(tiny_bert), "--data_dir", str(data_dir), "--data_list", "bio",
                  "--output_dir", str(path / "sub"), "--report_to", "none", *extra])
        assert refused.value.code == 1
        error = capsys.readouterr().err.strip()
        assert error == f"error: --output_dir {path / 'sub'}: {path} is a file, not a folder; choose a folder"


def test_a_run_that_failed_before_training_does_not_block_its_rerun(tiny_bert, data_dir, tmp_path, monkeypatch):
    """run_eval.py (and run_ner.py) write their record before they load the model; a model that
    fails to load leaves it "failed", and the same command with a good model then runs."""
    import run_eval
    from gerbera.commands import run_eval as run_eval_command

    model = tmp_path / "model"
    run_ner.main(quick_run(tiny_bert, data_dir, model, "--max_steps", "1"))
    out = tmp_path / "eval"
    args = ["--model_name_or_path", str(model), "--data_dir", str(data_dir), "--eval_data_list", "bio",
            "--output_dir", str(out), "--do_eval", "--report_to", "none"]

    def broken(*args, **kwargs):
        raise OSError("model.safetensors: truncated (planted)")

    monkeypatch.setattr(run_eval_command, "load_model", broken)
    with pytest.raises(OSError, match="planted"):
        run_eval.main(args)
    record = json.loads((out / "run_record.json").read_text())
    assert record["status"] == "failed" and "planted" in record["error"]
    monkeypatch.undo()
    results = run_eval.main(args)  # was: "--output_dir ... is not empty"
    assert "eval_f1" in results and json.loads((out / "run_record.json").read_text())["status"] == "finished"


def test_a_run_that_failed_after_a_checkpoint_is_resumed_even_with_overwrite(tiny_bert, data_dir, tmp_path, monkeypatch,
                                                                             caplog):
    """The record names each checkpoint once saved: a run that failed (or was killed) after
    checkpoint-2 is resumed from it by the same command, --overwrite_output_dir included (every
    gerbera.experiment run has it)."""
    out = tmp_path / "model"
    args = quick_run(tiny_bert, data_dir, out, "--max_steps", "4", "--save_steps", "2", "--overwrite_output_dir")
    training_step, steps = GerberaTrainer.training_step, []

    def fails_at_step_3(self, *args, **kwargs):
        steps.append(1)
        if len(steps) == 3:
            raise RuntimeError("CUDA error: an illegal memory access was encountered (planted)")
        return training_step(self, *args, **kwargs)

    monkeypatch.setattr(GerberaTrainer, "training_step", fails_at_step_3)
    with pytest.raises(RuntimeError, match="planted"):
        run_ner.main(args)
    record = json.loads((out / "run_record.json").read_text())
    assert record["status"] == "failed" and record["checkpoint"] == "checkpoint-2"  # relative to the record's folder
    monkeypatch.undo()
    with caplog.at_level("INFO", logger="gerbera"):
        run_ner.main(args)
    assert f"Resuming the interrupted run in --output_dir from {out / 'checkpoint-2'}" in caplog.text
    record = json.loads((out / "run_record.json").read_text())
    assert record["status"] == "finished" and record["resume_from_checkpoint"] == "checkpoint-2"
    # finished and recorded: its checkpoints are removed (the model is in the folder)
    assert record["checkpoint"] is None and record["checkpoints_removed"] == ["checkpoint-2", "checkpoint-4"]
