"""Issue 31's int8 forms side by side: which products of an ONNX export to keep in fp32, in what blocks.

    python bench/int8_forms.py --model_name_or_path MODEL --data_dir ../shared/NERdata \\
        --data_list NCBI-disease --split devel --rounds 2

Tags the labelled split with PyTorch fp32, ONNX Runtime fp32 and the export in each int8 form of
:mod:`gerbera.runtimes.int8_form` (``--forms``, default all below), through the tagging code that
``python -m gerbera.certify`` uses, and gives for each form what a certificate gives (the F1
difference to fp32 with its paired bootstrap interval, the share of words whose tag changed) and
its sentences/s against onnx-fp32 and fp32 PyTorch, the arms taking turns in the same rounds. Choose
a form on devel, never on test. The forms' exports are written into ``--work_dir`` (default a
temporary folder), not into the toolkit's cache. The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import statistics
import tempfile
from pathlib import Path

import _offline  # noqa: F401  (first: the repository on sys.path, offline hubs)
import torch

from gerbera.commands.certify import _counts, _labelled, _tag_in_turns, _tagger_like
from gerbera.runtimes import onnx_export
from gerbera.runtimes.int8_form import Int8Form, quantize
from gerbera.scoring.comparison.significance import paired_test
from gerbera.tagging.word_tagger import WordTagger

FORMS = {
    "today": Int8Form(),
    "a-ffn-out-fp32": Int8Form(keep_fp32=("classifier", "ffn_output")),
    "b-block16": Int8Form(block=16),
    "b-block16-ffn-out-fp32": Int8Form(block=16, keep_fp32=("classifier", "ffn_output")),
    "c-ffn-and-attn-out-fp32": Int8Form(keep_fp32=("classifier", "ffn_output", "attention_output")),
    "d-asym-ffn-out-fp32": Int8Form(symmetric=False, keep_fp32=("classifier", "ffn_output")),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model_name_or_path", required=True)
    parser.add_argument("--data_dir", default="../shared/NERdata")
    parser.add_argument("--data_list", default="NCBI-disease")
    parser.add_argument("--split", default="devel", choices=["train", "devel", "test"])
    parser.add_argument("--forms", nargs="+", default=list(FORMS), choices=list(FORMS))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--work_dir", default=None)
    args = parser.parse_args()
    args.entity_types = None
    torch.set_num_threads(args.threads)
    work = Path(args.work_dir or tempfile.mkdtemp(prefix="int8-forms-"))
    reference = WordTagger.load(args.model_name_or_path, 128, args.batch_size, "cpu")
    words, gold, description = _labelled(args, reference.tagset)
    taggers = {"fp32": reference, "onnx-fp32": _tagger_like(reference, "onnx-fp32")}
    taggers["onnx-fp32"].predict(words[:4])  # the fp32 export, in the toolkit's cache
    [fp32_export] = onnx_export.export_dir(reference._identity()).glob("*-fp32.onnx")
    for name in args.forms:
        taggers[name] = _form_tagger(reference, fp32_export, work / f"{name}.onnx", FORMS[name])
    tags, seconds, _ = _tag_in_turns(taggers, words, args.rounds)
    base = _counts(gold, tags["fp32"])
    speed = {name: len(words) / statistics.median(seconds[name]) for name in taggers}
    rows = {}
    for name in ["onnx-fp32", *args.forms]:
        test = paired_test(base, _counts(gold, tags[name]), resamples=10_000, seed=1)
        changed = sum(a != b for x, y in zip(tags["fp32"], tags[name]) for a, b in zip(x, y))
        rows[name] = {"form": FORMS[name].name if name in FORMS else "onnx-fp32", "f1": test["f1_b"],
                      "difference": _points(test["difference"]), "ci_low": _points(test["ci_low"]),
                      "ci_high": _points(test["ci_high"]), "words_changed": changed / sum(map(len, words)),
                      "sentences_per_second": speed[name], "vs_onnx_fp32": speed[name] / speed["onnx-fp32"],
                      "vs_fp32": speed[name] / speed["fp32"]}
    print(f"{description}; fp32 F1 {100 * test['f1_a']:.2f}, {speed['fp32']:.1f} sentences/s; "
          f"{args.rounds} rounds, {args.threads} threads")
    print("| form | words changed | F1 difference | 95% interval | sentences/s | vs onnx-fp32 | vs fp32 |")
    print("|---|---|---|---|---|---|---|")
    for name, row in rows.items():
        interval = "too few sentences" if row["ci_low"] is None else f"[{row['ci_low']:+.2f}, {row['ci_high']:+.2f}]"
        print(f"| {name} | {100 * row['words_changed']:.3f}% | {row['difference']:+.2f} | "
              f"{interval} | {row['sentences_per_second']:.1f} | "
              f"{row['vs_onnx_fp32']:.2f}x | {row['vs_fp32']:.2f}x |")
    print(json.dumps({"data": description, "fp32_sentences_per_second": speed["fp32"], "rows": rows}))


def _points(share: float | None) -> float | None:
    return None if share is None else 100 * share


def _form_tagger(reference: WordTagger, fp32_export: Path, path: Path, form: Int8Form) -> WordTagger:
    """A tagger whose forward pass is ONNX Runtime on ``fp32_export`` quantized in ``form``."""
    import onnxruntime

    path.parent.mkdir(parents=True, exist_ok=True)
    quantize(fp32_export, str(path), form)
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = torch.get_num_threads(), 1
    options.log_severity_level = 3
    tagger = _tagger_like(reference, "onnx-int8")
    tagger.forward.session = onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    return tagger


if __name__ == "__main__":
    main()
