"""run_ner.py: multi-task training (``--data_list NCBI-disease+CoNLL2003``) and biomedical
fine-tuning (``--data_list NCBI-disease``) with one shared tag head (or the domain head, or a head
per corpus: `heads_groups`), then scoring."""

from __future__ import annotations

import contextlib
import logging
from pathlib import Path

from transformers import set_seed

from gerbera.commands.arguments import parse_arguments
from gerbera.commands.exits import exit_status, user_errors
from gerbera.commands.output_folder import drop_checkpoints
from gerbera.commands.run_folder_lock import one_run_at_a_time
from gerbera.commands.session import prepare_output_dir, setup_logging
from gerbera.corpora.column_files import parse_dataset_list
from gerbera.corpora.mixing import parse_training_list, sample_split
from gerbera.corpora.tags import TagSet
from gerbera.corpora.type_map import read_corpus_types
from gerbera.errors import UsageError
from gerbera.features.split_groups import SplitGroup, features_cache_dir, load_group, read_splits
from gerbera.models.corpus_heads import heads_of
from gerbera.models.head_choice import check_head_types
from gerbera.models.head_groups import heads_group, load_heads_group, training_heads
from gerbera.models.loading import choose_tagset, load_model
from gerbera.models.model_side import ModelSide
from gerbera.outputs import ALL_RESULTS, write_json
from gerbera.reporting.data_summary import log_summary
from gerbera.reporting.model_card import write_model_card, write_results_table
from gerbera.reporting.record import CheckpointRecorder, RunRecord, plot_training_curves, resolved_arguments
from gerbera.scoring.group_scores import GroupScorer, evaluate_group
from gerbera.training.preemption import Preempted, PreemptionCallback
from gerbera.training.sampling import data_order_seed
from gerbera.training.setup import make_trainer

logger = logging.getLogger("gerbera")

DESCRIPTION = (
    "Train a NER model with one shared tag head on one or more datasets (GERBERA: a biomedical corpus "
    "together with a general-domain one, then the biomedical corpus alone), or with a head per dataset "
    "(--head corpus), and score it."
)


def main(argv=None) -> dict:
    with user_errors():
        model_args, data_args, original_flags, training_args = parse_arguments(argv, DESCRIPTION)
        try:
            with one_run_at_a_time(training_args.output_dir, enabled=training_args.process_index == 0):
                return run(model_args, data_args, original_flags, training_args)
        except Preempted as stop:
            raise SystemExit(stop.exit_code) from None


def run(model_args, data_args, original_flags, training_args) -> dict:
    setup_logging(training_args)
    train_specs = parse_training_list(data_args.data_list)
    eval_names = parse_dataset_list(data_args.eval_data_list) or [name for name, _ in train_specs[:1]]
    if training_args.do_train and not train_specs:
        raise UsageError("--do_train needs --data_list (e.g. NCBI-disease+CoNLL2003)")
    if training_args.do_train and data_args.ignore_types:
        raise UsageError("--ignore_types scores spans without types and cannot train; to fine-tune on a corpus "
                         "with other type names, read them as the model's with --type_map MODEL_TYPE=CORPUS_TYPE")
    if (training_args.do_eval or training_args.do_predict) and not eval_names:
        raise UsageError("--do_eval/--do_predict need --eval_data_list (or --data_list)")
    if model_args.scoring_precision not in ("fp32", "bf16"):
        raise UsageError(f"--scoring_precision {model_args.scoring_precision}: run_ner.py scores in fp32 or bf16; "
                         f"score the trained model in {model_args.scoring_precision} with run_eval.py")
    arguments = resolved_arguments(model_args, data_args, original_flags, training_args)
    resume = prepare_output_dir(
        training_args.output_dir, original_flags.overwrite_output_dir, training_args.resume_from_checkpoint,
        training_args.do_train, arguments, original_flags.resume_with_other_arguments,
    )

    model_side = ModelSide.load(model_args, data_args.max_seq_length)
    requested = TagSet.from_file(data_args.labels) if data_args.labels else None
    # Read and check every file before any training starts.
    train_splits = read_training_splits(data_args, train_specs, training_args) if training_args.do_train else None
    evaluate_while_training = training_args.do_train and training_args.eval_strategy != "no"
    scored_splits = [split for split, wanted in (("devel", training_args.do_eval or evaluate_while_training),
                                                 ("test", training_args.do_predict)) if wanted]
    heads = model_side.heads(model_args.head)
    if heads is not None:
        tagset, groups = heads_groups(model_side, heads, train_splits, eval_names, scored_splits, data_args)
    else:
        from_training = None
        if train_splits is not None:
            from_training = TagSet.from_tags(tag for split in train_splits for s in split.sentences for tag in s.tags)
        tagset = read_corpus_types(choose_tagset(requested, model_side.trained_tagset, from_training), data_args.type_map,
                                   data_args.ignore_types)
        logger.info("Tag set (%s, %s%s): %s", tagset.source, tagset.scheme, ", typed" if tagset.typed else "", " ".join(tagset.labels))
        train_group = SplitGroup(train_splits, tagset) if train_splits is not None else None
        if train_group is not None:
            train_group.map_tags()
        groups = (train_group, *(load_group(data_args.data_dir, eval_names, split, tagset, data_args.entity_types)
                                 if split in scored_splits else None for split in ("devel", "test")))
    train_group = groups[0]

    encoder = model_side.encoder(data_args.max_seq_length)
    with training_args.main_process_first(desc="tokenizing"):
        for group in groups:
            if group is not None:
                group.build_features(
                    encoder, features_cache_dir(data_args), data_args.overwrite_cache, sort_by_length=group is not train_group
                )
    if train_group is not None and model_side.uses_domain_head:
        add_domain_ids(train_group, parse_dataset_list(data_args.general_data_list))
    for group in groups:
        if group is not None:
            log_summary(group, encoder)
    record = RunRecord(
        training_args.output_dir, "run_ner.py", arguments,
        tagset, groups, enabled=training_args.process_index == 0,
        hardware_choices=getattr(training_args, "hardware_choices", None), world_size=training_args.world_size,
        given_flags=getattr(training_args, "given_flags", None), resumed_from=resume,
        heads=heads_of(model_side.config) if heads is not None else None,
    )
    try:
        return train_and_score(model_args, data_args, training_args, model_side, tagset, groups, encoder.mode, record, resume,
                               keep_checkpoints=keeps_checkpoints(original_flags, training_args))
    except Preempted:
        raise
    except BaseException as error:  # the record says how the run ended; a rerun resumes its last checkpoint
        record.fail(error)
        raise


def train_and_score(model_args, data_args, training_args, model_side, tagset, groups, word_tokenization, record,
                    resume, keep_checkpoints: bool = False) -> dict:
    """Train (from ``resume``), save, score and write the results. From the start of training to the
    end, a preemption signal stops the run at the next safe point with a checkpoint that the same
    command resumes (`stop_if_preempted`): after the step or evaluation in progress; after the model
    is saved, or the devel set scored, when scoring remains. Once the last scoring is done, the run
    finishes: only files are left to write, and its checkpoints are removed once it is recorded as
    finished (the model is in --output_dir), unless ``keep_checkpoints``."""
    train_group, devel_group, test_group = groups
    evaluate_while_training = training_args.do_train and training_args.eval_strategy != "no"
    set_seed(training_args.seed)
    model = load_model(model_side.name, model_side.config, tagset, model_args.trust_remote_code, model_args.cache_dir, model_args.head)
    trainer = make_trainer(
        model, training_args, data_args, model_side.tokenizer,
        train_dataset=train_group.features if train_group else None,
        eval_dataset=devel_group.features if evaluate_while_training else None,
        compute_metrics=GroupScorer(devel_group) if devel_group else None,
        scoring_precision=model_args.scoring_precision,
    )
    preemption = next((c for c in trainer.callback_handler.callbacks if isinstance(c, PreemptionCallback)), None)
    results: dict = {}
    with preemption.signals if preemption is not None else contextlib.nullcontext():
        if training_args.do_train:
            trainer.add_callback(CheckpointRecorder(record))
            train_result = trainer.train(resume_from_checkpoint=resume)
            stop_if_preempted(trainer, record, preemption)
            trainer.save_model()  # model, config (with id2label) and tokenizer, as safetensors
            if trainer.is_world_process_zero() and not train_group.dataset_tagsets:  # heads: their tags are in config.json
                tagset.save(Path(training_args.output_dir) / "labels.txt")
            trainer.save_state()
            results.update(train_result.metrics)
            results["train_datasets"] = data_args.data_list
            results["train_sentences"] = train_group.num_sentences
            trainer.log_metrics("train", train_result.metrics)
            if training_args.do_eval or training_args.do_predict:
                stop_if_preempted(trainer, record, preemption)
        if training_args.do_eval:
            results.update(evaluate_group(trainer, devel_group, "eval", training_args.output_dir, data_args.eval_data_type,
                                          data_args.entity_type))
            trainer.log_metrics("eval", _scores_only(results, "eval"))
            if training_args.do_predict:
                stop_if_preempted(trainer, record, preemption)
        if training_args.do_predict:
            results.update(evaluate_group(trainer, test_group, "test", training_args.output_dir, data_args.eval_data_type,
                                          data_args.entity_type))
            trainer.log_metrics("test", _scores_only(results, "test"))
        if trainer.is_world_process_zero():  # everything is computed: a signal now waits for the files
            output_dir = training_args.output_dir
            write_json(Path(output_dir) / ALL_RESULTS, results)
            write_results_table(output_dir, results)
            trained = {}
            if training_args.do_train:
                plot_training_curves(output_dir, trainer.state.log_history)
                trained = {"trained": {"steps": trainer.state.global_step, "epochs": round(trainer.state.epoch or 0.0, 4)}}
            record.finish(results, trained)
            if training_args.do_train:
                write_model_card(output_dir, record.data, results, tagset, word_tokenization, model_side.uses_domain_head,
                                 data_dir=data_args.data_dir, heads=heads_of(model_side.config))
        if training_args.do_train and trainer.args.should_save and not keep_checkpoints:
            record.checkpoints_removed(drop_checkpoints(Path(training_args.output_dir)))
    return results


def keeps_checkpoints(original_flags, training_args) -> bool:
    """Whether a finished run keeps its checkpoints: --keep_checkpoints, or a --save_total_limit the
    user gave (the checkpoints that limit leaves, as the Trainer keeps them)."""
    return original_flags.keep_checkpoints or "save_total_limit" in (getattr(training_args, "given_flags", None) or [])


def stop_if_preempted(trainer, record: RunRecord, preemption: PreemptionCallback | None) -> None:
    """After a preemption signal (`gerbera.training.preemption`), in training or after it: make sure a
    checkpoint of the last step exists, record the run as interrupted and raise. Every process calls
    this at the same point."""
    if preemption is None:
        return
    if preemption.stopped is None:
        preemption.stopped = preemption.signal_on_any_process()
    if preemption.stopped is None:
        return
    step = trainer.state.global_step
    checkpoint = Path(trainer.args.output_dir) / f"checkpoint-{step}"
    if not (checkpoint / "trainer_state.json").is_file():  # the signal came after the last step's save
        trainer._save_checkpoint(trainer.model_wrapped, trial=None)
    stop = Preempted(preemption.stopped, step, str(checkpoint))
    record.interrupt(str(stop), str(checkpoint))
    logger.warning("Training %s; checkpoint %s. Run the same command to resume.", stop, checkpoint)
    trainer.accelerator.wait_for_everyone()  # no process exits (and so ends the others) before the record is written
    raise stop


def read_training_splits(data_args, train_specs, training_args):
    """The train files of --data_list, each sampled by its fraction (``A+B:0.25``), seeded by --subset_seed."""
    seed = data_args.subset_seed if data_args.subset_seed is not None else data_order_seed(training_args)
    splits = read_splits(data_args.data_dir, [name for name, _ in train_specs], "train", data_args.entity_types)
    return [sample_split(split, fraction, seed) for split, (_, fraction) in zip(splits, train_specs)]


def heads_groups(model_side, heads, train_splits, eval_names, scored_splits, data_args):
    """A head per corpus (--head corpus, or a model with heads): the heads trained (new ones written into the
    model's config), the training, devel and test groups with each dataset routed to its head, and the tag set
    of the first group's first dataset (for the record)."""
    if data_args.labels:
        raise UsageError("--labels: with a head per corpus each dataset has its own tags (leave --labels out)")
    check_head_types(data_args.head_types, [split.dataset for split in train_splits or []] + eval_names)
    train_group = None
    if train_splits is not None:
        heads = training_heads(model_side.config, model_side.name, train_splits, data_args)
        train_group = heads_group(train_splits, heads, model_side.name, data_args, training=True)
    elif not heads:
        raise UsageError("--head corpus: the heads are made by training (--do_train); score a model with heads without --head")
    scored = [load_heads_group(data_args, eval_names, split, heads, model_side.name) if split in scored_splits else None
              for split in ("devel", "test")]
    groups = (train_group, *scored)
    return next(group for group in groups if group is not None).tagset, groups


def add_domain_ids(group: SplitGroup, general_datasets: list[str]) -> None:
    """``--head domain``: route each example to the general-domain (1) or biomedical (0) branch."""
    names = {split.dataset for split in group.splits}
    general = names & set(general_datasets)
    logger.info("Domain head: general-domain branch for %s, biomedical branch for %s",
                ", ".join(sorted(general)) or "none", ", ".join(sorted(names - general)) or "none")
    domain_ids = [int(dataset in general) for dataset in group.features["dataset"]]
    group.features = group.features.add_column("domain_ids", domain_ids)


def _scores_only(results: dict, prefix: str) -> dict:
    return {k: v for k, v in results.items() if k.startswith(prefix + "_") and isinstance(v, (int, float))}


def cli() -> int:
    """``gerbera-train`` and ``python run_ner.py``: the process's exit status, never the results (`gerbera.commands.exits`)."""
    return exit_status(main)


if __name__ == "__main__":
    raise SystemExit(cli())
