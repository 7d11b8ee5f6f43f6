"""One identity for an input file: its content, fingerprinted at most once per file per run.

A :class:`Fingerprint` is a file's size, modification time and the SHA-256 of its bytes. Two
fingerprints are the same input when their sizes and hashes are equal (:meth:`Fingerprint.same_content`);
the times only save work:

- **Once per run.** :func:`fingerprint` remembers, in this process, what it hashed, under the file's
  inode, size and modification and change times: asked again (by each unit of a file, by the
  progress estimate, by the features cache), it hashes nothing; a file changed since is hashed
  again, and so is one written within :data:`RACY_NANOSECONDS` before it was hashed.
- **Not at all when unchanged.** Given a fingerprint recorded by an earlier run (``known``), a file
  whose inode, size and modification and change times are still the recorded ones is not read: its
  hash is the recorded one. The change time is set by the system on every write (no program can set
  it back), so an edit in place of the same size is seen. A file whose change time falls within
  :data:`RACY_NANOSECONDS` of the moment it was hashed is hashed again all the same: it may have
  been written again within one tick of the file system's clock, after the hash.

The features cache (:mod:`gerbera.features.split_groups`) keys on the hash alone, and corpus
resume (:mod:`gerbera.tagging.manifest`) keeps a unit only while its input has the same content.
Hashing reads the file once: about 0.7 s of one core per GB (SHA-256 on a CPU with SHA
instructions, measured on a 1 GB file already in the page cache), plus the time to read a file
not yet in memory (1 GB read and hashed cold: 2.7 s of CPU, 5 s on a busy 2-core machine). A rerun
with nothing changed hashes nothing: a recorded fingerprint is checked in about 0.02 ms.
"""

from __future__ import annotations

import hashlib
import os
import time
from dataclasses import asdict, dataclass

__all__ = ["Fingerprint", "fingerprint", "sha256_of"]

# Two seconds: the coarsest modification-time tick in use (FAT); most file systems tick in nanoseconds.
RACY_NANOSECONDS = 2_000_000_000
_BLOCK = 1 << 20


@dataclass(frozen=True)
class Fingerprint:
    """A file's identity: ``size`` and ``sha256`` say what it holds; the rest says when that was seen."""

    size: int
    mtime_ns: int
    sha256: str
    inode: int = 0
    ctime_ns: int = 0
    hashed_at_ns: int = 0

    def same_content(self, other: Fingerprint | None) -> bool:
        return other is not None and self.size == other.size and self.sha256 == other.sha256

    def as_record(self) -> dict:
        return asdict(self)

    @classmethod
    def from_record(cls, record) -> Fingerprint | None:
        """A fingerprint written by :meth:`as_record`, or None for anything else (an older record)."""
        if not isinstance(record, dict):
            return None
        try:
            return cls(**{key: record[key] for key in cls.__dataclass_fields__ if key in record})
        except TypeError:
            return None

    def settled(self) -> bool:
        """Whether the file's last write came well before the hash (see "racy" in the module docstring)."""
        return self.ctime_ns < self.hashed_at_ns - RACY_NANOSECONDS

    def _stat_key(self) -> tuple:
        return self.inode, self.size, self.mtime_ns, self.ctime_ns


_seen: dict[tuple, Fingerprint] = {}


def sha256_of(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes (hex)."""
    hasher = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(_BLOCK), b""):
            hasher.update(block)
    return hasher.hexdigest()


def fingerprint(path: str | os.PathLike, known: Fingerprint | None = None) -> Fingerprint:
    """The fingerprint of the file at ``path`` (see the module docstring); ``known``: one recorded
    earlier for this path, trusted while the file's inode, size and times are unchanged."""
    status = os.stat(path)
    stat_key = (status.st_ino, status.st_size, status.st_mtime_ns, status.st_ctime_ns)
    memo_key = (os.path.realpath(path), status.st_dev, *stat_key)
    if memo_key in _seen:
        return _seen[memo_key]
    if known is not None and known._stat_key() == stat_key and known.settled():
        found = known
    else:
        hashed_at = time.time_ns()
        found = Fingerprint(status.st_size, status.st_mtime_ns, sha256_of(path), status.st_ino, status.st_ctime_ns,
                            hashed_at)
        if not found.settled() or os.stat(path).st_ctime_ns != status.st_ctime_ns:
            return found  # written just before or while it was read: hashed again when asked again
    _seen[memo_key] = found
    return found
