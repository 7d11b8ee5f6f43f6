"""gerbera.heads_experiment end to end on a tiny model: GERBERA per corpus against one model with a
head per corpus, the report per type, a resume that starts nothing, and bad flags (issue 32, item 4)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import BIO_SENTENCES, write_dataset

from gerbera.commands import heads_experiment
from gerbera.reporting.heads_report import HEADS, PER_CORPUS, untyped_copy

GENES = [[(w, t if t == "O" else f"{t}-GENE") for w, t in s] for s in BIO_SENTENCES[1:] + BIO_SENTENCES[:1]]
TINY = ["--mt_epochs", "1", "--ft_epochs", "1", "--learning_rate", "0.005", "--per_device_train_batch_size", "2",
        "--per_device_eval_batch_size", "4", "--max_seq_length", "32", "--resamples", "200"]


def arguments(tiny_bert, data_dir, work, *extra):
    return ["--data_dir", str(data_dir), "--corpora", "bio=Disease", "genes", "--general", "news", "--size", "1",
            "--seeds", "1", "--model_name_or_path", str(tiny_bert), "--work_dir", str(work), *TINY, *extra]


@pytest.mark.slow
def test_both_recipes_run_and_are_compared_per_type(tiny_bert, data_dir, tmp_path, capsys):
    write_dataset(data_dir, "genes", GENES)
    work = tmp_path / "runs"
    rows = heads_experiment.main(arguments(tiny_bert, data_dir, work))
    assert "6 runs started" in capsys.readouterr().out  # 2 corpora x 2 steps + 2 steps with heads
    assert sorted((r["seed"], r["dataset"], r["arm"]) for r in rows) == sorted(
        (1, dataset, arm) for dataset in ("bio", "genes") for arm in (PER_CORPUS, HEADS))
    heads_config = json.loads((work / "seed1" / "heads" / "config.json").read_text())
    assert [(h["name"], h["dataset"], h["general"]) for h in heads_config["gerbera_heads"]] == [
        ("Disease", "bio", False), ("GENE", "genes", False), ("news", "news", True)]  # the general head kept
    for row in rows:  # each corpus scored with its own model or head, as the run itself scored it
        results = json.loads((work / f"seed{row['seed']}" / ("heads" if row["arm"] == HEADS else row["dataset"])
                              / "all_results.json").read_text())
        key = f"test_{row['dataset']}_f1" if row["arm"] == HEADS else "test_f1"
        assert row["test_f1"] == results[key]
    report = (work / "report.md").read_text()
    assert "| Disease (bio) | 1 |" in report and "| GENE (genes) | 1 |" in report
    assert "### GENE (genes), seed 1" in report and "$ python -m gerbera.compare" in report
    genes_heads = next(r for r in rows if r["dataset"] == "genes" and r["arm"] == HEADS)
    assert "B-GENE" in Path(genes_heads["predictions"]).read_text()
    assert "-GENE" not in Path(untyped_copy(genes_heads["predictions"])).read_text()  # compared as spans

    before = {p: p.stat().st_mtime_ns for p in work.rglob("all_results.json")}
    heads_experiment.main(arguments(tiny_bert, data_dir, work))  # finished runs are read back
    assert "0 runs started, 4 results" in capsys.readouterr().out
    assert {p: p.stat().st_mtime_ns for p in work.rglob("all_results.json")} == before


@pytest.mark.parametrize("corpora, message", [
    (["bio"], "bio is untyped; name its type"),
    (["genes=Gene"], "genes is typed (GENE); write genes alone"),
    (["bio=Disease", "bio=Other"], "each dataset and each type once"),
    (["nope=X"], "no dataset folder 'nope'"),
])
def test_bad_corpora_are_one_line_errors(corpora, message, data_dir, tmp_path, capsys):
    write_dataset(data_dir, "genes", GENES)
    with pytest.raises(SystemExit) as refused:
        heads_experiment.main(["--data_dir", str(data_dir), "--corpora", *corpora, "--general", "news", "--work_dir", str(tmp_path / "w"),
                               "--dry_run"])
    assert refused.value.code in (1, 2)
    assert message in capsys.readouterr().err


def test_each_corpus_gets_its_own_score_from_the_model_with_heads(data_dir, tmp_path):
    """The model with heads is scored on both corpora in one run: each row takes its corpus's own figures."""
    write_dataset(data_dir, "genes", GENES)
    args = heads_experiment.build_parser().parse_args(
        ["--data_dir", str(data_dir), "--corpora", "bio=Disease", "genes", "--general", "news", "--work_dir", str(tmp_path)])
    plan = heads_experiment.parse_plan(args)

    def scores(prefix, f1):
        return {f"{prefix}_f1": f1, f"{prefix}_precision": f1 + 0.01, f"{prefix}_recall": f1 - 0.01, "train_runtime": 10.0}

    results = {"bio multi-task": {"train_runtime": 5.0}, "bio fine-tuning": scores("test", 0.61),
               "genes multi-task": {"train_runtime": 5.0}, "genes fine-tuning": scores("test", 0.52),
               "heads multi-task": {"train_runtime": 20.0},
               "heads fine-tuning": {**scores("test", 0.55), **scores("test_bio", 0.6), **scores("test_genes", 0.5)}}
    rows = {(r["dataset"], r["arm"]): r for r in plan.rows(1, results)}
    assert rows[("bio", HEADS)]["test_f1"] == 0.6 and rows[("genes", HEADS)]["test_f1"] == 0.5
    assert rows[("bio", PER_CORPUS)]["test_f1"] == 0.61 and rows[("genes", PER_CORPUS)]["test_recall"] == 0.51
    assert rows[("genes", HEADS)]["predictions"].endswith("test_predictions_genes.txt")
    assert rows[("bio", HEADS)]["train_seconds"] == 30 and rows[("bio", PER_CORPUS)]["train_seconds"] == 15


def test_a_dry_run_writes_nothing_and_a_usage_error_loads_no_model_library(data_dir, tmp_path):
    """A typo on a busy machine must not cost the minutes torch and transformers take to import."""
    import subprocess
    import sys

    write_dataset(data_dir, "genes", GENES)
    probe = ("import sys\nfrom gerbera.commands.heads_experiment import cli\nsys.argv[1:] = {argv!r}\n"
             "status = cli()\nprint('status', status, 'torch' in sys.modules, 'transformers' in sys.modules)")
    work = tmp_path / "w"
    runs = {name: subprocess.run([sys.executable, "-c", probe.format(argv=argv)], capture_output=True, text=True, timeout=120)
            for name, argv in {"usage": ["--work_dir", str(work)],
                               "dry": ["--data_dir", str(data_dir), "--corpora", "bio=Disease", "genes", "--general", "news",
                                       "--work_dir", str(work), "--dry_run"]}.items()}
    assert "--corpora" in runs["usage"].stderr and "status 2 False False" in runs["usage"].stdout
    assert "status 0 False False" in runs["dry"].stdout and "run_ner.py --head corpus" in runs["dry"].stdout
    assert not work.exists()  # nothing written by a dry run
