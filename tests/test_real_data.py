"""Real corpora from ../shared/NERdata, in three dialects, with the embedded MiniLM encoder."""

import json

import pytest
from conftest import SHARED_DATA

import run_eval
import run_ner
from gerbera.corpora.tags import TagSet
from gerbera.features.split_groups import SplitGroup, read_splits

pytestmark = [
    pytest.mark.slow,
    pytest.mark.skipif(not SHARED_DATA.is_dir(), reason="../shared/NERdata is not beside the checkout"),
]
CORPORA = ["NCBI-disease", "CoNLL2003", "BC5CDR-disease"]
SENTENCES = {  # from ../shared/NERdata/README.md
    "NCBI-disease": (5424, 923, 940),
    "CoNLL2003": (14041, 3250, 3453),
    "BC5CDR-disease": (4560, 4581, 4797),
}


def file_counts(path):
    """Words and entity starts counted straight from the bytes, independently of the reader."""
    words = entities = 0
    for line in path.read_bytes().decode("utf-8").splitlines():
        columns = line.split()
        if not columns or columns[0] == "-DOCSTART-":
            continue
        words += 1
        entities += columns[-1].startswith("B")
    return words, entities


@pytest.mark.parametrize("split_index, split", enumerate(["train", "devel", "test"]))
def test_three_dialects_load_in_one_data_list(split_index, split):
    splits = read_splits(str(SHARED_DATA), CORPORA, split)
    group = SplitGroup(splits, TagSet.from_file(SHARED_DATA / "NCBI-disease" / "labels.txt"))
    group.map_tags()
    start = 0
    for corpus in splits:
        words, entities = file_counts(corpus.path)
        assert len(corpus.sentences) == SENTENCES[corpus.dataset][split_index]
        assert corpus.num_words == words
        mapped = group.gold_tags[start : start + len(corpus.sentences)]
        assert sum(tag == "B" for tags in mapped for tag in tags) == entities
        start += len(corpus.sentences)


def test_minilm_learns_ncbi_disease_and_transfers(tmp_path):
    """A short real run: NCBI-disease (a seeded 25%) with CoNLL2003 (5%), one epoch, then
    cross-dataset scoring on BC5CDR-disease. About 2 minutes on 2 CPU cores."""
    out = tmp_path / "model"
    results = run_ner.main([
        "--data_dir", str(SHARED_DATA), "--labels", str(SHARED_DATA / "NCBI-disease" / "labels.txt"),
        "--data_list", "NCBI-disease:0.25+CoNLL2003:0.05", "--eval_data_list", "NCBI-disease",
        "--output_dir", str(out), "--num_train_epochs", "1", "--learning_rate", "1e-4",
        "--per_device_train_batch_size", "16", "--per_device_eval_batch_size", "64", "--seed", "1",
        "--do_train", "--do_eval", "--report_to", "none", "--disable_tqdm", "true",
    ])
    assert results["train_sentences"] == round(0.25 * 5424) + round(0.05 * 14041)
    assert results["eval_f1"] > 0.5, results["eval_f1"]
    cross = run_eval.main([
        "--model_name_or_path", str(out), "--data_dir", str(SHARED_DATA), "--eval_data_list", "BC5CDR-disease",
        "--eval_data_type", "BC5CDR-disease", "--output_dir", str(tmp_path / "cross"), "--do_predict",
        "--per_device_eval_batch_size", "64", "--report_to", "none", "--disable_tqdm", "true",
    ])
    assert cross["test_sentences"] == 4797 and cross["test_f1"] > 0.3, cross["test_f1"]
    lines = (tmp_path / "cross" / "test_predictions.txt").read_text(encoding="utf-8").splitlines()
    assert sum(1 for line in lines if line) == json.loads((tmp_path / "cross" / "all_results.json").read_text())["test_words"]
