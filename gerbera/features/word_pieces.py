"""Where words meet sub-tokens: model inputs built from sentences.

Each sentence is tokenized once (fast tokenizer, words given as a pre-split list). The first
sub-token of a word carries the word's tag; later sub-tokens are ignored by the loss (-100).
Two situations the original code got wrong are handled here:

- a word that the tokenizer maps to nothing (zero-width space, soft hyphen, some control
  characters) is fed to the model as the unknown token, so it still gets a prediction;
- a sentence longer than ``max_seq_length`` sub-tokens is cut, between words, into windows
  that each fit; every word lies in exactly one window, so every word is predicted. A single
  word with more sub-tokens than a window holds keeps its first ones (the tagged one among them).

Words become sub-tokens in one of two ways (``--word_tokenization``):

- ``standard``: the sentence's words are given to the fast tokenizer as a pre-split list, each
  word as if it followed a space (RoBERTa-like tokenizers are loaded with ``add_prefix_space``);
- ``legacy`` (the original code's word tokenization): each word is tokenized alone, with no
  leading space and no special tokens, as the original GERBERA code did (the slow tokenizer of
  transformers 3.0.0, whose ``tokenize(word)`` adds no space: RoBERTa pieces then carry no ``Ġ``
  marker). A copy of the fast tokenizer whose byte-level pre-tokenizer adds no space does the
  work, and each distinct word is tokenized once (a per-word cache), so it stays fast. A word that is only whitespace has no pieces, as in the
  original (which then dropped the word; here it becomes the unknown token, see below). For
  WordPiece (BERT) tokenizers the two modes give the same pieces.

`check_word_tokenization` is the one check of a mode's name, wherever a mode comes from (the
``--word_tokenization`` flag, a model's config.json, a caller of `WordEncoder`).

`unknown_word_share` and `warn_if_words_unknown` measure how many words the tokenizer knows
only as the unknown token: a model whose tokenizer files are wrong or missing tags nothing, and says
nothing; run_ner.py and run_eval.py warn for each dataset they read (through
`gerbera.reporting.data_summary.log_summary`), run_predict.py for its inputs.

Each window remembers its sentence (``sentence_id``), the index of its first word
(``word_offset``) and the position of every word's first sub-token (``word_positions``), so
predictions can be put back word by word.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import accumulate, chain

from transformers import PreTrainedTokenizerBase

from gerbera.errors import GerberaError

logger = logging.getLogger("gerbera")

IGNORE_INDEX = -100
# Above this share of words known only as the unknown token, the tokenizer is probably not the
# model's, or the text not the model's language (WordPiece vocabularies leave well under 1% of
# biomedical or news words unknown; byte-level BPE none).
UNKNOWN_WORDS_WARNING_SHARE = 0.05
UNKNOWN_WORDS_SAMPLE = 2_000  # sentences looked at, spread over the input
STANDARD_WORD_TOKENIZATION = "standard"
# The original code's word tokenization. The name "legacy" is a value of the --word_tokenization flag
# and is recorded in models' config.json, so it stays.
ORIGINAL_WORD_TOKENIZATION = "legacy"
WORD_TOKENIZATION_MODES = (STANDARD_WORD_TOKENIZATION, ORIGINAL_WORD_TOKENIZATION)


def check_word_tokenization(mode: str, where: str) -> str:
    """``mode`` when it names a word tokenization (``standard`` / ``legacy``), else a GerberaError
    saying where the bad name came from (``where``, e.g. ``"--word_tokenization"``)."""
    if mode not in WORD_TOKENIZATION_MODES:
        raise GerberaError(f"{where} {mode}: choose one of {', '.join(WORD_TOKENIZATION_MODES)}")
    return mode


def _drop_prefix_space(node) -> bool:
    """Turn off ``add_prefix_space`` in every ByteLevel part of a tokenizer's JSON; True if any was on."""
    changed = False
    if isinstance(node, dict):
        if node.get("type") == "ByteLevel" and node.get("add_prefix_space"):
            node["add_prefix_space"] = False
            changed = True
        for value in node.values():
            changed |= _drop_prefix_space(value)
    elif isinstance(node, list):
        for value in node:
            changed |= _drop_prefix_space(value)
    return changed


def _unpadded_backend(tokenizer: PreTrainedTokenizerBase):
    """A copy of the Rust tokenizer that neither pads nor truncates, whatever tokenizer.json says
    (the embedded MiniLM's pads every input to 128), for tokenizing single words."""
    from tokenizers import Tokenizer

    backend = Tokenizer.from_str(tokenizer.backend_tokenizer.to_str())
    backend.no_padding()
    backend.no_truncation()
    return backend


def without_prefix_space(tokenizer: PreTrainedTokenizerBase) -> PreTrainedTokenizerBase:
    """A copy of a fast tokenizer that adds no space before a word (the tokenizer itself when it never does)."""
    from tokenizers import Tokenizer

    state = json.loads(tokenizer.backend_tokenizer.to_str())
    changed = _drop_prefix_space(state.get("pre_tokenizer"))
    if not changed:
        return tokenizer
    _drop_prefix_space(state.get("post_processor"))  # offsets only; kept consistent
    plain = copy.deepcopy(tokenizer)
    plain._tokenizer = Tokenizer.from_str(json.dumps(state))
    if hasattr(plain, "add_prefix_space"):
        plain.add_prefix_space = False
    return plain


@dataclass(frozen=True)
class SpecialTokens:
    """The ids a tokenizer puts around a single sequence, e.g. [CLS] ... [SEP] or <s> ... </s>."""

    prefix: tuple[int, ...]
    suffix: tuple[int, ...]

    @classmethod
    def of(cls, tokenizer: PreTrainedTokenizerBase) -> SpecialTokens:
        plain = tokenizer(["a"], is_split_into_words=True, add_special_tokens=False)["input_ids"]
        full = tokenizer(["a"], is_split_into_words=True, add_special_tokens=True)["input_ids"]
        for start in range(len(full) - len(plain) + 1):
            if full[start : start + len(plain)] == plain:
                return cls(tuple(full[:start]), tuple(full[start + len(plain) :]))
        raise GerberaError(f"cannot find where {type(tokenizer).__name__} places its special tokens")

    def __len__(self) -> int:
        return len(self.prefix) + len(self.suffix)


class WordEncoder:
    """Turns batches of word lists into windows of model inputs with word positions.

    ``mode`` is the word tokenization, ``standard`` or ``legacy`` (the original code's; see the
    module docstring).
    """

    PIECE_CACHE_LIMIT = 1_000_000  # distinct words remembered (legacy word tokenization, and encode())

    def __init__(self, tokenizer: PreTrainedTokenizerBase, max_seq_length: int, mode: str = STANDARD_WORD_TOKENIZATION):
        if not tokenizer.is_fast:
            raise GerberaError(f"{type(tokenizer).__name__} is not a fast tokenizer; the toolkit needs one")
        self.mode = check_word_tokenization(mode, "word tokenization")
        words_alone = mode == ORIGINAL_WORD_TOKENIZATION
        self.max_seq_length = max_seq_length
        self.special = SpecialTokens.of(tokenizer)
        # With the original code's word tokenization this is the copy that adds no leading space: it
        # decides the sub-tokens, so it is also what the features cache key fingerprints.
        self.tokenizer = without_prefix_space(tokenizer) if words_alone else tokenizer
        self._piece_cache: dict[str, tuple[int, ...]] = {}
        self._word_backend = _unpadded_backend(self.tokenizer) if words_alone else None
        self.window_budget = max_seq_length - len(self.special)
        if self.window_budget < 1:
            raise GerberaError(
                f"--max_seq_length {max_seq_length} cannot hold a word: the model's special tokens "
                f"alone take {len(self.special)}"
            )
        if tokenizer.unk_token_id is None:
            raise GerberaError(f"{type(tokenizer).__name__} has no unknown token to stand for untokenizable words")
        self.unk_id = tokenizer.unk_token_id
        self.with_token_type_ids = "token_type_ids" in tokenizer.model_input_names

    def word_pieces(self, batch_words: Sequence[Sequence[str]]) -> list[list[Sequence[int]]]:
        """Sub-token ids of every word of every sentence (empty for words with none)."""
        if self.mode == ORIGINAL_WORD_TOKENIZATION:
            return self._pieces_of_words_alone(batch_words)
        encoding = self.tokenizer(list(batch_words), is_split_into_words=True, add_special_tokens=False)
        result = []
        for i, words in enumerate(batch_words):
            pieces: list[list[int]] = [[] for _ in words]
            for token_id, word_id in zip(encoding["input_ids"][i], encoding.word_ids(i)):
                pieces[word_id].append(token_id)
            result.append(pieces)
        return result

    def _pieces_of_words_alone(self, batch_words: Sequence[Sequence[str]]) -> list[list[tuple[int, ...]]]:
        """The original code's word tokenization: each word tokenized alone, no leading space, no
        special tokens; each distinct word once."""
        cache = self._piece_cache
        if len(cache) > self.PIECE_CACHE_LIMIT:  # a long-running tagger sees ever new words: stay bounded
            cache.clear()
        new = [word for word in dict.fromkeys(w for words in batch_words for w in words) if word not in cache]
        if new:
            encodings = self._word_backend.encode_batch([word for word in new if word.strip()], add_special_tokens=False)
            found = iter(encodings)
            for word in new:
                # transformers 3.0.0's tokenize() gave nothing for a word that is only whitespace
                cache[word] = tuple(next(found).ids) if word.strip() else ()
        return [[cache[word] for word in words] for words in batch_words]

    def _cached_word_pieces(self, batch_words: Sequence[Sequence[str]]) -> list[list[Sequence[int]]]:
        """What :meth:`word_pieces` gives (as tuples), each distinct word tokenized once: the fast tokenizer
        turns each word of a pre-split list into sub-tokens on its own (normalizer, pre-tokenizer and model run
        word by word), so a word's pieces do not depend on its neighbours; new words are tokenized together."""
        if self.mode == ORIGINAL_WORD_TOKENIZATION:
            return self._pieces_of_words_alone(batch_words)
        cache = self._piece_cache  # the mode's own: an encoder has one mode
        if len(cache) > self.PIECE_CACHE_LIMIT:  # a long-running tagger sees ever new words: stay bounded
            cache.clear()
        new = [word for word in dict.fromkeys(w for words in batch_words for w in words) if word not in cache]
        if new:
            # verbose=False: these words are no sequence for the model ("longer than the maximum" does not apply)
            encoding = self.tokenizer([new], is_split_into_words=True, add_special_tokens=False, verbose=False)
            pieces: list[list[int]] = [[] for _ in new]
            for token_id, word_id in zip(encoding["input_ids"][0], encoding.word_ids(0)):
                pieces[word_id].append(token_id)
            cache.update((word, tuple(word_pieces)) for word, word_pieces in zip(new, pieces))
        return [[cache[word] for word in words] for words in batch_words]

    def windows(self, pieces: list[list[int]]) -> list[tuple[int, list[list[int]]]]:
        """Cut a sentence's words into windows that fit: (index of first word, pieces per word)."""
        windows: list[tuple[int, list[list[int]]]] = []
        current: list[list[int]] = []
        used = 0
        start = 0
        for index, word in enumerate(pieces):
            word = (word or [self.unk_id])[: self.window_budget]
            if current and used + len(word) > self.window_budget:
                windows.append((start, current))
                current, used, start = [], 0, index
            current.append(word)
            used += len(word)
        windows.append((start, current))
        return windows

    def encode(self, batch: dict) -> dict:
        """``datasets.map`` function: sentences in, one row per window out."""
        tag_ids = batch.get("tag_ids")
        out: dict[str, list] = {
            "input_ids": [], "attention_mask": [], "word_positions": [],
            "sentence_id": [], "word_offset": [], "dataset": [], "length": [],
        }
        if self.with_token_type_ids:
            out["token_type_ids"] = []
        if tag_ids is not None:
            out["labels"] = []
        prefix, suffix = list(self.special.prefix), list(self.special.suffix)
        budget = self.window_budget
        for i, pieces in enumerate(self._cached_word_pieces(batch["words"])):
            lengths = list(map(len, pieces))
            # the usual sentence: one window of every word's pieces as they are (what windows() gives then)
            one_window = pieces and 0 not in lengths and sum(lengths) <= budget
            for offset, window in [(0, pieces)] if one_window else self.windows(pieces):
                # each word's first sub-token: after the prefix and the pieces of the words before it
                positions = list(accumulate(map(len, window), initial=len(prefix)))[: len(window)]
                input_ids = [*prefix, *chain.from_iterable(window), *suffix]
                out["input_ids"].append(input_ids)
                out["attention_mask"].append([1] * len(input_ids))
                if self.with_token_type_ids:
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


def unknown_word_share(encoder: WordEncoder, sentences: Sequence[Sequence[str]], sample: int = UNKNOWN_WORDS_SAMPLE) -> float:
    """The share of words that become only the unknown token (or nothing, which is fed as the
    unknown token), over at most ``sample`` sentences spread evenly over ``sentences``."""
    step = max(1, -(-len(sentences) // sample))
    chosen = [words for words in sentences[::step] if words]
    words = unknown = 0
    for start in range(0, len(chosen), 256):
        for pieces in encoder._cached_word_pieces(chosen[start : start + 256]):  # the same pieces
            words += len(pieces)
            unknown += sum(1 for word in pieces if all(piece == encoder.unk_id for piece in word))
    return unknown / words if words else 0.0


def warn_if_words_unknown(encoder: WordEncoder, sentences: Sequence[Sequence[str]], where: str) -> float:
    """Log a warning when more than `UNKNOWN_WORDS_WARNING_SHARE` of the words of ``sentences``
    (read from ``where``, e.g. a file) are unknown to the tokenizer; the share."""
    share = unknown_word_share(encoder, sentences)
    if share > UNKNOWN_WORDS_WARNING_SHARE:
        logger.warning(
            "%s: %.0f%% of the words are unknown to the tokenizer (the unknown token %s): its tokenizer files may "
            "not be the model's, or the text not in the model's language; predictions will be poor",
            where, 100 * share, encoder.tokenizer.unk_token,
        )
    return share
