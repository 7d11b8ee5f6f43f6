"""Which file of a dataset folder holds a split, in which format, and reading it into sentences.

A dataset folder ``<data_dir>/<dataset>/`` holds, per split (``train``, ``devel``, ``test``),
one of:

==========================================  ================================================
``train.txt``                               column files (word and tag per line)
``train.pubtator``, ``train.pubtator.txt``   PubTator with annotations at character offsets
``train.bioc.xml``, ``train.bioc.json``     BioC XML or JSON with annotations
``train.jsonl``, ``train.json``             records with ``tokens`` and ``ner_tags``
``train.parquet``                           the same, as Parquet
``dataset_dict.json`` + ``train/``          a ``datasets`` ``save_to_disk`` folder; its
                                            splits ``train``, ``validation``, ``test`` are
                                            train, devel, test
==========================================  ================================================

PubTator and BioC may also be gzip-compressed (``train.pubtator.gz``). Two of them for one split
is an error naming both, so that it is never a guess which one was
trained on. Offset formats become word tags through `gerbera.corpora.offset_tags`; the
conversion report is logged (a summary, and a warning when mentions were dropped). ``load_split``
cuts devel and test as new text (words as run_predict.py cuts them, for scores at document
offsets as tagging gets them), train also at the gold mentions' boundaries.
"""

from __future__ import annotations

import logging
from pathlib import Path

from gerbera.corpora.column_files import CorpusSplit, dataset_path, read_column_file
from gerbera.corpora.mention_policy import parse_entity_types
from gerbera.corpora.offset_tags import convert_documents
from gerbera.corpora.token_records import read_json_records, read_parquet, read_saved_split
from gerbera.errors import CorpusFormatError, GerberaError

logger = logging.getLogger(__name__)

# File name endings after the split name, and their formats.
SUFFIXES = {
    ".txt": "column",
    ".pubtator": "pubtator",
    ".pubtator.txt": "pubtator",
    ".bioc.xml": "bioc-xml",
    ".bioc.json": "bioc-json",
    ".jsonl": "jsonl",
    ".json": "json",
    ".parquet": "parquet",
    # compressed (gerbera.documents reads .gz transparently)
    ".pubtator.gz": "pubtator",
    ".pubtator.txt.gz": "pubtator",
    ".bioc.xml.gz": "bioc-xml",
    ".bioc.json.gz": "bioc-json",
}
OFFSET_FORMATS = ("pubtator", "bioc-xml", "bioc-json")
SAVED_SPLIT_NAMES = {"train": ("train",), "devel": ("validation", "devel", "dev"), "test": ("test",)}
# Bump when the offsets-to-tags conversion changes: it enters the features cache key.
CONVERSION_VERSION = 1


def find_split_file(folder: Path, split: str) -> tuple[Path, str] | None:
    """The file (or ``save_to_disk`` split folder) of ``split`` in a dataset folder, and its format."""
    found = [(folder / f"{split}{suffix}", fmt) for suffix, fmt in SUFFIXES.items() if (folder / f"{split}{suffix}").is_file()]
    if (folder / "dataset_dict.json").is_file():
        found += [(folder / name, "saved") for name in SAVED_SPLIT_NAMES[split] if (folder / name).is_dir()]
    if len(found) > 1:
        raise GerberaError(
            f"{folder}: {len(found)} files for the {split} split ({', '.join(p.name for p, _ in found)}); "
            "keep one, so that it is clear which is read"
        )
    return found[0] if found else None


def format_of(path: Path) -> str:
    """The format of a single file (by its name) or folder, as in the table above."""
    if path.is_dir():
        if (path / "dataset_info.json").is_file() or (path / "state.json").is_file():
            return "saved"
        raise GerberaError(f"{path}: a folder that is no datasets save_to_disk split")
    name = path.name.lower()
    for suffix, fmt in sorted(SUFFIXES.items(), key=lambda item: -len(item[0])):
        if name.endswith(suffix):
            return fmt
    raise GerberaError(f"{path}: unknown corpus format (name it {', '.join('*' + s for s in SUFFIXES)})")


def read_documents(path: Path, fmt: str) -> list:
    """Documents with annotations from a PubTator or BioC file (`gerbera.documents`: a mention
    that differs from the text at its offsets is an error naming file and line)."""
    from gerbera.documents.formats import iter_documents

    return list(iter_documents(str(path), fmt))


def read_split_file(dataset: str, split: str, path: Path, fmt: str, entity_types: str | None = None,
                    as_new_text: bool = False) -> CorpusSplit:
    """Read one split file of any format into a `CorpusSplit`; offsets become word tags (words cut
    as new text with ``as_new_text``, see `gerbera.corpora.offset_tags`)."""
    folder = path.parent
    source = None
    reader = None
    if entity_types and fmt not in OFFSET_FORMATS:
        logger.warning("%s: --entity_types applies to PubTator and BioC files; the tags of this file are read as they are", path)
    if fmt == "column":
        sentences = read_column_file(path, require_tags=split != "test")
    elif fmt in ("jsonl", "json", "parquet", "saved"):
        read = {"jsonl": read_json_records, "json": read_json_records, "parquet": read_parquet, "saved": read_saved_split}[fmt]
        sentences, names = read(path, folder)
        reader = f"{fmt}, {names}" if names else fmt  # the integer tags' names enter the features cache key
    else:
        types = parse_entity_types(entity_types)
        sentences, source = convert_documents(read_documents(path, fmt), str(path), fmt, types, as_new_text)
        if not sentences:
            raise CorpusFormatError(path, None, "no sentences (no document with text)")
        check_selected_types(path, types, source.report)
        reader = f"{fmt} conversion {CONVERSION_VERSION}, entity types {','.join(sorted(types)) if types else 'all'}"
        reader += ", words cut as new text" if as_new_text else ""
        log_report(path, source.report)
    return CorpusSplit(dataset, split, path, sentences, reader=reader, source=source)


def check_selected_types(path: Path, types, report) -> None:
    """A selected type that the file never uses is a warning; none of them used, an error (a
    misspelt --entity_types would otherwise train on a corpus tagged O throughout)."""
    if types is None:
        return
    seen = {t for t, n in report.mentions_by_type.items() if n} | {c.entity_type for c in report.changes}
    present = set(report.not_selected_by_type) | seen
    missing = sorted(types - seen)
    if missing and len(missing) == len(types):
        raise CorpusFormatError(
            path, None, f"none of --entity_types ({', '.join(sorted(types))}) is a type of this file; "
            f"its types: {', '.join(sorted(present)) or 'none (no annotations)'}")
    if missing:
        logger.warning("%s: no mention of the selected types %s in this file", path, ", ".join(missing))


def log_report(path: Path, report) -> None:
    logger.info("%s: %s", path, report.summary())
    dropped = [change for change in report.changes if change.kind.startswith("dropped")]
    if dropped:
        logger.warning(
            "%s: %d mentions dropped in the conversion to word tags (gerbera-convert-corpus lists them all):\n%s",
            path, len(dropped), "\n".join(c.describe() for c in dropped[:10]) + (f"\n... and {len(dropped) - 10} more" if len(dropped) > 10 else ""),
        )


def load_split(data_dir, dataset: str, split: str, entity_types: str | None = None) -> CorpusSplit:
    """Read the ``split`` of ``<data_dir>/<dataset>`` in whichever format the folder holds it;
    only test files may be words-only (column files). ``entity_types`` (``"Disease,Chemical"``)
    chooses the annotation types of offset formats that become tags."""
    folder = dataset_path(data_dir, dataset)
    found = find_split_file(folder, split)
    if found is None:
        available = sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))
        raise GerberaError(
            f"{folder / split}.txt: no {split} file for dataset '{dataset}'; the folder has: {', '.join(available) or 'nothing'} "
            f"(a split is {split}.txt, .pubtator, .bioc.xml, .bioc.json, .jsonl, .json, .parquet or a save_to_disk folder)"
        )
    return read_split_file(dataset, split, *found, entity_types=entity_types, as_new_text=split != "train")
