"""Back from sub-token outputs to one predicted tag per input word.

The model's outputs come per window row (padded, in the order of the features dataset). Each
row knows its sentence, the index of its first word and where each word's first sub-token is;
the gather below is vectorised over all rows, so its cost is linear in the number of words.
"""

from __future__ import annotations

import os
from collections.abc import Sequence

import numpy as np

from gerbera.outputs import atomic_write


def join_batches(token_predictions) -> np.ndarray:
    """One (rows, tokens) array from per-batch arrays of different widths, padded with -100."""
    if isinstance(token_predictions, np.ndarray):
        return token_predictions
    batches = [np.asarray(batch) for batch in token_predictions]
    width = max(batch.shape[1] for batch in batches)
    joined = np.full((sum(len(batch) for batch in batches), width), -100, dtype=batches[0].dtype)
    row = 0
    for batch in batches:
        joined[row : row + len(batch), : batch.shape[1]] = batch
        row += len(batch)
    return joined


def word_level_ids(
    token_predictions: np.ndarray,
    features,
    sentence_lengths: Sequence[int],
) -> list[np.ndarray]:
    """Tag ids per word for every sentence, from (rows, tokens) predicted ids of window rows
    (one array, or a list of per-batch arrays)."""
    token_predictions = join_batches(token_predictions)
    positions = features["word_positions"]
    words_per_row = np.fromiter((len(p) for p in positions), dtype=np.int64, count=len(positions))
    flat_positions = np.fromiter((i for p in positions for i in p), dtype=np.int64, count=int(words_per_row.sum()))
    rows = np.repeat(np.arange(len(positions)), words_per_row)
    predicted = token_predictions[rows, flat_positions]

    sentence_starts = np.concatenate([[0], np.cumsum(sentence_lengths)])
    row_starts = sentence_starts[np.asarray(features["sentence_id"], dtype=np.int64)] + np.asarray(
        features["word_offset"], dtype=np.int64
    )
    # index of each word inside its row: 0, 1, ..., n-1 for every row
    within_row = np.arange(len(flat_positions)) - np.repeat(np.cumsum(words_per_row) - words_per_row, words_per_row)
    word_index = np.repeat(row_starts, words_per_row) + within_row

    by_word = np.full(int(sentence_starts[-1]), -1, dtype=np.int64)
    by_word[word_index] = predicted
    if (by_word < 0).any():  # would mean a word without a window: never silently drop it
        missing = int(np.flatnonzero(by_word < 0)[0])
        raise RuntimeError(f"no prediction for word {missing}: windows do not cover the input")
    return np.split(by_word, sentence_starts[1:-1])


def write_predictions(
    path: str | os.PathLike,
    sentences,
    predicted_tags: Sequence[Sequence[str]],
    gold_tags: Sequence[Sequence[str]] | None,
) -> None:
    """One line per input word, in input order: ``word gold predicted`` (``word predicted`` without gold)."""
    lines = []
    for index, sentence in enumerate(sentences):
        predicted = predicted_tags[index]
        if gold_tags is None:
            lines.extend(f"{word} {tag}\n" for word, tag in zip(sentence.words, predicted))
        else:
            lines.extend(f"{w} {g} {p}\n" for w, g, p in zip(sentence.words, gold_tags[index], predicted))
        lines.append("\n")
    atomic_write(path, "".join(lines))
