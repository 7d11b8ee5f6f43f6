"""The training loss: every tagged token weighs the same whatever batch it lands in, and gradient
accumulation takes the same step as one batch of the same size."""

import copy

import pytest
import torch
from conftest import write_dataset
from test_fast_path import MIXED
from transformers import TrainingArguments

from gerbera.commands.arguments import DataArguments, ModelArguments
from gerbera.corpora.tags import TagSet
from gerbera.features.split_groups import SplitGroup, read_splits
from gerbera.models.loading import load_model
from gerbera.models.model_side import ModelSide
from gerbera.training.setup import make_trainer
from gerbera.training.trainer import tagged_tokens_per_row

MAX_LEN = 16
TAGS = TagSet(["B", "I", "O"])


@pytest.fixture(scope="module")
def side_and_features(tiny_bert, tmp_path_factory):
    data = tmp_path_factory.mktemp("loss") / "NERdata"
    write_dataset(data, "mixed", MIXED, labels=TAGS.labels)
    side = ModelSide.load(ModelArguments(model_name_or_path=str(tiny_bert)), MAX_LEN)
    side.config.hidden_dropout_prob = side.config.attention_probs_dropout_prob = 0.0  # training steps are deterministic
    group = SplitGroup(read_splits(str(data), ["mixed"], "train"), TAGS)
    group.map_tags()
    return side, group.build_features(side.encoder(MAX_LEN), None)


def make(side, features, output_dir, head="shared", **training):
    torch.manual_seed(0)
    model = load_model(side.name, copy.deepcopy(side.config), TAGS, head=head)
    args = TrainingArguments(output_dir=str(output_dir), report_to="none", disable_tqdm=True, save_strategy="no",
                             use_cpu=True, **training)
    return make_trainer(model, args, DataArguments(max_seq_length=MAX_LEN), side.tokenizer, train_dataset=features)


def model_inputs(trainer, rows):
    columns = ["input_ids", "attention_mask", "token_type_ids", "labels"]
    return trainer.data_collator([{c: trainer.train_dataset[i][c] for c in columns} for i in rows])


def test_tagged_tokens_per_row_counts_labels_of_every_window(side_and_features):
    _, features = side_and_features
    assert len(features) > len(MIXED)  # the long sentence fills several windows
    tagged = sum(sum(label != -100 for label in row) for row in features["labels"])
    assert tagged_tokens_per_row(features) == pytest.approx(tagged / len(features))
    assert tagged == sum(len(sentence) for sentence in MIXED)  # every word once
    subset = features.shuffle(seed=0).select([0, 2, 3])  # a dataset with an indices mapping
    tagged = sum(sum(label != -100 for label in row) for row in subset["labels"])
    assert tagged_tokens_per_row(subset) == pytest.approx(tagged / 3)


def test_a_token_weighs_the_same_in_a_short_and_a_long_batch(side_and_features, tmp_path):
    side, features = side_and_features
    trainer = make(side, features, tmp_path, per_device_train_batch_size=2, gradient_accumulation_steps=3)
    constant = tagged_tokens_per_row(features) * 2 * 3
    assert trainer.expected_tagged_tokens_per_batch() == pytest.approx(constant)
    by_length = sorted(range(len(features)), key=lambda i: features[i]["length"])
    trainer.model.train()
    for rows in (by_length[:2], by_length[-2:]):
        batch = model_inputs(trainer, rows)
        labels = batch.pop("labels")
        logits = trainer.model(**batch).logits
        summed = torch.nn.functional.cross_entropy(logits.flatten(0, 1), labels.flatten(), reduction="sum")
        loss = trainer.compute_loss(trainer.model, {**batch, "labels": labels})
        assert loss.item() == pytest.approx(summed.item() / constant, rel=1e-5)
        trainer.batch_mean_loss = True  # the stock per-batch mean, over the accumulation steps
        mean = summed / labels.ne(-100).sum() / 3
        assert trainer.compute_loss(trainer.model, {**batch, "labels": labels}).item() == pytest.approx(mean.item(), rel=1e-5)
        trainer.batch_mean_loss = False


@pytest.mark.parametrize("strategy,head", [("group_by_length", "shared"), ("random", "shared"), ("group_by_length", "domain")])
def test_gradient_accumulation_takes_the_step_of_one_batch(side_and_features, tmp_path, strategy, head):
    """Two micro-batches of 2 with accumulation = one batch of 4: the same logged loss and the same
    weights after an SGD step (the stock Trainer doubled this loss for the shared head: it did not
    divide a token classifier's per-batch mean by the accumulation steps)."""
    side, features = side_and_features
    results = []
    for batch_size, accumulation in ((4, 1), (2, 2)):
        trainer = make(side, features, tmp_path / f"{batch_size}", head=head, per_device_train_batch_size=batch_size,
                       gradient_accumulation_steps=accumulation, max_steps=1, optim="sgd", learning_rate=0.5,
                       logging_steps=1, seed=3, train_sampling_strategy=strategy, max_grad_norm=0.0)
        trainer.train()
        loss = next(entry["loss"] for entry in trainer.state.log_history if "loss" in entry)
        results.append((loss, {name: p.detach().clone() for name, p in trainer.model.named_parameters()}))
    (one_loss, one), (accumulated_loss, accumulated) = results
    assert accumulated_loss == pytest.approx(one_loss, rel=1e-3)
    initial = make(side, features, tmp_path, head=head).model.state_dict()
    head_weight = "classifier.weight" if head == "shared" else "bio_classifier.weight"
    assert not torch.equal(one[head_weight], initial[head_weight])  # the step moved the weights
    for name in one:
        assert torch.allclose(one[name], accumulated[name], atol=1e-6), name


def test_label_smoothing_keeps_the_stock_loss(side_and_features, tmp_path):
    side, features = side_and_features
    trainer = make(side, features, tmp_path, label_smoothing_factor=0.1)
    assert not trainer.owns_loss and trainer.loss_is_scaled_for_ga is None
    assert make(side, features, tmp_path).loss_is_scaled_for_ga is True
