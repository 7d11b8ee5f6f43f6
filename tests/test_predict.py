"""run_predict.py and gerbera.tagging.tagger: raw text, PubTator and column files to entity spans."""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import torch
from conftest import BIO_SENTENCES, REPO, write_dataset
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from safetensors.torch import load_file, save_file
from transformers import AutoModelForTokenClassification

import run_eval
import run_ner
import run_predict
from gerbera.corpora.column_files import read_column_file
from gerbera.documents.formats import detect_input_format
from gerbera.documents.pubtator import read_pubtator
from gerbera.scoring.metrics import span_scores
from gerbera.tagging.tagger import InputDocument, Tagger, entity_spans
from gerbera.text.segmentation import tokenize_words

UNTYPED = ["B", "I", "O"]
TYPED = ["O", "B-Disease", "I-Disease", "B-Chemical", "I-Chemical"]
# the softmax probability of the favoured tag of make_head(favour=...): logit 8, the others 0
INSIDE_PROBABILITY = math.exp(8) / (math.exp(8) + len(UNTYPED) - 1)


def make_head(encoder: Path, out: Path, labels: list[str], favour: str | None = None, seed: int = 0) -> Path:
    """A token-classification model on ``encoder`` with a hand-set head, saved like run_ner.py saves.

    ``favour``: every word gets this tag. Else a large random head: tags vary from word to word.
    """
    shutil.copytree(encoder, out)
    model = AutoModelForTokenClassification.from_pretrained(
        encoder, num_labels=len(labels), id2label=dict(enumerate(labels)), label2id={t: i for i, t in enumerate(labels)}
    )
    with torch.no_grad():
        if favour is None:
            generator = torch.Generator().manual_seed(seed)
            model.classifier.weight.copy_(torch.randn(model.classifier.weight.shape, generator=generator) * 3)
            model.classifier.bias.zero_()
        else:
            model.classifier.weight.zero_()
            model.classifier.bias.copy_(torch.tensor([8.0 if tag == favour else 0.0 for tag in labels]))
    model.save_pretrained(out)
    return out


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny models run fastest on one thread, and a busy machine makes several threads crawl."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="session")
def varied_model(tiny_bert, tmp_path_factory):
    return make_head(tiny_bert, tmp_path_factory.mktemp("models") / "varied", UNTYPED)


@pytest.fixture(scope="session")
def inside_model(tiny_bert, tmp_path_factory):
    """Every word I: each sentence is one entity."""
    return make_head(tiny_bert, tmp_path_factory.mktemp("models") / "inside", UNTYPED, favour="I")


@pytest.fixture(scope="session")
def typed_model(tiny_bert, tmp_path_factory):
    return make_head(tiny_bert, tmp_path_factory.mktemp("models") / "typed", TYPED, seed=3)


@pytest.fixture(scope="session")
def varied_tagger(varied_model):
    return Tagger.load(str(varied_model), max_seq_length=16, batch_size=4, device="cpu")


def predict(*args: str) -> dict:
    return run_predict.main([*map(str, args), "--disable_tqdm"])


def read_jsonl(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def check_entities(text: str, entities: list) -> None:
    end = 0
    for entity in entities:
        assert 0 <= end <= entity.start < entity.end <= len(text)  # in order, within, not overlapping
        assert text[entity.start : entity.end] == entity.text
        assert not entity.text[0].isspace() and not entity.text[-1].isspace()
        assert 0.0 < entity.score <= 1.0
        end = entity.end


# ---------------------------------------------------------------------------------------------
# offsets: property-based

BIOMEDICAL_PIECES = [
    "IL-2", "p53", "TNF-alpha", "NF-κB", "e.g.", "et al.", "(DM)", "Huntington disease", "breast cancer",
    "Ménière's", "β2-microglobulin", "5.6", "2,000", "\u200b", "\u00ad", "\u0301", " ", "  ", "\t", "\n", "\r\n",
    "\n\n", "\u00a0", "\u2028", "\u3000", ". ", "? ", "The ", "Na+/K+-ATPase", "肝癌", "\U0001F600", "\U0001F44D\U0001F3FD",
]
ANY_CHARACTER = st.characters(exclude_categories=("Cs",))  # every code point a UTF-8 file can hold
TEXTS = st.lists(st.one_of(st.sampled_from(BIOMEDICAL_PIECES), st.text(ANY_CHARACTER, max_size=12)), max_size=40).map("".join)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(text=TEXTS)
def test_entity_offsets_are_exact_for_any_text(varied_tagger, text):
    [tagged] = varied_tagger.tag_documents([InputDocument("d", text)])
    check_entities(text, tagged.entities)
    assert {entity.type for entity in tagged.entities} <= {"Entity"}
    # every non-whitespace character is in a word, and every word got a tag
    words = tagged.words()
    assert "".join(word["text"] for word in words) == "".join(char for char in text if not char.isspace())
    assert all(word["tag"] in UNTYPED and text[word["start"] : word["end"]] == word["text"] for word in words)


def test_the_random_head_does_find_entities(varied_tagger):
    text = "Mutations in BRCA1 cause breast cancer , e.g. in Huntington disease and IL-2 deficiency ( TNF-alpha ) ."
    entities = varied_tagger.tag_text(text)
    assert len(entities) >= 2
    check_entities(text, entities)


TAG_SEQUENCES = st.lists(st.sampled_from(["O", "B", "I", "B-X", "I-X", "B-Y", "I-Y", "E-X", "S-Y"]), min_size=1, max_size=30)


@settings(max_examples=300, deadline=None)
@given(tags=TAG_SEQUENCES)
def test_entities_are_what_the_metric_counts(tags):
    """Rebuilding IOB2 tags from the output's entities scores F1 = 1 against the predicted tags."""
    if any("-" in t for t in tags) and any(t in ("B", "I") for t in tags):
        tags = [t if t == "O" else f"{t[0]}-X" for t in tags]  # a tag set is typed or untyped, not both
    spans = entity_spans(tags)
    rebuilt = ["O"] * len(tags)
    for entity_type, first, last in spans:
        suffix = "" if entity_type == "_" else f"-{entity_type}"
        rebuilt[first : last + 1] = [f"B{suffix}"] + [f"I{suffix}"] * (last - first)
    if not spans:
        assert all(tag == "O" for tag in tags)
        return
    scores = span_scores([tags], [rebuilt], prefix="")
    assert scores["support"] == len(spans)
    assert scores["f1"] == pytest.approx(1.0)


# ---------------------------------------------------------------------------------------------
# the same predictions as run_eval.py


@pytest.mark.parametrize("encoder, head", [("tiny_bert", "shared"), ("tiny_roberta", "shared"), ("tiny_bert", "domain")])
def test_conll_input_gives_run_eval_predictions(encoder, head, request, data_dir, tmp_path):
    tiny_encoder = request.getfixturevalue(encoder)
    odd = [("\u200b", "O"), ("soft\u00adhyphen", "O"), ("\U0001F600", "O"), ("x" * 60, "B"), ("IL-2", "I")]
    long_sentence = [(f"w{i}", "O") for i in range(70)] + odd
    write_dataset(data_dir, "odd", BIO_SENTENCES, test=BIO_SENTENCES + [long_sentence, odd])
    model = tmp_path / "model"
    common = ["--data_dir", str(data_dir), "--labels", str(data_dir / "bio" / "labels.txt"), "--max_seq_length", "24",
              "--report_to", "none", "--disable_tqdm", "true", "--overwrite_output_dir", "--seed", "1"]
    run_ner.main(["--model_name_or_path", str(tiny_encoder), "--output_dir", str(model), "--data_list", "odd", "--do_train",
                  "--max_steps", "4", "--per_device_train_batch_size", "4", "--learning_rate", "1e-3",
                  "--save_steps", "10000", "--head", head, *common])
    if head == "domain":  # 4 steps leave its two-layer branches tagging all O: random branches tag every kind
        weights = load_file(model / "model.safetensors")
        generator = torch.Generator().manual_seed(0)
        for name in sorted(weights):
            if "classifier" in name and name.endswith("weight"):
                weights[name] = torch.randn(weights[name].shape, generator=generator) * 3
        save_file(weights, model / "model.safetensors", metadata={"format": "pt"})
    evaluation = tmp_path / "eval"
    run_eval.main(["--model_name_or_path", str(model), "--output_dir", str(evaluation), "--eval_data_list", "odd",
                   "--do_predict", *common])
    expected = [[line.split(" ")[-1] for line in block.splitlines()]
                for block in (evaluation / "test_predictions.txt").read_text(encoding="utf-8").split("\n\n") if block]

    out = tmp_path / "tagged.jsonl"
    summary = predict("--model_name_or_path", model, "--input", data_dir / "odd" / "test.txt", "--output", out,
                      "--max_seq_length", "24", "--output_words")
    assert summary["input_format"] == "conll"
    records = read_jsonl(out)
    sentences = read_column_file(data_dir / "odd" / "test.txt")
    assert [r["id"] for r in records] == [str(i) for i in range(1, len(sentences) + 1)]
    assert [[w["text"] for w in r["words"]] for r in records] == [s.words for s in sentences]
    assert [r["text"] for r in records] == [" ".join(s.words) for s in sentences]
    assert [[w["tag"] for w in r["words"]] for r in records] == expected
    assert {"B", "I", "O"} <= {w["tag"] for r in records for w in r["words"]}  # tags vary: a mix-up would show
    for record in records:
        for entity in record["entities"]:
            assert record["text"][entity["start"] : entity["end"]] == entity["text"]
    # the Tagger API gives the same tags
    tagger = Tagger.load(str(model), max_seq_length=24, device="cpu")
    assert tagger.tag_words([s.words for s in sentences]) == expected


# ---------------------------------------------------------------------------------------------
# formats

PUBTATOR = (
    "100|t|Huntington disease and IL-2 in\ttabs.\n"
    "100|a|Patients with type 2 diabetes (T2D), e.g. obese ones, et al. were studied. BRCA1 mutations cause cancer.\n"
    "100\t0\t18\tHuntington disease\tDisease\tD006816\n"
    "\n"
    "200|t|Ménière's disease: a β2-microglobulin study\n"
    "200|a|\n"
    "\n"
    "300|t|\n"
    "300|a|Only an abstract, with NF-κB and TNF-alpha.\n"
)


def test_pubtator_round_trip(inside_model, varied_model, tmp_path):
    source = tmp_path / "in.pubtator"
    source.write_text(PUBTATOR, encoding="utf-8")
    given = {d.id: d for d in read_pubtator(source)}
    for model in (inside_model, varied_model):
        out = tmp_path / f"{model.name}.pubtator"
        summary = predict("--model_name_or_path", model, "--input", source, "--output", out, "--entity_type", "Disease")
        assert summary["input_format"] == "pubtator" and summary["output_format"] == "pubtator"
        documents = read_pubtator(out)  # checks every mention against title + " " + abstract
        assert [d.id for d in documents] == ["100", "200", "300"]
        for document in documents:
            original = given[document.id]
            assert document.abstract == original.abstract
            assert document.title == original.title.replace("\t", " ")
            assert document.relations == []
            for annotation in document.annotations:
                assert annotation.type == "Disease" and annotation.identifier is None
                # inside the title or inside the abstract, never across
                assert any(a <= annotation.start < annotation.end <= b for a, b in document.passages)
        if model == inside_model:  # every sentence is one entity
            first = documents[0]
            mentions = [a.mention for a in first.annotations]
            assert mentions == [first.title, "Patients with type 2 diabetes (T2D), e.g. obese ones, et al. were studied.",
                                "BRCA1 mutations cause cancer."]
    # JSON Lines from PubTator: the same offsets, into title + " " + abstract
    out = tmp_path / "from_pubtator.jsonl"
    predict("--model_name_or_path", inside_model, "--input", source, "--output", out)
    records = read_jsonl(out)
    assert [r["text"] for r in records] == [given[i].text for i in ("100", "200", "300")]
    # the inside model gives every word the probability of its logits (8 for I, 0 for B and O): so does each entity
    assert records[0]["entities"][0] == {"start": 0, "end": len(given["100"].title), "text": given["100"].title,
                                         "type": "Entity", "score": pytest.approx(INSIDE_PROBABILITY, abs=2e-6)}


def test_pubtator_scores_column(inside_model, tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("100|t|A title.\n100|a|An abstract.\n", encoding="utf-8")
    out = tmp_path / "out.pubtator"
    predict("--model_name_or_path", inside_model, "--input", source, "--output", out, "--write_scores")
    [document] = read_pubtator(out)
    assert [a.mention for a in document.annotations] == ["A title.", "An abstract."]
    assert [a.score for a in document.annotations] == [pytest.approx(INSIDE_PROBABILITY, abs=2e-6)] * 2


def test_jsonl_schema_for_text_lines(varied_model, tmp_path):
    source = tmp_path / "abstracts.txt"
    lines = ["Mutations in BRCA1 cause breast cancer (BC).", "", "   ", "IL-2 and TNF-alpha in Huntington disease, e.g. in p53 mice.",
             "Ménière's disease\u00a0and β2-microglobulin\r"]
    source.write_bytes(("\ufeff" + "\n".join(lines) + "\n").encode("utf-8"))
    out = tmp_path / "out.jsonl"
    summary = predict("--model_name_or_path", varied_model, "--input", source, "--output", out, "--output_words")
    assert summary["input_format"] == "text-lines" and summary["output_format"] == "jsonl"
    assert summary["documents"] == 3 and summary["words"] > 20 and summary["documents_per_second"] > 0
    records = read_jsonl(out)
    assert [r["id"] for r in records] == ["1", "4", "5"]  # line numbers; blank lines are no documents
    assert [r["text"] for r in records] == [lines[0], lines[3], lines[4][:-1]]
    entity_count = mixed_scores = 0
    for record in records:
        assert set(record) == {"id", "text", "entities", "words"}
        assert isinstance(record["id"], str) and isinstance(record["text"], str)
        for entity in record["entities"]:
            assert set(entity) == {"start", "end", "text", "type", "score"}
            assert isinstance(entity["start"], int) and isinstance(entity["end"], int)
            assert isinstance(entity["score"], float) and 0 < entity["score"] <= 1
            assert entity["type"] == "Entity"
            assert record["text"][entity["start"] : entity["end"]] == entity["text"]
            entity_count += 1
        for word in record["words"]:
            assert set(word) == {"text", "start", "end", "tag", "score"} and word["tag"] in UNTYPED
        assert [w["text"] for w in record["words"]] == [t.text for t in tokenize_words(record["text"])]
        for entity in record["entities"]:  # an entity's score is the mean of its words' probabilities
            inside = [w["score"] for w in record["words"] if entity["start"] <= w["start"] < w["end"] <= entity["end"]]
            assert entity["score"] == pytest.approx(sum(inside) / len(inside), abs=2e-6)
            mixed_scores += len(set(inside)) > 1
    assert entity_count == summary["entities"] > 0
    assert mixed_scores  # some entity's words differ in probability: the mean is not the first word's nor the best
    # without --output_words: no words
    predict("--model_name_or_path", varied_model, "--input", source, "--output", out, "--overwrite_output")
    assert all(set(r) == {"id", "text", "entities"} for r in read_jsonl(out))


def test_entity_types_untyped_and_typed(inside_model, typed_model, tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("Aspirin reduced the risk of colorectal cancer in patients with Lynch syndrome.\n"
                      "Cisplatin nephrotoxicity and IL-2 therapy in melanoma.\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    predict("--model_name_or_path", inside_model, "--input", source, "--output", out, "--entity_type", "Disease")
    assert {e["type"] for r in read_jsonl(out) for e in r["entities"]} == {"Disease"}
    predict("--model_name_or_path", inside_model, "--input", source, "--output", out, "--overwrite_output")
    assert {e["type"] for r in read_jsonl(out) for e in r["entities"]} == {"Entity"}
    # a typed model: the types of its tags, whatever --entity_type says
    predict("--model_name_or_path", typed_model, "--input", source, "--output", out, "--entity_type", "Gene",
            "--overwrite_output")
    types = {e["type"] for r in read_jsonl(out) for e in r["entities"]}
    assert types and types <= {"Disease", "Chemical"}


def test_long_document_is_fully_tagged(varied_model, tmp_path):
    sentences = [" ".join(w for w, _ in s) for s in BIO_SENTENCES]
    paragraph = " ".join(sentences * 100)  # 3,000 words in 400 sentences
    run_on = " ".join(f"word{i}" for i in range(3000))  # one 3,000-word sentence: many windows
    text = f"{paragraph}\n\n{run_on}\n\n{paragraph}"
    tagger = Tagger.load(str(varied_model), max_seq_length=32, device="cpu")
    [tagged] = tagger.tag_documents([InputDocument("long", text)], chunk_words=1000)
    tokens = tokenize_words(text)
    assert tagged.num_words == len(tokens) >= 9000
    words = tagged.words()
    assert [(w["start"], w["end"]) for w in words] == [(t.start, t.end) for t in tokens]
    assert all(w["tag"] in UNTYPED for w in words)
    check_entities(text, tagged.entities)
    assert len({w["tag"] for w in words}) == 3
    # through the command line, the whole file as one document
    source = tmp_path / "long.txt"
    source.write_text(text, encoding="utf-8")
    out = tmp_path / "long.jsonl"
    summary = predict("--model_name_or_path", varied_model, "--input", source, "--input_format", "text",
                      "--output", out, "--output_words", "--max_seq_length", "32")
    [record] = read_jsonl(out)
    assert record["id"] == "long" and record["text"] == text and summary["words"] == len(tokens)
    assert [w["tag"] for w in record["words"]] == [w["tag"] for w in words]


def test_input_format_detection(tmp_path):
    assert detect_input_format("a.txt", "1|t|Title\n1|a|Abstract\n") == "pubtator"
    assert detect_input_format("a.txt", "\n\n1|a|Abstract only\n") == "pubtator"
    assert detect_input_format("a.txt", "Mutations O\nin O\nDM B\n\nHD B\n") == "conll"
    assert detect_input_format("a.txt", "EU\tX\tX\tB-ORG\nrejects\tX\tX\tO\n") == "conll"
    assert detect_input_format("a.txt", "-DOCSTART-\n\nwords\nonly\n") == "conll"
    assert detect_input_format("a.conll", "words\nonly\n") == "conll"
    assert detect_input_format("a.PubTator", "anything\n") == "pubtator"
    assert detect_input_format("a.txt", "words\nonly\n") == "text-lines"
    assert detect_input_format("a.txt", "Patients were given a drug O\nand then B\n") == "text-lines"
    assert detect_input_format("a.txt", "One abstract.\nAnother one, e.g. this.\n") == "text-lines"
    assert detect_input_format("a.txt", "Patients given B\ndrug in O\n") == "conll"  # reads like a column file
    assert detect_input_format("a.txt", "") == "text-lines"


def test_words_only_conll_and_output_format_flags(inside_model, tmp_path):
    source = tmp_path / "words.conll"
    source.write_text("Huntington\ndisease\n\nIL\n-\n2\n", encoding="utf-8")
    out = tmp_path / "out.data"
    summary = predict("--model_name_or_path", inside_model, "--input", source, "--output", out, "--output_format", "pubtator")
    assert summary["input_format"] == "conll"
    documents = read_pubtator(out)
    # plain text and column input: empty title, the text as abstract, offsets counted from the title
    assert [(d.title, d.abstract) for d in documents] == [("", "Huntington disease"), ("", "IL - 2")]
    assert [(a.start, a.end, a.mention) for a in documents[0].annotations] == [(1, 19, "Huntington disease")]


def test_whole_file_with_line_breaks_to_pubtator(inside_model, tmp_path):
    source = tmp_path / "note.txt"
    source.write_text("First line of a\r\nclinical note.\tTabbed.\n\nSecond paragraph here.\n", encoding="utf-8", newline="")
    out = tmp_path / "note.pubtator"
    predict("--model_name_or_path", inside_model, "--input", source, "--input_format", "text", "--output", out)
    [document] = read_pubtator(out)
    assert document.id == "note" and document.abstract == "First line of a  clinical note. Tabbed.  Second paragraph here. "
    assert [a.mention for a in document.annotations] == ["First line of a  clinical note.", "Tabbed.", "Second paragraph here."]


@pytest.mark.parametrize(
    "args, message, status",
    [  # 1: the run failed (a file); 2: the command line is wrong whatever the files hold
        (["--input", "{missing}", "--output", "{out}.jsonl"], "no such file", 1),
        (["--input", "{text}", "--output", "{out}.csv"], "cannot tell the format", 2),
        (["--input", "{text}", "--output", "{out}.pubtator", "--output_words"], "--output_words needs JSON Lines", 2),
        (["--input", "{text}", "--output", "{out}.jsonl", "--entity_type", "two words"], "--entity_type", 2),
        (["--input", "{text}", "--output", "{out}.jsonl", "--device", "gpu0"], "--device gpu0", 2),
    ],
)
def test_user_errors_are_one_line(inside_model, tmp_path, capsys, args, message, status):
    text = tmp_path / "in.txt"
    text.write_text("Some text.\n", encoding="utf-8")
    values = {"missing": tmp_path / "missing.txt", "text": text, "out": tmp_path / "out"}
    with pytest.raises(SystemExit) as exit_info:
        predict("--model_name_or_path", inside_model, *[a.format(**values) for a in args])
    assert exit_info.value.code == status
    err = capsys.readouterr().err.strip().splitlines()
    assert err[-1].startswith("error: ") and message in err[-1]


def test_encoder_without_tag_head_is_refused(tiny_bert, tmp_path, capsys):
    text = tmp_path / "in.txt"
    text.write_text("Some text.\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        predict("--model_name_or_path", tiny_bert, "--input", text, "--output", tmp_path / "o.jsonl")
    assert "no trained tag head" in capsys.readouterr().err


def test_script_reads_stdin_and_writes_stdout(inside_model):
    result = subprocess.run(
        [sys.executable, "run_predict.py", "--model_name_or_path", str(inside_model), "--input", "-", "--output", "-",
         "--disable_tqdm", "--num_threads", "1"],
        input="Huntington disease is inherited.\nIL-2 in p53 mice.\n", cwd=REPO, capture_output=True, text=True,
        env={**os.environ, "HF_HUB_OFFLINE": "1", "HOME": str(REPO), "OMP_NUM_THREADS": "1"},
    )
    assert result.returncode == 0, result.stderr
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["entities"][0]["text"] for r in records] == ["Huntington disease is inherited.", "IL-2 in p53 mice."]
