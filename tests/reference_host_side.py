"""The host side of tagging as it was before it was made faster (issue 22, item 7): the reference
the fast paths are checked against in ``test_tagging_speed_paths.py``.

Copied from the code they replaced (text.segmentation, documents.segment_passages,
entities.find_entities on seqeval, WordEncoder.encode on word_pieces and windows, and padding by the
tokenizer); only the names of the toolkit's classes are imported. Do not make these faster.
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache

from seqeval.metrics.sequence_labeling import get_entities
from transformers.data.data_collator import pad_without_fast_tokenizer_warning

from gerbera.features.word_pieces import IGNORE_INDEX
from gerbera.tagging.documents import Entity
from gerbera.text.segmentation import ABBREVIATIONS, Sentence, Token

_SPACE, _PUNCT, _EXTEND, _WORD = 0, 1, 2, 3
_ZWJ = "\u200d"
_TERMINALS = frozenset(".?!\u2026")  # … HORIZONTAL ELLIPSIS
_CLOSERS = frozenset(")]}\"'\u00bb\u2019\u201d\u203a")  # ) ] } " ' » ’ ” ›
_OPENERS = frozenset("([{\"'\u00ab\u2018\u201c\u2039")  # ( [ { " ' « ‘ “ ‹
_SENTENCE_OPENERS = frozenset("([{\"\u00ab\u201c")
# Line breaks as str.splitlines() knows them; CRLF is one.
_LINE_BREAK = re.compile("\r\n|[\n\r\v\f\x1c\x1d\x1e\x85\u2028\u2029]")
_CHUNK = re.compile(r"\S+")  # re's \s is exactly str.isspace()


@lru_cache(maxsize=4096)
def _char_class(char: str) -> int:
    if char.isspace():
        return _SPACE
    category = unicodedata.category(char)
    if category[0] == "M" or category in ("Cf", "Cc") or "\U0001f3fb" <= char <= "\U0001f3ff":
        return _EXTEND
    if category[0] in "PS":
        return _PUNCT
    return _WORD


def _joins_number(chunk: str, i: int) -> bool:
    """Whether the ``.`` or ``,`` at ``chunk[i]`` is inside a number (5.6, 2,000)."""
    if i == 0 or i + 1 >= len(chunk) or not chunk[i - 1].isdecimal():
        return False
    if chunk[i] == ".":
        return chunk[i + 1].isdecimal()
    if chunk[i] == ",":
        group = chunk[i + 1 : i + 4]
        return len(group) == 3 and group.isdecimal() and not chunk[i + 4 : i + 5].isdecimal()
    return False


def _split_chunk(chunk: str, base: int, tokens: list[Token]) -> None:
    """Append the tokens of a whitespace-free ``chunk`` that starts at offset ``base``."""
    if chunk.isalnum():  # fast path: only letters and numbers, one word
        tokens.append(Token(chunk, base, base + len(chunk)))
        return
    start = 0
    kind: int | None = None  # class of the current token; None while it holds only extenders
    joined = False  # the previous character was a zero-width joiner
    for i, char in enumerate(chunk):
        char_class = _char_class(char)
        if char_class == _EXTEND:
            joined = char == _ZWJ
            continue
        if joined or kind is None:
            joined = False
            kind = char_class
            continue
        if char_class == _WORD and kind == _WORD:
            continue
        if kind == _WORD and char in ".," and _joins_number(chunk, i):
            continue
        tokens.append(Token(chunk[start:i], base + start, base + i))
        start, kind = i, char_class
    tokens.append(Token(chunk[start:], base + start, base + len(chunk)))


def tokenize_words(text: str, offset: int = 0) -> list[Token]:
    """Split ``text`` into word tokens (see the module docstring for the rules).

    ``offset`` is added to every token's start and end: pass the position of ``text`` in its
    document (e.g. a passage's start) to get document offsets.
    """
    tokens: list[Token] = []
    for match in _CHUNK.finditer(text):
        _split_chunk(match.group(), offset + match.start(), tokens)
    return tokens


def _core(token_text: str) -> str:
    """The token text without its extenders (zero-width characters, combining marks, ...)."""
    return "".join(char for char in token_text if _char_class(char) != _EXTEND)


def _chunk_start(tokens: list[Token], j: int) -> int:
    """Index of the first token of the whitespace-free chunk holding token ``j``."""
    while j > 0 and tokens[j - 1].end == tokens[j].start:
        j -= 1
    return j


def _ends_abbreviation(text: str, tokens: list[Token], period: int) -> bool:
    """Whether the ``.`` token at index ``period`` ends an abbreviation or an initial."""
    first = _chunk_start(tokens, period)
    if first < period:
        before = _core(tokens[period - 1].text)
        if len(before) == 1 and before.isupper():  # initial (J. Smith) or genus (E. coli)
            return True
    chunk = _core(text[tokens[first].start : tokens[period].end]).lstrip("".join(_OPENERS))
    return chunk.lower() in ABBREVIATIONS


def _starts_sentence(token_text: str) -> bool:
    word = _core(token_text)
    if not word:
        return False
    first = word[0]
    if first.isupper() or first.isdigit() or first in _SENTENCE_OPENERS:
        return True
    # p53, mRNA, siRNA, cDNA: lower-case initial but clearly a (gene or molecule) name
    return first.isalpha() and any(char.isupper() or char.isdigit() for char in word)


def _is_boundary(text: str, tokens: list[Token], i: int) -> bool:
    """Whether a sentence ends between ``tokens[i]`` and ``tokens[i + 1]``."""
    gap = text[tokens[i].end : tokens[i + 1].start]
    if not gap:
        return False
    if "\u2029" in gap or len(_LINE_BREAK.findall(gap)) >= 2:
        return True
    j = i
    while j > 0 and tokens[j - 1].end == tokens[j].start and _core(tokens[j].text) in _CLOSERS:
        j -= 1
    terminal = _core(tokens[j].text)
    if terminal not in _TERMINALS:
        return False
    if terminal == "." and _ends_abbreviation(text, tokens, j):
        return False
    return _starts_sentence(tokens[i + 1].text)


def split_sentences(text: str) -> list[Sentence]:
    """Split ``text`` into sentences of word tokens (offsets into ``text``).

    Whitespace-only or empty text has no sentences. Sentence boundaries always fall in
    whitespace between tokens, so tokenizing a sentence's span on its own gives its tokens.
    """
    tokens = tokenize_words(text)
    sentences: list[Sentence] = []
    first = 0
    for i in range(len(tokens)):
        if i + 1 == len(tokens) or _is_boundary(text, tokens, i):
            group = tuple(tokens[first : i + 1])
            sentences.append(Sentence(group[0].start, group[-1].end, group))
            first = i + 1
    return sentences


def segment_passages(text, passages=None):
    if passages is None:
        return split_sentences(text)
    sentences = []
    for start, end in passages:
        for sentence in split_sentences(text[start:end]):
            tokens = tuple(Token(t.text, t.start + start, t.end + start) for t in sentence.tokens)
            sentences.append(Sentence(sentence.start + start, sentence.end + start, tokens))
    return sentences


def find_entities(text, sentences, tags, scores, untyped_entity_type=None):
    found = []
    for sentence, sentence_tags, sentence_scores in zip(sentences, tags, scores):
        for chunk_type, first, last in get_entities(list(sentence_tags)):
            start, end = sentence.tokens[first].start, sentence.tokens[last].end
            entity_type = chunk_type if untyped_entity_type is None else untyped_entity_type
            words = sentence_scores[first : last + 1]
            score = math.fsum(words) / len(words)
            found.append(Entity(start, end, text[start:end], entity_type, score))
    return found


def encode(encoder, batch: dict) -> dict:
    """WordEncoder.encode as it was: word_pieces() of every sentence, then windows()."""
    tag_ids = batch.get("tag_ids")
    out = {"input_ids": [], "attention_mask": [], "word_positions": [],
           "sentence_id": [], "word_offset": [], "dataset": [], "length": []}
    if encoder.with_token_type_ids:
        out["token_type_ids"] = []
    if tag_ids is not None:
        out["labels"] = []
    prefix, suffix = list(encoder.special.prefix), list(encoder.special.suffix)
    for i, pieces in enumerate(encoder.word_pieces(batch["words"])):
        for offset, window in windows(encoder, pieces):
            input_ids = prefix.copy()
            positions = []
            for word in window:
                positions.append(len(input_ids))
                input_ids.extend(word)
            input_ids.extend(suffix)
            out["input_ids"].append(input_ids)
            out["attention_mask"].append([1] * len(input_ids))
            if encoder.with_token_type_ids:
                out["token_type_ids"].append([0] * len(input_ids))
            out["word_positions"].append(positions)
            out["sentence_id"].append(batch["sentence_id"][i])
            out["word_offset"].append(offset)
            out["dataset"].append(batch["dataset"][i])
            out["length"].append(len(input_ids))
            if tag_ids is not None:
                labels = [IGNORE_INDEX] * len(input_ids)
                for position, tag in zip(positions, tag_ids[i][offset : offset + len(window)]):
                    labels[position] = tag
                out["labels"].append(labels)
    return out


def windows(encoder, pieces):
    found, current, used, start = [], [], 0, 0
    for index, word in enumerate(pieces):
        word = (word or [encoder.unk_id])[: encoder.window_budget]
        if current and used + len(word) > encoder.window_budget:
            found.append((start, current))
            current, used, start = [], 0, index
        current.append(word)
        used += len(word)
    found.append((start, current))
    return found


def pad(tokenizer, rows):
    return pad_without_fast_tokenizer_warning(tokenizer, {"input_ids": rows}, return_tensors="pt",
                                              return_attention_mask=True)
