"""gerbera.experiment end to end on tiny models: runs, report, resume, and a printed command that
reproduces its reported score."""

import json
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

import gerbera.commands.experiment as experiment
import gerbera.commands.experiment_runs as experiment_runs
import gerbera.reporting.experiment_statistics as experiment_statistics

TINY = ["--mt_epochs", "2", "--ft_epochs", "2", "--learning_rate", "0.005", "--per_device_train_batch_size", "2",
        "--per_device_eval_batch_size", "4", "--max_seq_length", "32"]


def experiment_args(tiny_bert, data_dir, work, report, extra=()):
    return ["--data_dir", str(data_dir), "--bio", "bio", "--general", "news", "--general_fraction", "1",
            "--sizes", "0.5", "--seeds", "1", "2", "--cross", "bio2", "--model_name_or_path", str(tiny_bert),
            "--work_dir", str(work), "--report", str(report), "--resamples", "200", *TINY, *extra]


@pytest.mark.slow
def test_experiment_runs_reports_resumes_and_reproduces(tiny_bert, data_dir, tmp_path, capsys):
    work, report = tmp_path / "runs", tmp_path / "docs" / "report.md"
    report.parent.mkdir()
    others = [report.parent / "report_v2_50pct_seed1.html", report.parent / "report_old_10pct_seed3.html"]
    for other in others:  # pages of other reports whose names start with this report's stem
        other.write_text("another report's page")
    stale = report.parent / "report_10pct_seed9.html"  # this report's page of a size no longer in it
    stale.write_text("stale")
    experiment.main(experiment_args(tiny_bert, data_dir, work, report))
    assert "10 runs started" in capsys.readouterr().out  # 2 seeds x (3 trainings + 2 cross evaluations)
    rows = json.loads((work / "results.json").read_text())
    assert [(r["seed"], r["arm"]) for r in rows] == [(1, "single-task"), (1, "GERBERA"), (2, "single-task"), (2, "GERBERA")]
    assert all(r["train_sentences"] == 2 for r in rows)  # half of the 4 bio sentences, in both recipes
    text = report.read_text()
    for row in rows:
        assert f"{row['test_f1']:.4f}" in text
        assert f"{row['cross_f1']['bio2']:.4f}" in text
    assert "| 50% | 2 |" in text  # the summary row: 2 seeds
    assert report.with_suffix(".png").is_file()
    medians = list(report.parent.glob("report_50pct_seed*.html"))
    assert len(medians) == 1 and "p (bootstrap)" in medians[0].read_text()
    assert "200 resamples, seed 1" in text
    assert all(other.read_text() == "another report's page" for other in others) and not stale.exists()
    # no path of this machine the user did not type: not the checkout, not the interpreter
    repository = str(Path(experiment.__file__).resolve().parents[2])
    assert repository not in text and sys.executable not in text and os.getcwd() not in text
    assert "What varies across seeds: each run's `--seed`" in text
    precision = re.search(r"Training precision of the runs \(their `run_record.json`\): (\w+)\.", text)
    assert precision and precision[1] in ("bf16", "fp32")  # what this machine's hardware defaults chose, for every run

    # resume: a second call starts nothing and writes the same numbers
    before = {p: p.stat().st_mtime_ns for p in work.rglob("all_results.json")}
    experiment.main(experiment_args(tiny_bert, data_dir, work, report))
    assert "0 runs started" in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in work.rglob("all_results.json")} == before

    # --report_only: a run that has not finished leaves its arm out, and nothing is started
    unfinished = work / "size0.5_seed2" / "gerbera" / "all_results.json"
    unfinished.unlink()
    experiment.main(experiment_args(tiny_bert, data_dir, work, report, ["--report_only"]))
    assert "0 runs started, 3 results" in capsys.readouterr().out
    assert not unfinished.exists()
    assert [(r["seed"], r["arm"]) for r in json.loads((work / "results.json").read_text())] == [
        (1, "single-task"), (1, "GERBERA"), (2, "single-task")]
    assert "| 50% | 1 |" in report.read_text()  # the summary pairs the one seed with both arms
    assert "--report_only" not in report.read_text()  # the report shows the command that runs the experiment
    experiment.main(experiment_args(tiny_bert, data_dir, work, report))  # the missing run, run again
    assert "1 runs started" in capsys.readouterr().out
    assert json.loads(unfinished.read_text())["test_f1"] == next(r for r in rows if r["seed"] == 2 and r["arm"] == "GERBERA")["test_f1"]

    # a printed command, copied from the report and run again, gives the reported score
    commands = re.findall(r"^(?:OMP_NUM_THREADS=\d+ )?(\S*python\S* \S*run_ner\.py .*)$", text, flags=re.MULTILINE)
    single_seed2 = next(c for c in commands if c.endswith("size0.5_seed2/single-task"))
    argv = shlex.split(single_seed2)
    assert argv[:2] == ["python", "run_ner.py"]  # from the repository's root, where the tests run
    argv[0] = sys.executable  # the reader's python (of the toolkit's environment)
    fresh = tmp_path / "again"
    argv[argv.index("--output_dir") + 1] = str(fresh)
    subprocess.run(argv, check=True, capture_output=True)
    again = json.loads((fresh / "all_results.json").read_text())
    reported = next(r for r in rows if r["seed"] == 2 and r["arm"] == "single-task")
    assert f"| 50% | 2 | {again['test_f1']:.4f} |" in text
    assert again["test_f1"] == reported["test_f1"]
    original = json.loads((work / "size0.5_seed2" / "single-task" / "all_results.json").read_text())
    assert again["test_loss"] == original["test_loss"]  # every flag that matters was printed

    # another setting in the same work dir is refused, not mixed with the old results
    with pytest.raises(SystemExit) as refused:
        experiment.main(experiment_args(tiny_bert, data_dir, work, report, ["--learning_rate", "0.001"]))
    assert refused.value.code == 1
    assert "holds a finished run of another command" in capsys.readouterr().err


def test_median_seed_and_interval():
    pairs = [(1, 0.60, 0.62), (2, 0.60, 0.59), (3, 0.60, 0.605), (4, 0.6, 0.7)]
    assert experiment_statistics.median_seed(pairs) == 3  # differences -1, +0.5, +2, +10 points: the lower middle one
    assert experiment_statistics.median_seed(pairs[:3]) == 3
    low, high = experiment_statistics.t_interval([0.01, 0.02, 0.03])
    assert low == pytest.approx(0.02 - 4.302653 * 0.01 / 3 ** 0.5, rel=1e-5)
    assert high == pytest.approx(0.02 + 4.302653 * 0.01 / 3 ** 0.5, rel=1e-5)
    assert experiment_statistics.t_interval([0.01]) is None


def test_general_fraction_per_size_and_same_passes(tmp_path, data_dir):
    args = experiment.build_parser().parse_args(
        ["--data_dir", str(data_dir), "--bio", "bio", "--general", "news", "--general_fraction", "0.04", "0.4",
         "--sizes", "0.1", "1", "--mt_epochs", "3", "--ft_epochs", "1.5", "--work_dir", str(tmp_path / "w")])
    plan = experiment.parse_plan(args)
    small, full = plan.runs(0.1, 7), plan.runs(1.0, 7)

    def flag(command, name):
        return command[command.index(name) + 1]

    assert flag(small["GERBERA multi-task"], "--data_list") == "bio:0.1+news:0.04"
    assert flag(full["GERBERA multi-task"], "--data_list") == "bio+news:0.4"
    assert flag(small["single-task"], "--num_train_epochs") == "4.5"
    assert flag(small["GERBERA multi-task"], "--num_train_epochs") == "3"
    assert flag(small["GERBERA"], "--num_train_epochs") == "1.5"
    for command in small.values():
        if "run_ner.py" in " ".join(command):
            for name in ("--per_device_train_batch_size", "--per_device_eval_batch_size", "--max_seq_length",
                         "--warmup_steps", "--learning_rate", "--seed", "--subset_seed", "--labels"):
                assert name in command
            # the subsets are the same for every seed, the batch order follows --seed (not one --data_seed for all)
            assert "--data_seed" not in command and command[command.index("--subset_seed") + 1] == "1"
            assert command[command.index("--seed") + 1] == "7"
    with pytest.raises(SystemExit):
        experiment.main(["--data_dir", str(data_dir), "--bio", "nope", "--work_dir", str(tmp_path / "w")])


# ---- the same-steps control (--equal_steps) -----------------------------------------------------------------------

def fake_finished_run(command, global_step):
    """A finished run of exactly this command, as run_ner.py and the experiment leave it: the recorded
    command, all_results.json, and the Trainer's trainer_state.json with its optimizer steps."""
    out = experiment_runs.output_dir(command)
    out.mkdir(parents=True, exist_ok=True)
    (out / experiment_runs.COMMAND_FILE).write_text(shlex.join(command) + "\n")
    (out / "all_results.json").write_text("{}")
    (out / "trainer_state.json").write_text(json.dumps({"global_step": global_step, "max_steps": global_step}))


def test_same_steps_control_takes_its_steps_from_the_gerbera_runs(tmp_path, data_dir, capsys):
    argv = ["--data_dir", str(data_dir), "--bio", "bio", "--general", "news", "--sizes", "0.5", "--seeds", "3",
            "--work_dir", str(tmp_path / "w"), "--train_args", "--bf16 false"]
    plan = experiment.parse_plan(experiment.build_parser().parse_args([*argv, "--equal_steps"]))
    without = experiment.parse_plan(experiment.build_parser().parse_args(argv)).runs(0.5, 3)
    assert list(plan.runs(0.5, 3)) == list(without)  # before the GERBERA runs finish, their steps are unknown
    experiment.main([*argv, "--equal_steps", "--dry_run"])
    printed = capsys.readouterr().out
    assert "single-task same steps (STEPS = the optimizer steps of the two GERBERA runs" in printed
    assert "--max_steps STEPS" in printed and "single-task-same-steps" in printed

    fake_finished_run(without["GERBERA multi-task"], 7)
    fake_finished_run(without["GERBERA"], 5)
    commands = plan.runs(0.5, 3)
    assert list(commands) == [*without, "single-task same steps"]  # it runs after the GERBERA runs
    assert {name: commands[name] for name in without} == without  # the other commands do not change
    control = commands["single-task same steps"]
    assert control[control.index("--max_steps") + 1] == "12"  # 7 multi-task + 5 fine-tuning steps, as the runs took
    assert str(experiment_runs.output_dir(control)).endswith("size0.5_seed3/single-task-same-steps")
    # the single-task recipe (same data, epochs, seed, flags) with --max_steps after the user's flags
    single = without["single-task"]
    assert control[:control.index("--max_steps")] == single[:single.index("--report_to")]
    assert control[control.index("--max_steps") + 2:-1] == single[single.index("--report_to"):-1]

    fake_finished_run(without["GERBERA"], 9)  # the steps are read from the runs, not computed from the data
    control = plan.runs(0.5, 3)["single-task same steps"]
    assert control[control.index("--max_steps") + 1] == "16"
    assert "single-task same steps" not in experiment.parse_plan(experiment.build_parser().parse_args(argv)).runs(0.5, 3)


@pytest.mark.slow
def test_same_steps_control_runs_and_is_reported(tiny_bert, data_dir, tmp_path, capsys):
    work, report = tmp_path / "runs", tmp_path / "report.md"
    argv = ["--data_dir", str(data_dir), "--bio", "bio", "--general", "news", "--sizes", "0.5", "--seeds", "1",
            "--model_name_or_path", str(tiny_bert), "--work_dir", str(work), "--report", str(report), "--resamples", "50",
            *TINY, "--equal_steps"]
    experiment.main(argv)
    assert "4 runs started" in capsys.readouterr().out  # single-task, GERBERA's two runs, then the control
    rows = json.loads((work / "results.json").read_text())
    assert [r["arm"] for r in rows] == ["single-task", "GERBERA", "single-task same steps"]

    def steps(folder):
        return json.loads((work / "size0.5_seed1" / folder / "trainer_state.json").read_text())["global_step"]

    gerbera_steps = steps("gerbera-multitask") + steps("gerbera")
    assert steps("single-task-same-steps") == gerbera_steps == rows[2]["optimizer_steps"]
    assert steps("single-task") != gerbera_steps  # the control differs from the same-passes single-task run
    assert f"--max_steps {gerbera_steps} " in (work / "size0.5_seed1" / "single-task-same-steps" / "experiment_command.txt").read_text()
    text = report.read_text()
    assert "Control, single-task with the same optimizer steps" in text
    assert "GERBERA's multi-task step adds optimizer steps on general-domain sentences" in text
    assert f"| {rows[2]['test_f1']:.4f} | {100 * (rows[1]['test_f1'] - rows[2]['test_f1']):+.2f} | {gerbera_steps} |" in text
    assert "# single-task same steps\n" in text and "(not finished yet)" not in text

    experiment.main(argv)  # resume: nothing runs again
    assert "0 runs started" in capsys.readouterr().out
    experiment.main([*argv, "--dry_run"])
    assert "single-task same steps (finished)\n" in capsys.readouterr().out

    # --report_only with a seed whose GERBERA runs have not finished (so the control's steps are unknown)
    experiment.main([*argv[:argv.index("--seeds") + 2], "2", *argv[argv.index("--seeds") + 2:], "--report_only"])
    assert "0 runs started, 3 results" in capsys.readouterr().out
    assert not (work / "size0.5_seed2").exists()


# ---- flags checked before any run starts (issues 24 and 25) -------------------------------------------------------

def dry_run(capsys, data_dir, tmp_path, *extra):
    experiment.main(["--data_dir", str(data_dir), "--bio", "bio", "--general", "news", "--sizes", "0.5", "--seeds", "1",
                     "--work_dir", str(tmp_path / "w"), "--dry_run", *extra])
    return capsys.readouterr().out


@pytest.mark.parametrize("extra, message", [
    (["--train_args", "--lerning_rate 0.1"], "--train_args: --lerning_rate is not a run_ner.py flag; did you mean --learning_rate?"),
    (["--train_args", "--max_step 5"], "--train_args: --max_step is not a run_ner.py flag; did you mean --max_steps?"),
    (["--train_args", "--bf16 maybe"], "--train_args: argument --bf16: Truthy value expected: got maybe"),
    (["--train_args", "--seed 3"], "--train_args: --seed is set in every run by --seeds: give it there"),
    (["--train_args", "--output_dir x"], "--train_args: --output_dir is set in every run by --work_dir: give it there"),
    (["--train_args", "--max_steps 50", "--equal_steps"], "--train_args: --max_steps cannot be combined with --equal_steps"),
    (["--bio", "bi"], "no dataset folder 'bi'; available: bio, bio2, news"),
    (["--sizes", "0"], "--sizes are shares of the biomedical train set, in (0, 1]"),
    (["--learning_rate", "0"], "--learning_rate must be above 0, not 0"),
    (["--mt_epochs", "-1"], "--mt_epochs must be above 0, not -1"),
    (["--per_device_train_batch_size", "0"], "--per_device_train_batch_size must be at least 1, not 0"),
    (["--resamples", "0"], "--resamples must be at least 1, not 0"),
    (["--general_fraction", "0"], "--general_fraction must be above 0"),
    (["--warmup_steps", "-2"], "--warmup_steps must be 0 or more, not -2"),
])
def test_bad_flags_are_one_line_errors_in_the_dry_run(capsys, data_dir, tmp_path, extra, message):
    with pytest.raises(SystemExit) as stopped:
        dry_run(capsys, data_dir, tmp_path, *extra)
    assert stopped.value.code == (1 if "no dataset folder" in message else 2)  # a failed run (1), a wrong flag (2)
    err = capsys.readouterr().err
    assert err.startswith("error: ") and message in err and err.count("\n") == 1
    assert not (tmp_path / "w" / "log.txt").exists()  # nothing ran


def test_max_steps_in_train_args_caps_every_run_without_the_control(capsys, data_dir, tmp_path):
    printed = dry_run(capsys, data_dir, tmp_path, "--train_args", "--max_steps 50 --bf16 false")
    commands = [line for line in printed.splitlines() if "run_ner.py" in line]
    assert len(commands) == 3 and all(shlex.split(c).count("--max_steps") == 1 for c in commands)


def test_paths_stay_as_given(capsys, data_dir, tmp_path):
    link = tmp_path / "linked"
    link.symlink_to(data_dir)
    printed = dry_run(capsys, link, tmp_path)
    assert f"--data_dir {link} " in printed and str(data_dir) not in printed
    first = shlex.split(next(line for line in printed.splitlines() if "run_ner.py" in line))
    assert first[:2] == ["python", "run_ner.py"]  # run from the repository's root: the script relative to it


def test_every_flag_has_help_with_its_default():
    text = experiment.build_parser().format_help()
    for action in experiment.build_parser()._actions:
        assert action.help, action.dest
    for shown in ("the runs' --seed, one set of runs each", "(default: [1, 2, 3])", "peak learning rate",
                  "(default: 0.0001)", "(default: 16)", "(default: 64)"):
        assert shown in " ".join(text.split()), shown


def test_subset_seed_keeps_the_subset_while_the_seed_orders_the_batches(data_dir):
    """run_ner.py's --subset_seed: the experiment's seeds train on one subset, each in its own batch order."""
    from types import SimpleNamespace

    from gerbera.commands import run_ner
    from gerbera.training.sampling import ShuffledLengthGroupedSampler, data_order_seed

    def subset(subset_seed, seed, data_seed=None):
        data_args = SimpleNamespace(data_dir=str(data_dir), subset_seed=subset_seed, entity_types=None)
        training = SimpleNamespace(seed=seed, data_seed=data_seed)
        (split,) = run_ner.read_training_splits(data_args, [("news", 0.5)], training)
        return [s.words for s in split.sentences]

    assert subset(1, 2) == subset(1, 3)  # the same subset for every seed
    subsets = {tuple(map(tuple, subset(s, 2))) for s in range(1, 7)}
    assert len(subsets) > 1  # ... chosen by the subset seed
    assert subset(None, 2, data_seed=4) == subset(4, 9)  # without it: --data_seed, as before
    # the batch order follows --seed when the experiment gives no --data_seed
    orders = {seed: list(ShuffledLengthGroupedSampler([5, 3, 8, 2, 7, 4, 6, 1] * 4, 2, data_order_seed(
        SimpleNamespace(seed=seed, data_seed=None)))) for seed in (1, 2)}
    assert orders[1] != orders[2]


def test_report_pages_and_commands_hold_only_this_reports_files_and_no_machine_paths(tmp_path, monkeypatch):
    """The median-seed pages: a stale page of this report goes, other reports' pages stay; the printed
    commands start with ``python`` and paths relative to the repository (here: a folder below it)."""
    import gerbera.reporting.experiment_report as experiment_report

    repository = tmp_path / "repo"
    (repository / "sub").mkdir(parents=True)
    monkeypatch.chdir(repository / "sub")
    words = [f"w{i}" for i in range(4)]
    for name, tags in (("a.txt", ["B", "O", "O", "O"]), ("b.txt", ["B", "I", "O", "O"])):
        Path(name).write_text("".join(f"{w} {g} {p}\n" for w, g, p in zip(words, ["B", "I", "O", "O"], tags)) + "\n")
    rows = [{"size": 0.1, "seed": 1, "arm": "single-task", "test_f1": 0.5, "predictions": "a.txt", "train_sentences": 1},
            {"size": 0.1, "seed": 1, "arm": "GERBERA", "test_f1": 1.0, "predictions": "b.txt"}]
    report = Path("docs") / "exp.md"
    report.parent.mkdir()
    others = [report.parent / "exp_v2_10pct_seed1.html", report.parent / "exp_old_10pct_seed2.html"]
    for other in others:
        other.write_text("another report's page")
    stale = report.parent / "exp_100pct_seed4.html"
    stale.write_text("stale")
    table = experiment_statistics.summary_rows(rows, [0.1])
    lines = "\n".join(experiment_report.median_seed_lines(rows, table, report, 50, repository))
    assert (report.parent / "exp_10pct_seed1.html").is_file() and not stale.exists()
    assert all(other.read_text() == "another report's page" for other in others)
    assert "cd sub  # from the repository's root\n$ python -m gerbera.compare a.txt b.txt" in lines
    assert str(tmp_path) not in lines and sys.executable not in lines
    plan = experiment.Plan(data_dir=Path("data"), bio="bio", general=["news"], general_fraction={0.1: 1.0}, sizes=[0.1],
                           seeds=[1], labels=Path("data/bio/labels.txt"), work_dir=Path("w"))
    setup = "\n".join(experiment_report.setup_lines(plan, ["--bio", "bio"], rows, "", repository))
    assert "cd sub  # from the repository's root\npython -m gerbera.experiment --bio bio" in setup
    assert str(tmp_path) not in setup and sys.executable not in setup


def test_the_report_says_in_which_precision_the_runs_trained(tmp_path):
    """The toolkit chooses bf16 where the hardware computes it natively, and the precision changes a
    run's F1: the report names it, from each run's record (the choice, or the flag given)."""
    from gerbera.reporting.experiment_report import precision_line

    def run(name, choices, *flags):
        out = tmp_path / name
        out.mkdir()
        (out / "run_record.json").write_text(json.dumps({"hardware_choices": choices}))
        return ["python", "run_ner.py", *flags, "--output_dir", str(out)]

    assert experiment_runs.training_precision(run("chosen", {"bf16": True, "use_cpu": True})) == "bf16"
    assert experiment_runs.training_precision(run("given", {}, "--bf16", "false", "--fp16", "true")) == "fp16"
    assert experiment_runs.training_precision(run("plain", {"use_cpu": True})) == "fp32"
    assert experiment_runs.training_precision(["python", "run_ner.py", "--output_dir", str(tmp_path / "none")]) is None
    assert "of the runs (their `run_record.json`): bf16. Without" in precision_line([{"precision": "bf16"}] * 3)
    mixed = precision_line([{"precision": "bf16"}, {"precision": "fp32"}, {"precision": "bf16"}])
    assert "bf16 (2 runs), fp32 (1 runs)" in mixed
