"""Tagging BioC, BioC JSON and PubMed XML through the tagging adapters and run_predict.py: entities at document offsets."""

from __future__ import annotations

import json

import pytest
import torch
from bioc import biocjson, biocxml
from test_documents import MEDLINE, bioc_collection, write
from test_predict import UNTYPED, make_head

import run_predict
from gerbera.documents.formats import default_output_format, iter_documents, resolve_input_format
from gerbera.tagging.tagger import Tagger
from gerbera.tagging.unit_io import iter_input_documents, open_tagged_writer


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


@pytest.fixture(scope="module")
def varied(tiny_bert, tmp_path_factory):
    return make_head(tiny_bert, tmp_path_factory.mktemp("models") / "varied", UNTYPED, seed=1)


def test_bioc_in_gives_bioc_out_with_entities_at_document_offsets(varied, tmp_path):
    tagger = Tagger.load(model_name_or_path=str(varied), device="cpu")
    for name, content in (("in.bioc.xml", biocxml.dumps(bioc_collection())),
                          ("in.bioc.json", biocjson.dumps(bioc_collection()))):
        source = write(tmp_path / name, content)
        input_format = resolve_input_format(str(source), "auto")
        output_format = default_output_format(input_format)
        out = tmp_path / f"out-{name}"
        with open_tagged_writer(str(out), output_format) as writer:
            tagged_all = list(tagger.tag_documents(iter_input_documents(str(source), input_format)))
            for tagged in tagged_all:
                writer.write(tagged)
        assert sum(len(t.entities) for t in tagged_all) > 0
        given = {d.id: d for d in iter_documents(source)}
        for document in iter_documents(out, output_format):  # every mention checked against the text
            predicted = [(a.start, a.end, a.mention) for a in document.annotations if a.score is not None]
            tagged = next(t for t in tagged_all if t.document.id == document.id)
            assert predicted == [(e.start, e.end, e.text) for e in tagged.entities]
            assert [a for a in document.annotations if a.score is None] == given[document.id].annotations
            spans = given[document.id].passages
            assert all(any(s <= a.start and a.end <= e for s, e in spans) for a in document.annotations)


def test_run_predict_tags_gzipped_pubmed_xml(varied, tmp_path):
    source = write(tmp_path / "pubmed24n0001.xml.gz", MEDLINE)
    out = tmp_path / "tagged.jsonl"
    summary = run_predict.main(["--model_name_or_path", str(varied), "--input", str(source), "--output", str(out),
                                "--disable_tqdm"])
    assert summary["input_format"] == "medline" and summary["documents"] == 3
    records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    assert records[0]["text"].startswith("Effects of H2O2 on Escherichia coli in Zürich. BACKGROUND: Crohn’s")
    for record in records:
        for entity in record["entities"]:
            assert record["text"][entity["start"]:entity["end"]] == entity["text"]


def test_skipped_documents_go_to_the_callback(tmp_path):
    source = write(tmp_path / "in.pubtator", "1|t|One.\n1|a|\n\n2|t|Two.\n2|x|bad\n\n3|t|Three.\n3|a|\n")
    skipped = []
    documents = list(iter_input_documents(str(source), "auto", on_bad_document=skipped.append))
    assert [d.id for d in documents] == ["1", "3"]
    assert [str(e) for e in skipped] == [f"{source}:5: unknown passage kind '|x|' (expected 'PMID|t|title' or 'PMID|a|abstract')"]


def _tag_to_records(model, source, out) -> list[dict]:
    run_predict.main(["--model_name_or_path", str(model), "--input", str(source), "--output", str(out), "--disable_tqdm"])
    return [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]


def test_a_citation_with_a_vernacular_title_is_tagged_on_the_english_one(varied, tmp_path):
    source = write(tmp_path / "pubmed.xml", """<?xml version="1.0" encoding="utf-8"?>
<PubmedArticleSet>
<PubmedArticle><MedlineCitation><PMID>41</PMID><Article>
  <ArticleTitle>[Crohn disease in children].</ArticleTitle>
  <Abstract><AbstractText>Tumour necrosis factor was measured.</AbstractText></Abstract>
  <VernacularTitle>Morbus Crohn bei Kindern.</VernacularTitle>
</Article></MedlineCitation></PubmedArticle>
<PubmedArticle><MedlineCitation><PMID>42</PMID><Article>
  <VernacularTitle>Morbus Crohn bei Kindern.</VernacularTitle>
  <ArticleTitle>[Crohn disease in children].</ArticleTitle>
</Article></MedlineCitation></PubmedArticle>
<PubmedArticle><MedlineCitation><PMID>43</PMID><Article>
  <ArticleTitle></ArticleTitle><VernacularTitle>Morbus Crohn bei Kindern.</VernacularTitle>
</Article></MedlineCitation></PubmedArticle>
</PubmedArticleSet>
""")
    records = _tag_to_records(varied, source, tmp_path / "tagged.jsonl")
    assert [r["text"] for r in records] == [
        "[Crohn disease in children]. Tumour necrosis factor was measured.",
        "[Crohn disease in children]. ",  # the English title, wherever the vernacular one stands
        "Morbus Crohn bei Kindern. ",  # no English title: the vernacular one
    ]


@pytest.mark.parametrize("fmt", ["medline", "bioc-xml"])
def test_an_external_entity_is_never_read_into_the_text(varied, tmp_path, fmt, capsys):
    secret = write(tmp_path / "secret.txt", "SECRETWORD from another file")
    declaration = f'<!ENTITY x SYSTEM "{secret.resolve().as_uri()}">'
    if fmt == "medline":
        content = (f'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE PubmedArticleSet [{declaration}]>\n<PubmedArticleSet>\n'
                   "<PubmedArticle><MedlineCitation><PMID>7</PMID><Article><ArticleTitle>Crohn disease &x; now.</ArticleTitle>"
                   "<Abstract><AbstractText>Tumour &x; necrosis.</AbstractText></Abstract>"
                   "</Article></MedlineCitation></PubmedArticle>\n</PubmedArticleSet>\n")
        name = "pubmed.xml"
    else:
        content = (f'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE collection [{declaration}]>\n<collection>'
                   "<source>&x;</source><date>2024</date><key>k</key><document><id>7</id>"
                   "<passage><infon key=\"type\">title</infon><offset>0</offset><text>Crohn disease &x; now.</text></passage>"
                   "</document></collection>\n")
        name = "in.bioc.xml"
    out = tmp_path / "tagged.jsonl"
    try:
        records = _tag_to_records(varied, write(tmp_path / name, content), out)
    except SystemExit:  # refused in one line (BioC XML: the entity is undefined for a parser that reads no DTD)
        records = None
    told = capsys.readouterr()
    assert "SECRETWORD" not in told.out + told.err
    if records is None:
        assert "error: " in told.err and not out.exists()
    else:
        assert "SECRETWORD" not in out.read_text(encoding="utf-8")
        (text,) = [r["text"] for r in records]  # the reference may stay as written (&x;), never its file
        assert text.startswith("Crohn disease ") and text.endswith(" necrosis.") and "now. Tumour" in text
