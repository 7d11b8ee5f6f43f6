"""gerbera.documents writers: entities written as PubTator, BioC XML, BioC JSON or JSON Lines read back the same; atomic files."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from bioc import biocxml
from test_documents import MEDLINE, bioc_collection, pubtator_text, write

from gerbera.documents.formats import iter_documents, open_writer
from gerbera.documents.model import Document
from gerbera.documents.pubtator import read_pubtator

EXTENSIONS = {"pubtator": ".pubtator", "bioc-xml": ".bioc.xml", "bioc-json": ".bioc.json", "jsonl": ".jsonl"}


@dataclass(frozen=True)
class Found:
    start: int
    end: int
    text: str
    type: str
    score: float


def found(document, words=("rats", "Neurofibromatosis", "Zürich", "β-cells", "abstract", "spots")) -> list[Found]:
    """Entities at every occurrence of ``words`` in the document's text (score 0.75)."""
    entities = []
    for word in words:
        start = document.text.find(word)
        if start >= 0:
            entities.append(Found(start, start + len(word), word, "Predicted", 0.75))
    return sorted(entities, key=lambda e: e.start)


def write_tagged(source: Path, out: Path, fmt: str, **options) -> dict[str, list[Found]]:
    written = {}
    with open_writer(str(out), fmt, **options) as writer:
        for document in iter_documents(source):
            written[document.id] = found(document)
            writer.write(document, written[document.id])
    return written


@pytest.fixture
def inputs(tmp_path) -> dict[str, Path]:
    return {
        "pubtator": write(tmp_path / "in.pubtator", pubtator_text()),
        "bioc-xml": write(tmp_path / "in.bioc.xml", biocxml.dumps(bioc_collection())),
        "medline": write(tmp_path / "in.xml.gz", MEDLINE),
    }


@pytest.mark.parametrize("fmt", sorted(EXTENSIONS))
def test_written_entities_read_back_at_their_offsets(fmt, inputs, tmp_path):
    for source_format, source in inputs.items():
        out = tmp_path / f"{source_format}{EXTENSIONS[fmt]}"
        written = write_tagged(source, out, fmt, write_scores=True)
        assert sum(map(len, written.values())) >= 2
        sources = {d.id: d for d in iter_documents(source)}
        if fmt == "jsonl":
            records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
            assert [r["id"] for r in records] == list(sources)
            for record in records:
                assert record["text"] == sources[record["id"]].text
                assert [(e["start"], e["end"], e["text"]) for e in record["entities"]] == [
                    (e.start, e.end, e.text) for e in written[record["id"]]]
            continue
        for document in iter_documents(out, fmt):  # checks every mention against the text at its offsets
            given = sources[document.id]
            assert document.text.rstrip(" ") == given.text.rstrip(" ")
            predicted = [(a.start, a.end, a.mention, a.score) for a in document.annotations if a.type == "Predicted"]
            assert predicted == [(e.start, e.end, e.text, 0.75) for e in written[document.id]]
            kept = [(a.start, a.end, a.mention, a.type) for a in document.annotations if a.type != "Predicted"]
            if fmt == "pubtator":
                assert kept == []  # PubTator out holds the predicted entities only
            else:  # BioC out keeps the input's own annotations
                assert kept == [(a.start, a.end, a.mention, a.type) for a in given.annotations]


def test_medline_to_pubtator_keeps_pubtator_offsets(inputs, tmp_path):
    out = tmp_path / "medline.pubtator"
    write_tagged(inputs["medline"], out, "pubtator")
    documents = read_pubtator(out)  # checks each mention against title + " " + abstract
    first = documents[0]
    assert first.abstract.startswith("BACKGROUND: Crohn’s disease")
    assert [(a.mention, first.text[a.start:a.end]) for a in first.annotations] == [("Zürich",) * 2, ("β-cells",) * 2]


def test_bioc_out_is_the_bioc_in_with_entities_added(inputs, tmp_path):
    out = tmp_path / "out.bioc.xml"
    write_tagged(inputs["bioc-xml"], out, "bioc-xml")
    collection = biocxml.loads(out.read_text(encoding="utf-8"))
    assert (collection.source, collection.date) == ("test", "2024-01-01")
    document = collection.documents[0]
    assert [p.infons for p in document.passages] == [{"type": "title"}, {"type": "abstract"}]
    abstract = document.passages[1]
    added = [a for a in abstract.annotations if a.infons["type"] == "Predicted"]
    assert [(a.id, a.infons["score"], a.text) for a in added] == [("5", "0.75", "rats")]
    [location] = added[0].locations
    assert abstract.text[location.offset - abstract.offset:][:location.length] == "rats"
    for document in collection.documents:
        ids = [a.id for p in document.passages for a in p.annotations]
        assert len(ids) == len(set(ids)), ids


def test_plain_documents_get_an_empty_pubtator_title_and_one_bioc_passage(tmp_path):
    document = Document.of_text("7", "Aspirin\tcures\nheadache.")
    entity = Found(14, 22, "headache", "Disease", 0.5)
    with open_writer(str(tmp_path / "p.pubtator"), "pubtator") as writer:
        writer.write(document, [entity])
    [read] = read_pubtator(tmp_path / "p.pubtator")
    assert (read.title, read.abstract) == ("", "Aspirin cures headache.")
    assert [(a.start, a.end) for a in read.annotations] == [(15, 23)]
    with open_writer(str(tmp_path / "p.bioc.json"), "bioc-json") as writer:
        writer.write(document, [entity])
    [read] = iter_documents(tmp_path / "p.bioc.json")
    assert read.text == document.text and [(a.start, a.end) for a in read.annotations] == [(14, 22)]


@pytest.mark.parametrize("fmt", sorted(EXTENSIONS))
def test_an_empty_output_is_a_valid_empty_file(fmt, tmp_path):
    out = tmp_path / f"empty{EXTENSIONS[fmt]}"
    with open_writer(str(out), fmt):
        pass
    assert out.exists()
    if fmt != "jsonl":
        assert list(iter_documents(out, fmt)) == []


@pytest.mark.parametrize("fmt", sorted(EXTENSIONS))
def test_a_failed_write_leaves_no_file_and_keeps_the_old_one(fmt, inputs, tmp_path):
    out = tmp_path / f"out{EXTENSIONS[fmt]}"
    with pytest.raises(RuntimeError), open_writer(str(out), fmt) as writer:
        for number, document in enumerate(iter_documents(inputs["pubtator"])):
            writer.write(document, found(document))
            if number == 1:
                raise RuntimeError("killed half-way")
    assert list(tmp_path.iterdir()) == sorted(inputs.values(), key=list(tmp_path.iterdir()).index)
    out.write_text("finished earlier\n", encoding="utf-8")
    with pytest.raises(RuntimeError), open_writer(str(out), fmt) as writer:
        writer.write(next(iter_documents(inputs["pubtator"])), [])
        raise RuntimeError("killed")
    assert out.read_text(encoding="utf-8") == "finished earlier\n"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
