#!/usr/bin/env python
"""Training throughput of the RoBERTa-large-PM-M3 architecture (random weights) through the
toolkit's Trainer, and the fraction of the card's peak bf16 FLOP/s it reaches.

    python bench/gpu_throughput.py                 # on a CUDA machine
    python bench/gpu_throughput.py --tiny --steps 5   # a smoke run of the script on a CPU

Sentence lengths are drawn from NCBI-disease+CoNLL2003 when ../shared/NERdata is there (else a
fixed distribution with NCBI's mean of about 34 sub-tokens), batches are length-grouped and
dynamically padded as in the default pipeline. FLOPs per token are counted as 6 x parameters
(forward + backward) plus the attention term 12 x layers x hidden x sequence length.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import tempfile
import time

from _offline import REPO  # noqa: E402  (sets up sys.path and offline hubs)

PEAK_BF16 = {"H100": 989e12, "H200": 989e12, "A100": 312e12, "L40S": 362e12, "A10": 125e12, "4090": 165e12}


def sentence_lengths(count: int, max_len: int, seed: int) -> list[int]:
    rng = random.Random(seed)
    shared = REPO.parent / "shared" / "NERdata"
    if shared.is_dir():
        from gerbera.corpus import load_split

        words = [len(s.words) for name in ("NCBI-disease", "CoNLL2003") for s in load_split(shared, name, "train").sentences]
        # about 1.3 sub-tokens per word for a biomedical BPE vocabulary, plus <s> and </s>
        return [min(max_len, int(rng.choice(words) * 1.3) + 2) for _ in range(count)]
    return [min(max_len, max(4, int(rng.gauss(34, 18)))) for _ in range(count)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--batch_size", type=int, default=16)
    parser.add_argument("--max_seq_length", type=int, default=128)
    parser.add_argument("--tiny", action="store_true", help="a 2-layer, 64-wide model: checks the script on a CPU")
    parser.add_argument("--no_bf16", action="store_true")
    args = parser.parse_args()

    import datasets
    import torch
    from transformers import RobertaConfig, RobertaForTokenClassification, TrainerCallback, TrainingArguments

    from gerbera.arguments import DataArguments
    from gerbera.runner import make_trainer

    cuda = torch.cuda.is_available()
    if args.tiny:
        config = RobertaConfig(vocab_size=50008, hidden_size=64, num_hidden_layers=2, num_attention_heads=2,
                               intermediate_size=128, max_position_embeddings=514, num_labels=3)
    else:  # RoBERTa-large-PM-M3-Voc: RoBERTa-large with a 50,008-token biomedical vocabulary
        config = RobertaConfig(vocab_size=50008, hidden_size=1024, num_hidden_layers=24, num_attention_heads=16,
                               intermediate_size=4096, max_position_embeddings=514, num_labels=3)
    model = RobertaForTokenClassification(config)
    parameters = sum(p.numel() for p in model.parameters())

    total = args.steps * args.batch_size
    lengths = sentence_lengths(total, args.max_seq_length, seed=1)
    rng = random.Random(2)
    rows = {
        "input_ids": [[0] + [rng.randrange(5, 50008) for _ in range(n - 2)] + [2] for n in lengths],
        "labels": [[-100] + [rng.randrange(3) for _ in range(n - 2)] + [-100] for n in lengths],
        "length": lengths,
    }
    rows["attention_mask"] = [[1] * n for n in lengths]
    dataset = datasets.Dataset.from_dict(rows)

    from transformers import PreTrainedTokenizerFast
    from tokenizers import Tokenizer, models

    backend = Tokenizer(models.WordLevel({"<s>": 0, "<pad>": 1, "</s>": 2, "<unk>": 3}, unk_token="<unk>"))
    tokenizer = PreTrainedTokenizerFast(tokenizer_object=backend, pad_token="<pad>", unk_token="<unk>")

    bf16 = cuda and not args.no_bf16 and torch.cuda.is_bf16_supported()
    training_args = TrainingArguments(
        output_dir=tempfile.mkdtemp(), per_device_train_batch_size=args.batch_size, max_steps=args.steps,
        learning_rate=3e-5, bf16=bf16, tf32=True if cuda else None, optim="adamw_torch_fused" if cuda else "adamw_torch",
        train_sampling_strategy="group_by_length", report_to="none", save_strategy="no", logging_steps=10**9,
        disable_tqdm=True, dataloader_num_workers=2 if cuda else 0, use_cpu=not cuda,
    )
    data_args = DataArguments(max_seq_length=args.max_seq_length)
    trainer = make_trainer(model, training_args, data_args, tokenizer, train_dataset=dataset)

    class Timer(TrainerCallback):
        warmup = max(2, args.steps // 10)
        start = None
        tokens = 0

        def on_step_begin(self, a, state, control, **kw):
            if state.global_step == self.warmup:
                if cuda:
                    torch.cuda.synchronize()
                self.start = time.perf_counter()

        def on_step_end(self, a, state, control, **kw):
            if cuda and state.global_step == args.steps:
                torch.cuda.synchronize()
            self.end = time.perf_counter()

    timer = Timer()
    trainer.add_callback(timer)
    trainer.train()
    timed_steps = args.steps - timer.warmup
    # the batches of the timed steps: real tokens of the same number of sentences, on average
    real_tokens = sum(lengths) / total * timed_steps * args.batch_size
    seconds = timer.end - timer.start
    mean_len = sum(lengths) / len(lengths)
    flops_per_token = 6 * parameters + 12 * config.num_hidden_layers * config.hidden_size * mean_len
    achieved = flops_per_token * real_tokens / seconds
    device = torch.cuda.get_device_name(0) if cuda else "cpu"
    peak = next((v for k, v in PEAK_BF16.items() if k in device), None)
    epoch_sentences = 5424 + 14041
    result = {
        "device": device, "bf16": bf16, "parameters": parameters, "steps_timed": timed_steps,
        "sentences_per_s": round(timed_steps * args.batch_size / seconds, 1),
        "tokens_per_s": round(real_tokens / seconds),
        "achieved_tflops": round(achieved / 1e12, 2),
        "fraction_of_peak_bf16": round(achieved / peak, 3) if peak else None,
        "paper_run_minutes_20_epochs": round(20 * epoch_sentences / (timed_steps * args.batch_size / seconds) / 60, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
