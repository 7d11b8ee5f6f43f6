"""What every command does with the command line a user types: flags spelled in full (an
abbreviation is refused, with the flag meant), a mistake told first and in one line, a command
line that asks for nothing refused, and help texts that list what the command uses and say what
the code does."""

import os
import subprocess
import sys

import pytest
import torch
from conftest import REPO

import run_eval
import run_ner
from gerbera.commands import compare, convert, experiment, inspect_data, run_predict
from gerbera.commands.arguments import make_parser, parse_arguments

# (command, an abbreviated or misspelled flag with the rest of a command line, the flag meant)
MISTAKES = [
    (run_ner.main, ["--output_dir", "o", "--do_train", "--dataloader_num_work", "0"], "--dataloader_num_workers"),
    (run_ner.main, ["--output_dir", "o", "--do_train", "--tf3", "false"], "--tf32"),
    (run_eval.main, ["--output_dir", "o", "--do_eval", "--eval_data", "bio"], "--eval_data_list"),
    (run_predict.main, ["--input", "a.txt", "--output", "b.tsv", "--input_form", "text"], "--input_format"),
    (inspect_data.main, ["--data_list", "bio", "--max_seq_len", "64"], "--max_seq_length"),
    (convert.main, ["a", "b", "--overwrit"], "--overwrite"),
    (compare.main, ["a.txt", "b.txt", "--resample", "10"], "--resamples"),
    (experiment.main, ["--bio", "bio", "--work_dir", "w", "--dry_ru"], "--dry_run"),
]


@pytest.mark.parametrize("main, argv, meant", MISTAKES, ids=lambda v: getattr(v, "__module__", None) or str(v)[:30])
def test_every_command_refuses_abbreviations_and_names_the_flag(main, argv, meant, tmp_path, capsys, monkeypatch):
    """An abbreviation argparse would accept is refused: the hardware defaults would override it
    (it does not count as given); the error names the flag meant, and comes without the usage."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as stop:
        main(argv)
    assert stop.value.code == 2
    err = capsys.readouterr().err
    first = err.strip().splitlines()[0]
    assert "unknown flag" in first and meant in first, err
    assert "usage:" not in err and len(err.strip().splitlines()) <= 2


def test_model_abbreviation_is_not_ambiguous_between_spellings(capsys):
    """``--model`` abbreviates one flag spelled two ways: it is refused, naming that one flag once."""
    with pytest.raises(SystemExit):
        run_ner.main(["--model", "m", "--output_dir", "o", "--do_train"])
    err = capsys.readouterr().err
    assert "ambiguous" not in err
    assert "did you mean --model_name_or_path?" in err and "--model-name-or-path" not in err


def test_misspelled_flag_error_is_first_in_a_real_process():
    result = subprocess.run([sys.executable, "run_ner.py", "--output_dir", "o", "--do_train", "--learning_rat", "1e-3"],
                            cwd=REPO, capture_output=True, text=True, env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert "--learning_rate" in lines[0] and len(lines) <= 2 and "Traceback" not in result.stderr


def test_a_value_that_starts_with_a_dash_still_works(data_dir, tmp_path, capsys):
    """Values are not flags: a negative number, a quoted list of flags (experiment's --train_args)."""
    *_, training_args = parse_arguments(["--output_dir", str(tmp_path), "--do_train", "--max_steps", "-1",
                                         "--report_to", "none"], "t")
    assert training_args.max_steps == -1
    experiment.main(["--bio", "bio", "--work_dir", str(tmp_path), "--general", "news", "--train_args", "--max_steps 2", "--dry_run",
                     "--data_dir", str(data_dir)])
    assert "--max_steps 2" in capsys.readouterr().out


@pytest.mark.parametrize("main, argv, flags", [
    (run_ner.main, [], "--do_train"),
    (run_ner.main, ["--labels", "none.txt"], "--do_train"),
    (run_eval.main, ["--eval_data_list", "bio"], "--do_eval"),
])
def test_a_command_line_that_asks_for_nothing_is_refused(main, argv, flags, tmp_path, capsys):
    """Without --do_train/--do_eval/--do_predict a run did nothing and exited 0 (all_results.json
    {}); without --labels it failed with a misleading "no tag set". Now: what is missing."""
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as stop:
        main(["--output_dir", str(out), *argv])
    assert stop.value.code == 2
    err = capsys.readouterr().err
    assert "nothing to do" in err and flags in err and "--do_predict" in err and "tag set" not in err
    assert not out.exists()


def help_of(command: str) -> str:
    parser = make_parser("description", command)
    return parser.format_help()


def test_run_eval_help_lists_what_run_eval_uses():
    text = help_of("run_eval")
    for flag in ("--model_name_or_path", "--eval_data_list", "--do_eval", "--do_predict", "--per_device_eval_batch_size",
                 "--output_dir", "--labels", "--scoring_precision"):
        assert flag in text
    for training_only in ("--learning_rate", "--num_train_epochs", "--data_list ", "--per_device_train_batch_size",
                          "--evaluate_during_training", "--save_steps", "--head "):
        assert training_only not in text, training_only
    assert len(text.splitlines()) < 250 and "Not directly used" not in text
    # still accepted, so that one flags file serves both commands
    parse_arguments(["--output_dir", "o", "--do_eval", "--per_device_train_batch_size", "16"], "d", "run_eval")


def test_action_flags_say_what_they_do():
    text = help_of("run_ner")
    assert "--learning_rate" in text and "--data_list" in text
    assert "Not directly used by Trainer" not in text
    assert "train.txt files of --data_list" in text and "test.txt files of --eval_data_list" in text


def test_fast_path_help_says_what_the_default_is(monkeypatch):
    """The help once said "on for training on one CUDA GPU" while the code left it off."""
    from gerbera.training.fast_path import fast_path_choices

    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)  # one CUDA GPU, one process, training
    on = fast_path_choices({"do_train": True, "fast_path": None}, set()).get("fast_path", False)
    [fast_path] = [a for a in make_parser("d")._actions if a.dest == "fast_path"]
    default_sentence = fast_path.help.split("Default: ", 1)[1]
    assert default_sentence.startswith("on for training on one CUDA GPU" if on else "off")


def test_every_inspection_flag_has_a_sentence_and_its_default():
    """--data_dir, --split and --max_seq_length had no help at all."""
    for action in inspect_data.build_parser()._actions:
        if action.dest == "help":
            continue
        assert action.help and len(action.help) > 20, action.dest
        if action.default is not None:
            assert f"default: {action.default}" in action.help, action.dest
