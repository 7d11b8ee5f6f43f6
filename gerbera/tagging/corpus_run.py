"""Tagging a corpus into an output folder: units of work, streamed, resumable, shared among processes.

- **Units.** Each input file is read as a stream of documents and cut into parts of
  ``part_documents`` documents; each part is a unit of work with its own output file (see
  :func:`gerbera.tagging.corpus_inputs.output_name`). A unit is tagged in chunks of documents
  (:meth:`gerbera.tagging.tagger.Tagger.tag_documents`) and written as it goes, so memory holds
  one chunk, never a file.
- **Resume.** A unit's output is written under ``.gerbera-predict/writing`` and renamed into
  place when complete; its record (:mod:`gerbera.tagging.manifest`) is written after that,
  with the input's content (:mod:`gerbera.fingerprints`). A rerun skips the units with a
  record and redoes the others, so ``kill -9`` costs only the units in progress, and the
  outputs are the same bytes as an uninterrupted run's. Finished units are never opened again.
- **Changed inputs.** An input whose content is not the one its units were tagged from (an
  edit in place, of the same size or not; a shorter or longer file) is tagged again whole:
  its stale units, output files and records, are removed first (each process removes those
  it owns), so no part of the old content is left, and the summary names the input
  (``inputs_changed``) and counts the units removed (``stale_units_removed``).
- **Processes.** Each process does only its own units (:mod:`gerbera.tagging.sharding`), one
  live process per rank (:mod:`gerbera.tagging.rank_lock`: a second waits, then is refused); it
  still reads the documents of the other parts of a file it has a part in, to find where its
  part starts, but does not tag them. A unit is always tagged whole by one process, in the same
  chunks, so the output does not depend on the number of processes.
- **Malformed documents.** By default the first one stops the run with the reader's error
  (file, line or document id); the unit in progress is dropped and finished units are kept.
  With ``skip_bad_documents`` each is left out and listed in its unit's record (file, id,
  line, reason): the unit of the next good document, or the file's last unit when none follows.
  A malformed document in another process's part is that process's to report.
  Damage that ends a file early (a truncated ``.gz``, XML that stops parsing) stops the run too,
  or with ``skip_bad_documents`` ends the file there: the documents before it are tagged, and
  the damage is listed in the record of the part it cut short, which is the file's last.
"""

from __future__ import annotations

import logging
import os
import time
from dataclasses import dataclass, field
from itertools import islice
from pathlib import Path

from gerbera.documents.formats import default_output_format
from gerbera.errors import GerberaError
from gerbera.fingerprints import Fingerprint, fingerprint
from gerbera.tagging import unit_io
from gerbera.tagging.corpus_inputs import OUTPUT_EXTENSIONS, InputFile, output_name
from gerbera.tagging.manifest import RunRecord, recorded_content
from gerbera.tagging.progress import estimate_documents
from gerbera.tagging.rank_lock import RankLock, remove_leftovers, temporary_name
from gerbera.tagging.sharding import Worker

logger = logging.getLogger("gerbera")

__all__ = ["CorpusJob", "documents_to_tag", "tag_corpus"]



@dataclass
class CorpusJob:
    """What to tag and how: the input files, the output folder and the options of ``run_predict.py``."""

    files: list[InputFile]
    output_folder: str
    input_format: str = "auto"
    output_format: str = "auto"  # auto: follows the input's format (gerbera.documents.formats.default_output_format)
    part_documents: int = 10_000
    skip_bad_documents: bool = False
    output_words: bool = False
    write_scores: bool = False
    worker: Worker = Worker()
    detected_formats: dict[str, str] = field(default_factory=dict, repr=False)

    def input_format_of(self, item: InputFile) -> str:
        """The format ``item`` is read as (detected once per process)."""
        if item.path not in self.detected_formats:
            self.detected_formats[item.path] = unit_io.detect(item.path, self.input_format)
        return self.detected_formats[item.path]

    def output_format_of(self, input_format: str) -> str:
        if self.output_format != "auto":
            return self.output_format
        return default_output_format(input_format)


class _PartReader:
    """The documents of one file, part by part, knowing which part each document read belongs to."""

    def __init__(self, job: CorpusJob, file_index: int, item: InputFile, input_format: str, todo):
        self.job, self.item, self.todo = job, item, todo
        self.part_of_next = 0
        self.skipped: dict[int, list[dict]] = {}
        self._documents = self._until_damage(unit_io.read(item.path, input_format, on_bad_document=self._bad_document)[1])
        self._peeked: list = []
        self._between: list[GerberaError] | None = None  # malformed documents met while reading ahead

    def _bad_document(self, error: GerberaError) -> None:
        if self._between is not None:
            self._between.append(error)  # whose it is depends on whether a document follows
            return
        self._belongs_to(self.part_of_next, error)

    def _belongs_to(self, part: int, error: GerberaError) -> None:
        if not self.todo(part):
            return  # another process's part, or a finished one: not ours to report
        if not self.job.skip_bad_documents:
            raise error
        where = {key: getattr(error, key, None) for key in ("document_id", "line")}
        self.skipped.setdefault(part, []).append({"file": self.item.path, "id": where["document_id"],
                                                  "line": where["line"], "reason": str(error)})
        logger.warning("skipped a malformed document (--skip_bad_documents): %s", error)

    def _until_damage(self, documents):
        """The file's documents; damage that leaves no next document raises, or with skip_bad_documents
        ends the file there (see the module docstring)."""
        try:
            yield from documents
        except GerberaError as error:
            if not self.job.skip_bad_documents:
                raise
            part = self.part_of_next - (self._between is not None)  # met reading ahead: the part being finished is the last
            if self.todo(part):
                self.skipped.setdefault(part, []).append({"file": self.item.path, "id": None,
                                                          "line": getattr(error, "line", None), "reason": str(error)})
                logger.warning("left out the rest of %s (--skip_bad_documents): %s", self.item.path, error)

    def part(self, index: int):
        """The documents of part ``index`` (0-based), lazily."""
        self.part_of_next = index
        return islice(self._iterate(), self.job.part_documents)

    def _iterate(self):
        while self._peeked:
            yield self._peeked.pop()
        # not ``yield from``: closing this part's generator must not close the file's reader
        for document in self._documents:  # noqa: UP028
            yield document

    def more_after(self, index: int) -> bool:
        """Whether a document follows part ``index`` (read ahead by one)."""
        if not self._peeked:
            self.part_of_next, self._between = index + 1, []
            try:
                self._peeked = list(islice(self._documents, 1))
            finally:
                between, self._between = self._between, None
            for error in between:  # the next document's part, or this last part's when none follows
                self._belongs_to(index + 1 if self._peeked else index, error)
        return bool(self._peeked)


class _Run:
    def __init__(self, tagger, job: CorpusJob, progress):
        self.tagger, self.job, self.progress = tagger, job, progress
        self.record = RunRecord(job.output_folder)
        self.writing = Path(job.output_folder) / ".gerbera-predict" / "writing"
        self.totals = {"units_done": 0, "units_skipped": 0, "documents": 0, "words": 0, "entities": 0,
                       "bad_documents_skipped": 0, "inputs_changed": [], "stale_units_removed": 0}

    def file(self, file_index: int, item: InputFile) -> None:
        worker = self.job.worker
        finished: dict[int, dict | None] = {}
        units = self.record.units_of(item.name)
        content: list[Fingerprint] = [self._fresh_content(file_index, item, units)] if units else []

        def done(part: int) -> dict | None:
            if part not in finished:
                finished[part] = self.record.finished(item.name, part + 1, content[0]) if content else None
            return finished[part]

        def todo(part: int) -> bool:
            return worker.owns(file_index, part) and done(part) is None

        last = self._known_last_part(item, content[0]) if content else None
        if last is not None and not any(todo(part) for part in range(last + 1)):
            self.totals["units_skipped"] += sum(worker.owns(file_index, part) for part in range(last + 1))
            return  # every unit of ours is finished: the file is not opened
        input_format = self.job.input_format_of(item)
        reader = _PartReader(self.job, file_index, item, input_format, todo)
        part = 0
        while True:
            if todo(part):
                content = content or [fingerprint(item.path)]  # before this process reads a part of its own
                self._unit(reader, item, part, input_format, content[0])
            else:
                self.totals["units_skipped"] += worker.owns(file_index, part)
                for _ in reader.part(part):
                    pass
                if last is not None and part >= last:
                    break
            if not reader.more_after(part):
                break
            part += 1

    def _fresh_content(self, file_index: int, item: InputFile, units: list[dict]) -> Fingerprint:
        """The input's content now; the units tagged from other content are stale: this process's are removed."""
        content = input_content(item, units)
        stale = [unit for unit in units if not content.same_content(recorded_content(unit))]
        if not stale:
            return content
        mine = [unit for unit in stale if self.job.worker.owns(file_index, unit.get("part", 1) - 1)]
        removed = [name for name in map(self.record.remove, mine) if name]
        self.totals["inputs_changed"].append(item.name)
        self.totals["stale_units_removed"] += len(mine)
        logger.warning("%s is not what its %d units were tagged from (it changed): tagged again; %d stale units removed%s",
                       item.path, len(stale), len(mine), f" with their files {', '.join(removed)}" if removed else "")
        return content

    def _known_last_part(self, item: InputFile, content: Fingerprint) -> int | None:
        part = 0
        while (record := self.record.finished(item.name, part + 1, content)) is not None:
            if record.get("last_part"):
                return part
            part += 1
        return None

    def _unit(self, reader: _PartReader, item: InputFile, part: int, input_format: str, content: Fingerprint) -> None:
        job, started = self.job, time.perf_counter()
        output_format = job.output_format_of(input_format)
        self.writing.mkdir(parents=True, exist_ok=True)
        writing = self.writing / temporary_name(job.worker.rank, OUTPUT_EXTENSIONS[output_format])
        counts = {"documents": 0, "words": 0, "entities": 0}
        with unit_io.open_tagged_writer(str(writing), output_format, job.output_words, job.write_scores) as writer:
            for tagged in self.tagger.tag_documents(reader.part(part), progress=self.progress.advance):
                writer.write(tagged)
                counts["documents"] += 1
                counts["words"] += tagged.num_words
                counts["entities"] += len(tagged.entities)
        last = not reader.more_after(part)
        name = output_name(item.name, output_format, None if part == 0 and last else part + 1)
        target = Path(job.output_folder) / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(writing, target)
        skipped = reader.skipped.pop(part, [])
        seconds = time.perf_counter() - started
        record = {
            "input": item.path, "input_name": item.name, "input_bytes": content.size, "input_format": input_format,
            "part": part + 1, "first_document": part * job.part_documents + 1, "last_part": last,
            "output": name, "output_format": output_format, **counts, "seconds": round(seconds, 3),
            "model": self.tagger.name, "skipped_documents": skipped, "input_fingerprint": content.as_record(),
        }
        self.record.finish(record)
        for key in counts:
            self.totals[key] += counts[key]
        self.totals["units_done"] += 1
        self.totals["bad_documents_skipped"] += len(skipped)
        self.progress.unit_done(record)


def tag_corpus(tagger, job: CorpusJob, progress) -> dict:
    """Tag this process's units of ``job`` (module docstring); the run's counts. ``progress`` has
    ``advance(documents, words)`` (after each chunk) and ``unit_done(record)``."""
    run = _Run(tagger, job, progress)
    lock = RankLock(run.record.state, job.worker.rank)
    lock.acquire(job.output_folder)  # one live process of a rank (see gerbera.tagging.rank_lock)
    started = time.perf_counter()
    try:
        remove_leftovers(run.writing, run.record.state, lock)  # units in progress when their process died
        for file_index, item in enumerate(job.files):
            run.file(file_index, item)
    finally:
        run.totals["units_in_manifest"] = run.record.write_manifest()
        lock.release()
    run.totals["inputs_not_in_run"] = _units_of_other_inputs(run.record, job)
    run.totals["seconds"] = time.perf_counter() - started
    return run.totals


def _units_of_other_inputs(record: RunRecord, job: CorpusJob) -> list[str]:
    """Inputs the folder holds units of that this run was not given (renamed, removed, left out): kept, said once."""
    others = sorted({unit.get("input_name") for unit in record.records()} - {item.name for item in job.files} - {None})
    if others and job.worker.rank == 0:
        logger.warning("%s keeps the units of %d inputs not given this time (renamed, removed or left out): %s",
                       job.output_folder, len(others), ", ".join(others[:5]) + (" ..." if len(others) > 5 else ""))
    return others


def documents_to_tag(job: CorpusJob) -> int | None:
    """About how many documents this process will tag (for the progress bar's total and ETA)."""
    record, total = RunRecord(job.output_folder), 0
    for file_index, item in enumerate(job.files):
        try:
            count = estimate_documents(item.path, job.input_format_of(item))
        except GerberaError:
            continue  # a file that cannot be read is named when the run reaches it, not before it starts
        if count is None:
            return None
        units = record.units_of(item.name)
        content = input_content(item, units) if units else None
        for part in range(max(1, -(-count // job.part_documents))):
            if job.worker.owns(file_index, part) and (
                    content is None or record.finished(item.name, part + 1, content) is None):
                total += min(job.part_documents, count - part * job.part_documents)
    return total


def input_content(item: InputFile, units: list[dict]) -> Fingerprint:
    """The content of an input now, hashed only if it may have changed since its units were recorded."""
    known = [found for found in map(recorded_content, units) if found is not None]
    return fingerprint(item.path, max(known, key=lambda found: found.hashed_at_ns, default=None))
