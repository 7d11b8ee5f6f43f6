"""Every toolkit command shown in the documentation still parses, and every link between the pages
still leads somewhere (issue 33, item 14).

The command lines of the fenced blocks of README.md, NERdata/README.md, bench/README.md and docs/,
and those shown in sentences as inline code (`tests/doc_pages.py` finds them), that invoke a toolkit
command -- ``python run_ner.py``, ``run_eval.py``, ``run_predict.py``, ``convert_checkpoint.py``, the ``gerbera-*`` commands,
``python -m gerbera.*``, also behind ``torchrun`` or ``accelerate launch`` -- are parsed in this
process by the command's own argument parser, with its rules (flags in full, the original's flags, a
``.json`` arguments file first, ``--help``): parse only, nothing is trained or read. A command whose
flags no longer parse fails the test with the page and line. ``...`` in a command stands for more
flags: such a command is checked flag by flag, not for being complete; the placeholders of the
generated reports (``--seed N``) are read as example values.

Whole runs of the commands shown are made elsewhere: the recipe's three steps on the demo data by
``make demo`` (scripts/demo.py) and tests/test_cli.py; tagging (`run_predict.py`, a file and a folder,
torchrun and --shard) by tests/test_predict.py, test_predict_corpus.py and test_distributed.py; the
console commands from another folder by tests/test_install.py; ``gerbera.experiment`` and
``gerbera.compare`` by tests/test_experiment.py and test_compare.py; ``convert_checkpoint.py`` by
tests/test_legacy.py; the corpora read as they come by tests/test_corpus_formats.py.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import re
import runpy
import sys
from pathlib import Path

import pytest
from doc_pages import (
    REPO,
    CommandLine,
    anchors,
    command_lines,
    documentation_pages,
    inline_command_lines,
    links,
    shown,
    words,
)

SCRIPTS = {"run_ner.py": "run_ner", "run_eval.py": "run_eval", "run_predict.py": "run_predict",
           "convert_checkpoint.py": "convert"}
CONSOLE = {"gerbera-train": "run_ner", "gerbera-eval": "run_eval", "gerbera-predict": "run_predict",
           "gerbera-convert": "convert", "gerbera-convert-corpus": "convert_corpus", "gerbera-compare": "compare",
           "gerbera-experiment": "experiment", "gerbera-inspect": "inspect", "gerbera-certify": "certify"}
MODULES = {"gerbera.compare": "compare", "gerbera.experiment": "experiment", "gerbera.inspection": "inspect",
           "gerbera.certify": "certify", "gerbera.heads_experiment": "heads_experiment",
           **{f"gerbera.commands.{name}": name for name in
              ("run_ner", "run_eval", "run_predict", "convert", "convert_corpus", "compare", "experiment", "certify",
               "heads_experiment")},
           "gerbera.commands.inspect_data": "inspect"}
PLACEHOLDERS = {"N": "1", "S": "0.1", "C": "0.04"}  # docs/EXPERIMENTS.md: seed N, size S, CoNLL2003 fraction C


class Parsed(BaseException):
    """Raised in place of the conversion once convert_checkpoint.py's flags have parsed."""


def invocation(argv: list[str]) -> tuple[str, list[str]] | None:
    """(command, its arguments) of a command line that runs a toolkit command, else None; an
    unknown ``gerbera-*`` command or ``gerbera.*`` module gives ('unknown:NAME', ...)."""
    for index, word in enumerate(argv):
        if Path(word).name in SCRIPTS and word.endswith(".py"):
            return SCRIPTS[Path(word).name], argv[index + 1:]
        if word in CONSOLE:
            return CONSOLE[word], argv[index + 1:]
        if word.startswith("gerbera-") and index == 0 and "*" not in word:  # `gerbera-*` names them all
            return f"unknown:{word}", argv[index + 1:]
        if word == "-m" and index + 1 < len(argv) and argv[index + 1].startswith("gerbera") and "*" not in argv[index + 1]:
            return MODULES.get(argv[index + 1], f"unknown:{argv[index + 1]}"), argv[index + 2:]
    return None


def _training_parser(command: str):
    from gerbera.commands import arguments, run_eval, run_ner
    description = run_ner.DESCRIPTION if command == "run_ner" else run_eval.DESCRIPTION
    return arguments.make_parser(description, command)


PARSERS: dict[str, object] = {}


def parse(command: str, argv: list[str], complete: bool, monkeypatch) -> None:
    """Parse ``argv`` as ``command`` does; raises what the command would report."""
    if command in ("run_ner", "run_eval"):
        from gerbera.commands.arguments import check_something_asked
        if command not in PARSERS:  # built once: TrainingArguments has some 150 flags
            PARSERS[command] = _training_parser(command)
        parser = PARSERS[command]
        if argv and argv[0].endswith(".json"):  # an arguments file or run record: the flags after it
            argv, complete = argv[1:], False
        values = vars(parser.parse_args(argv))
        if complete:
            check_something_asked(values, command)
    elif command == "run_predict":
        from gerbera.commands.run_predict import make_parser
        make_parser().parse_args_into_dataclasses(argv)
    elif command in ("compare", "experiment", "inspect", "certify", "heads_experiment"):
        from gerbera.commands import certify, compare, experiment, heads_experiment, inspect_data
        module = {"compare": compare, "experiment": experiment, "inspect": inspect_data, "certify": certify,
                  "heads_experiment": heads_experiment}[command]
        module.build_parser().parse_args(argv)
    elif command == "convert_corpus":
        from gerbera.commands.convert_corpus import parse_args
        parse_args(argv)
    elif command == "convert":
        from gerbera.commands import convert

        def parsed(*args, **kwargs):
            raise Parsed
        monkeypatch.setattr(convert, "convert_checkpoint", parsed)
        with contextlib.suppress(Parsed):
            convert.main(argv)
    else:
        raise SystemExit(f"{command.split(':', 1)[1]}: not a toolkit command")


def problem(line: CommandLine, monkeypatch) -> str | None:
    """What is wrong with a documented command line (None when it parses or runs no toolkit command)."""
    try:
        argv = words(line.text)
    except ValueError as error:  # unbalanced quotes
        return f"{error}" if any(name in line.text for name in (*SCRIPTS, *CONSOLE, "-m gerbera")) else None
    found = invocation(argv)
    if found is None:
        return None
    command, arguments = found
    if line.inline and not arguments and not command.startswith("unknown:"):  # a name in a sentence (`gerbera-train`)
        return None
    complete = "..." not in arguments
    arguments = [PLACEHOLDERS.get(word, word) for word in arguments if word != "..."]
    stderr = io.StringIO()
    try:
        with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
            parse(command, arguments, complete, monkeypatch)
    except SystemExit as stop:
        if stop.code in (0, None):  # --help, --version
            return None
        said = stderr.getvalue().strip().splitlines()
        return said[0] if said else str(stop.code)
    except Exception as error:  # whatever the parser raises is the finding
        return f"{type(error).__name__}: {error}"
    return None


def problems(pages: list[Path], monkeypatch) -> tuple[list[str], int]:
    """'page:line: command -> what is wrong' for each documented command that does not parse, and
    the number of toolkit commands checked."""
    found, checked = [], 0
    for page in pages:
        for line in command_lines(page) + inline_command_lines(page):
            with contextlib.suppress(ValueError):
                checked += invocation(words(line.text)) is not None
            said = problem(line, monkeypatch)
            if said:
                found.append(f"{line.where()}: {line.text[:100]} -> {said}")
    return found, checked


def test_every_documented_command_parses(monkeypatch):
    found, checked = problems(documentation_pages(), monkeypatch)
    assert not found, "documented commands that no longer parse:\n" + "\n".join(found)
    assert checked >= 60  # the extraction finds the commands (README, docs/, the generated reports)
    readme = [invocation(words(line.text)) for line in command_lines(REPO / "README.md")]
    assert [found[0] for found in readme if found] == ["run_ner", "run_ner", "run_eval", "run_predict"]


def test_a_misspelled_flag_in_a_page_is_named_with_its_line(tmp_path, monkeypatch):
    page = tmp_path / "page.md"
    page.write_text(
        "# A page\n\n```\n"
        "python run_ner.py --data_dir NERdata/ --data_lists A --do_train --output_dir out\n"  # line 4
        "python run_eval.py --model ./m --do_eval --output_dir out\n"  # abbreviated flag
        "gerbera-predict --input a.txt --output b.jsonl --batch_size many\n"  # a value of the wrong type
        "torchrun --nproc_per_node 2 run_ner.py --data_dir \\\n  NERdata/ --output_dir out\n"  # asks nothing
        "python -m gerbera.compare a b --htm x.html\n"
        "python convert_checkpoint.py OLD NEW --overwrite_it\n"
        "gerbera-nonsense --flag\n"
        "python run_ner.py args.json --output_dir NEW ...\n"  # fine: an arguments file, more flags
        "python run_ner.py --help\n"  # fine
        "make demo\n"  # not a toolkit command
        "```\n\n"
        "In a sentence: `gerbera-train`, `python run_ner.py --do_trian --output_dir out`, and\n"  # line 17
        "`gerbera-convert-corpus IN OUT [--entity_types T] [--untyped]`; `python -m gerbera.inspect`.\n")
    found, checked = problems([page], monkeypatch)
    assert checked == 13
    lines = [entry.split(":")[1] for entry in found]
    assert lines == ["4", "5", "6", "7", "9", "10", "11", "17", "18"], found
    assert "--data_lists" in found[0] and "did you mean --data_list" in found[0]
    assert "--model" in found[1] and "nothing to do" in found[3]


def broken_links(pages: list[Path]) -> list[str]:
    """'page:line: target -> why' for each link to a file that is not there, or to a heading its
    page does not have."""
    broken = []
    for page in pages:
        for number, target in links(page):
            if target.startswith(("http://", "https://", "mailto:")):
                continue
            path, _, anchor = target.partition("#")
            linked = (page.parent / path).resolve() if path else page
            where = f"{shown(page)}:{number}: {target}"
            if not linked.exists():
                broken.append(f"{where} -> no such file")
            elif anchor and linked.suffix == ".md" and anchor not in anchors(linked):
                broken.append(f"{where} -> no heading '#{anchor}' in {shown(linked)}")
    return broken


def test_links_between_pages_resolve():
    broken = broken_links(documentation_pages())
    assert not broken, "broken links:\n" + "\n".join(broken)


def test_a_broken_link_or_anchor_is_named_with_its_line(tmp_path):
    (tmp_path / "other.md").write_text("# Other\n\n## A section: `code`\n")
    page = tmp_path / "page.md"
    page.write_text("# Page\n\n[fine](other.md#a-section-code), [here](#page), `[not a link](nowhere.md)`\n"
                    "[gone](missing.md) and ![image](other.md#a-section)\n[self](#nope) [web](https://example.org/x.md)\n")
    assert [entry.split(": ", 1)[0].rsplit(":", 1)[1] for entry in broken_links([page])] == ["4", "4", "5"]


def script_problem(line: CommandLine, monkeypatch) -> str | None:
    """What is wrong with a documented line that runs one of the repository's own scripts (bench/,
    scripts/, experiments/, NERdata/make_demo.py) or a make target: the script must exist and its
    flags parse (the script is run up to its argument parser, in this process), the target exist."""
    try:
        argv = words(line.text)
    except ValueError:
        return None
    if argv[:1] == ["make"]:
        targets = set(re.findall(r"^([\w-]+):", (REPO / "Makefile").read_text(), re.MULTILINE))
        missing = [word for word in argv[1:] if "=" not in word and word not in targets]
        return f"no make target {missing[0]}" if missing else None
    script = next((index for index, word in enumerate(argv) if word.endswith((".py", ".sh"))
                   and not word.startswith("-") and Path(word).parts[0] in ("bench", "scripts", "experiments", "NERdata")),
                  None)
    if script is None:
        return None
    path = REPO / argv[script]
    if not path.exists():
        return f"no such script {argv[script]}"
    if path.suffix != ".py":
        return None
    original = argparse.ArgumentParser.parse_args

    def parse_then_stop(parser, args=None, namespace=None):
        original(parser, args, namespace)
        raise Parsed
    stderr = io.StringIO()
    with monkeypatch.context() as patch:
        patch.setattr(argparse.ArgumentParser, "parse_args", parse_then_stop)
        patch.setattr(sys, "argv", [str(path), *[PLACEHOLDERS.get(word, word) for word in argv[script + 1:]]])
        patch.syspath_prepend(str(path.parent))
        try:
            with contextlib.redirect_stderr(stderr), contextlib.redirect_stdout(io.StringIO()):
                runpy.run_path(str(path), run_name="__main__")
        except Parsed:
            return None
        except SystemExit as stop:
            said = stderr.getvalue().strip().splitlines()
            return None if stop.code in (0, None) else (said[-1] if said else str(stop.code))
    return "ran past its argument parser"


def script_problems(pages: list[Path], monkeypatch) -> list[str]:
    return [f"{line.where()}: {line.text[:100]} -> {said}" for page in pages
            for line in command_lines(page) + inline_command_lines(page) if (said := script_problem(line, monkeypatch))]


def test_every_documented_script_and_make_target_exists_and_parses(monkeypatch):
    found = script_problems(documentation_pages(), monkeypatch)
    assert not found, "documented scripts or make targets that do not run:\n" + "\n".join(found)


def test_a_misspelled_script_flag_or_target_is_named_with_its_line(tmp_path, monkeypatch):
    page = tmp_path / "page.md"
    page.write_text("```\n.venv/bin/python bench/speed.py --quik\npython bench/speed.py --quick   # fine\n"
                    "python NERdata/make_demo.py --seed N\nbash bench/gpu_chek.sh\nmake demo\nmake dmo\n"
                    "python experiments/gerbera_small.py --sizes 0.1 --seedz 1\n```\n")
    found = script_problems([page], monkeypatch)
    assert [entry.split(":")[1] for entry in found] == ["2", "5", "7", "8"], found
    assert "--quik" in found[0] and "gpu_chek.sh" in found[1] and "dmo" in found[2] and "--seedz" in found[3]


@pytest.mark.parametrize(("heading", "slug"), [
    ("Both recipes on your corpus: `gerbera.experiment`", "both-recipes-on-your-corpus-gerberaexperiment"),
    ("Long runs, several GPUs", "long-runs-several-gpus"),
    ("Tagging a corpus: a folder in, a folder out", "tagging-a-corpus-a-folder-in-a-folder-out"),
])
def test_anchors_are_githubs(tmp_path, heading, slug):
    page = tmp_path / "p.md"
    page.write_text(f"# Title\n\n## {heading}\n\n```\n## not a heading\n```\n")
    assert anchors(page) == {"title", slug}
