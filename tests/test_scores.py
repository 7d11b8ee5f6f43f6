"""Scores that are known in advance: a model whose head tags every word alike makes each sentence
one entity, so precision, recall and F1 of every dataset and entity type can be counted by hand.
run_eval.py must report exactly those, in all_results.json, the results files and results.md."""

import json

import pytest
from conftest import write_dataset
from test_predict import TYPED, UNTYPED, make_head

import run_eval

# every word I: each sentence is predicted as one entity, from its first word to its last
ALPHA = [  # each sentence is one whole gold entity: 2 found of 2
    [("Huntington", "B"), ("disease", "I")],
    [("breast", "B"), ("cancer", "I")],
]
BETA = [  # 4 gold entities, none of them a whole sentence: 3 predicted, none right
    [("Mutations", "O"), ("cause", "B")],
    [("type", "B"), ("2", "I"), ("diabetes", "O")],
    [("No", "O"), ("tumour", "B"), ("was", "O"), ("obesity", "B")],
]
GAMMA = [  # typed; every sentence predicted as one Disease entity
    [("Aspirin", "B-Chemical")],  # Disease predicted, Chemical missed
    [("Lynch", "B-Disease"), ("syndrome", "I-Disease")],  # found
    [("colorectal", "B-Disease"), ("cancer", "I-Disease"), ("risk", "O")],  # too long: wrong
    [("Cisplatin", "B-Chemical"), ("nephrotoxicity", "B-Disease")],  # one wrong Disease for two entities
]


@pytest.fixture(scope="module")
def models(tiny_bert, tmp_path_factory):
    root = tmp_path_factory.mktemp("fixed-heads")
    return {"untyped": make_head(tiny_bert, root / "untyped", UNTYPED, favour="I"),
            "typed": make_head(tiny_bert, root / "typed", TYPED, favour="I-Disease")}


def evaluate(model, data_dir, out, eval_list):
    return run_eval.main(["--model_name_or_path", str(model), "--data_dir", str(data_dir), "--eval_data_list", eval_list,
                          "--output_dir", str(out), "--do_eval", "--do_predict", "--report_to", "none", "--disable_tqdm", "true",
                          "--per_device_eval_batch_size", "2"])


def scores(results, prefix):
    return tuple(results[f"{prefix}_{measure}"] for measure in ("precision", "recall", "f1", "support"))


def table_row(split, scope, entity_type, precision, recall, f1, support):
    return f"| {split} | {scope} | {entity_type} | {precision:.4f} | {recall:.4f} | {f1:.4f} | {support} |"


def test_each_dataset_scored_on_its_own_sentences_and_all_together(models, tmp_path):
    data = tmp_path / "NERdata"
    write_dataset(data, "alpha", ALPHA)
    write_dataset(data, "beta", BETA)
    out = tmp_path / "eval"
    results = evaluate(models["untyped"], data, out, "alpha+beta")
    expected = {
        "alpha": (1.0, 1.0, 1.0, 2),
        "beta": (0.0, 0.0, 0.0, 4),
        "all": (2 / 5, 2 / 6, 4 / 11, 6),  # 2 right of 5 predicted, of 6 gold
    }
    for split in ("eval", "test"):
        assert scores(results, f"{split}_alpha") == pytest.approx(expected["alpha"])
        assert scores(results, f"{split}_beta") == pytest.approx(expected["beta"])
        assert scores(results, split) == pytest.approx(expected["all"])
    assert json.loads((out / "all_results.json").read_text())["test_alpha_f1"] == 1.0
    lines = dict(line.split(" = ", 1) for line in (out / "test_results.txt").read_text().splitlines())
    assert float(lines["test_beta_support"]) == 4 and float(lines["test_f1"]) == pytest.approx(4 / 11)
    table = (out / "results.md").read_text()
    for split in ("devel", "test"):
        assert table_row(split, "alpha+beta", "all", *expected["all"]) in table
        assert table_row(split, "alpha", "all", *expected["alpha"]) in table
        assert table_row(split, "beta", "all", *expected["beta"]) in table


def test_per_type_scores_and_the_micro_average(models, tmp_path):
    data = tmp_path / "NERdata"
    write_dataset(data, "gamma", GAMMA)
    out = tmp_path / "eval"
    results = evaluate(models["typed"], data, out, "gamma")
    disease = (1 / 4, 1 / 3, 2 / 7, 3)  # 1 right of 4 predicted, of 3 gold
    chemical = (0.0, 0.0, 0.0, 2)
    micro = (1 / 4, 1 / 5, 2 / 9, 5)  # over both types: 1 right of 4 predicted, of 5 gold (not the mean of the types)
    assert scores(results, "test_Disease") == pytest.approx(disease)
    assert scores(results, "test_Chemical") == pytest.approx(chemical)
    assert scores(results, "test") == pytest.approx(micro)
    table = (out / "results.md").read_text()
    assert table_row("test", "gamma", "all", *micro) in table
    assert table_row("test", "gamma", "Disease", *disease) in table
    assert table_row("test", "gamma", "Chemical", *chemical) in table
    predicted = [line.split(" ")[-1] for line in (out / "test_predictions.txt").read_text().splitlines() if line]
    assert predicted == ["I-Disease"] * sum(len(s) for s in GAMMA)  # the model's own tag names, in its id order
