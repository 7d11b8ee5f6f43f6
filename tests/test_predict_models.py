"""run_predict.py with several models (--model NAME=PATH ...) and with a model with a head per corpus:
one output holds every model's (and head's) entities, per type exactly those of a run with each alone."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import bioc
import pytest
import torch
from safetensors.torch import load_file, save_file
from test_exit_statuses import run_installed
from test_predict import TYPED, UNTYPED, make_head
from test_predict_corpus import manifest, outputs, pubtator_text
from transformers import AutoConfig, AutoModelForTokenClassification

import run_predict
from gerbera.documents.pubtator import read_pubtator
from gerbera.models.corpus_heads import Head, heads_of, set_heads

TEXTS = [
    "Mutations in BRCA1 cause breast cancer and type 2 diabetes in mice.",
    "IL-2 and TNF-alpha were raised in Huntington disease, e.g. in p53 mice.",
    "",
    "Obesity and colon cancer were studied in 120 patients with BRCA2 variants.",
]
HEADS = [Head("Disease", "ncbi", ("B", "I", "O")), Head("Gene", "bc2gm", ("O", "B-GENE", "I-GENE")),
         Head("General", "conll", ("O", "B-PER", "I-PER"), general=True)]


@pytest.fixture(scope="module")
def models(tiny_bert, tiny_roberta, tmp_path_factory):
    """Untyped models on two tokenizers, a typed one, an IOBES one and a model with three heads."""
    root = tmp_path_factory.mktemp("several-models")
    found = {"disease": make_head(tiny_bert, root / "disease", UNTYPED, seed=5),
             "gene": make_head(tiny_roberta, root / "gene", UNTYPED, seed=7),
             "typed": make_head(tiny_bert, root / "typed", TYPED, seed=3),
             "iobes": make_head(tiny_bert, root / "iobes", ["O", "B", "I", "E", "S"], seed=2),
             "typed-gene": make_head(tiny_bert, root / "typed-gene", ["O", "B-GENE", "I-GENE"], seed=4)}
    found["heads"] = heads_model(tiny_bert, root / "heads")
    for head in HEADS:  # the same weights, one head's columns alone: what the head must tag like
        found[f"head-{head.name}"] = one_head_of(found["heads"], head, root / f"head-{head.name}")
    return found


def heads_model(encoder: Path, out: Path) -> Path:
    """A standard BertForTokenClassification whose random classifier holds three heads' columns."""
    shutil.copytree(encoder, out)
    config = AutoConfig.from_pretrained(encoder)
    set_heads(config, HEADS)
    config.architectures = ["BertForTokenClassification"]
    model = AutoModelForTokenClassification.from_pretrained(encoder, config=config)
    with torch.no_grad():
        generator = torch.Generator().manual_seed(11)
        model.classifier.weight.copy_(torch.randn(model.classifier.weight.shape, generator=generator) * 3)
        model.classifier.bias.zero_()
    model.save_pretrained(out)
    return out


def one_head_of(heads: Path, head: Head, out: Path) -> Path:
    """A model with one head: ``head``'s rows of the classifier of the model ``heads``."""
    shutil.copytree(heads, out)
    model = AutoModelForTokenClassification.from_pretrained(heads)
    labels = list(head.labels)
    config = AutoConfig.from_pretrained(heads)
    [head] = [saved for saved in heads_of(config) if saved.name == head.name]  # with its columns
    config.gerbera_heads = None
    config.num_labels, config.id2label = len(labels), dict(enumerate(labels))
    config.label2id = {t: i for i, t in enumerate(labels)}
    single = AutoModelForTokenClassification.from_config(config)
    single.bert.load_state_dict(model.bert.state_dict())
    with torch.no_grad():
        single.classifier.weight.copy_(model.classifier.weight[head.columns])
        single.classifier.bias.copy_(model.classifier.bias[head.columns])
    single.save_pretrained(out)
    return out


def predict(*args) -> dict:
    return run_predict.main([*map(str, args), "--disable_tqdm", "--device", "cpu", "--max_seq_length", "16"])


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def by_type(records: list[dict]) -> dict[str, list[tuple]]:
    found: dict[str, list[tuple]] = {}
    for record in records:
        for entity in record["entities"]:
            found.setdefault(entity["type"], []).append((record["id"], entity["start"], entity["end"], entity["text"],
                                                         entity["score"]))
    return found


def same_spans(found: dict, expected: dict) -> bool:
    spans = {key: [entity[:4] for entity in value] for key, value in found.items()}
    assert spans == {key: [entity[:4] for entity in value] for key, value in expected.items()}
    return all(entity[4] == pytest.approx(other[4], abs=2e-6) for key in found for entity, other in zip(found[key], expected[key]))


@pytest.fixture
def texts(tmp_path) -> Path:
    path = tmp_path / "abstracts.txt"
    path.write_text("\n".join(TEXTS) + "\n", encoding="utf-8")
    return path


def test_two_models_give_per_type_the_entities_of_each_alone(models, texts, tmp_path):
    """One run with two models (two tokenizers) gives per type exactly the entities of the two runs with
    each alone, each entity with its model, in document order; entities of the two types may overlap."""
    single = {}
    for name, model in (("Disease", models["disease"]), ("Gene", models["gene"])):
        predict("--model_name_or_path", model, "--entity_type", name, "--input", texts, "--output", tmp_path / f"{name}.jsonl")
        single.update(by_type(read_jsonl(tmp_path / f"{name}.jsonl")))
    summary = predict("--model", f"Disease={models['disease']}", f"Gene={models['gene']}", "--input", texts,
                      "--output", tmp_path / "both.jsonl")
    both = read_jsonl(tmp_path / "both.jsonl")
    assert by_type(both) == single and set(single) == {"Disease", "Gene"}
    assert [record["id"] for record in both] == ["1", "2", "4"] and summary["documents"] == 3  # by line, the blank one left out
    overlaps = 0
    for record in both:
        entities = record["entities"]
        assert all(entity["model"] == entity["type"] for entity in entities)
        assert entities == sorted(entities, key=lambda e: (e["start"], e["end"], e["type"]))
        overlaps += sum(a["end"] > b["start"] for a, b in zip(entities, entities[1:]) if a["type"] != b["type"])
    assert overlaps > 0  # the random heads tag overlapping spans: all kept
    alone = read_jsonl(tmp_path / "Disease.jsonl")
    assert all("model" not in entity for record in alone for entity in record["entities"])  # one model: as before


def test_a_typed_model_keeps_its_types_and_a_folder_run_resumes_and_shares(models, tmp_path, capsys):
    """Into a folder (PubTator and BioC inputs, parts, --shard): the type column and a model infon;
    a rerun resumes; another set of models, or another model under the same names, is refused."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.pubtator").write_text(pubtator_text(range(5)), encoding="utf-8")
    specs = ["--model", f"Chem={models['typed']}", f"Gene={models['gene']}"]
    predict(*specs, "--input", corpus, "--output", tmp_path / "one", "--part_documents", 2)
    tagged = [doc for name in sorted(outputs(tmp_path / "one")) for doc in read_pubtator(tmp_path / "one" / name)]
    types = {annotation.type for doc in tagged for annotation in doc.annotations}
    assert types == {"Disease", "Chemical", "Gene"}
    assert predict(*specs, "--input", corpus, "--output", tmp_path / "one", "--part_documents", 2)["units_skipped"] == 3
    for shard in ("0/2", "1/2"):
        predict(*specs, "--input", corpus, "--output", tmp_path / "shards", "--part_documents", 2, "--shard", shard)
    assert outputs(tmp_path / "shards") == outputs(tmp_path / "one")
    assert manifest(tmp_path / "one")[0]["model"] == f"Chem={models['typed']} Gene={models['gene']}"
    with pytest.raises(SystemExit):
        predict("--model", f"Chem={models['typed']}", "--input", corpus, "--output", tmp_path / "one", "--part_documents", 2)
    refused = capsys.readouterr().err
    assert f"(models Chem={models['typed']} Gene={models['gene']} then, models Chem={models['typed']} now" in refused
    with pytest.raises(SystemExit):
        predict("--model_name_or_path", models["typed"], "--input", corpus, "--output", tmp_path / "one", "--part_documents", 2)
    refused = capsys.readouterr().err
    assert f"models Chem={models['typed']} Gene={models['gene']} then, model {models['typed']} now" in refused
    assert refused.count(f"model {models['typed']} now") == 1  # its keys differ ("model", "models"...): said once
    with pytest.raises(SystemExit):
        predict("--model", f"Chem={models['typed']}", f"Gene={models['disease']}", "--input", corpus,
                "--output", tmp_path / "one", "--part_documents", 2)
    assert f"then, models Chem={models['typed']} Gene={models['disease']} now" in capsys.readouterr().err
    retrained = tmp_path / "retrained"  # one model of the set trained again in its folder: named, with what changed
    shutil.copytree(models["gene"], retrained)
    predict("--model", f"Chem={models['typed']}", f"Gene={retrained}", "--input", corpus, "--output", tmp_path / "two")
    weights = load_file(retrained / "model.safetensors")
    save_file({name: tensor + 0.01 if tensor.is_floating_point() else tensor for name, tensor in weights.items()},
              retrained / "model.safetensors")
    with pytest.raises(SystemExit):
        predict("--model", f"Chem={models['typed']}", f"Gene={retrained}", "--input", corpus, "--output", tmp_path / "two")
    assert f"the model Gene={retrained} changed since it tagged this folder" in capsys.readouterr().err

    bioc_in = tmp_path / "bioc" / "a.bioc.xml"
    bioc_in.parent.mkdir()
    predict("--model_name_or_path", models["disease"], "--input", corpus / "a.pubtator", "--output", bioc_in,
            "--output_format", "bioc-xml")
    predict(*specs, "--input", bioc_in.parent, "--output", tmp_path / "bioc-out")
    with open(tmp_path / "bioc-out" / "a.bioc.xml", encoding="utf-8") as handle:
        collection = bioc.biocxml.load(handle)
    added = [a.infons for d in collection.documents for p in d.passages for a in p.annotations if "model" in a.infons]
    assert {(infons["type"], infons["model"]) for infons in added} == {("Disease", "Chem"), ("Chemical", "Chem"), ("Gene", "Gene")}


def test_a_model_with_a_head_per_corpus_tags_each_head_like_a_model_of_that_head(models, texts, tmp_path):
    """One encoder pass, one entity layer per head (general-domain heads only with --general_heads),
    each exactly the entities of a one-head model made of that head's columns."""
    predict("--model_name_or_path", models["heads"], "--input", texts, "--output", tmp_path / "heads.jsonl")
    predict("--model_name_or_path", models["heads"], "--input", texts, "--output", tmp_path / "general.jsonl",
            "--general_heads")
    expected = {}
    for head in HEADS:
        out = tmp_path / f"{head.name}.jsonl"
        predict("--model_name_or_path", models[f"head-{head.name}"], "--entity_type", head.name, "--input", texts, "--output", out)
        expected.update(by_type(read_jsonl(out)))
    assert set(expected) == {"Disease", "GENE", "PER"}
    # the same spans; the scores to float rounding (a head's 3 columns of a 9-column layer against a 3-column layer)
    assert same_spans(by_type(read_jsonl(tmp_path / "heads.jsonl")), {k: v for k, v in expected.items() if k != "PER"})
    assert same_spans(by_type(read_jsonl(tmp_path / "general.jsonl")), expected)
    predict("--model", f"H={models['heads']}", f"Gene={models['gene']}", "--input", texts, "--output", tmp_path / "set.jsonl")
    records = read_jsonl(tmp_path / "set.jsonl")
    assert {(e["type"], e["model"]) for r in records for e in r["entities"]} == {("Disease", "H"), ("GENE", "H"), ("Gene", "Gene")}


@pytest.mark.parametrize("case", ["same name", "bad name", "no folder", "a file", "types clash", "type is a typed model's name",
                                  "schemes differ", "words of two models", "hub name", "stdin into a folder"])
def test_bad_sets_of_models_are_one_line_errors_before_anything_is_written(case, models, texts, tmp_path, monkeypatch, capsys):
    disease, typed = f"Disease={models['disease']}", f"Chem={models['typed']}"
    given, code, said = {
        "same name": ([disease, f"Disease={models['gene']}"], 2, "two models named Disease"),
        "bad name": ([disease, f"Gene X={models['gene']}"], 2, "'Gene X' is not a valid entity type"),
        "no folder": ([disease, f"Gene={tmp_path / 'missing'}"], 1, f"no such folder {tmp_path / 'missing'}"),
        "a file": ([disease, f"Gene={models['gene'] / 'config.json'}"], 1, "config.json is a file, not a model folder"),
        "types clash": ([f"Chemical={models['disease']}", typed], 1, "both give entities of type Chemical"),
        "type is a typed model's name": ([f"GENE={models['typed']}", f"X={models['typed-gene']}"], 1,
                                         "X gives entities of type GENE"),
        "schemes differ": ([disease, f"Gene={models['iobes']}"], 1, "different tag schemes (Disease IOB2, Gene IOBES)"),
        "words of two models": ([disease, f"Gene={models['gene']}"], 2, "--output_words"),
        "hub name": ([disease, "Gene=no-such-model-anywhere"], 1, "--model Gene=no-such-model-anywhere: no such"),
        "stdin into a folder": ([disease], 2, "--input -: stdin is tagged into a file, not a folder"),
    }[case]
    out = f"{tmp_path / 'out'}/" if case == "stdin into a folder" else tmp_path / "out" / "tagged.jsonl"
    if case == "stdin into a folder":
        texts = "-"
    extra = ["--output_words"] if case == "words of two models" else []
    status, err = run_installed("gerbera-predict", ["--model", *given, "--input", texts, "--output", out,
                                                    "--disable_tqdm", "--device", "cpu", *extra], monkeypatch, capsys)
    errors = [line for line in err.splitlines() if "error" in line.lower()]
    assert status == code and len(errors) == 1 and said in errors[0], err[-2000:]
    assert not (tmp_path / "out").exists()


def test_settings_of_the_forward_pass_apply_to_every_model_and_head(models, texts, tmp_path):
    """--scoring_precision reaches each model of a set, and a model with heads in ONNX Runtime (which
    sees only the logits): onnx-fp32 gives the spans of fp32; int8 runs and tags every head."""
    pytest.importorskip("onnxruntime")
    specs = ["--model", f"Gene={models['gene']}", f"H={models['heads']}"]
    fp32 = predict(*specs, "--input", texts, "--output", tmp_path / "fp32.jsonl")
    onnx = predict(*specs, "--input", texts, "--output", tmp_path / "onnx.jsonl", "--scoring_precision", "onnx-fp32")
    assert fp32["scoring_precision"] == "fp32" and onnx["scoring_precision"] == "onnx-fp32"
    assert same_spans(by_type(read_jsonl(tmp_path / "onnx.jsonl")), by_type(read_jsonl(tmp_path / "fp32.jsonl")))
    predict("--model_name_or_path", models["heads"], "--input", texts, "--output", tmp_path / "int8.jsonl",
            "--scoring_precision", "int8")
    assert {e["type"] for r in read_jsonl(tmp_path / "int8.jsonl") for e in r["entities"]} == {"Disease", "GENE"}
