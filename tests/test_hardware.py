"""What the toolkit chooses for the hardware (training precision, TF32, optimizer, workers), and
the precision scoring runs in. GPUs are mocked: the rules are checked on any machine."""

import contextlib
import json
import os
import stat

import pytest
import torch

import run_eval
import run_ner
from gerbera import hardware
from gerbera.commands.arguments import parse_arguments
from gerbera.hardware import scoring_precision, training_defaults
from gerbera.outputs import atomic_write


@pytest.fixture
def gpu(monkeypatch):
    """A CUDA GPU of the compute capability given to the returned function."""

    def with_capability(major: int):
        monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
        monkeypatch.setattr(torch.cuda, "get_device_capability", lambda device=None: (major, 0))
        monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda including_emulation=True: True)  # as torch says on a V100
        monkeypatch.setattr(torch.version, "cuda", "12.8")

    return with_capability


@pytest.fixture
def cpu(monkeypatch):
    """No GPU; a CPU with or without native bf16."""

    def with_bf16(native: bool):
        monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
        monkeypatch.setattr(hardware, "has_accelerator", lambda: False)
        monkeypatch.setattr(hardware, "cpu_has_native_bf16", lambda: native)

    return with_bf16


def test_ampere_and_later_gpus_get_bf16_tf32_fused_adamw_and_workers(gpu):
    gpu(9)
    assert training_defaults(set(), {"do_train": True}) == {"bf16": True, "tf32": True, "optim": "adamw_torch_fused",
                                            "dataloader_num_workers": 2}


def test_rocm_gpus_get_bf16_without_tf32(gpu, monkeypatch):
    gpu(9)  # an MI300 reports compute capability 9.x; TrainingArguments refuses --tf32 without CUDA
    monkeypatch.setattr(torch.version, "cuda", None)
    chosen = training_defaults(set(), {"do_train": True})
    assert chosen["bf16"] is True and "tf32" not in chosen


def test_pre_ampere_gpus_get_fp16_not_emulated_bf16(gpu):
    gpu(7)  # V100: torch.cuda.is_bf16_supported() says True (emulation), but bf16 would be slow
    chosen = training_defaults(set(), {"do_train": True})
    assert chosen["fp16"] is True and "bf16" not in chosen and "tf32" not in chosen


@pytest.mark.parametrize("given, values, absent", [
    ({"bf16"}, {"bf16": False}, {"bf16", "fp16"}),
    ({"fp16"}, {"fp16": True}, {"bf16", "fp16"}),
    ({"tf32"}, {"tf32": False}, {"tf32"}),
    ({"optim"}, {"optim": "adamw_torch"}, {"optim"}),
    ({"dataloader_num_workers"}, {"dataloader_num_workers": 0}, {"dataloader_num_workers"}),
])
def test_each_gpu_default_yields_to_the_users_flag(gpu, given, values, absent):
    gpu(9)
    chosen = training_defaults(given, {**values, "do_train": True})
    assert not absent & set(chosen)
    assert len(chosen) == 4 - len(absent & {"tf32", "optim", "dataloader_num_workers"}) - bool(absent & {"bf16"})


def test_cpu_with_native_bf16_trains_in_bf16_through_the_command_line(cpu, tmp_path):
    cpu(True)
    base = ["--output_dir", str(tmp_path), "--data_list", "x", "--report_to", "none"]
    *_, training_args = parse_arguments([*base, "--do_train"], "test")
    assert training_args.bf16 and training_args.use_cpu
    assert training_args.hardware_choices == {"bf16": True, "use_cpu": True}
    *_, switched_off = parse_arguments([*base, "--do_train", "--bf16", "false"], "test")
    assert not switched_off.bf16 and switched_off.hardware_choices == {}
    *_, scoring_only = parse_arguments([*base, "--do_eval"], "test")  # run_eval: scoring precision rules
    assert not scoring_only.bf16


def test_replay_keeps_the_users_own_choice_even_at_a_default(cpu, tiny_bert, data_dir, tmp_path):
    """--bf16 false (the documented opt-out, also the parser's default) given by the user stays
    false when the run is replayed, while what the user left out is chosen anew."""
    cpu(True)
    run_ner.main(["--model_name_or_path", str(tiny_bert), "--data_dir", str(data_dir), "--data_list", "bio",
                  "--output_dir", str(tmp_path / "first"), "--do_train", "--max_steps", "1", "--report_to", "none",
                  "--bf16", "false"])
    record = json.loads((tmp_path / "first" / "run_record.json").read_text())
    assert "bf16" in record["given_flags"] and "tf32" not in record["given_flags"]
    *_, replayed = parse_arguments([str(tmp_path / "first" / "run_record.json"), "--output_dir", str(tmp_path / "again")],
                                   "test")
    assert not replayed.bf16 and "bf16" not in replayed.hardware_choices


def test_cpu_without_native_bf16_trains_in_fp32(cpu, tmp_path):
    cpu(False)
    *_, training_args = parse_arguments(["--output_dir", str(tmp_path), "--do_train", "--report_to", "none"], "test")
    assert not training_args.bf16 and training_args.hardware_choices == {}


def test_replayed_record_chooses_the_cpu_precision_anew(cpu, tmp_path):
    cpu(True)
    record = {"environment": {}, "hardware_choices": {"fp16": True, "tf32": True},
              "arguments": {"output_dir": str(tmp_path), "do_train": True, "fp16": True, "tf32": True, "seed": 7}}
    (tmp_path / "run_record.json").write_text(json.dumps(record))
    *_, training_args = parse_arguments([str(tmp_path / "run_record.json")], "test")
    assert training_args.bf16 and not training_args.fp16 and not training_args.tf32 and training_args.seed == 7


# ----------------------------------------------------------------------------------------------
# scoring precision


class AutocastProbe:
    """Records, at the classifier, whether autocast was on and the dtype it produced."""

    def __init__(self, model):
        self.seen = []
        model.classifier.register_forward_hook(
            lambda module, inputs, output: self.seen.append((torch.is_autocast_enabled("cpu"), output.dtype))
        )


def test_evaluation_runs_in_fp32_while_training_runs_in_bf16(tiny_bert, data_dir, tmp_path, monkeypatch):
    """The Trainer wraps the model's forward in bf16 autocast for training (accelerate); scoring
    takes the wrapper off, unless --scoring_precision bf16."""
    from transformers import AutoModelForTokenClassification

    from gerbera.corpora.tags import TagSet
    from gerbera.features.split_groups import load_group
    from gerbera.training.setup import make_trainer

    for precision, expected in (("fp32", (False, torch.float32)), ("bf16", (True, torch.bfloat16))):
        model_args, data_args, _, training_args = parse_arguments(
            ["--model_name_or_path", str(tiny_bert), "--data_dir", str(data_dir), "--output_dir", str(tmp_path / precision),
             "--do_train", "--bf16", "true", "--use_cpu", "true", "--max_steps", "2", "--report_to", "none",
             "--scoring_precision", precision], "test")
        from gerbera.models.model_side import ModelSide

        side = ModelSide.load(model_args, 32)
        group = load_group(str(data_dir), ["bio"], "devel", TagSet(["B", "I", "O"]))
        features = group.build_features(side.encoder(32), str(tmp_path / "cache"))
        model = AutoModelForTokenClassification.from_pretrained(tiny_bert, num_labels=3)
        probe = AutocastProbe(model)
        trainer = make_trainer(model, training_args, data_args, side.tokenizer, train_dataset=features,
                               scoring_precision=precision)
        trainer.train()
        assert probe.seen and all(seen == (True, torch.bfloat16) for seen in probe.seen)  # training: bf16
        probe.seen.clear()
        trainer.predict(features)
        assert probe.seen and all(seen == expected for seen in probe.seen), precision
        assert torch.is_autocast_enabled("cpu") is False


def test_fp32_scoring_turns_tf32_off_on_cuda_and_back_on_after():
    matmul = torch.backends.cuda.matmul
    if not hasattr(matmul, "fp32_precision"):
        pytest.skip("torch < 2.9: the older allow_tf32 flags are used")
    saved = matmul.fp32_precision
    matmul.fp32_precision = "tf32"
    try:
        with scoring_precision(torch.nn.Linear(2, 2), "fp32", "cuda"):
            assert matmul.fp32_precision == "ieee"
        assert matmul.fp32_precision == "tf32"
        with scoring_precision(torch.nn.Linear(2, 2), "fp32", "cpu"):
            assert matmul.fp32_precision == "tf32"  # nothing to change for the CPU
    finally:
        matmul.fp32_precision = saved


def test_results_and_record_say_which_precision_scored(tiny_bert, data_dir, tmp_path):
    model = tmp_path / "model"
    results = run_ner.main(["--model_name_or_path", str(tiny_bert), "--data_dir", str(data_dir), "--data_list", "bio",
                            "--output_dir", str(model), "--do_train", "--do_predict", "--max_steps", "2",
                            "--report_to", "none", "--labels", str(data_dir / "bio" / "labels.txt")])
    assert results["test_scoring_precision"] == "fp32"
    assert "test_scoring_precision = fp32" in (model / "test_results.txt").read_text()
    again = run_eval.main(["--model_name_or_path", str(model), "--data_dir", str(data_dir), "--eval_data_list", "bio",
                           "--output_dir", str(tmp_path / "eval"), "--do_predict", "--report_to", "none",
                           "--scoring_precision", "bf16"])
    assert again["test_scoring_precision"] == "bf16"
    record = json.loads((tmp_path / "eval" / "run_record.json").read_text())
    assert record["arguments"]["scoring_precision"] == "bf16"

    from gerbera.commands.arguments import ModelArguments
    from gerbera.tagging.tagger import Tagger

    for precision, expected in (("fp32", (False, torch.float32)), ("bf16", (True, torch.bfloat16))):
        tagger = Tagger.load(model_args=ModelArguments(str(model), scoring_precision=precision), device="cpu")
        probe = AutocastProbe(tagger.model)
        tagger.tag_words([["Huntington", "disease", "is", "inherited"]])
        assert probe.seen == [expected], precision


# ----------------------------------------------------------------------------------------------
# file modes


@contextlib.contextmanager
def umask(mask):
    old = os.umask(mask)
    try:
        yield
    finally:
        os.umask(old)


@pytest.mark.parametrize("mask, mode", [(0o022, 0o644), (0o002, 0o664), (0o077, 0o600)])
def test_results_written_atomically_get_the_umasks_mode(tmp_path, mask, mode):
    with umask(mask):
        atomic_write(tmp_path / "labels.txt", "O\n")
    assert stat.S_IMODE((tmp_path / "labels.txt").stat().st_mode) == mode


def test_a_trained_model_folder_is_readable_by_others_as_its_config(tiny_bert, data_dir, tmp_path):
    model = tmp_path / "model"
    with umask(0o022):
        run_ner.main(["--model_name_or_path", str(tiny_bert), "--data_dir", str(data_dir), "--data_list", "bio",
                      "--output_dir", str(model), "--do_train", "--do_predict", "--max_steps", "1", "--report_to", "none"])
    config_mode = stat.S_IMODE((model / "config.json").stat().st_mode)
    for name in ("labels.txt", "all_results.json", "test_predictions.txt", "run_record.json"):
        assert stat.S_IMODE((model / name).stat().st_mode) == config_mode == 0o644, name
