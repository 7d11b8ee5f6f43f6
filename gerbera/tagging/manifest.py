"""The record of a corpus run in its output folder: what is finished, with which model and settings.

The output folder holds the outputs, ``manifest.jsonl`` and a ``.gerbera-predict`` folder:

- ``.gerbera-predict/settings.json``: the model (its name and a fingerprint of its files) and
  every option that shapes the output. A later run into the same folder with another model or
  other such options is refused, naming each difference, so that one folder never mixes the
  outputs of two models.
- ``.gerbera-predict/units/*.json``: one record per finished unit, written (atomically) after
  its output file was renamed into place. A unit is finished when its record exists, its
  output file has the recorded size and its input the recorded size; anything else is redone.
  Each process writes only its own units' records, so processes never write the same file.
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
from gerbera.outputs import atomic_write, read_json, write_json

__all__ = ["MANIFEST", "RunRecord", "model_fingerprint"]

MANIFEST = "manifest.jsonl"
STATE = ".gerbera-predict"
_MODEL_FILES = (".json", ".safetensors", ".bin", ".txt", ".model", ".pt")


def model_fingerprint(name: str) -> str:
    """A hash of a model folder's files (weights, config, tokenizer); a hub name stands for itself."""
    folder = Path(name)
    if not folder.is_dir():
        return f"name:{name}"
    digest = hashlib.sha256()
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix in _MODEL_FILES:
            digest.update(path.name.encode("utf-8") + b"\0")
            with open(path, "rb") as handle:
                for block in iter(lambda: handle.read(1 << 20), b""):
                    digest.update(block)
    return "sha256:" + digest.hexdigest()[:16]


def _describe(key: str, value) -> str:
    return f"--{key} {value}" if key != "model" else f"model {value}"


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
            differences = [
                f"{_describe(key, earlier.get(key))} then, {_describe(key, settings.get(key))} now"
                for key in sorted(set(earlier) | set(settings)) if earlier.get(key) != settings.get(key)
            ]
            if differences:
                raise GerberaError(
                    f"--output {self.folder} holds output tagged with other settings ({'; '.join(differences)}): "
                    "tag into a new folder, or empty this one to start again"
                )
            return
        self.units.mkdir(parents=True, exist_ok=True)
        write_json(path, settings)  # every process writes the same content: the last rename wins harmlessly

    def _record_path(self, input_name: str, part: int) -> Path:
        key = hashlib.sha1(input_name.encode("utf-8")).hexdigest()[:16]
        return self.units / f"{key}.{part:04d}.json"

    def finished(self, input_name: str, part: int, input_bytes: int) -> dict | None:
        """The record of a finished unit (``part`` 1-based), or None when it must be (re)done."""
        try:
            record = read_json(self._record_path(input_name, part))
        except (OSError, ValueError):
            return None
        output = self.folder / record.get("output", "")
        if record.get("input_name") != input_name or record.get("input_bytes") != input_bytes:
            return None
        if not output.is_file() or output.stat().st_size != record.get("output_bytes"):
            return None
        return record

    def finish(self, record: dict) -> None:
        """Record a unit as finished (after its output is in place)."""
        record["output_bytes"] = (self.folder / record["output"]).stat().st_size
        write_json(self._record_path(record["input_name"], record["part"]), record)

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
