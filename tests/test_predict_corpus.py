"""run_predict.py on a corpus: folders, globs and several inputs into a folder of units of work,
split into parts, resumed after a kill, shared by torchrun ranks and --shard, with a manifest."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import bioc.pubtator
import pytest
from conftest import REPO
from test_predict import UNTYPED, make_head

import run_predict
from gerbera.tagging.corpus_inputs import expand_inputs, output_name
from gerbera.tagging.sharding import Worker, parse_shard

WORDS = ("Huntington disease", "breast cancer", "IL-2", "p53", "tumour", "obesity", "mice", "colon", "BRCA1", "type 2 diabetes")


def abstract(number: int) -> tuple[str, str]:
    """A title and an abstract that differ from document to document."""
    pick = [WORDS[(number * k) % len(WORDS)] for k in (1, 3, 7)]
    title = f"Study {number} of {pick[0]} in patients."
    body = f"We found {pick[1]} and {pick[2]} in {number} cases. No {pick[0]} was seen in the colon."
    return title, body


def pubtator_text(numbers) -> str:
    return "".join(f"{1000 + n}|t|{abstract(n)[0]}\n{1000 + n}|a|{abstract(n)[1]}\n\n" for n in numbers)


@pytest.fixture(scope="module")
def model(tiny_bert, tmp_path_factory):
    """A random head: the tags vary from word to word."""
    return make_head(tiny_bert, tmp_path_factory.mktemp("corpus-model") / "varied", UNTYPED, seed=5)


@pytest.fixture
def corpus(tmp_path):
    """A folder of three inputs: two PubTator files (7 and 2 documents) and one text-lines file (3)."""
    folder = tmp_path / "corpus"
    (folder / "more").mkdir(parents=True)
    (folder / "a.pubtator").write_text(pubtator_text(range(7)), encoding="utf-8")
    (folder / "more" / "b.pubtator").write_text(pubtator_text(range(7, 9)), encoding="utf-8")
    (folder / "c.txt").write_text("".join(" ".join(abstract(n)) + "\n" for n in range(9, 12)), encoding="utf-8")
    return folder


def predict(model, *args) -> dict:
    return run_predict.main(["--model_name_or_path", str(model), *map(str, args), "--disable_tqdm", "--device", "cpu"])


def outputs(folder: Path) -> dict[str, bytes]:
    """Every output file of a folder (the manifest and the run's state left out), by name."""
    return {p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file() and not p.relative_to(folder).as_posix().startswith(".") and p.name != "manifest.jsonl"}


def manifest(folder: Path) -> list[dict]:
    return [json.loads(line) for line in (folder / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]


def stats(folder: Path) -> dict[str, tuple[int, int]]:
    return {name: ((folder / name).stat().st_ino, (folder / name).stat().st_mtime_ns) for name in outputs(folder)}


EXPECTED_NAMES = ["a.part0001.pubtator", "a.part0002.pubtator", "a.part0003.pubtator", "c.jsonl", "more/b.pubtator"]


def test_folder_in_folder_out_in_parts_with_a_manifest(model, corpus, tmp_path):
    out = tmp_path / "tagged"
    summary = predict(model, "--input", corpus, "--output", out, "--part_documents", 3)
    assert sorted(outputs(out)) == EXPECTED_NAMES
    assert (summary["units_done"], summary["units_skipped"], summary["documents"]) == (5, 0, 12)
    units = manifest(out)
    assert [(u["input_name"], u["part"], u["documents"], u["first_document"]) for u in units] == [
        ("a.pubtator", 1, 3, 1), ("a.pubtator", 2, 3, 4), ("a.pubtator", 3, 1, 7), ("c.txt", 1, 3, 1),
        ("more/b.pubtator", 1, 2, 1)]
    assert all(u["model"] == str(model) and u["seconds"] >= 0 for u in units)
    # the parts together are the file tagged whole, and the entities are the single-file run's
    whole = tmp_path / "a.pubtator"
    single = predict(model, "--input", corpus / "a.pubtator", "--output", whole)
    parts = b"".join(outputs(out)[f"a.part000{k}.pubtator"] for k in (1, 2, 3))  # cat a.part*: each ends with a blank line
    assert parts == whole.read_bytes()
    assert sum(u["entities"] for u in units[:3]) == single["entities"] > 0
    # the bioc package's PubTator reader (as BioCreative tools) reads every document and entity of the parts together
    read = bioc.pubtator.loads(parts.decode("utf-8"))
    assert (len(read), sum(len(d.annotations) for d in read)) == (7, single["entities"])
    assert not any(d.relations for d in read)


def test_globs_files_and_folders_mix_and_names_must_not_clash(corpus, tmp_path):
    files = expand_inputs([str(corpus / "*.pubtator"), str(corpus / "more"), str(corpus / "c.txt")])
    assert [(Path(f.path).name, f.name) for f in files] == [("a.pubtator", "a.pubtator"), ("b.pubtator", "b.pubtator"),
                                                            ("c.txt", "c.txt")]
    (corpus / "more" / "a.txt").write_text("x\n", encoding="utf-8")
    with pytest.raises(Exception, match="would both be written as a"):
        expand_inputs([str(corpus / "a.pubtator"), str(corpus / "more" / "a.txt")])
    assert output_name("pubmed24n0001.xml.gz", "pubtator", None) == "pubmed24n0001.pubtator"
    assert output_name("x.xml", "bioc-xml", 2) == "x.part0002.xml"


def test_rerun_skips_finished_units_and_redoes_the_rest(model, corpus, tmp_path):
    out = tmp_path / "tagged"
    predict(model, "--input", corpus, "--output", out, "--part_documents", 3)
    first, before = outputs(out), stats(out)
    again = predict(model, "--input", corpus, "--output", out, "--part_documents", 3)
    assert (again["units_done"], again["units_skipped"]) == (0, 5)
    assert stats(out) == before  # not rewritten: same inodes, same mtimes
    # a unit whose output went missing is redone, and only it
    (out / "a.part0002.pubtator").unlink()
    third = predict(model, "--input", corpus, "--output", out, "--part_documents", 3)
    assert (third["units_done"], third["units_skipped"]) == (1, 4)
    assert outputs(out) == first
    assert {k: v for k, v in stats(out).items() if k != "a.part0002.pubtator"} == {
        k: v for k, v in before.items() if k != "a.part0002.pubtator"}
    # an input that changed since is tagged again
    (corpus / "c.txt").write_text("Obesity in mice.\nIL-2 in p53 mice.\nNo tumour.\n", encoding="utf-8")
    fourth = predict(model, "--input", corpus, "--output", out, "--part_documents", 3)
    assert (fourth["units_done"], fourth["units_skipped"]) == (1, 4)
    assert json.loads((out / "c.jsonl").read_text(encoding="utf-8").splitlines()[0])["text"] == "Obesity in mice."


def test_other_model_or_options_are_refused(model, corpus, tmp_path, tiny_bert, capsys):
    out = tmp_path / "tagged"
    predict(model, "--input", corpus, "--output", out)
    with pytest.raises(SystemExit):
        predict(model, "--input", corpus, "--output", out, "--max_seq_length", 64)
    assert "--max_seq_length 128 then, --max_seq_length 64 now" in capsys.readouterr().err
    other = make_head(tiny_bert, tmp_path / "other", UNTYPED, seed=9)
    with pytest.raises(SystemExit):
        predict(other, "--input", corpus, "--output", out)
    assert f"holds output tagged with other settings (model {model} then, model {other} now" in capsys.readouterr().err


def torchrun(*args, processes=2):
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", str(processes),
               "run_predict.py", *map(str, args), "--disable_tqdm", "--device", "cpu", "--num_threads", "1"]
    result = subprocess.run(command, cwd=REPO, capture_output=True, text=True, timeout=600,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})
    assert result.returncode == 0, result.stderr[-3000:]
    return result


def test_two_processes_give_the_output_of_one(model, corpus, tmp_path):
    one, ranks, shards = tmp_path / "one", tmp_path / "ranks", tmp_path / "shards"
    predict(model, "--input", corpus, "--output", one, "--part_documents", 3)
    torchrun("--model_name_or_path", model, "--input", corpus, "--output", ranks, "--part_documents", 3)
    first = predict(model, "--input", corpus, "--output", shards, "--part_documents", 3, "--shard", "0/2")
    second = predict(model, "--input", corpus, "--output", shards, "--part_documents", 3, "--shard", "1/2")
    assert first["units_done"] > 0 and second["units_done"] > 0
    assert first["units_done"] + second["units_done"] == 5
    assert outputs(one) == outputs(ranks) == outputs(shards)
    for folder in (ranks, shards):
        assert [(u["input_name"], u["part"]) for u in manifest(folder)] == [
            (u["input_name"], u["part"]) for u in manifest(one)]


def test_shares_of_units_are_disjoint_and_cover_all():
    workers = [Worker(rank, 3) for rank in range(3)]
    for file_index in range(4):
        for part in range(5):
            assert sum(worker.owns(file_index, part) for worker in workers) == 1
    # the parts of one big file go round the processes: one file is shared too
    assert [next(w.rank for w in workers if w.owns(0, part)) for part in range(4)] == [0, 1, 2, 0]
    assert parse_shard("1/4") == (1, 4)
    for bad in ("4/4", "1", "a/b", "-1/2"):
        with pytest.raises(Exception, match="--shard"):
            parse_shard(bad)


def test_kill_and_rerun_gives_the_clean_output(model, tmp_path):
    """kill -9 while units are being tagged; the rerun finishes the rest, touching no finished unit."""
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for index in range(6):
        (corpus / f"f{index}.pubtator").write_text(pubtator_text(range(index * 60, index * 60 + 60)), encoding="utf-8")
    clean, killed = tmp_path / "clean", tmp_path / "killed"
    predict(model, "--input", corpus, "--output", clean, "--part_documents", 30)
    command = [sys.executable, "run_predict.py", "--model_name_or_path", str(model), "--input", str(corpus),
               "--output", str(killed), "--part_documents", "30", "--disable_tqdm", "--device", "cpu", "--num_threads", "1"]
    process = subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "OMP_NUM_THREADS": "1"})
    for line in process.stderr:
        if "unit done" in line:
            process.send_signal(signal.SIGKILL)
            break
    process.wait(timeout=300)
    process.stderr.close()
    finished = outputs(killed)
    assert 0 < len(finished) < 12, "the run was not stopped while it worked"
    before = stats(killed)
    rerun = predict(model, "--input", corpus, "--output", killed, "--part_documents", 30)
    assert rerun["units_skipped"] == len(finished) and rerun["units_done"] == 12 - len(finished)
    assert outputs(killed) == outputs(clean)
    assert {name: stats(killed)[name] for name in before} == before
    assert not any((killed / ".gerbera-predict" / "writing").iterdir())
    assert len(manifest(killed)) == 12


def test_malformed_document_stops_the_run_and_keeps_finished_units(model, corpus, tmp_path, capsys):
    (corpus / "z.pubtator").write_text("1|t|A title\n1|x|not a passage\n", encoding="utf-8")
    out = tmp_path / "tagged"
    with pytest.raises(SystemExit):
        predict(model, "--input", corpus, "--output", out, "--part_documents", 3)
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert error.startswith("error: ") and "z.pubtator:2" in error
    assert sorted(outputs(out)) == EXPECTED_NAMES  # the units before it are finished and kept
    assert len(manifest(out)) == 5


def test_help_names_no_default_model_and_gives_every_default(capsys):
    with pytest.raises(SystemExit):
        run_predict.main(["--help"])
    help_text = capsys.readouterr().out
    assert "embedded" not in help_text and "MiniLM" not in help_text
    with pytest.raises(SystemExit):
        run_predict.main(["--input", "x", "--output", "y"])
    assert "--model_name_or_path" in capsys.readouterr().err
    options = help_text.split("options:", 1)[1]
    flags = [line.split()[0].rstrip(",") for line in options.splitlines() if line.startswith("  --")]
    assert len(flags) >= 18
    for flag in flags:
        block = options.split(f"\n  {flag}", 1)[1].split("\n  --", 1)[0]
        if flag in ("--version", "--input", "--output", "--model_name_or_path"):
            continue
        assert "default" in " ".join(block.split()).lower(), f"{flag} does not say its default"
        assert " ".join(block.split()).count("(default") <= 1, f"{flag} says its default twice"


def test_skip_bad_documents_lists_them_in_the_manifest_and_goes_on(model, tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    good = pubtator_text(range(4)).split("\n\n")
    bad = "77|t|A title\n77|x|not a passage line"
    (corpus / "a.pubtator").write_text("\n\n".join([*good[:2], bad, *good[2:]]), encoding="utf-8")
    out = tmp_path / "tagged"
    summary = predict(model, "--input", corpus, "--output", out, "--part_documents", 2, "--skip_bad_documents")
    assert (summary["documents"], summary["bad_documents_skipped"], summary["units_done"]) == (4, 1, 2)
    units = manifest(out)
    assert [u["documents"] for u in units] == [2, 2]
    skipped = [s for u in units for s in u["skipped_documents"]]
    assert len(skipped) == 1 and skipped[0]["file"] == str(corpus / "a.pubtator") and skipped[0]["line"] == 8
    assert skipped[0]["id"] == "77"
    assert "a.pubtator:8" in skipped[0]["reason"]
    tagged_ids = [line.split("|")[0] for text in outputs(out).values() for line in text.decode().splitlines()
                  if "|t|" in line]
    assert tagged_ids == ["1000", "1001", "1002", "1003"]


def bioc_xml(numbers) -> str:
    documents = []
    for n in numbers:
        title, body = abstract(n)
        documents.append(
            f"<document><id>{1000 + n}</id>"
            f'<passage><infon key="type">title</infon><offset>0</offset><text>{title}</text></passage>'
            f'<passage><infon key="type">abstract</infon><offset>{len(title) + 1}</offset><text>{body}</text></passage>'
            "</document>")
    return ("<?xml version='1.0' encoding='utf-8'?>\n<!DOCTYPE collection SYSTEM 'BioC.dtd'>\n"
            f"<collection><source>test</source><date>2026</date><key>test.key</key>{''.join(documents)}</collection>\n")


def bioc_json(numbers) -> str:
    documents = []
    for n in numbers:
        title, body = abstract(n)
        passages = [{"offset": offset, "infons": {"type": kind}, "text": text, "sentences": [], "annotations": [],
                     "relations": []} for offset, kind, text in ((0, "title", title), (len(title) + 1, "abstract", body))]
        documents.append({"id": str(1000 + n), "infons": {}, "passages": passages, "annotations": [], "relations": []})
    return json.dumps({"source": "test", "date": "2026", "key": "test.key", "infons": {}, "documents": documents})


def entities_by_document(folder: Path) -> dict[str, list]:
    found = {}
    for content in outputs(folder).values():
        for line in content.decode("utf-8").splitlines():
            record = json.loads(line)
            found[record["id"]] = [(e["start"], e["end"], e["text"], e["type"]) for e in record["entities"]]
    return found


def test_the_same_documents_as_bioc_and_pubtator_give_the_same_entities(model, tmp_path):
    import gzip

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "p.pubtator").write_text(pubtator_text(range(0, 3)), encoding="utf-8")
    (corpus / "x.xml").write_text(bioc_xml(range(3, 6)), encoding="utf-8")
    (corpus / "j.json").write_text(bioc_json(range(6, 9)), encoding="utf-8")
    (corpus / "z.pubtator.gz").write_bytes(gzip.compress(pubtator_text(range(9, 11)).encode("utf-8")))
    mixed, pubtator = tmp_path / "mixed", tmp_path / "pubtator"
    summary = predict(model, "--input", corpus, "--output", mixed, "--output_format", "jsonl")
    assert (summary["units_done"], summary["documents"]) == (4, 11)
    assert sorted(outputs(mixed)) == ["j.jsonl", "p.jsonl", "x.jsonl", "z.jsonl"]
    assert {u["input_name"]: u["input_format"] for u in manifest(mixed)} == {
        "j.json": "bioc-json", "p.pubtator": "pubtator", "x.xml": "bioc-xml", "z.pubtator.gz": "pubtator"}
    same = tmp_path / "same.pubtator"
    same.write_text(pubtator_text(range(11)), encoding="utf-8")
    predict(model, "--input", same, "--output", f"{pubtator}/", "--output_format", "jsonl")  # a folder: ends with /
    expected = entities_by_document(pubtator)
    assert entities_by_document(mixed) == expected and sum(map(len, expected.values())) > 0


def test_prefetching_on_a_worker_thread_gives_the_same_results(model):
    """The overlap a GPU uses (next chunks prepared on a worker thread), run on the CPU."""
    import threading

    from gerbera.errors import GerberaError
    from gerbera.tagging.documents import InputDocument
    from gerbera.tagging.tagger import Tagger

    tagger = Tagger.load(str(model), max_seq_length=16, batch_size=4, device="cpu")
    documents = [InputDocument(str(n), " ".join(abstract(n))) for n in range(12)]
    plain = [(t.document.id, t.entities, t.tags) for t in tagger.tag_documents(documents, chunk_words=30, prefetch=False)]
    threads = set()

    def watched():
        for document in documents:
            threads.add(threading.current_thread().name)
            yield document

    ahead = [(t.document.id, t.entities, t.tags) for t in tagger.tag_documents(watched(), chunk_words=30, prefetch=True)]
    assert ahead == plain and threads == {"gerbera-prefetch"}

    def broken():
        yield from documents[:5]
        raise GerberaError("bad.pubtator:9: a malformed document")

    tagged = []
    with pytest.raises(GerberaError, match="bad.pubtator:9"):
        for item in tagger.tag_documents(broken(), chunk_words=30, prefetch=True):
            tagged.append(item.document.id)
    assert tagged == ["0", "1", "2", "3"]  # the chunks before the error (of 30 words each) came through
    assert not any(t.name == "gerbera-prefetch" for t in threading.enumerate())


def test_a_chunk_holds_many_batches_so_sorting_leaves_little_padding(model):
    """By default a chunk gathers about 64 batches of sentences (at ~25 words a sentence) before the
    forward pass: sorted by length across the chunk, its batches carry little padding. Chunks of
    5,000 words (7 batches of 32 abstract sentences) padded 23% of the cells, and run_predict ran
    at 0.76x the bare forward pass (bench/predict_speed.py)."""
    from gerbera.tagging.documents import InputDocument
    from gerbera.tagging.tagger import Tagger

    tagger = Tagger.load(str(model), max_seq_length=16, batch_size=4, device="cpu")
    documents = [InputDocument(str(n), " ".join(abstract(n))) for n in range(240)]  # ~6,000 words, ~720 sentences
    sizes = []
    run = tagger.run
    tagger.run = lambda prepared: sizes.append(len(prepared["batches"])) or run(prepared)
    tagged = list(tagger.tag_documents(documents))
    assert [t.document.id for t in tagged] == [d.id for d in documents]
    assert len(sizes) == 1 and sizes[0] >= 64  # one chunk of 64 batches and more, not two of 5,000 words


def medline_xml(numbers) -> str:
    citations = []
    for n in numbers:
        title, body = abstract(n)
        citations.append(f"<PubmedArticle><MedlineCitation><PMID>{1000 + n}</PMID><Article><ArticleTitle>{title}"
                         f"</ArticleTitle><Abstract><AbstractText>{body}</AbstractText></Abstract></Article>"
                         "</MedlineCitation></PubmedArticle>\n")
    return f"<?xml version='1.0' encoding='utf-8'?>\n<PubmedArticleSet>\n{''.join(citations)}</PubmedArticleSet>\n"


def test_a_folder_of_every_format_gives_each_its_own_output_format(model, tmp_path):
    import gzip

    from gerbera.documents.formats import iter_documents

    corpus = tmp_path / "corpus"
    corpus.mkdir()
    (corpus / "p.pubtator").write_text(pubtator_text(range(0, 3)), encoding="utf-8")
    (corpus / "x.xml").write_text(bioc_xml(range(3, 6)), encoding="utf-8")
    (corpus / "j.json").write_text(bioc_json(range(6, 9)), encoding="utf-8")
    (corpus / "pubmed24n0001.xml.gz").write_bytes(gzip.compress(medline_xml(range(9, 12)).encode("utf-8")))
    (corpus / "m.xml").write_text(medline_xml(range(12, 14)), encoding="utf-8")
    out = tmp_path / "tagged"
    summary = predict(model, "--input", corpus, "--output", out)
    assert (summary["units_done"], summary["documents"]) == (5, 14)
    assert {u["input_name"]: (u["input_format"], u["output"]) for u in manifest(out)} == {
        "p.pubtator": ("pubtator", "p.pubtator"), "x.xml": ("bioc-xml", "x.xml"), "j.json": ("bioc-json", "j.json"),
        "pubmed24n0001.xml.gz": ("medline", "pubmed24n0001.pubtator"), "m.xml": ("medline", "m.pubtator")}
    # every output reads back in its format, with the model's entities at the same offsets as PubTator's
    expected = entities_by_document(predict_jsonl(model, pubtator_text(range(14)), tmp_path))
    for name, fmt in (("p.pubtator", "pubtator"), ("x.xml", "bioc-xml"), ("j.json", "bioc-json"),
                      ("pubmed24n0001.pubtator", "pubtator"), ("m.pubtator", "pubtator")):
        for document in iter_documents(str(out / name), fmt):
            found = sorted((a.start, a.end, a.mention) for a in document.annotations)
            assert found == sorted((s, e, t) for s, e, t, _ in expected[document.id]), (name, document.id)


def predict_jsonl(model, pubtator: str, tmp_path: Path) -> Path:
    source, folder = tmp_path / "all.pubtator", tmp_path / "all"
    source.write_text(pubtator, encoding="utf-8")
    predict(model, "--input", source, "--output", f"{folder}/", "--output_format", "jsonl")
    return folder


def test_the_progress_bar_total_is_estimated_from_the_bytes(tmp_path):
    import gzip

    from gerbera.tagging.progress import estimate_documents

    small, big = tmp_path / "small.pubtator", tmp_path / "big.pubtator.gz"
    small.write_text(pubtator_text(range(40)), encoding="utf-8")
    big.write_bytes(gzip.compress(pubtator_text(range(4000)).encode("utf-8")))
    assert estimate_documents(str(small), "pubtator") == 40
    assert estimate_documents(str(big), "pubtator", sample_bytes=1 << 16) == pytest.approx(4000, rel=0.1)
    (tmp_path / "m.xml").write_text(medline_xml(range(7)), encoding="utf-8")
    assert estimate_documents(str(tmp_path / "m.xml"), "medline") == 7


@pytest.mark.parametrize("stop, code", [(signal.SIGTERM, 143), (signal.SIGINT, 130)], ids=["SIGTERM", "Ctrl-C"])
def test_a_signal_while_tagging_ends_in_one_line_and_leaves_no_partial_file(model, tmp_path, stop, code):
    """kill (SIGTERM) or Ctrl-C (SIGINT) while one file is tagged: no traceback, the temporary file removed."""
    source, out = tmp_path / "big.pubtator", tmp_path / "out"
    source.write_text(pubtator_text(range(3000)), encoding="utf-8")
    out.mkdir()
    command = [sys.executable, "run_predict.py", "--model_name_or_path", str(model), "--input", str(source),
               "--output", str(out / "big.jsonl"), "--disable_tqdm", "--device", "cpu", "--num_threads", "1",
               "--batch_size", "2"]  # chunks of 5,000 words: the signal comes with 15 of the 16 chunks still to tag
    # Ctrl-C as at a terminal: a process that inherits SIGINT ignored (a test worker's, or one started with
    # nohup or in the background) rightly keeps ignoring it
    process = subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE, text=True,
                               env={**os.environ, "OMP_NUM_THREADS": "1"},
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    deadline = time.monotonic() + 300
    while not any(out.iterdir()) and process.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)  # the output's temporary file appears once tagging writes
    assert process.poll() is None, "the run ended before it could be stopped"
    process.send_signal(stop)
    stderr = process.communicate(timeout=300)[1]
    assert process.returncode == code, stderr[-2000:]
    assert "Traceback" not in stderr and f"Stopped by {stop.name}: no partial output is left" in stderr
    assert list(out.iterdir()) == []


def test_messages_go_to_the_stderr_of_each_call(model, tmp_path, monkeypatch):
    """run_predict.main called twice in one process, stderr replaced in between (as a test or a notebook
    does): the second call's messages reach the new stderr, not the first one's, now closed."""
    import io

    source = tmp_path / "in.pubtator"
    source.write_text(pubtator_text(range(2)), encoding="utf-8")
    for name in ("first", "second"):
        stream = io.StringIO()
        monkeypatch.setattr(sys, "stderr", stream)
        predict(model, "--input", source, "--output", f"{tmp_path / name}/")
        said = stream.getvalue()
        stream.close()
        assert re.search(r"2 documents, \d+ entities", said) and "Logging error" not in said, said


def test_tagging_collects_garbage_less_often_and_puts_the_collector_back(model, tmp_path, monkeypatch):
    """While run_predict tags (into a file and into a folder), the objects loaded before are frozen
    and young collections are fewer (gerbera.tagging.garbage_collection: 20% of the host arm's time
    was full collections walking torch's and the model's objects); after, the collector is as the
    caller left it, and objects the caller froze stay frozen."""
    import gc

    from gerbera.tagging.garbage_collection import YOUNG_THRESHOLD, fewer_collections
    from gerbera.tagging.tagger import Tagger

    seen = []
    tag_documents = Tagger.tag_documents

    def watched(self, *args, **kwargs):
        seen.append((gc.get_freeze_count(), gc.get_threshold()[0]))
        return tag_documents(self, *args, **kwargs)

    monkeypatch.setattr(Tagger, "tag_documents", watched)
    source = tmp_path / "in.pubtator"
    source.write_text(pubtator_text(range(2)), encoding="utf-8")
    settings = gc.get_threshold(), gc.get_freeze_count()
    predict(model, "--input", source, "--output", tmp_path / "out.pubtator")
    predict(model, "--input", source, "--output", f"{tmp_path / 'folder'}/")
    assert len(seen) == 2 and all(frozen > 0 and young >= YOUNG_THRESHOLD for frozen, young in seen), seen
    assert (gc.get_threshold(), gc.get_freeze_count()) == settings
    (tmp_path / "bad.pubtator").write_text("1|t|A title\n1|x|not a passage\n", encoding="utf-8")
    with pytest.raises(SystemExit):  # a malformed document stops the run half-way: the collector is put back all the same
        predict(model, "--input", tmp_path / "bad.pubtator", "--output", f"{tmp_path / 'failed'}/")
    assert len(seen) == 3 and (gc.get_threshold(), gc.get_freeze_count()) == settings
    gc.freeze()  # a caller's own freeze: kept, and nothing more is frozen
    try:
        frozen = gc.get_freeze_count()  # less a few as frozen objects die
        fresh = [[] for _ in range(1000)]  # objects made after it: not frozen by fewer_collections
        with fewer_collections():
            assert gc.get_freeze_count() < frozen + len(fresh)
            with fewer_collections():  # nested (or another thread's): the inner exit leaves the settings on
                pass
            assert gc.get_threshold()[0] >= YOUNG_THRESHOLD
        assert frozen - len(fresh) < gc.get_freeze_count() <= frozen and gc.get_threshold() == settings[0]
    finally:
        gc.unfreeze()
    gc.disable()  # automatic collection off stays off
    try:
        with fewer_collections():
            assert gc.get_threshold() == settings[0] and not gc.isenabled()
    finally:
        gc.enable()
