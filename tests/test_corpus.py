"""Reading column files: sentences, dialects, and errors that name file and line."""

import pytest

from gerbera.corpora.column_files import parse_dataset_list, read_column_file
from gerbera.corpora.split_sources import load_split
from gerbera.errors import CorpusFormatError, GerberaError


def write(tmp_path, text, name="train.txt", encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding) if isinstance(text, str) else text)
    return path


def test_reads_sentences_and_line_numbers(tmp_path):
    path = write(tmp_path, "-DOCSTART- -X- O O\n\nEU B-ORG\nrejects O\n\n\n\nPeter B-PER\nBlackburn I-PER")
    sentences = read_column_file(path)
    assert [s.words for s in sentences] == [["EU", "rejects"], ["Peter", "Blackburn"]]
    assert [s.tags for s in sentences] == [["B-ORG", "O"], ["B-PER", "I-PER"]]
    assert [s.first_line for s in sentences] == [3, 8]


@pytest.mark.parametrize(
    "text",
    [
        "a O\r\nb B\r\n\r\nc I\r\n",  # CRLF
        "\ufeffa O\nb B\n\nc I\n",  # byte-order mark
        "a\tO\nb\tB\n\nc\tI",  # tabs, no final newline
        "a   O  \nb  B\t\n\n\n\nc I\n\n",  # multi-space, trailing spaces, several blank lines
        "a NN B-NP O\nb NN I-NP B\n\nc NN O I\n",  # 4-column CoNLL: word first, tag last
    ],
)
def test_dialects(tmp_path, text):
    sentences = read_column_file(write(tmp_path, text))
    assert [s.words for s in sentences] == [["a", "b"], ["c"]]
    assert [s.tags for s in sentences] == [["O", "B"], ["I"]]


def test_unusual_characters_stay_in_the_word(tmp_path):
    words = ["\u200b", "soft\u00adhyphen", "no\u00a0break", "ctrl\x1c", "\U0001F600", "x" * 300]
    sentences = read_column_file(write(tmp_path, "".join(f"{w} O\n" for w in words)))
    assert sentences[0].words == words


def test_words_only_test_file(tmp_path):
    sentences = read_column_file(write(tmp_path, "a\nb\n\nc\n"), require_tags=False)
    assert sentences[0].tags is None and [s.words for s in sentences] == [["a", "b"], ["c"]]


def test_missing_tag_in_train_is_an_error(tmp_path):
    with pytest.raises(CorpusFormatError, match=r"train.txt:2: no tag after the word 'b'"):
        read_column_file(write(tmp_path, "a O\nb\n"))
    with pytest.raises(CorpusFormatError, match=r"train.txt:1: no tag"):
        read_column_file(write(tmp_path, "a\nb\n"))


def test_mixed_tagged_and_untagged_lines_are_an_error(tmp_path):
    with pytest.raises(CorpusFormatError, match=r"test.txt:3: has a tag, but line 1"):
        read_column_file(write(tmp_path, "a\n\nb O\n", name="test.txt"), require_tags=False)


def test_not_utf8_names_the_line(tmp_path):
    path = write(tmp_path, b"a O\nb O\n\ncaf\xe9 O\n")
    with pytest.raises(CorpusFormatError, match=r"train.txt:4: bytes that are not UTF-8"):
        read_column_file(path)


def test_empty_file_is_an_error(tmp_path):
    with pytest.raises(CorpusFormatError, match="no sentences"):
        read_column_file(write(tmp_path, "\n-DOCSTART- O\n\n"))


def test_missing_dataset_and_split_list_what_exists(data_dir):
    with pytest.raises(GerberaError, match=r"dataset 'linnaeus' not found .*available: bio, bio2, news"):
        load_split(data_dir, "linnaeus", "train")
    (data_dir / "bio" / "test.txt").unlink()
    with pytest.raises(GerberaError, match=r"no test file for dataset 'bio'; the folder has: devel.txt, labels.txt, train.txt"):
        load_split(data_dir, "bio", "test")


@pytest.mark.parametrize("name", ["../bio", "/etc", "bio/../../x", ""])
def test_dataset_names_cannot_escape_data_dir(data_dir, name):
    with pytest.raises(GerberaError):
        load_split(data_dir, name, "train")


def test_dataset_list():
    assert parse_dataset_list("NCBI-disease+CoNLL2003") == ["NCBI-disease", "CoNLL2003"]
    with pytest.raises(GerberaError):
        parse_dataset_list("A++B")
