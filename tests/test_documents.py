"""gerbera.documents: PubTator, BioC XML, BioC JSON and PubMed XML read to the same documents, streamed."""

from __future__ import annotations

import bz2
import gzip
from pathlib import Path

import pytest
from bioc import BioCAnnotation, BioCCollection, BioCDocument, BioCLocation, BioCPassage, BioCSentence, biocjson, biocxml

from gerbera.documents import bioc_json
from gerbera.documents.formats import detect_format, iter_documents
from gerbera.documents.opening import DocumentFormatError
from gerbera.errors import GerberaError

# (id, title, abstract, mentions as (mention, type, identifier)); offsets are found in title + " " + abstract
SOURCES = [
    ("101", "Naloxone reverses the effect of clonidine.", "In rats with Crohn’s disease and β-thalassemia.",
     [("Naloxone", "Chemical", "D009270"), ("clonidine", "Chemical", None), ("Crohn’s disease", "Disease", "D003424"),
      ("β-thalassemia", "Disease", None)]),
    ("102", "No mentions here.", "", []),
    ("103", "Café-au-lait spots.", "Neurofibromatosis type 1 (NF1) is common.",
     [("Café-au-lait spots", "Disease", None), ("Neurofibromatosis type 1", "Disease", "D009456")]),
]


def _located(title: str, abstract: str, mentions) -> list[tuple]:
    text = f"{title} {abstract}"
    return [(text.index(m), text.index(m) + len(m), m, t, i) for m, t, i in mentions]


DOCUMENTS = [(pmid, title, abstract, _located(title, abstract, mentions)) for pmid, title, abstract, mentions in SOURCES]


def pubtator_text() -> str:
    blocks = []
    for pmid, title, abstract, mentions in DOCUMENTS:
        lines = [f"{pmid}|t|{title}", f"{pmid}|a|{abstract}"]
        lines += ["\t".join([pmid, str(s), str(e), m, t] + ([i] if i else [])) for s, e, m, t, i in mentions]
        blocks.append("\n".join(lines) + "\n")
    return "\n".join(blocks)


def bioc_collection() -> BioCCollection:
    """The same documents built with the bioc package: title and abstract passages, annotations in them."""
    collection = BioCCollection()
    collection.source, collection.date = "test", "2024-01-01"
    for pmid, title, abstract, mentions in DOCUMENTS:
        document = BioCDocument()
        document.id = pmid
        passages = []
        for offset, text, kind in ((0, title, "title"), (len(title) + 1, abstract, "abstract")):
            passage = BioCPassage()
            passage.offset, passage.text, passage.infons["type"] = offset, text, kind
            document.add_passage(passage)
            passages.append(passage)
        for number, (start, end, mention, entity_type, identifier) in enumerate(mentions, start=1):
            annotation = BioCAnnotation()
            annotation.id, annotation.text = str(number), mention
            annotation.infons["type"] = entity_type
            if identifier:
                annotation.infons["identifier"] = identifier
            annotation.add_location(BioCLocation(start, end - start))
            passages[0 if start < len(title) else 1].add_annotation(annotation)
        collection.add_document(document)
    return collection


def write(path: Path, content: str | bytes) -> Path:
    if isinstance(content, str):
        content = content.encode("utf-8")
    path.write_bytes(gzip.compress(content) if path.name.endswith(".gz") else content)
    return path


def summary(documents) -> list[tuple]:
    return [(d.id, d.text, [(a.start, a.end, a.mention, a.type, a.identifier) for a in d.annotations])
            for d in documents]


@pytest.fixture
def three_formats(tmp_path) -> dict[str, Path]:
    return {
        "pubtator": write(tmp_path / "docs.pubtator", pubtator_text()),
        "bioc-xml": write(tmp_path / "docs.xml", biocxml.dumps(bioc_collection())),
        "bioc-json": write(tmp_path / "docs.json", biocjson.dumps(bioc_collection(), indent=2)),
    }


def test_the_same_documents_as_pubtator_bioc_xml_and_bioc_json_read_the_same(three_formats):
    read = {fmt: summary(iter_documents(path)) for fmt, path in three_formats.items()}
    assert read["pubtator"] == [(pmid, f"{title} {abstract}", annotations) for pmid, title, abstract, annotations in DOCUMENTS]
    assert read["bioc-xml"] == read["bioc-json"]
    # BioC lays out the passages that have text: without an abstract, the title has no space after it
    assert [(i, t.rstrip(" "), a) for i, t, a in read["bioc-xml"]] == [(i, t.rstrip(" "), a) for i, t, a in read["pubtator"]]
    for document in iter_documents(three_formats["bioc-xml"]):
        assert all(document.text[a.start:a.end] == a.mention for a in document.annotations)
        assert [document.text[s:e] for s, e in document.passages] == [p.text for p in document.bioc.passages if p.text]


def test_formats_are_detected_by_extension_and_content(three_formats, tmp_path):
    assert {fmt: detect_format(str(path)) for fmt, path in three_formats.items()} == {f: f for f in three_formats}
    renamed = write(tmp_path / "docs.txt", three_formats["bioc-xml"].read_bytes())
    assert detect_format(str(renamed)) == "bioc-xml"
    assert detect_format(str(write(tmp_path / "x.bioc.json.gz", b"{}"))) == "bioc-json"
    assert detect_format(str(write(tmp_path / "medline.xml.gz", MEDLINE))) == "medline"
    assert detect_format(str(write(tmp_path / "lines.txt", "One sentence.\nAnother.\n"))) == "text-lines"
    with pytest.raises(GerberaError, match=r"root element is <html>"):
        detect_format(str(write(tmp_path / "page.xml", "<?xml version='1.0'?>\n<!-- x -->\n<html></html>")))


def test_gzip_inputs_read_as_the_plain_ones(three_formats, tmp_path):
    for fmt, path in three_formats.items():
        packed = write(tmp_path / f"packed{''.join(path.suffixes)}.gz", path.read_bytes())
        assert detect_format(str(packed)) == fmt
        assert summary(iter_documents(packed)) == summary(iter_documents(path))


def test_compressed_bytes_and_other_encodings_are_clear_errors(tmp_path):
    gzipped = tmp_path / "docs.pubtator"
    gzipped.write_bytes(gzip.compress(pubtator_text().encode()))
    with pytest.raises(GerberaError, match=r"docs.pubtator: the bytes are compressed \(gzip\).*docs.pubtator.gz"):
        list(iter_documents(gzipped, "pubtator"))
    with pytest.raises(GerberaError, match=r"compressed \(gzip\)"):
        detect_format(str(write(tmp_path / "docs.txt", gzipped.read_bytes())))
    squeezed = tmp_path / "docs.xml"
    squeezed.write_bytes(bz2.compress(b"<collection/>"))
    with pytest.raises(GerberaError, match=r"compressed \(bzip2\)"):
        list(iter_documents(squeezed, "bioc-xml"))
    not_gzip = write(tmp_path / "plain.pubtator.gz.txt", b"")
    fake = tmp_path / "fake.pubtator.gz"
    fake.write_bytes(pubtator_text().encode())
    with pytest.raises(GerberaError, match=r"named .gz, but its bytes are not gzip"):
        list(iter_documents(fake, "pubtator"))
    assert list(iter_documents(not_gzip, "text-lines")) == []
    latin1 = tmp_path / "latin1.pubtator"
    latin1.write_bytes("1|t|Title\n1|a|Caf\xe9 au lait\n".encode("latin-1"))
    with pytest.raises(GerberaError, match=r"latin1.pubtator:2: bytes that are not UTF-8"):
        list(iter_documents(latin1, "pubtator"))
    pdf = write(tmp_path / "paper.pdf", b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n")
    for fmt in ("text-lines", "auto"):  # a PDF among the files of an input folder: named, not "save as UTF-8"
        with pytest.raises(GerberaError, match=r"paper.pdf: a PDF, not text: extract its text first"):
            list(iter_documents(pdf, fmt)) if fmt != "auto" else detect_format(str(pdf))
    latin1_json = tmp_path / "latin1.json"
    latin1_json.write_bytes(b'{"documents": [\n{"id": "1", "passages": [{"offset": 0, "text": "Caf\xe9"}]}]}')
    with pytest.raises(GerberaError, match=r"latin1.json:2: bytes that are not UTF-8"):
        list(iter_documents(latin1_json, "bioc-json"))
    damaged = tmp_path / "damaged.pubtator.gz"
    damaged.write_bytes(gzip.compress(pubtator_text().encode())[:-30])
    with pytest.raises(GerberaError, match=r"damaged.pubtator.gz: truncated or damaged gzip data"):
        list(iter_documents(damaged, "pubtator"))


def test_column_files_and_text_lines_stream_from_gzip_too(tmp_path):
    columns = "-DOCSTART- O\n\nMutations O\nin O\nBRCA1 B-Gene\n\nHD B-Disease\n"
    plain = [(d.id, d.text, d.words, d.source_line) for d in iter_documents(write(tmp_path / "a.conll", columns))]
    assert plain == [("1", "Mutations in BRCA1", ("Mutations", "in", "BRCA1"), 3), ("2", "HD", ("HD",), 7)]
    assert [(d.id, d.text, d.words, d.source_line) for d in iter_documents(write(tmp_path / "a.conll.gz", columns))] == plain
    with pytest.raises(GerberaError, match=r"b.conll:2: no tag after the word 'in'"):
        list(iter_documents(write(tmp_path / "b.conll", "Mutations O\nin\n"), "conll"))
    lines = write(tmp_path / "notes.txt.gz", "First note.\r\n\nSecond note.\n")
    assert [(d.id, d.text) for d in iter_documents(lines)] == [("1", "First note."), ("3", "Second note.")]


def test_discontinuous_bioc_annotations_keep_their_locations(tmp_path):
    document = BioCDocument()
    document.id = "7"
    for offset, text in ((0, "Breast and ovarian cancer."), (40, "Second passage, after a gap.")):
        passage = BioCPassage()
        passage.offset, passage.text = offset, text
        document.add_passage(passage)
    annotation = BioCAnnotation()
    annotation.id, annotation.text, annotation.infons["type"] = "T1", "Breast cancer", "Disease"
    annotation.add_location(BioCLocation(0, 6))
    annotation.add_location(BioCLocation(19, 6))
    document.passages[0].add_annotation(annotation)
    collection = BioCCollection()
    collection.add_document(document)
    path = write(tmp_path / "gap.xml", biocxml.dumps(collection))
    [read] = iter_documents(path, "bioc-xml")
    assert read.text == "Breast and ovarian cancer." + " " * 14 + "Second passage, after a gap."
    assert read.passages == [(0, 26), (40, 68)]
    [mention] = read.annotations
    assert (mention.start, mention.end, mention.locations) == (0, 25, ((0, 6), (19, 25)))
    assert [read.text[s:e] for s, e in mention.locations] == ["Breast", "cancer"]


def test_bioc_passages_given_as_sentences_are_laid_out_at_their_offsets(tmp_path):
    document = BioCDocument()
    document.id = "8"
    passage = BioCPassage()
    passage.offset = 0
    for offset, text in ((0, "First sentence."), (16, "Second one.")):
        passage.add_sentence(BioCSentence.of_text(text, offset))
    document.add_passage(passage)
    collection = BioCCollection()
    collection.add_document(document)
    [read] = iter_documents(write(tmp_path / "s.xml", biocxml.dumps(collection)), "bioc-xml")
    assert read.text == "First sentence. Second one." and read.passages == [(0, 15), (16, 27)]


def test_bioc_json_streams_across_read_buffers_and_reads_json_lines(three_formats, tmp_path, monkeypatch):
    whole = [(d.id, d.source_line, d.text) for d in iter_documents(three_formats["bioc-json"])]
    monkeypatch.setattr(bioc_json, "CHUNK_CHARACTERS", 7)
    assert [(d.id, d.source_line, d.text) for d in iter_documents(three_formats["bioc-json"])] == whole
    lines = tmp_path / "docs.jsonl"
    with biocjson.iterwriter(str(lines)) as writer:
        for document in bioc_collection().documents:
            writer.write(document)
    assert summary(iter_documents(lines, "bioc-json")) == summary(iter_documents(three_formats["bioc-json"]))
    assert [d.source_line for d in iter_documents(lines, "bioc-json")] == [1, 2, 3]


def test_readers_stream_documents_before_reading_the_rest(three_formats, tmp_path):
    """The first document comes out before a malformed later one is read: nothing reads the file whole."""
    broken = {
        "pubtator": pubtator_text() + "\n999|t|Title\n999\tnot an annotation\n",
        "bioc-xml": biocxml.dumps(bioc_collection()).replace("</collection>", "<document><id>9</id></documen"),
        "bioc-json": biocjson.dumps(bioc_collection())[:-2] + ', {"id": "9", "passages": [',
    }
    for fmt, content in broken.items():
        documents = iter_documents(write(tmp_path / f"broken-{fmt}", content), fmt)
        assert next(documents).id == "101"
        with pytest.raises(GerberaError):
            list(documents)


MALFORMED = {
    # format: (content with a bad second document, the error, the ids read with a callback)
    "pubtator": ("1|t|One.\n1|a|\n\n2|t|Two.\n2|a|Bad.\n2\t0\t3\tTwo\tX\n2\tx\n2\t5\t8\tBad\tX\n\n3|t|Three.\n3|a|\n",
                 r"bad\.pubtator:7: expected .*'2\\tx'", ["1", "3"]),
    "bioc-xml": ("<collection><source/><date/><key/>\n<document><id>1</id><passage><offset>0</offset><text>One.</text>"
                 "</passage></document>\n<document><id>2</id>\n<passage><offset>x</offset><text>Two.</text></passage>"
                 "</document>\n<document><id>3</id><passage><offset>0</offset><text>Three.</text></passage></document>"
                 "\n</collection>",
                 r"bad\.xml:4: document '2': <passage> has offset 'x', not a whole number", ["1", "3"]),
    "bioc-json": ('{"source": "", "documents": [\n{"id": "1", "passages": [{"offset": 0, "text": "One."}]},\n'
                  '{"id": "2", "passages": [{"offset": 0, "text": "Two.", "annotations": [{"id": "a", "infons": {},'
                  ' "text": "Two", "locations": [{"offset": 2, "length": 9}]}]}]},\n'
                  '{"id": "3", "passages": [{"offset": 0, "text": "Three."}]}\n]}',
                  r"bad\.json:3: document '2': annotation 'a' at 2-11 is not a span of the document's 4 characters",
                  ["1", "3"]),
    "medline": ("<PubmedArticleSet>\n<PubmedArticle><MedlineCitation><PMID>1</PMID><Article><ArticleTitle>One."
                "</ArticleTitle></Article></MedlineCitation></PubmedArticle>\n<PubmedArticle><MedlineCitation>"
                "<Article><ArticleTitle>No PMID.</ArticleTitle></Article></MedlineCitation></PubmedArticle>\n"
                "<PubmedArticle><MedlineCitation><PMID>3</PMID><Article><ArticleTitle>Three.</ArticleTitle>"
                "</Article></MedlineCitation></PubmedArticle>\n</PubmedArticleSet>",
                r"bad\.medline:3: a <PubmedArticle> without a PMID", ["1", "3"]),
}


@pytest.mark.parametrize("fmt", sorted(MALFORMED))
def test_a_malformed_document_names_file_and_line_or_goes_to_the_callback(fmt, tmp_path):
    content, error, kept = MALFORMED[fmt]
    suffix = {"pubtator": ".pubtator", "bioc-xml": ".xml", "bioc-json": ".json", "medline": ".medline"}[fmt]
    path = write(tmp_path / f"bad{suffix}", content)
    with pytest.raises(DocumentFormatError, match=error):
        list(iter_documents(path, fmt))
    errors = []
    assert [d.id for d in iter_documents(path, fmt, on_bad_document=errors.append)] == kept
    assert len(errors) == 1 and isinstance(errors[0], GerberaError)
    assert errors[0].document_id == (None if fmt == "medline" else "2")  # the manifest's id of a skipped document


def test_a_mention_that_differs_from_the_text_is_malformed_unless_unchecked(tmp_path):
    collection = bioc_collection()
    collection.documents[0].passages[0].annotations[0].text = "Naltrexone"
    path = write(tmp_path / "wrong.xml", biocxml.dumps(collection))
    with pytest.raises(GerberaError, match=r"wrong.xml:\d+: document '101': annotation '1': its text 'Naltrexone' differs"):
        list(iter_documents(path, "bioc-xml"))
    assert len(list(iter_documents(path, "bioc-xml", check_mentions=False))) == 3


def test_xml_that_does_not_parse_names_the_line(tmp_path):
    path = write(tmp_path / "cut.xml", "<collection>\n<document><id>1</id>\n<passage>\n</collection>\n")
    with pytest.raises(GerberaError, match=r"cut.xml:4: not well-formed XML"):
        list(iter_documents(path, "bioc-xml"))
    pubmed = write(tmp_path / "pubmed.xml", MEDLINE)
    with pytest.raises(GerberaError, match=r"root element is <PubmedArticleSet>, not BioC"):
        list(iter_documents(pubmed, "bioc-xml"))


MEDLINE = """<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE PubmedArticleSet PUBLIC "-//NLM//DTD PubMedArticle, 1st January 2024//EN" "https://dtd.nlm.nih.gov/ncbi/pubmed/out/pubmed_240101.dtd">
<PubmedArticleSet>
<PubmedArticle>
  <MedlineCitation Status="MEDLINE" Owner="NLM">
    <PMID Version="1">31000001</PMID>
    <Article PubModel="Print">
      <ArticleTitle>Effects of H<sub>2</sub>O<sub>2</sub> on <i>Escherichia coli</i> in Zürich.</ArticleTitle>
      <Abstract>
        <AbstractText Label="BACKGROUND" NlmCategory="BACKGROUND">Crohn’s disease is
          common in Zürich.</AbstractText>
        <AbstractText Label="METHODS" NlmCategory="METHODS"></AbstractText>
        <AbstractText Label="RESULTS" NlmCategory="RESULTS">Ca<sup>2+</sup> levels rose – β-cells died.</AbstractText>
        <CopyrightInformation>© 2024 The Authors.</CopyrightInformation>
      </Abstract>
    </Article>
  </MedlineCitation>
  <PubmedData><ArticleIdList><ArticleId IdType="pubmed">31000001</ArticleId></ArticleIdList></PubmedData>
</PubmedArticle>
<PubmedArticle>
  <MedlineCitation><PMID Version="1">31000002</PMID>
    <Article><ArticleTitle>A letter without an abstract.</ArticleTitle></Article>
  </MedlineCitation>
</PubmedArticle>
<PubmedArticle>
  <MedlineCitation><PMID Version="1">31000003</PMID>
    <Article><ArticleTitle>Plain abstract.</ArticleTitle>
      <Abstract><AbstractText>Tumour necrosis factor was measured.</AbstractText></Abstract>
      <OtherAbstract Type="Publisher" Language="ger"><AbstractText>Nicht gelesen.</AbstractText></OtherAbstract>
    </Article>
  </MedlineCitation>
</PubmedArticle>
<DeleteCitation><PMID Version="1">30000000</PMID></DeleteCitation>
</PubmedArticleSet>
"""


def test_medline_citations_read_as_pubtator_text_with_labelled_sections(tmp_path):
    path = write(tmp_path / "pubmed24n0001.xml.gz", MEDLINE)
    documents = list(iter_documents(path))
    assert [d.id for d in documents] == ["31000001", "31000002", "31000003"]
    first, letter, plain = documents
    assert first.title == "Effects of H2O2 on Escherichia coli in Zürich."
    assert first.abstract == "BACKGROUND: Crohn’s disease is common in Zürich. RESULTS: Ca2+ levels rose – β-cells died."
    assert first.text == f"{first.title} {first.abstract}" and first.source_line == 4
    assert [first.text[s:e] for s, e in first.passages] == [
        first.title, "BACKGROUND: Crohn’s disease is common in Zürich.", "RESULTS: Ca2+ levels rose – β-cells died."]
    assert (letter.text, letter.passages) == ("A letter without an abstract. ", [(0, 29)])
    assert plain.abstract == "Tumour necrosis factor was measured."
