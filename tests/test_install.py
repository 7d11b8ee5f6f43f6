"""After the README's set-up (`make demo` / `make test`, whose install step is in the Makefile), the
commands the README names run from any folder in the venv it made: the console commands
(gerbera-train, gerbera-compare, ...) and ``python -m gerbera.compare`` (and .experiment,
.inspection). The Makefile's install line is run as written, in a fresh venv that sees this
environment's packages, without a network."""

import os
import re
import subprocess
import sys
import sysconfig
from pathlib import Path

from conftest import REPO


def makefile_install_line() -> str:
    lines = [line.strip() for line in (REPO / "Makefile").read_text().splitlines()]
    [line] = [line for line in lines if re.search(r"pip install .* -e \.$", line)]
    return line


def test_console_commands_run_from_any_folder_after_the_install_step(tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    (site / "this_environment.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")  # torch, transformers, pip
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PIP_NO_INDEX": "1", "PYTHONPATH": ""}  # no download, no checkout path
    install = makefile_install_line().replace("$(PY)", str(python))
    subprocess.run(install, shell=True, cwd=REPO, env=env, check=True, capture_output=True)

    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    section = (REPO / "pyproject.toml").read_text().split("[project.scripts]", 1)[1].split("\n[", 1)[0]
    scripts = re.findall(r"^(gerbera-[\w-]+) = ", section, flags=re.MULTILINE)  # (tomllib is Python 3.11+)
    assert {"gerbera-train", "gerbera-eval", "gerbera-predict", "gerbera-compare", "gerbera-inspect"} <= set(scripts)
    for name in scripts:
        assert (venv / "bin" / name).is_file(), name
    result = subprocess.run([venv / "bin" / "gerbera-compare", "--help"], cwd=elsewhere, env=env, capture_output=True, text=True)
    assert result.returncode == 0 and "usage:" in result.stdout, result.stderr
    # the short module names run from elsewhere too (gerbera.experiment and .inspection: light imports)
    for module in ("gerbera.experiment", "gerbera.inspection"):
        result = subprocess.run([python, "-m", module, "--help"], cwd=elsewhere, env=env, capture_output=True, text=True)
        assert result.returncode == 0 and "usage:" in result.stdout, (module, result.stderr)
