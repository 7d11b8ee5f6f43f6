"""run_predict.py on inputs that arrive damaged or slowly (issue 30): a truncated ``.gz`` (a damaged
download) in file and folder mode, and a slow pipe on stdin whose first bytes do not yet tell the format."""

from __future__ import annotations

import gzip
import io
import json
import subprocess
import sys
import textwrap

import pytest
from test_predict import UNTYPED, make_head
from test_predict_corpus import bioc_xml, manifest, outputs, pubtator_text

import run_predict
from gerbera.documents.formats import detect_format, iter_documents


@pytest.fixture(scope="module")
def model(tiny_bert, tmp_path_factory):
    """A random head: the tags vary from word to word."""
    return make_head(tiny_bert, tmp_path_factory.mktemp("corpus-model") / "varied", UNTYPED, seed=5)


def run(model, *args) -> dict:
    """run_predict.main with the progress bar on (its estimate scans the inputs first)."""
    return run_predict.main(["--model_name_or_path", str(model), *map(str, args), "--device", "cpu", "--num_threads", "1"])


def truncated_gz(path, documents: int = 40):
    """A ``.gz`` cut short, as a download stopped half-way leaves it: the first documents read, then damage."""
    packed = gzip.compress(pubtator_text(range(100, 100 + documents)).encode("utf-8"), mtime=0)
    path.write_bytes(packed[: len(packed) * 2 // 3])
    return path


def error_line(capsys) -> str:
    err = capsys.readouterr().err
    assert "Traceback" not in err and "EOFError" not in err.replace("truncated", "")
    return err.strip().splitlines()[-1]


def test_a_truncated_gz_file_is_a_one_line_error_naming_it(model, tmp_path, capsys):
    damaged = truncated_gz(tmp_path / "damaged.pubtator.gz")
    with pytest.raises(SystemExit):
        run(model, "--input", damaged, "--output", tmp_path / "out.pubtator")
    line = error_line(capsys)
    assert line.startswith("error: ") and f"{damaged}: truncated or damaged gzip data" in line
    assert not (tmp_path / "out.pubtator").exists()


def test_a_file_that_cannot_be_read_is_named_when_the_run_reaches_it(model, tmp_path, capsys):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.pubtator").write_text(pubtator_text(range(3)), encoding="utf-8")
    (corpus / "z.xml").write_text("<?xml version='1.0'?>\n<html><body>A web page</body></html>\n", encoding="utf-8")
    with pytest.raises(SystemExit):
        run(model, "--input", corpus, "--output", tmp_path / "tagged")  # the progress bar's estimate: not stopped there
    assert "z.xml: XML whose root element is <html>" in error_line(capsys)
    assert "a.pubtator" in outputs(tmp_path / "tagged")


@pytest.fixture
def corpus_with_damage(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "a.pubtator").write_text(pubtator_text(range(3)), encoding="utf-8")
    truncated_gz(corpus / "b.txt.gz")  # PubTator, told by its content: detection reads the head before the damage
    (corpus / "c.pubtator").write_text(pubtator_text(range(3, 5)), encoding="utf-8")
    return corpus


def test_a_truncated_gz_in_a_folder_stops_the_run_when_reached_naming_it(model, corpus_with_damage, tmp_path, capsys):
    out = tmp_path / "tagged"
    with pytest.raises(SystemExit):
        run(model, "--input", corpus_with_damage, "--output", out, "--part_documents", 8)
    line = error_line(capsys)
    assert f"{corpus_with_damage / 'b.txt.gz'}: truncated or damaged gzip data" in line
    assert "a.pubtator" in outputs(out)  # tagged before the damage was reached, and kept


def test_skip_bad_documents_tags_what_precedes_the_damage_and_lists_it(model, corpus_with_damage, tmp_path, capsys):
    out = tmp_path / "tagged"
    summary = run(model, "--input", corpus_with_damage, "--output", out, "--part_documents", 8, "--skip_bad_documents")
    assert "Traceback" not in capsys.readouterr().err
    units = {(u["input_name"], u["part"]): u for u in manifest(out)}
    damaged = [u for (name, _), u in sorted(units.items()) if name == "b.txt.gz"]
    listed = [s for u in damaged for s in u["skipped_documents"]]
    assert len(listed) == 1 and listed[0]["file"] == str(corpus_with_damage / "b.txt.gz")
    assert "truncated or damaged gzip data" in listed[0]["reason"]
    assert damaged[-1]["skipped_documents"] == listed and damaged[-1]["last_part"]  # the part it cut short is the last
    read = sum(u["documents"] for u in damaged)
    assert 0 < read < 40 and summary["bad_documents_skipped"] == 1
    assert summary["documents"] == 3 + read + 2 and ("c.pubtator", 1) in units
    tagged_ids = {line.split("|")[0] for name, text in outputs(out).items() if name.startswith("b.")
                  for line in text.decode().splitlines() if "|t|" in line}
    assert tagged_ids == {str(1100 + n) for n in range(read)}
    # damage met just after a part's last document (reading ahead): listed by that part, the last
    boundary = tmp_path / "boundary"
    run(model, "--input", corpus_with_damage, "--output", boundary, "--part_documents", read, "--skip_bad_documents")
    assert [(u["documents"], len(u["skipped_documents"]), u["last_part"]) for u in manifest(boundary)
            if u["input_name"] == "b.txt.gz"] == [(read, 1, True)]
    # two shards cut the damaged file alike, and the damage is listed once
    shards = tmp_path / "shards"
    for shard in ("0/2", "1/2"):
        run(model, "--input", corpus_with_damage, "--output", shards, "--part_documents", 8, "--skip_bad_documents",
            "--shard", shard, "--disable_tqdm")
    assert outputs(shards) == outputs(out)
    assert [(u["input_name"], u["part"], u["skipped_documents"]) for u in manifest(shards)] == [
        (u["input_name"], u["part"], u["skipped_documents"]) for u in manifest(out)]


WRITER = textwrap.dedent("""
    import sys, time
    data = open(sys.argv[1], "rb").read()
    cut = int(sys.argv[2])
    sys.stdout.buffer.write(data[:cut]); sys.stdout.buffer.flush()
    time.sleep(float(sys.argv[3]))
    sys.stdout.buffer.write(data[cut:]); sys.stdout.buffer.flush()
""")


@pytest.fixture
def slow_stdin(tmp_path, monkeypatch):
    """stdin from a child process that writes ``content[:cut]``, waits, then writes the rest."""
    children = []

    def start(content: str, cut: int, pause: float = 3.0):
        source = tmp_path / f"stdin{len(children)}"
        source.write_bytes(content.encode("utf-8"))
        child = subprocess.Popen([sys.executable, "-c", WRITER, str(source), str(cut), str(pause)], stdout=subprocess.PIPE)
        children.append(child)
        monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(child.stdout))

    yield start
    for child in children:
        child.kill()
        child.wait()
        child.stdout.close()


def test_detection_on_stdin_waits_for_what_tells_the_format(slow_stdin):
    xml = bioc_xml(range(3))
    slow_stdin(xml, xml.index("<collection>") + 3, pause=1.5)  # the prolog and "<co": not yet the root's name
    assert detect_format("-") == "bioc-xml"
    assert [d.id for d in iter_documents("-", "bioc-xml")] == ["1000", "1001", "1002"]  # read from the first byte
    text = pubtator_text(range(2))
    slow_stdin(text, 3, pause=1.5)  # "100": the first line is not whole yet
    assert detect_format("-") == "pubtator"


def test_run_predict_reads_a_slow_pipe_of_bioc_xml(model, slow_stdin, tmp_path):
    xml = bioc_xml(range(4))
    slow_stdin(xml, xml.index("<collection>"))  # the XML declaration and the DOCTYPE, then a pause
    out = tmp_path / "out.jsonl"
    summary = run_predict.main(["--model_name_or_path", str(model), "--input", "-", "--output", str(out), "--device",
                                "cpu", "--num_threads", "1", "--disable_tqdm"])
    assert summary["input_format"] == "bioc-xml" and summary["documents"] == 4
    assert [json.loads(line)["id"] for line in out.read_text(encoding="utf-8").splitlines()] == [
        "1000", "1001", "1002", "1003"]
