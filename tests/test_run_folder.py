"""A run folder's contract with the next command (issue 33): a finished run is refused, never
"resumed", unless --overwrite_output_dir asks to train it again; its checkpoints are removed once it
is recorded as finished (unless kept); the record's paths are relative to its own folder, so a copy
of the folder resumes only its own checkpoint, and a record replays from any working directory."""

import json
import shutil

import pytest
from test_resume import quick_run

import run_eval
import run_ner
from gerbera.commands.run_folder_lock import LOCK_NAME  # who ran there last: rewritten by every run
from gerbera.commands.session import prepare_output_dir
from gerbera.errors import GerberaError
from gerbera.training.trainer import GerberaTrainer


def record_of(out):
    return json.loads((out / "run_record.json").read_text())


def checkpoints(out):
    return sorted(p.name for p in out.glob("checkpoint-*"))


def test_rerun_of_a_finished_run_is_refused_and_keeps_its_results(tiny_bert, data_dir, tmp_path, capsys):
    """The same command again (its checkpoints kept, so a resume was possible) is refused with the
    choices, and nothing of the run is rewritten; run_eval.py into it is refused too; the original's
    recipe (--overwrite_output_dir) trains it again from scratch: the same loss, a whole curve."""
    out = tmp_path / "model"
    args = quick_run(tiny_bert, data_dir, out, "--max_steps", "4", "--save_steps", "2", "--logging_steps", "1",
                     "--seed", "2", "--do_predict", "--keep_checkpoints")
    first = run_ner.main(args)
    assert checkpoints(out) == ["checkpoint-2", "checkpoint-4"] and first["train_loss"] > 0
    before = {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.name != LOCK_NAME}

    with pytest.raises(SystemExit) as refused:
        run_ner.main(args)
    assert refused.value.code == 1  # a folder it will not write into (gerbera.commands.exits)
    assert capsys.readouterr().err.strip().splitlines()[-1] == (
        f"error: --output_dir {out} holds a finished run_ner.py run; choose another --output_dir, add "
        f"--overwrite_output_dir to train again from scratch, or score its model with run_eval.py "
        f"--model_name_or_path {out} --output_dir ANOTHER_FOLDER")
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.name != LOCK_NAME} == before

    with pytest.raises(SystemExit):
        run_eval.main(["--model_name_or_path", str(out), "--data_dir", str(data_dir), "--eval_data_list", "bio",
                       "--output_dir", str(out), "--do_predict", "--report_to", "none"])
    assert "holds a finished run_ner.py run; choose another --output_dir, or add --overwrite_output_dir" in \
        capsys.readouterr().err
    assert {p.name: p.read_bytes() for p in out.iterdir() if p.is_file() and p.name != LOCK_NAME} == before

    again = run_ner.main([*args, "--overwrite_output_dir"])
    assert again["train_loss"] == first["train_loss"]
    losses = [h for h in json.loads((out / "trainer_state.json").read_text())["log_history"] if "loss" in h]
    assert len(losses) == 4
    record = record_of(out)
    assert record["status"] == "finished" and record["resume_from_checkpoint"] is None


def test_a_finished_run_of_an_older_toolkit_is_refused_and_an_unfinished_one_resumed(tmp_path):
    """Without a run record, the results a run writes when it ends tell a finished run."""
    for name in ("finished", "unfinished"):
        (tmp_path / name / "checkpoint-2").mkdir(parents=True)
        (tmp_path / name / "checkpoint-2" / "trainer_state.json").write_text('{"global_step": 2}')
    (tmp_path / "finished" / "all_results.json").write_text("{}")
    with pytest.raises(GerberaError, match="holds a finished earlier run; choose another --output_dir"):
        prepare_output_dir(str(tmp_path / "finished"), False, None, True, {})
    assert prepare_output_dir(str(tmp_path / "unfinished"), False, None, True, {}) == \
        str(tmp_path / "unfinished" / "checkpoint-2")


def test_a_finished_run_removes_its_checkpoints_unless_asked_to_keep_them(tiny_bert, data_dir, tmp_path):
    """The model is saved in the folder: the checkpoints go once the record says finished; a
    --save_total_limit the user gave keeps what it leaves (--keep_checkpoints: the test above)."""
    out = tmp_path / "model"
    run_ner.main(quick_run(tiny_bert, data_dir, out, "--max_steps", "4", "--save_steps", "2"))
    assert checkpoints(out) == [] and (out / "model.safetensors").is_file()
    record = record_of(out)
    assert record["status"] == "finished" and record["checkpoint"] is None
    assert record["checkpoints_removed"] == ["checkpoint-2", "checkpoint-4"]
    scored = run_eval.main(["--model_name_or_path", str(out), "--data_dir", str(data_dir), "--eval_data_list", "bio",
                            "--output_dir", str(tmp_path / "eval"), "--do_predict", "--report_to", "none"])
    assert "test_f1" in scored

    limited = tmp_path / "limited"
    run_ner.main(quick_run(tiny_bert, data_dir, limited, "--max_steps", "4", "--save_steps", "2", "--save_total_limit", "1"))
    assert checkpoints(limited) == ["checkpoint-4"] and record_of(limited)["checkpoint"] == "checkpoint-4"


def fail_at_step_3(monkeypatch):
    training_step, steps = GerberaTrainer.training_step, []

    def fails(self, *args, **kwargs):
        steps.append(1)
        if len(steps) == 3:
            raise RuntimeError("planted failure at step 3")
        return training_step(self, *args, **kwargs)

    monkeypatch.setattr(GerberaTrainer, "training_step", fails)


def test_a_copy_of_a_run_folder_resumes_only_its_own_checkpoint(tiny_bert, data_dir, tmp_path, monkeypatch, caplog):
    """A run started with a relative --output_dir fails after checkpoint-2. Its record names the
    checkpoint relative to its own folder, so a copy without the checkpoint starts afresh (it
    must not resume the original's through a path relative to where the run started), and a copy
    with it resumes the copy's own."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "runs").mkdir()

    def args(out):
        return quick_run(tiny_bert, "NERdata", out, "--max_steps", "4", "--save_steps", "2")

    fail_at_step_3(monkeypatch)
    with pytest.raises(RuntimeError, match="planted"):
        run_ner.main(args("runs/original"))
    monkeypatch.undo()
    monkeypatch.chdir(tmp_path)
    record = record_of(tmp_path / "runs" / "original")
    assert record["status"] == "failed" and record["checkpoint"] == "checkpoint-2"
    assert record["arguments"]["output_dir"] == "." and record["arguments"]["data_dir"] == str(data_dir)

    shutil.copytree("runs/original", "runs/bare", ignore=shutil.ignore_patterns("checkpoint-*"))
    shutil.copytree("runs/original", "runs/whole")
    with caplog.at_level("INFO", logger="gerbera"):
        run_ner.main(args("runs/bare"))
    assert "starting afresh" in caplog.text and "Resuming" not in caplog.text
    assert record_of(tmp_path / "runs" / "bare")["resume_from_checkpoint"] is None
    caplog.clear()
    with caplog.at_level("INFO", logger="gerbera"):
        run_ner.main(args("runs/whole"))
    assert "Resuming from the last checkpoint found in --output_dir: runs/whole/checkpoint-2" in caplog.text
    assert record_of(tmp_path / "runs" / "whole")["resume_from_checkpoint"] == "checkpoint-2"
    assert record_of(tmp_path / "runs" / "original")["status"] == "failed"  # the original is left as it was


def test_a_record_replays_from_any_working_directory(tiny_bert, data_dir, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    first = run_ner.main(quick_run(tiny_bert, "NERdata", "first", "--max_steps", "2", "--seed", "4", "--do_predict"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    again = run_ner.main(["../first/run_record.json", "--output_dir", "again"])
    assert again["test_f1"] == first["test_f1"] and again["train_loss"] == first["train_loss"]
    assert (elsewhere / "again" / "model.safetensors").is_file()
    # without --output_dir, the record's own folder: a finished run, refused by name
    with pytest.raises(SystemExit):
        run_ner.main(["../first/run_record.json"])
    assert f"--output_dir {tmp_path / 'first'} holds a finished run_ner.py run" in capsys.readouterr().err
