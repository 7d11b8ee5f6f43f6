"""run_eval.py: score a trained model on other datasets (cross-dataset evaluation)."""

from __future__ import annotations

import logging
from pathlib import Path

from transformers import set_seed

from gerbera.commands.arguments import parse_arguments
from gerbera.commands.exits import exit_status, user_errors
from gerbera.commands.run_folder_lock import one_run_at_a_time
from gerbera.commands.session import prepare_output_dir, setup_logging
from gerbera.corpora.column_files import parse_dataset_list
from gerbera.corpora.tags import TagSet
from gerbera.corpora.type_map import read_corpus_types
from gerbera.errors import GerberaError, UsageError
from gerbera.features.split_groups import features_cache_dir, load_group
from gerbera.models.corpus_heads import heads_of
from gerbera.models.head_choice import check_head_types
from gerbera.models.head_groups import load_heads_group
from gerbera.models.loading import choose_tagset, load_model
from gerbera.models.model_side import ModelSide
from gerbera.outputs import ALL_RESULTS, write_json
from gerbera.reporting.data_summary import log_summary
from gerbera.reporting.model_card import write_results_table
from gerbera.reporting.record import RunRecord, resolved_arguments
from gerbera.scoring.group_scores import evaluate_group
from gerbera.tagging.model_identity import folder_identity, loaded_identity
from gerbera.training.setup import make_trainer

logger = logging.getLogger("gerbera")

DESCRIPTION = (
    "Score a trained NER model on the devel (--do_eval) and test (--do_predict) files of the datasets in "
    "--eval_data_list, together and each on its own, with seqeval span P/R/F1."
)


def main(argv=None) -> dict:
    with user_errors():
        model_args, data_args, original_flags, training_args = parse_arguments(argv, DESCRIPTION, "run_eval")
        with one_run_at_a_time(training_args.output_dir, enabled=training_args.process_index == 0):
            return run(model_args, data_args, original_flags, training_args)


def run(model_args, data_args, original_flags, training_args) -> dict:
    setup_logging(training_args)
    eval_names = parse_dataset_list(data_args.eval_data_list)
    if not eval_names:
        raise UsageError("--eval_data_list is required (datasets joined by '+')")
    if not (training_args.do_eval or training_args.do_predict):
        raise UsageError("nothing to do: give --do_eval (devel.txt) and/or --do_predict (test.txt)")
    prepare_output_dir(training_args.output_dir, original_flags.overwrite_output_dir, None, training=False)

    before = folder_identity(model_args.model_name_or_path)  # before any file of the model is read
    model_side = ModelSide.load(model_args, data_args.max_seq_length)
    splits = {prefix: split for prefix, split, wanted in (("eval", "devel", training_args.do_eval),
                                                          ("test", "test", training_args.do_predict)) if wanted}
    heads = heads_of(model_side.config) if model_side.layout == "corpus" else None
    if heads is not None:  # a head per corpus: each dataset scored with its own head
        if data_args.labels:
            raise UsageError("--labels: a model with a head per corpus scores each dataset with its head's tags")
        check_head_types(data_args.head_types, eval_names)
        groups = {prefix: load_heads_group(data_args, eval_names, split, heads, model_side.name) for prefix, split in splits.items()}
        tagset = next(iter(groups.values())).tagset
    else:
        if model_side.trained_tagset is None:
            raise GerberaError(f"{model_side.name} has no trained tag head: evaluate a model saved by run_ner.py")
        requested = TagSet.from_file(data_args.labels) if data_args.labels else None
        tagset = read_corpus_types(choose_tagset(requested, model_side.trained_tagset, None), data_args.type_map, data_args.ignore_types)
        groups = {prefix: load_group(data_args.data_dir, eval_names, split, tagset, data_args.entity_types)
                  for prefix, split in splits.items()}
    encoder = model_side.encoder(data_args.max_seq_length)
    with training_args.main_process_first(desc="tokenizing"):
        for group in groups.values():
            group.build_features(encoder, features_cache_dir(data_args), data_args.overwrite_cache, sort_by_length=True)
    for group in groups.values():
        log_summary(group, encoder)
    record = RunRecord(
        training_args.output_dir, "run_eval.py", resolved_arguments(model_args, data_args, original_flags, training_args),
        tagset, groups.values(), enabled=training_args.process_index == 0,
        hardware_choices=getattr(training_args, "hardware_choices", None), world_size=training_args.world_size,
        given_flags=getattr(training_args, "given_flags", None), heads=heads,
    )

    try:
        return score(model_args, data_args, training_args, model_side, tagset, groups, record, before)
    except BaseException as error:  # the record says how the run ended (the same command reruns it)
        record.fail(error)
        raise


def score(model_args, data_args, training_args, model_side, tagset, groups, record, before=None) -> dict:
    set_seed(training_args.seed)
    model = load_model(model_side.name, model_side.config, tagset, model_args.trust_remote_code, model_args.cache_dir)
    identity = loaded_identity(model_side.name, before)["model"] if before is not None else None
    trainer = make_trainer(model, training_args, data_args, model_side.tokenizer, scoring_precision=model_args.scoring_precision)
    trainer.scoring_identity = lambda: identity  # of the files the model was loaded from: an export is keyed by it
    results: dict = {"model": model_side.name}
    for prefix, group in groups.items():
        metrics = evaluate_group(trainer, group, prefix, training_args.output_dir, data_args.eval_data_type,
                                 data_args.entity_type)
        results.update(metrics)
        trainer.log_metrics(prefix, {k: v for k, v in metrics.items() if isinstance(v, (int, float))})
    if trainer.is_world_process_zero():
        write_json(Path(training_args.output_dir) / ALL_RESULTS, results)
        write_results_table(training_args.output_dir, results)
        record.finish(results)
    return results


def cli() -> int:
    """``gerbera-eval`` and ``python run_eval.py``: the process's exit status, never the results (`gerbera.commands.exits`)."""
    return exit_status(main)


if __name__ == "__main__":
    raise SystemExit(cli())
