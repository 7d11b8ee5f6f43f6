"""Reportable runs: run record, model card, results table, learning curves, reproduction."""

import json
from pathlib import Path

import run_eval
import run_ner

ARGS = ["--max_steps", "4", "--per_device_train_batch_size", "4", "--learning_rate", "1e-3", "--seed", "1",
        "--report_to", "none", "--disable_tqdm", "true", "--evaluate_during_training", "--logging_steps", "2",
        "--do_train", "--do_eval", "--do_predict", "--overwrite_output_dir"]


def train(model, data_dir, out, data_list="bio+news", eval_list="bio", extra=()):
    return run_ner.main(["--model_name_or_path", str(model), "--data_dir", str(data_dir), "--labels",
                         str(data_dir / "bio" / "labels.txt"), "--data_list", data_list, "--eval_data_list", eval_list,
                         "--output_dir", str(out), *ARGS, *extra])


def test_run_record_card_table_and_plot(tiny_bert, data_dir, tmp_path):
    out = tmp_path / "model"
    results = train(tiny_bert, data_dir, out)
    record = json.loads((out / "run_record.json").read_text())
    assert record["status"] == "finished" and record["wall_time_s"] > 0
    assert record["arguments"]["data_list"] == "bio+news" and record["seed"] == 1
    for key in ("python", "torch", "transformers", "datasets", "tokenizers", "devices", "toolkit_version"):
        assert record["environment"][key]
    files = {(f["dataset"], f["split"]): f for f in record["data_files"]}
    assert set(files) == {("bio", "train"), ("news", "train"), ("bio", "devel"), ("bio", "test")}
    assert files[("news", "train")]["tag_mapping"]["B-PER"] == {"B": 1}
    assert files[("news", "train")]["entities"] == {"LOC": 1, "MISC": 2, "ORG": 2, "PER": 1}
    assert record["results"]["test_f1"] == results["test_f1"]

    card = (out / "README.md").read_text()
    assert "pipeline_tag: token-classification" in card and "YIN2024104731" in card
    assert f"{results['test_f1']:.4f}" in card  # the card's metrics are all_results.json's
    all_results = json.loads((out / "all_results.json").read_text())
    assert f"| test | bio | all | {all_results['test_precision']:.4f} | {all_results['test_recall']:.4f} | {all_results['test_f1']:.4f} |" in card
    table = (out / "results.md").read_text()
    assert "| devel | bio | all |" in table and "| test | bio | all |" in table

    png = (out / "training_curves.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 1000


def test_record_hashes_follow_the_data(tiny_bert, data_dir, tmp_path):
    train(tiny_bert, data_dir, tmp_path / "a")
    path = data_dir / "bio" / "train.txt"
    path.write_text(path.read_text().replace("cancer", "carcinoma"))
    train(tiny_bert, data_dir, tmp_path / "b")

    def digests(out):
        record = json.loads((out / "run_record.json").read_text())
        return {(f["dataset"], f["split"]): f["sha256"] for f in record["data_files"]}

    a, b = digests(tmp_path / "a"), digests(tmp_path / "b")
    assert a[("bio", "train")] != b[("bio", "train")]
    assert a[("news", "train")] == b[("news", "train")]


def test_run_reproduced_from_its_record_gives_the_same_metrics(tiny_bert, data_dir, tmp_path):
    """--full_determinism: bit for bit on the same machine, a GPU's too (by default a GPU run is not)."""
    first = train(tiny_bert, data_dir, tmp_path / "first", extra=["--full_determinism"])
    assert json.loads((tmp_path / "first" / "run_record.json").read_text())["arguments"]["full_determinism"] is True
    again = run_ner.main([str(tmp_path / "first" / "run_record.json"), "--output_dir", str(tmp_path / "again")])
    for key in ("test_f1", "test_precision", "eval_f1", "train_loss"):
        assert again[key] == first[key], key
    for name in ("test_predictions.txt", "eval_predictions.txt"):
        assert (tmp_path / "again" / name).read_text() == (tmp_path / "first" / name).read_text()


def test_cross_dataset_table_for_several_datasets(tiny_bert, data_dir, tmp_path):
    train(tiny_bert, data_dir, tmp_path / "model")
    out = tmp_path / "eval"
    run_eval.main(["--model_name_or_path", str(tmp_path / "model"), "--data_dir", str(data_dir), "--eval_data_list",
                   "bio+bio2", "--output_dir", str(out), "--do_predict", "--report_to", "none"])
    table = (out / "results.md").read_text()
    for scope in ("bio+bio2", "bio", "bio2"):
        assert f"| test | {scope} | all |" in table
    assert json.loads((out / "run_record.json").read_text())["status"] == "finished"


def test_tensorboard_logs_when_asked(tiny_bert, data_dir, tmp_path):
    out = tmp_path / "tb"
    run_ner.main(["--model_name_or_path", str(tiny_bert), "--data_dir", str(data_dir), "--data_list", "bio",
                  "--output_dir", str(out), "--do_train", "--max_steps", "2", "--logging_steps", "1",
                  "--report_to", "tensorboard"])
    assert list(out.rglob("events.out.tfevents.*"))


def test_replayed_record_chooses_the_hardware_defaults_anew(tiny_bert, data_dir, tmp_path):
    """A record made on other hardware (here: a pre-Ampere GPU, which chose fp16, fused AdamW and
    2 workers) replays with what this machine chooses, whatever this machine is."""
    from gerbera.commands.arguments import parse_arguments
    from gerbera.hardware import training_defaults

    train(tiny_bert, data_dir, tmp_path / "first")
    path = tmp_path / "first" / "run_record.json"
    record = json.loads(path.read_text())
    here = training_defaults(set(), {"do_train": True})
    assert record["hardware_choices"] == here  # what this machine chose is recorded apart
    assert not any(key.endswith("_token") for key in record["arguments"])  # no masked secrets to replay
    elsewhere = {"fp16": True, "bf16": False, "tf32": False, "optim": "adamw_torch_fused", "dataloader_num_workers": 2}
    for key in record["hardware_choices"]:
        record["arguments"].pop(key)
    record["arguments"].update(elsewhere)
    record["hardware_choices"] = elsewhere
    path.write_text(json.dumps(record))
    *_, training_args = parse_arguments([str(path), "--output_dir", str(tmp_path / "again")], "test")
    assert training_args.fp16 is here.get("fp16", False)
    assert training_args.bf16 is here.get("bf16", False)
    assert training_args.dataloader_num_workers == here.get("dataloader_num_workers", 0)
    assert training_args.hardware_choices == here
    assert training_args.learning_rate == 1e-3  # the user's own flags are kept


def test_weights_follow_the_umask_and_the_card_says_what_was_trained(tiny_bert, data_dir, tmp_path):
    """model.safetensors (safetensors writes it 0600) has the permissions of every other file, in
    the run folder and its checkpoints; the card gives the steps and epochs trained, not the flags'."""
    import os
    import stat

    out = tmp_path / "model"
    previous = os.umask(0o022)
    try:
        run_ner.main(["--model_name_or_path", str(tiny_bert), "--data_dir", str(data_dir), "--data_list", "bio",
                      "--output_dir", str(out), "--do_train", "--max_steps", "3", "--save_steps", "2",
                      "--per_device_train_batch_size", "2", "--report_to", "none", "--keep_checkpoints"])
    finally:
        os.umask(previous)
    for weights in (out / "model.safetensors", out / "checkpoint-2" / "model.safetensors"):
        assert stat.S_IMODE(weights.stat().st_mode) == 0o644, weights
    assert stat.S_IMODE((out / "config.json").stat().st_mode) == 0o644
    card = (out / "README.md").read_text()
    # bio has 4 sentences: 2 steps an epoch at batch 2
    assert "**Training:** 3 optimizer steps = 1.50 epochs over the training data (--max_steps 3)" in card, card
    assert json.loads((out / "run_record.json").read_text())["trained"] == {"steps": 3, "epochs": 1.5}


def _forced_begin_tags(model_folder: Path) -> None:
    """Make a tiny model tag every sub-token B-<type>: "simple" aggregation then makes an entity of
    each sub-token (``cis``, ``##pl``, ``##atin``), "first" one of each whole word."""
    from safetensors.torch import load_file, save_file

    config = json.loads((model_folder / "config.json").read_text())
    begin = next(int(i) for i, tag in config["id2label"].items() if tag.startswith("B"))
    weights = load_file(model_folder / "model.safetensors")
    weights["classifier.bias"][begin] = 100.0
    save_file(weights, model_folder / "model.safetensors", metadata={"format": "pt"})


def test_card_commands_and_python_code_run_from_where_the_run_was_started(tiny_bert, data_dir, tmp_path, monkeypatch):
    """The card's commands keep the paths as the user gave them (relative to the folder the run was
    started in, which the card names), the run_eval.py beside the run_ner.py that was run, and
    the card's Python code, run as it stands in a child process, gives entities of whole words
    (issue 33, item 8)."""
    import ast
    import os
    import re
    import shlex
    import subprocess
    import sys

    from conftest import REPO
    from transformers import AutoTokenizer

    from gerbera.commands.arguments import parse_arguments

    start = tmp_path / "work"
    start.mkdir()
    monkeypatch.chdir(start)
    script = os.path.relpath(REPO / "run_ner.py", start)
    argv = ["--model_name_or_path", str(tiny_bert), "--data_dir", os.path.relpath(data_dir, start), "--data_list", "bio2",
            "--output_dir", "runs/pt", "--do_train", "--max_steps", "1", "--report_to", "none"]
    monkeypatch.setattr(sys, "argv", [script, *argv])
    run_ner.main(argv)
    card = Path("runs/pt/README.md").read_text()
    assert f"(`{start}`)" in card
    blocks = re.findall(r"```(\w*)\n(.*?)```", card, re.S)
    typed, replay, evaluate = (shlex.split(body.replace("\\\n", " ")) for lang, body in blocks if lang == "")
    assert typed == ["python", script, *argv]
    assert replay == ["python", script, "runs/pt/run_record.json", "--output_dir", "NEW_DIR"]
    replayed = parse_arguments(replay[2:], "test")[1].data_dir  # the record's paths resolve from any folder
    assert Path(replay[2]).is_file() and Path(replayed).resolve() == (start / argv[3]).resolve()
    assert evaluate[1] == os.path.relpath(REPO / "run_eval.py", start) and Path(evaluate[1]).is_file()
    model_args, data_args, *_ = parse_arguments(evaluate[2:], "test", "run_eval")
    assert Path(model_args.model_name_or_path, "config.json").is_file() and (Path(data_args.data_dir) / "bio").is_dir()

    toolkit_code, pipeline_code = (body for lang, body in blocks if lang == "python")
    _forced_begin_tags(Path("runs/pt"))
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PYTHONPATH": str(REPO)}
    both = ("import contextlib, io, json\nprinted = {}\n"  # one child process runs each block as it stands
            f"for name, code in (('pipeline', {pipeline_code!r}), ('toolkit', {toolkit_code!r})):\n"
            "    with contextlib.redirect_stdout(io.StringIO()) as out:\n        exec(code, {})\n"
            "    printed[name] = out.getvalue()\nprint(json.dumps(printed))\n")
    child = subprocess.run([sys.executable, "-c", both], cwd=start, env=env, capture_output=True, text=True, timeout=180)
    assert child.returncode == 0, child.stderr
    printed = json.loads(child.stdout.strip().splitlines()[-1])
    text = ast.literal_eval(re.search(r"tagger\((.*)\)\)", pipeline_code)[1])
    words = [[m.start(), m.end()] for m in re.finditer(r"\w+|[^\w\s]", text)]
    spans = [[int(a), int(b)] for a, b in re.findall(r"'start': (\d+), 'end': (\d+)", printed["pipeline"])]
    assert spans == words, (spans, words)  # every word its own entity (each starts with B), none cut
    tokenizer = AutoTokenizer.from_pretrained("runs/pt")
    assert any(len(tokenizer.tokenize(text[a:b])) > 1 for a, b in spans)  # and some are several sub-tokens
    rows = [line.split(" ", 3) for line in printed["toolkit"].strip().splitlines()]
    assert [[int(a), int(b)] for a, b, *_ in rows] == words and {t for _, _, t, _ in rows} == {"Disease"}


def test_card_starts_the_other_scripts_the_way_the_run_was_started():
    from gerbera.reporting.model_card import program

    assert program(["python3.11", "/home/u/.venv/bin/gerbera-train", "--do_train"], "run_eval") == "gerbera-eval"
    assert program(["python", "/home/u/gerbera/gerbera/commands/run_ner.py"], "run_predict") == "python -m gerbera.commands.run_predict"
    assert program(["python", "../toolkit/run_ner.py"], "run_eval") == "python ../toolkit/run_eval.py"
    assert program(["python", "my dir/run_ner.py"], "run_eval") == "python 'my dir/run_eval.py'"
    assert program(["python3", "/usr/bin/pytest", "-q"], "run_eval") is None
