"""The input files of a corpus run: ``--input`` files, folders and quoted globs, and the output name of each.

- **Expansion** (:func:`expand_inputs`): a file is itself; a folder is every file under it
  (recursively, hidden files and folders left out); anything else is a glob (``*``, ``?``,
  ``[...]``, ``**``), expanded by Python's :mod:`glob`. A value that names nothing is an
  error, and so is a file named twice.
- **Names** (:attr:`InputFile.name`): a file's name inside the output folder keeps its path
  under the folder it was found in (``--input corpus/`` with ``corpus/2024/a.xml`` gives
  ``2024/a.xml``); a file given by name or glob keeps its file name. Two inputs with the same
  name are refused before any work.
- **Output names** (:func:`output_name`): the name without ``.gz`` and without its format's
  extension, plus the output format's extension; a file split into several parts gives one
  output per part, ``name.part0001.ext``, ``name.part0002.ext``, ... The run's own names are
  kept free: an input at the top of the folder named ``manifest.*`` keeps its extension
  (``manifest.txt`` gives ``manifest.txt.jsonl``), since ``manifest.jsonl`` is the run's manifest.

The files are sorted by name, so every process of a run sees the same list in the same order.
"""

from __future__ import annotations

import glob
import os
from dataclasses import dataclass
from pathlib import Path

from gerbera.errors import GerberaError

__all__ = ["InputFile", "OUTPUT_EXTENSIONS", "expand_inputs", "output_name"]

OUTPUT_EXTENSIONS = {"pubtator": ".pubtator", "jsonl": ".jsonl", "bioc-xml": ".xml", "bioc-json": ".json"}
_INPUT_EXTENSIONS = {
    ".pubtator", ".txt", ".xml", ".json", ".jsonl", ".bioc", ".conll", ".iob", ".iob2", ".bio", ".medline", ".text",
}
_GLOB_CHARACTERS = set("*?[")
_RESERVED_STEMS = {"manifest"}  # manifest.jsonl (gerbera.tagging.manifest.MANIFEST) is the run's


@dataclass(frozen=True)
class InputFile:
    """One file to tag: its path and its name in the output folder."""

    path: str
    name: str

    @property
    def size(self) -> int:
        return os.path.getsize(self.path)


def _hidden(relative: Path) -> bool:
    return any(part.startswith(".") for part in relative.parts)


def _folder_files(folder: Path, skip: Path | None) -> list[InputFile]:
    found = []
    for path in sorted(folder.rglob("*")):
        relative = path.relative_to(folder)
        if not path.is_file() or _hidden(relative):
            continue
        if skip is not None and (path.resolve() == skip or skip in path.resolve().parents):
            continue  # the output folder inside an input folder
        found.append(InputFile(str(path), relative.as_posix()))
    return found


def expand_inputs(values: list[str], output_folder: str | None = None) -> list[InputFile]:
    """The files of the ``--input`` values, sorted by name (see the module docstring)."""
    skip = Path(output_folder).resolve() if output_folder else None
    files: list[InputFile] = []
    for value in values:
        path = Path(value)
        if path.is_dir():
            found = _folder_files(path, skip)
            if not found:
                raise GerberaError(f"--input {value}: the folder holds no files")
        elif path.is_file():
            found = [InputFile(value, path.name)]
        elif _GLOB_CHARACTERS & set(value):
            found = [InputFile(match, Path(match).name) for match in sorted(glob.glob(value, recursive=True))
                     if Path(match).is_file()]
            if not found:
                raise GerberaError(f"--input {value}: the pattern matches no file")
        else:
            raise GerberaError(f"--input {value}: no such file or folder")
        files.extend(found)
    return _checked(files)


def _checked(files: list[InputFile]) -> list[InputFile]:
    by_path: dict[str, InputFile] = {}
    by_name: dict[str, InputFile] = {}
    unique = []
    for item in files:
        real = os.path.realpath(item.path)
        if real in by_path:
            continue  # the same file reached twice (a folder and a glob): tagged once
        clash = by_name.get(_stem(item.name))
        if clash is not None:
            raise GerberaError(
                f"--input: {clash.path} and {item.path} would both be written as {_stem(item.name)}.*; "
                "rename one, or give their folder so that their paths under it tell them apart"
            )
        by_path[real] = by_name[_stem(item.name)] = item
        unique.append(item)
    return sorted(unique, key=lambda item: item.name)


def _stem(name: str) -> str:
    """The name without ``.gz`` and a known input extension (kept where the stem is one of the run's own names)."""
    if name.lower().endswith(".gz"):
        name = name[:-3]
    root, extension = os.path.splitext(name)
    if root.lower() in _RESERVED_STEMS:
        return name if extension else f"{name}.input"
    return root if extension.lower() in _INPUT_EXTENSIONS and root else name


def output_name(input_name: str, output_format: str, part: int | None) -> str:
    """The output file of an input (``part``: 1-based, ``None`` for a file that is one part)."""
    suffix = "" if part is None else f".part{part:04d}"
    return f"{_stem(input_name)}{suffix}{OUTPUT_EXTENSIONS[output_format]}"
