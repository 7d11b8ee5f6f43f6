"""predict_speed.py --models: the arms of issue 32's targets, measured in the same rounds as the others.

- ``two_models``: one ``run_predict.py --model A=... B=...`` run (two MiniLM models with random
  3-tag heads), reading to writing;
- ``run_predict_b``: the second model alone (``run_predict`` is the first), so that ``two_runs``
  is the two separate runs' time;
- ``forward_b``: the second model's bare forward pass (``forward`` is the first's);
- ``heads``: ``run_predict`` with a model with a head per corpus, the same MiniLM with a random
  6-column classifier holding two 3-tag heads (:mod:`gerbera.models.corpus_heads`): two types
  from one encoder pass, against ``run_predict``, the model with one head.

The limit of one run with k models is the k bare forward passes plus one host side, the host side
taken from the host arm (the tiny model's run less its own forward pass, per document).
"""

from __future__ import annotations

import contextlib
import io
import tempfile
from pathlib import Path

__all__ = ["heads_model", "model_arms", "models_summary"]


def heads_model(encoder: Path, out: Path) -> Path:
    """``encoder`` with a random classifier of two 3-tag heads side by side (Disease and Gene)."""
    from transformers import AutoConfig, AutoModelForTokenClassification, AutoTokenizer

    from gerbera.models.corpus_heads import Head, set_heads

    config = AutoConfig.from_pretrained(encoder)
    set_heads(config, [Head("Disease", "ncbi", ("B", "I", "O")), Head("Gene", "bc2gm", ("B", "I", "O"))])
    model = AutoModelForTokenClassification.from_pretrained(encoder, config=config)
    model.save_pretrained(out)
    AutoTokenizer.from_pretrained(encoder).save_pretrained(out)
    return out


def _run(flags: list[str], source: Path, scratch: Path, batch_size: int) -> float:
    import run_predict

    out = Path(tempfile.mkdtemp(dir=scratch))
    with contextlib.redirect_stderr(io.StringIO()):
        summary = run_predict.main([*flags, "--input", str(source), "--output", f"{out}/", "--disable_tqdm",
                                    "--batch_size", str(batch_size), "--device", "cpu"])
    return summary["seconds"]


def model_arms(first: Path, second: Path, heads: Path, second_tagger, documents, source: Path, scratch: Path,
               batch_size: int, forward_arm) -> dict:
    """The arms named in the module docstring, as functions giving seconds."""
    return {
        "two_models": lambda: _run(["--model", f"Disease={first}", f"Gene={second}"], source, scratch, batch_size),
        "run_predict_b": lambda: _run(["--model_name_or_path", str(second)], source, scratch, batch_size),
        "forward_b": lambda: forward_arm(second_tagger, documents),
        "heads": lambda: _run(["--model_name_or_path", str(heads)], source, scratch, batch_size),
    }


def models_summary(median: dict, count: int, host_documents: int) -> dict:
    """The targets' ratios (documents/s of one run against the limit, against two runs; heads against one head)."""
    found = {}
    if {"two_models", "forward", "forward_b", "host", "host_forward"} <= set(median):
        host_side = (median["host"] - median["host_forward"]) / host_documents * count
        limit = median["forward"] + median["forward_b"] + host_side
        found["two_models_vs_limit"] = round(limit / median["two_models"], 3)
        found["limit_seconds"] = round(limit, 3)
    if {"two_models", "run_predict", "run_predict_b"} <= set(median):
        found["two_models_vs_two_runs"] = round((median["run_predict"] + median["run_predict_b"]) / median["two_models"], 3)
    if {"heads", "run_predict"} <= set(median):
        found["two_heads_vs_one_head"] = round(median["run_predict"] / median["heads"], 3)
    return found
