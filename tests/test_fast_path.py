"""The fast path (dynamic padding, length-grouped batches, length-sorted evaluation) against the
original's static path (--pad_to_max_length): the same predictions for the same model, and the
padding each one promises."""

import pytest
from conftest import BIO_SENTENCES, NEWS_SENTENCES, write_dataset
from test_cli import read_predictions
from transformers import AutoModelForTokenClassification

import run_eval
import run_ner
from gerbera.commands.arguments import parse_arguments
from gerbera.corpora.tags import TagSet
from gerbera.features.split_groups import SplitGroup, read_splits
from gerbera.models.model_side import ModelSide
from gerbera.training.setup import make_trainer

# Sentences of very different lengths, so dynamic batches differ in width, and one long enough to
# need several windows at max_seq_length 16.
LONG = [(w, "O") for w in ["the", "study", "enrolled", "patients", "from", "several", "centres", "over", "many", "years"]]
LONG += [("breast", "B"), ("cancer", "I"), (".", "O")]
MIXED = [BIO_SENTENCES[1][:2], LONG, *BIO_SENTENCES, [(w, t.split("-")[0]) for w, t in NEWS_SENTENCES[1]]]
MAX_LEN = "16"


@pytest.fixture(scope="module")
def trained(tiny_bert, tmp_path_factory):
    """A tiny model trained a few steps, and a corpus of mixed lengths to score."""
    data = tmp_path_factory.mktemp("fast-path") / "NERdata"
    write_dataset(data, "mixed", MIXED, labels=["B", "I", "O"])
    model = data.parent / "model"
    run_ner.main(["--model_name_or_path", str(tiny_bert), "--data_dir", str(data), "--data_list", "mixed",
                  "--output_dir", str(model), "--max_seq_length", MAX_LEN, "--max_steps", "40",
                  "--per_device_train_batch_size", "4", "--learning_rate", "5e-3", "--warmup_steps", "0",
                  "--seed", "1", "--do_train", "--report_to", "none", "--disable_tqdm", "true"])
    return data, model


def evaluate(data, model, out, *extra):
    return run_eval.main(["--model_name_or_path", str(model), "--data_dir", str(data), "--eval_data_list", "mixed",
                          "--output_dir", str(out), "--max_seq_length", MAX_LEN, "--per_device_eval_batch_size", "3",
                          "--do_eval", "--do_predict", "--report_to", "none", "--disable_tqdm", "true", *extra])


def test_static_padding_gives_the_same_predictions(trained, tmp_path):
    data, model = trained
    fast = evaluate(data, model, tmp_path / "fast")
    static = evaluate(data, model, tmp_path / "static", "--pad_to_max_length")
    for key in ("eval_f1", "eval_precision", "eval_recall", "test_f1", "test_precision", "test_recall"):
        assert fast[key] == static[key], key
    for split in ("eval", "test"):
        fast_rows = read_predictions(tmp_path / "fast" / f"{split}_predictions.txt")
        assert fast_rows == read_predictions(tmp_path / "static" / f"{split}_predictions.txt")
    assert [[row[0] for row in s] for s in fast_rows] == [[w for w, _ in s] for s in MIXED]
    assert len({row[-1] for s in fast_rows for row in s}) > 1  # a model that predicts more than one tag


def batch_widths(model, data, output_dir, *extra):
    """(width, longest real row) of each training and evaluation batch that run_ner.py's Trainer
    would compute, the multiple mixed precision pads widths to, and the real tokens of the data."""
    model_args, data_args, _, training_args = parse_arguments(
        ["--model_name_or_path", str(model), "--data_dir", str(data), "--data_list", "mixed",
         "--output_dir", str(output_dir), "--max_seq_length", MAX_LEN, "--per_device_train_batch_size", "2",
         "--per_device_eval_batch_size", "2", "--do_train", "--report_to", "none", *extra], "test")
    side = ModelSide.load(model_args, data_args.max_seq_length)
    group = SplitGroup(read_splits(str(data), ["mixed"], "train"), TagSet(["B", "I", "O"]))
    group.map_tags()
    features = group.build_features(side.encoder(data_args.max_seq_length), str(output_dir / "cache"))
    trainer = make_trainer(AutoModelForTokenClassification.from_pretrained(model), training_args, data_args, side.tokenizer, train_dataset=features)

    def shapes(loader):
        return [(batch["input_ids"].shape[1], int(batch["attention_mask"].sum(dim=1).max())) for batch in loader]

    multiple = 8 if training_args.bf16 or training_args.fp16 else 1  # tensor-core friendly widths
    return (shapes(trainer.get_train_dataloader()), shapes(trainer.get_eval_dataloader(features)), multiple,
            sum(len(row) for row in features["input_ids"]))


def test_padding_of_each_path(trained, tmp_path):
    """Static: every batch MAX_LEN wide. Default: each batch as wide as its longest row, rounded up
    to the multiple mixed precision asks for (8 under bf16/fp16, the default on GPUs and bf16 CPUs)."""
    data, model = trained
    train, evaluation, _, real_tokens = batch_widths(model, data, tmp_path / "static", "--pad_to_max_length")
    assert {width for width, _ in train + evaluation} == {int(MAX_LEN)}
    for precision in (["--bf16", "false"], ["--bf16", "true", "--use_cpu", "true"]):
        train, evaluation, multiple, _ = batch_widths(model, data, tmp_path / precision[1], "--fast_path", "false", *precision)
        assert multiple == (8 if precision[1] == "true" else 1)
        for width, longest in train + evaluation:
            assert width == min(-(-longest // multiple) * multiple, int(MAX_LEN)), (width, longest, multiple)
        assert len({width for width, _ in train}) > 1
        assert sum(width * 2 for width, _ in train) >= real_tokens
    # length-grouped batches of 2 compute far fewer tokens than rows padded to MAX_LEN
    train, _, _, _ = batch_widths(model, data, tmp_path / "fp32", "--fast_path", "false", "--bf16", "false")
    assert sum(width * 2 for width, _ in train) < 0.8 * int(MAX_LEN) * len(train) * 2
