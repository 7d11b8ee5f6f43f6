"""Several processes of one corpus run: the cores they share on one machine, the GPU each takes under
torchrun, a process the units leave idle, and --shard K/N under torchrun (issues 30 and 33)."""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time

import pytest
import torch
from conftest import REPO
from test_predict import UNTYPED, make_head
from test_predict_corpus import manifest, outputs, predict, pubtator_text

import run_predict
from gerbera.commands import run_predict as predict_command
from gerbera.tagging import core_share
from gerbera.tagging.core_share import CoreShare
from gerbera.tagging.sharding import Worker


@pytest.fixture(scope="module")
def model(tiny_bert, tmp_path_factory):
    """A random head: the tags vary from word to word."""
    return make_head(tiny_bert, tmp_path_factory.mktemp("corpus-model") / "varied", UNTYPED, seed=5)

@pytest.fixture
def threads_restored():
    before = torch.get_num_threads()
    yield
    torch.set_num_threads(before)


@pytest.fixture
def peer():
    """A live process on this machine (another shard of the run, as far as the register can tell)."""
    process = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    time.sleep(0.2)
    yield process
    process.kill()
    process.wait()


def register(folder, pid: int, cores, host: str | None = None, started: str | None = "auto", name: str = "") -> None:
    record = {"host": host or socket.gethostname(), "pid": pid, "cores": sorted(cores),
              "started": core_share._start_time(pid) if started == "auto" else started}
    path = folder / ".gerbera-predict" / "processes" / f"{record['host']}-{pid}{name}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(record), encoding="utf-8")


def test_processes_of_a_run_on_one_machine_share_its_cores(tmp_path, peer, monkeypatch, threads_restored):
    monkeypatch.setattr(core_share, "available_cores", lambda: set(range(8)))
    register(tmp_path, peer.pid, range(8))  # a live shard on these cores: counted
    register(tmp_path, peer.pid + 100000, range(8), started="1")  # a shard that died: left out, its file removed
    register(tmp_path, peer.pid, range(8), started="1", name="-earlier")  # died, and its id was given to another
    register(tmp_path, peer.pid, range(8), host="another-node")  # on another machine: left out
    with CoreShare(str(tmp_path)) as share:
        assert share.processes() == 2
        share.apply()
        assert share.threads == torch.get_num_threads() == 4
        assert sorted(path.name for path in (tmp_path / ".gerbera-predict" / "processes").iterdir()) == sorted(
            [share.mine.name, f"{socket.gethostname()}-{peer.pid}.json", f"another-node-{peer.pid}.json"])
    assert not share.mine.exists()  # left on exit
    with CoreShare(str(tmp_path), known=4) as share:  # torchrun's LOCAL_WORLD_SIZE: a floor on the count
        assert share.processes() == 4
    register(tmp_path, peer.pid, range(8, 16))  # a Slurm task of its own cores: not sharing ours
    with CoreShare(str(tmp_path)) as share:
        assert share.processes() == 1


def test_a_shard_takes_its_share_of_the_cores_unless_num_threads_is_given(model, tmp_path, peer, monkeypatch,
                                                                           capsys, threads_restored):
    (tmp_path / "a.pubtator").write_text(pubtator_text(range(4)), encoding="utf-8")
    out = tmp_path / "tagged"
    monkeypatch.setattr(core_share, "available_cores", lambda: {0, 1, 2, 3})
    register(out, peer.pid, {0, 1, 2, 3})  # shard 1/2 is running on this machine
    torch.set_num_threads(1)
    predict(model, "--input", tmp_path / "a.pubtator", "--output", f"{out}/", "--part_documents", 1, "--shard", "0/2")
    assert torch.get_num_threads() == 2
    assert "2 processes of this run on this machine, 4 cores: 2 torch threads each (--num_threads" in capsys.readouterr().err
    assert [path.name for path in (out / ".gerbera-predict" / "processes").iterdir()] == [f"{socket.gethostname()}-{peer.pid}.json"]
    torch.set_num_threads(1)
    predict(model, "--input", tmp_path / "a.pubtator", "--output", f"{tmp_path}/given/", "--shard", "0/2",
            "--num_threads", "3")
    assert torch.get_num_threads() == 3


def test_a_process_left_without_a_unit_is_told_so_with_the_flag_to_use(model, tmp_path, capsys):
    (tmp_path / "one.pubtator").write_text(pubtator_text(range(6)), encoding="utf-8")
    out = tmp_path / "tagged"
    summary = predict(model, "--input", tmp_path / "one.pubtator", "--output", f"{out}/", "--shard", "1/2")
    assert summary["units_done"] == 0
    log = capsys.readouterr().err
    warning = next(line for line in log.splitlines() if "has no unit to tag" in line)
    assert log.index("has no unit to tag") < log.index("Tagging 1 files")  # said before the work
    assert "process 2 of 2 has no unit to tag: 1 input file of about 6 documents" in warning
    assert "give --part_documents 3 or fewer" in warning
    predict(model, "--input", tmp_path / "one.pubtator", "--output", f"{out}/", "--shard", "0/2")
    assert "has no unit to tag" not in capsys.readouterr().err
    # the flag it names does share the file out
    summary = predict(model, "--input", tmp_path / "one.pubtator", "--output", f"{tmp_path}/cut/", "--shard", "1/2",
                      "--part_documents", 3)
    assert summary["units_done"] == 1 and "has no unit" not in capsys.readouterr().err


def test_the_idle_warning_counts_units_as_they_go_round_the_processes():
    assert Worker(1, 2).idle_warning([6], 10) is not None
    assert Worker(1, 2).idle_warning([6], 3) is None
    assert Worker(2, 3).idle_warning([5, 5], 10) is not None  # two files of one unit each, three processes
    assert Worker(2, 3).idle_warning([5, 15], 10) is None  # file 2's second part goes to process 3
    assert Worker(1, 2).idle_warning([None], 10) is None  # cannot tell: no warning
    assert "start fewer processes" in Worker(3, 4).idle_warning([2], 10)


@pytest.fixture
def gpus(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "device_count", lambda: 2)


def test_under_torchrun_a_cuda_request_without_an_index_means_the_ranks_own_gpu(gpus):
    ranks = [Worker(rank, 3, local_rank=rank, local_world=3) for rank in range(3)]
    assert [worker.device("cuda") for worker in ranks] == ["cuda:0", "cuda:1", "cuda:0"]  # round the node's GPUs
    assert [worker.device("auto") for worker in ranks] == ["cuda:0", "cuda:1", "cuda:0"]
    assert ranks[1].device("cuda:0") == "cuda:0" and ranks[1].device("cpu") == "cpu"  # an index or the CPU: as given
    assert Worker().device("cuda") == "cuda"  # one process: torch's current GPU


def test_run_predict_under_torchrun_loads_the_model_on_the_ranks_own_gpu(gpus, tmp_path, monkeypatch):
    for name, value in {"RANK": "1", "WORLD_SIZE": "2", "LOCAL_RANK": "1", "LOCAL_WORLD_SIZE": "2"}.items():
        monkeypatch.setenv(name, value)
    (tmp_path / "a.pubtator").write_text(pubtator_text(range(2)), encoding="utf-8")
    loaded_on = []

    def load(**options):
        loaded_on.append(options["device"])
        raise SystemExit(0)

    monkeypatch.setattr(predict_command.Tagger, "load", load)
    with pytest.raises(SystemExit):
        run_predict.main(["--model_name_or_path", "m", "--input", str(tmp_path / "a.pubtator"), "--output",
                          f"{tmp_path}/out/", "--device", "cuda", "--disable_tqdm", "--num_threads", "1"])
    assert loaded_on == ["cuda:1"]


def torchrun_shard(model, corpus, out, shard: str) -> subprocess.Popen:
    command = [sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2", "run_predict.py",
               "--model_name_or_path", str(model), "--input", str(corpus), "--output", str(out), "--part_documents",
               "2", "--shard", shard, "--disable_tqdm", "--device", "cpu", "--num_threads", "1"]
    return subprocess.Popen(command, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "OMP_NUM_THREADS": "1"})


@pytest.fixture
def three_files(tmp_path):
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    for index, count in enumerate((5, 2, 3)):  # 3 + 1 + 2 units of 2 documents
        (corpus / f"f{index}.pubtator").write_text(pubtator_text(range(index * 10, index * 10 + count)), encoding="utf-8")
    return corpus


def test_shards_of_ranks_tag_every_unit_once_through_the_entry_point(model, three_files, tmp_path, monkeypatch, capsys):
    """The 4 processes of 2 job-array tasks (--shard 0/2, 1/2) of 2 torchrun ranks each, one after the
    other in this process (torchrun's variables set by hand; the real thing is the slow test below)."""
    out, one = tmp_path / "four", tmp_path / "one"
    done = []
    for shard in ("0/2", "1/2"):
        for rank in (0, 1):
            for name, value in {"RANK": rank, "WORLD_SIZE": 2, "LOCAL_RANK": rank, "LOCAL_WORLD_SIZE": 2}.items():
                monkeypatch.setenv(name, str(value))
            summary = predict(model, "--input", three_files, "--output", out, "--part_documents", 2, "--shard", shard,
                              "--num_threads", "1")
            assert summary["units_done"] >= 1 and (summary["process"], summary["processes"]) == (
                int(shard[0]) * 2 + rank, 4)
            done += re.findall(r"unit done: \S+/(f\d\.pubtator) part (\d+)", capsys.readouterr().err)
    assert sorted(done) == sorted({*done}) and len(done) == 6  # each of the 6 units once, none twice
    for name in ("RANK", "WORLD_SIZE", "LOCAL_RANK", "LOCAL_WORLD_SIZE"):
        monkeypatch.delenv(name)
    predict(model, "--input", three_files, "--output", one, "--part_documents", 2)
    assert outputs(out) == outputs(one)


@pytest.mark.slow
def test_shards_of_torchrun_ranks_tag_every_unit_once(model, three_files, tmp_path):
    """2 job-array tasks (--shard 0/2, 1/2) of 2 torchrun ranks each: 4 processes, every unit tagged once
    (about 20 s on 2 quiet cores, a minute on busy ones)."""
    corpus = three_files
    out, one = tmp_path / "four", tmp_path / "one"
    running = [torchrun_shard(model, corpus, out, shard) for shard in ("0/2", "1/2")]
    logs = [process.communicate(timeout=600)[1] for process in running]
    assert [process.returncode for process in running] == [0, 0], "\n".join(log[-3000:] for log in logs)
    done = re.findall(r"unit done: \S+/(f\d\.pubtator) part (\d+)", "".join(logs))
    assert sorted(done) == sorted({*done}) and len(done) == 6  # each of the 6 units once, none twice
    per_process = dict(re.findall(r"Process (\d) of 4: (\d+) units done", "".join(logs)))
    assert sorted(per_process) == ["1", "2", "3", "4"] and all(int(n) >= 1 for n in per_process.values())
    predict(model, "--input", corpus, "--output", one, "--part_documents", 2)
    assert outputs(out) == outputs(one)
    assert [(u["input_name"], u["part"]) for u in manifest(out)] == [(u["input_name"], u["part"]) for u in manifest(one)]
