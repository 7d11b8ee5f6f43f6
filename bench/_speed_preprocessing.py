"""The benchmark's data, and its preprocessing measured in ``bench/speed.py``'s main process, before
the pipelines start: what ``run_ner.py`` does before training (read the train files, choose the tag
set, map tags, build features), with an empty features cache (cold) and again on a cache hit, the
parts of ``build_features`` timed alone, and (``--profile``) a cProfile of the cold path.

It also builds the devel features into the cache, so that the pipelines only load them.
"""

from __future__ import annotations

import shutil
import time
from pathlib import Path

from _speed_process import peak_rss_mb, reset_peak_rss, rss_mb

TRAIN_DATASETS = ["NCBI-disease", "CoNLL2003"]
EVAL_DATASETS = ["NCBI-disease"]


def load_model_side(args):
    from gerbera.commands.arguments import ModelArguments
    from gerbera.models.model_side import ModelSide

    return ModelSide.load(ModelArguments(model_name_or_path=args.model_name_or_path), args.max_seq_length)


def preprocess_train(args, encoder, cache_dir):
    """What run_ner.py does before training: read, choose the tag set, map tags, build features."""
    import gc

    from gerbera.corpora.tags import TagSet
    from gerbera.features.split_groups import SplitGroup, read_splits

    times = {}
    gc_time = [0.0, 0.0]  # total, start of the running collection

    def on_gc(phase, info):
        if phase == "start":
            gc_time[1] = time.perf_counter()
        else:
            gc_time[0] += time.perf_counter() - gc_time[1]

    gc.callbacks.append(on_gc)
    c0 = time.process_time()
    t0 = time.perf_counter()
    splits = read_splits(args.data_dir, TRAIN_DATASETS, "train")
    t1 = time.perf_counter()
    tagset = TagSet.from_tags(tag for split in splits for s in split.sentences for tag in s.tags)
    t2 = time.perf_counter()
    group = SplitGroup(splits, tagset)
    group.map_tags()
    t3 = time.perf_counter()
    group.build_features(encoder, cache_dir)
    t4 = time.perf_counter()
    gc.callbacks.remove(on_gc)
    times.update(gc_s=gc_time[0], cpu_s=time.process_time() - c0, read_s=t1 - t0, tagset_s=t2 - t1, map_tags_s=t3 - t2,
                 build_features_s=t4 - t3, total_s=t4 - t0)
    return group, times


def build_features_breakdown(group, encoder, tagset, build_features_s: float) -> dict:
    """build_features taken apart: the tokenizer alone, then word grouping, then the window/row
    assembly; the rest of its time is datasets (Arrow writing, fingerprints)."""
    words = [s.words for s in group.sentences]
    tok = encoder.tokenizer
    t0 = time.perf_counter()
    for i in range(0, len(words), 1000):
        tok(words[i : i + 1000], is_split_into_words=True, add_special_tokens=False)
    t1 = time.perf_counter()
    for i in range(0, len(words), 1000):
        encoder.word_pieces(words[i : i + 1000])
    t2 = time.perf_counter()
    columns = {
        "words": words,
        "sentence_id": list(range(len(words))),
        "dataset": group.sentence_dataset,
        "tag_ids": [[tagset.label2id[t] for t in tags] for tags in group.gold_tags],
    }
    for i in range(0, len(words), 1000):
        encoder.encode({k: v[i : i + 1000] for k, v in columns.items()})
    t3 = time.perf_counter()
    breakdown = {
        "tokenizer_s": t1 - t0,
        "word_pieces_python_s": (t2 - t1) - (t1 - t0),
        "windows_rows_python_s": (t3 - t2) - (t2 - t1),
        "datasets_arrow_s": build_features_s - (t3 - t2),
    }
    return breakdown


def preprocessing(args, model_side, scratch: Path) -> dict:
    from gerbera.features.split_groups import garbage_collection_paused, load_group

    encoder = model_side.encoder(args.max_seq_length)
    cache_dir = scratch / "features-cache"
    if cache_dir.exists():
        shutil.rmtree(cache_dir)
    reset_peak_rss()
    rss0 = rss_mb()
    group, cold = preprocess_train(args, encoder, cache_dir)  # empty cache dir
    cold_peak = peak_rss_mb()
    _, cached = preprocess_train(args, encoder, cache_dir)  # the same files again: a cache hit
    tagset = group.tagset
    # devel: built (and cached) here so that the pipelines only load it
    t0 = time.perf_counter()
    devel = load_group(args.data_dir, EVAL_DATASETS, "devel", tagset)
    devel.build_features(encoder, cache_dir, sort_by_length=True)
    devel_s = time.perf_counter() - t0

    # The parts run with the garbage collector paused, as build_features does, so that they add up to its time.
    with garbage_collection_paused():
        breakdown = build_features_breakdown(group, encoder, tagset, cold["build_features_s"])
    result = {
        "cold": cold,
        "cached": cached,
        "breakdown": breakdown,
        "devel_build_s": devel_s,
        "train_rows": len(group.features),
        "train_sentences": group.num_sentences,
        "devel_sentences": devel.num_sentences,
        "labels": tagset.labels,
        "peak_rss_mb": cold_peak,
        "rss_before_mb": rss0,
        "cache_dir": str(cache_dir),
    }
    if args.profile:
        result["profile"] = profile_cold_path(args, encoder, scratch / "features-profile")
    return result


def profile_cold_path(args, encoder, cache_dir: Path) -> str:
    import cProfile
    import io
    import pstats

    profiler = cProfile.Profile()
    profiler.enable()
    preprocess_train(args, encoder, cache_dir)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("tottime").print_stats(15)
    return out.getvalue()
