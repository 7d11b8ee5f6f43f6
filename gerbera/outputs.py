"""Result files, written atomically: a crash never leaves a half-written file that looks complete."""

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
