"""Reading Hugging Face style token data: records with ``tokens`` and ``ner_tags``.

What the Hugging Face token-classification example reads: JSON Lines (``train.jsonl``), JSON
(``train.json``: JSON Lines, or one array of records), Parquet (``train.parquet``) and a
``datasets`` ``save_to_disk`` folder (splits ``train``, ``validation``, ``test``). Each record is
one sentence: ``tokens`` a list of words, ``ner_tags`` a list of the same length of tag names
(``B-Disease``) or integers. Integers are named by the data's own features (a ``ClassLabel``, as
Parquet files and ``save_to_disk`` folders written by ``datasets`` carry) or else by the
dataset folder's ``ner_tag_names.txt`` (one name a line, the first line naming 0), checked so
that names in the wrong order are an error, not wrong tags (`gerbera.corpora.tag_names`).

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
from gerbera.corpora.tag_names import IntegerTagNames
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


def record_sentence(record, names: IntegerTagNames, path: str, line: int) -> Sentence | None:
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
            tag = names.name(tag, path, line, position)
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


def _sentences(rows, names: IntegerTagNames, path) -> tuple[list[Sentence], str | None]:
    """The sentences of the records, and what named their integer tags (None: none held integers)."""
    sentences = []
    for line, record in rows:
        sentence = record_sentence(record, names, str(path), line)
        if sentence is not None:
            sentences.append(sentence)
    if not sentences:
        raise CorpusFormatError(path, None, "no sentences (no record with tokens)")
    names.check_counts(path)
    return sentences, names.description()


def read_json_records(path: Path, folder: Path) -> tuple[list[Sentence], str | None]:
    """A ``.jsonl`` or ``.json`` file; integer tags named by the folder's names file."""
    return _sentences(_json_records(path), IntegerTagNames(folder), path)


def read_parquet(path: Path, folder: Path) -> tuple[list[Sentence], str | None]:
    """A Parquet file; integer tags named by its ``datasets`` features, else the folder's names file."""
    import datasets
    import pyarrow.parquet

    try:
        table = pyarrow.parquet.read_table(path)
    except Exception as error:  # pyarrow's errors have no common base worth naming
        raise CorpusFormatError(path, None, f"not a Parquet file ({error})") from None
    names = IntegerTagNames(folder, _class_names(datasets.Features.from_arrow_schema(table.schema)))
    return _sentences(enumerate(table.to_pylist(), start=1), names, path)


def read_saved_split(split_folder: Path, folder: Path) -> tuple[list[Sentence], str | None]:
    """One split of a ``save_to_disk`` folder (``folder/train``); rows numbered from 1."""
    import datasets

    try:
        dataset = datasets.load_from_disk(str(split_folder))
    except Exception as error:
        raise CorpusFormatError(split_folder, None, f"not a datasets save_to_disk folder ({error})") from None
    return _sentences(enumerate(dataset, start=1), IntegerTagNames(folder, _class_names(dataset.features)), split_folder)
