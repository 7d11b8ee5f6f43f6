#!/usr/bin/env python
"""Training throughput through the toolkit's Trainer, three ways in one run: eager (``--fast_path
false``, today's default: dynamic padding, nothing compiled), the fast path of
gerbera/training/fast_path.py (``--fast_path true``: length buckets, full batches, CUDA graphs) and the
original's static padding (``--pad_to_max_length``, with the toolkit's defaults otherwise). Prints
one JSON line.

    python bench/gpu_throughput.py                      # RoBERTa-large-PM-M3 shape, on a CUDA machine
    python bench/gpu_throughput.py --model minilm       # the embedded encoder's shape (MiniLM-L6-H384)
    python bench/gpu_throughput.py --tiny --steps 12    # a smoke run on a CPU (the fast path forced on,
                                                        # compiled with --cpu_backend, aot_eager)

Each arm builds its arguments with `gerbera.commands.arguments.parse_arguments` from the command line a
user would give run_ner.py (``--bf16``, TF32, fused AdamW, loader workers and the fast path are
the toolkit's choices on that machine), a fresh model with the same random weights (from a
config: nothing is downloaded) and `gerbera.training.setup.make_trainer`. Sentence lengths are drawn from
NCBI-disease+CoNLL2003 (``../shared/NERdata``; about 1.3 sub-tokens a word for RoBERTa's
biomedical BPE vocabulary, 1.15 for MiniLM's WordPiece, plus 2 special tokens), else from a fixed
distribution with NCBI's mean; the data is one epoch of ``--steps`` batches.

Timing: each arm trains two epochs of ``--steps`` batches; the first warms up (every shape of
the epoch is compiled and captured in it), the second is timed. The GPU is synchronised only at
the start, after the first epoch and at the end, so the timed steps run as in a real run (no
host waits). ``compile_seconds`` is the first epoch's time less an epoch at the steady rate: the
cold start of compilation and CUDA-graph capture (``new_shapes_in_timed_epoch`` says whether the
second epoch's length groups made a shape the first did not have). ``fraction_of_peak_bf16`` counts real tokens only
(6 x parameters + 12 x layers x hidden x mean length FLOPs per token), so padding is no credit.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import sys
import tempfile
import time

from _offline import REPO  # sets up sys.path and offline hubs

PEAK_BF16 = {"H100": 989e12, "H200": 989e12, "A100": 312e12, "L40S": 362e12, "A10": 125e12, "4090": 165e12}
ARMS = {
    "eager": ["--fast_path", "false"],
    "fast": ["--fast_path", "true"],
    "static": ["--pad_to_max_length"],
    # not run unless asked (--arms ... inductor): Inductor's fused kernels in the CUDA graphs, longer to compile
    "inductor": ["--fast_path", "true", "--torch_compile_backend", "inductor", "--torch_compile_mode", "reduce-overhead"],
}
SUBTOKENS_PER_WORD = {"roberta-large": 1.3, "minilm": 1.15, "tiny": 1.3}


def sentence_lengths(count: int, max_len: int, per_word: float, seed: int) -> list[int]:
    rng = random.Random(seed)
    shared = REPO.parent / "shared" / "NERdata"
    if shared.is_dir():
        from gerbera.corpora.split_sources import load_split

        words = [len(s.words) for name in ("NCBI-disease", "CoNLL2003") for s in load_split(shared, name, "train").sentences]
        return [min(max_len, int(rng.choice(words) * per_word) + 2) for _ in range(count)]
    return [min(max_len, max(4, int(rng.gauss(34, 18)))) for _ in range(count)]


def model_config(name: str):
    from transformers import BertConfig, RobertaConfig

    if name == "tiny":
        return RobertaConfig(vocab_size=50008, hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
                             intermediate_size=128, max_position_embeddings=514, num_labels=3)
    if name == "minilm":  # all-MiniLM-L6-v2's shape (the embedded encoder)
        return BertConfig(vocab_size=30522, hidden_size=384, num_hidden_layers=6, num_attention_heads=12,
                          intermediate_size=1536, max_position_embeddings=512, num_labels=3, pad_token_id=0)
    # RoBERTa-large-PM-M3-Voc: RoBERTa-large with a 50,008-token biomedical vocabulary
    return RobertaConfig(vocab_size=50008, hidden_size=1024, num_hidden_layers=24, num_attention_heads=16,
                         intermediate_size=4096, max_position_embeddings=514, num_labels=3)


def padding_tokenizer(pad_id: int):
    """A tokenizer that only pads (the collators need one); the rows are made of random ids."""
    from tokenizers import Tokenizer, models
    from transformers import PreTrainedTokenizerFast

    backend = Tokenizer(models.WordLevel({"<pad>": pad_id, "<unk>": 4}, unk_token="<unk>"))
    return PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="<pad>", unk_token="<unk>")


def synthetic_dataset(lengths: list[int], vocab_size: int, pad_id: int):
    """Rows of random ids between a start and an end token (neither the pad id), 3 tags."""
    import datasets

    rng = random.Random(2)
    start, end = (0, 2) if pad_id not in (0, 2) else (2, 3)
    return datasets.Dataset.from_dict({
        "input_ids": [[start] + [rng.randrange(5, vocab_size) for _ in range(n - 2)] + [end] for n in lengths],
        "attention_mask": [[1] * n for n in lengths],
        "labels": [[-100] + [rng.randrange(3) for _ in range(n - 2)] + [-100] for n in lengths],
        "length": lengths,
    })


def run_arm(name: str, flags: list[str], args, config, dataset, tokenizer, cpu_flags: list[str]) -> dict:
    import torch
    from transformers import AutoModelForTokenClassification, PrinterCallback, TrainerCallback

    from gerbera.commands.arguments import parse_arguments
    from gerbera.training.setup import make_trainer

    cuda = torch.cuda.is_available()
    output_dir = tempfile.mkdtemp(prefix=f"gpu-throughput-{name}-")
    profiled = args.profile_steps if name == "fast" else 0  # steps profiled after the timed epoch
    command = [
        "--output_dir", output_dir, "--do_train", "--max_steps", str(2 * args.steps + profiled), "--learning_rate", "3e-5",
        "--per_device_train_batch_size", str(args.batch_size), "--max_seq_length", str(args.max_seq_length),
        "--report_to", "none", "--save_strategy", "no", "--logging_steps", str(10**9), "--disable_tqdm", "true",
        "--seed", "1", *flags,
    ]
    if not cuda and name in ("fast", "inductor"):
        command += cpu_flags
    _, data_args, _, training_args = parse_arguments(command, "gpu_throughput")
    torch.manual_seed(0)
    model = AutoModelForTokenClassification.from_config(config)
    parameters = sum(p.numel() for p in model.parameters())
    trainer = make_trainer(model, training_args, data_args, tokenizer, train_dataset=dataset)
    trainer.remove_callback(PrinterCallback)

    # the batch shapes of each epoch (a dry pass over the same data loader, both epochs' orders)
    loader = trainer.get_train_dataloader()
    epoch_shapes = []
    for epoch in (0, 1):
        if hasattr(getattr(loader, "sampler", None), "set_epoch"):
            loader.sampler.set_epoch(epoch)
        epoch_shapes.append({tuple(batch["input_ids"].shape) for batch in loader})
    warmup = args.steps  # the first epoch: every shape of it compiled and captured
    marks: dict = {}

    def synchronize():
        if cuda:
            torch.cuda.synchronize()

    class Marks(TrainerCallback):
        def on_train_begin(self, a, state, control, **kw):
            synchronize()
            marks["begin"] = time.perf_counter()

        def on_step_end(self, a, state, control, **kw):
            if state.global_step in (warmup, 2 * args.steps):
                synchronize()
                marks[state.global_step] = time.perf_counter()
            if profiled and state.global_step == 2 * args.steps:
                marks["profiler"] = torch.profiler.profile(
                    activities=[torch.profiler.ProfilerActivity.CPU]
                    + ([torch.profiler.ProfilerActivity.CUDA] if cuda else []))
                marks["profiler"].__enter__()

        def on_train_end(self, a, state, control, **kw):
            if "profiler" in marks:
                synchronize()
                profiler = marks.pop("profiler")
                profiler.__exit__(None, None, None)
                sort = "cuda_time_total" if cuda else "cpu_time_total"
                print(f"--- {name}: torch.profiler over {profiled} steps after the timed epoch, by {sort} ---\n"
                      + profiler.key_averages().table(sort_by=sort, row_limit=30), file=sys.stderr)

    trainer.add_callback(Marks())
    if cuda:
        torch.cuda.reset_peak_memory_stats()
    trainer.train()
    timed_steps = args.steps
    steady = (marks[2 * args.steps] - marks[warmup]) / timed_steps
    tokens = sum(dataset["length"][:]) / len(dataset)  # real tokens per row, on average
    result = {
        "parameters": parameters,
        "flags": " ".join(flags + (cpu_flags if not cuda and name in ("fast", "inductor") else [])) or "(none)",
        "steps_per_s": round(1 / steady, 2),
        "sentences_per_s": round(args.batch_size / steady, 1),
        "real_tokens_per_s": round(args.batch_size * tokens / steady),
        "compile_seconds": round(max(0.0, marks[warmup] - marks["begin"] - warmup * steady), 2),
        "warmup_steps": warmup,
        "timed_steps": timed_steps,
        "distinct_shapes": len(epoch_shapes[0]),
        "shapes": [f"{rows}x{width}" for rows, width in sorted(epoch_shapes[0])],
        # shapes of the timed epoch that the first did not have: captured inside the timing, if compiled
        "new_shapes_in_timed_epoch": len(epoch_shapes[1] - epoch_shapes[0]),
        "torch_compile": bool(training_args.torch_compile),
        "backend": training_args.torch_compile_backend if training_args.torch_compile else None,
        "bf16": bool(training_args.bf16),
        "peak_gpu_memory_mb": round(torch.cuda.max_memory_allocated() / 2**20) if cuda else None,
    }
    del trainer, model
    torch._dynamo.reset()
    if cuda:
        torch.cuda.empty_cache()
    shutil.rmtree(output_dir, ignore_errors=True)
    return result


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=["roberta-large", "minilm"], default="roberta-large")
    parser.add_argument("--tiny", action="store_true", help="a 2-layer, 64-wide model: checks the script on a CPU")
    parser.add_argument("--steps", type=int, default=100,
                        help="batches in an epoch; each arm trains 2 epochs: the first warms up, the second is timed")
    parser.add_argument("--profile_steps", type=int, default=0,
                        help="the fast arm then trains this many more steps under torch.profiler; its table goes to stderr")
    parser.add_argument("--batch_size", type=int, default=16)
    parser.add_argument("--max_seq_length", type=int, default=128)
    parser.add_argument("--arms", nargs="+", default=["eager", "fast", "static"], choices=list(ARMS))
    parser.add_argument("--cpu_backend", default="aot_eager",
                        help="without a GPU the fast path is forced on for the non-eager arms and compiled with this backend")
    args = parser.parse_args(argv)

    import torch

    name = "tiny" if args.tiny else args.model
    config = model_config(name)
    pad_id = config.pad_token_id if config.pad_token_id is not None else 0
    lengths = sentence_lengths(args.steps * args.batch_size, args.max_seq_length, SUBTOKENS_PER_WORD[name], seed=1)
    dataset = synthetic_dataset(lengths, config.vocab_size, pad_id)
    tokenizer = padding_tokenizer(pad_id)
    cpu_flags = ["--fast_path", "true", "--torch_compile_backend", args.cpu_backend]

    cuda = torch.cuda.is_available()
    device = torch.cuda.get_device_name(0) if cuda else "cpu"
    peak = next((v for k, v in PEAK_BF16.items() if k in device), None)
    mean_len = sum(lengths) / len(lengths)

    arms = {}
    for arm in args.arms:
        arms[arm] = run_arm(arm, ARMS[arm], args, config, dataset, tokenizer, cpu_flags)
        parameters = arms[arm]["parameters"]
        flops_per_token = 6 * parameters + 12 * config.num_hidden_layers * config.hidden_size * mean_len
        arms[arm]["fraction_of_peak_bf16"] = (
            round(flops_per_token * arms[arm]["real_tokens_per_s"] / peak, 4) if peak else None
        )
    epoch_sentences = 5424 + 14041  # NCBI-disease + CoNLL2003 train

    def per_arm(key):
        return {arm: values[key] for arm, values in arms.items()}

    result = {
        "model": name, "parameters": parameters, "device": device, "torch": torch.__version__,
        "batch_size": args.batch_size, "max_seq_length": args.max_seq_length, "steps": args.steps,
        "mean_real_tokens_per_row": round(mean_len, 1),
        "steps_per_s": per_arm("steps_per_s"),
        "sentences_per_s": per_arm("sentences_per_s"),
        "fraction_of_peak_bf16": per_arm("fraction_of_peak_bf16"),
        "compile_seconds": per_arm("compile_seconds"),
        "distinct_shapes": per_arm("distinct_shapes"),
        "peak_gpu_memory_mb": per_arm("peak_gpu_memory_mb"),
        "paper_recipe_minutes": {  # 20 epochs of NCBI-disease+CoNLL2003 then 10 of NCBI-disease, at the steady rate
            arm: round((20 * epoch_sentences + 10 * 5424) / values["sentences_per_s"] / 60, 1) for arm, values in arms.items()
        },
        "arms": arms,
    }
    if "eager" in arms and "fast" in arms:
        result["fast_over_eager"] = round(arms["fast"]["steps_per_s"] / arms["eager"]["steps_per_s"], 2)
    print(json.dumps(result))
    return result


if __name__ == "__main__":
    main()
