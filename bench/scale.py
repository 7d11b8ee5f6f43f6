#!/usr/bin/env python
"""Preprocessing at scale: a synthetic corpus of 1x and 10x CoNLL2003's size (14k and 140k
sentences), read, tag-mapped and tokenized as run_ner.py does, each size in a fresh process.
Prints seconds and peak RSS per size, and as its last line a JSON object.

    python bench/scale.py [--sizes 14041 140410] [--model_name_or_path M]
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _offline  # noqa: F401  (sets up sys.path and offline hubs)

WORDS = ["the", "of", "and", "to", "in", "a", "is", "was", "for", "on", "with", "as", "by", "at", "from", "patients",
         "disease", "gene", "protein", "cancer", "mutation", "expression", "cells", "study", "results", "BRCA1", "p53",
         "IL-2", "TNF-alpha", "Smith", "London", "Reuters", "Monday", "market", "shares"]
TAGS = ["O"] * 8 + ["B-PER", "I-PER", "B-LOC", "B-ORG", "I-ORG", "B-MISC"]


def write_corpus(folder: Path, sentences: int, seed: int = 0) -> None:
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / "train.txt", "w", encoding="utf-8") as out:
        for _ in range(sentences):
            for _ in range(rng.randint(3, 40)):
                out.write(f"{rng.choice(WORDS)} {rng.choice(TAGS)}\n")
            out.write("\n")


def measure(data_dir: str, model: str | None, cache: str) -> dict:
    from gerbera.corpora.tags import TagSet
    from gerbera.features.split_groups import SplitGroup, read_splits
    from gerbera.features.word_pieces import WordEncoder
    from gerbera.models.loading import embedded_model_path, load_config, load_tokenizer

    name = model or embedded_model_path()
    tokenizer = load_tokenizer(name, load_config(name))
    encoder = WordEncoder(tokenizer, 128)
    started = time.perf_counter()
    splits = read_splits(data_dir, ["synthetic"], "train")
    group = SplitGroup(splits, TagSet(["B", "I", "O"]))
    group.map_tags()
    features = group.build_features(encoder, cache)
    seconds = time.perf_counter() - started
    return {"sentences": group.num_sentences, "rows": len(features), "seconds": round(seconds, 2),
            "peak_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[14041, 140410])
    parser.add_argument("--model_name_or_path")
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(measure(args.child[0], args.model_name_or_path, args.child[1])))
        return
    results = []
    with tempfile.TemporaryDirectory() as scratch:
        for size in args.sizes:
            data_dir = Path(scratch) / f"data{size}"
            write_corpus(data_dir / "synthetic", size)
            command = [sys.executable, __file__, "--child", str(data_dir), str(Path(scratch) / f"cache{size}")]
            if args.model_name_or_path:
                command += ["--model_name_or_path", args.model_name_or_path]
            output = subprocess.run(command, capture_output=True, text=True, check=True).stdout.strip().splitlines()[-1]
            results.append(json.loads(output))
            print(f"{size:>8} sentences: {results[-1]['seconds']:7.2f} s, peak RSS {results[-1]['peak_rss_mb']} MiB", flush=True)
    first, last = results[0], results[-1]
    summary = {"runs": results, "size_ratio": last["sentences"] / first["sentences"],
               "time_ratio": round(last["seconds"] / first["seconds"], 2),
               "rss_ratio": round(last["peak_rss_mb"] / first["peak_rss_mb"], 2)}
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
