"""Dataset mixing fractions: seeded subsets and oversampling."""

import json

import pytest

import run_ner
from gerbera.corpora.mixing import parse_training_list, sample_split
from gerbera.corpora.split_sources import load_split
from gerbera.errors import GerberaError


def test_parse_training_list():
    assert parse_training_list("NCBI-disease+CoNLL2003:0.25") == [("NCBI-disease", 1.0), ("CoNLL2003", 0.25)]
    assert parse_training_list("A:2.5") == [("A", 2.5)]
    for bad in ("A:x", "A:0", "A:-1", "+A", "A:nan"):
        with pytest.raises(GerberaError):
            parse_training_list(bad)


def test_sample_is_seeded_and_sized(data_dir):
    split = load_split(data_dir, "bio", "train")  # 4 sentences
    half = sample_split(split, 0.5, seed=1)
    assert len(half.sentences) == 2 and half.fraction == 0.5
    assert [s.words for s in sample_split(split, 0.5, seed=1).sentences] == [s.words for s in half.sentences]
    assert all(s in split.sentences for s in half.sentences)
    oversampled = sample_split(split, 2.5, seed=1)
    assert len(oversampled.sentences) == 10
    assert sample_split(split, 1.0, seed=1) is split


def test_fraction_reaches_training_and_the_record(tiny_bert, data_dir, tmp_path):
    out = tmp_path / "model"
    results = run_ner.main(["--model_name_or_path", str(tiny_bert), "--data_dir", str(data_dir), "--labels",
                            str(data_dir / "bio" / "labels.txt"), "--data_list", "bio+news:0.34", "--output_dir", str(out),
                            "--do_train", "--max_steps", "1", "--report_to", "none"])
    assert results["train_sentences"] == 4 + 1
    record = json.loads((out / "run_record.json").read_text())
    news = [f for f in record["data_files"] if f["dataset"] == "news"][0]
    assert news["fraction"] == 0.34 and news["sentences"] == 1


def test_fractions_only_in_data_list(tiny_bert, data_dir, tmp_path, capsys):
    with pytest.raises(SystemExit):
        run_ner.main(["--model_name_or_path", str(tiny_bert), "--data_dir", str(data_dir), "--data_list", "bio",
                      "--eval_data_list", "bio:0.5", "--output_dir", str(tmp_path / "o"), "--do_predict"])
    assert "fractions (A:0.5) apply to --data_list only" in capsys.readouterr().err


def test_domain_head_routes_examples_by_dataset(tiny_bert, data_dir, tmp_path, caplog):
    """--head domain: the general-domain branch learns from news only, the biomedical one from bio."""
    out = tmp_path / "domain"
    with caplog.at_level("INFO", logger="gerbera"):
        results = run_ner.main(["--model_name_or_path", str(tiny_bert), "--data_dir", str(data_dir), "--labels",
                                str(data_dir / "bio" / "labels.txt"), "--data_list", "bio+news", "--general_data_list",
                                "news", "--head", "domain", "--output_dir", str(out), "--do_train", "--do_predict",
                                "--max_steps", "3", "--learning_rate", "1e-2", "--report_to", "none"])
    assert "general-domain branch for news, biomedical branch for bio" in caplog.text
    assert "test_f1" in results
    config = json.loads((out / "config.json").read_text())
    assert config["gerbera_head"] == "domain"

    # A general-only run trains the general branch on the encoder output, while the biomedical
    # branch sees a zeroed input: its first layer's weights get no gradient.
    import torch
    from safetensors.torch import load_file

    general_only = tmp_path / "general_only"
    run_ner.main(["--model_name_or_path", str(out), "--data_dir", str(data_dir), "--data_list", "news",
                  "--general_data_list", "news", "--output_dir", str(general_only), "--do_train", "--max_steps", "2",
                  "--learning_rate", "1e-2", "--report_to", "none"])
    before, after = load_file(out / "model.safetensors"), load_file(general_only / "model.safetensors")
    assert torch.equal(before["bio_classifier_2.weight"], after["bio_classifier_2.weight"])
    assert not torch.equal(before["gener_classifier_2.weight"], after["gener_classifier_2.weight"])
