"""run_predict.py into a folder when the inputs change between runs: one identity for an input (its
content), stale units removed, malformed documents at part boundaries, reserved output names,
the model's identity, and two processes of the same rank (issue 30 items 1, 7, 10, 11, 12, 16)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from test_predict import UNTYPED, make_head
from test_predict_corpus import manifest, outputs, predict, pubtator_text

from gerbera.tagging.corpus_inputs import expand_inputs
from gerbera.tagging.corpus_run import CorpusJob, documents_to_tag


@pytest.fixture(scope="module")
def model(tiny_bert, tmp_path_factory):
    """A random head: the tags vary from word to word."""
    return make_head(tiny_bert, tmp_path_factory.mktemp("changes-model") / "varied", UNTYPED, seed=5)


def tagged_ids(folder: Path) -> list[str]:
    """The ids of the documents in a folder's PubTator outputs, in output-name order."""
    return [line.split("|")[0] for _, text in sorted(outputs(folder).items()) for line in text.decode().splitlines()
            if "|t|" in line]


def with_annotation(number: int, owner: int) -> str:
    """Document ``1000 + number`` with one annotation line that names document ``1000 + owner``."""
    text = pubtator_text([number])
    return text[:-1] + f"{1000 + owner}\t0\t5\tStudy\tDisease\n\n"


def test_a_document_fixed_in_place_with_the_same_size_is_tagged_once(model, tmp_path, monkeypatch):
    """Issue 30 item 1: an annotation line's PMID fixed in place (1020 -> 1002: same size) and the run
    resumed after its last unit was lost: every document tagged once, none listed as skipped. The
    recorded hash is trusted while the file's times are unchanged, even just after it was written:
    the edit itself must be seen."""
    from gerbera import fingerprints

    monkeypatch.setattr(fingerprints, "RACY_NANOSECONDS", 0)
    corpus, out = tmp_path / "corpus", tmp_path / "tagged"
    corpus.mkdir()
    source = corpus / "a.pubtator"
    source.write_text(pubtator_text(range(2)) + with_annotation(2, 20) + pubtator_text(range(3, 6)), encoding="utf-8")
    first = predict(model, "--input", corpus, "--output", out, "--part_documents", 2, "--skip_bad_documents")
    assert (first["documents"], first["bad_documents_skipped"], first["units_done"]) == (5, 1, 3)
    size = source.stat().st_size
    source.write_text(pubtator_text(range(2)) + with_annotation(2, 2) + pubtator_text(range(3, 6)), encoding="utf-8")
    assert source.stat().st_size == size
    (out / "a.part0003.pubtator").unlink()  # as if the run was killed before its last unit
    again = predict(model, "--input", corpus, "--output", out, "--part_documents", 2, "--skip_bad_documents")
    assert tagged_ids(out) == [str(1000 + n) for n in range(6)]
    assert not any(unit["skipped_documents"] for unit in manifest(out))
    assert [unit["documents"] for unit in manifest(out)] == [2, 2, 2]
    assert again["inputs_changed"] == ["a.pubtator"] and again["units_done"] == 3


def test_a_shorter_input_leaves_no_stale_units_even_when_shared_by_shards(model, tmp_path):
    """Issue 30 item 12: an input cut from 8 documents (4 parts) to 4 (2 parts), then tagged by two
    --shard processes: the two parts that no longer exist are gone from the manifest and the folder."""
    corpus, out = tmp_path / "corpus", tmp_path / "tagged"
    corpus.mkdir()
    (corpus / "a.pubtator").write_text(pubtator_text(range(8)), encoding="utf-8")
    (corpus / "b.pubtator").write_text(pubtator_text(range(8, 10)), encoding="utf-8")
    predict(model, "--input", corpus, "--output", out, "--part_documents", 2)
    assert len(manifest(out)) == 5
    kept = (out / "b.pubtator").stat().st_mtime_ns
    (corpus / "a.pubtator").write_text(pubtator_text(range(4)), encoding="utf-8")
    job = CorpusJob(expand_inputs([str(corpus)], str(out)), str(out), part_documents=2)
    assert documents_to_tag(job) == 4  # the progress bar's total: the changed input's documents, not the other's
    shards = [predict(model, "--input", corpus, "--output", out, "--part_documents", 2, "--shard", f"{k}/2")
              for k in range(2)]
    assert sorted(outputs(out)) == ["a.part0001.pubtator", "a.part0002.pubtator", "b.pubtator"]
    assert [(u["input_name"], u["part"]) for u in manifest(out)] == [("a.pubtator", 1), ("a.pubtator", 2),
                                                                     ("b.pubtator", 1)]
    assert sum(s["stale_units_removed"] for s in shards) == 4 and all(s["inputs_changed"] == ["a.pubtator"]
                                                                      for s in shards)
    assert (out / "b.pubtator").stat().st_mtime_ns == kept  # an unchanged input is left alone
    assert tagged_ids(out) == [str(1000 + n) for n in (0, 1, 2, 3, 8, 9)]
    # and back to one part: the file's only output takes the whole file's name
    (corpus / "a.pubtator").write_text(pubtator_text(range(1)), encoding="utf-8")
    predict(model, "--input", corpus, "--output", out, "--part_documents", 2)
    assert sorted(outputs(out)) == ["a.pubtator", "b.pubtator"] and len(manifest(out)) == 2


def test_units_of_an_input_renamed_or_removed_are_kept_and_said(model, tmp_path, capsys):
    """An input renamed (or removed) since: its units are kept, never removed on a guess, and the run says so."""
    corpus, out = tmp_path / "corpus", tmp_path / "tagged"
    corpus.mkdir()
    (corpus / "a.pubtator").write_text(pubtator_text(range(2)), encoding="utf-8")
    (corpus / "b.pubtator").write_text(pubtator_text(range(2, 4)), encoding="utf-8")
    assert predict(model, "--input", corpus, "--output", out)["inputs_not_in_run"] == []
    (corpus / "b.pubtator").rename(corpus / "c.pubtator")
    capsys.readouterr()
    again = predict(model, "--input", corpus, "--output", out)
    assert again["inputs_not_in_run"] == ["b.pubtator"] and again["units_done"] == 1
    assert "keeps the units of 1 inputs not given this time (renamed, removed or left out): b.pubtator" in capsys.readouterr().err
    assert sorted(outputs(out)) == ["a.pubtator", "b.pubtator", "c.pubtator"]


def test_an_unchanged_input_touched_or_copied_keeps_its_units(model, tmp_path):
    """The identity is the content: a new modification time (touch, a copy) redoes nothing."""
    corpus, out = tmp_path / "corpus", tmp_path / "tagged"
    corpus.mkdir()
    source = corpus / "a.pubtator"
    source.write_text(pubtator_text(range(4)), encoding="utf-8")
    predict(model, "--input", corpus, "--output", out, "--part_documents", 2)
    os.utime(source, ns=(source.stat().st_atime_ns, source.stat().st_mtime_ns + 10**10))
    again = predict(model, "--input", corpus, "--output", out, "--part_documents", 2)
    assert (again["units_done"], again["units_skipped"], again["inputs_changed"]) == (0, 2, [])


@pytest.mark.parametrize("shards", [1, 2])
def test_a_malformed_document_after_the_last_part_boundary_is_counted(model, tmp_path, shards):
    """Issue 30 item 10: a malformed document right after a part boundary, at the end of the file, is
    listed in the last unit's record (by the process that owns it) and counted in the summary."""
    corpus, out = tmp_path / "corpus", tmp_path / "tagged"
    corpus.mkdir()
    (corpus / "a.pubtator").write_text(pubtator_text(range(4)) + "77|t|A title\n77|x|not a passage line\n\n",
                                       encoding="utf-8")
    summaries = [predict(model, "--input", corpus, "--output", out, "--part_documents", 2, "--skip_bad_documents",
                         *(("--shard", f"{k}/{shards}") if shards > 1 else ())) for k in range(shards)]
    assert sum(s["bad_documents_skipped"] for s in summaries) == 1
    units = manifest(out)
    assert [len(u["skipped_documents"]) for u in units] == [0, 1] and units[1]["skipped_documents"][0]["id"] == "77"


def test_an_input_named_manifest_does_not_replace_the_manifest(model, tmp_path):
    """Issue 30 item 11: manifest.txt is tagged into manifest.txt.jsonl; the manifest stays the run's."""
    corpus, out = tmp_path / "corpus", tmp_path / "tagged"
    corpus.mkdir()
    (corpus / "manifest.txt").write_text("Obesity in mice.\nIL-2 in p53 mice.\n", encoding="utf-8")
    (corpus / "a.pubtator").write_text(pubtator_text(range(2)), encoding="utf-8")
    predict(model, "--input", corpus, "--output", out, "--output_format", "jsonl")
    assert sorted(outputs(out)) == ["a.jsonl", "manifest.txt.jsonl"]
    assert [u["output"] for u in manifest(out)] == ["a.jsonl", "manifest.txt.jsonl"]
    again = predict(model, "--input", corpus, "--output", out, "--output_format", "jsonl")
    assert (again["units_done"], again["units_skipped"]) == (0, 2)


def test_results_written_into_the_model_folder_keep_its_identity(model, tiny_bert, tmp_path, data_dir, capsys):
    """Issue 30 item 7: run_eval.py --output_dir <model folder> does not make the model another one;
    issue 33 item 13: a refusal names the model folders and the files that differ."""
    import shutil

    import run_eval

    own = tmp_path / "model"
    shutil.copytree(model, own)
    corpus, out = tmp_path / "corpus", tmp_path / "tagged"
    corpus.mkdir()
    (corpus / "a.pubtator").write_text(pubtator_text(range(3)), encoding="utf-8")
    predict(own, "--input", corpus, "--output", out)
    before = {p.name for p in own.iterdir()}
    run_eval.main(["--model_name_or_path", str(own), "--data_dir", str(data_dir), "--eval_data_list", "bio",
                   "--output_dir", str(own), "--overwrite_output_dir", "--do_predict", "--report_to", "none"])
    assert {p.name for p in own.iterdir()} - before  # results were written beside the model
    again = predict(own, "--input", corpus, "--output", out)
    assert (again["units_done"], again["units_skipped"]) == (0, 1)
    other = make_head(tiny_bert, tmp_path / "other", UNTYPED, seed=9)
    capsys.readouterr()
    with pytest.raises(SystemExit):
        predict(other, "--input", corpus, "--output", out)
    error = capsys.readouterr().err.strip().splitlines()[-1]
    assert f"model {own} then, model {other} now: model.safetensors differ" in error, error


def start(model, corpus: Path, out: Path, *args):
    """run_predict.py in a process of its own, its stderr read line by line."""
    import subprocess
    import sys

    from conftest import REPO

    command = [sys.executable, "run_predict.py", "--model_name_or_path", str(model), "--input", str(corpus),
               "--output", str(out), "--part_documents", "40", "--disable_tqdm", "--device", "cpu",
               "--num_threads", "1", "--batch_size", "2", *args]
    return subprocess.Popen(command, cwd=REPO, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})


def wait_for_a_unit(process) -> None:
    for line in process.stderr:
        if "unit done" in line:
            return
    raise AssertionError("the first process ended before a unit was done")


def test_a_second_process_of_the_same_rank_is_refused_and_the_first_goes_on(model, tmp_path, capsys, monkeypatch):
    """Issue 30 item 16: the same --shard started twice on one folder: the second waits for the first
    (here a second), then is refused with one line; the first is not disturbed: its unit in progress
    is finished and renamed into place (before the fix the second removed it: FileNotFoundError)."""
    import signal

    from gerbera.tagging import rank_lock

    corpus, out = tmp_path / "corpus", tmp_path / "tagged"
    corpus.mkdir()
    # far more than the first process tags while the second waits, however idle the machine: it is stopped below
    (corpus / "a.pubtator").write_text(pubtator_text(range(6000)), encoding="utf-8")
    first = start(model, corpus, out, "--shard", "0/1")
    try:
        wait_for_a_unit(first)
        monkeypatch.setattr(rank_lock, "WAIT_SECONDS", 1.0)
        with pytest.raises(SystemExit):
            predict(model, "--input", corpus, "--output", out, "--part_documents", 40, "--shard", "0/1")
        error = capsys.readouterr().err.strip().splitlines()[-1]
        assert "is already tagging into it (pid" in error and f"pid {first.pid} on " in error, error
        assert first.poll() is None, "the first process had ended: nothing was checked"
        wait_for_a_unit(first)  # the unit it was writing while the second one started
        first.send_signal(signal.SIGTERM)
        stderr = first.communicate(timeout=300)[1]
    finally:
        first.kill()
    assert first.returncode == 143 and "Traceback" not in stderr, stderr[-2000:]
    done = manifest(out)
    assert len(done) >= 2 and tagged_ids(out) == [str(1000 + n) for n in range(40 * len(done))]


def test_what_a_killed_process_left_is_removed_by_the_next_one(model, tmp_path):
    """The unit in progress of a process killed with -9 is removed by the next run of its rank, and only then."""
    import signal

    corpus, out = tmp_path / "corpus", tmp_path / "tagged"
    corpus.mkdir()
    (corpus / "a.pubtator").write_text(pubtator_text(range(120)), encoding="utf-8")
    first = start(model, corpus, out)
    writing = out / ".gerbera-predict" / "writing"
    try:
        wait_for_a_unit(first)
        deadline = time.monotonic() + 120
        while not any(writing.iterdir()) and first.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)  # the next unit's file, in progress
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=60)
    finally:
        first.kill()
        first.stderr.close()
    assert [f"-{first.pid}." in p.name for p in writing.iterdir()] == [True]
    predict(model, "--input", corpus, "--output", out, "--part_documents", 40)
    assert not list(writing.iterdir()) and tagged_ids(out) == [str(1000 + n) for n in range(120)]


def test_another_ranks_file_in_progress_is_left_while_that_rank_is_held(model, tmp_path):
    """A file in progress of another rank (here held by this test, as a live process on another host
    would hold it) is left alone; once that rank is free, its owner is gone and the file is removed."""
    from gerbera.tagging.rank_lock import RankLock

    corpus, out = tmp_path / "corpus", tmp_path / "tagged"
    corpus.mkdir()
    (corpus / "a.pubtator").write_text(pubtator_text(range(2)), encoding="utf-8")
    predict(model, "--input", corpus, "--output", out, "--shard", "0/2")
    leftover = out / ".gerbera-predict" / "writing" / ".rank1-elsewhere-4242.pubtator.abcd.tmp"
    leftover.parent.mkdir(parents=True, exist_ok=True)
    leftover.write_text("half a unit", encoding="utf-8")
    other = RankLock(out / ".gerbera-predict", 1)
    assert other.try_acquire()
    try:
        predict(model, "--input", corpus, "--output", out, "--shard", "0/2")
        assert leftover.exists()
    finally:
        other.release()
    predict(model, "--input", corpus, "--output", out, "--shard", "0/2")
    assert not leftover.exists()


def test_a_process_of_the_same_rank_waits_for_one_that_is_stopping(model, tmp_path, capsys):
    """A requeued job that starts while the old one is still stopping: it waits, then goes on."""
    import threading

    from gerbera.tagging.rank_lock import RankLock

    corpus, out = tmp_path / "corpus", tmp_path / "tagged"
    corpus.mkdir()
    (corpus / "a.pubtator").write_text(pubtator_text(range(2)), encoding="utf-8")
    predict(model, "--input", corpus, "--output", out)
    old = RankLock(out / ".gerbera-predict", 0)
    assert old.try_acquire()
    threading.Timer(1.5, old.release).start()  # the old process stops
    again = predict(model, "--input", corpus, "--output", out)
    assert again["units_skipped"] == 1 and "waiting for the other process of rank 0" in capsys.readouterr().err
