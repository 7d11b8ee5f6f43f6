#!/usr/bin/env python3
"""Mutation check: plant known bugs, one at a time, in a copy of the toolkit, and see that the
fast test suite catches every one.

Each mutant below names a behaviour users rely on (the features cache, tag mapping, windows and
word alignment, per-dataset and per-type scores, entity offsets and scores, the saved label map,
the training loss and sampler, resume, multi-process evaluation, and what the README promises of
the entry scripts), a file, a snippet of that file and the bug that replaces it. For each mutant
the script writes the bug into a temporary copy of the repository (never into the checkout),
runs ``pytest -m "not slow" -x`` on the tests chosen for that mutant (or on the whole fast suite
with ``--all-tests``), and reports the mutant as

- ``caught``: a test failed (the first failing test is shown),
- ``SURVIVED``: every test passed: either a test is missing or too weak, or the mutant changes
  nothing a user can see (then remove it from the list and say why),
- ``stale``: the snippet is no longer in the file (the code changed: update the mutant).

The score is caught / (caught + survived). Usage (the machine's cores are shared: be nice)::

    nice -n 10 .venv/bin/python scripts/mutation_check.py            # every mutant, its own tests
    .venv/bin/python scripts/mutation_check.py --list                 # names, behaviours, files
    .venv/bin/python scripts/mutation_check.py --only cache-never-read --only score-is-one
    .venv/bin/python scripts/mutation_check.py --behaviour "features cache" --all-tests
    .venv/bin/python scripts/mutation_check.py --head --overlay tests/test_cli.py   # committed code, newer tests

``--head`` copies the committed tree (``git archive HEAD``) with the working tree's new files under
``tests/`` and ``scripts/`` and the ``--overlay`` files laid over it: useful while production code
is being edited in the checkout. A
baseline run of the chosen tests on the unmutated copy comes first (``--no-baseline`` skips it):
a mutant is only "caught" by tests that pass without it. ``--json FILE`` writes the outcome.

To add a mutant, choose the bug without looking at the tests (what would a plausible slip in
this code do to a user?), make ``original`` unique in its file, and give the tests that should
catch it; if it survives, write the test that catches it.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
E2E = "tests/test_experiment.py::test_experiment_runs_reports_resumes_and_reproduces"
REPORT_FILES = "tests/test_experiment.py::test_report_pages_and_commands_hold_only_this_reports_files_and_no_machine_paths"


@dataclass(frozen=True)
class Mutant:
    name: str
    behaviour: str
    file: str
    original: str
    mutated: str
    tests: tuple[str, ...]  # pytest selections (files or node ids) run for this mutant


CLI = "tests/test_cli.py"
CACHE = "tests/test_features_cache.py"
HARDWARE = "tests/test_hardware.py"
SCORES = "tests/test_scores.py"
PREDICT = "tests/test_predict.py"
OUTPUTS = "tests/test_run_predict_outputs.py"
CORPUS = "tests/test_predict_corpus.py"
MODELS = "tests/test_predict_models.py"
CHANGES = "tests/test_corpus_changes.py"
CONVERSION = "tests/test_tag_conversion.py"
WINDOWS = "tests/test_windows_and_alignment.py"
FLAGS = "tests/test_run_defaults_and_flags.py"
DOC_COMMANDS = "tests/test_docs_commands.py::test_every_documented_command_parses"
RUNTIMES = "tests/test_runtimes.py"
COMMAND_LINES = "tests/test_command_lines.py"
LOADING = "tests/test_model_loading_errors.py"
EXITS = "tests/test_exit_statuses.py"
EXPLICIT_RESUME = "tests/test_resume.py::test_explicit_resume_from_checkpoint_continues_that_checkpoint"
FORMATS = "tests/test_corpus_formats.py"
TRAINING = "tests/test_corpus_training.py"
CROSS_TYPES = "tests/test_cross_types.py"
FRESH_START = "tests/test_resume.py::test_run_that_stopped_before_its_first_checkpoint_starts_afresh"
DOCUMENTS = "tests/test_documents.py"
DOCUMENT_WRITERS = "tests/test_document_writers.py"
DOCUMENT_MODEL = "tests/test_document_model.py"
SPEED_PATHS = "tests/test_tagging_speed_paths.py"
DOCUMENT_TAGGING = "tests/test_document_tagging.py"
PROCESSES = "tests/test_corpus_processes.py"
DAMAGED = "tests/test_damaged_and_slow_inputs.py"
LIFECYCLE = "tests/test_run_lifecycle.py"
HEADS = "tests/test_corpus_heads.py"
OTHER_ARGUMENTS = "tests/test_resume.py::test_rerun_with_other_training_arguments_is_refused_by_name"
FAILED_START = "tests/test_resume.py::test_a_run_that_failed_before_training_does_not_block_its_rerun"
WEIGHTS_AND_CARD = "tests/test_record.py::test_weights_follow_the_umask_and_the_card_says_what_was_trained"
RUN_FOLDER = "tests/test_run_folder.py"

MUTANTS: list[Mutant] = [
    # --- the features cache -------------------------------------------------------------------
    Mutant("cache-never-read", "features cache", "gerbera/features/split_groups.py",
           "if cache_file is not None and not overwrite_cache and os.path.exists(cache_file):",
           "if False:", (CACHE, f"{CLI}::test_features_cache_is_keyed_by_content")),
    Mutant("overwrite-cache-ignored", "features cache", "gerbera/features/split_groups.py",
           "if cache_file is not None and not overwrite_cache and os.path.exists(cache_file):",
           "if cache_file is not None and os.path.exists(cache_file):", (CACHE, f"{CLI}::test_features_cache_is_keyed_by_content")),
    Mutant("cache-key-without-tag-set", "features cache", "gerbera/features/split_groups.py",
           '"labels": self.tagset.labels if self.has_tags else None,', '"labels": None,',
           (CACHE, f"{CLI}::test_features_cache_is_keyed_by_content")),
    Mutant("cache-key-without-file-content", "features cache", "gerbera/features/split_groups.py",
           "(split.dataset, split.split, file_digest(split.path), split.fraction, split.sample_seed)",
           "(split.dataset, split.split, split.path.name, split.fraction, split.sample_seed)",
           (CACHE, f"{CLI}::test_features_cache_is_keyed_by_content")),
    Mutant("cache-key-without-sample", "features cache", "gerbera/features/split_groups.py",
           "(split.dataset, split.split, file_digest(split.path), split.fraction, split.sample_seed)",
           "(split.dataset, split.split, file_digest(split.path))", (CACHE,)),
    Mutant("cache-key-without-max-seq-length", "features cache", "gerbera/features/split_groups.py",
           '"max_seq_length": encoder.max_seq_length,', '"max_seq_length": None,',
           (CACHE, f"{CLI}::test_features_cache_is_keyed_by_content")),
    Mutant("cache-key-without-type-map", "features cache", "gerbera/features/split_groups.py",
           '            description["corpus_types"] = [sorted(self.tagset.corpus_types.items()), self.tagset.ignore_types]\n',
           "            pass\n", (CROSS_TYPES,)),
    # --- tag mapping --------------------------------------------------------------------------
    Mutant("inside-tag-of-another-type-continues", "tag mapping", "gerbera/corpora/tags.py",
           "continues = previous[0] != OUTSIDE and previous[1] == entity_type",
           "continues = previous[0] != OUTSIDE", ("tests/test_tags.py", CONVERSION)),
    Mutant("end-tag-can-be-continued", "tag mapping", "gerbera/corpora/tags.py",
           'previous = (OUTSIDE, None) if prefix in {"E", "L", "S", "U"} else current',
           "previous = current", ("tests/test_tags.py", CONVERSION)),
    Mutant("io-set-gets-begin-tags", "tag mapping", "gerbera/corpora/tags.py",
           'tags = [("I" if prefix == "B" else prefix, t) for prefix, t in tags]',
           "tags = list(tags)", ("tests/test_tags.py", CONVERSION)),
    Mutant("io-scheme-not-recognised", "tag mapping", "gerbera/corpora/tags.py",
           'elif "B" not in prefixes and "I" in prefixes:', "elif False:", ("tests/test_tags.py", CONVERSION)),
    Mutant("iobes-single-word-entity-as-begin", "tag mapping", "gerbera/corpora/tags.py",
           'result.append(("S" if ends_here else "B", entity_type))', 'result.append(("B", entity_type))',
           ("tests/test_tags.py", CONVERSION)),
    Mutant("untyped-set-keeps-types", "tag mapping", "gerbera/corpora/tags.py",
           "        if not self.typed or self.ignore_types:\n", "        if self.ignore_types:\n",
           ("tests/test_tags.py", CLI)),
    Mutant("mixed-corpora-give-typed-set", "tag mapping", "gerbera/corpora/tags.py",
           "if None in types and len(types) > 1:", "if False:", ("tests/test_tags.py", CLI)),
    Mutant("type-map-not-applied", "tag mapping", "gerbera/corpora/tags.py",
           "parsed.append((prefix_type[0], self.corpus_types.get(prefix_type[1], prefix_type[1])))",
           "parsed.append(prefix_type)", ("tests/test_tags.py", CROSS_TYPES)),
    Mutant("untyped-corpus-not-read-as-the-one-type", "tag mapping", "gerbera/corpora/tags.py",
           "        elif len(self.entity_types) == 1:", "        elif False:", ("tests/test_tags.py", CROSS_TYPES)),
    Mutant("ignore-types-keeps-predicted-types", "tag mapping", "gerbera/corpora/tags.py",
           "return self._express([parse_tag(tag) for tag in predicted]) if self.ignore_types else predicted",
           "return predicted", (CROSS_TYPES,)),
    Mutant("ignore-types-not-scored", "tag mapping", "gerbera/scoring/group_scores.py",
           'if reports and f"{prefix}_f1" not in metrics:', "if False:", (CROSS_TYPES,)),
    Mutant("offset-gold-types-not-mapped", "tag mapping", "gerbera/scoring/offset_scores.py",
           "renames.get(entity_type, entity_type) if typed", "entity_type if typed", (CROSS_TYPES,)),
    # --- windows and word alignment -------------------------------------------------------------
    Mutant("window-budget-counts-words-not-sub-tokens", "windows and word alignment", "gerbera/features/word_pieces.py",
           "            used += len(word)\n", "            used += 1\n", ("tests/test_features.py", WINDOWS, CLI)),
    Mutant("overlong-word-not-cut", "windows and word alignment", "gerbera/features/word_pieces.py",
           "word = (word or [self.unk_id])[: self.window_budget]", "word = word or [self.unk_id]",
           ("tests/test_features.py", WINDOWS, CLI)),
    Mutant("empty-word-not-unknown", "windows and word alignment", "gerbera/features/word_pieces.py",
           "word = (word or [self.unk_id])[: self.window_budget]", "word = word[: self.window_budget]",
           ("tests/test_features.py", WINDOWS, CLI)),
    Mutant("window-labels-from-sentence-start", "windows and word alignment", "gerbera/features/word_pieces.py",
           "tag_ids[i][offset : offset + len(window)]", "tag_ids[i][: len(window)]", ("tests/test_features.py", WINDOWS, CLI)),
    Mutant("window-offset-off-by-one", "windows and word alignment", "gerbera/features/word_pieces.py",
           "current, used, start = [], 0, index", "current, used, start = [], 0, index - 1",
           ("tests/test_features.py", WINDOWS, CLI)),
    Mutant("tag-on-last-sub-token", "windows and word alignment", "gerbera/features/word_pieces.py",
           "accumulate(map(len, window), initial=len(prefix)))[: len(window)]",
           "accumulate(map(len, window), initial=len(prefix) - 1))[1 : len(window) + 1]",
           ("tests/test_features.py", WINDOWS, CLI)),
    Mutant("predictions-ignore-window-offset", "windows and word alignment", "gerbera/features/word_predictions.py",
           '] + np.asarray(\n        features["word_offset"], dtype=np.int64\n    )',
           '] + 0 * np.asarray(\n        features["word_offset"], dtype=np.int64\n    )', ("tests/test_features.py", WINDOWS, CLI)),
    Mutant("prediction-file-columns-swapped", "windows and word alignment", "gerbera/features/word_predictions.py",
           'f"{w} {g} {p}\\n"', 'f"{w} {p} {g}\\n"', (CLI,)),
    # --- per-dataset and per-type scores ----------------------------------------------------------
    Mutant("each-dataset-scored-on-all-sentences", "per-dataset and per-type scores", "gerbera/scoring/group_scores.py",
           "keep = [i for i, dataset in enumerate(self.group.sentence_dataset) if dataset == name]",
           "keep = list(range(len(gold)))", (SCORES, f"{CLI}::test_several_eval_datasets_scored_together_and_each")),
    Mutant("sentence-datasets-in-wrong-order", "per-dataset and per-type scores", "gerbera/features/split_groups.py",
           "self.sentence_dataset = [split.dataset for split in self.splits for _ in split.sentences]",
           "self.sentence_dataset = [split.dataset for split in self.splits[::-1] for _ in split.sentences]",
           (SCORES, f"{CLI}::test_several_eval_datasets_scored_together_and_each")),
    Mutant("macro-instead-of-micro-average", "per-dataset and per-type scores", "gerbera/scoring/metrics.py",
           'result = {ALL: row(report["micro avg"])}', 'result = {ALL: row(report["macro avg"])}', (SCORES, CLI)),
    Mutant("no-per-type-scores", "per-dataset and per-type scores", "gerbera/scoring/metrics.py",
           'entity_types = [key for key in report if not key.endswith(" avg") and key != "_"]', "entity_types = []",
           (SCORES, CLI)),
    Mutant("precision-and-recall-swapped", "per-dataset and per-type scores", "gerbera/scoring/metrics.py",
           '"precision": float(values["precision"]),\n            "recall": float(values["recall"]),',
           '"precision": float(values["recall"]),\n            "recall": float(values["precision"]),', (SCORES, CLI)),
    Mutant("results-table-without-per-dataset-rows", "per-dataset and per-type scores", "gerbera/reporting/model_card.py",
           "        for scope, report in breakdown.items():\n",
           "        for scope, report in list(breakdown.items())[:1]:\n", (SCORES, "tests/test_record.py")),
    Mutant("card-pipeline-cuts-words", "the model card", "gerbera/reporting/model_card.py",
           'aggregation_strategy="first")', 'aggregation_strategy="simple")',
           ("tests/test_record.py::test_card_commands_and_python_code_run_from_where_the_run_was_started",)),
    Mutant("card-record-path-by-folder-name", "the model card", "gerbera/reporting/model_card.py",
           'shlex.quote(str(Path(model_path) / "run_record.json"))', 'shlex.quote(str(Path(Path(model_path).name) / "run_record.json"))',
           ("tests/test_record.py::test_card_commands_and_python_code_run_from_where_the_run_was_started",)),
    Mutant("card-commands-through-the-venv-path", "the model card", "gerbera/reporting/model_card.py",
           "    if path.name in CONSOLE_COMMANDS.values():\n", "    if False:\n",
           ("tests/test_record.py::test_card_starts_the_other_scripts_the_way_the_run_was_started",)),
    # --- entity offsets and scores -----------------------------------------------------------------
    Mutant("score-is-one", "entity offsets and scores", "gerbera/tagging/entities.py",
           "score = math.fsum(words) / len(words)", "score = 1.0", (PREDICT,)),
    Mutant("score-of-first-word", "entity offsets and scores", "gerbera/tagging/entities.py",
           "score = math.fsum(words) / len(words)", "score = float(sentence_scores[first])",
           (PREDICT,)),
    Mutant("score-of-best-word", "entity offsets and scores", "gerbera/tagging/entities.py",
           "score = math.fsum(words) / len(words)",
           "score = max(words)", (PREDICT,)),
    Mutant("probability-not-softmax", "entity offsets and scores", "gerbera/tagging/word_tagger.py",
           "probabilities = torch.softmax(logits, dim=-1)", "probabilities = torch.softmax(logits / 2, dim=-1)",
           (PREDICT,)),
    Mutant("entity-ends-at-last-word-start", "entity offsets and scores", "gerbera/tagging/entities.py",
           "start, end = sentence.tokens[first].start, sentence.tokens[last].end",
           "start, end = sentence.tokens[first].start, max(sentence.tokens[last].start, sentence.tokens[first].end)",
           (PREDICT,)),
    Mutant("tagger-swaps-begin-and-inside", "entity offsets and scores", "gerbera/tagging/word_tagger.py",
           "self.labels = np.asarray(tagset.labels, dtype=object)",
           'self.labels = np.asarray([{"B": "I", "I": "B"}.get(t, t) for t in tagset.labels], dtype=object)', (PREDICT,)),
    Mutant("pubtator-offsets-not-shifted-past-empty-title", "entity offsets and scores", "gerbera/documents/writers.py",
           'title, abstract, shift = "", text, 1', 'title, abstract, shift = "", text, 0',
           (PREDICT,)),
    Mutant("column-words-joined-without-spaces", "entity offsets and scores", "gerbera/tagging/documents.py",
           "offset += len(word) + 1", "offset += len(word)", (PREDICT,)),
    # --- several models in one run, a head per corpus (issue 32) ------------------------------------
    Mutant("models-entities-not-in-document-order", "several models and heads", "gerbera/tagging/model_set.py",
           "document.entities.sort(key=entity_order)", "document.entities.sort(key=lambda entity: entity.type)", (MODELS,)),
    Mutant("models-share-the-first-models-windows", "several models and heads", "gerbera/tagging/model_set.py",
           "for tagger, windows in zip(self.taggers.values(), prepared):",
           "for tagger, windows in zip(self.taggers.values(), [prepared[0]] * len(prepared)):", (MODELS,)),
    Mutant("one-model-output-names-its-model", "several models and heads", "gerbera/tagging/tagger.py",
           "scores, decoder, untyped, self.label)", "scores, decoder, untyped, self.label or self.name)", (MODELS,)),
    Mutant("same-type-from-two-models-allowed", "several models and heads", "gerbera/tagging/tag_layers.py",
           "            if entity_type in given:\n", "            if False:\n", (MODELS,)),
    Mutant("typed-model-name-not-reserved", "several models and heads", "gerbera/tagging/tag_layers.py",
           'if typed and model in given and given[model].split(" ")[0] != model:', "if False:", (MODELS,)),
    Mutant("tag-schemes-not-compared", "several models and heads", "gerbera/tagging/tag_layers.py",
           "if len(set(schemes.values())) > 1:", "if False:", (MODELS,)),
    Mutant("model-name-given-twice-allowed", "several models and heads", "gerbera/tagging/model_set.py",
           "        if name in specs:\n", "        if False:\n", (MODELS,)),
    Mutant("model-folder-not-checked", "several models and heads", "gerbera/tagging/model_set.py",
           "if not Path(path).is_dir() and (is_local_path(path) or Path(path).exists()):", "if False:", (MODELS,)),
    Mutant("every-head-from-the-first-heads-columns", "several models and heads", "gerbera/tagging/word_tagger.py",
           "ids = torch.stack([logits[..., columns].argmax(dim=-1) for columns in self.columns], dim=-1)",
           "ids = torch.stack([logits[..., self.columns[0]].argmax(dim=-1) for columns in self.columns], dim=-1)", (MODELS,)),
    Mutant("general-heads-always-tag", "several models and heads", "gerbera/tagging/tag_layers.py",
           "if head.general and not general:", "if False:", (MODELS,)),
    Mutant("jsonl-entity-without-its-model", "several models and heads", "gerbera/documents/writers.py",
           'record["model"] = entity.model', "pass", (MODELS,)),
    Mutant("bioc-model-infon-missing", "several models and heads", "gerbera/documents/bioc_writing.py",
           'annotation.infons["model"] = entity.model', "pass", (MODELS,)),
    Mutant("folder-settings-name-models-not-their-files", "several models and heads", "gerbera/commands/predict_model.py",
           '"models": {name: identity["model"] for', '"models": {name: name for', (MODELS,)),
    Mutant("json-extension-not-jsonl", "entity offsets and scores", "gerbera/documents/formats.py",
           'JSONL_EXTENSIONS = {".jsonl", ".json", ".ndjson"}', 'JSONL_EXTENSIONS = {".jsonl", ".ndjson"}',
           (OUTPUTS, PREDICT)),
    Mutant("txt-extension-not-pubtator", "entity offsets and scores", "gerbera/documents/formats.py",
           'PUBTATOR_EXTENSIONS = {".pubtator", ".txt"}', 'PUBTATOR_EXTENSIONS = {".pubtator"}', (OUTPUTS, PREDICT)),
    # --- the saved label map -------------------------------------------------------------------------
    Mutant("saved-id2label-reversed", "saved label map", "gerbera/models/config_keys.py",
           "    config.id2label = tagset.id2label\n", "    config.id2label = dict(enumerate(reversed(tagset.labels)))\n",
           (CLI,)),
    Mutant("labels-file-in-another-order", "saved label map", "gerbera/corpora/tags.py",
           'atomic_write(path, "".join(f"{tag}\\n" for tag in self.labels))',
           'atomic_write(path, "".join(f"{tag}\\n" for tag in sorted(self.labels, reverse=True)))', (CLI, SCORES)),
    Mutant("trained-tag-set-read-in-another-order", "saved label map", "gerbera/models/loading.py",
           "TagSet([config.id2label[i] for i in range(config.num_labels)]",
           "TagSet(sorted(config.id2label[i] for i in range(config.num_labels))", (SCORES, PREDICT)),
    Mutant("head-labels-saved-in-another-order", "saved label map", "gerbera/models/corpus_heads.py",
           "for head in heads\n    ])", "for head in reversed(heads)\n    ])", (HEADS,)),
    Mutant("head-argmax-over-all-columns", "saved label map", "gerbera/training/trainer.py",
           "logits = self.head_columns().route(logits.float(), head_ids)", "logits = logits.float()", (HEADS,)),
    # --- the training loss and sampler -----------------------------------------------------------------
    Mutant("loss-per-batch-mean", "training loss and sampler", "gerbera/training/trainer.py",
           "if model.training and not self.batch_mean_loss:", "if False:", ("tests/test_loss.py",)),
    Mutant("loss-constant-without-accumulation", "training loss and sampler", "gerbera/training/trainer.py",
           "return self._tagged_tokens_per_row * self._train_batch_size * self.args.gradient_accumulation_steps",
           "return self._tagged_tokens_per_row * self._train_batch_size", ("tests/test_loss.py",)),
    Mutant("loss-counts-ignored-tokens", "training loss and sampler", "gerbera/training/trainer.py",
           "pyarrow.compute.not_equal(flat, -100)", "pyarrow.compute.not_equal(flat, -99)", ("tests/test_loss.py",)),
    Mutant("head-loss-over-all-columns", "training loss and sampler", "gerbera/training/trainer.py",
           "logits = self.head_columns().route(logits, head_ids)", "logits = logits", (HEADS,)),
    Mutant("head-loss-to-the-wrong-head", "training loss and sampler", "gerbera/training/head_routing.py",
           "head_ids = torch.as_tensor(head_ids, device=device).reshape(-1)",
           "head_ids = (torch.as_tensor(head_ids, device=device).reshape(-1) + 1) % len(self.starts)", (HEADS,)),
    Mutant("head-loss-to-the-first-head", "training loss and sampler", "gerbera/training/trainer.py",
           "logits = self.head_columns().route(logits, head_ids)",
           "head_ids = torch.zeros_like(head_ids)\n            logits = self.head_columns().route(logits, head_ids)", (HEADS,)),
    Mutant("head-ids-dropped-by-the-trainer", "training loss and sampler", "gerbera/training/trainer.py",
           "if HEAD_IDS not in self._signature_columns:", "if False:", (HEADS, "tests/test_corpus_heads_runs.py")),
    Mutant("batches-not-shuffled", "training loss and sampler", "gerbera/training/sampling.py",
           "middle = [int(i) + 1 for i in torch.randperm(full - 1, generator=generator)] if full > 1 else []",
           "middle = list(range(1, full))", ("tests/test_sampler.py",)),
    Mutant("sampler-ignores-epoch", "training loss and sampler", "gerbera/training/sampling.py",
           "generator.manual_seed(self.seed + self.epoch)", "generator.manual_seed(self.seed)", ("tests/test_sampler.py",)),
    Mutant("last-short-batch-dropped", "training loss and sampler", "gerbera/training/sampling.py",
           "order = [0, *middle, *range(max(full, 1), len(batches))]", "order = [0, *middle]",
           ("tests/test_sampler.py",)),
    Mutant("length-grouping-never-used", "training loss and sampler", "gerbera/training/trainer.py",
           'if self.args.train_sampling_strategy == "group_by_length" and "length" in dataset.column_names:',
           "if False:", (FLAGS, "tests/test_sampler.py")),
    Mutant("data-seed-ignored", "training loss and sampler", "gerbera/training/sampling.py",
           "return training_args.data_seed if training_args.data_seed is not None else training_args.seed",
           "return training_args.seed", (FLAGS, "tests/test_mixing.py")),
    # --- resume ---------------------------------------------------------------------------------------
    Mutant("resume-from-oldest-checkpoint", "resume", "gerbera/commands/session.py",
           "        reverse=True,\n    )\n    for checkpoint in candidates:", "        reverse=False,\n    )\n    for checkpoint in candidates:",
           ("tests/test_resume.py::test_a_checkpoint_killed_while_its_state_was_written_is_skipped",)),
    Mutant("resume-from-cut-short-checkpoint", "resume", "gerbera/commands/session.py",
           'if _whole_json(checkpoint / "trainer_state.json"):', "if True:",
           ("tests/test_resume.py::test_a_checkpoint_killed_while_its_state_was_written_is_skipped",)),
    Mutant("explicit-resume-ignored", "resume", "gerbera/commands/session.py",
           "for entry in path.iterdir()):\n        return resume_from_checkpoint\n",
           "for entry in path.iterdir()):\n        return None\n", (EXPLICIT_RESUME,)),
    Mutant("unfinished-run-without-checkpoint-refused", "resume", "gerbera/commands/session.py",
           "    if unfinished:\n        logger.info(", "    if False:\n        logger.info(", (FRESH_START,)),
    Mutant("finished-run-resumed", "resume", "gerbera/commands/session.py",
           "    if not overwrite and finished_run(path, record):", "    if False:",
           (f"{RUN_FOLDER}::test_rerun_of_a_finished_run_is_refused_and_keeps_its_results",)),
    Mutant("finished-run-without-record-resumed", "resume", "gerbera/commands/output_folder.py",
           '    return any((path / name).is_file() for name in ("all_results.json",', "    return False and any((path / name).is_file() for name in (\"all_results.json\",",
           (f"{RUN_FOLDER}::test_a_finished_run_of_an_older_toolkit_is_refused_and_an_unfinished_one_resumed",)),
    Mutant("record-paths-relative-to-the-working-directory", "resume", "gerbera/reporting/record.py",
           "        return None if path is None else in_record(path, self.path.parent)", "        return path",
           (f"{RUN_FOLDER}::test_a_copy_of_a_run_folder_resumes_only_its_own_checkpoint",)),
    Mutant("recorded-arguments-relative-to-the-working-directory", "run record and log", "gerbera/reporting/record.py",
           "    return arguments_in_record(values, training_args.output_dir)", "    return values",
           (f"{RUN_FOLDER}::test_a_record_replays_from_any_working_directory",)),
    Mutant("replayed-paths-read-from-the-working-directory", "run record and log", "gerbera/reporting/record_paths.py",
           "    if record.get(PATHS_KEY) != PATHS_RULE:\n        return arguments",
           "    if True:\n        return arguments", (f"{RUN_FOLDER}::test_a_record_replays_from_any_working_directory",)),
    Mutant("finished-run-keeps-its-checkpoints", "run lifecycle", "gerbera/commands/run_ner.py",
           "            record.checkpoints_removed(drop_checkpoints(Path(training_args.output_dir)))", "            pass",
           (f"{RUN_FOLDER}::test_a_finished_run_removes_its_checkpoints_unless_asked_to_keep_them",)),
    Mutant("save-total-limit-checkpoints-removed", "run lifecycle", "gerbera/commands/run_ner.py",
           '    return original_flags.keep_checkpoints or "save_total_limit" in', "    return original_flags.keep_checkpoints or None in",
           (f"{RUN_FOLDER}::test_a_finished_run_removes_its_checkpoints_unless_asked_to_keep_them",)),
    Mutant("resumed-epoch-replays-first-batches", "resume", "gerbera/training/sampling.py",
           "    def set_epoch(self, epoch: int) -> None:\n        self.epoch = epoch\n",
           "    def set_epoch(self, epoch: int) -> None:\n        self.epoch = 0\n", ("tests/test_sampler.py",)),
    # --- multi-process evaluation ------------------------------------------------------------------------
    # (A sequential sampler on every process is no bug: accelerate shards whatever sampler it gets.)
    Mutant("evaluation-sharded-twice", "multi-process evaluation", "gerbera/training/trainer.py",
           "        return None  # accelerate shards in order and gathers each example once",
           "        from torch.utils.data.distributed import DistributedSampler\n"
           "        return DistributedSampler(eval_dataset, shuffle=False)",
           ("tests/test_distributed.py",)),
    # --- what the README promises of the entry scripts ------------------------------------------------
    Mutant("run-record-written-only-at-the-end", "run record and log", "gerbera/reporting/record.py",
           '            self.data["heads"] = [as_dict(head) for head in heads]\n        self._write()\n',
           '            self.data["heads"] = [as_dict(head) for head in heads]\n', (FRESH_START,)),
    Mutant("no-data-summary-in-the-log", "run record and log", "gerbera/reporting/data_summary.py",
           'logger.info("Data:\\n%s", describe(group, encoder))', "pass", (FLAGS,)),
    Mutant("default-eval-list-is-every-training-dataset", "entry-script flags", "gerbera/commands/run_ner.py",
           "or [name for name, _ in train_specs[:1]]", "or [name for name, _ in train_specs]", (FLAGS,)),
    Mutant("evaluation-strategy-ignored", "entry-script flags", "gerbera/commands/original_flags.py",
           'if values.get("evaluation_strategy") and "eval_strategy" not in given:', "if False:", (FLAGS,)),
    Mutant("group-by-length-flag-ignored", "entry-script flags", "gerbera/commands/original_flags.py",
           '    if values.get("group_by_length"):\n        values["train_sampling_strategy"] = "group_by_length"\n',
           "", (FLAGS,)),
    # a flag renamed in a parser: the documented commands that use it no longer parse (issue 33, item 14)
    Mutant("documented-flag-renamed-in-run-ner", "documented commands", "gerbera/commands/arguments.py",
           "    eval_data_type: str | None = field(", "    eval_dataset_type: str | None = field(", (DOC_COMMANDS,)),
    Mutant("documented-flag-renamed-in-experiment", "documented commands", "gerbera/commands/experiment.py",
           'parser.add_argument("--general_fraction",', 'parser.add_argument("--general_share",', (DOC_COMMANDS,)),
    Mutant("training-curve-of-one-point", "entry-script flags", "gerbera/commands/arguments.py",
           '        values["logging_steps"] = LOGGING_SHARE\n', "", (FLAGS + "::test_the_training_curve_has_points_without_logging_steps",)),
    Mutant("evaluations-follow-the-logging-share", "entry-script flags", "gerbera/commands/arguments.py",
           '            values["eval_steps"] = TRAINER_LOGGING_STEPS\n', "            pass\n",
           (FLAGS + "::test_the_training_curve_has_points_without_logging_steps",)),
    # --- the same answers on every machine, clusters (issue 15) ----------------------------------------
    Mutant("two-runs-share-an-output-dir", "run lifecycle", "gerbera/commands/run_ner.py",
           "with one_run_at_a_time(training_args.output_dir, enabled=training_args.process_index == 0):",
           "with one_run_at_a_time(training_args.output_dir, enabled=False):",
           ("tests/test_run_lifecycle.py::test_a_second_run_into_the_folder_of_a_run_going_on_is_refused",)),
    Mutant("arguments-file-typo-exits-as-a-failure", "exit statuses", "gerbera/commands/arguments.py",
           'raise UsageError(f"{argv[0]}: unknown arguments:', 'raise GerberaError(f"{argv[0]}: unknown arguments:',
           ("tests/test_exit_statuses.py::test_unknown_keys_of_an_arguments_file_are_a_usage_error",)),
    Mutant("scoring-under-training-autocast", "scoring precision", "gerbera/training/trainer.py",
           "        with scoring_precision(model, self.scoring_precision, self.args.device):\n            return super().prediction_step(",
           "        if True:\n            return super().prediction_step(", (HARDWARE,)),
    Mutant("scoring-keeps-tf32", "scoring precision", "gerbera/hardware.py",
           '            if device_type == "cuda":\n                stack.enter_context(_without_tf32())',
           "            pass", (HARDWARE,)),
    # --- fast settings and their certificates (issue 31) ----------------------------------------------
    Mutant("certificate-of-another-model-used", "fast settings and certificates", "gerbera/runtimes/certificates.py",
           '    if certificate.get("model") != identity:', "    if False:", (RUNTIMES,)),
    Mutant("certificate-of-another-machine-used", "fast settings and certificates", "gerbera/runtimes/certificates.py",
           '    if certificate.get("machine_key") != machine_key(machine_kind(device)):', "    if False:", (RUNTIMES,)),
    Mutant("certificate-interval-ignored", "fast settings and certificates", "gerbera/runtimes/certificates.py",
           "and 100 * low >= -max_f1_loss", 'and 100 * result["f1_difference"] >= -max_f1_loss', (RUNTIMES,)),
    Mutant("auto-chooses-a-setting-this-process-cannot-run", "fast settings and certificates",
           "gerbera/runtimes/certificates.py",
           "elif _holds(result, max_f1_loss) and runnable(setting) and", "elif _holds(result, max_f1_loss) and", (RUNTIMES,)),
    Mutant("int8-weights-per-tensor", "fast settings and certificates", "gerbera/runtimes/settings.py",
           "from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic",
           "from torch.ao.quantization import default_dynamic_qconfig as per_channel_dynamic_qconfig, quantize_dynamic",
           (RUNTIMES,)),
    Mutant("int8-tag-head-quantized", "fast settings and certificates", "gerbera/runtimes/settings.py",
           'and prefix and name.startswith(prefix + ".")', "", (RUNTIMES,)),
    Mutant("auto-takes-a-setting-certified-in-another-form", "fast settings and certificates",
           "gerbera/runtimes/certificates.py",
           '    if result.get("form") != setting_form(setting):\n', "    if False:\n",
           (RUNTIMES, "tests/test_certificate_seams.py")),
    Mutant("damaged-certificate-file-read-unguarded", "fast settings and certificates", "gerbera/runtimes/certificates.py",
           "    except (OSError, ValueError) as error:", "    except OSError as error:", ("tests/test_certificate_seams.py",)),
    Mutant("damaged-certificate-result-used", "fast settings and certificates", "gerbera/runtimes/certificates.py",
           "    if not all(_number(result.get(key)) for key in NUMBERS) or not (interval == (None, None) or all(",
           "    if False and not all(_number(result.get(key)) for key in NUMBERS) or not (interval == (None, None) or all(",
           ("tests/test_certificate_seams.py",)),
    Mutant("auto-keeps-quiet-about-settings-passed-over", "fast settings and certificates",
           "gerbera/runtimes/certificates.py", '    not_used = f"; not used: {\', \'.join(passed_over)}" if passed_over else ""',
           '    not_used = ""', ("tests/test_certificate_seams.py",)),
    Mutant("int8-quantizes-a-model-of-unknown-layout", "fast settings and certificates", "gerbera/runtimes/settings.py",
           "        if not encoder:\n            raise GerberaError(", "        if False:\n            raise GerberaError(",
           ("tests/test_certificate_seams.py",)),
    Mutant("certify-stops-at-a-setting-the-model-cannot-run", "fast settings and certificates", "gerbera/commands/certify.py",
           "    errors.update(failed)\n", "    errors.update(failed)\n    assert not failed\n", ("tests/test_certificate_seams.py",)),
    Mutant("certificate-replaced-silently", "fast settings and certificates", "gerbera/commands/certify.py",
           "    _warn_of_dropped_settings(path, results)\n", "", ("tests/test_certificate_seams.py",)),
    Mutant("tolerance-not-checked", "fast settings and certificates", "gerbera/commands/run_predict.py",
           '    if not 0 <= model_args.max_f1_loss < float("inf"):  # nan too', "    if False:",
           ("tests/test_certificate_seams.py",)),
    Mutant("certificate-names-no-form", "fast settings and certificates", "gerbera/commands/certify.py",
           '"form": setting_form(setting), "f1"', '"f1"', (RUNTIMES,)),
    Mutant("partial-certificate-written", "fast settings and certificates", "gerbera/commands/certify.py",
           "    tags, seconds, errors = _tag_in_turns(taggers, words, args.rounds)\n",
           "    certificate_path(args.model_name_or_path, device).parent.mkdir(parents=True, exist_ok=True)\n"
           "    certificate_path(args.model_name_or_path, device).write_text('{}')\n"
           "    tags, seconds, errors = _tag_in_turns(taggers, words, args.rounds)\n", (RUNTIMES,)),
    Mutant("export-leaves-the-model-training", "fast settings and certificates", "gerbera/runtimes/onnx_export.py",
           '    wrapper = _Logits(model.float(), input_names).eval()\n    try:\n        with _temporary(path) as temporary, warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():\n            warnings.simplefilter("ignore")\n            try:\n                torch.onnx.export(wrapper, tuple(example[name] for name in input_names), temporary,\n                                  input_names=input_names, output_names=["logits"], dynamic_axes=axes,\n                                  opset_version=17, dynamo=False)\n            except Exception as error:  # any operator or module the exporter cannot write\n                reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__\n                raise GerberaError(f"this model cannot be exported to ONNX ({type(error).__name__}: {reason[:200]})") from None\n    finally:\n        model.train(was_training)\n',
           '    wrapper = _Logits(model.float(), input_names)\n    try:\n        with _temporary(path) as temporary, warnings.catch_warnings(), torch.inference_mode(False), torch.no_grad():\n            warnings.simplefilter("ignore")\n            try:\n                torch.onnx.export(wrapper, tuple(example[name] for name in input_names), temporary,\n                                  input_names=input_names, output_names=["logits"], dynamic_axes=axes,\n                                  opset_version=17, dynamo=False)\n            except Exception as error:  # any operator or module the exporter cannot write\n                reason = str(error).strip().splitlines()[0] if str(error).strip() else type(error).__name__\n                raise GerberaError(f"this model cannot be exported to ONNX ({type(error).__name__}: {reason[:200]})") from None\n    finally:\n        pass\n',
           (RUNTIMES,)),
    Mutant("certificate-of-a-model-that-finds-nothing", "fast settings and certificates", "gerbera/commands/certify.py",
           "    if not base_counts[:, 0].sum():", "    if False:", (RUNTIMES,)),
    Mutant("killed-export-left-forever", "fast settings and certificates", "gerbera/runtimes/onnx_export.py",
           "                    left.unlink()", "                    pass", (RUNTIMES,)),
    Mutant("stale-export-served", "fast settings and certificates", "gerbera/runtimes/onnx_export.py",
           'return toolkit_cache_dir("exports") / re.sub(r"[^A-Za-z0-9_.-]", "_", identity)',
           'return toolkit_cache_dir("exports") / "model"', (RUNTIMES,)),
    Mutant("onnx-int8-per-tensor-activations", "fast settings and certificates", "gerbera/runtimes/int8_form.py",
           "    quantizer.process()\n    quantizer.model.save_model_to_file(temporary, use_external_data_format=False)\n",
           "    from onnxruntime.quantization import QuantType, quantize_dynamic\n\n"
           "    quantize_dynamic(str(source), temporary, weight_type=QuantType.QInt8, per_channel=True)\n", (RUNTIMES,)),
    Mutant("int8-form-keeps-the-ffn-input-not-output", "fast settings and certificates", "gerbera/runtimes/int8_form.py",
           '"ffn_output": rows > columns,', '"ffn_output": rows < columns,', ("tests/test_int8_forms_bench.py",)),
    Mutant("onnx-int8-older-form-served", "fast settings and certificates", "gerbera/runtimes/onnx_export.py",
           'quantized = folder / f"{stem}-{form.name}.onnx"', 'quantized = folder / f"{stem}-int8-block{form.block}.onnx"',
           ("tests/test_runtimes.py::test_an_int8_export_of_another_form_is_never_served",)),
    Mutant("onnx-int8-classifier-quantized", "fast settings and certificates", "gerbera/runtimes/int8_form.py",
           '"classifier": index == len(products) - 1,', '"classifier": False,', (RUNTIMES,)),
    Mutant("gpu-check-bf16-not-measured", "fast settings and certificates", "bench/predict_gpu.py",
           "default=list(GPU_SETTINGS), choices=GPU_SETTINGS", 'default=["fp32"], choices=GPU_SETTINGS',
           ("tests/test_runtimes_gpu_bench.py",)),
    Mutant("onnx-int8-runs-the-fp32-export", "fast settings and certificates", "gerbera/runtimes/settings.py",
           'sorted(inputs), self.setting == "onnx-int8", self.device)', "sorted(inputs), False, self.device)", (RUNTIMES,)),
    Mutant("torch-int8-not-quantized", "fast settings and certificates", "gerbera/runtimes/settings.py",
           'self.model = _quantized(model) if setting == "int8" else model', "self.model = model", (RUNTIMES,)),
    Mutant("run-eval-fast-setting-runs-fp32", "fast settings and certificates", "gerbera/training/trainer.py",
           "        if self.scoring_precision not in SCORING_PRECISIONS:\n            return self._setting_step(model, inputs)\n",
           "", (RUNTIMES,)),
    Mutant("run-predict-auto-ignores-certificates", "fast settings and certificates", "gerbera/commands/predict_model.py",
           '    chosen_device, name = choose_device(device), model_args.model_name_or_path\n',
           '    if model_args.scoring_precision == "auto":\n        model_args.scoring_precision = "fp32"\n'
           '        return model_args\n    chosen_device, name = choose_device(device), model_args.model_name_or_path\n',
           (RUNTIMES,)),
    Mutant("emulated-bf16-on-pre-ampere-gpus", "hardware defaults", "gerbera/hardware.py",
           "    return torch.cuda.get_device_capability()[0] >= 8", "    return torch.cuda.is_bf16_supported()", (HARDWARE,)),
    Mutant("cpu-bf16-not-switched-off-by-flag", "hardware defaults", "gerbera/hardware.py",
           'if not given & {"bf16", "fp16"} and cpu_has_native_bf16():', "if cpu_has_native_bf16():", (HARDWARE,)),
    Mutant("replay-keeps-the-recording-machines-choices", "hardware defaults", "gerbera/commands/arguments.py",
           "        from_file = {k: v for k, v in replayed_arguments(from_file, argv[0]).items() if k not in automatic}",
           "        from_file = dict(replayed_arguments(from_file, argv[0]))", (HARDWARE, "tests/test_record.py")),
    Mutant("results-owner-only", "file modes", "gerbera/outputs.py",
           "        os.chmod(temporary, 0o666 & ~_umask())", "        pass", (HARDWARE,)),
    Mutant("preemption-stops-without-checkpoint", "preemption", "gerbera/training/preemption.py",
           "            control.should_save = True\n", "", ("tests/test_preemption.py",)),
    Mutant("preempted-run-not-resumed-by-the-same-command", "preemption", "gerbera/commands/session.py",
           "last = _checkpoint_of_unfinished_run(path, record, arguments) if training else None",
           "last = None", ("tests/test_preemption.py",)),
    Mutant("preemption-signal-kills-loader-workers", "preemption", "gerbera/training/trainer.py",
           "        loader = super().get_train_dataloader()\n        shield_workers(loader)",
           "        loader = super().get_train_dataloader()", ("tests/test_preemption.py",)),
    # --- a run ends promptly and truthfully (issues 24 and 25) ---------------------------------------
    Mutant("leftover-workers-wait-forever", "run lifecycle", "gerbera/training/loader_workers.py",
           "            _stop_leftover_workers_at_exit()\n", "", (f"{LIFECYCLE}::test_an_error_in_training_with_workers_ends_the_run_at_once",)),
    Mutant("worker-stop-interrupted-by-sigchld", "run lifecycle", "gerbera/training/loader_workers.py",
           "        signal.signal(signal.SIGCHLD, signal.SIG_DFL)", "        pass",
           (f"{LIFECYCLE}::test_an_error_in_training_with_workers_ends_the_run_at_once",)),
    Mutant("stubborn-workers-waited-for", "run lifecycle", "gerbera/training/loader_workers.py",
           "    for worker in stubborn:\n        worker.kill()\n", "",
           ("tests/test_preemption.py::test_leftover_workers_that_ignore_sigterm_are_stopped",)),
    Mutant("worker-death-by-signal-crashes-training", "run lifecycle", "gerbera/training/preemption.py",
           'named = next((s for s in PREEMPTION_SIGNALS if f"signal: {signal.strsignal(s)}" in message), None)',
           "named = None", ("tests/test_preemption.py::test_a_worker_killed_by_the_signal_stops_training_as_the_signal",)),
    Mutant("handlers-kept-after-an-error", "run lifecycle", "gerbera/training/trainer.py",
           "            if preemption is not None:\n                preemption.release()", "            pass",
           (f"{LIFECYCLE}::test_an_error_in_training_gives_the_signal_handlers_back",)),
    # (Unshielded evaluation workers are no mutant here: forked while the run holds the signals, they
    # inherit its handler; only workers started with --dataloader_multiprocessing_context spawn need it.)
    Mutant("evaluation-signal-waits-for-another-step", "run lifecycle", "gerbera/training/preemption.py",
           "        if self._holding:  # an evaluation during training", "        if False:",
           (f"{LIFECYCLE}::test_signal_during_an_evaluation_in_training_saves_after_it",)),
    Mutant("restarted-run-forgets-its-checkpoint", "run lifecycle", "gerbera/reporting/record.py",
           '            "checkpoint": resumed_from,', '            "checkpoint": None,',
           (f"{LIFECYCLE}::test_resumed_run_signalled_during_start_up_keeps_its_checkpoint",)),
    Mutant("signal-after-training-kills", "run lifecycle", "gerbera/commands/run_ner.py",
           "    with preemption.signals if preemption is not None else contextlib.nullcontext():",
           "    with contextlib.nullcontext():", (f"{LIFECYCLE}::test_signal_after_training_leaves_what_the_same_command_completes",)),
    Mutant("signal-after-training-ignored", "run lifecycle", "gerbera/commands/run_ner.py",
           "        preemption.stopped = preemption.signal_on_any_process()\n", "        pass\n",
           (f"{LIFECYCLE}::test_signal_after_training_leaves_what_the_same_command_completes",)),
    Mutant("checkpoints-not-recorded", "run lifecycle", "gerbera/reporting/record.py",
           '        self.record.checkpoint_saved(str(Path(args.output_dir) / f"checkpoint-{state.global_step}"))',
           "        pass", ("tests/test_resume.py::test_a_run_that_failed_after_a_checkpoint_is_resumed_even_with_overwrite",)),
    Mutant("resume-with-other-arguments", "run lifecycle", "gerbera/commands/session.py",
           "        if differences and not other_arguments:", "        if False:", (OTHER_ARGUMENTS,)),
    Mutant("resume-not-recorded", "run lifecycle", "gerbera/reporting/record.py",
           '            "resume_from_checkpoint": resumed_from,', '            "resume_from_checkpoint": None,', (OTHER_ARGUMENTS,)),
    Mutant("stale-results-kept", "run lifecycle", "gerbera/commands/output_folder.py",
           "        file.unlink(missing_ok=True)", "        pass", (OTHER_ARGUMENTS,)),
    Mutant("stale-offset-predictions-kept", "run lifecycle", "gerbera/outputs.py",
           'patterns += [f"{prefix}_predictions*{suffix}" for suffix in PREDICTION_SUFFIXES.values()]',
           'patterns.append(f"{prefix}_predictions*.txt")',
           (f"{TRAINING}::test_a_rerun_removes_every_prediction_file_of_the_run_before",)),
    Mutant("failed-run-blocks-its-rerun", "run lifecycle", "gerbera/commands/output_folder.py",
           'UNFINISHED = ("running", "interrupted", "failed")', 'UNFINISHED = ("running", "interrupted")',
           (FAILED_START, "tests/test_resume.py::test_a_run_that_failed_after_a_checkpoint_is_resumed_even_with_overwrite")),
    Mutant("failed-run-not-recorded", "run lifecycle", "gerbera/commands/run_eval.py",
           "        record.fail(error)\n", "        pass\n", (FAILED_START,)),
    Mutant("output-dir-file-traceback", "run lifecycle", "gerbera/commands/output_folder.py",
           "    for folder in (path, *path.parents):", "    for folder in ():",
           ("tests/test_resume.py::test_output_dir_that_is_a_file_is_a_one_line_error",)),
    Mutant("weights-owner-only", "file modes", "gerbera/training/trainer.py",
           "                follow_umask(weights)", "                pass", (WEIGHTS_AND_CARD,)),
    Mutant("skipped-pubtator-document-without-id", "malformed documents", "gerbera/documents/pubtator.py",
           "            error.document_id = current.id if current is not None", "            error.document_id = None if current is not None",
           ("tests/test_documents.py::test_a_malformed_document_names_file_and_line_or_goes_to_the_callback",
            "tests/test_predict_corpus.py::test_skip_bad_documents_lists_them_in_the_manifest_and_goes_on")),
    Mutant("skipped-bioc-document-without-id", "malformed documents", "gerbera/documents/bioc_xml.py",
           '{malformed.problem}", document_id or None)', '{malformed.problem}")',
           ("tests/test_documents.py::test_a_malformed_document_names_file_and_line_or_goes_to_the_callback",)),
    Mutant("predict-sigterm-leaves-partial-file", "run lifecycle", "gerbera/commands/interruption.py",
           "        previous = signal.signal(signal.SIGTERM, _raise_stopped)", "        previous = None",
           ("tests/test_predict_corpus.py::test_a_signal_while_tagging_ends_in_one_line_and_leaves_no_partial_file",)),
    Mutant("predict-ctrl-c-traceback", "run lifecycle", "gerbera/commands/interruption.py",
           "    except (KeyboardInterrupt, Stopped) as stop:", "    except Stopped as stop:",
           ("tests/test_predict_corpus.py::test_a_signal_while_tagging_ends_in_one_line_and_leaves_no_partial_file",)),
    Mutant("small-chunks-pad-batches", "tagging speed", "gerbera/tagging/tagger.py",
           "chunk_words or self.default_chunk_words()", "chunk_words or 5_000",
           ("tests/test_predict_corpus.py::test_a_chunk_holds_many_batches_so_sorting_leaves_little_padding",)),
    Mutant("labels-file-inside-without-begin", "malformed documents", "gerbera/corpora/tags.py",
           "        _check_every_inside_has_a_begin(path, labels, first_seen)\n", "",
           ("tests/test_tags.py::test_labels_file_errors",)),
    Mutant("experiment-report-without-precision", "experiments", "gerbera/commands/experiment.py",
           '"precision": training_precision(commands[final]),', "",
           ("tests/test_experiment.py::test_experiment_runs_reports_resumes_and_reproduces",)),
    Mutant("precision-ignores-given-flag", "experiments", "gerbera/commands/experiment_runs.py",
           "        value = choices.get(name, given)", "        value = choices.get(name)",
           ("tests/test_experiment.py::test_the_report_says_in_which_precision_the_runs_trained",)),
    Mutant("predict-logger-left-behind", "run lifecycle", "gerbera/commands/run_predict.py",
           "        logger.handlers[:] = handlers\n", "",
           ("tests/test_predict_corpus.py::test_messages_go_to_the_stderr_of_each_call",)),
    Mutant("tagging-collects-as-often", "tagging speed", "gerbera/tagging/garbage_collection.py",
           "                gc.freeze()\n", "                pass\n",
           ("tests/test_predict_corpus.py::test_tagging_collects_garbage_less_often_and_puts_the_collector_back",)),
    Mutant("collector-left-tuned", "tagging speed", "gerbera/tagging/garbage_collection.py",
           "                gc.set_threshold(*threshold)\n", "                pass\n",
           ("tests/test_predict_corpus.py::test_tagging_collects_garbage_less_often_and_puts_the_collector_back",)),
    Mutant("callers-freeze-undone", "tagging speed", "gerbera/tagging/garbage_collection.py",
           "froze = gc.get_freeze_count() == 0", "froze = True",
           ("tests/test_predict_corpus.py::test_tagging_collects_garbage_less_often_and_puts_the_collector_back",)),
    Mutant("file-mode-collects-as-often", "tagging speed", "gerbera/commands/run_predict.py",
           "        with fewer_collections(), unit_io", "        with contextlib.nullcontext(), unit_io",
           ("tests/test_predict_corpus.py::test_tagging_collects_garbage_less_often_and_puts_the_collector_back",)),
    Mutant("folder-mode-collects-as-often", "tagging speed", "gerbera/commands/run_predict.py",
           "            with fewer_collections():\n                totals", "            with contextlib.nullcontext():\n                totals",
           ("tests/test_predict_corpus.py::test_tagging_collects_garbage_less_often_and_puts_the_collector_back",)),
    Mutant("disabled-collection-turned-on", "tagging speed", "gerbera/tagging/garbage_collection.py",
           "if gc.isenabled() and threshold[0] > 0:", "if True:",
           ("tests/test_predict_corpus.py::test_tagging_collects_garbage_less_often_and_puts_the_collector_back",)),
    Mutant("inner-exit-restores-collector", "tagging speed", "gerbera/tagging/garbage_collection.py",
           "            if _active == 0:\n                threshold, froze", "            if True:\n                threshold, froze",
           ("tests/test_predict_corpus.py::test_tagging_collects_garbage_less_often_and_puts_the_collector_back",)),
    Mutant("collector-left-tuned-after-error", "tagging speed", "gerbera/tagging/garbage_collection.py",
           "    try:\n        yield\n    finally:", "    if True:\n        yield\n    if True:",
           ("tests/test_predict_corpus.py::test_tagging_collects_garbage_less_often_and_puts_the_collector_back",)),
    Mutant("pdf-read-as-bad-utf8", "malformed documents", "gerbera/documents/opening.py",
           "            if kind is not None:", "            if kind is None and False:",
           ("tests/test_documents.py::test_compressed_bytes_and_other_encodings_are_clear_errors",)),
    Mutant("converted-weights-owner-only", "file modes", "gerbera/commands/convert.py",
           "        follow_umask(weights)", "        pass",
           ("tests/test_legacy.py::test_converted_checkpoint_gives_identical_predictions",)),
    Mutant("card-reports-the-flags-not-the-training", "run lifecycle", "gerbera/reporting/model_card.py",
           "{trained_line(record)}", "{args.get('num_train_epochs')} epochs, max_steps {args.get('max_steps')}",
           (WEIGHTS_AND_CARD,)),
    Mutant("replay-forgets-choices-at-defaults", "hardware defaults", "gerbera/commands/arguments.py",
           "        chosen_in_file = set(recorded_given) & set(from_file)",
           "        chosen_in_file = {k for k, v in from_file.items() if v != defaults[k]}", (HARDWARE,)),
    Mutant("multi-process-resume-replays-epoch-0", "multi-process resume", "gerbera/training/trainer.py",
           "            epochs.sampler = sampler\n", "", ("tests/test_distributed.py",)),
    Mutant("report-only-starts-runs", "experiment", "gerbera/commands/experiment.py",
           "run_all(plan, on_row=report_so_far, start_runs=not args.report_only)",
           "run_all(plan, on_row=report_so_far, start_runs=True)",
           ("tests/test_experiment.py::test_experiment_runs_reports_resumes_and_reproduces",)),
    Mutant("report-only-keeps-unfinished-arms", "experiment", "gerbera/commands/experiment.py",
           "                    continue  # not finished (--report_only)\n", "                    pass\n",
           ("tests/test_experiment.py::test_experiment_runs_reports_resumes_and_reproduces",)),
    # --- comparison and experiment statistics, flags and paths (issues 24 and 25) ------------------------
    Mutant("degenerate-bootstrap-interval-printed", "comparison", "gerbera/scoring/comparison/significance.py",
           "    if len(counts_a) < MIN_UNITS:\n", "    if False:\n",
           ("tests/test_compare.py::test_one_document_falls_back_to_sentences_and_says_so",
            "tests/test_compare.py::test_too_few_sentences_give_no_interval_in_text_json_and_page")),
    Mutant("one-document-resampled-as-one-unit", "comparison", "gerbera/scoring/comparison/report.py",
           'unit = "document" if a.has_documents and fewest >= MIN_UNITS else "sentence"',
           'unit = "document" if a.has_documents else "sentence"',
           ("tests/test_compare.py::test_one_document_falls_back_to_sentences_and_says_so",
            "tests/test_compare.py::test_thirty_documents_are_resampled_and_fewer_are_not")),
    Mutant("type-of-one-side-eager-fallback", "comparison", "gerbera/scoring/comparison/report.py",
           "            ra, rb = report_a.get(name, zero), report_b.get(name, zero)\n",
           '            ra = report_a.get(name, {**zero, "support": report_b[name]["support"]})\n'
           '            rb = report_b.get(name, {**zero, "support": ra["support"]})\n',
           ("tests/test_compare.py::test_a_type_predicted_by_a_only",)),
    Mutant("confidence-in-percent-accepted", "comparison", "gerbera/commands/compare.py",
           "    if not 0 < args.confidence < 1:", "    if False:",
           ("tests/test_compare.py::test_numeric_flags_out_of_range_are_one_line_errors",)),
    Mutant("json-file-not-written", "comparison", "gerbera/commands/compare.py",
           "                write_json(args.json, comparison.summary)", "                pass",
           ("tests/test_compare.py::test_json_prints_or_writes_a_file",)),
    Mutant("every-seed-same-batch-order", "experiment", "gerbera/commands/experiment_runs.py",
           '"--subset_seed", str(self.subset_seed)]', '"--data_seed", str(self.subset_seed)]',
           ("tests/test_experiment.py::test_general_fraction_per_size_and_same_passes",)),
    Mutant("subset-follows-the-seed", "experiment", "gerbera/commands/run_ner.py",
           "    seed = data_args.subset_seed if data_args.subset_seed is not None else data_order_seed(training_args)",
           "    seed = data_order_seed(training_args)",
           ("tests/test_experiment.py::test_subset_seed_keeps_the_subset_while_the_seed_orders_the_batches",)),
    Mutant("train-args-checked-only-when-runs-start", "experiment", "gerbera/commands/experiment.py",
           "    check_train_args(extra, args.equal_steps)\n", "",
           ("tests/test_experiment.py::test_bad_flags_are_one_line_errors_in_the_dry_run",)),
    Mutant("max-steps-twice-with-equal-steps", "experiment", "gerbera/commands/experiment_checks.py",
           '    if equal_steps and "max_steps" in given:', "    if False:",
           ("tests/test_experiment.py::test_bad_flags_are_one_line_errors_in_the_dry_run",)),
    Mutant("datasets-not-listed", "experiment", "gerbera/commands/experiment_checks.py",
           "no dataset folder '{missing[0]}'; available: \"\n                           f\"{', '.join(available) or 'none'}\"",
           "no dataset folder '{missing[0]}'\"",
           ("tests/test_experiment.py::test_bad_flags_are_one_line_errors_in_the_dry_run",)),
    Mutant("data-folder-symlinks-resolved", "experiment", "gerbera/commands/experiment.py",
           "    data_dir = Path(args.data_dir)\n", "    data_dir = Path(args.data_dir).resolve()\n",
           ("tests/test_experiment.py::test_paths_stay_as_given",)),
    Mutant("report-holds-this-machines-paths", "experiment", "gerbera/reporting/experiment_report.py",
           'shlex.join(["python", "-m", "gerbera.experiment", *argv])',
           'shlex.join([os.path.abspath("python"), "-m", "gerbera.experiment", *argv])', (REPORT_FILES, E2E)),
    Mutant("heads-experiment-scores-every-corpus-with-the-overall-f1", "experiment", "gerbera/commands/heads_experiment.py",
           'f"test_{dataset}" if several else "test"', '"test"',
           ("tests/test_heads_experiment.py::test_each_corpus_gets_its_own_score_from_the_model_with_heads",)),
    Mutant("heads-experiment-compares-typed-with-untyped-tags", "experiment", "gerbera/reporting/heads_report.py",
           'r"(?<= )([BIES])-\\S+", r"\\1"', 'r"(?<= )([BIES])-\\S+", r"\\g<0>"',
           ("tests/test_heads_experiment.py::test_both_recipes_run_and_are_compared_per_type",)),
    Mutant("stale-page-clean-up-deletes-other-reports-pages", "experiment", "gerbera/reporting/experiment_report.py",
           '        if re.fullmatch(rf"{re.escape(path.stem)}_[0-9.e+-]+pct_seed-?[0-9]+\\.html", stale.name):',
           "        if True:", (REPORT_FILES, E2E)),
    Mutant("experiment-flag-without-help", "experiment", "gerbera/commands/experiment.py",
           ' default=1e-4, help="peak learning rate of every training run")', " default=1e-4)",
           ("tests/test_experiment.py::test_every_flag_has_help_with_its_default",)),
    # --- command lines, help and model loading (issues 24, 25) ------------------------------------
    # (allow_abbrev=True alone survives, rightly: the scan of unknown flags refuses abbreviations too; with
    # this mutant an abbreviation gets argparse's bare "unrecognized arguments", without the flag meant)
    Mutant("abbreviations-accepted", "command lines", "gerbera/commands/parsers.py",
           'argument.split("=", 1)[0] not in self._option_string_actions:',
           'not any(o.startswith(argument.split("=", 1)[0]) for o in self._option_string_actions):', (COMMAND_LINES,)),
    Mutant("unknown-flag-without-closest-name", "command lines", "gerbera/commands/parsers.py",
           'hint = f" (did you mean {\' or \'.join(close)}?)" if close else ""', 'hint = ""', (COMMAND_LINES,)),
    Mutant("error-after-the-usage", "command lines", "gerbera/commands/parsers.py",
           'print(f"{self.prog}: error: {message}', 'self.print_usage(sys.stderr)\n        print(f"{self.prog}: error: {message}',
           (COMMAND_LINES,)),
    Mutant("nothing-asked-runs", "command lines", "gerbera/commands/arguments.py",
           "    check_something_asked(values, command)\n", "", (COMMAND_LINES,)),
    Mutant("console-command-exits-with-the-results", "exit statuses", "gerbera/commands/run_predict.py",
           "    return exit_status(main)", "    return main()", (EXITS + "::test_installed_commands_exit_0_1_2_without_a_dict_on_stderr",)),
    Mutant("bad-input-exits-as-a-usage-error", "exit statuses", "gerbera/commands/exits.py",
           "raise SystemExit(USAGE if isinstance(error, UsageError) else FAILED)", "raise SystemExit(USAGE)",
           (EXITS + "::test_installed_commands_exit_0_1_2_without_a_dict_on_stderr",)),
    Mutant("flag-value-exits-as-a-failure", "exit statuses", "gerbera/commands/run_predict.py",
           'raise UsageError(f"--part_documents', 'raise GerberaError(f"--part_documents',
           (EXITS + "::test_installed_commands_exit_0_1_2_without_a_dict_on_stderr",)),
    Mutant("run-eval-help-lists-training-flags", "help texts", "gerbera/commands/command_flags.py",
           "action.help = argparse.SUPPRESS", "pass", (COMMAND_LINES,)),
    Mutant("action-flags-keep-generic-help", "help texts", "gerbera/commands/command_flags.py",
           "            action.help = helps[action.dest]", "            pass", (COMMAND_LINES,)),
    Mutant("fast-path-help-claims-on", "help texts", "gerbera/commands/arguments.py",
           "if FAST_PATH_ON_BY_DEFAULT", "if True", (COMMAND_LINES,)),
    Mutant("tokenizer-not-the-models-loads", "model loading", "gerbera/models/loading.py",
           "    check_tokenizer_fits(tokenizer, config, name)\n", "", (LOADING,)),
    Mutant("mistyped-local-path-asks-the-hub", "model loading", "gerbera/models/loading.py",
           "    if is_local_path(name) and not os.path.exists(name):", "    if False:",
           (LOADING + "::test_a_mistyped_local_path_fails_at_once_without_asking_the_hub",)),
    Mutant("damaged-weights-traceback", "model loading", "gerbera/models/weights.py",
           "        except SafetensorError as error:", "        except KeyError as error:", (LOADING,)),
    Mutant("unknown-words-not-warned", "model loading", "gerbera/reporting/data_summary.py",
           "            warn_if_words_unknown(encoder, [s.words for s in split.sentences], str(split.path))", "            pass",
           (LOADING,)),
    Mutant("unknown-word-counts-partly-known", "model loading", "gerbera/features/word_pieces.py",
           "all(piece == encoder.unk_id for piece in word)", "any(piece == encoder.unk_id for piece in word[:0])", (LOADING,)),
    Mutant("load-report-shown", "log noise", "gerbera/models/weights.py",
           'if "LOAD REPORT" in str(record.msg):', 'if False:', (LOADING,)),
    Mutant("library-warnings-shown", "log noise", "gerbera/commands/arguments.py",
           "    silence_known_noise()\n", "", (LOADING,)),
    Mutant("tag-set-error-without-advice", "tag set", "gerbera/corpora/tags.py",
           'from {self.source}: {self._advice(raw_tags[offset])}"', 'from {self.source}"', (LOADING,)),
    Mutant("inspection-sub-tokens-once-for-all", "inspection", "gerbera/reporting/data_summary.py",
           "per_sentence, windows = sub_tokens[0][start:end], sub_tokens[1][start:end]",
           "per_sentence, windows = sub_tokens", (LOADING,)),
    Mutant("inspection-untyped-as-dash", "inspection", "gerbera/reporting/data_summary.py",
           'return f"{counts[UNTYPED]} (untyped)"', 'return f"- {counts[UNTYPED]}"', (LOADING,)),
    Mutant("inspection-flag-without-help", "help texts", "gerbera/commands/inspect_data.py",
           'choices=["train", "devel", "test"],\n                        help="which file of each dataset to read (default: train)")',
           'choices=["train", "devel", "test"])', (COMMAND_LINES,)),
    Mutant("console-commands-not-installed", "set-up", "Makefile",
           "\t$(PY) -m pip install -qq --no-deps --no-build-isolation -e .\n", "",
           ("tests/test_install.py",)),
    # --- the layout rules (issue 18) -------------------------------------------------------------------
    # --- corpus tagging: units, resume, processes, malformed documents (issue 22) -------------------
    Mutant("missing-output-counts-as-finished", "corpus tagging", "gerbera/tagging/manifest.py",
           'if not output.is_file() or output.stat().st_size != record.get("output_bytes"):', "if False:",
           (f"{CORPUS}::test_rerun_skips_finished_units_and_redoes_the_rest",)),
    Mutant("every-process-owns-every-unit", "corpus tagging", "gerbera/tagging/sharding.py",
           "return (file_index + part_index) % self.world == self.rank", "return True",
           (f"{CORPUS}::test_two_processes_give_the_output_of_one", f"{CORPUS}::test_shares_of_units_are_disjoint_and_cover_all")),
    Mutant("shares-by-file-only", "corpus tagging", "gerbera/tagging/sharding.py",
           "return (file_index + part_index) % self.world == self.rank", "return file_index % self.world == self.rank",
           (f"{CORPUS}::test_shares_of_units_are_disjoint_and_cover_all",)),
    Mutant("shard-ignores-the-ranks", "corpus tagging", "gerbera/tagging/sharding.py",
           "rank=shard_index * world + rank", "rank=shard_index + rank",
           (f"{PROCESSES}::test_shards_of_ranks_tag_every_unit_once_through_the_entry_point",)),
    Mutant("torchrun-cuda-all-on-gpu-0", "corpus tagging", "gerbera/tagging/sharding.py",
           'if requested not in ("auto", "cuda") or self.local_world == 1:',
           'if requested not in ("auto",) or self.local_world == 1:',
           (f"{PROCESSES}::test_under_torchrun_a_cuda_request_without_an_index_means_the_ranks_own_gpu",
            f"{PROCESSES}::test_run_predict_under_torchrun_loads_the_model_on_the_ranks_own_gpu")),
    Mutant("idle-process-not-warned", "corpus tagging", "gerbera/commands/predict_folder_checks.py",
           "    if job.worker.world <= len(job.files):\n", "    if True:\n",
           (f"{PROCESSES}::test_a_process_left_without_a_unit_is_told_so_with_the_flag_to_use",)),
    Mutant("idle-warning-counts-no-parts", "corpus tagging", "gerbera/tagging/sharding.py",
           "parts = [max(1, -(-count // part_documents)) for count in documents]", "parts = [1 for count in documents]",
           (f"{PROCESSES}::test_the_idle_warning_counts_units_as_they_go_round_the_processes",)),
    Mutant("shards-take-every-core", "corpus tagging", "gerbera/commands/run_predict.py",
           "if worker.world > 1 and args.num_threads is None else None",
           "if worker.world > 1 and args.num_threads is None and False else None",
           (f"{PROCESSES}::test_a_shard_takes_its_share_of_the_cores_unless_num_threads_is_given",)),
    Mutant("core-share-counts-other-cores", "corpus tagging", "gerbera/tagging/core_share.py",
           'count += bool(self.cores & set(record["cores"]))', "count += 1",
           (f"{PROCESSES}::test_processes_of_a_run_on_one_machine_share_its_cores",)),
    Mutant("core-share-counts-dead-processes", "corpus tagging", "gerbera/tagging/core_share.py",
           "    return started is None or _start_time(pid) in (None, started)", "    return True",
           (f"{PROCESSES}::test_processes_of_a_run_on_one_machine_share_its_cores",)),
    Mutant("other-settings-not-refused", "corpus tagging", "gerbera/tagging/manifest.py",
           "            if differences:\n", "            if False:\n",
           (f"{CORPUS}::test_other_model_or_options_are_refused",)),
    Mutant("part-one-document-too-long", "corpus tagging", "gerbera/tagging/corpus_run.py",
           "return islice(self._iterate(), self.job.part_documents)",
           "return islice(self._iterate(), self.job.part_documents + 1)",
           (f"{CORPUS}::test_folder_in_folder_out_in_parts_with_a_manifest",)),
    Mutant("part-closes-the-file-reader", "corpus tagging", "gerbera/tagging/corpus_run.py",
           "        for document in self._documents:  # noqa: UP028\n            yield document\n",
           "        yield from self._documents\n", (f"{CORPUS}::test_folder_in_folder_out_in_parts_with_a_manifest",)),
    Mutant("malformed-document-skipped-by-default", "corpus tagging", "gerbera/tagging/corpus_run.py",
           "        if not self.job.skip_bad_documents:\n            raise error\n",
           "        if False:\n            raise error\n",
           (f"{CORPUS}::test_malformed_document_stops_the_run_and_keeps_finished_units",)),
    Mutant("skipped-document-not-listed", "corpus tagging", "gerbera/tagging/corpus_run.py",
           'skipped = reader.skipped.pop(part, [])', 'skipped = []',
           (f"{CORPUS}::test_skip_bad_documents_lists_them_in_the_manifest_and_goes_on",)),
    Mutant("damage-stops-the-run-under-skip", "corpus tagging", "gerbera/tagging/corpus_run.py",
           "            if not self.job.skip_bad_documents:\n                raise\n",
           "            if True:\n                raise\n",
           (f"{DAMAGED}::test_skip_bad_documents_tags_what_precedes_the_damage_and_lists_it",)),
    Mutant("damage-met-reading-ahead-not-listed", "corpus tagging", "gerbera/tagging/corpus_run.py",
           "part = self.part_of_next - (self._between is not None)", "part = self.part_of_next",
           (f"{DAMAGED}::test_skip_bad_documents_tags_what_precedes_the_damage_and_lists_it",)),
    Mutant("estimate-crashes-on-damaged-gz", "corpus tagging", "gerbera/tagging/progress.py",
           "            except (EOFError, OSError, zlib.error):\n                return",
           "            except ZeroDivisionError:\n                return",
           (f"{DAMAGED}::test_a_truncated_gz_file_is_a_one_line_error_naming_it",)),
    Mutant("unreadable-file-stops-the-estimate", "corpus tagging", "gerbera/tagging/corpus_run.py",
           "        except GerberaError:\n            continue  # a file that cannot be read",
           "        except ZeroDivisionError:\n            continue  # a file that cannot be read",
           (f"{DAMAGED}::test_a_file_that_cannot_be_read_is_named_when_the_run_reaches_it",)),
    Mutant("record-of-unfinished-unit-kept", "corpus tagging", "gerbera/tagging/manifest.py",
           'if record.get("input_name") != input_name or not content.same_content(recorded_content(record)):',
           'if record.get("input_name") != input_name:',
           (f"{CORPUS}::test_rerun_skips_finished_units_and_redoes_the_rest",
            f"{CHANGES}::test_a_shorter_input_leaves_no_stale_units_even_when_shared_by_shards")),
    # --- corpus resume when inputs change: one identity for an input (issue 30 items 1, 7, 10, 11, 12, 16) ---
    Mutant("input-identity-is-its-size", "corpus resume", "gerbera/fingerprints.py",
           "return other is not None and self.size == other.size and self.sha256 == other.sha256",
           "return other is not None and self.size == other.size",
           (f"{CHANGES}::test_a_document_fixed_in_place_with_the_same_size_is_tagged_once",)),
    Mutant("same-size-edit-trusted-by-its-stat", "corpus resume", "gerbera/fingerprints.py",
           "if known is not None and known._stat_key() == stat_key and known.settled():",
           "if known is not None and known.size == status.st_size and known.settled():",
           (f"{CHANGES}::test_a_document_fixed_in_place_with_the_same_size_is_tagged_once",)),
    Mutant("units-of-other-inputs-not-said", "corpus resume", "gerbera/tagging/corpus_run.py",
           "    if others and job.worker.rank == 0:\n", "    if False:\n",
           (f"{CHANGES}::test_units_of_an_input_renamed_or_removed_are_kept_and_said",)),
    Mutant("retrained-model-of-a-set-not-named", "corpus resume", "gerbera/tagging/manifest.py",
           'changed = [name for name, identity in settings["models"].items() if earlier["models"][name] != identity]',
           "changed = []", (f"{MODELS}::test_a_typed_model_keeps_its_types_and_a_folder_run_resumes_and_shares",)),
    Mutant("certify-heads-model-not-refused", "fast settings and certificates", "gerbera/commands/certify.py",
           "    if heads:\n        raise GerberaError(", "    if False:\n        raise GerberaError(",
           (f"{RUNTIMES}::test_a_model_with_a_head_per_corpus_is_refused_in_one_line",)),
    Mutant("weights-memory-mapped-while-tagging", "fast settings and certificates", "gerbera/models/weights.py",
           "output_loading_info=True, disable_mmap=True, **kwargs)", "output_loading_info=True, **kwargs)",
           ("tests/test_model_changed_in_use.py::test_weights_saved_over_in_place_do_not_change_a_loaded_tagger",)),
    Mutant("model-changed-while-loading-not-refused", "fast settings and certificates", "gerbera/tagging/model_identity.py",
           'if before is not None and before["model"] != now["model"]:', "if False:",
           ("tests/test_model_changed_in_use.py::test_a_model_saved_again_while_certify_loads_it_is_refused",)),
    Mutant("model-changed-after-its-certificate-was-read-not-refused", "fast settings and certificates",
           "gerbera/commands/predict_model.py",
           'if certified and tagger.identity and tagger.identity["model"] != certified:', "if False:",
           ("tests/test_model_changed_in_use.py::test_a_model_saved_again_after_auto_read_its_certificate_is_refused",)),
    Mutant("heads-experiment-dry-run-writes", "several models and heads", "gerbera/commands/heads_experiment.py",
           "if not args.dry_run and not labels.is_file():", "if not labels.is_file():",
           ("tests/test_heads_experiment.py::test_a_dry_run_writes_nothing_and_a_usage_error_loads_no_model_library",)),
    Mutant("heads-experiment-imports-transformers-first", "several models and heads", "gerbera/commands/experiment_checks.py",
           "    if not extra:\n        return\n", "    import gerbera.commands.arguments  # noqa: F401\n",
           ("tests/test_heads_experiment.py::test_a_dry_run_writes_nothing_and_a_usage_error_loads_no_model_library",)),
    Mutant("named-setting-loss-not-warned", "fast settings and certificates", "gerbera/commands/predict_model.py",
           "(logger.warning if judged.warn else logger.info)(", "(logger.info)(",
           (f"{RUNTIMES}::test_a_setting_named_by_the_user_is_kept_and_its_certificate_said",)),
    Mutant("certify-busy-machine-not-warned", "fast settings and certificates", "gerbera/commands/certify.py",
           "and busiest > load[\"cores\"]:", "and busiest > 10 * load[\"cores\"]:",
           (f"{RUNTIMES}::test_a_certificate_records_the_load_and_warns_when_timed_on_a_busy_machine",)),
    Mutant("certify-export-keyed-by-the-folder-now", "fast settings and certificates", "gerbera/commands/certify.py",
           "tagger.name, tagger.identity = reference.name, reference.identity", "tagger.name = reference.name",
           ("tests/test_model_changed_in_use.py::test_a_model_saved_again_during_certify_is_measured_and_exported_as_loaded",)),
    Mutant("stale-units-of-a-changed-input-kept", "corpus resume", "gerbera/tagging/corpus_run.py",
           "removed = [name for name in map(self.record.remove, mine) if name]", "removed = []",
           (f"{CHANGES}::test_a_shorter_input_leaves_no_stale_units_even_when_shared_by_shards",)),
    Mutant("stale-units-removed-by-every-process", "corpus resume", "gerbera/tagging/corpus_run.py",
           'mine = [unit for unit in stale if self.job.worker.owns(file_index, unit.get("part", 1) - 1)]',
           "mine = stale",
           (f"{CHANGES}::test_a_shorter_input_leaves_no_stale_units_even_when_shared_by_shards",)),
    Mutant("model-identity-hashes-every-file", "corpus resume", "gerbera/tagging/model_identity.py",
           "if path.is_file() and makes_tags(path.name)}", "if path.is_file()}",
           (f"{CHANGES}::test_results_written_into_the_model_folder_keep_its_identity",)),
    Mutant("refusal-names-the-model-by-hash", "corpus resume", "gerbera/tagging/model_identity.py",
           'then_path, now_path = earlier.get("model_path") or earlier.get("model"), now.get("model_path")',
           'then_path, now_path = earlier.get("model"), now.get("model")',
           (f"{CHANGES}::test_results_written_into_the_model_folder_keep_its_identity",
            f"{CORPUS}::test_other_model_or_options_are_refused")),
    Mutant("malformed-after-last-boundary-lost", "corpus resume", "gerbera/tagging/corpus_run.py",
           "self._belongs_to(index + 1 if self._peeked else index, error)", "self._belongs_to(index + 1, error)",
           (f"{CHANGES}::test_a_malformed_document_after_the_last_part_boundary_is_counted",)),
    Mutant("input-named-manifest-takes-its-name", "corpus resume", "gerbera/tagging/corpus_inputs.py",
           "    if root.lower() in _RESERVED_STEMS:\n", "    if False:\n",
           (f"{CHANGES}::test_an_input_named_manifest_does_not_replace_the_manifest",)),
    Mutant("same-rank-not-locked", "corpus resume", "gerbera/tagging/corpus_run.py",
           "    lock.acquire(job.output_folder)  #", "    lock.try_acquire()  #",
           (f"{CHANGES}::test_a_second_process_of_the_same_rank_is_refused_and_the_first_goes_on",)),
    Mutant("leftovers-of-the-living-removed", "corpus resume", "gerbera/tagging/rank_lock.py",
           "        if other is own or other.try_acquire(claim=False):", "        if True:",
           (f"{CHANGES}::test_another_ranks_file_in_progress_is_left_while_that_rank_is_held",)),
    Mutant("leftovers-never-removed", "corpus resume", "gerbera/tagging/rank_lock.py",
           "                    path.unlink(missing_ok=True)", "                    pass",
           (f"{CHANGES}::test_what_a_killed_process_left_is_removed_by_the_next_one",)),
    Mutant("last-part-named-as-whole-file", "corpus tagging", "gerbera/tagging/corpus_run.py",
           "None if part == 0 and last else part + 1", "None if last else part + 1",
           (f"{CORPUS}::test_folder_in_folder_out_in_parts_with_a_manifest",)),
    Mutant("prefetch-swallows-errors", "corpus tagging", "gerbera/tagging/prefetch.py",
           "            if error is not None:\n                raise error\n",
           "            if error is not None:\n                return\n",
           (f"{CORPUS}::test_prefetching_on_a_worker_thread_gives_the_same_results",)),
    Mutant("library-imports-a-command", "layout", "gerbera/tagging/word_tagger.py",
           "from gerbera.models.model_side import ModelArguments, ModelSide\n",
           "from gerbera.commands.arguments import ModelArguments\nfrom gerbera.models.model_side import ModelSide\n",
           ("tests/test_layout.py::test_the_library_does_not_import_the_commands",)),
    Mutant("import-circle", "layout", "gerbera/models/config_keys.py",
           "    from gerbera.corpora.tags import TagSet\n",
           "    from gerbera.corpora.tags import TagSet\n    from gerbera.models.loading import load_model\n",
           ("tests/test_layout.py::test_no_import_circle",)),
    Mutant("unused-import", "layout", "gerbera/corpora/mixing.py", "from __future__ import annotations\n",
           "from __future__ import annotations\n\nimport os\n", ("tests/test_layout.py::test_ruff_finds_nothing",)),
    # --- corpora as they come (PubTator, BioC, Hugging Face data) --------------------------------
    Mutant("corpora-word-not-split-at-mention", "corpora as they come", "gerbera/corpora/offset_tags.py",
           "inside = sorted(position for position in cuts if token.start < position < token.end)", "inside = []",
           (f"{FORMATS}::test_mention_inside_a_word_splits_the_word_and_is_reported",)),
    Mutant("corpora-test-cut-at-gold-mentions", "corpora as they come", "gerbera/corpora/split_sources.py",
           'as_new_text=split != "train")', "as_new_text=False)",
           ("tests/test_offset_new_text.py::test_test_split_is_scored_as_run_predict_tags_it",)),
    Mutant("corpora-unreachable-gold-not-reported", "corpora as they come", "gerbera/corpora/offset_tags.py",
           "        if kind is not None:\n", "        if False:\n",
           ("tests/test_offset_new_text.py::test_test_split_is_scored_as_run_predict_tags_it",)),
    Mutant("corpora-test-gold-not-rounded-to-words", "corpora as they come", "gerbera/corpora/offset_tags.py",
           "if token.start < mention.end and mention.start < token.end]",
           "if mention.start <= token.start and token.end <= mention.end]",
           ("tests/test_offset_new_text.py::test_test_split_is_scored_as_run_predict_tags_it",)),
    Mutant("corpora-overlap-keeps-first-not-longest", "corpora as they come", "gerbera/corpora/mention_policy.py",
           "key=lambda item: (item[0].start - item[0].end, item[0].start, item[1])", "key=lambda item: item[1]",
           (f"{FORMATS}::test_overlapping_and_nested_mentions_keep_the_longest_and_report_the_others",)),
    Mutant("corpora-discontinuous-tagged-as-span", "corpora as they come", "gerbera/corpora/mention_policy.py",
           "if len(locations_of(annotation)) > 1:", "if False:",
           (f"{FORMATS}::test_discontinuous_mentions_are_dropped_and_reported",)),
    Mutant("corpora-entity-types-ignored", "corpora as they come", "gerbera/corpora/mention_policy.py",
           "if entity_types is not None and annotation.type not in entity_types:", "if False:",
           (f"{FORMATS}::test_entity_types_choose_the_tags",)),
    Mutant("corpora-sentences-not-merged", "corpora as they come", "gerbera/corpora/offset_tags.py",
           "if covered and covered[0] != covered[-1]:", "if False:",
           (f"{FORMATS}::test_a_sentence_split_never_falls_inside_a_mention",)),
    Mutant("corpora-mention-text-unchecked", "corpora as they come", "gerbera/corpora/mention_policy.py",
           "if len(locations_of(annotation)) == 1 and text[annotation.start : annotation.end] != annotation.mention:",
           "if False:", (f"{FORMATS}::test_mention_text_differing_from_the_document_names_file_line_and_both_texts",)),
    Mutant("corpora-two-formats-first-wins", "corpora as they come", "gerbera/corpora/split_sources.py",
           "if len(found) > 1:", "if False:", (f"{FORMATS}::test_two_formats_for_one_split_is_an_error_naming_both",)),
    Mutant("corpora-integer-tag-names-shifted", "corpora as they come", "gerbera/corpora/tag_names.py",
           "return self.names[tag]", "return self.names[tag - 1]", (f"{FORMATS}::test_hugging_face_formats_read_the_same_sentences",)),
    Mutant("corpora-integer-tag-out-of-range-wraps", "corpora as they come", "gerbera/corpora/tag_names.py",
           "if not 0 <= tag < len(self.names):", "if tag >= len(self.names) + 5:",
           (f"{FORMATS}::test_bad_token_records_name_file_and_line",)),
    Mutant("corpora-integer-tag-names-zero-unchecked", "corpora as they come", "gerbera/corpora/tag_names.py",
           "if self.checked and self.names[0] != OUTSIDE:", "if False:",
           (f"{TRAINING}::test_integer_tags_named_by_a_copied_tag_set_are_refused_by_the_entry_points",
            f"{FORMATS}::test_names_of_integer_tags_in_the_wrong_order_are_refused_naming_the_file")),
    Mutant("corpora-integer-tag-counts-unchecked", "corpora as they come", "gerbera/corpora/tag_names.py",
           "if count > self.counts[0]:", "if False:",
           (f"{FORMATS}::test_names_of_integer_tags_in_the_wrong_order_are_refused_naming_the_file",)),
    Mutant("corpora-labels-txt-names-before-its-own-file", "corpora as they come", "gerbera/corpora/tag_names.py",
           "for name in (NAMES_FILE, DEPRECATED_NAMES_FILE):", "for name in (DEPRECATED_NAMES_FILE, NAMES_FILE):",
           (f"{TRAINING}::test_integer_tags_named_by_a_copied_tag_set_are_refused_by_the_entry_points",)),
    Mutant("corpora-class-label-names-ignored", "corpora as they come", "gerbera/corpora/tag_names.py",
           "        self.names = class_names\n", "        self.names = None\n",
           (f"{FORMATS}::test_the_datas_own_class_names_come_first_and_labels_txt_is_a_deprecated_fallback",)),
    Mutant("corpora-cache-key-ignores-tag-names", "corpora as they come", "gerbera/corpora/split_sources.py",
           'reader = f"{fmt}, {names}" if names else fmt', "reader = fmt",
           (f"{TRAINING}::test_fixed_names_of_integer_tags_give_fresh_features",)),
    Mutant("corpora-cache-key-ignores-entity-types", "corpora as they come", "gerbera/features/split_groups.py",
           'description["readers"] = [split.reader for split in self.splits]', "pass",
           (f"{FORMATS}::test_features_cache_key_follows_the_entity_types",)),
    Mutant("corpora-folder-digest-names-only", "corpora as they come", "gerbera/features/split_groups.py",
           'hasher.update(f"{member.relative_to(path).as_posix()}\\0{file_digest(member)}\\0".encode())',
           'hasher.update(member.relative_to(path).as_posix().encode())',
           (f"{FORMATS}::test_save_to_disk_split_is_keyed_by_its_content",)),
    Mutant("corpora-offset-scores-ignore-type", "corpora as they come", "gerbera/scoring/offset_scores.py",
           "predicted_keys = {(((start, end),), entity_type if typed else None)",
           "predicted_keys = {(((start, end),), None)",
           (f"{FORMATS}::test_offset_scores_are_exact_span_and_type_and_count_dropped_mentions_as_missed",)),
    Mutant("corpora-offset-gold-only-kept-mentions", "corpora as they come", "gerbera/corpora/offset_tags.py",
           "if entity_types is None or a.type in entity_types\n", "if (entity_types is None or a.type in entity_types) and not a.locations\n",
           (f"{FORMATS}::test_offset_scores_are_exact_span_and_type_and_count_dropped_mentions_as_missed",
            f"{FORMATS}::test_bioc_corpus_reads_passages_and_reports_discontinuous_mentions")),
    Mutant("corpora-offset-scores-not-written", "corpora as they come", "gerbera/scoring/group_scores.py",
           "metrics.update(score_offset_splits(group, predicted, reports, prefix, offset_dir, entity_type))", "pass",
           (f"{TRAINING}::test_pubtator_dataset_trains_mixes_with_column_files_and_is_scored_at_offsets",)),
    Mutant("linked-dataset-folder-refused", "corpora as they come", "gerbera/corpora/column_files.py",
           "    folder = data_dir / dataset\n",
           "    folder = data_dir / dataset\n    if not folder.resolve().is_relative_to(data_dir.resolve()):\n"
           "        raise GerberaError(f\"dataset name '{dataset}' leads outside --data_dir {data_dir}\")\n",
           ("tests/test_input_robustness.py::test_linked_dataset_folders_and_files_are_followed_names_climbing_out_refused",)),
    Mutant("dataset-name-climbing-out-read", "corpora as they come", "gerbera/corpora/column_files.py",
           'any(part in ("..", "") for part', 'any(part in ("",) for part',
           ("tests/test_input_robustness.py::test_linked_dataset_folders_and_files_are_followed_names_climbing_out_refused",)),
    Mutant("corpora-jsonl-line-dropped", "corpora as they come", "gerbera/corpora/token_records.py",
           "        if line.strip():\n", "        if line.strip() and number > 1:\n",
           (f"{TRAINING}::test_column_jsonl_and_save_to_disk_train_bit_identical_models",)),
    Mutant("offset-predictions-ignore-entity-type", "corpora as they come", "gerbera/scoring/offset_scores.py",
           "    if entity_type:\n        return entity_type\n", "",
           (f"{DOCUMENT_MODEL}::test_untyped_offset_predictions_name_the_dataset_type_or_entity_type",)),
    Mutant("offset-predictions-untyped-not-the-dataset-type", "corpora as they come", "gerbera/scoring/offset_scores.py",
           'return types.pop() if len(types) == 1 and next(iter(types)) else "Entity"', 'return "Entity"',
           (f"{DOCUMENT_MODEL}::test_untyped_offset_predictions_name_the_dataset_type_or_entity_type",)),
    # --- document formats: gerbera/documents (issue 22) ---------------------------------------------
    Mutant("gz-not-decompressed", "document formats", "gerbera/documents/opening.py",
           "        if _is_gz_name(path):\n", "        if False:\n", (DOCUMENTS,)),
    Mutant("gzip-bytes-read-as-text", "document formats", "gerbera/documents/opening.py",
           '        elif compression == "gzip":\n', "        elif False:\n", (DOCUMENTS,)),
    Mutant("not-utf8-line-one-off", "document formats", "gerbera/documents/opening.py",
           "for number, raw in enumerate(binary, start=1):", "for number, raw in enumerate(binary):", (DOCUMENTS,)),
    Mutant("pubtator-bad-document-not-skipped", "document formats", "gerbera/documents/pubtator.py",
           "current, skipping = None, True", "current, skipping = None, False", (DOCUMENTS, DOCUMENT_TAGGING)),
    Mutant("bioc-xml-callback-ignored", "document formats", "gerbera/documents/bioc_xml.py",
           "                    if on_bad_document is None:\n                        raise error from None",
           "                    if True:\n                        raise error from None", (DOCUMENTS,)),
    Mutant("bioc-gaps-not-filled", "document formats", "gerbera/documents/bioc_documents.py",
           'parts.append(" " * (offset - end))', 'parts.append("")', (DOCUMENTS,)),
    Mutant("bioc-discontinuous-locations-dropped", "document formats", "gerbera/documents/bioc_documents.py",
           "tuple(spans) if len(spans) > 1 else None", "None", (DOCUMENTS,)),
    Mutant("bioc-json-document-cut-at-buffer-end", "document formats", "gerbera/documents/bioc_json.py",
           'cut_short = error.pos >= len(self.buffer) - 16 or error.msg.startswith("Unterminated")', "cut_short = False",
           (DOCUMENTS,)),
    Mutant("bioc-json-lines-counted-twice", "document formats", "gerbera/documents/bioc_json.py",
           "        self.counted_to = self.position\n", "", (DOCUMENTS,)),
    Mutant("medline-section-labels-dropped", "document formats", "gerbera/documents/medline.py",
           'part = f"{label}: {text}" if label else text', "part = text", (DOCUMENTS, DOCUMENT_WRITERS)),
    Mutant("medline-inline-markup-text-lost", "document formats", "gerbera/documents/medline.py",
           '" ".join("".join(element.itertext()).split())', '" ".join((element.text or "").split())', (DOCUMENTS,)),
    Mutant("medline-section-spans-one-off", "document formats", "gerbera/documents/medline.py",
           "        if parts:\n            start += 1\n", "", (DOCUMENTS,)),
    Mutant("medline-delete-citation-read", "document formats", "gerbera/documents/medline.py",
           'if element.tag != "DeleteCitation":', "if True:", (DOCUMENTS,)),
    Mutant("medline-vernacular-title-first", "document formats", "gerbera/documents/medline.py",
           '_TITLE_PATHS = (\n    "MedlineCitation/Article/ArticleTitle",\n',
           '_TITLE_PATHS = (\n    "MedlineCitation/Article/VernacularTitle",\n    "MedlineCitation/Article/ArticleTitle",\n',
           (f"{DOCUMENT_TAGGING}::test_a_citation_with_a_vernacular_title_is_tagged_on_the_english_one",)),
    Mutant("medline-external-entity-read", "document formats", "gerbera/documents/medline.py",
           "remove_comments=True, resolve_entities=False, no_network=True,", "remove_comments=True, resolve_entities=True,",
           (f"{DOCUMENT_TAGGING}::test_an_external_entity_is_never_read_into_the_text",)),
    Mutant("bioc-xml-external-entity-read", "document formats", "gerbera/documents/bioc_xml.py",
           'tag=("document", *_COLLECTION_FIELDS), remove_comments=True)',
           'tag=("document", *_COLLECTION_FIELDS), remove_comments=True, resolve_entities=True, load_dtd=True)',
           (f"{DOCUMENT_TAGGING}::test_an_external_entity_is_never_read_into_the_text",)),
    Mutant("detect-pubmed-as-bioc", "document formats", "gerbera/documents/detection.py",
           '"PubmedArticleSet": "medline"', '"PubmedArticleSet": "bioc-xml"', (DOCUMENTS, DOCUMENT_TAGGING)),
    Mutant("detection-stops-at-damaged-head", "document formats", "gerbera/documents/detection.py",
           "                except (EOFError, OSError, zlib.error):\n                    break",
           "                except ZeroDivisionError:\n                    break",
           (f"{DAMAGED}::test_skip_bad_documents_tags_what_precedes_the_damage_and_lists_it",)),
    Mutant("stdin-detected-on-what-is-buffered", "document formats", "gerbera/documents/detection.py",
           "stdin_head(lambda data: _tells_format(_decoded(data)), _HEAD_BYTES)",
           "stdin_head(lambda data: bool(data), _HEAD_BYTES)", (DAMAGED,)),
    Mutant("stdin-head-not-given-again", "document formats", "gerbera/documents/opening.py",
           'raw = _stdin_reader()[0] if path == "-" else', 'raw = sys.stdin.buffer if path == "-" else', (DAMAGED,)),
    Mutant("bioc-out-rebuilt-not-the-input", "document formats", "gerbera/documents/bioc_writing.py",
           "    if document.bioc is not None:\n        return document.bioc\n", "", (DOCUMENT_WRITERS,)),
    Mutant("bioc-new-annotation-ids-repeat", "document formats", "gerbera/documents/bioc_writing.py",
           "        used.add(new.id)\n", "", (DOCUMENT_WRITERS,)),
    Mutant("bioc-score-infon-missing", "document formats", "gerbera/documents/bioc_writing.py",
           'result.infons["score"] = repr(round(float(annotation.score), 6))', "pass", (DOCUMENT_WRITERS,)),
    Mutant("pubtator-out-loses-bioc-title", "document formats", "gerbera/documents/writers.py",
           'elif passages and passages[0][0] == 0 and text[passages[0][1]:passages[0][1] + 1] in (" ", ""):',
           "elif False:", (DOCUMENT_WRITERS,)),
    Mutant("writer-not-atomic", "document formats", "gerbera/documents/writers.py",
           '    with atomic_open(path, compress=str(path).lower().endswith(".gz")) as out:\n',
           '    with open(path, "w", encoding="utf-8") as out:\n', (DOCUMENT_WRITERS,)),
    Mutant("gz-output-not-compressed", "document formats", "gerbera/documents/writers.py",
           'compress=str(path).lower().endswith(".gz")', "compress=False",
           (f"{DOCUMENT_MODEL}::test_gz_output_is_gzip_and_reads_back",)),
    Mutant("bioc-xml-doctype-dropped", "document formats", "gerbera/documents/bioc_xml.py",
           'collection.doctype = element.getroottree().docinfo.doctype or ""', 'collection.doctype = ""',
           (f"{DOCUMENT_MODEL}::test_bioc_xml_output_keeps_the_input_doctype",)),
    Mutant("bioc-json-header-set-at-close", "document formats", "gerbera/documents/bioc_json.py",
           "                if key in _HEADER_FIELDS:\n                    _set_header(header, key, fields[key])\n", "",
           (DOCUMENT_MODEL,)),
    Mutant("bioc-json-header-after-documents-not-read", "document formats", "gerbera/documents/bioc_json.py",
           "                    _header_after_documents(path, values, header)\n", "                    pass\n",
           (DOCUMENT_MODEL,)),
    Mutant("bioc-numeric-document-id-kept", "document formats", "gerbera/documents/bioc_documents.py",
           'document.id = "" if document.id is None else str(document.id)', 'document.id = document.id or ""',
           (DOCUMENT_MODEL,)),
    Mutant("bioc-numeric-annotation-id-kept", "document formats", "gerbera/documents/bioc_documents.py",
           '        item.id = "" if item.id is None else str(item.id)\n', "        pass\n", (DOCUMENT_MODEL,)),
    Mutant("documents-not-checked-at-the-reader", "document formats", "gerbera/documents/formats.py",
           "return (checked(document, shown) for document in documents)", "return documents", (DOCUMENT_MODEL,)),
    Mutant("control-characters-kept", "document formats", "gerbera/documents/model.py",
           'return _NOT_IN_XML.sub(" ", text) if _NOT_IN_XML.search(text) else text', "return text",
           (DOCUMENT_MODEL,)),
    Mutant("plain-input-written-as-input-document", "document formats", "gerbera/tagging/unit_io.py",
           "    if isinstance(source, Document):\n        return source\n    document = tagged.document\n",
           "    if isinstance(source, Document) and source.passages is not None:\n        return source\n"
           "    return tagged.document\n    document = tagged.document\n",
           (f"{DOCUMENT_MODEL}::test_plain_text_and_column_input_give_bioc",)),
    # --- the fast host side of tagging (issue 22, item 7): the same results as the old code ----------
    Mutant("sentence-end-check-skips-terminals", "fast tagging host side", "gerbera/text/segmentation.py",
           "text[left] != \"\\u2029\" and last not in may_end and (", "text[left] != \"\\u2029\" and (",
           (SPEED_PATHS,)),
    Mutant("sentence-end-check-skips-blank-lines", "fast tagging host side", "gerbera/text/segmentation.py",
           "if right - left == 1 and text[left]", "if right - left <= 2 and text[left]", (SPEED_PATHS,)),
    Mutant("sentence-end-check-skips-extenders", "fast tagging host side", "gerbera/text/segmentation.py",
           "last.isalnum() or _char_class(last) != _EXTEND)", "True)", (SPEED_PATHS,)),
    Mutant("passage-sentences-not-shifted", "fast tagging host side", "gerbera/tagging/documents.py",
           "sentences += sentences_in(text, start, end)", "sentences += sentences_in(text[start:end], 0, end - start)",
           (SPEED_PATHS,)),
    Mutant("spans-start-after-an-o", "fast tagging host side", "gerbera/tagging/entities.py",
           'parsed += [("O", "_"), ("O", "")]', 'parsed += [("O", "_"), ("O", "_")]', (SPEED_PATHS,)),
    Mutant("spans-last-entity-dropped", "fast tagging host side", "gerbera/tagging/entities.py",
           "        if ends[previous][self.after_last]:\n", "        if False:\n", (SPEED_PATHS, PREDICT)),
    Mutant("spans-type-of-next-tag", "fast tagging host side", "gerbera/tagging/entities.py",
           "found.append((self.types[previous], begin, i - 1))", "found.append((self.types[current], begin, i - 1))",
           (SPEED_PATHS,)),
    Mutant("word-cache-keeps-the-wrong-pieces", "fast tagging host side", "gerbera/features/word_pieces.py",
           "for word, word_pieces in zip(new, pieces))", "for word, word_pieces in zip(new, [*pieces[1:], []]))",
           (SPEED_PATHS,)),
    Mutant("one-window-overflows", "fast tagging host side", "gerbera/features/word_pieces.py",
           "one_window = pieces and 0 not in lengths and sum(lengths) <= budget",
           "one_window = pieces and 0 not in lengths and sum(lengths) <= budget + 2", (SPEED_PATHS, WINDOWS)),
    Mutant("one-window-keeps-empty-words", "fast tagging host side", "gerbera/features/word_pieces.py",
           "one_window = pieces and 0 not in lengths and sum(lengths) <= budget", "one_window = pieces and sum(lengths) <= budget",
           (SPEED_PATHS,)),
    Mutant("one-window-positions-skip-the-prefix", "fast tagging host side", "gerbera/features/word_pieces.py",
           "accumulate(map(len, window), initial=len(prefix))", "accumulate(map(len, window), initial=0)",
           (SPEED_PATHS, "tests/test_features.py")),
    Mutant("padding-always-on-the-right", "fast tagging host side", "gerbera/tagging/word_tagger.py",
           'mask = columns < lengths[:, None] if side == "right" else', 'mask = columns < lengths[:, None] if True else',
           (SPEED_PATHS,)),
    Mutant("pubtator-five-columns-without-identifier", "fast tagging host side", "gerbera/documents/pubtator.py",
           'f"\\t{identifier or NO_IDENTIFIER}")', 'f"{chr(9) + identifier if identifier else \'\'}")',
           (OUTPUTS, "tests/test_pubtator.py", DOCUMENT_WRITERS, DOCUMENT_MODEL)),
    Mutant("pubtator-empty-identifier-column", "fast tagging host side", "gerbera/documents/pubtator.py",
           'NO_IDENTIFIER = "-"', 'NO_IDENTIFIER = ""',
           (f"{DOCUMENT_MODEL}::test_pubtator_output_has_six_columns_and_the_bioc_package_reads_every_entity",)),
    Mutant("pubtator-document-without-closing-blank-line", "fast tagging host side", "gerbera/documents/pubtator.py",
           '        out.write("\\n")\n    return out.getvalue()', "    return out.getvalue()",
           (f"{CORPUS}::test_folder_in_folder_out_in_parts_with_a_manifest", DOCUMENT_MODEL)),
    Mutant("pubtator-tab-in-mention-written", "fast tagging host side", "gerbera/documents/pubtator.py",
           'if ("\\t" in mention or ', "if (", ("tests/test_pubtator.py", DOCUMENT_WRITERS)),
    Mutant("predict-output-replaces-its-input", "what the README promises of the entry scripts",
           "gerbera/commands/run_predict.py",
           "and os.path.samefile(source, args.output):", "and False:",
           (OUTPUTS + "::test_output_that_is_the_input_is_refused_and_the_input_kept",)),
    Mutant("predict-folder-output-replaces-an-input", "what the README promises of the entry scripts",
           "gerbera/commands/predict_folder_checks.py",
           "        if target.exists() and os.path.samefile(target, item.path):\n",
           "        if False:\n",
           (OUTPUTS + "::test_folder_output_that_would_replace_an_input_is_refused",)),
    Mutant("predict-replaces-an-existing-output-file", "what the README promises of the entry scripts",
           "gerbera/commands/run_predict.py",
           'if args.output != "-" and Path(args.output).is_file() and not args.overwrite_output:', "if False:",
           (OUTPUTS + "::test_an_existing_output_file_is_refused_unless_overwrite_output",)),
    Mutant("predict-folder-replaces-files-it-did-not-write", "what the README promises of the entry scripts",
           "gerbera/commands/predict_folder_checks.py",
           '    if found and not (RunRecord(folder).state / "settings.json").exists():', "    if False:",
           (OUTPUTS + "::test_a_folder_is_resumed_but_files_it_did_not_write_are_refused",)),
    Mutant("predict-folder-of-a-run-refused-as-foreign", "what the README promises of the entry scripts",
           "gerbera/commands/predict_folder_checks.py",
           '    if found and not (RunRecord(folder).state / "settings.json").exists():', "    if found:",
           (OUTPUTS + "::test_a_folder_is_resumed_but_files_it_did_not_write_are_refused",)),
    Mutant("predict-empty-input-silent", "what the README promises of the entry scripts",
           "gerbera/commands/run_predict.py",
           '    if not totals["documents"]:\n', "    if False:\n",
           (OUTPUTS + "::test_empty_input_is_said",)),
]


def git_files(root: Path, *args: str) -> list[str]:
    out = subprocess.run(["git", "-C", str(root), *args], capture_output=True, check=True).stdout
    return [name for name in out.decode().split("\0") if name]


def make_copy(destination: Path, from_head: bool, overlay: list[str]) -> Path:
    """A copy of the repository at ``destination/repo`` (with ``destination/shared`` pointing at
    the checkout's ../shared, where the tests look for real data). ``from_head``: the committed
    tree, with the working tree's new files under tests/ and scripts/ and the ``overlay`` files."""
    copy = destination / "repo"
    copy.mkdir(parents=True)
    if from_head:
        archive = subprocess.run(["git", "-C", str(REPO), "archive", "HEAD"], capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(copy)], input=archive, check=True)
        names = git_files(REPO, "ls-files", "-z", "--others", "--exclude-standard", "--", "tests", "scripts") + overlay
    else:
        names = git_files(REPO, "ls-files", "-z", "--cached", "--others", "--exclude-standard")
    for name in names:
        source = REPO / name
        if source.is_file():
            target = copy / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    shared = REPO.parent / "shared"
    if shared.exists():
        (destination / "shared").symlink_to(shared)
    return copy


def run_tests(copy: Path, selection: list[str], timeout: float, label: str) -> tuple[str, float, str]:
    """(outcome, seconds, first failing test or reason): outcome is passed, failed, error or timeout."""
    env = {**os.environ, "PYTHONPATH": str(copy), "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1",
           "HF_DATASETS_OFFLINE": "1", "TOKENIZERS_PARALLELISM": "false", "WANDB_DISABLED": "true"}
    env.pop("PYTEST_ADDOPTS", None)
    basetemp = copy.parent / f"pytest-{label}"
    command = [sys.executable, "-m", "pytest", "-x", "-q", "-m", "not slow", "-p", "no:cacheprovider", "-rfE",
               f"--basetemp={basetemp}", *selection]
    started = time.time()
    try:
        result = subprocess.run(command, cwd=copy, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return "timeout", time.time() - started, f"no result within {timeout:.0f}s"
    finally:
        shutil.rmtree(basetemp, ignore_errors=True)
    seconds = time.time() - started
    output = result.stdout + result.stderr
    failed = re.findall(r"^(?:FAILED|ERROR) (\S+)", output, flags=re.MULTILINE)
    if result.returncode == 0:
        return "passed", seconds, ""
    if result.returncode == 1 and failed:
        return "failed", seconds, failed[0]
    tail = " | ".join(output.strip().splitlines()[-3:])
    return "error", seconds, f"pytest exit {result.returncode}: {failed[0] if failed else tail}"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", action="store_true", help="list the mutants and exit")
    parser.add_argument("--only", action="append", default=[], help="run this mutant (repeatable)")
    parser.add_argument("--behaviour", action="append", default=[], help="run the mutants of this behaviour (repeatable)")
    parser.add_argument("--all-tests", action="store_true", help="run the whole fast suite for each mutant (slow)")
    parser.add_argument("--tests", action="append", default=[],
                        help="run these tests (pytest selections) for every chosen mutant instead of its own (repeatable)")
    parser.add_argument("--head", action="store_true",
                        help="copy the committed tree, with the working tree's new files under tests/ and scripts/")
    parser.add_argument("--overlay", action="append", default=[],
                        help="with --head: also take this file from the working tree (repeatable), e.g. tests/test_cli.py")
    parser.add_argument("--no-baseline", action="store_true", help="skip the run of the chosen tests without a mutant")
    parser.add_argument("--timeout", type=float, default=900, help="seconds per pytest run (default 900)")
    parser.add_argument("--json", help="write the outcome of every mutant here")
    parser.add_argument("--keep", action="store_true", help="keep the temporary copy")
    args = parser.parse_args(argv)

    mutants = [m for m in MUTANTS if (not args.only or m.name in args.only)
               and (not args.behaviour or m.behaviour in args.behaviour)]
    unknown = set(args.only) - {m.name for m in MUTANTS}
    if unknown:
        parser.error(f"no such mutant: {', '.join(sorted(unknown))} (see --list)")
    if args.list:
        for m in mutants:
            print(f"{m.name:48} {m.behaviour:34} {m.file}")
        return 0
    names = [m.name for m in MUTANTS]
    assert len(names) == len(set(names)), "mutant names must be unique"

    workdir = Path(tempfile.mkdtemp(prefix="gerbera-mutants-"))
    results = []
    try:
        copy = make_copy(workdir, args.head, args.overlay)
        what = f"HEAD + new working-tree tests{' + ' + ', '.join(args.overlay) if args.overlay else ''}" if args.head else "the working tree"
        print(f"copy of {what} in {copy}", flush=True)
        selection_of = {m.name: (["tests"] if args.all_tests else args.tests or list(m.tests)) for m in mutants}
        if not args.no_baseline:
            union = sorted({t for s in selection_of.values() for t in s})
            outcome, seconds, detail = run_tests(copy, union, args.timeout * 2, "baseline")
            print(f"baseline ({len(union)} selections): {outcome} in {seconds:.0f}s {detail}", flush=True)
            if outcome != "passed":
                print("the tests fail without any mutant: fix that first (or run with --head)", file=sys.stderr)
                return 2
        for number, mutant in enumerate(mutants, start=1):
            path = copy / mutant.file
            source = path.read_text(encoding="utf-8") if path.is_file() else ""
            count = source.count(mutant.original)
            if count != 1:
                status, seconds, detail = "stale", 0.0, f"snippet found {count} times in {mutant.file}"
            else:
                path.write_text(source.replace(mutant.original, mutant.mutated), encoding="utf-8")
                try:
                    outcome, seconds, detail = run_tests(copy, selection_of[mutant.name], args.timeout, mutant.name)
                finally:
                    path.write_text(source, encoding="utf-8")
                status = {"passed": "SURVIVED", "failed": "caught", "error": "caught", "timeout": "caught"}[outcome]
                if outcome in ("error", "timeout"):
                    detail = f"({outcome}) {detail}"
            results.append({**asdict(mutant), "status": status, "seconds": round(seconds, 1), "caught_by": detail})
            print(f"[{number:2}/{len(mutants)}] {status:8} {mutant.name:48} {seconds:6.1f}s  {detail}", flush=True)
    finally:
        if args.keep:
            print(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)

    caught = sum(r["status"] == "caught" for r in results)
    survived = [r["name"] for r in results if r["status"] == "SURVIVED"]
    stale = [r["name"] for r in results if r["status"] == "stale"]
    scored = caught + len(survived)
    print(f"\nmutation score: {caught}/{scored} caught" + (f" ({caught / scored:.0%})" if scored else ""))
    if survived:
        print("survived: " + ", ".join(survived))
    if stale:
        print("stale (update the snippet): " + ", ".join(stale))
    if args.json:
        Path(args.json).write_text(json.dumps({"caught": caught, "scored": scored, "mutants": results}, indent=2) + "\n")
    return 0 if not survived and not stale else 1


if __name__ == "__main__":
    sys.exit(main())
