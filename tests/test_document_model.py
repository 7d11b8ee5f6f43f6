"""One document type from every reader to every writer, through run_predict.py and run_eval.py: PubTator
written with six columns and a blank line after each document (the bioc package reads back every
entity), BioC out of any input, the BioC header and DOCTYPE kept, numeric ids, control characters,
``.gz`` outputs, and the type named in offset predictions of an untyped model (issues 30 and 33)."""

from __future__ import annotations

import gzip
import json

import bioc
import bioc.pubtator
import pytest
from bioc import biocjson
from test_predict import UNTYPED, make_head

import run_eval
import run_predict
from gerbera.documents.formats import iter_documents
from gerbera.documents.pubtator import parse_pubtator, read_pubtator

TEXT = "Huntington disease is inherited.\nIL-2 in p53 mice.\n"


@pytest.fixture(scope="module")
def inside(tiny_bert, tmp_path_factory):
    """Every word tagged I: each sentence is one entity."""
    return make_head(tiny_bert, tmp_path_factory.mktemp("model") / "inside", UNTYPED, favour="I")


def predict(model, source, out, *extra) -> dict:
    return run_predict.main(["--model_name_or_path", str(model), "--input", str(source), "--output", str(out),
                             "--disable_tqdm", *map(str, extra)])


def test_pubtator_output_has_six_columns_and_the_bioc_package_reads_every_entity(inside, tmp_path):
    source = tmp_path / "in.txt"
    source.write_text(TEXT, encoding="utf-8")
    out = tmp_path / "out.pubtator"
    summary = predict(inside, source, out, "--entity_type", "Disease")
    written = out.read_text(encoding="utf-8")
    annotation_lines = [line for line in written.splitlines() if "\t" in line]
    assert annotation_lines and all(line.split("\t")[5] == "-" for line in annotation_lines)
    read = bioc.pubtator.loads(written)
    assert sum(len(d.annotations) for d in read) == summary["entities"] == 2
    assert not any(d.relations for d in read)
    assert written.endswith("\n\n")  # each document ends with its blank line
    assert [a.identifier for d in read_pubtator(out) for a in d.annotations] == [None, None]  # "-": no concept id
    scored = tmp_path / "scored.pubtator"
    predict(inside, source, scored, "--entity_type", "Disease", "--write_scores")
    assert sum(len(d.annotations) for d in bioc.pubtator.loads(scored.read_text(encoding="utf-8"))) == 2


def test_our_reader_reads_five_and_six_column_annotations():
    five = "1|t|IL-2 rises.\n1|a|\n1\t0\t4\tIL-2\tGene\n"
    six = "1|t|IL-2 rises.\n1|a|\n1\t0\t4\tIL-2\tGene\t-\n\n"
    assert parse_pubtator(five) == parse_pubtator(six)
    assert parse_pubtator(six)[0].annotations[0].identifier is None


@pytest.mark.parametrize("fmt", ["text-lines", "conll"])
@pytest.mark.parametrize("extension", [".bioc.xml", ".bioc.json"])
def test_plain_text_and_column_input_give_bioc(inside, tmp_path, fmt, extension):
    source = tmp_path / ("in.txt" if fmt == "text-lines" else "in.conll")
    source.write_text(TEXT if fmt == "text-lines" else "IL-2\nin\np53\nmice\n\nHuntington\ndisease\n", encoding="utf-8")
    out = tmp_path / f"out{extension}"
    summary = predict(inside, source, out)
    assert summary["entities"] == 2
    documents = list(iter_documents(out))
    assert [len(d.annotations) for d in documents] == [1, 1]
    assert all(d.text[a.start:a.end] == a.mention for d in documents for a in d.annotations)


def bioc_json_collection(documents_first: bool) -> str:
    document = {"id": 12345, "infons": {"journal": "J"}, "relations": [],
                "passages": [{"offset": 0, "text": "Huntington disease is inherited.", "infons": {}, "relations": [],
                              "annotations": [{"id": 7, "infons": {"type": "Disease"}, "text": "Huntington disease",
                                               "locations": [{"offset": 0, "length": 18}]}]}]}
    header = {"source": "PubTator3", "date": "2025-01-02", "key": "bioc.key", "infons": {"set": "test"}}
    fields = [("documents", [document, {**document, "id": 678}])] + list(header.items())
    return json.dumps(dict(fields if documents_first else fields[1:] + fields[:1]))


@pytest.mark.parametrize("documents_first", [False, True])
def test_bioc_json_header_and_numeric_ids_reach_every_output(inside, tmp_path, documents_first):
    source = tmp_path / "in.bioc.json"
    source.write_text(bioc_json_collection(documents_first), encoding="utf-8")
    out = tmp_path / "out.bioc.json"
    summary = predict(inside, source, out)
    assert summary["documents"] == 2
    collection = biocjson.loads(out.read_text(encoding="utf-8"))
    assert (collection.source, collection.date, collection.key, collection.infons) == (
        "PubTator3", "2025-01-02", "bioc.key", {"set": "test"})
    assert [d.id for d in collection.documents] == ["12345", "678"]
    ids = [a.id for d in collection.documents for p in d.passages for a in p.annotations]
    assert ids == ["7", "8", "7", "8"]  # the input's (a number, read as a string) and the one added after it
    xml_out = tmp_path / "out.bioc.xml"
    predict(inside, source, xml_out, "--output_format", "bioc-xml")
    assert bioc.loads(xml_out.read_text(encoding="utf-8")).source == "PubTator3"
    # a folder run in parts of one document: every part has the header
    folder_in, folder_out = tmp_path / "corpus", tmp_path / "tagged"
    folder_in.mkdir()
    (folder_in / "a.bioc.json").write_text(source.read_text(encoding="utf-8"), encoding="utf-8")
    predict(inside, folder_in, folder_out, "--part_documents", 1)
    parts = sorted(folder_out.glob("a.*part*"))
    assert len(parts) == 2
    assert all(biocjson.loads(p.read_text(encoding="utf-8")).source == "PubTator3" for p in parts)


def test_control_characters_are_spaces_in_every_output(inside, tmp_path):
    source = tmp_path / "in.txt"
    source.write_text("IL-2\x0bin\x01p53 mice.\n", encoding="utf-8")
    outputs = {fmt: tmp_path / f"out.{fmt}" for fmt in ("bioc.xml", "bioc.json", "jsonl", "pubtator")}
    for out in outputs.values():
        predict(inside, source, out)
    [document] = bioc.loads(outputs["bioc.xml"].read_text(encoding="utf-8")).documents
    assert document.passages[0].text == "IL-2 in p53 mice."
    [record] = [json.loads(line) for line in outputs["jsonl"].read_text(encoding="utf-8").splitlines()]
    assert record["text"] == "IL-2 in p53 mice."
    assert [(e["start"], e["end"]) for e in record["entities"]] == [(0, 17)]  # offsets unchanged
    assert [d.text for d in iter_documents(outputs["bioc.json"])] == [record["text"]]


def test_checked_makes_ids_strings_and_keeps_offsets():
    from gerbera.documents.model import Document, checked

    document = checked(Document.of_text(12, "a\x01b\ufffec"))
    assert (document.id, document.text) == ("12", "a b c")


def test_gz_output_is_gzip_and_reads_back(inside, tmp_path):
    source = tmp_path / "in.txt"
    source.write_text(TEXT, encoding="utf-8")
    plain, zipped = tmp_path / "out.pubtator", tmp_path / "out.pubtator.gz"
    predict(inside, source, plain)
    predict(inside, source, zipped)
    assert zipped.read_bytes()[:2] == b"\x1f\x8b"
    assert gzip.decompress(zipped.read_bytes()) == plain.read_bytes()
    assert read_pubtator(zipped) == read_pubtator(plain)
    again = tmp_path / "again.pubtator.gz"
    predict(inside, source, again)
    assert again.read_bytes() == zipped.read_bytes()  # the same bytes on every run


DOCTYPE = '<!DOCTYPE collection SYSTEM "BioC.dtd">'


def test_bioc_xml_output_keeps_the_input_doctype(inside, tmp_path):
    source = tmp_path / "in.bioc.xml"
    source.write_text(f"<?xml version='1.0' encoding='utf-8'?>\n{DOCTYPE}\n<collection><source>S</source><date>D</date>"
                      "<key>K</key><document><id>1</id><passage><offset>0</offset><text>IL-2 in p53 mice.</text>"
                      "</passage></document></collection>\n", encoding="utf-8")
    out = tmp_path / "out.bioc.xml"
    predict(inside, source, out)
    assert out.read_text(encoding="utf-8").splitlines()[1] == DOCTYPE
    assert bioc.loads(out.read_text(encoding="utf-8")).source == "S"


def typed_pubtator_dataset(root, entity_type: str):
    folder = root / "disease"
    folder.mkdir(parents=True)
    text = ("1|t|Huntington disease is inherited.\n1|a|Patients with obesity were studied.\n"
            f"1\t0\t18\tHuntington disease\t{entity_type}\tD006816\n1\t47\t54\tobesity\t{entity_type}\tD009765\n\n")
    for split in ("train", "devel", "test"):
        (folder / f"{split}.pubtator").write_text(text, encoding="utf-8")
    return folder


def test_untyped_offset_predictions_name_the_dataset_type_or_entity_type(inside, tmp_path):
    data = tmp_path / "data"
    typed_pubtator_dataset(data, "Disease")
    for extra, expected in (((), "Disease"), (("--entity_type", "SpecificDisease"), "SpecificDisease")):
        out = tmp_path / f"eval-{expected}"
        results = run_eval.main(["--model_name_or_path", str(inside), "--data_dir", str(data), "--eval_data_list",
                                 "disease", "--output_dir", str(out), "--do_predict", "--report_to", "none", *extra])
        written = (out / "test_predictions.pubtator").read_text(encoding="utf-8")
        read = bioc.pubtator.loads(written)
        assert sum(len(d.annotations) for d in read) == results["test_offset_predicted_mentions"] > 0
        assert {a.type for d in read for a in d.annotations} == {expected}
