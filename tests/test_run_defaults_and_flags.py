"""What the README promises of every run_ner.py run: the data summary opens the log, the default
--eval_data_list, the original's --evaluation_strategy and --group_by_length when training, and
--data_seed deciding the data's sampling and order over --seed."""

import json

import pytest
from conftest import write_dataset
from transformers import TrainerState

import run_eval
import run_ner
from gerbera.commands.arguments import ModelArguments, parse_arguments
from gerbera.commands.run_ner import read_training_splits
from gerbera.corpora.mixing import parse_training_list
from gerbera.corpora.tags import TagSet
from gerbera.features.split_groups import SplitGroup
from gerbera.models.model_side import ModelSide
from gerbera.training.sampling import ShuffledLengthGroupedSampler, data_order_seed
from gerbera.training.setup import make_trainer


def base_args(model, data_dir, out, *extra):
    return ["--model_name_or_path", str(model), "--data_dir", str(data_dir), "--output_dir", str(out),
            "--labels", str(data_dir / "bio" / "labels.txt"), "--per_device_train_batch_size", "4",
            "--report_to", "none", "--disable_tqdm", "true", "--overwrite_output_dir", *extra]


def test_data_summary_opens_the_log_and_eval_list_defaults_to_the_first_dataset(tiny_bert, data_dir, tmp_path, caplog):
    out = tmp_path / "model"
    with caplog.at_level("INFO", logger="gerbera"):
        results = run_ner.main(base_args(tiny_bert, data_dir, out, "--data_list", "bio+news", "--do_train", "--do_eval",
                                         "--do_predict", "--max_steps", "1"))
    # no --eval_data_list: the first dataset of --data_list is scored
    assert results["eval_datasets"] == results["test_datasets"] == "bio"
    assert results["test_sentences"] == 4
    assert {(f["dataset"], f["split"]) for f in json.loads((out / "run_record.json").read_text())["data_files"]} == {
        ("bio", "train"), ("news", "train"), ("bio", "devel"), ("bio", "test")}
    messages = [record.getMessage() for record in caplog.records if record.name == "gerbera"]
    summaries = [m for m in messages if m.startswith("Data:\n")]
    assert len(summaries) == 3  # train, devel, test
    train = summaries[0]
    assert "bio/train (" in train and "4 sentences, 30 words" in train and "news/train (" in train
    assert "entities: LOC 1, MISC 2, ORG 2, PER 1 (total 6)" in train and "B-LOC -> B (1)" in train
    assert "0 sentences need more than one window at max_seq_length 128" in train
    assert "bio/devel (" in summaries[1] and "bio/test (" in summaries[2]

    caplog.clear()
    with caplog.at_level("INFO", logger="gerbera"):
        run_eval.main(["--model_name_or_path", str(out), "--data_dir", str(data_dir), "--eval_data_list", "news",
                       "--output_dir", str(tmp_path / "eval"), "--do_predict", "--report_to", "none"])
    [summary] = [r.getMessage() for r in caplog.records if r.getMessage().startswith("Data:\n")]
    assert "news/test (" in summary and "3 sentences" in summary and "I-PER -> I (1)" in summary


def test_evaluation_strategy_of_the_original_command_line_evaluates_while_training(tiny_bert, data_dir, tmp_path):
    out = tmp_path / "model"
    run_ner.main(base_args(tiny_bert, data_dir, out, "--data_list", "bio", "--do_train", "--max_steps", "2",
                           "--evaluation_strategy", "steps", "--eval_steps", "1"))
    history = json.loads((out / "trainer_state.json").read_text())["log_history"]
    assert [h["step"] for h in history if "eval_f1" in h] == [1, 2]
    *_, training_args = parse_arguments(["--output_dir", str(tmp_path), "--do_train", "--evaluation_strategy", "epoch"], "t")
    assert training_args.eval_strategy == "epoch"


def test_the_training_curve_has_points_without_logging_steps(tiny_bert, data_dir, tmp_path):
    """Without --logging_steps the loss is logged about 50 times over the run, at least every step
    (the Trainer's 500 steps gave a 116-step run one point); a given --logging_steps is kept, and
    --evaluate_during_training (the original's flag) still evaluates every 500 steps."""
    out = tmp_path / "model"
    run_ner.main(base_args(tiny_bert, data_dir, out, "--data_list", "bio", "--do_train", "--max_steps", "3"))
    history = json.loads((out / "trainer_state.json").read_text())["log_history"]
    assert [h["step"] for h in history if "loss" in h] == [1, 2, 3]

    def resolved(*flags, steps=116):
        *_, training_args = parse_arguments(["--output_dir", str(tmp_path), "--do_train", "--report_to", "none", *flags], "t")
        state = TrainerState()
        state.compute_steps(training_args, steps)  # as the Trainer resolves a share of the run's steps
        return training_args, state

    assert resolved()[1].logging_steps == 3  # 39 points over 116 steps
    assert resolved(steps=10_000)[1].logging_steps == 200
    assert resolved("--logging_steps", "7")[1].logging_steps == 7
    training_args, state = resolved("--evaluate_during_training")
    assert (training_args.eval_strategy, state.eval_steps, state.logging_steps) == ("steps", 500, 3)
    assert resolved("--eval_strategy", "steps")[1].eval_steps == 500
    assert resolved("--evaluate_during_training", "--logging_steps", "4")[1].eval_steps == 4


@pytest.fixture(scope="module")
def features(tiny_bert, tmp_path_factory):
    data = tmp_path_factory.mktemp("sampling") / "NERdata"
    sentences = [[(f"w{i}", "O")] * (1 + i % 7) for i in range(40)]
    write_dataset(data, "many", sentences)
    side = ModelSide.load(ModelArguments(model_name_or_path=str(tiny_bert)), 32)
    return data, side


def sampler_of(features, tmp_path, *flags):
    data, side = features
    model_args, data_args, _, training_args = parse_arguments(
        ["--output_dir", str(tmp_path), "--do_train", "--data_dir", str(data), "--data_list", "many",
         "--per_device_train_batch_size", "4", "--report_to", "none", *flags], "test")
    splits = read_training_splits(data_args, parse_training_list(data_args.data_list), training_args)
    group = SplitGroup(splits, TagSet(["B", "I", "O"]))
    group.map_tags()
    group.build_features(side.encoder(32), None)
    from gerbera.models.loading import load_model

    model = load_model(side.name, side.config, group.tagset)
    trainer = make_trainer(model, training_args, data_args, side.tokenizer, train_dataset=group.features)
    return trainer._get_train_sampler(), training_args


def test_group_by_length_of_the_original_command_line(features, tmp_path):
    """Length-grouped batches are the default; --pad_to_max_length samples at random, unless the
    original's --group_by_length asks for grouping."""
    sampler, _ = sampler_of(features, tmp_path)
    assert isinstance(sampler, ShuffledLengthGroupedSampler)
    sampler, _ = sampler_of(features, tmp_path, "--pad_to_max_length")
    assert not isinstance(sampler, ShuffledLengthGroupedSampler)
    sampler, training_args = sampler_of(features, tmp_path, "--pad_to_max_length", "--group_by_length")
    assert isinstance(sampler, ShuffledLengthGroupedSampler)
    assert training_args.train_sampling_strategy == "group_by_length"


def test_data_seed_decides_sampling_and_order_over_seed(features, tmp_path):
    data, _ = features

    def sample_and_order(*flags):
        sampler, training_args = sampler_of(features, tmp_path, *flags)
        _, data_args, _, _ = parse_arguments(["--output_dir", str(tmp_path), "--do_train", "--data_dir", str(data),
                                              "--data_list", "many:0.5"], "test")
        [split] = read_training_splits(data_args, parse_training_list("many:0.5"), training_args)
        return [s.words for s in split.sentences], list(sampler), data_order_seed(training_args)

    first = sample_and_order("--seed", "1", "--data_seed", "7")
    assert first[2] == 7
    assert sample_and_order("--seed", "2", "--data_seed", "7") == first  # the model's seed changes nothing here
    other = sample_and_order("--seed", "1")  # without --data_seed, --seed decides
    assert other[2] == 1 and other[0] != first[0] and other[1] != first[1]
