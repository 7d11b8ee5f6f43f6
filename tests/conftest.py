"""Shared fixtures: tiny encoders built in the test session, small corpora, offline settings."""

from __future__ import annotations

import os
import socket
from pathlib import Path

import pytest
from hypothesis import settings

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["HF_DATASETS_OFFLINE"] = "1"
os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
os.environ["WANDB_DISABLED"] = "true"
# pytest-xdist's workers share the cores: each test process (and the child processes its tests start)
# takes its share of torch threads, for two workers each running torch on every core halve each other
if int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1")) > 1:
    os.environ.setdefault("OMP_NUM_THREADS", str(max(1, (os.cpu_count() or 1) // int(os.environ["PYTEST_XDIST_WORKER_COUNT"]))))

from tiny_models import make_tiny_bert, make_tiny_roberta

# Property-based tests draw the same examples on every run ("ci", the default), so a red CI run can
# be rerun and a green one means the same as the last; HYPOTHESIS_PROFILE=explore draws new ones
# each run (and prints how to reproduce a failure). Tests' own @settings (max_examples, ...) still apply.
settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, print_blob=True)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

REPO = Path(__file__).resolve().parent.parent
SHARED_DATA = REPO.parent / "shared" / "NERdata"

# A small biomedical corpus (untyped B/I/O) and a general-domain one (typed IOB2), enough for
# the tiny models to run every code path.
BIO_SENTENCES = [
    [("Mutations", "O"), ("in", "O"), ("BRCA1", "O"), ("cause", "O"), ("breast", "B"), ("cancer", "I"), (".", "O")],
    [("Huntington", "B"), ("disease", "I"), ("is", "O"), ("inherited", "O"), (".", "O")],
    [("Patients", "O"), ("with", "O"), ("type", "B"), ("2", "I"), ("diabetes", "I"), ("and", "O"), ("obesity", "B"), ("were", "O"), ("studied", "O"), (".", "O")],
    [("No", "O"), ("tumour", "B"), ("was", "O"), ("found", "O"), ("in", "O"), ("the", "O"), ("colon", "O"), (".", "O")],
]
NEWS_SENTENCES = [
    [("EU", "B-ORG"), ("rejects", "O"), ("German", "B-MISC"), ("call", "O"), ("to", "O"), ("boycott", "O"), ("British", "B-MISC"), ("lamb", "O"), (".", "O")],
    [("Peter", "B-PER"), ("Blackburn", "I-PER"), ("visited", "O"), ("New", "B-LOC"), ("York", "I-LOC"), (".", "O")],
    [("The", "O"), ("European", "B-ORG"), ("Commission", "I-ORG"), ("said", "O"), ("on", "O"), ("Thursday", "O"), (".", "O")],
]


def column_text(sentences, separator=" ", newline="\n", docstart=False, extra_columns=0) -> str:
    lines = [f"-DOCSTART-{' -X- O O' if extra_columns else ''}{newline}{newline}"] if docstart else []
    for sentence in sentences:
        for word, tag in sentence:
            middle = "".join(f"{separator}X" for _ in range(extra_columns))
            lines.append(f"{word}{middle}{separator}{tag}{newline}")
        lines.append(newline)
    return "".join(lines)


def write_dataset(root: Path, name: str, train, devel=None, test=None, labels=None, **style) -> Path:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    for split, sentences in (("train", train), ("devel", devel or train), ("test", test or devel or train)):
        (folder / f"{split}.txt").write_bytes(column_text(sentences, **style).encode("utf-8"))
    if labels:
        (folder / "labels.txt").write_text("\n".join(labels) + "\n", encoding="utf-8")
    return folder


def free_port() -> int:
    """A TCP port free at this moment, for a rendezvous (--master_port) that must not collide with
    another test run on the same machine."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(autouse=True)
def _feature_cache(tmp_path_factory, monkeypatch):
    monkeypatch.setenv("GERBERA_CACHE", str(tmp_path_factory.getbasetemp() / "gerbera-cache"))


@pytest.fixture(scope="session")
def tiny_bert(tmp_path_factory) -> Path:
    words = [w for s in BIO_SENTENCES + NEWS_SENTENCES for w, _ in s]
    return make_tiny_bert(tmp_path_factory.mktemp("tiny-bert"), corpus_words=words)


@pytest.fixture(scope="session")
def tiny_roberta(tmp_path_factory) -> Path:
    words = [w for s in BIO_SENTENCES + NEWS_SENTENCES for w, _ in s]
    return make_tiny_roberta(tmp_path_factory.mktemp("tiny-roberta"), corpus_words=words)


@pytest.fixture
def data_dir(tmp_path) -> Path:
    """``bio`` (untyped, spaces, LF), ``news`` (typed, 4 columns, CRLF, -DOCSTART-), ``bio2`` (typed, tabs)."""
    root = tmp_path / "NERdata"
    write_dataset(root, "bio", BIO_SENTENCES, labels=["B", "I", "O"])
    write_dataset(root, "news", NEWS_SENTENCES, newline="\r\n", docstart=True, extra_columns=2)
    bio2 = [[(w, t if t == "O" else f"{t}-Disease") for w, t in s] for s in BIO_SENTENCES[:3]]
    write_dataset(root, "bio2", bio2, separator="\t")
    return root


def pytest_collection_modifyitems(items):
    """The tests marked slow first: the workers share them out at the start, so none is left to run
    alone at the end while the other worker waits."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)
