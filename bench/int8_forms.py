"""Issue 31's int8 forms side by side: which products of an ONNX export to keep in fp32, in what blocks.

    python bench/int8_forms.py --model_name_or_path MODEL --data_dir ../shared/NERdata \\
        --data_list NCBI-disease --split devel --rounds 2

Tags the labelled split with PyTorch fp32, ONNX Runtime fp32 and the export in each int8 form of
:mod:`gerbera.runtimes.int8_form` (``--forms``, default all below; ``--torch_forms``: PyTorch's dynamic
int8 in each form of ``TORCH_FORMS`` instead, against fp32), through the tagging code that
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


TORCH_FORMS = {  # PyTorch dynamic int8: (weights per channel, Linear layers kept in fp32)
    "per-tensor": (False, ()),
    "per-tensor-head-fp32": (False, ("head",)),
    "per-channel": (True, ()),
    "per-channel-head-fp32": (True, ("head",)),  # the int8 setting (gerbera.runtimes.settings)
    "per-channel-head-ffn-out-fp32": (True, ("head", "ffn_output")),
    "per-channel-head-attn-out-fp32": (True, ("head", "attention_output")),
}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model_name_or_path", required=True)
    parser.add_argument("--data_dir", default="../shared/NERdata")
    parser.add_argument("--data_list", default="NCBI-disease")
    parser.add_argument("--split", default="devel", choices=["train", "devel", "test"])
    parser.add_argument("--forms", nargs="+", default=list(FORMS), choices=list(FORMS))
    parser.add_argument("--torch_forms", nargs="*", default=None, choices=list(TORCH_FORMS),
                        help="PyTorch's int8 in these forms (none named: all) instead of the ONNX forms")
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
    if args.torch_forms is not None:
        forms = args.torch_forms or list(TORCH_FORMS)
        del taggers["onnx-fp32"]
        for name in forms:
            taggers[name] = _tagger_like(reference, "int8")
            taggers[name].forward.model = _torch_int8(reference.model, *TORCH_FORMS[name])
    else:
        forms = args.forms
        taggers["onnx-fp32"].predict(words[:4])  # the fp32 export, in the toolkit's cache
        [fp32_export] = onnx_export.export_dir(reference._identity()).glob("*-fp32.onnx")
        for name in forms:
            taggers[name] = _form_tagger(reference, fp32_export, work / f"{name}.onnx", FORMS[name])
    tags, seconds, _ = _tag_in_turns(taggers, words, args.rounds)
    base = _counts(gold, tags["fp32"])
    speed = {name: len(words) / statistics.median(seconds[name]) for name in taggers}
    rows = {}
    for name in [*(["onnx-fp32"] if args.torch_forms is None else []), *forms]:
        test = paired_test(base, _counts(gold, tags[name]), resamples=10_000, seed=1)
        changed = sum(a != b for x, y in zip(tags["fp32"], tags[name]) for a, b in zip(x, y))
        rows[name] = {"form": FORMS[name].name if name in FORMS else name, "f1": test["f1_b"],
                      "difference": _points(test["difference"]), "ci_low": _points(test["ci_low"]),
                      "ci_high": _points(test["ci_high"]), "words_changed": changed / sum(map(len, words)),
                      "sentences_per_second": speed[name], "vs_onnx_fp32": speed[name] / speed["onnx-fp32"] if "onnx-fp32" in speed else None,
                      "vs_fp32": speed[name] / speed["fp32"]}
    print(f"{description}; fp32 F1 {100 * test['f1_a']:.2f}, {speed['fp32']:.1f} sentences/s; "
          f"{args.rounds} rounds, {args.threads} threads")
    print("| form | words changed | F1 difference | 95% interval | sentences/s | vs onnx-fp32 | vs fp32 |")
    print("|---|---|---|---|---|---|---|")
    for name, row in rows.items():
        against_onnx = "" if args.torch_forms is not None else f"{row['vs_onnx_fp32']:.2f}x"
        interval = "too few sentences" if row["ci_low"] is None else f"[{row['ci_low']:+.2f}, {row['ci_high']:+.2f}]"
        print(f"| {name} | {100 * row['words_changed']:.3f}% | {row['difference']:+.2f} | "
              f"{interval} | {row['sentences_per_second']:.1f} | "
              f"{against_onnx} | {row['vs_fp32']:.2f}x |")
    print(json.dumps({"data": description, "fp32_sentences_per_second": speed["fp32"], "rows": rows}))


def _points(share: float | None) -> float | None:
    return None if share is None else 100 * share


def _torch_int8(model: torch.nn.Module, per_channel: bool, keep_fp32: tuple[str, ...]) -> torch.nn.Module:
    """A copy of ``model`` in PyTorch's dynamic int8, weights per channel or per tensor, the ``Linear``
    layers of the roles in ``keep_fp32`` left in fp32: ``head`` (outside the encoder), ``ffn_output``
    (more input than output channels), ``attention_output``."""
    import copy
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        from torch.ao.quantization import default_dynamic_qconfig, per_channel_dynamic_qconfig, quantize_dynamic

    copied = copy.deepcopy(model).float()
    prefix = copied.base_model_prefix + "."
    roles = {"head": lambda name, layer: not name.startswith(prefix),
             "ffn_output": lambda name, layer: layer.in_features > layer.out_features,
             "attention_output": lambda name, layer: name.endswith("attention.output.dense")}
    qconfig = per_channel_dynamic_qconfig if per_channel else default_dynamic_qconfig
    spec = {name: qconfig for name, layer in copied.named_modules() if isinstance(layer, torch.nn.Linear)
            and not any(roles[role](name, layer) for role in keep_fp32)}
    return quantize_dynamic(copied, spec, dtype=torch.qint8)


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
