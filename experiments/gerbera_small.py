#!/usr/bin/env python
"""GERBERA's claim at small scale, on 2 CPU cores with the embedded MiniLM encoder.

For NCBI-disease training sets of several sizes (seeded subsets) and several seeds:
  (a) single-task: fine-tune on NCBI-disease alone;
  (b) GERBERA: multi-task on NCBI-disease + a fraction of CoNLL2003 (one shared tag head), then
      fine-tune on NCBI-disease;
  (c) once per size, GERBERA with the original code's domain head (--head domain);
  (d) single-task with random training order instead of the default length-grouped batches:
      does the faster sampler cost accuracy over whole runs?
Both arms make the same number of passes over the NCBI-disease sentences: (a) trains
MT_EPOCHS + FT_EPOCHS epochs, (b) MT_EPOCHS epochs of the mixture then FT_EPOCHS epochs.
Every model is scored on NCBI-disease test and, across datasets, on BC5CDR-disease test.

Writes docs/EXPERIMENTS.md (table, commands, full-scale commands) and docs/gerbera_small.png.
Each run's outputs stay in --work_dir; a finished run is not repeated, so the script can be
stopped and started again.

This script made the report in docs/EXPERIMENTS.md, with its extra arms (random order, domain head).
For any corpus, with paired confidence intervals, the bootstrap comparison of the median-seed pair and
the exact command of every run, use `python -m gerbera.experiment` (docs/comparing.md: "Both recipes on your
corpus").
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RANDOM_ORDER_ARM = "single-task, random order"
ARMS = ("single-task", RANDOM_ORDER_ARM, "GERBERA", "GERBERA domain head")
NOTES_MARKER = "<!-- Notes below this line are kept when the script rewrites the report. -->"


def run(script: str, args: list[str], out: Path, log: Path) -> dict:
    if (out / "all_results.json").is_file():
        return json.loads((out / "all_results.json").read_text())
    command = [sys.executable, script, *args, "--output_dir", str(out), "--overwrite_output_dir", "--report_to", "none",
               "--disable_tqdm", "true", "--save_strategy", "no"]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    with open(log, "a", encoding="utf-8") as handle:
        handle.write("\n$ " + " ".join(command) + "\n")
        handle.flush()
        subprocess.run(command, cwd=REPO, env=env, check=True, stdout=handle, stderr=subprocess.STDOUT)
    return json.loads((out / "all_results.json").read_text())


def train_args(data_dir: str, data_list: str, epochs: float, seed: int, lr: float, extra=()) -> list[str]:
    return ["run_ner.py", "--data_dir", data_dir, "--labels", f"{data_dir}/NCBI-disease/labels.txt", "--data_list", data_list,
            "--eval_data_list", "NCBI-disease", "--num_train_epochs", str(epochs), "--learning_rate", str(lr),
            "--per_device_train_batch_size", "16", "--per_device_eval_batch_size", "64", "--max_seq_length", "128",
            "--warmup_steps", "0", "--seed", str(seed), "--data_seed", "1", *extra]


def experiment(config: dict, out: Path, log: Path, sizes, seeds, domain_once: bool, random_order_seeds: int, on_row=None) -> list[dict]:
    data = config["data_dir"]
    rows = []
    for size in sizes:
        ncbi = "NCBI-disease" if size == 1.0 else f"NCBI-disease:{size}"
        for seed in seeds:
            mixture = f"{ncbi}+CoNLL2003:{config['conll_fraction'][str(size)]}"
            arms = [("single-task", None, [])]
            if seed in seeds[:random_order_seeds]:
                arms.append((RANDOM_ORDER_ARM, None, ["--train_sampling_strategy", "random"]))
            arms.append(("GERBERA", mixture, []))
            if domain_once and seed == seeds[0]:
                arms.append(("GERBERA domain head", mixture, ["--head", "domain"]))
            for arm, mixture, extra in arms:
                name = f"size{size}_seed{seed}_{arm.replace(' ', '-').replace(',', '')}"
                if mixture is None:
                    script, *args = train_args(data, ncbi, config["mt_epochs"] + config["ft_epochs"], seed, config["lr"], extra)
                    final = out / name
                    results = run(script, [*args, "--do_train", "--do_predict"], final, log)
                    seconds = results["train_runtime"]
                else:
                    script, *args = train_args(data, mixture, config["mt_epochs"], seed, config["lr"], extra)
                    multitask = run(script, [*args, "--do_train"], out / f"{name}_multitask", log)
                    script, *args = train_args(data, ncbi, config["ft_epochs"], seed, config["lr"])
                    args[args.index("--labels")] = "--model_name_or_path"
                    args[args.index(f"{data}/NCBI-disease/labels.txt")] = str(out / f"{name}_multitask")
                    final = out / name
                    results = run(script, [*args, "--do_train", "--do_predict"], final, log)
                    seconds = multitask["train_runtime"] + results["train_runtime"]
                cross = run("run_eval.py", ["--model_name_or_path", str(final), "--data_dir", data, "--eval_data_list",
                                            "BC5CDR-disease", "--eval_data_type", "BC5CDR-disease", "--do_predict",
                                            "--per_device_eval_batch_size", "64"], out / f"{name}_cross", log)
                rows.append({"size": size, "seed": seed, "arm": arm, "test_f1": results["test_f1"],
                             "cross_f1": cross["test_f1"], "train_sentences": results.get("train_sentences"),
                             "train_seconds": round(seconds)})
                print(json.dumps(rows[-1]), flush=True)
                if on_row is not None:
                    on_row(rows)
    return rows


def summarise(rows: list[dict]) -> list[dict]:
    table = []
    for size in sorted({r["size"] for r in rows}):
        for arm in ARMS:
            chosen = [r for r in rows if r["size"] == size and r["arm"] == arm]
            if not chosen:
                continue
            f1 = [r["test_f1"] for r in chosen]
            cross = [r["cross_f1"] for r in chosen]
            table.append({
                "size": size, "arm": arm, "runs": len(chosen),
                "f1_mean": statistics.mean(f1), "f1_sd": statistics.stdev(f1) if len(f1) > 1 else 0.0,
                "cross_mean": statistics.mean(cross), "cross_sd": statistics.stdev(cross) if len(cross) > 1 else 0.0,
            })
    return table


def differences(rows: list[dict]) -> list[str]:
    """Per size: each arm minus single-task, seed by seed (the same seed gives both arms the same
    NCBI-disease subset, head initialisation and data order where they can be the same)."""
    lines = ["Test F1 of each method minus single-task at the same size and seed (paired by seed), "
             "in F1 points (F1 x 100).", "",
             "| NCBI-disease train | method | seeds | per seed | mean | sd |", "|---|---|---|---|---|---|"]
    for size in sorted({r["size"] for r in rows}):
        base = {r["seed"]: r["test_f1"] for r in rows if r["size"] == size and r["arm"] == "single-task"}
        for arm in ARMS[1:]:
            deltas = [r["test_f1"] - base[r["seed"]] for r in rows
                      if r["size"] == size and r["arm"] == arm and r["seed"] in base]
            if deltas:
                sd = f"{100 * statistics.stdev(deltas):.2f}" if len(deltas) > 1 else "-"
                lines.append(f"| {100 * size:g}% | {arm} | {len(deltas)} | "
                             f"{', '.join(f'{100 * d:+.2f}' for d in deltas)} | {100 * statistics.mean(deltas):+.2f} | {sd} |")
    return lines


def plot(table: list[dict], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, axis = plt.subplots(figsize=(6, 4), dpi=100)
    for arm, marker in zip(ARMS, "oxs^"):
        points = [t for t in table if t["arm"] == arm]
        if points:
            axis.errorbar([100 * t["size"] for t in points], [t["f1_mean"] for t in points],
                          yerr=[t["f1_sd"] for t in points], marker=marker, capsize=4, label=arm)
    axis.set_xscale("log")
    axis.set_xlabel("NCBI-disease training sentences used (%)")
    axis.set_ylabel("NCBI-disease test span F1")
    axis.set_title("all-MiniLM-L6-v2 on 2 CPU cores: mean ± sd over seeds")
    axis.legend()
    figure.tight_layout()
    figure.savefig(path)


def write_report(config: dict, rows: list[dict], table: list[dict], path: Path, wall: float) -> None:
    lines = [
        "# GERBERA at small scale",
        "",
        "Generated by `python experiments/gerbera_small.py` "
        f"({time.strftime('%Y-%m-%d')}, {os.cpu_count()} CPU cores, embedded all-MiniLM-L6-v2, "
        f"wall time {wall / 60:.0f} min for the runs not already cached).",
        "",
        "Setup: NCBI-disease train subsets (seeded with `--data_seed 1`, the same subset for every seed), "
        f"CoNLL2003 fractions {config['conll_fraction']} (about as many sentences as the NCBI subset), "
        f"learning rate {config['lr']}, batch 16, max_seq_length 128. Single-task trains "
        f"{config['mt_epochs'] + config['ft_epochs']} epochs on NCBI-disease; GERBERA trains {config['mt_epochs']} "
        f"epochs on the mixture and then {config['ft_epochs']} on NCBI-disease: the same number of passes over "
        "the NCBI-disease sentences. Scores: seqeval span F1 on NCBI-disease test and, across datasets, on "
        "BC5CDR-disease test (untyped B/I/O).",
        "",
        "| NCBI-disease train | method | runs | test F1 (mean ± sd) | BC5CDR-disease test F1 (mean ± sd) |",
        "|---|---|---|---|---|",
    ]
    for t in table:
        lines.append(f"| {100 * t['size']:g}% | {t['arm']} | {t['runs']} | {t['f1_mean']:.4f} ± {t['f1_sd']:.4f} | "
                     f"{t['cross_mean']:.4f} ± {t['cross_sd']:.4f} |")
    lines += ["", "![F1 by training-set size](gerbera_small.png)", "", "## Differences", "", *differences(rows), "",
              "## Every run", "",
              "| size | seed | method | test F1 | BC5CDR F1 | NCBI train sentences | training seconds |", "|---|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {100 * r['size']:g}% | {r['seed']} | {r['arm']} | {r['test_f1']:.4f} | {r['cross_f1']:.4f} | "
                     f"{r['train_sentences']} | {r['train_seconds']} |")
    lines += ["", "## Commands", "", "```", "python experiments/gerbera_small.py " + " ".join(config["argv"]), "```", "",
              "runs, for each size S, seed N and fraction C:", "", "```",
              "# (a) single-task", "python run_ner.py --data_dir DATA --labels DATA/NCBI-disease/labels.txt "
              f"--data_list NCBI-disease:S --num_train_epochs {config['mt_epochs'] + config['ft_epochs']} --seed N --data_seed 1 "
              f"--learning_rate {config['lr']} --do_train --do_predict --output_dir single",
              "# (b) GERBERA", "python run_ner.py --data_dir DATA --labels DATA/NCBI-disease/labels.txt "
              f"--data_list NCBI-disease:S+CoNLL2003:C --num_train_epochs {config['mt_epochs']} --seed N --data_seed 1 "
              f"--learning_rate {config['lr']} --do_train --output_dir mt",
              "python run_ner.py --model_name_or_path mt --data_dir DATA --data_list NCBI-disease:S "
              f"--num_train_epochs {config['ft_epochs']} --seed N --data_seed 1 --learning_rate {config['lr']} "
              "--do_train --do_predict --output_dir ft",
              "# (d) single-task, random order: (a) with --train_sampling_strategy random",
              "# cross-dataset", "python run_eval.py --model_name_or_path ft --data_dir DATA "
              "--eval_data_list BC5CDR-disease --do_predict --output_dir cross", "```", "",
              "## At full scale (GPU, RoBERTa-large-PM-M3, the paper's settings)", "", "```",
              "python run_ner.py --model_name_or_path ./RoBERTa-large-PM-M3-Voc-hf --data_dir NERdata/ "
              "--labels NERdata/NCBI-disease/labels.txt --data_list NCBI-disease+CoNLL2003 --eval_data_list NCBI-disease "
              "--num_train_epochs 20 --learning_rate 3e-5 --per_device_train_batch_size 16 --seed 1 "
              "--do_train --do_eval --do_predict --output_dir gerbera_model",
              "python run_ner.py --model_name_or_path ./gerbera_model --data_dir NERdata/ --data_list NCBI-disease "
              "--eval_data_list NCBI-disease --num_train_epochs 10 --learning_rate 3e-5 --per_device_train_batch_size 16 "
              "--seed 1 --do_train --do_eval --do_predict --output_dir gerbera_ft",
              "# the single-task baseline: no multi-task step; 30 epochs = the 20 + 10 passes over NCBI-disease above",
              "python run_ner.py --model_name_or_path ./RoBERTa-large-PM-M3-Voc-hf --data_dir NERdata/ "
              "--labels NERdata/NCBI-disease/labels.txt --data_list NCBI-disease --eval_data_list NCBI-disease "
              "--num_train_epochs 30 --learning_rate 3e-5 --per_device_train_batch_size 16 --seed 1 "
              "--do_train --do_eval --do_predict --output_dir single_task",
              "# small-data regime: NCBI-disease:0.1 in both --data_list values, several --seed values",
              "```", "", NOTES_MARKER, ""]
    notes = ""
    if path.is_file() and NOTES_MARKER in path.read_text(encoding="utf-8"):
        notes = path.read_text(encoding="utf-8").split(NOTES_MARKER, 1)[1].lstrip("\n")
    path.write_text("\n".join(lines) + "\n" + notes, encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--data_dir", default=str(REPO.parent / "shared" / "NERdata"))
    parser.add_argument("--sizes", type=float, nargs="+", default=[0.1, 1.0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--mt_epochs", type=float, default=2)
    parser.add_argument("--ft_epochs", type=float, default=2)
    parser.add_argument("--lr", type=float, default=1e-4)
    parser.add_argument("--conll_fraction_small", type=float, default=0.04, help="CoNLL2003 share with 10%% NCBI (~560 sentences)")
    parser.add_argument("--conll_fraction_full", type=float, default=0.4, help="CoNLL2003 share with all of NCBI (~5600)")
    parser.add_argument("--no_domain_head", action="store_true", help="skip the --head domain run (one seed a size)")
    parser.add_argument("--random_order_seeds", type=int, default=3,
                        help="for how many of the seeds (the first ones) to add single-task with random training "
                        "order, the sampler check; 0 skips it")
    parser.add_argument("--work_dir", default=str(REPO / "experiments" / "runs"))
    parser.add_argument("--report", default=str(REPO / "docs" / "EXPERIMENTS.md"))
    args = parser.parse_args()
    config = {"data_dir": args.data_dir, "mt_epochs": args.mt_epochs, "ft_epochs": args.ft_epochs, "lr": args.lr,
              "conll_fraction": {str(s): (args.conll_fraction_full if s == 1.0 else args.conll_fraction_small) for s in args.sizes},
              "argv": sys.argv[1:]}
    work = Path(args.work_dir)
    work.mkdir(parents=True, exist_ok=True)
    started = time.time()
    report = Path(args.report)
    report.parent.mkdir(parents=True, exist_ok=True)

    def report_so_far(rows: list[dict]) -> None:  # rewritten after every run: a stopped script leaves a report
        table = summarise(rows)
        plot(table, report.with_name("gerbera_small.png"))
        write_report(config, rows, table, report, time.time() - started)
        (work / "rows.json").write_text(json.dumps(rows, indent=1))

    experiment(config, work, work / "log.txt", args.sizes, args.seeds, not args.no_domain_head, args.random_order_seeds,
               on_row=report_so_far)
    print(f"wrote {report}")


if __name__ == "__main__":
    main()
