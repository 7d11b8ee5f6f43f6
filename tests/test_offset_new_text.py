"""Devel and test of an offset corpus (PubTator, BioC) scored as new text is tagged (issue 30, item 18):
the words cut only as run_predict.py cuts them, never at the gold mentions; the predictions at
document offsets the very ones run_predict.py writes for the same file and model; gold mentions
that such words cannot hold (ending inside a word, crossing a sentence split) counted as missed and
reported; training sentences still cut at the gold boundaries."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import pytest
from test_cli import read_predictions
from test_predict import UNTYPED, make_head

import run_eval
import run_predict
from gerbera.corpora.conversion_report import CROSSES_SENTENCES, INSIDE_WORD, SPLIT_WORD
from gerbera.corpora.offset_tags import convert_documents
from gerbera.corpora.split_sources import load_split
from gerbera.documents.pubtator import read_pubtator
from gerbera.text.segmentation import segment

TITLE = "Tumours grew in BRCA1associated mice."
ABSTRACT = "Huntington disease is inherited. Obesity was studied in the colon."
SECOND = "Breast cancer runs in families."


def pubtator_text() -> str:
    """Two documents: in the first, 'Tumour' ends inside the word 'Tumours' and 'inherited. Obesity'
    crosses a sentence split; the other mentions lie on word boundaries."""
    text = f"{TITLE} {ABSTRACT}"
    lines = [f"1|t|{TITLE}", f"1|a|{ABSTRACT}"]
    for words in ("Tumour", "Huntington disease", "inherited. Obesity", "colon"):
        start = text.index(words)
        lines.append(f"1\t{start}\t{start + len(words)}\t{words}\tDisease\t-")
    lines += ["", f"2|t|{SECOND}", "2|a|", "2\t0\t13\tBreast cancer\tDisease\t-", ""]
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def varied(tiny_bert, tmp_path_factory):
    """A large random head: tags vary from word to word."""
    return make_head(tiny_bert, tmp_path_factory.mktemp("model") / "varied", UNTYPED, seed=3)


@pytest.fixture
def corpus(tmp_path):
    folder = tmp_path / "data" / "disease"
    folder.mkdir(parents=True)
    for split in ("train", "devel", "test"):
        (folder / f"{split}.pubtator").write_text(pubtator_text(), encoding="utf-8")
    return folder


def new_text_words() -> list[list[str]]:
    """The words of each sentence as run_predict.py cuts the test file (each passage on its own)."""
    return [[t.text for t in s.tokens] for passage in (TITLE, ABSTRACT, SECOND) for s in segment(passage)]


def test_test_split_is_scored_as_run_predict_tags_it(varied, corpus, tmp_path, caplog):
    out = tmp_path / "eval"
    with caplog.at_level(logging.INFO):
        results = run_eval.main(["--model_name_or_path", str(varied), "--data_dir", str(corpus.parent), "--eval_data_list",
                                 "disease", "--output_dir", str(out), "--do_predict", "--report_to", "none",
                                 "--entity_type", "Disease"])
    rows = read_predictions(out / "test_predictions.txt")
    assert [[word for word, _, _ in row] for row in rows] == new_text_words()  # 'Tumours' whole, no sentences merged
    gold = [[(word, tag) for word, tag, _ in row] for row in rows]  # the gold mentions rounded to the words:
    assert gold[0][0] == ("Tumours", "B") and gold[1][-2:] == [("inherited", "B"), (".", "I")] and gold[2][0] == ("Obesity", "B")
    assert results["test_offset_gold_mentions"] == 5
    assert results["test_offset_unreachable_mentions"] == 2
    assert "2 gold mentions that words cut as run_predict.py cuts them cannot hold" in caplog.text
    assert "word-level seqeval F1" in caplog.text and "gold mentions rounded to the words" in caplog.text

    tagged = tmp_path / "tagged.pubtator"
    run_predict.main(["--model_name_or_path", str(varied), "--input", str(corpus / "test.pubtator"), "--output", str(tagged),
                      "--entity_type", "Disease", "--disable_tqdm"])
    scored = {d.id: {(a.start, a.end, a.type) for a in d.annotations} for d in read_pubtator(out / "test_predictions.pubtator")}
    tagged_new = {d.id: {(a.start, a.end, a.type) for a in d.annotations} for d in read_pubtator(tagged)}
    assert scored == tagged_new and any(scored.values())
    assert results["test_offset_predicted_mentions"] == sum(len(m) for m in scored.values())


def test_training_sentences_still_cut_at_the_gold_boundaries(corpus):
    train = load_split(corpus.parent, "disease", "train")
    words = [w for s in train.sentences for w in s.words]
    assert words[:2] == ["Tumour", "s"]
    assert train.source.report.count(SPLIT_WORD) == 1 and train.source.report.count(INSIDE_WORD) == 0
    test = load_split(corpus.parent, "disease", "test")
    assert [s.words for s in test.sentences] == new_text_words()
    assert (test.source.report.count(INSIDE_WORD), test.source.report.count(CROSSES_SENTENCES)) == (1, 1)
    assert test.source.report.count(SPLIT_WORD) == 0
    assert train.reader != test.reader  # the features cache keeps both


@dataclass
class Mention:
    start: int
    end: int
    mention: str
    type: str


@dataclass
class Doc:
    id: str
    text: str
    annotations: list

    @property
    def passages(self):
        return [(0, len(self.text))]


def test_two_mentions_ending_and_starting_inside_one_word_tag_it_once():
    text = "Fooxbar syndrome."
    document = Doc("d", text, [Mention(0, 3, "Foo", "A"), Mention(4, 16, "bar syndrome", "B")])
    sentences, source = convert_documents([document], "x.pubtator", "pubtator", None, as_new_text=True)
    assert list(zip(sentences[0].words, sentences[0].tags)) == [("Fooxbar", "B-A"), ("syndrome", "B-B"), (".", "O")]
    assert source.report.count(INSIDE_WORD) == 2
    assert len(source.gold[0]) == 2  # still gold at their offsets: missed there, never dropped
