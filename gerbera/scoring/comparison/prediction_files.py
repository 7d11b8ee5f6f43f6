"""Reading prediction files for ``gerbera.scoring.comparison.report``, and checking that two of them hold the same
words and gold tags, line for line.

A prediction file has one word a line, ``word ... gold predicted`` (the last two columns: the
``test_predictions.txt`` that run_ner.py and run_eval.py write, and conlleval's input), a blank
line between sentences; ``-DOCSTART-`` lines, when there are any, start documents. A run folder
stands for its ``test_predictions.txt``. Where the run scored several datasets together, it also
wrote ``test_predictions_<dataset>.txt`` for each and named them, in order, in
``test_results.txt`` (``test_datasets = A+B``): then every sentence knows its dataset.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from gerbera.corpora.column_files import column_lines
from gerbera.errors import CorpusFormatError, GerberaError
from gerbera.outputs import predictions_name
from gerbera.text.column_syntax import DOCSTART

# seqeval's default (conlleval) mode reads these prefixes; anything else would be read silently wrong
_TAG = re.compile(r"^(O|[BIES]|[BIES]-.+)$")
PREDICTIONS_SUFFIX = "_predictions.txt"


@dataclass
class ScoredSentence:
    words: list[str]
    gold: list[str]
    predicted: list[str]
    lines: list[int]  # 1-based line number of each word
    document: int  # 0-based; 0 for every sentence of a file without -DOCSTART- lines
    dataset: str = ""


@dataclass
class PredictionFile:
    path: Path
    sentences: list[ScoredSentence]
    has_documents: bool
    datasets: list[str] = field(default_factory=list)  # in file order; empty when not recorded
    last_line: int = 0


def resolve_predictions(path: str | os.PathLike) -> Path:
    """A prediction file, or a run folder's ``test_predictions.txt``."""
    path = Path(path)
    if path.is_dir():
        candidate = path / predictions_name("test")
        if not candidate.is_file():
            found = sorted(p.name for p in path.glob(f"*{PREDICTIONS_SUFFIX}"))
            raise GerberaError(
                f"{path}: a run folder without test_predictions.txt"
                + (f"; it has {', '.join(found)}: name the file" if found else " (was the run made with --do_predict?)")
            )
        return candidate
    if not path.is_file():
        raise GerberaError(f"{path}: no such prediction file or run folder")
    return path


def read_prediction_file(path: str | os.PathLike) -> PredictionFile:
    """Sentences of ``word ... gold predicted`` lines; anything else is an error naming file:line."""
    path = Path(path)
    sentences: list[ScoredSentence] = []
    words, gold, predicted, lines = [], [], [], []
    document, has_documents, number = 0, False, 0

    def end_sentence() -> None:
        nonlocal words, gold, predicted, lines
        if words:
            sentences.append(ScoredSentence(words, gold, predicted, lines, document))
            words, gold, predicted, lines = [], [], [], []

    for number, columns in column_lines(path):
        if columns is None:
            end_sentence()
            continue
        if columns[0] == DOCSTART:
            end_sentence()
            if has_documents or sentences:
                document += 1
            has_documents = True
            continue
        if len(columns) < 3:
            raise CorpusFormatError(
                path, number, f"'{' '.join(columns)}': expected 'word gold predicted' (a file without gold tags cannot be compared)"
            )
        for tag in columns[-2:]:
            if not _TAG.match(tag):
                raise CorpusFormatError(path, number, f"'{tag}' is not an IOB2/IOBES tag (O, B-X, I-X, E-X, S-X or B, I)")
        words.append(columns[0])
        gold.append(columns[-2])
        predicted.append(columns[-1])
        lines.append(number)
    end_sentence()
    if not sentences:
        raise CorpusFormatError(path, None, "no sentences in this file")
    return PredictionFile(path, sentences, has_documents, last_line=number)


def recorded_datasets(path: Path, sentences: list[ScoredSentence]) -> list[str]:
    """Name the dataset of every sentence from the run's own per-dataset files; [] when the run
    did not record them. A per-dataset file that does not match the combined one is an error."""
    if not path.name.endswith(PREDICTIONS_SUFFIX):
        return []
    prefix = path.name[: -len(PREDICTIONS_SUFFIX)]
    results = path.with_name(f"{prefix}_results.txt")
    if not results.is_file():
        return []
    names: list[str] = []
    for line in results.read_text(encoding="utf-8").splitlines():
        key, _, value = line.partition(" = ")
        if key == f"{prefix}_datasets":
            names = value.strip().split("+")
    if not names or len(set(names)) != len(names):
        return []
    if len(names) == 1:
        for sentence in sentences:
            sentence.dataset = names[0]
        return names
    start = 0
    for name in names:
        part_path = path.with_name(predictions_name(prefix, name))
        if not part_path.is_file():
            return []
        part = read_prediction_file(part_path).sentences
        for offset, sentence in enumerate(part):
            if start + offset >= len(sentences) or sentences[start + offset].words != sentence.words:
                raise GerberaError(
                    f"{part_path}:{sentence.lines[0]}: this sentence is not sentence {start + offset + 1} of {path}, "
                    f"although {results.name} lists the datasets as {'+'.join(names)}"
                )
            sentences[start + offset].dataset = name
        start += len(part)
    if start != len(sentences):
        raise GerberaError(f"{path}: {len(sentences)} sentences, but its per-dataset files hold {start}")
    return names


def load_predictions(path: str | os.PathLike) -> PredictionFile:
    resolved = resolve_predictions(path)
    predictions = read_prediction_file(resolved)
    predictions.datasets = recorded_datasets(resolved, predictions.sentences)
    return predictions


def _where(predictions: PredictionFile, sentence: int, word: int | None = None) -> str:
    """file:line of a word, of the end of a sentence (word None), or of the end of the file."""
    if sentence >= len(predictions.sentences):
        return f"{predictions.path}:{predictions.last_line} (end of file)"
    lines = predictions.sentences[sentence].lines
    if word is None or word >= len(lines):
        return f"{predictions.path}:{lines[-1] + 1} (end of sentence)"
    return f"{predictions.path}:{lines[word]}"


def check_same_text(a: PredictionFile, b: PredictionFile) -> None:
    """Refuse two files whose words, gold tags, sentences or documents differ, naming the first
    place where they do."""
    for index in range(max(len(a.sentences), len(b.sentences))):
        if index >= len(a.sentences) or index >= len(b.sentences):
            shorter, longer = (a, b) if index >= len(a.sentences) else (b, a)
            raise GerberaError(
                f"the files differ: {_where(longer, index, 0)} starts sentence {index + 1}, but {_where(shorter, index)} "
                f"ends after {len(shorter.sentences)} sentences"
            )
        sa, sb = a.sentences[index], b.sentences[index]
        for word in range(max(len(sa.words), len(sb.words))):
            if word >= len(sa.words) or word >= len(sb.words):
                return_side = (sa, a) if word < len(sa.words) else (sb, b)
                other = b if return_side[1] is a else a
                raise GerberaError(
                    f"the files differ: {_where(return_side[1], index, word)} has the word "
                    f"'{return_side[0].words[word]}', but the sentence ends at {_where(other, index)}"
                )
            if sa.words[word] != sb.words[word] or sa.gold[word] != sb.gold[word]:
                raise GerberaError(
                    f"the files differ: {_where(a, index, word)} has '{sa.words[word]} {sa.gold[word]}' (word, gold) "
                    f"but {_where(b, index, word)} has '{sb.words[word]} {sb.gold[word]}'"
                )
        if (a.has_documents or b.has_documents) and sa.document != sb.document:
            raise GerberaError(
                f"the files differ: their -DOCSTART- lines do not match; sentence {index + 1} is in document "
                f"{sa.document + 1} at {_where(a, index, 0)} but in document {sb.document + 1} at {_where(b, index, 0)}"
            )
    if a.datasets and b.datasets and a.datasets != b.datasets:
        raise GerberaError(f"{a.path} records the datasets {'+'.join(a.datasets)}, {b.path} {'+'.join(b.datasets)}")
    names = a.datasets or b.datasets
    source = a if a.datasets else b
    for sa, sb, ss in zip(a.sentences, b.sentences, source.sentences):
        sa.dataset = sb.dataset = ss.dataset if names else ""
    a.datasets = b.datasets = names
