"""The code's layout rules, checked: the linter's findings, no import circle, the library never
reaching up into the commands, and modules a reader can take in at once."""

from __future__ import annotations

import ast
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "gerbera"
# The command-line programs and their shared argument and session code sit on top of the library;
# the three modules at the package's top level only start a command under its short name.
COMMAND_MODULES = ("gerbera.commands", "gerbera.certify", "gerbera.compare", "gerbera.experiment", "gerbera.heads_experiment",
                   "gerbera.inspection")
MAX_LINES = 300
LONGER_WITH_A_REASON: dict[str, str] = {}


def module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def imported_modules(path: Path, known: set[str]) -> set[str]:
    """The toolkit's modules a file imports, at the top or inside a function."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module] + [f"{node.module}.{alias.name}" for alias in node.names]
        elif isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        else:
            continue
        found.update(name for name in names if name in known)
    return found


def import_graph() -> dict[str, set[str]]:
    known = modules()
    names = set(known)
    # importing gerbera.a.b also runs gerbera.a's __init__: count only the module named
    return {name: imported_modules(path, names) - {name} for name, path in known.items()}


def test_ruff_finds_nothing():
    if importlib.util.find_spec("ruff") is None:
        pytest.skip("ruff is not installed here (requirements-dev.txt installs it)")
    result = subprocess.run([sys.executable, "-m", "ruff", "check", "--no-cache", "--output-format", "concise", "."],
                            cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_no_import_circle():
    graph = import_graph()
    finished, on_path = set(), []

    def visit(name: str) -> None:
        if name in on_path:
            circle = on_path[on_path.index(name):] + [name]
            pytest.fail("import circle: " + " -> ".join(circle))
        if name in finished:
            return
        on_path.append(name)
        for imported in sorted(graph[name]):
            visit(imported)
        on_path.pop()
        finished.add(name)

    for name in sorted(graph):
        visit(name)


def test_the_library_does_not_import_the_commands():
    def is_command(name: str) -> bool:
        return any(name == top or name.startswith(top + ".") for top in COMMAND_MODULES)

    upward = {name: sorted(filter(is_command, imported)) for name, imported in import_graph().items() if not is_command(name)}
    assert {name: found for name, found in upward.items() if found} == {}


def test_modules_stay_short():
    long = {name: len(path.read_text(encoding="utf-8").splitlines()) for name, path in modules().items()}
    long = {name: lines for name, lines in long.items() if lines > MAX_LINES and name not in LONGER_WITH_A_REASON}
    assert long == {}, f"modules over {MAX_LINES} lines (split them, or state the reason in LONGER_WITH_A_REASON)"


def test_every_module_says_what_it_is_for():
    missing = [name for name, path in modules().items() if not ast.get_docstring(ast.parse(path.read_text(encoding="utf-8")))]
    assert missing == []


@pytest.mark.parametrize("short_name", ["gerbera.compare", "gerbera.experiment", "gerbera.inspection"])
def test_the_short_command_names_the_readme_shows_start_their_commands(short_name):
    result = subprocess.run([sys.executable, "-m", short_name, "--help"], cwd=ROOT, capture_output=True, text=True,
                            env={**os.environ, "HF_HUB_OFFLINE": "1"})
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith(f"usage: python -m {short_name} ")


def test_the_tagging_package_gives_its_public_names():
    import gerbera.tagging as tagging
    from gerbera.tagging.entities import entity_spans
    from gerbera.tagging.tagger import Tagger

    assert tagging.Tagger is Tagger and tagging.entity_spans is entity_spans
    assert set(tagging.__all__) <= set(dir(tagging))
    with pytest.raises(AttributeError):
        tagging.NoSuchName  # noqa: B018
