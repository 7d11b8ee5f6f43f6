"""A head per corpus (issue 32, item 3): run_ner.py --head corpus trains a head per dataset, a model
with heads is trained further with its heads kept, and run_ner.py / run_eval.py score each dataset
with its own head."""

from __future__ import annotations

import json

import pytest
import torch
from conftest import BIO_SENTENCES, NEWS_SENTENCES, write_dataset
from safetensors.torch import load_file, save_file

from gerbera.commands import run_eval, run_ner
from gerbera.models.corpus_heads import heads_of
from gerbera.training.head_routing import HeadColumns

TRAIN = ["--max_steps", "3", "--learning_rate", "1e-2", "--report_to", "none", "--seed", "1"]
HEADS = [  # the heads of the multi-task model, in --data_list order
    {"name": "Disease", "dataset": "bio", "labels": ["O", "B", "I"], "general": False},
    {"name": "GENE", "dataset": "genes", "labels": ["O", "B-GENE", "I-GENE"], "general": False},
    {"name": "news", "dataset": "news", "general": True,
     "labels": ["O", "B-LOC", "I-LOC", "B-MISC", "I-MISC", "B-ORG", "I-ORG", "B-PER", "I-PER"]},
]
COLUMNS = {"Disease": slice(0, 3), "GENE": slice(3, 6), "news": slice(6, 15)}


@pytest.fixture
def heads_data(data_dir):
    """``bio`` (untyped), ``news`` (typed, four types) and ``genes`` (typed, GENE only)."""
    genes = [[(w, t if t == "O" else f"{t}-GENE") for w, t in s] for s in BIO_SENTENCES[1:] + BIO_SENTENCES[:1]]
    write_dataset(data_dir, "genes", genes)
    return data_dir


@pytest.fixture(scope="module")
def multi_task(tiny_bert, tmp_path_factory):
    """A model trained with a head per corpus on bio+genes+news (news general-domain), scored on all three."""
    root = tmp_path_factory.mktemp("heads")
    data = root / "NERdata"
    write_dataset(data, "bio", BIO_SENTENCES)
    write_dataset(data, "news", NEWS_SENTENCES, newline="\r\n", docstart=True, extra_columns=2)
    write_dataset(data, "genes", [[(w, t if t == "O" else f"{t}-GENE") for w, t in s] for s in BIO_SENTENCES[1:] + BIO_SENTENCES[:1]])
    out = root / "mt"
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("GERBERA_CACHE", str(root / "cache"))
        results = run_ner.main(["--model_name_or_path", str(tiny_bert), "--data_dir", str(data), "--data_list", "bio+genes+news",
                            "--general_data_list", "news", "--head", "corpus", "--head_types", "bio=Disease",
                            "--eval_data_list", "bio+genes+news", "--output_dir", str(out), "--do_train", "--do_predict", *TRAIN])
    return data, out, results


def predicted_tags(path):
    return {line.split()[-1] for line in path.read_text().splitlines() if line.strip()}


def test_a_head_per_dataset_in_the_config(multi_task):
    """Each dataset of --data_list gets a head with its own tags, named by its type, in --data_list order,
    and the columns of the one classifier are named after them."""
    _, out, results = multi_task
    config = json.loads((out / "config.json").read_text())
    assert config["gerbera_heads"] == HEADS
    assert len(config["id2label"]) == 15
    assert config["id2label"]["3"] == "GENE:O" and config["id2label"]["14"] == "news:I-PER"
    assert load_file(out / "model.safetensors")["classifier.weight"].shape[0] == 15
    for name in ("bio", "genes", "news"):
        assert f"test_{name}_f1" in results
    assert "test_genes_GENE_f1" in results and "test_news_PER_f1" in results
    assert predicted_tags(out / "test_predictions_bio.txt") <= {"O", "B", "I"}
    assert predicted_tags(out / "test_predictions_genes.txt") <= {"O", "B-GENE", "I-GENE"}
    assert json.loads((out / "run_record.json").read_text())["heads"] == HEADS
    card = (out / "README.md").read_text()
    assert "a head per corpus" in card and "head `GENE` (genes): O B-GENE I-GENE" in card
    assert "head `news` (news, general-domain)" in card and "pipeline_tag" not in card
    assert not (out / "labels.txt").exists()  # the heads' tags are in config.json


def test_continuing_trains_each_dataset_s_head_only(multi_task, tmp_path):
    """Fine-tuning a model with heads on bio+genes (GERBERA's second step) keeps every head, the news
    one too, and changes the Disease and GENE heads' columns only: news gets no gradient from them."""
    data, out, _ = multi_task
    fine = tmp_path / "ft"
    run_ner.main(["--model_name_or_path", str(out), "--data_dir", str(data), "--data_list", "bio+genes",
                  "--output_dir", str(fine), "--do_train", "--do_predict", *TRAIN])
    assert json.loads((fine / "config.json").read_text())["gerbera_heads"] == HEADS
    before, after = load_file(out / "model.safetensors"), load_file(fine / "model.safetensors")
    for name, columns in COLUMNS.items():
        for weight in ("classifier.weight", "classifier.bias"):
            changed = not torch.equal(before[weight][columns], after[weight][columns])
            assert changed == (name != "news"), (name, weight)
    assert not torch.equal(before["bert.embeddings.word_embeddings.weight"], after["bert.embeddings.word_embeddings.weight"])


def test_a_dataset_without_a_head_is_refused(multi_task, data_dir, tmp_path, capsys):
    _, out, _ = multi_task
    with pytest.raises(SystemExit) as stop:
        run_ner.main(["--model_name_or_path", str(out), "--data_dir", str(data_dir), "--data_list", "bio2",
                      "--output_dir", str(tmp_path / "o"), "--do_train", *TRAIN])
    assert stop.value.code == 2
    error = capsys.readouterr().err
    assert "no head for bio2" in error and "Disease (bio: O B I)" in error
    # --head_types names the head it trains: bio2's Disease mentions read as the untyped Disease head's
    run_ner.main(["--model_name_or_path", str(out), "--data_dir", str(data_dir), "--data_list", "bio2", "--head_types",
                  "bio2=Disease", "--output_dir", str(tmp_path / "named"), "--do_train", "--do_predict", *TRAIN])
    assert predicted_tags(tmp_path / "named" / "test_predictions.txt") <= {"O", "B", "I"}


def test_run_eval_scores_each_dataset_with_its_own_head(multi_task, tmp_path):
    """run_eval.py gives the scores run_ner.py gave; with another head's columns far above the rest,
    each dataset is still tagged with its own head's tags (the argmax is over its head's columns)."""
    data, out, trained = multi_task
    scores = run_eval.main(["--model_name_or_path", str(out), "--data_dir", str(data), "--eval_data_list", "bio+genes+news",
                            "--output_dir", str(tmp_path / "ev"), "--do_predict"])
    for key in ("test_f1", "test_bio_f1", "test_genes_f1", "test_news_f1"):
        assert scores[key] == trained[key]
    assert (tmp_path / "ev" / "test_predictions_genes.txt").read_text() == (out / "test_predictions_genes.txt").read_text()
    assert json.loads((tmp_path / "ev" / "run_record.json").read_text())["heads"] == HEADS

    loud = tmp_path / "loud"
    loud.mkdir()
    for item in out.iterdir():
        if item.is_file() and item.suffix in (".json", ".txt", ".safetensors"):
            (loud / item.name).write_bytes(item.read_bytes())
    weights = load_file(out / "model.safetensors")
    weights["classifier.bias"][COLUMNS["news"].start + 1] += 1000.0  # news's B-LOC wins every argmax over all columns
    save_file(weights, loud / "model.safetensors", metadata={"format": "pt"})
    run_eval.main(["--model_name_or_path", str(loud), "--data_dir", str(data), "--eval_data_list", "bio+genes",
                   "--output_dir", str(tmp_path / "loud-ev"), "--do_predict"])
    assert predicted_tags(tmp_path / "loud-ev" / "test_predictions_bio.txt") <= {"O", "B", "I"}
    assert predicted_tags(tmp_path / "loud-ev" / "test_predictions_genes.txt") <= {"O", "B-GENE", "I-GENE"}


def test_another_dataset_is_scored_by_the_head_of_its_type(multi_task, data_dir, tmp_path, capsys, caplog):
    """bio2 (typed Disease) is scored by the Disease head; an untyped dataset that is not the model's
    needs --head_types, and is refused with the list of heads without it."""
    _, out, _ = multi_task
    write_dataset(data_dir, "other", BIO_SENTENCES[:2])
    common = ["--model_name_or_path", str(out), "--data_dir", str(data_dir), "--do_predict"]
    with caplog.at_level("INFO", logger="gerbera"):
        scores = run_eval.main([*common, "--eval_data_list", "bio2", "--output_dir", str(tmp_path / "a")])
    assert "bio2: scored with the head Disease (trained on bio)" in caplog.text
    assert scores["test_support"] == 4  # bio2's Disease mentions, read as the untyped head's
    assert predicted_tags(tmp_path / "a" / "test_predictions.txt") <= {"O", "B", "I"}
    with pytest.raises(SystemExit) as stop:
        run_eval.main([*common, "--eval_data_list", "other", "--output_dir", str(tmp_path / "b")])
    assert stop.value.code == 1
    assert "--head_types other=HEAD (heads: Disease (bio: O B I), GENE" in capsys.readouterr().err
    run_eval.main([*common, "--eval_data_list", "other", "--head_types", "other=GENE", "--output_dir", str(tmp_path / "c")])
    assert predicted_tags(tmp_path / "c" / "test_predictions.txt") <= {"O", "B-GENE", "I-GENE"}


def test_head_names_must_differ(tiny_bert, heads_data, tmp_path, capsys):
    """bio named Disease and bio2 (typed Disease) would both be Disease: refused before any work (exit 2)."""
    with pytest.raises(SystemExit) as stop:
        run_ner.main(["--model_name_or_path", str(tiny_bert), "--data_dir", str(heads_data), "--data_list", "bio+bio2",
                      "--head", "corpus", "--head_types", "bio=Disease", "--output_dir", str(tmp_path / "o"), "--do_train", *TRAIN])
    assert stop.value.code == 2
    assert "two heads would be named Disease (bio, bio2)" in capsys.readouterr().err
    assert not (tmp_path / "o" / "config.json").exists()


def test_head_columns_route_logits_and_labels():
    """Each example keeps its head's columns (the rest at the dtype's minimum); its tag ids become columns."""
    columns = HeadColumns([0, 3], [3, 5])
    logits = torch.zeros(2, 1, 5)
    routed = columns.route(logits, torch.tensor([1, 0]))
    low = torch.finfo(torch.float32).min
    assert routed[0, 0].tolist() == [low, low, low, 0.0, 0.0]
    assert routed[1, 0].tolist() == [0.0, 0.0, 0.0, low, low]
    assert columns.labels(torch.tensor([[1, -100], [2, 0]]), torch.tensor([1, 0])).tolist() == [[4, -100], [2, 0]]


def test_heads_of_reads_the_saved_columns(multi_task):
    _, out, _ = multi_task
    from transformers import AutoConfig

    heads = heads_of(AutoConfig.from_pretrained(out))
    assert [(head.name, head.columns) for head in heads] == [(name, columns) for name, columns in COLUMNS.items()]


def test_head_types_may_name_a_dataset_scored_while_training(tiny_bert, heads_data, tmp_path, capsys):
    """--head_types names the heads of trained and scored datasets; a name the run does not hold is refused (exit 2)."""
    common = ["--model_name_or_path", str(tiny_bert), "--data_dir", str(heads_data), "--data_list", "bio+genes",
              "--head", "corpus", "--do_train", "--do_predict", *TRAIN]
    with pytest.raises(SystemExit) as stop:
        run_ner.main([*common, "--head_types", "bio=Disease,bio3=Disease", "--output_dir", str(tmp_path / "o")])
    assert stop.value.code == 2
    assert "--head_types names bio3, which the run neither trains nor scores (its datasets: bio, genes)" in capsys.readouterr().err
    results = run_ner.main([*common, "--head_types", "bio=Disease,bio2=Disease", "--eval_data_list", "bio2+genes",
                            "--output_dir", str(tmp_path / "cross")])
    assert results["test_bio2_support"] == 4 and results["test_genes_support"] == 5
