#!/usr/bin/env python
"""The whole GERBERA recipe on the demo corpora in NERdata/, with the embedded MiniLM encoder.

1. multi-task step: demo-disease + demo-news (biomedical + general domain), one shared tag head;
2. biomedical fine-tuning: demo-disease alone, starting from step 1's model;
3. cross-dataset evaluation: the fine-tuned model on demo-disease-cross.

Prints the F1 and the seconds of each step, and the total: 52 s measured on 2 quiet CPU cores with
AVX512-BF16 (training in bf16, the default there), 137 s on an earlier machine, as the README says;
a machine busy with other work takes longer. Outputs in demo_output/.
"""

import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT = REPO / "demo_output"
COMMON = ["--data_dir", "NERdata/", "--labels", "NERdata/demo-disease/labels.txt", "--max_seq_length", "128",
          "--per_device_train_batch_size", "16", "--per_device_eval_batch_size", "32", "--seed", "1",
          "--warmup_steps", "0", "--overwrite_output_dir", "--disable_tqdm", "true",
          "--logging_steps", "20"]  # a loss line every 20 steps: a busy machine's demo still shows it is alive
STEPS = [
    ("multi-task (demo-disease + demo-news)", "run_ner.py",
     ["--output_dir", str(OUT / "gerbera_model"), "--data_list", "demo-disease+demo-news", "--eval_data_list",
      "demo-disease", "--num_train_epochs", "2", "--learning_rate", "5e-5", "--do_train", "--do_eval", "--do_predict"]),
    ("fine-tuning (demo-disease)", "run_ner.py",
     ["--model_name_or_path", str(OUT / "gerbera_model"), "--output_dir", str(OUT / "gerbera_ft"), "--data_list",
      "demo-disease", "--eval_data_list", "demo-disease", "--num_train_epochs", "3", "--learning_rate", "5e-5",
      "--do_train", "--do_eval", "--do_predict"]),
    ("cross-dataset (demo-disease-cross)", "run_eval.py",
     ["--model_name_or_path", str(OUT / "gerbera_ft"), "--output_dir", str(OUT / "eval_cross"), "--eval_data_type",
      "demo-disease-cross", "--eval_data_list", "demo-disease-cross", "--do_eval", "--do_predict"]),
]


def main() -> None:
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false"}
    rows = []
    started_all = time.time()
    for title, script, args in STEPS:
        print(f"\n=== {title}: python {script} {' '.join(args)}", flush=True)
        started = time.time()
        subprocess.run([sys.executable, script, *args, *COMMON], cwd=REPO, env=env, check=True)
        results = json.loads((Path(args[args.index("--output_dir") + 1]) / "all_results.json").read_text())
        rows.append((title, results.get("eval_f1"), results.get("test_f1"), time.time() - started))
    print("\nGERBERA demo (embedded all-MiniLM-L6-v2, synthetic NERdata demo corpora)")
    print(f"{'step':40} {'devel F1':>9} {'test F1':>9} {'seconds':>8}")
    for title, devel, test, seconds in rows:
        print(f"{title:40} {devel:9.4f} {test:9.4f} {seconds:8.1f}")
    print(f"{'total':40} {'':9} {'':9} {time.time() - started_all:8.1f}")
    print(f"\nModels, predictions, results.md and model cards are in {OUT}/")


if __name__ == "__main__":
    main()
