"""Reading Hugging Face style token data: records with ``tokens`` and ``ner_tags``.

What the Hugging Face token-classification example reads: JSON Lines (``train.jsonl``), JSON
(``train.json``: JSON Lines, or one array of records), Parquet (``train.parquet``) and a
``datasets`` ``save_to_disk`` folder (splits ``train``, ``validation``, ``test``). Each record is
one sentence: ``tokens`` a list of words, ``ner_tags`` a list of the same length of tag names
(``B-Disease``) or integers. Integers are named by the data's own features (a ``ClassLabel``, as
Parquet files and ``save_to_disk`` folders written by ``datasets`` carry) or else by the
dataset folder's ``labels.txt`` (one name a line, the first line naming 0).

Nothing is changed on the way: a word that is empty or holds a space, tab or line break (which
the column files and prediction files cannot hold), an unknown tag name, an integer with no name
or records of unequal lengths are errors naming the file and the line (JSON) or row (Parquet,
``save_to_disk``). Records with no tokens are skipped (they hold nothing).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from gerbera.corpora.column_files import Sentence, decode_utf8
from gerbera.corpora.tags import parse_tag
from gerbera.errors import CorpusFormatError

_SEPARATORS = (" ", "\t", "\n", "\r")


def _class_names(features) -> list[str] | None:
    """The tag names of a ``ner_tags`` feature that is a sequence of ``ClassLabel``."""
    feature = features.get("ner_tags") if features is not None else None
    inner = getattr(feature, "feature", None)
    if inner is None and isinstance(feature, list) and feature:
        inner = feature[0]
    return list(inner.names) if getattr(inner, "names", None) else None


def _label_names(folder: Path) -> list[str] | None:
    labels = folder / "labels.txt"
    if not labels.is_file():
        return None
    return [line.strip(" \t\r") for line in decode_utf8(labels.read_bytes(), labels).split("\n") if line.strip(" \t\r")]


def record_sentence(record, names: list[str] | None, path: str, line: int, names_from: str) -> Sentence | None:
    """One record as a sentence (None when it has no tokens); anything unfaithful is an error."""
    if not isinstance(record, dict) or "tokens" not in record or "ner_tags" not in record:
        found = ", ".join(record) if isinstance(record, dict) else type(record).__name__
        raise CorpusFormatError(path, line, f"expected a record with 'tokens' and 'ner_tags', found {found}")
    tokens, raw_tags = record["tokens"], record["ner_tags"]
    if not isinstance(tokens, list) or not isinstance(raw_tags, list):
        raise CorpusFormatError(path, line, "'tokens' and 'ner_tags' must be lists")
    if len(tokens) != len(raw_tags):
        raise CorpusFormatError(path, line, f"{len(tokens)} tokens but {len(raw_tags)} ner_tags")
    if not tokens:
        return None
    tags = []
    for position, (word, tag) in enumerate(zip(tokens, raw_tags), start=1):
        if not isinstance(word, str) or not word or any(c in word for c in _SEPARATORS):
            raise CorpusFormatError(path, line, f"token {position} ({word!r}) is empty or holds a space, tab or line break")
        if isinstance(tag, bool) or not isinstance(tag, (str, int)):
            raise CorpusFormatError(path, line, f"ner_tag {position} ({tag!r}) is neither a tag name nor an integer")
        if isinstance(tag, int):
            if names is None:
                raise CorpusFormatError(
                    path, line, f"integer ner_tags ({tag}) but no names for them: the data has no ClassLabel "
                    "feature and the dataset folder no labels.txt (one tag name a line, the first naming 0)")
            if not 0 <= tag < len(names):
                raise CorpusFormatError(path, line, f"ner_tag {position} is {tag}, but {names_from} names 0-{len(names) - 1}")
            tag = names[tag]
        if parse_tag(tag) is None:
            raise CorpusFormatError(path, line, f"ner_tag {position} {tag!r} is not a tag (expected O, B, I, B-TYPE, ...)")
        tags.append(tag)
    return Sentence(list(tokens), tags, line)


def _json_records(path: Path) -> Iterator[tuple[int, object]]:
    text = decode_utf8(path.read_bytes(), path)
    if text.lstrip().startswith("["):
        try:
            records = json.loads(text)
        except json.JSONDecodeError as error:
            raise CorpusFormatError(path, error.lineno, f"not JSON: {error.msg}") from None
        yield from enumerate(records, start=1)  # record numbers: an array has no line per record
        return
    for number, line in enumerate(text.split("\n"), start=1):
        if line.strip():
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as error:
                raise CorpusFormatError(path, number, f"not a JSON record: {error.msg}") from None


def _sentences(rows, names, path, names_from) -> list[Sentence]:
    sentences = []
    for line, record in rows:
        sentence = record_sentence(record, names, str(path), line, names_from)
        if sentence is not None:
            sentences.append(sentence)
    if not sentences:
        raise CorpusFormatError(path, None, "no sentences (no record with tokens)")
    return sentences


def read_json_records(path: Path, folder: Path) -> list[Sentence]:
    """A ``.jsonl`` or ``.json`` file; integer tags named by ``folder/labels.txt``."""
    return _sentences(_json_records(path), _label_names(folder), path, f"{folder / 'labels.txt'}")


def read_parquet(path: Path, folder: Path) -> list[Sentence]:
    """A Parquet file; integer tags named by its ``datasets`` features, else ``labels.txt``."""
    import datasets
    import pyarrow.parquet

    try:
        table = pyarrow.parquet.read_table(path)
    except Exception as error:  # pyarrow's errors have no common base worth naming
        raise CorpusFormatError(path, None, f"not a Parquet file ({error})") from None
    names = _class_names(datasets.Features.from_arrow_schema(table.schema))
    names_from = "its ClassLabel feature" if names else str(folder / "labels.txt")
    return _sentences(enumerate(table.to_pylist(), start=1), names or _label_names(folder), path, names_from)


def read_saved_split(split_folder: Path, folder: Path) -> list[Sentence]:
    """One split of a ``save_to_disk`` folder (``folder/train``); rows numbered from 1."""
    import datasets

    try:
        dataset = datasets.load_from_disk(str(split_folder))
    except Exception as error:
        raise CorpusFormatError(split_folder, None, f"not a datasets save_to_disk folder ({error})") from None
    names = _class_names(dataset.features)
    names_from = "its ClassLabel feature" if names else str(folder / "labels.txt")
    return _sentences(enumerate(dataset, start=1), names or _label_names(folder), split_folder, names_from)
