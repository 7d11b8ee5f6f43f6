"""Result files: their names, and writing them atomically (a crash never leaves a half-written
file that looks complete).

Every result file that run_ner.py and run_eval.py write into ``--output_dir`` is named here, once:
the writers take their names from here, and a rerun removes the run before's files by the same
names (`result_file_patterns`), so a new kind of result file cannot be left out of the cleaning.
"""

from __future__ import annotations

import gzip
import io
import json
import os
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO

ALL_RESULTS = "all_results.json"
RESULTS_TABLE = "results.md"
MODEL_CARD = "README.md"  # run_ner.py's; with the two below, written only by a run that trains
TRAINER_STATE = "trainer_state.json"  # written by the Trainer
TRAINING_CURVES = "training_curves.png"
SCORED_SPLITS = ("eval", "test")  # the prefixes of the devel and test results
# Predictions: the words with their tags (column), and for corpora read from PubTator or BioC the
# mentions at document offsets, in the corpus's own format (gerbera.scoring.offset_scores).
PREDICTION_SUFFIXES = {"column": ".txt", "pubtator": ".pubtator", "bioc-xml": ".bioc.xml", "bioc-json": ".bioc.json"}


def results_name(prefix: str) -> str:
    """The scores of one scored split: ``eval_results.txt``, ``test_results.txt``."""
    return f"{prefix}_results.txt"


def predictions_name(prefix: str, dataset: str | None = None, fmt: str = "column") -> str:
    """``{prefix}_predictions[_{dataset}]{suffix}``: ``dataset`` where a group scores several."""
    return f"{prefix}_predictions{'_' + dataset if dataset else ''}{PREDICTION_SUFFIXES[fmt]}"


def result_file_patterns(training: bool) -> list[str]:
    """Glob patterns of every result file a run writes (with ``training``, run_ner.py's training
    results too): what a rerun removes before writing its own."""
    patterns = [ALL_RESULTS, RESULTS_TABLE]
    for prefix in SCORED_SPLITS:
        patterns.append(results_name(prefix))
        patterns += [f"{prefix}_predictions*{suffix}" for suffix in PREDICTION_SUFFIXES.values()]
    return patterns + ([MODEL_CARD, TRAINER_STATE, TRAINING_CURVES] if training else [])


@contextmanager
def atomic_open(path: str | os.PathLike, compress: bool = False) -> Iterator[TextIO]:
    """A text file to write: a temporary file beside ``path``, renamed into place when the block
    ends without an error, removed when it fails. ``compress``: gzip (the same bytes on every run)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.chmod(temporary, 0o666 & ~_umask())  # mkstemp makes it owner-only; results are shared as any file
        if compress:
            with os.fdopen(handle, "wb") as raw:
                with (gzip.GzipFile(filename="", fileobj=raw, mode="wb", mtime=0) as zipped,
                      io.TextIOWrapper(zipped, encoding="utf-8", newline="\n") as out):
                    yield out
                raw.flush()
                os.fsync(raw.fileno())
        else:
            with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
                yield out
                out.flush()
                os.fsync(out.fileno())
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def follow_umask(path: str | os.PathLike) -> None:
    """Give ``path`` the permissions of a file the process creates (0666 less the umask). safetensors
    writes model weights owner-only (0600); a model folder shared with a group must load for it."""
    os.chmod(path, 0o666 & ~_umask())


def _umask() -> int:
    """The process's umask, read from /proc where it is shown (setting it to read it would race
    with other threads creating files)."""
    try:
        with open("/proc/self/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except OSError:
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` atomically (see :func:`atomic_open`)."""
    with atomic_open(path) as out:
        out.write(text)


def write_key_values(path: str | os.PathLike, results: Mapping[str, object]) -> None:
    """The original's ``eval_results.txt`` format: one ``key = value`` line per metric."""
    atomic_write(path, "".join(f"{key} = {value}\n" for key, value in results.items() if not isinstance(value, dict)))


def write_json(path: str | os.PathLike, data: object) -> None:
    atomic_write(path, json.dumps(data, indent=2, sort_keys=False, ensure_ascii=False) + "\n")


def read_json(path: str | os.PathLike) -> dict:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)
