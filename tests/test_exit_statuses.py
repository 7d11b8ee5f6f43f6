"""What every installed ``gerbera-*`` command exits with, as a shell script sees it (issue 33, item 1):
0 when it did its job, 1 when it failed (bad input), 2 for a wrong command line, and never a
Python dict on stderr (a console script passes what its function returns to ``sys.exit``).

The matrix runs the installed wrapper scripts (``.venv/bin/gerbera-*``, as pip wrote them from
pyproject.toml) in this process with `runpy`, and ends it as Python ends a process: the exit status
is what ``SystemExit`` carries (``None`` is 0, anything that is not an int is printed and gives 1).
One test runs real processes from a ``set -e`` shell script."""

from __future__ import annotations

import os
import re
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import BIO_SENTENCES, REPO, write_dataset
from test_legacy import make_original_checkpoint
from test_predict import UNTYPED, make_head

from gerbera.commands import exits
from gerbera.errors import GerberaError, UsageError

BIN = Path(sys.executable).parent
COMMANDS = ["gerbera-train", "gerbera-eval", "gerbera-predict", "gerbera-inspect", "gerbera-convert",
            "gerbera-convert-corpus", "gerbera-compare", "gerbera-experiment", "gerbera-certify"]
QUICK = ["--max_steps", "1", "--per_device_train_batch_size", "4", "--per_device_eval_batch_size", "4",
         "--save_strategy", "no", "--report_to", "none", "--disable_tqdm", "true", "--max_seq_length", "64"]


@pytest.fixture(scope="module")
def tagged_model(tiny_bert, tmp_path_factory):
    return make_head(tiny_bert, tmp_path_factory.mktemp("exits") / "model", UNTYPED, favour="I")


def run_installed(name: str, args, monkeypatch, capsys) -> tuple[int, str]:
    """Run the installed command ``name`` with ``args``: its exit status and stderr."""
    script = BIN / name
    monkeypatch.setattr(sys, "argv", [str(script), *map(str, args)])
    try:
        runpy.run_path(str(script), run_name="__main__")
        code = None
    except SystemExit as stop:
        code = stop.code
    if code is not None and not isinstance(code, int):  # as Python does on the way out
        print(code, file=sys.stderr)
        code = 1
    return code or 0, capsys.readouterr().err


def cases(name: str, paths: dict) -> dict[str, list]:
    """For each command: arguments that succeed, that fail on bad input, and a wrong command line."""
    data, model, tmp = paths["data_dir"], paths["model"], paths["tmp"]
    train = ["--model_name_or_path", paths["tiny_bert"], "--data_dir", data, "--output_dir", tmp / "run", *QUICK]
    evaluate = ["--model_name_or_path", model, "--data_dir", data, "--output_dir", tmp / "eval", "--report_to", "none",
                "--disable_tqdm", "true", "--max_seq_length", "64"]
    experiment = ["--data_dir", data, "--bio", "bio", "--general", "news", "--sizes", "0.5", "--seeds", "1",
                  "--work_dir", tmp / "w", "--dry_run"]
    inside = write_dataset(tmp / "certify", "inside", BIO_SENTENCES,  # gold as the model tags: one entity a sentence
                           test=[[(word, "I") for word, _ in sentence] for sentence in BIO_SENTENCES]).parent
    certify = ["--model_name_or_path", model, "--data_dir", inside, "--settings", "bf16", "--rounds", "1", "--resamples", "10"]
    return {
        "gerbera-train": {"success": [*train, "--data_list", "bio", "--do_train"],
                          "failure": [*train, "--data_list", "nosuch", "--do_train"],
                          "usage": [*train, "--do_train"]},  # --do_train without --data_list
        "gerbera-eval": {"success": [*evaluate, "--eval_data_list", "bio", "--do_eval"],
                         "failure": [*evaluate, "--eval_data_list", "nosuch", "--do_eval"],
                         "usage": [*evaluate, "--eval_data_list", "bio"]},  # nothing to do
        "gerbera-predict": {"success": ["--model_name_or_path", model, "--input", paths["text"], "--output", tmp / "e.jsonl",
                                        "--disable_tqdm"],
                            "failure": ["--model_name_or_path", model, "--input", tmp / "nosuch.txt", "--output",
                                        tmp / "f.jsonl", "--disable_tqdm"],
                            "usage": ["--model_name_or_path", model, "--input", paths["text"], "--output", tmp / "g.jsonl",
                                      "--part_documents", "0"]},
        "gerbera-inspect": {"success": ["--data_dir", data, "--data_list", "bio", "--model_name_or_path", paths["tiny_bert"]],
                            "failure": ["--data_dir", data, "--data_list", "nosuch", "--model_name_or_path", paths["tiny_bert"]],
                            "usage": ["--data_dir", data]},  # --data_list is required
        "gerbera-convert": {"success": [paths["original"], tmp / "converted"],
                            "failure": [paths["tiny_bert"], tmp / "not-converted"],  # needs no conversion
                            "usage": [paths["original"]]},
        "gerbera-convert-corpus": {"success": [data / "bio" / "train.txt", tmp / "train.pubtator"],
                                   "failure": [data / "nosuch.txt", tmp / "x.pubtator"],
                                   "usage": [data / "bio" / "train.txt", tmp / "y.txt", "--to", "xml"]},
        "gerbera-compare": {"success": [paths["predictions"], paths["predictions"], "--resamples", "10"],
                            "failure": [paths["predictions"], tmp / "nosuch.txt", "--resamples", "10"],
                            "usage": [paths["predictions"], paths["predictions"], "--confidence", "95"]},
        "gerbera-certify": {"success": [*certify, "--data_list", "inside"],
                            "failure": [*certify, "--data_list", "nosuch"],
                            "usage": [*certify, "--data_list", "inside", "--rounds", "0"]},
        "gerbera-experiment": {"success": experiment,
                               "failure": [*experiment, "--general", "nosuch"],
                               "usage": [*experiment, "--sizes", "2"]},
    }[name]


@pytest.fixture
def paths(tmp_path, data_dir, tiny_bert, tagged_model, tmp_path_factory):
    text = tmp_path / "abstracts.txt"
    text.write_text("Huntington disease is inherited.\nNo tumour was found.\n", encoding="utf-8")
    predictions = tmp_path / "test_predictions.txt"
    predictions.write_text("".join("".join(f"{w} {t} {t}\n" for w, t in s) + "\n" for s in BIO_SENTENCES), encoding="utf-8")
    original = tmp_path_factory.getbasetemp() / "exits-original" / "BERT-ncbi"
    if not original.is_dir():
        make_original_checkpoint(tiny_bert, original, "bert")
    return {"data_dir": data_dir, "tiny_bert": tiny_bert, "model": tagged_model, "tmp": tmp_path, "text": text,
            "predictions": predictions, "original": original}


def test_every_command_is_installed_with_its_exit_status(monkeypatch, capsys):
    section = (REPO / "pyproject.toml").read_text().split("[project.scripts]", 1)[1].split("\n[", 1)[0]
    entries = dict(re.findall(r'^(gerbera-[\w-]+) = "([\w.:]+)"', section, flags=re.MULTILINE))
    assert sorted(entries) == sorted(COMMANDS)
    for name, target in entries.items():
        assert target.endswith(":cli"), f"{name} = {target}: the console command must return an exit status"
        installed = (BIN / name).read_text()
        module, function = target.split(":")
        assert f"from {module} import {function}" in installed, f"{BIN / name} is stale: reinstall (make install)"


@pytest.mark.parametrize("outcome, status", [("success", 0), ("failure", 1), ("usage", 2)])
@pytest.mark.parametrize("name", COMMANDS)
def test_installed_commands_exit_0_1_2_without_a_dict_on_stderr(name, outcome, status, paths, monkeypatch, capsys):
    monkeypatch.chdir(paths["tmp"])
    code, err = run_installed(name, cases(name, paths)[outcome], monkeypatch, capsys)
    assert code == status, err[-3000:]
    assert not re.search(r"^\{|\{'", err, flags=re.MULTILINE), err[-3000:]  # no results dict printed by sys.exit
    assert "Traceback" not in err
    if outcome != "success":
        assert "error: " in "\n".join(err.strip().splitlines()[-2:])  # one line (and where to find the flags)


def test_scripts_and_modules_start_the_same_entry_point():
    """``python run_ner.py`` and ``python -m gerbera.compare`` (every module that runs as a program)
    exit with what ``cli()`` returns, as the installed command does."""
    starters = [REPO / name for name in ("run_ner.py", "run_eval.py", "run_predict.py", "convert_checkpoint.py")]
    starters += [path for path in (REPO / "gerbera").rglob("*.py") if '__name__ == "__main__"' in path.read_text()]
    assert len(starters) >= 4 + 3 + 8
    for path in starters:
        assert path.read_text().endswith('if __name__ == "__main__":\n    raise SystemExit(cli())\n'), path


def test_exit_status_of_errors_and_ctrl_c(capsys):
    def raising(error):
        def main(argv=None):
            with exits.user_errors():
                raise error
        return main

    assert exits.exit_status(lambda argv=None: {"results": 1}) == 0
    assert exits.exit_status(raising(GerberaError("bad file"))) == 1
    assert exits.exit_status(raising(UsageError("bad flag"))) == 2
    assert exits.exit_status(raising(KeyboardInterrupt())) == 130
    err = capsys.readouterr().err
    assert "error: bad file" in err and "error: bad flag" in err and "Stopped by SIGINT" in err
    assert "Traceback" not in err


def test_a_set_e_shell_script_runs_the_installed_commands(tmp_path, tagged_model, data_dir):
    """Real processes, as a shell script, a Makefile or a scheduler's ``afterok`` sees them: a good
    run lets the script go on; a bad one stops it with 1."""
    script = tmp_path / "job.sh"
    script.write_text(
        "set -e\n"
        f'gerbera-convert-corpus "{data_dir}/bio/test.txt" test.pubtator > /dev/null\n'
        f'gerbera-predict --model_name_or_path "{tagged_model}" --input test.pubtator --output tagged.jsonl '
        "--disable_tqdm 2> predict.err\n"
        "echo chained > chained.txt\n"
        "gerbera-convert-corpus nosuch.txt x.pubtator 2> failed.err || echo $? > failed.txt\n",
        encoding="utf-8",
    )
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(["bash", str(script)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr[-3000:]
    assert (tmp_path / "chained.txt").is_file() and (tmp_path / "tagged.jsonl").is_file()
    assert (tmp_path / "failed.txt").read_text().strip() == "1"
    for log in ("predict.err", "failed.err"):
        assert not re.search(r"^\{|\{'", (tmp_path / log).read_text(), flags=re.MULTILINE)


@pytest.mark.parametrize("flags", [["--batch_size", "0"], ["--shard", "abc"], ["--shard", "3/2"], ["--shard", "0/0"]])
def test_flag_values_out_of_range_are_usage_errors(flags, paths, monkeypatch, capsys):
    """Seams trial: these exited 1, as if the input had been bad."""
    args = ["--model_name_or_path", paths["model"], "--input", paths["text"], "--output", paths["tmp"] / "out/", *flags]
    code, err = run_installed("gerbera-predict", args, monkeypatch, capsys)
    assert code == 2 and "error: " in err, err[-2000:]


def test_unknown_keys_of_an_arguments_file_are_a_usage_error(paths, monkeypatch, capsys):
    arguments = paths["tmp"] / "args.json"
    arguments.write_text('{"bogus_key": 1, "do_train": true, "output_dir": "x"}', encoding="utf-8")
    code, err = run_installed("gerbera-train", [arguments], monkeypatch, capsys)
    assert code == 2 and "unknown arguments: bogus_key" in err, err[-2000:]
