"""From corpus files to `datasets.Dataset` features: where tags are mapped and features cached.

A `SplitGroup` is the sentences of one or more split files (e.g. the ``train.txt`` of
NCBI-disease and of CoNLL2003), with their gold tags mapped into the shared tag set and their
model inputs. Features are cached as Arrow files under a key made of everything they depend on:
the files' contents, the tag set, the tokenizer and the window size. A change to any of them
gives a new key, so the cache never serves stale features.
"""

from __future__ import annotations

import contextlib
import gc
import hashlib
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

import datasets

from gerbera.cache_dir import toolkit_cache_dir
from gerbera.corpora.column_files import CorpusSplit
from gerbera.corpora.split_sources import load_split
from gerbera.corpora.tags import TagSet
from gerbera.errors import GerberaError
from gerbera.features.word_pieces import WordEncoder
from gerbera.fingerprints import fingerprint

logger = logging.getLogger(__name__)

# Bump when the feature layout or the tokenization rules change.
FEATURES_VERSION = 1


@contextlib.contextmanager
def garbage_collection_paused():
    """Reading and tokenizing build millions of small lists; Python's cyclic collector would
    rescan them again and again (about 40% of preprocessing time) though they hold no cycles."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def default_cache_dir() -> Path:
    return toolkit_cache_dir("features")


def features_cache_dir(data_args) -> str:
    """Where tokenized features are cached: --features_cache_dir, else the toolkit's cache folder."""
    return data_args.features_cache_dir or str(default_cache_dir())


def file_digest(path: str | os.PathLike) -> str:
    """The SHA-256 of a file's bytes (:func:`gerbera.fingerprints.fingerprint`: once per file per run);
    of a folder (a ``datasets`` save_to_disk split), the digest of its files' relative names and
    contents, in name order."""
    hasher = hashlib.sha256()
    if Path(path).is_dir():
        for member in sorted(p for p in Path(path).rglob("*") if p.is_file()):
            hasher.update(f"{member.relative_to(path).as_posix()}\0{file_digest(member)}\0".encode())
        return hasher.hexdigest()
    return fingerprint(path).sha256  # the same hash corpus resume keys on, once per file per run


def tokenizer_fingerprint(tokenizer) -> str:
    """A hash of everything in the tokenizer that decides the sub-tokens."""
    hasher = hashlib.sha256(type(tokenizer).__name__.encode())
    hasher.update(tokenizer.backend_tokenizer.to_str().encode())
    hasher.update(repr(getattr(tokenizer, "add_prefix_space", None)).encode())
    return hasher.hexdigest()


@dataclass
class SplitGroup:
    """Sentences from one or more split files, scored or trained on together."""

    splits: list[CorpusSplit]
    tagset: TagSet
    gold_tags: list[list[str]] | None = None  # mapped into the tag set; None for words-only files
    features: datasets.Dataset | None = None
    sentence_dataset: list[str] = field(default_factory=list)  # dataset name of every sentence
    # A head per corpus (gerbera.models.corpus_heads): each dataset's tags are its head's (tag ids
    # the head's own), its rows carry its head's index (``head_ids``); ``column_labels`` names every
    # column of the model's logits with its head's tag.
    dataset_tagsets: dict[str, TagSet] | None = None
    dataset_heads: dict[str, int] | None = None
    column_labels: list[str] | None = None

    def tagset_of(self, dataset: str) -> TagSet:
        """The tag set a dataset's tags are mapped into: its head's, else the group's."""
        return self.dataset_tagsets[dataset] if self.dataset_tagsets else self.tagset

    @property
    def sentences(self):
        return [sentence for split in self.splits for sentence in split.sentences]

    @property
    def has_tags(self) -> bool:
        return all(split.has_tags for split in self.splits)

    @property
    def num_sentences(self) -> int:
        return sum(len(split.sentences) for split in self.splits)

    def map_tags(self) -> None:
        """Map every gold tag into the tag set; an unrepresentable tag names its file and line."""
        with garbage_collection_paused():
            self._map_tags()

    def _map_tags(self) -> None:
        self.sentence_dataset = [split.dataset for split in self.splits for _ in split.sentences]
        tagged = [split for split in self.splits if split.has_tags]
        if tagged and len(tagged) < len(self.splits):
            words_only = next(split for split in self.splits if not split.has_tags)
            raise GerberaError(
                f"{words_only.path} holds words only, but {tagged[0].path} has tags: score tagged and "
                "words-only files in separate runs, so that no gold tag is ignored"
            )
        if not self.has_tags:
            self.gold_tags = None
            return
        self.gold_tags = [
            self.tagset_of(split.dataset).map_sentence(sentence.tags, str(split.path), sentence.first_line)
            for split in self.splits
            for sentence in split.sentences
        ]

    def cache_key(self, encoder: WordEncoder) -> str:
        description = {
            "version": FEATURES_VERSION,
            "files": [
                (split.dataset, split.split, file_digest(split.path), split.fraction, split.sample_seed)
                for split in self.splits
            ],
            "labels": self.tagset.labels if self.has_tags else None,
            "tokenizer": tokenizer_fingerprint(encoder.tokenizer),
            "max_seq_length": encoder.max_seq_length,
            "word_tokenization": encoder.mode,
        }
        if self.tagset.corpus_types or self.tagset.ignore_types:  # gold tags read with --type_map / --ignore_types
            description["corpus_types"] = [sorted(self.tagset.corpus_types.items()), self.tagset.ignore_types]
        if self.dataset_tagsets:  # a head per corpus: each dataset's tag ids are its head's own
            description["heads"] = [(split.dataset, self.tagset_of(split.dataset).labels) for split in self.splits]
        if any(split.reader for split in self.splits):  # sentences made from another format than column files
            description["readers"] = [split.reader for split in self.splits]
        return hashlib.sha256(json.dumps(description, sort_keys=True).encode()).hexdigest()[:32]

    def build_features(
        self,
        encoder: WordEncoder,
        cache_dir: str | os.PathLike | None,
        overwrite_cache: bool = False,
        sort_by_length: bool = False,
    ) -> datasets.Dataset:
        """Tokenize (or load from the cache) and return one row per window."""
        with garbage_collection_paused():
            return self._build_features(encoder, cache_dir, overwrite_cache, sort_by_length)

    def _build_features(self, encoder, cache_dir, overwrite_cache, sort_by_length) -> datasets.Dataset:
        if self.gold_tags is None and self.has_tags:
            self.map_tags()
        cache_file = None
        if cache_dir is not None:
            Path(cache_dir).mkdir(parents=True, exist_ok=True)
            cache_file = str(Path(cache_dir) / f"features-{self.cache_key(encoder)}.arrow")
        if cache_file is not None and not overwrite_cache and os.path.exists(cache_file):
            features = datasets.Dataset.from_file(cache_file)  # a cache hit builds no input columns
        else:
            features = self._tokenize(encoder, cache_file)
        if self.dataset_heads:
            features = features.add_column("head_ids", [self.dataset_heads[name] for name in features["dataset"]])
        if sort_by_length:  # evaluation: batches of similar length waste no compute on padding
            features = features.sort("length", reverse=True)
        self.features = features
        return features

    def _tokenize(self, encoder: WordEncoder, cache_file: str | None) -> datasets.Dataset:
        columns: dict[str, list] = {
            "words": [sentence.words for sentence in self.sentences],
            "sentence_id": list(range(self.num_sentences)),
            "dataset": self.sentence_dataset,
        }
        if self.gold_tags is not None and not self.tagset.ignore_types:  # gold without types has no tag ids: no loss
            label2ids = [self.tagset_of(dataset).label2id for dataset in self.sentence_dataset]
            columns["tag_ids"] = [[label2id[tag] for tag in tags] for tags, label2id in zip(self.gold_tags, label2ids)]
        sentences = datasets.Dataset.from_dict(columns)
        return sentences.map(
            encoder.encode,
            batched=True,
            batch_size=1000,
            remove_columns=sentences.column_names,
            cache_file_name=cache_file,
            load_from_cache_file=False,  # build_features has already looked in the cache
            new_fingerprint=Path(cache_file).stem if cache_file else None,
            desc="Tokenizing " + "+".join(f"{s.dataset}/{s.split}" for s in self.splits),
        )


def read_splits(data_dir: str, dataset_names: list[str], split: str, entity_types: str | None = None) -> list[CorpusSplit]:
    with garbage_collection_paused():
        return [load_split(data_dir, name, split, entity_types) for name in dataset_names]


def load_group(data_dir: str, dataset_names: list[str], split: str, tagset: TagSet, entity_types: str | None = None) -> SplitGroup:
    """Read one split of several datasets and map their tags (errors surface here, before training)."""
    group = SplitGroup(read_splits(data_dir, dataset_names, split, entity_types), tagset)
    group.map_tags()
    return group
