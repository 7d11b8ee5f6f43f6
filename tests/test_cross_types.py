"""A typed model on a corpus whose types are named otherwise, or missing (issue 33, item 10):
--type_map reads the corpus's types as the model's, --ignore_types scores spans without types, an
untyped corpus is read as the type of a model of one type; refusals name these flags, not --labels.

Scores are known answers: the models' heads are set to tag every word ``B-<type>``, so each word
is one predicted entity and only the gold entities of one word are found."""

import json

import pytest
from conftest import BIO_SENTENCES, NEWS_SENTENCES, write_dataset
from test_corpus_formats import write_pubtator_dataset

import run_eval
import run_ner

CHEMICAL = [[("Aspirin", "B-Chemical"), ("and", "O"), ("cisplatin", "B-Chemical"), ("were", "O"), ("given", "O"), (".", "O")],
            [("Sodium", "B-Chemical"), ("chloride", "I-Chemical"), ("dissolves", "O"), (".", "O")]]
SPECIES = [[("Mice", "B-Species"), ("and", "O"), ("human", "B-Species"), ("cells", "O"), (".", "O")],
           [("Escherichia", "B-Species"), ("coli", "I-Species"), ("grows", "O"), (".", "O")]]
# Every word predicted as an entity: 9 predicted; 3 gold, 2 of them one word long.
SPECIES_P, SPECIES_R = 2 / 9, 2 / 3
# BIO_SENTENCES: 30 words, 5 gold entities, 2 of one word (obesity, tumour).
BIO_P, BIO_R = 2 / 30, 2 / 5


def tag_every_word_begin(model_folder) -> str:
    """Set the model's head to predict its first B tag everywhere; that tag's name."""
    from safetensors.torch import load_file, save_file

    config = json.loads((model_folder / "config.json").read_text())
    begin, tag = next((int(i), tag) for i, tag in config["id2label"].items() if tag.startswith("B"))
    weights = load_file(model_folder / "model.safetensors")
    weights["classifier.bias"][begin] = 100.0
    save_file(weights, model_folder / "model.safetensors", metadata={"format": "pt"})
    return tag


@pytest.fixture(scope="module")
def corpora(tmp_path_factory):
    root = tmp_path_factory.mktemp("cross") / "data"
    write_dataset(root, "chem", CHEMICAL)
    write_dataset(root, "species", SPECIES)
    write_dataset(root, "bio", BIO_SENTENCES)
    write_dataset(root, "news", NEWS_SENTENCES)
    write_pubtator_dataset(root, "species_pubtator", SPECIES)
    return root


def train(model, data, dataset, out, *extra):
    return run_ner.main(["--model_name_or_path", str(model), "--data_dir", str(data), "--data_list", dataset,
                         "--output_dir", str(out), "--do_train", "--max_steps", "1", "--report_to", "none", *extra])


@pytest.fixture(scope="module")
def chemical_model(tiny_bert, corpora, tmp_path_factory):
    out = tmp_path_factory.mktemp("chemical") / "model"
    train(tiny_bert, corpora, "chem", out)
    assert tag_every_word_begin(out) == "B-Chemical"
    return out


@pytest.fixture(scope="module")
def news_model(tiny_bert, corpora, tmp_path_factory):
    out = tmp_path_factory.mktemp("news") / "model"
    train(tiny_bert, corpora, "news", out)
    return out


def evaluate(model, data, dataset, out, *extra):
    return run_eval.main(["--model_name_or_path", str(model), "--data_dir", str(data), "--eval_data_list", dataset,
                          "--output_dir", str(out), "--do_predict", "--report_to", "none", *extra])


def refusal(capsys, main, args, code: int = 1) -> str:
    """The one-line refusal; ``code``: 1 for data or a model that cannot be used, 2 for a wrong command line."""
    capsys.readouterr()
    with pytest.raises(SystemExit) as exit_info:
        main(args)
    assert exit_info.value.code == code
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("error: "), err
    return err[0]


def test_type_map_and_ignore_types_score_a_model_on_a_corpus_of_other_type_names(chemical_model, corpora, tmp_path, capsys):
    message = refusal(capsys, run_eval.main, ["--model_name_or_path", str(chemical_model), "--data_dir", str(corpora),
                                              "--eval_data_list", "species", "--output_dir", str(tmp_path / "a"),
                                              "--do_predict", "--report_to", "none"])
    assert "tag 'B-Species' cannot be represented" in message and "--type_map Chemical=Species" in message
    assert "--ignore_types" in message and "--labels" not in message  # the advice no longer loops back to --labels
    (tmp_path / "labels.txt").write_text("B\nI\nO\n")
    message = refusal(capsys, run_eval.main, ["--model_name_or_path", str(chemical_model), "--data_dir", str(corpora),
                                              "--eval_data_list", "species", "--output_dir", str(tmp_path / "b"),
                                              "--do_predict", "--report_to", "none", "--labels", str(tmp_path / "labels.txt")])
    assert "leave --labels out" in message and "--type_map" in message and "--ignore_types" in message

    mapped = evaluate(chemical_model, corpora, "species", tmp_path / "mapped", "--type_map", "Chemical=Species")
    assert mapped["test_precision"] == pytest.approx(SPECIES_P) and mapped["test_recall"] == pytest.approx(SPECIES_R)
    assert mapped["test_Chemical_f1"] == mapped["test_f1"] and "test_loss" in mapped
    rows = (tmp_path / "mapped" / "test_predictions.txt").read_text().split("\n")
    assert rows[0] == "Mice B-Chemical B-Chemical" and rows[6] == "Escherichia B-Chemical B-Chemical"
    at_offsets = evaluate(chemical_model, corpora, "species_pubtator", tmp_path / "offsets", "--type_map", "Chemical=Species")
    assert at_offsets["test_offset_precision"] == pytest.approx(SPECIES_P)  # gold Species mentions read as Chemical
    assert at_offsets["test_offset_recall"] == pytest.approx(SPECIES_R)

    spans = evaluate(chemical_model, corpora, "species", tmp_path / "spans", "--ignore_types")
    assert spans["test_precision"] == pytest.approx(SPECIES_P) and spans["test_recall"] == pytest.approx(SPECIES_R)
    assert "test_loss" not in spans and not any(key.startswith("test_Chemical") for key in spans)
    rows = (tmp_path / "spans" / "test_predictions.txt").read_text().split("\n")
    assert rows[0] == "Mice B B" and rows[7] == "coli I B"
    at_offsets = evaluate(chemical_model, corpora, "species_pubtator", tmp_path / "offset_spans", "--ignore_types")
    assert at_offsets["test_offset_precision"] == pytest.approx(SPECIES_P)
    assert at_offsets["test_offset_recall"] == pytest.approx(SPECIES_R)


def test_untyped_corpus_is_read_as_the_one_type_of_the_model(chemical_model, corpora, tmp_path):
    results = evaluate(chemical_model, corpora, "bio", tmp_path / "eval")
    assert results["test_precision"] == pytest.approx(BIO_P) and results["test_recall"] == pytest.approx(BIO_R)
    assert (tmp_path / "eval" / "test_predictions.txt").read_text().startswith("Mutations O B-Chemical\n")


def test_ignore_types_scores_spans_of_a_model_of_several_types(news_model, corpora, tmp_path, capsys):
    message = refusal(capsys, run_eval.main, ["--model_name_or_path", str(news_model), "--data_dir", str(corpora),
                                              "--eval_data_list", "bio", "--output_dir", str(tmp_path / "a"),
                                              "--do_predict", "--report_to", "none"])
    assert "the corpus is untyped and the model has the types LOC, MISC, ORG, PER" in message and "--ignore_types" in message
    tag_every_word_begin(news_model)
    results = evaluate(news_model, corpora, "bio", tmp_path / "spans", "--ignore_types")
    assert results["test_precision"] == pytest.approx(BIO_P) and results["test_recall"] == pytest.approx(BIO_R)


def test_fine_tuning_a_typed_model_on_untyped_or_other_type_names(chemical_model, corpora, tmp_path, capsys):
    results = train(chemical_model, corpora, "bio", tmp_path / "untyped")
    assert results["train_sentences"] == len(BIO_SENTENCES)
    assert (tmp_path / "untyped" / "labels.txt").read_text().split() == ["O", "B-Chemical", "I-Chemical"]
    record = json.loads((tmp_path / "untyped" / "run_record.json").read_text())
    assert record["data_files"][0]["tag_mapping"]["B"] == {"B-Chemical": 5}
    train(chemical_model, corpora, "species", tmp_path / "mapped", "--type_map", "Chemical=Species")
    assert (tmp_path / "mapped" / "labels.txt").read_text().split() == ["O", "B-Chemical", "I-Chemical"]
    args = ["--model_name_or_path", str(chemical_model), "--data_dir", str(corpora), "--data_list", "species",
            "--output_dir", str(tmp_path / "x"), "--do_train", "--report_to", "none"]
    assert "--ignore_types scores spans without types and cannot train" in refusal(capsys, run_ner.main, [*args, "--ignore_types"], code=2)
    assert "'Chemical' is not MODEL_TYPE=CORPUS_TYPE" in refusal(capsys, run_ner.main, [*args, "--type_map", "Chemical"], code=2)
    assert "has no type Gene; its types: Chemical" in refusal(capsys, run_ner.main, [*args, "--type_map", "Gene=Species"])


def test_untyped_model_reads_typed_corpora(tiny_bert, corpora, tmp_path):
    """The other way round: an untyped model reads B-PER and I-ORG as B and I, to score and to fine-tune."""
    train(tiny_bert, corpora, "bio", tmp_path / "untyped")
    assert train(tmp_path / "untyped", corpora, "news", tmp_path / "tuned")["train_sentences"] == len(NEWS_SENTENCES)
    results = evaluate(tmp_path / "untyped", corpora, "species", tmp_path / "eval")
    assert "test_f1" in results


def test_run_eval_help_lists_the_type_flags():
    from gerbera.commands.arguments import make_parser

    text = make_parser("description", "run_eval").format_help()
    assert "--type_map" in text and "--ignore_types" in text and "Chemical=Drug" in text
