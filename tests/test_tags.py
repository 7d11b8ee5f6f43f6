"""The shared tag set and the mapping of every corpus's tags into it."""

import pytest

from gerbera.corpora.tags import TagSet, parse_tag, to_iob2
from gerbera.errors import CorpusFormatError, GerberaError

UNTYPED = TagSet(["B", "I", "O"])
TYPED = TagSet(["O", "B-PER", "I-PER", "B-LOC", "I-LOC"])


def iob2(tags):
    return ["O" if p == "O" else (p if t is None else f"{p}-{t}") for p, t in to_iob2([parse_tag(x) for x in tags])]


@pytest.mark.parametrize(
    "scheme_tags, expected",
    [
        (["B-PER", "I-PER", "O", "B-LOC"], ["B-PER", "I-PER", "O", "B-LOC"]),  # IOB2 as is
        (["I-PER", "I-PER", "B-PER", "O", "I-LOC"], ["B-PER", "I-PER", "B-PER", "O", "B-LOC"]),  # IOB1
        (["I-PER", "I-PER", "O", "I-LOC", "I-PER"], ["B-PER", "I-PER", "O", "B-LOC", "B-PER"]),  # IO
        (["B-PER", "I-PER", "E-PER", "S-LOC", "S-LOC"], ["B-PER", "I-PER", "I-PER", "B-LOC", "B-LOC"]),  # IOBES
        (["B-PER", "E-PER", "E-PER"], ["B-PER", "I-PER", "B-PER"]),  # an end cannot be continued
        (["U-PER", "B-LOC", "L-LOC"], ["B-PER", "B-LOC", "I-LOC"]),  # BILOU
        (["I", "I", "O", "B", "I"], ["B", "I", "O", "B", "I"]),  # untyped IOB1
    ],
)
def test_schemes_normalise_to_iob2(scheme_tags, expected):
    assert iob2(scheme_tags) == expected


def test_untyped_set_reads_typed_tags_as_their_prefix():
    assert UNTYPED.map_sentence(["B-PER", "I-PER", "O", "B-ORG"], "f", 1) == ["B", "I", "O", "B"]
    # adjacent entities of different types stay two entities
    assert UNTYPED.map_sentence(["B-PER", "I-ORG"], "f", 1) == ["B", "B"]


def test_iobes_tag_set_receives_iobes():
    tagset = TagSet(["O", "B-X", "I-X", "E-X", "S-X"])
    assert tagset.scheme == "IOBES"
    assert tagset.map_sentence(["B-X", "I-X", "I-X", "O", "B-X"], "f", 1) == ["B-X", "I-X", "E-X", "O", "S-X"]


def test_tag_outside_the_set_names_file_line_and_tag():
    with pytest.raises(CorpusFormatError) as error:
        TYPED.map_sentence(["O", "B-ORG"], "data/train.txt", 41)
    assert str(error.value).startswith("data/train.txt:42: tag 'B-ORG' cannot be represented")


def test_untyped_tag_in_typed_set_is_an_error():
    with pytest.raises(CorpusFormatError, match=r"f:7: tag 'B'"):
        TYPED.map_sentence(["B"], "f", 7)


def test_garbage_tag_is_an_error():
    with pytest.raises(CorpusFormatError, match=r"f:3: 'B_PER' is not a tag"):
        UNTYPED.map_sentence(["O", "O", "B_PER"], "f", 1)


def test_outside_tag_is_added():
    assert TagSet(["B", "I"]).labels == ["B", "I", "O"]


def test_labels_file_errors(tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    with pytest.raises(CorpusFormatError, match="labels file is empty"):
        TagSet.from_file(empty)
    repeated = tmp_path / "rep.txt"
    repeated.write_text("B\nI\nB\nO\n")
    with pytest.raises(CorpusFormatError, match=r"rep.txt:3: tag 'B' repeats line 1"):
        TagSet.from_file(repeated)
    with pytest.raises(GerberaError, match="not found"):
        TagSet.from_file(tmp_path / "missing.txt")
    typo = tmp_path / "typo.txt"
    typo.write_text("B-Disease\nI-Disease\nB-Chemical\nI-Chemcial\nO\n")
    with pytest.raises(CorpusFormatError, match=r"typo.txt:4: 'I-Chemcial' has no 'B-Chemcial' in this file "
                                                r"\(its B tags: Chemical, Disease\)"):
        TagSet.from_file(typo)
    io_scheme = tmp_path / "io.txt"
    io_scheme.write_text("I-Disease\nI-Chemical\nO\n")  # IO: no B tags at all, a scheme of its own
    assert TagSet.from_file(io_scheme).scheme == "IO"


def test_tag_set_from_training_tags():
    assert TagSet.from_tags(["O", "B-PER", "I-PER", "B-LOC"]).labels == ["O", "B-LOC", "I-LOC", "B-PER", "I-PER"]
    # an untyped corpus with a typed one: untyped set (how CoNLL2003 joins NCBI-disease)
    assert TagSet.from_tags(["B", "I", "O", "B-PER"]).labels == ["O", "B", "I"]


def test_untyped_corpus_is_read_as_the_one_type_of_a_typed_set():
    chemical = TagSet(["O", "B-Chemical", "I-Chemical"])
    assert chemical.map_sentence(["B", "I", "O", "I"], "f", 1) == ["B-Chemical", "I-Chemical", "O", "B-Chemical"]


def test_type_map_reads_corpus_types_as_the_sets_and_ignore_types_drops_them():
    from gerbera.corpora.type_map import read_corpus_types

    mapped = read_corpus_types(TagSet(["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]), "LOC=GPE,PER=Person", False)
    assert mapped.map_sentence(["B-GPE", "I-GPE", "B-Person", "I-PER"], "f", 1) == ["B-LOC", "I-LOC", "B-PER", "I-PER"]
    spans = read_corpus_types(TagSet(["O", "B-PER", "I-PER", "B-LOC", "I-LOC"]), None, True)
    assert spans.map_sentence(["B-Species", "I-Species", "I-Gene", "B"], "f", 1) == ["B", "I", "B", "B"]
    assert spans.as_scored(["B-PER", "I-LOC", "I-LOC", "O"]) == ["B", "B", "I", "O"]  # a new type starts a span
    with pytest.raises(GerberaError, match="untyped"):
        read_corpus_types(TagSet(["B", "I", "O"]), "PER=Person", False)
