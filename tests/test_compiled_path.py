"""The GPU fast path (gerbera/training/fast_path.py, gerbera/training/fixed_shapes.py), checked on a CPU: batches
padded to a few length buckets and filled to full size, training compiled (here with a backend
that compiles fast), the flags it chooses, and that it changes neither losses nor predictions."""

import json
import sys
from pathlib import Path

import pytest
import torch
from conftest import BIO_SENTENCES, NEWS_SENTENCES, REPO, write_dataset
from test_cli import read_predictions
from transformers import AutoModelForTokenClassification

import gerbera.training.fast_path as acceleration
import run_eval
import run_ner
from gerbera.commands.arguments import parse_arguments
from gerbera.corpora.tags import TagSet
from gerbera.errors import GerberaError
from gerbera.features.split_groups import SplitGroup, read_splits
from gerbera.models.model_side import ModelSide
from gerbera.training.fast_path import fast_path_choices
from gerbera.training.fixed_shapes import BucketPaddingCollator, length_buckets, parse_length_buckets
from gerbera.training.setup import make_trainer

LONG = [(w, "O") for w in ["the", "study", "enrolled", "patients", "from", "several", "centres", "over", "many", "years", "and", "months"]]
LONG += [("breast", "B"), ("cancer", "I"), (".", "O")]
# 9 sentences of many lengths: batches of 4 leave a last batch of 1
MIXED = [BIO_SENTENCES[1][:2], LONG, *BIO_SENTENCES, *[[(w, t.split("-")[0]) for w, t in s] for s in NEWS_SENTENCES]]
MAX_LEN = 32
BATCH = 4


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    data = tmp_path_factory.mktemp("compiled-path") / "NERdata"
    write_dataset(data, "mixed", MIXED, labels=["B", "I", "O"])
    return data


@pytest.fixture(scope="module")
def no_dropout_bert(tiny_bert, tmp_path_factory):
    """The tiny BERT without dropout, so that runs with different batch widths draw no different masks."""
    folder = tmp_path_factory.mktemp("bert-no-dropout")
    for path in Path(tiny_bert).iterdir():
        (folder / path.name).write_bytes(path.read_bytes())
    config = json.loads((folder / "config.json").read_text())
    config.update(hidden_dropout_prob=0.0, attention_probs_dropout_prob=0.0)
    (folder / "config.json").write_text(json.dumps(config))
    return folder


def trainer_for(model_dir, data, output_dir, *extra, steps=4):
    """run_ner.py's trainer for the mixed corpus, built from a command line."""
    model_args, data_args, _, training_args = parse_arguments(
        ["--model_name_or_path", str(model_dir), "--data_dir", str(data), "--data_list", "mixed",
         "--output_dir", str(output_dir), "--max_seq_length", str(MAX_LEN), "--per_device_train_batch_size", str(BATCH),
         "--per_device_eval_batch_size", "3", "--do_train", "--report_to", "none", "--max_steps", str(steps),
         "--learning_rate", "1e-2", "--warmup_steps", "0", "--logging_steps", "1", "--seed", "3", "--bf16", "false",
         "--disable_tqdm", "true", *extra], "test")
    side = ModelSide.load(model_args, data_args.max_seq_length)
    group = SplitGroup(read_splits(str(data), ["mixed"], "train"), TagSet(["B", "I", "O"]))
    group.map_tags()
    features = group.build_features(side.encoder(data_args.max_seq_length), str(output_dir / "cache"))
    torch.manual_seed(0)
    model = AutoModelForTokenClassification.from_pretrained(model_dir, num_labels=3)
    return make_trainer(model, training_args, data_args, side.tokenizer, train_dataset=features), features


# ---------------------------------------------------------------------------------------------
# units: buckets and the collator


def test_length_buckets():
    assert length_buckets(128) == [16, 32, 48, 64, 96, 128]
    assert length_buckets(16) == [16]
    for size in (8, 50, 100, 256, 512):
        buckets = length_buckets(size)
        assert buckets[-1] == size and buckets == sorted(set(buckets))
        assert all(b % 16 == 0 for b in buckets[:-1])
        assert all(later <= 2 * earlier for earlier, later in zip(buckets, buckets[1:]))
    assert parse_length_buckets("64, 32", 128) == [32, 64, 128]
    for bad in ("32,x", "0", "256"):
        with pytest.raises(GerberaError, match="--length_buckets"):
            parse_length_buckets(bad, 128)


def test_collator_pads_to_the_bucket_and_fills_rows_that_carry_no_labels(tiny_bert):
    from transformers import AutoTokenizer

    tokenizer = AutoTokenizer.from_pretrained(tiny_bert)
    features = [{"input_ids": [2] + [7] * n + [3], "attention_mask": [1] * (n + 2), "labels": [-100] + [1] * n + [-100]}
                for n in (3, 17)]
    collator = BucketPaddingCollator(tokenizer, [16, 32, 48])
    batch = collator(features)
    assert tuple(batch["input_ids"].shape) == (2, 32)  # the longest has 19 sub-tokens
    assert collator([features[0]])["input_ids"].shape[1] == 16
    filled = collator.for_training(5)(features)
    assert tuple(filled["input_ids"].shape) == (5, 32)
    assert torch.equal(filled["input_ids"][:2], batch["input_ids"])
    assert torch.equal(filled["input_ids"][2:], batch["input_ids"][1:].expand(3, -1))  # copies of the last row
    assert torch.equal(filled["attention_mask"][2:], batch["attention_mask"][1:].expand(3, -1))
    assert (filled["labels"][2:] == -100).all() and torch.equal(filled["labels"][:2], batch["labels"])
    with pytest.raises(GerberaError, match="longer than the largest length bucket"):
        collator([{"input_ids": [1] * 49, "attention_mask": [1] * 49, "labels": [0] * 49}])


def test_filled_rows_change_neither_loss_nor_gradient(no_dropout_bert, corpus, tmp_path):
    """A batch of 1 filled to 4 rows takes exactly the step the batch of 1 would take."""
    trainer, features = trainer_for(no_dropout_bert, corpus, tmp_path, "--fast_path", "true", "--torch_compile", "false")
    collator = trainer.data_collator
    rows = [{k: features[0][k] for k in ("input_ids", "attention_mask", "labels", "token_type_ids")}]
    trainer.model.train()

    def loss_and_grads(batch):
        trainer.model.zero_grad()
        loss = trainer.compute_loss(trainer.model, dict(batch))
        loss.backward()
        return loss.detach(), [p.grad.clone() for p in trainer.model.parameters() if p.grad is not None]

    alone, alone_grads = loss_and_grads(collator(rows))
    filled, filled_grads = loss_and_grads(collator.for_training(BATCH)(rows))
    assert torch.allclose(alone, filled, rtol=1e-5, atol=1e-7)
    assert len(alone_grads) == len(filled_grads)
    for a, b in zip(alone_grads, filled_grads):
        assert torch.allclose(a, b, rtol=1e-4, atol=1e-7)


# ---------------------------------------------------------------------------------------------
# the flags it chooses


def test_fast_path_choices(monkeypatch):
    monkeypatch.delenv("WORLD_SIZE", raising=False)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert fast_path_choices({"do_train": True}, set()) == ({"fast_path": True} if acceleration.ON_BY_DEFAULT else {})
    monkeypatch.setattr(acceleration, "ON_BY_DEFAULT", True)  # the rules it will follow once it is the default
    training = {"do_train": True, "gradient_accumulation_steps": 1}
    chosen = fast_path_choices(dict(training), set())
    assert chosen == {"fast_path": True, "torch_compile": True, "torch_compile_backend": "cudagraphs",
                      "logging_nan_inf_filter": False, "accelerator_config": '{"non_blocking": true}'}
    assert fast_path_choices({**training, "fast_path": False}, {"fast_path"}) == {}
    # the user's own compile flags and checks stay theirs
    chosen = fast_path_choices({**training, "torch_compile_backend": "inductor"}, {"torch_compile_backend", "logging_nan_inf_filter"})
    assert "torch_compile" not in chosen and "torch_compile_backend" not in chosen and "logging_nan_inf_filter" not in chosen
    # scoring runs and accumulated gradients are not compiled; several processes leave it off
    assert "torch_compile" not in fast_path_choices({"do_train": False}, set())
    assert "torch_compile" not in fast_path_choices({**training, "gradient_accumulation_steps": 2}, set())
    assert fast_path_choices({**training, "fsdp": "full_shard"}, set()) == {}
    monkeypatch.setenv("WORLD_SIZE", "2")
    assert fast_path_choices(dict(training), set()) == {}
    forced = fast_path_choices({**training, "fast_path": True}, {"fast_path"})  # buckets yes, CUDA graphs with DDP no
    assert "torch_compile" not in forced and forced["logging_nan_inf_filter"] is False
    # without a GPU: off unless asked for, and then compiled with the Trainer's default backend
    monkeypatch.delenv("WORLD_SIZE")
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert fast_path_choices(dict(training), set()) == {}
    assert fast_path_choices({**training, "fast_path": True}, {"fast_path"})["torch_compile_backend"] == "inductor"


def test_off_by_default_on_a_cpu_and_off_with_the_flag(no_dropout_bert, corpus, tmp_path):
    """Without a GPU, or with --fast_path false, the trainer is today's: dynamic padding, nothing compiled."""
    for extra in ([], ["--fast_path", "false"]):
        if torch.cuda.is_available() and not extra and acceleration.ON_BY_DEFAULT:
            continue  # on a GPU the default is the fast path
        trainer, features = trainer_for(no_dropout_bert, corpus, tmp_path / str(len(extra)), *extra)
        assert not trainer.fast_path and not trainer.args.torch_compile
        assert not isinstance(trainer.data_collator, BucketPaddingCollator)
        assert trainer.args.logging_nan_inf_filter
        widths = {batch["input_ids"].shape[1] for batch in trainer.get_train_dataloader()}
        rows = [batch["input_ids"].shape[0] for batch in trainer.get_train_dataloader()]
        assert len(widths) > 2 and rows[-1] == len(features) % BATCH  # padded to each batch's longest, last batch short


# ---------------------------------------------------------------------------------------------
# the whole path


def test_shapes_in_an_epoch_are_bounded_by_the_buckets(no_dropout_bert, corpus, tmp_path):
    trainer, features = trainer_for(no_dropout_bert, corpus, tmp_path, "--fast_path", "true", "--torch_compile", "false")
    buckets = length_buckets(MAX_LEN)
    assert trainer.data_collator.buckets == buckets == [16, 32]
    shapes = [tuple(batch["input_ids"].shape) for batch in trainer.get_train_dataloader()]
    assert len(shapes) == -(-len(features) // BATCH) and len(features) % BATCH  # an incomplete last batch exists...
    assert {rows for rows, _ in shapes} == {BATCH}  # ...and is filled
    assert {width for _, width in shapes} <= set(buckets) and len(set(shapes)) <= len(buckets)
    evaluation = [tuple(b["input_ids"].shape) for b in trainer.get_eval_dataloader(features)]
    assert {width for _, width in evaluation} <= set(buckets)
    assert sum(rows for rows, _ in evaluation) == len(features)  # evaluation batches are never filled


def test_compiled_bucketed_training_gives_the_losses_of_eager_training(no_dropout_bert, corpus, tmp_path):
    """The same 4 steps: eager with dynamic padding (today), bucketed eager, bucketed and compiled."""

    def losses(*extra):
        trainer, _ = trainer_for(no_dropout_bert, corpus, tmp_path / "-".join(extra), *extra)
        trainer.train()
        return trainer, [entry["loss"] for entry in trainer.state.log_history if "loss" in entry]

    from torch._dynamo.utils import counters

    _, eager = losses("--fast_path", "false")
    _, bucketed = losses("--fast_path", "true", "--torch_compile", "false")
    traced_before = counters["frames"]["ok"]
    compiled_trainer, compiled = losses("--fast_path", "true", "--torch_compile_backend", "aot_eager")
    traced = counters["frames"]["ok"] - traced_before
    assert len(eager) == len(bucketed) == len(compiled) == 4
    assert eager[0] > eager[-1]  # it learns: the comparison is not between constants
    assert bucketed == pytest.approx(eager, rel=1e-4)
    assert compiled == pytest.approx(bucketed, rel=1e-4)
    assert compiled_trainer.args.torch_compile and compiled_trainer.nonfinite_check_on_device
    seen = compiled_trainer.shapes_seen()["training"]
    assert {rows for rows, _ in seen} == {BATCH} and {width for _, width in seen} == {16, 32}
    assert traced <= 1  # one trace for both widths: the length is marked dynamic


def test_nonfinite_loss_is_logged_as_the_stock_filter_does_without_a_sync(no_dropout_bert, corpus, tmp_path):
    trainer, _ = trainer_for(no_dropout_bert, corpus, tmp_path, "--fast_path", "true", "--torch_compile", "false")
    assert trainer.nonfinite_check_on_device and not trainer.args.logging_nan_inf_filter
    trainer.state.global_step, trainer._globalstep_last_logged, trainer._tr_loss = 3, 1, torch.tensor(6.0)
    trainer.create_optimizer()
    batch = next(iter(trainer.get_train_dataloader()))
    finite = trainer.training_step(trainer.model, dict(batch))
    assert torch.isfinite(finite) and finite != 2.0
    trainer.compute_loss = lambda model, inputs, **kw: (model(**{k: v for k, v in inputs.items() if k != "labels"}).logits.sum() * float("nan"))
    assert trainer.training_step(trainer.model, dict(batch)) == pytest.approx(6.0 / 3)


def test_padding_to_buckets_changes_no_prediction(no_dropout_bert, corpus, tmp_path):
    """run_eval.py through the bucketed collator and through today's: the same words, the same tags."""
    model = tmp_path / "model"
    run_ner.main(["--model_name_or_path", str(no_dropout_bert), "--data_dir", str(corpus), "--data_list", "mixed",
                  "--output_dir", str(model), "--max_seq_length", str(MAX_LEN), "--max_steps", "15",
                  "--per_device_train_batch_size", "4", "--learning_rate", "5e-3", "--warmup_steps", "0",
                  "--seed", "1", "--do_train", "--report_to", "none", "--disable_tqdm", "true", "--fast_path", "false"])
    runs = {}
    for name, flag in (("bucketed", "true"), ("today", "false")):
        runs[name] = run_eval.main(["--model_name_or_path", str(model), "--data_dir", str(corpus), "--eval_data_list", "mixed",
                                    "--output_dir", str(tmp_path / name), "--max_seq_length", str(MAX_LEN),
                                    "--per_device_eval_batch_size", "3", "--do_eval", "--report_to", "none",
                                    "--disable_tqdm", "true", "--fast_path", flag])
    assert runs["bucketed"]["eval_f1"] == runs["today"]["eval_f1"]
    bucketed = read_predictions(tmp_path / "bucketed" / "eval_predictions.txt")
    assert bucketed == read_predictions(tmp_path / "today" / "eval_predictions.txt")
    assert len({row[-1] for sentence in bucketed for row in sentence}) > 1  # more than one tag predicted


def test_gpu_throughput_bench_runs_on_a_cpu(tmp_path):
    import subprocess

    out = subprocess.run(
        [sys.executable, "bench/gpu_throughput.py", "--tiny", "--steps", "6",
         "--batch_size", "4", "--max_seq_length", "32", "--cpu_backend", "eager"],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    result = json.loads(out.stdout.strip().splitlines()[-1])
    assert set(result["steps_per_s"]) == {"eager", "fast", "static"}
    assert all(value > 0 for value in result["steps_per_s"].values())
    assert result["distinct_shapes"]["static"] == 1
    assert result["distinct_shapes"]["fast"] <= len(length_buckets(32))
    assert result["arms"]["fast"]["torch_compile"] and not result["arms"]["eager"]["torch_compile"]
    for key in ("sentences_per_s", "fraction_of_peak_bf16", "compile_seconds", "peak_gpu_memory_mb"):
        assert set(result[key]) == {"eager", "fast", "static"}
