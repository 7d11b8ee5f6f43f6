"""gerbera.commands.experiment end to end on tiny models: runs, report, resume, and a printed command that
reproduces its reported score."""

import json
import re
import shlex
import subprocess

import pytest

import gerbera.commands.experiment as experiment

TINY = ["--mt_epochs", "2", "--ft_epochs", "2", "--learning_rate", "0.005", "--per_device_train_batch_size", "2",
        "--per_device_eval_batch_size", "4", "--max_seq_length", "32"]


def experiment_args(tiny_bert, data_dir, work, report, extra=()):
    return ["--data_dir", str(data_dir), "--bio", "bio", "--general", "news", "--general_fraction", "1",
            "--sizes", "0.5", "--seeds", "1", "2", "--cross", "bio2", "--model_name_or_path", str(tiny_bert),
            "--work_dir", str(work), "--report", str(report), "--resamples", "200", *TINY, *extra]


def test_experiment_runs_reports_resumes_and_reproduces(tiny_bert, data_dir, tmp_path, capsys):
    work, report = tmp_path / "runs", tmp_path / "docs" / "report.md"
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

    # resume: a second call starts nothing and writes the same numbers
    before = {p: p.stat().st_mtime_ns for p in work.rglob("all_results.json")}
    experiment.main(experiment_args(tiny_bert, data_dir, work, report))
    assert "0 runs started" in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in work.rglob("all_results.json")} == before

    # a printed command, copied from the report and run again, gives the reported score
    commands = re.findall(r"^(?:OMP_NUM_THREADS=\d+ )?(\S*python\S* \S*run_ner\.py .*)$", text, flags=re.MULTILINE)
    single_seed2 = next(c for c in commands if c.endswith("size0.5_seed2/single-task"))
    argv = shlex.split(single_seed2)
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
    assert refused.value.code == 2
    assert "holds a finished run of another command" in capsys.readouterr().err


def test_median_seed_and_interval():
    pairs = [(1, 0.60, 0.62), (2, 0.60, 0.59), (3, 0.60, 0.605), (4, 0.6, 0.7)]
    assert experiment.median_seed(pairs) == 3  # differences -1, +0.5, +2, +10 points: the lower middle one
    assert experiment.median_seed(pairs[:3]) == 3
    low, high = experiment.t_interval([0.01, 0.02, 0.03])
    assert low == pytest.approx(0.02 - 4.302653 * 0.01 / 3 ** 0.5, rel=1e-5)
    assert high == pytest.approx(0.02 + 4.302653 * 0.01 / 3 ** 0.5, rel=1e-5)
    assert experiment.t_interval([0.01]) is None


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
                         "--warmup_steps", "--learning_rate", "--seed", "--data_seed", "--labels"):
                assert name in command
    with pytest.raises(SystemExit):
        experiment.main(["--data_dir", str(data_dir), "--bio", "nope", "--work_dir", str(tmp_path / "w")])
