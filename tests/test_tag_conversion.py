"""Converting corpora into the tag set's scheme: into an IO tag set, and on real corpus files
(every entity kept; IO merges only entities that touch)."""

import json

import pytest
from conftest import REPO, SHARED_DATA
from seqeval.metrics.sequence_labeling import get_entities

import run_ner
from gerbera.corpora.column_files import read_column_file
from gerbera.corpora.tags import TagSet, parse_tag, to_iob2


def iob2(tags):
    return ["O" if p == "O" else (p if t is None else f"{p}-{t}") for p, t in to_iob2([parse_tag(tag) for tag in tags])]


def touching_merged(spans):
    """Entities as an IO tag set sees them: neighbours of one type become one."""
    merged = []
    for entity_type, first, last in spans:
        if merged and merged[-1][0] == entity_type and merged[-1][2] == first - 1:
            merged[-1] = (entity_type, merged[-1][1], last)
        else:
            merged.append((entity_type, first, last))
    return merged


def test_io_tag_sets_receive_inside_tags_only():
    untyped = TagSet(["I", "O"])
    assert untyped.scheme == "IO"
    assert untyped.map_sentence(["B", "I", "O", "B", "B", "I-PER"], "f", 1) == ["I", "I", "O", "I", "I", "I"]
    typed = TagSet(["O", "I-PER", "I-LOC"])
    assert typed.scheme == "IO" and typed.typed
    assert typed.map_sentence(["B-PER", "I-PER", "B-LOC", "O", "S-PER", "E-PER"], "f", 1) == [
        "I-PER", "I-PER", "I-LOC", "O", "I-PER", "I-PER"]


def test_iobes_tag_set_marks_single_words_and_ends():
    tagset = TagSet(["O", "B-X", "I-X", "E-X", "S-X", "B-Y", "I-Y", "E-Y", "S-Y"])
    assert tagset.map_sentence(["B-X", "B-X", "I-X", "I-Y", "O", "I-Y", "I-Y"], "f", 1) == [
        "S-X", "B-X", "E-X", "S-Y", "O", "B-Y", "E-Y"]


def test_training_with_an_io_tag_set(tiny_bert, data_dir, tmp_path):
    """--labels with I and O only: the run's gold tags, predictions and saved head are IO."""
    labels = tmp_path / "io.txt"
    labels.write_text("I\nO\n")
    out = tmp_path / "model"
    run_ner.main(["--model_name_or_path", str(tiny_bert), "--data_dir", str(data_dir), "--data_list", "bio+news",
                  "--eval_data_list", "bio", "--labels", str(labels), "--output_dir", str(out), "--do_train", "--do_predict",
                  "--max_steps", "1", "--report_to", "none", "--disable_tqdm", "true"])
    assert json.loads((out / "config.json").read_text())["id2label"] == {"0": "I", "1": "O"}
    rows = [line.split(" ") for line in (out / "test_predictions.txt").read_text().splitlines() if line]
    gold = [row[1] for row in rows]
    source = [tag for sentence in read_column_file(data_dir / "bio" / "test.txt") for tag in sentence.tags]
    assert gold == ["I" if tag != "O" else "O" for tag in source]
    assert {row[2] for row in rows} <= {"I", "O"}


CORPUS_FILES = sorted(REPO.glob("NERdata/demo-*/devel.txt")) + sorted(SHARED_DATA.glob("*/devel.txt"))


@pytest.mark.parametrize("path", CORPUS_FILES, ids=lambda p: p.parent.name)
def test_real_corpus_files_convert_without_losing_entities(path):
    sentences = read_column_file(path)
    raw = [tag for s in sentences for tag in s.tags]
    types = sorted({parse_tag(tag)[1] for tag in raw if parse_tag(tag)[1]})
    sets = {
        "IOB2 untyped": TagSet(["B", "I", "O"]),
        "IOBES": TagSet(["O", *(f"{p}-{t}" if t else p for t in types or [None] for p in "BIES")]),
        "IO": TagSet(["O", *(f"I-{t}" for t in types)] if types else ["I", "O"]),
    }
    entities = 0
    for sentence in sentences:
        original = get_entities(iob2(sentence.tags))
        entities += len(original)
        untyped = [("_", first, last) for _, first, last in original]
        assert get_entities(sets["IOB2 untyped"].map_sentence(sentence.tags, str(path), sentence.first_line)) == untyped
        iobes = sets["IOBES"].map_sentence(sentence.tags, str(path), sentence.first_line)
        assert get_entities(iob2(iobes)) == original  # back from IOBES: the same entities
        io = sets["IO"].map_sentence(sentence.tags, str(path), sentence.first_line)
        assert get_entities(iob2(io)) == touching_merged(original)
    assert entities > 20
