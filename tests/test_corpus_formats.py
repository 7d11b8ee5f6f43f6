"""Corpora as they come: PubTator offsets to word tags (mentions inside words, overlaps,
discontinuous mentions, type selection, sentence merges), Hugging Face token data, the dataset
folder's dispatch, and every bad input as an error naming its file."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass

import datasets
import pytest
from conftest import BIO_SENTENCES, NEWS_SENTENCES

from gerbera.commands.convert_corpus import as_pubtator
from gerbera.corpora.column_files import Sentence
from gerbera.corpora.conversion_report import (
    DROPPED_DISCONTINUOUS,
    DROPPED_OVERLAP,
    MERGED,
    SPLIT_WORD,
    ConversionReport,
)
from gerbera.corpora.offset_tags import convert_documents
from gerbera.corpora.split_sources import load_split
from gerbera.corpora.tags import TagSet
from gerbera.documents.pubtator import write_pubtator
from gerbera.errors import CorpusFormatError, GerberaError
from gerbera.features.split_groups import SplitGroup, file_digest


@dataclass
class Mention:
    start: int
    end: int
    mention: str
    type: str
    locations: tuple | None = None


@dataclass
class Doc:
    """Any format's document: the protocol the conversion reads."""

    id: str
    text: str
    annotations: list
    source_line: int | None = 7

    @property
    def passages(self):
        return [(0, len(self.text))]


def mention(text, words, entity_type, occurrence=0):
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(words, start + 1)
    return Mention(start, start + len(words), words, entity_type)


def tagged(document, entity_types=None):
    sentences, source = convert_documents([document], "corpus.bioc.xml", "bioc-xml", entity_types)
    return [list(zip(s.words, s.tags)) for s in sentences], source.report


def as_sentences(rows):
    return [Sentence([w for w, _ in row], [t for _, t in row], 1) for row in rows]


def write_pubtator_dataset(root, name, train, test=None):
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    for split, rows in (("train", train), ("devel", train), ("test", test or train)):
        write_pubtator(as_pubtator(as_sentences(rows), split, ConversionReport()), folder / f"{split}.pubtator")
    return folder


def test_pubtator_made_by_joining_words_gives_the_same_words_and_tags(tmp_path):
    write_pubtator_dataset(tmp_path, "bio", BIO_SENTENCES)
    write_pubtator_dataset(tmp_path, "news", NEWS_SENTENCES)
    for name, source, labels in (("bio", BIO_SENTENCES, ["B", "I", "O"]), ("news", NEWS_SENTENCES, None)):
        split = load_split(tmp_path, name, "train")
        tagset = TagSet(labels) if labels else TagSet.from_tags(t for s in split.sentences for t in s.tags)
        group = SplitGroup([split], tagset)
        group.map_tags()
        assert [w for s in split.sentences for w in s.words] == [w for row in source for w, _ in row]
        assert [t for tags in group.gold_tags for t in tags] == [t for row in source for _, t in row]


def test_mention_inside_a_word_splits_the_word_and_is_reported():
    text = "Tumours in BRCA1associated cancer and IL-2-induced colitis."
    document = Doc("d1", text, [mention(text, "Tumour", "Disease"), mention(text, "BRCA1", "Gene"),
                                mention(text, "IL-2", "Gene"), mention(text, "colitis", "Disease")])
    [sentence], report = tagged(document)
    assert sentence[:4] == [("Tumour", "B-Disease"), ("s", "O"), ("in", "O"), ("BRCA1", "B-Gene")]
    assert ("associated", "O") in sentence
    assert sentence[7:11] == [("IL", "B-Gene"), ("-", "I-Gene"), ("2", "I-Gene"), ("-", "O")]
    assert report.count(SPLIT_WORD) == 2
    assert report.mentions_by_type == {"Disease": 2, "Gene": 2}
    assert "document d1, 0-6 Disease 'Tumour'" in report.format()


def test_overlapping_and_nested_mentions_keep_the_longest_and_report_the_others():
    text = "Hereditary breast cancer is common."
    document = Doc("d2", text, [mention(text, "breast cancer", "Disease"), mention(text, "Hereditary breast cancer", "Disease"),
                                mention(text, "breast", "Anatomy")])
    [sentence], report = tagged(document)
    assert sentence[:4] == [("Hereditary", "B-Disease"), ("breast", "I-Disease"), ("cancer", "I-Disease"), ("is", "O")]
    dropped = [c for c in report.changes if c.kind == DROPPED_OVERLAP]
    assert sorted(c.text for c in dropped) == ["breast", "breast cancer"]
    assert all("kept 0-24 Disease 'Hereditary breast cancer'" in c.detail for c in dropped)


def test_discontinuous_mentions_are_dropped_and_reported():
    text = "left and right ventricle failure"
    pieces = ((0, 4), (15, 24))
    document = Doc("d3", text, [Mention(0, 24, "left ventricle", "Anatomy", locations=pieces),
                                mention(text, "failure", "Disease")])
    [sentence], report = tagged(document)
    assert [t for _, t in sentence] == ["O", "O", "O", "O", "B-Disease"]
    [change] = [c for c in report.changes if c.kind == DROPPED_DISCONTINUOUS]
    assert change.document_id == "d3" and "0-4, 15-24" in change.detail


def test_entity_types_choose_the_tags():
    text = "Aspirin causes asthma."
    document = Doc("d4", text, [mention(text, "Aspirin", "Chemical"), mention(text, "asthma", "Disease")])
    [sentence], report = tagged(document, frozenset({"Disease"}))
    assert [t for _, t in sentence] == ["O", "O", "B-Disease", "O"]
    assert report.not_selected_by_type == {"Chemical": 1}


def test_a_sentence_split_never_falls_inside_a_mention():
    text = "The patient had colon cancer. Type 2 diabetes was also seen. Next one."
    document = Doc("d5", text, [mention(text, "cancer. Type 2", "Disease")])
    sentences, report = tagged(document)
    assert len(sentences) == 2  # three without the mention
    assert [t for _, t in sentences[0]][3:10] == ["O", "B-Disease", "I-Disease", "I-Disease", "I-Disease", "O", "O"]
    assert report.count(MERGED) == 1


def test_mention_text_differing_from_the_document_names_file_line_and_both_texts():
    document = Doc("d6", "Aspirin causes asthma.", [Mention(0, 7, "Asprin", "Chemical")])
    with pytest.raises(CorpusFormatError, match=r"corpus.bioc.xml:7: document d6: mention 'Asprin' differs from the text at 0-7, 'Aspirin'"):
        tagged(document)


def test_offset_past_the_end_names_the_file():
    document = Doc("d7", "Aspirin", [Mention(3, 40, "pirin", "Chemical")])
    with pytest.raises(CorpusFormatError, match=r"corpus.bioc.xml:7: document d7: .* not a span of the document's 7 characters"):
        tagged(document)


def test_pubtator_errors_name_file_and_line(tmp_path):
    folder = tmp_path / "cdr"
    folder.mkdir()
    (folder / "train.pubtator").write_text("1|t|Aspirin causes asthma.\n1|a|\n1\t0\t7\tAsprin\tChemical\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match=r"train.pubtator:3: mention 'Asprin' differs from the text at 0-7, 'Aspirin'"):
        load_split(tmp_path, "cdr", "train")
    (folder / "train.pubtator").write_text("1|t|Aspirin\n1|a|\n1\t0\t40\tAspirin\tChemical\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match=r"train.pubtator:3: offsets 0-40"):
        load_split(tmp_path, "cdr", "train")
    (folder / "train.pubtator").write_text("", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match=r"train.pubtator: no sentences"):
        load_split(tmp_path, "cdr", "train")


def records(rows, integer_names=None):
    for row in rows:
        tags = [t for _, t in row]
        yield {"tokens": [w for w, _ in row], "ner_tags": [integer_names.index(t) for t in tags] if integer_names else tags}


def write_jsonl(path, rows, integer_names=None):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(r) + "\n" for r in records(rows, integer_names)), encoding="utf-8")


def save_to_disk(folder, rows, names):
    features = datasets.Features({"tokens": datasets.Sequence(datasets.Value("string")),
                                  "ner_tags": datasets.Sequence(datasets.ClassLabel(names=names))})
    split = datasets.Dataset.from_list(list(records(rows, names)), features=features)
    datasets.DatasetDict({"train": split, "validation": split, "test": split}).save_to_disk(str(folder))


def test_hugging_face_formats_read_the_same_sentences(tmp_path):
    names = ["O", "B", "I"]
    write_jsonl(tmp_path / "strings" / "train.jsonl", BIO_SENTENCES)
    write_jsonl(tmp_path / "integers" / "train.json", BIO_SENTENCES, names)
    (tmp_path / "integers" / "ner_tag_names.txt").write_text("O\nB\nI\n", encoding="utf-8")
    table = datasets.Dataset.from_list(list(records(BIO_SENTENCES, names)), features=datasets.Features({
        "tokens": datasets.Sequence(datasets.Value("string")), "ner_tags": datasets.Sequence(datasets.ClassLabel(names=names))}))
    (tmp_path / "parquet").mkdir()
    table.to_parquet(str(tmp_path / "parquet" / "train.parquet"))
    save_to_disk(tmp_path / "saved", BIO_SENTENCES, names)
    expected = [([w for w, _ in row], [t for _, t in row]) for row in BIO_SENTENCES]
    for name, split in (("strings", "train"), ("integers", "train"), ("parquet", "train"), ("saved", "train"), ("saved", "devel")):
        loaded = load_split(tmp_path, name, split)
        assert [(s.words, s.tags) for s in loaded.sentences] == expected, name


def test_save_to_disk_split_is_keyed_by_its_content(tmp_path):
    save_to_disk(tmp_path / "a", BIO_SENTENCES, ["O", "B", "I"])
    before = file_digest(tmp_path / "a" / "train")
    save_to_disk(tmp_path / "b", BIO_SENTENCES[:2], ["O", "B", "I"])
    assert file_digest(tmp_path / "b" / "train") != before
    assert load_split(tmp_path, "a", "train").path == tmp_path / "a" / "train"


@pytest.mark.parametrize(("line", "message"), [
    ({"tokens": ["a", "b"], "ner_tags": ["O", "X-"]}, r"train.jsonl:2: ner_tag 2 'X-' is not a tag"),
    ({"tokens": ["a"], "ner_tags": [7]}, r"train.jsonl:2: ner_tag 1 is 7, but .*ner_tag_names.txt names 0-2"),
    ({"tokens": ["a", "b"], "ner_tags": ["O"]}, r"train.jsonl:2: 2 tokens but 1 ner_tags"),
    ({"tokens": ["a b"], "ner_tags": ["O"]}, r"train.jsonl:2: token 1 \('a b'\) is empty or holds a space"),
    ({"words": ["a"]}, r"train.jsonl:2: expected a record with 'tokens' and 'ner_tags'"),
])
def test_bad_token_records_name_file_and_line(tmp_path, line, message):
    folder = tmp_path / "hf"
    folder.mkdir()
    (folder / "ner_tag_names.txt").write_text("O\nB\nI\n", encoding="utf-8")
    (folder / "train.jsonl").write_text(json.dumps({"tokens": ["ok"], "ner_tags": [0]}) + "\n" + json.dumps(line) + "\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match=message):
        load_split(tmp_path, "hf", "train")


def test_integer_tags_without_names_and_empty_splits_are_errors(tmp_path):
    write_jsonl(tmp_path / "hf" / "train.jsonl", BIO_SENTENCES, ["O", "B", "I"])
    with pytest.raises(CorpusFormatError, match=r"train.jsonl:1: integer ner_tags .* no ner_tag_names.txt"):
        load_split(tmp_path, "hf", "train")
    (tmp_path / "hf" / "train.jsonl").write_text('{"tokens": [], "ner_tags": []}\n', encoding="utf-8")
    with pytest.raises(CorpusFormatError, match=r"train.jsonl: no sentences"):
        load_split(tmp_path, "hf", "train")


def test_names_of_integer_tags_in_the_wrong_order_are_refused_naming_the_file(tmp_path):
    """An order-free tag set copied as the names (NCBI-disease's labels.txt, B I O) would name 0 B."""
    folder = tmp_path / "hf"
    write_jsonl(folder / "train.jsonl", BIO_SENTENCES, ["O", "B", "I"])
    for name in ("ner_tag_names.txt", "labels.txt"):
        (folder / name).write_text("B\nI\nO\n", encoding="utf-8")
        with pytest.raises(CorpusFormatError, match=rf"hf/{name}:1: names id 0 'B', not O"):
            load_split(tmp_path, "hf", "train")
        (folder / name).unlink()
    # 0 named O, but the data was written with B I O: its most frequent id, 2, is named I
    write_jsonl(folder / "train.jsonl", BIO_SENTENCES, ["B", "I", "O"])
    (folder / "ner_tag_names.txt").write_text("O\nB\nI\n", encoding="utf-8")
    with pytest.raises(CorpusFormatError, match=r"hf/ner_tag_names.txt: names id 2 'I', but 2 is the most frequent "
                                                r"ner_tag of .*train.jsonl \(21 of 30"):
        load_split(tmp_path, "hf", "train")
    (folder / "ner_tag_names.txt").write_text("# 0 need not be O\nB\nI\nO\n", encoding="utf-8")  # said otherwise
    assert [s.tags for s in load_split(tmp_path, "hf", "train").sentences] == [[t for _, t in row] for row in BIO_SENTENCES]


@pytest.mark.parametrize(("names", "message"), [
    ("O\nB\nX-\n", r"ner_tag_names.txt:3: 'X-' is not a tag"),
    ("O\nB\n\nB\n", r"ner_tag_names.txt:4: tag 'B' repeats line 2"),
    ("O\n# 0 need not be O\n", r"ner_tag_names.txt:2: '# 0 need not be O' is no tag name"),
    ("\n", r"ner_tag_names.txt: names no tag"),
])
def test_a_bad_names_file_names_its_line(tmp_path, names, message):
    write_jsonl(tmp_path / "hf" / "train.jsonl", BIO_SENTENCES, ["O", "B", "I"])
    (tmp_path / "hf" / "ner_tag_names.txt").write_text(names, encoding="utf-8")
    with pytest.raises(CorpusFormatError, match=message):
        load_split(tmp_path, "hf", "train")


def test_the_datas_own_class_names_come_first_and_labels_txt_is_a_deprecated_fallback(tmp_path, caplog):
    expected = [[t for _, t in row] for row in BIO_SENTENCES]
    save_to_disk(tmp_path / "saved", BIO_SENTENCES, ["I", "O", "B"])  # ClassLabel: the data's own names
    (tmp_path / "saved" / "ner_tag_names.txt").write_text("B\nI\nO\n", encoding="utf-8")  # not read
    assert [s.tags for s in load_split(tmp_path, "saved", "train").sentences] == expected
    write_jsonl(tmp_path / "strings" / "train.jsonl", BIO_SENTENCES)  # tag names need no names file,
    (tmp_path / "strings" / "labels.txt").write_text("B\nI\nO\n", encoding="utf-8")  # and an order-free one is no error
    assert [s.tags for s in load_split(tmp_path, "strings", "train").sentences] == expected
    write_jsonl(tmp_path / "old" / "train.jsonl", BIO_SENTENCES, ["O", "B", "I"])
    (tmp_path / "old" / "labels.txt").write_text("O\nB\nI\n", encoding="utf-8")
    with caplog.at_level(logging.WARNING):
        assert [s.tags for s in load_split(tmp_path, "old", "train").sentences] == expected
    assert "old/labels.txt names the integer ner_tags" in caplog.text and "deprecated" in caplog.text
    assert "old/ner_tag_names.txt" in caplog.text


def test_two_formats_for_one_split_is_an_error_naming_both(data_dir):
    write_jsonl(data_dir / "bio" / "train.jsonl", BIO_SENTENCES)
    with pytest.raises(GerberaError, match=r"bio: 2 files for the train split \(train.txt, train.jsonl\)"):
        load_split(data_dir, "bio", "train")
    assert load_split(data_dir, "bio", "test").sentences  # other splits still read


def test_offset_scores_are_exact_span_and_type_and_count_dropped_mentions_as_missed():
    from gerbera.scoring.offset_scores import mention_scores, predicted_mentions

    text = "Hereditary breast cancer and asthma."
    document = Doc("d8", text, [mention(text, "Hereditary breast cancer", "Disease"), mention(text, "breast", "Anatomy"),
                                mention(text, "asthma", "Disease")])
    sentences, source = convert_documents([document], "x.bioc.xml", "bioc-xml", None)
    gold_tags = [s.tags for s in sentences]
    found = predicted_mentions(source, gold_tags)
    assert found == [{(0, 24, "Disease"), (29, 35, "Disease")}]
    scores = mention_scores(source, found, typed=True)
    assert (scores["correct_mentions"], scores["gold_mentions"], scores["predicted_mentions"]) == (2, 3, 2)
    assert scores["precision"] == 1.0 and scores["recall"] == pytest.approx(2 / 3)
    wrong_type = [[t.replace("Disease", "Chemical") if i < 3 else t for i, t in enumerate(tags)] for tags in gold_tags]
    assert mention_scores(source, predicted_mentions(source, wrong_type), typed=True)["correct_mentions"] == 1
    assert mention_scores(source, predicted_mentions(source, wrong_type), typed=False)["correct_mentions"] == 2
    short = [["B-Disease" if i == 2 else ("O" if i < 2 else t) for i, t in enumerate(tags)] for tags in gold_tags]
    assert (2, 24, "Disease") not in predicted_mentions(source, short)[0]  # 'cancer' alone at 18-24 is no match
    assert mention_scores(source, predicted_mentions(source, short), typed=True)["correct_mentions"] == 1


def bioc_corpus(path, json_format=False):
    """One BioC document: a title and an abstract passage, a discontinuous and two plain mentions."""
    import bioc
    from bioc import biocjson

    title, abstract = "Left and right ventricle failure", "Aspirin causes asthma."
    document = bioc.BioCDocument()
    document.id = "PMC1"
    for offset, text in ((0, title), (len(title) + 1, abstract)):
        passage = bioc.BioCPassage()
        passage.offset, passage.text = offset, text
        document.add_passage(passage)

    def annotate(passage, pieces, entity_type):
        annotation = bioc.BioCAnnotation()
        annotation.id = f"A{len(passage.annotations)}"
        annotation.infons["type"] = entity_type
        for start, end in pieces:
            annotation.add_location(bioc.BioCLocation(start, end - start))
        annotation.text = " ".join((title + " " + abstract)[s:e] for s, e in pieces)
        passage.add_annotation(annotation)

    annotate(document.passages[0], [(0, 4), (15, 24)], "Anatomy")
    annotate(document.passages[0], [(25, 32)], "Disease")
    start = len(title) + 1 + abstract.index("asthma")
    annotate(document.passages[1], [(start, start + 6)], "Disease")
    collection = bioc.BioCCollection()
    collection.add_document(document)
    path.write_text(biocjson.dumps(collection) if json_format else bioc.dumps(collection), encoding="utf-8")


@pytest.mark.parametrize("suffix", [".bioc.xml", ".bioc.json"])
def test_bioc_corpus_reads_passages_and_reports_discontinuous_mentions(tmp_path, suffix):
    from gerbera.documents.formats import iter_documents
    from gerbera.scoring.offset_predictions import write_predicted
    from gerbera.scoring.offset_scores import mention_scores, predicted_mentions

    (tmp_path / "cdr").mkdir()
    bioc_corpus(tmp_path / "cdr" / f"test{suffix}", json_format=suffix == ".bioc.json")
    split = load_split(tmp_path, "cdr", "test", entity_types="Disease,Anatomy")
    assert [s.words for s in split.sentences] == [["Left", "and", "right", "ventricle", "failure"],
                                                   ["Aspirin", "causes", "asthma", "."]]
    assert [s.tags for s in split.sentences] == [["O", "O", "O", "O", "B-Disease"], ["O", "O", "B-Disease", "O"]]
    assert split.source.report.count(DROPPED_DISCONTINUOUS) == 1
    found = predicted_mentions(split.source, [s.tags for s in split.sentences])
    scores = mention_scores(split.source, found, typed=True)  # the dropped discontinuous mention is missed
    assert (scores["gold_mentions"], scores["correct_mentions"]) == (3, 2)
    out = tmp_path / f"predicted{suffix}"
    write_predicted(split.source.documents, found, split.source.format, out, "Entity")
    [again] = iter_documents(str(out), split.source.format)
    assert again.text == split.source.documents[0].text
    assert [(a.start, a.end, a.mention, a.type) for a in again.annotations] == [
        (25, 32, "failure", "Disease"), (48, 54, "asthma", "Disease")]


def test_gzip_pubtator_split_is_read(tmp_path):
    import gzip

    (tmp_path / "cdr").mkdir()
    text = "1|t|Aspirin causes asthma.\n1|a|\n1\t15\t21\tasthma\tDisease\n"
    (tmp_path / "cdr" / "train.pubtator.gz").write_bytes(gzip.compress(text.encode()))
    [sentence] = load_split(tmp_path, "cdr", "train").sentences
    assert sentence.tags == ["O", "O", "B-Disease", "O"]


def test_a_type_that_cannot_name_a_tag_is_an_error():
    document = Doc("d9", "Aspirin", [Mention(0, 7, "Aspirin", "Chemical Entity")])
    with pytest.raises(CorpusFormatError, match=r"corpus.bioc.xml:7: document d9: .* type 'Chemical Entity', which cannot be a tag"):
        tagged(document)


def test_inspect_reads_other_formats_and_shows_what_the_conversion_did(data_dir, capsys):
    from gerbera.commands import inspect_data

    write_pubtator_dataset(data_dir, "bio_pubtator", BIO_SENTENCES)
    write_jsonl(data_dir / "bio_jsonl" / "train.jsonl", BIO_SENTENCES)
    inspect_data.main(["--data_dir", str(data_dir), "--data_list", "bio_pubtator+bio_jsonl+news",
                       "--labels", str(data_dir / "bio" / "labels.txt"), "--entity_types", "Entity"])
    out = capsys.readouterr().out
    assert "train.pubtator: 4 documents, 4 sentences, 30 words; mentions tagged: Entity 5" in out
    assert "bio_jsonl" in out and "news" in out


def test_a_misspelt_entity_type_is_an_error_naming_the_types_of_the_file(tmp_path):
    (tmp_path / "cdr").mkdir()
    text = "1|t|Aspirin causes asthma.\n1|a|\n1\t0\t7\tAspirin\tChemical\n1\t15\t21\tasthma\tDisease\n"
    (tmp_path / "cdr" / "train.pubtator").write_text(text, encoding="utf-8")
    with pytest.raises(CorpusFormatError, match=r"train.pubtator: none of --entity_types \(disease\) .* its types: Chemical, Disease"):
        load_split(tmp_path, "cdr", "train", entity_types="disease")
    assert load_split(tmp_path, "cdr", "train", entity_types="Disease,Gene").sentences[0].tags == ["O", "O", "B-Disease", "O"]


def test_features_cache_key_follows_the_entity_types(tiny_bert, tmp_path):
    from transformers import AutoTokenizer

    from gerbera.features.word_pieces import WordEncoder

    (tmp_path / "cdr").mkdir()
    text = "1|t|Aspirin causes asthma.\n1|a|\n1\t0\t7\tAspirin\tChemical\n1\t15\t21\tasthma\tDisease\n"
    (tmp_path / "cdr" / "train.pubtator").write_text(text, encoding="utf-8")
    encoder = WordEncoder(AutoTokenizer.from_pretrained(str(tiny_bert)), 64)
    untyped = TagSet(["B", "I", "O"])  # the same labels whichever types are chosen
    keys = {SplitGroup([load_split(tmp_path, "cdr", "train", entity_types=types)], untyped).cache_key(encoder)
            for types in (None, "Disease", "Chemical")}
    assert len(keys) == 3
