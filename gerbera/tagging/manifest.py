"""The record of a corpus run in its output folder: what is finished, with which model and settings.

The output folder holds the outputs, ``manifest.jsonl`` and a ``.gerbera-predict`` folder:

- ``.gerbera-predict/settings.json``: the model (:mod:`gerbera.tagging.model_identity`: the
  hash of the files that make the tags, its path and each file's hash) and every option that
  shapes the output. A later run into the same folder with another model or other such options
  is refused, naming each difference (a model by its folder, and which of its files differ), so
  that one folder never mixes the outputs of two models.
- ``.gerbera-predict/units/*.json``: one record per finished unit, written (atomically) after
  its output file was renamed into place. A unit is finished when its record exists, its
  output file has the recorded size and its input the recorded content (size and hash, see
  :mod:`gerbera.fingerprints`); anything else is redone. The units of an input whose content
  changed are stale: each process removes the stale units it owns, output files first
  (:meth:`RunRecord.remove`). Each process writes only its own units' records, so processes
  never write the same file.
- ``manifest.jsonl``: every finished unit, one JSON object a line (input, part, documents,
  entities, words, seconds, model, output, the documents skipped as malformed), in input
  order. Each process rewrites it from the records when it stops (under a file lock, so the
  last one to stop writes the complete list); it is a view, rebuilt from the records by any run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
from pathlib import Path

from gerbera.errors import GerberaError
from gerbera.fingerprints import Fingerprint
from gerbera.outputs import atomic_write, read_json, write_json
from gerbera.tagging.model_identity import model_difference

__all__ = ["MANIFEST", "RunRecord", "STATE"]

MANIFEST = "manifest.jsonl"
STATE = ".gerbera-predict"
_SAID_BY_MODEL = ("model_path", "model_files", "model_paths")  # kept to name the model in a refusal; "model(s)" decides


def _models(settings: dict) -> str:
    """The models of a run with several (``--model``), by name and folder; or its one model."""
    if "models" not in settings:
        return f"model {settings.get('model_path') or settings.get('model')}"
    paths = settings.get("model_paths") or {}
    return "models " + " ".join(f"{name}={paths.get(name, identity)}" for name, identity in settings["models"].items())


def _difference(key: str, earlier: dict, settings: dict) -> str:
    if key == "model" and "model" in earlier and "model" in settings:
        return model_difference(earlier, settings)
    if key == "models" and earlier.get("model_paths") == settings.get("model_paths") and set(earlier.get("models") or {}) == set(
            settings.get("models") or {}):  # the same folders under the same names: a model changed in place
        changed = [name for name, identity in settings["models"].items() if earlier["models"][name] != identity]
        paths = settings.get("model_paths") or {}
        return "; ".join(f"the model {name}={paths.get(name)} changed since it tagged this folder (its weights, config "
                         "or tokenizer files differ)" for name in changed)
    if key in ("model", "models"):
        return f"{_models(earlier)} then, {_models(settings)} now"
    return f"--{key} {earlier.get(key)} then, --{key} {settings.get(key)} now"


class RunRecord:
    """The ``.gerbera-predict`` folder of one output folder."""

    def __init__(self, output_folder: str | os.PathLike):
        self.folder = Path(output_folder)
        self.state = self.folder / STATE
        self.units = self.state / "units"

    def check_settings(self, settings: dict) -> None:
        """Record ``settings``, or refuse when the folder holds output made with others."""
        path = self.state / "settings.json"
        if path.exists():
            earlier = read_json(path)
            differences = list(dict.fromkeys(  # one model set said once, though both its keys differ
                _difference(key, earlier, settings) for key in sorted(set(earlier) | set(settings))
                if key not in _SAID_BY_MODEL and earlier.get(key) != settings.get(key)))
            if differences:
                raise GerberaError(
                    f"--output {self.folder} holds output tagged with other settings ({'; '.join(differences)}): "
                    "tag into a new folder, or empty this one to start again"
                )
            return
        self.units.mkdir(parents=True, exist_ok=True)
        write_json(path, settings)  # every process writes the same content: the last rename wins harmlessly

    @staticmethod
    def _key(input_name: str) -> str:
        return hashlib.sha1(input_name.encode("utf-8")).hexdigest()[:16]

    def _record_path(self, input_name: str, part: int) -> Path:
        return self.units / f"{self._key(input_name)}.{part:04d}.json"

    def finished(self, input_name: str, part: int, content: Fingerprint) -> dict | None:
        """The record of a finished unit (``part`` 1-based) of the input as it is now (``content``),
        or None when it must be (re)done."""
        try:
            record = read_json(self._record_path(input_name, part))
        except (OSError, ValueError):
            return None
        output = self.folder / record.get("output", "")
        if record.get("input_name") != input_name or not content.same_content(recorded_content(record)):
            return None
        if not output.is_file() or output.stat().st_size != record.get("output_bytes"):
            return None
        return record

    def finish(self, record: dict) -> None:
        """Record a unit as finished (after its output is in place)."""
        record["output_bytes"] = (self.folder / record["output"]).stat().st_size
        write_json(self._record_path(record["input_name"], record["part"]), record)

    def units_of(self, input_name: str) -> list[dict]:
        """The records of an input's units, finished or stale, by part."""
        found = []
        for path in self.units.glob(f"{self._key(input_name)}.*.json"):
            with contextlib.suppress(OSError, ValueError):
                record = read_json(path)
                if record.get("input_name") == input_name:
                    found.append(record)
        return sorted(found, key=lambda record: record.get("part", 0))

    def remove(self, record: dict) -> str | None:
        """Remove a stale unit: its output file first (the name, if one was there), then its record."""
        output, removed = self.folder / record.get("output", ""), None
        inside = self.folder.resolve() in output.resolve().parents
        if inside and output.name != MANIFEST and STATE not in output.relative_to(self.folder).parts and output.is_file():
            output.unlink()
            removed = record["output"]
        self._record_path(record["input_name"], record["part"]).unlink(missing_ok=True)
        return removed

    def records(self) -> list[dict]:
        """Every finished unit's record, in input order."""
        found = []
        for path in self.units.glob("*.json") if self.units.is_dir() else ():
            with contextlib.suppress(OSError, ValueError):
                found.append(read_json(path))
        return sorted(found, key=lambda record: (record.get("input_name", ""), record.get("part", 0)))

    def write_manifest(self) -> int:
        """Rewrite ``manifest.jsonl`` from the records; the number of units it lists."""
        import fcntl

        self.state.mkdir(parents=True, exist_ok=True)
        with open(self.state / "lock", "a") as lock:
            with contextlib.suppress(OSError):  # a file system without locks: the rename still keeps it whole
                fcntl.flock(lock, fcntl.LOCK_EX)
            records = self.records()
            atomic_write(self.folder / MANIFEST, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
        return len(records)


def recorded_content(record: dict) -> Fingerprint | None:
    """The content of the input a unit was tagged from (None in a record of an earlier version: redone)."""
    return Fingerprint.from_record(record.get("input_fingerprint"))
