"""The tokenized-features cache: a second run reads it instead of tokenizing again,
``--overwrite_cache`` rebuilds it, and a sample of a file never shares its features."""

import pytest
from conftest import BIO_SENTENCES
from test_predict import UNTYPED, make_head
from transformers import AutoTokenizer

import run_eval
from gerbera.corpora.mixing import sample_split
from gerbera.corpora.tags import TagSet
from gerbera.features.split_groups import SplitGroup, read_splits
from gerbera.features.word_pieces import WordEncoder


@pytest.fixture
def tokenized(monkeypatch):
    """The sentences the WordEncoder tokenizes, as they come (a cache hit tokenizes none)."""
    sentences = []
    original = WordEncoder.encode

    def counting_encode(self, batch):
        sentences.extend(batch["words"])
        return original(self, batch)

    monkeypatch.setattr(WordEncoder, "encode", counting_encode)
    return sentences


@pytest.fixture(scope="module")
def model(tiny_bert, tmp_path_factory):
    return make_head(tiny_bert, tmp_path_factory.mktemp("cache") / "model", UNTYPED)


def test_second_run_reads_the_cache_and_overwrite_cache_rebuilds_it(model, data_dir, tmp_path, tokenized):
    cache = tmp_path / "features"

    def evaluate(name, *extra):
        tokenized.clear()
        return run_eval.main(["--model_name_or_path", str(model), "--data_dir", str(data_dir), "--eval_data_list", "bio",
                              "--output_dir", str(tmp_path / name), "--do_eval", "--do_predict", "--report_to", "none",
                              "--features_cache_dir", str(cache), "--disable_tqdm", "true", *extra])

    first = evaluate("first")
    assert len(tokenized) == 2 * len(BIO_SENTENCES)  # devel and test
    assert len(list(cache.glob("features-*.arrow"))) == 2
    again = evaluate("again")
    assert tokenized == []  # both read from the cache
    assert (tmp_path / "again" / "test_predictions.txt").read_text() == (tmp_path / "first" / "test_predictions.txt").read_text()
    assert again["test_f1"] == first["test_f1"]
    rebuilt = evaluate("rebuilt", "--overwrite_cache")
    assert len(tokenized) == 2 * len(BIO_SENTENCES)
    assert rebuilt["test_f1"] == first["test_f1"] and len(list(cache.glob("features-*.arrow"))) == 2


def test_a_sample_of_a_file_has_features_of_its_own(tiny_bert, data_dir, tmp_path, tokenized):
    """``bio:0.5`` with seed 1, with seed 2, and all of bio: three different sets of sentences."""
    encoder = WordEncoder(AutoTokenizer.from_pretrained(tiny_bert), 64)
    [split] = read_splits(str(data_dir), ["bio"], "train")
    built = {}
    for fraction, seed in ((0.5, 1), (0.5, 2), (1.0, 1), (0.5, 1)):
        sampled = sample_split(split, fraction, seed)
        group = SplitGroup([sampled], TagSet(UNTYPED))
        group.map_tags()
        features = group.build_features(encoder, tmp_path / "cache")
        expected = encoder.encode({"words": [s.words for s in sampled.sentences], "sentence_id": list(range(len(sampled.sentences))),
                                   "dataset": ["bio"] * len(sampled.sentences)})
        assert features["input_ids"] == expected["input_ids"], (fraction, seed)
        built[fraction, seed] = features["input_ids"]
    assert len({str(ids) for ids in built.values()}) == 3
