"""What run_predict.py checks of a folder output before any work: no input replaced, no file of
another origin replaced, and a process that the units leave idle told so."""

from __future__ import annotations

import glob
import logging
import os
from pathlib import Path

from gerbera.errors import GerberaError
from gerbera.tagging.corpus_inputs import output_name
from gerbera.tagging.corpus_run import CorpusJob
from gerbera.tagging.manifest import RunRecord
from gerbera.tagging.progress import estimate_documents

logger = logging.getLogger("gerbera")

__all__ = ["refuse_overwriting_inputs", "refuse_replacing_outputs", "warn_if_idle"]


def refuse_overwriting_inputs(job: CorpusJob) -> None:
    """An input file in the output folder that its own output would replace (--input 'data/*.pubtator'
    --output data/) is refused before any work."""
    folder = Path(job.output_folder).resolve()
    for item in job.files:
        if folder not in Path(item.path).resolve().parents:
            continue
        target = folder / output_name(item.name, job.output_format_of(job.input_format_of(item)), None)
        if target.exists() and os.path.samefile(target, item.path):
            raise GerberaError(f"--input {item.path}: its output would replace it in --output {job.output_folder}; "
                               "write into another folder")


def refuse_replacing_outputs(job: CorpusJob) -> None:
    """Files in the output folder with the names of its outputs, when no tagging run wrote into the
    folder (no ``.gerbera-predict/settings.json``), are refused before any work: a folder of an
    earlier run is resumed instead. The files are looked for first: a run writes its settings
    before any output, so outputs seen before the settings are missing are not a run's."""
    folder = Path(job.output_folder)
    if not folder.is_dir() or (RunRecord(folder).state / "settings.json").exists():
        return
    found = []
    for item in job.files:
        try:
            stem = output_name(item.name, job.output_format_of(job.input_format_of(item)), None)
        except GerberaError:
            continue  # a file whose format cannot be told is named when the run reaches it, not before it starts
        root, extension = os.path.splitext(stem)
        found += [path for path in (folder / stem, *folder.glob(f"{glob.escape(root)}.part[0-9]*{extension}"))
                  if path.is_file()]
    if found and not (RunRecord(folder).state / "settings.json").exists():
        raise GerberaError(f"--output {folder} holds {found[0].name}, which this run would replace: add "
                           "--overwrite_output to replace it, or tag into another folder")


def warn_if_idle(job: CorpusJob) -> None:
    """A process that the units leave without one is told so before any work, with the flag to use."""
    if job.worker.world <= len(job.files):
        return  # process k has the first part of file k
    documents = []
    for item in job.files:
        try:
            documents.append(estimate_documents(item.path, job.input_format_of(item)))
        except GerberaError:
            return  # named when the run reaches it
    warning = job.worker.idle_warning(documents, job.part_documents)
    if warning:
        logger.warning(warning)
