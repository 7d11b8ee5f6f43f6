"""What each of run_ner.py and run_eval.py shows in its --help: the flags it uses, each with its own
sentence.

Both commands read the same flags (`gerbera.commands.arguments`), so that one flags file or run
record serves both. run_eval.py scores a trained model: its help lists only the flags that do
something there; the others (training flags) are still accepted, unlisted, and change nothing.
The three action flags get help that says what they do in each command (transformers' own says
"Not directly used by Trainer").
"""

from __future__ import annotations

import argparse

RUN_NER = "run_ner"
RUN_EVAL = "run_eval"

ACTION_HELP = {
    RUN_NER: {
        "do_train": "Train on the train.txt files of --data_list; the model is saved in --output_dir.",
        "do_eval": "Score the devel.txt files of --eval_data_list after training (eval_results.txt and "
                   "eval_predictions.txt in --output_dir).",
        "do_predict": "Score the test.txt files of --eval_data_list after training (test_results.txt and "
                      "test_predictions.txt in --output_dir).",
        "resume_from_checkpoint": "A checkpoint-N folder to resume training from (docs/training.md, 'Resuming an "
                                  "interrupted run': when a run in --output_dir is resumed without it).",
    },
    RUN_EVAL: {
        "do_eval": "Score the devel.txt files of --eval_data_list (eval_results.txt and eval_predictions.txt in "
                   "--output_dir).",
        "do_predict": "Score the test.txt files of --eval_data_list (test_results.txt and test_predictions.txt in "
                      "--output_dir).",
    },
}

# The flags run_eval.py reads (model, data, output and the evaluation loop's own); the rest of
# run_ner.py's flags are accepted and ignored.
RUN_EVAL_FLAGS = {
    # the model
    "model_name_or_path", "cache_dir", "trust_remote_code", "word_tokenization", "scoring_precision",
    # the data and its features
    "data_dir", "labels", "eval_data_list", "type_map", "ignore_types", "eval_data_type", "entity_type", "max_seq_length",
    "pad_to_max_length", "fast_path",
    "length_buckets", "overwrite_cache", "features_cache_dir",
    # the output and the evaluation loop
    "output_dir", "overwrite_output_dir", "do_eval", "do_predict", "per_device_eval_batch_size", "eval_accumulation_steps",
    "seed", "use_cpu", "dataloader_num_workers", "dataloader_pin_memory", "dataloader_persistent_workers",
    "dataloader_prefetch_factor", "log_level", "log_level_replica", "disable_tqdm", "local_rank", "ddp_backend", "ddp_timeout",
}

OTHER_HELP = {
    RUN_NER: {
        "logging_steps": "Log the training loss every N optimizer steps, or every such share of the run's steps when "
                         "below 1 (default 0.02: about 50 points over the run, at least one a step, for the training "
                         "curve). --evaluate_during_training evaluates every --logging_steps (500 when not given).",
    },
    RUN_EVAL: {
        "eval_data_list": "Datasets to score, joined by '+' (required): devel.txt with --do_eval, test.txt with "
                          "--do_predict; scored together and each on its own.",
        "labels": "File with the tag set, one tag a line: checked against the model's trained tags "
                  "(default: the model's tags).",
    },
}

EPILOG = {
    RUN_EVAL: "run_eval.py also accepts run_ner.py's training flags, so that one flags file serves both; "
              "they change nothing here and are not listed.",
}


def tailor_help(parser: argparse.ArgumentParser, command: str) -> None:
    """Give ``parser``'s flags the help of ``command`` (run_ner or run_eval): the action flags' own
    sentences, and for run_eval the flags it does not use hidden from --help (still accepted)."""
    helps = {**ACTION_HELP.get(command, {}), **OTHER_HELP.get(command, {})}
    for action in parser._actions:
        if action.dest in helps:
            action.help = helps[action.dest]
        if command == RUN_EVAL and action.option_strings and action.dest not in RUN_EVAL_FLAGS | {"help", "version"}:
            action.help = argparse.SUPPRESS
    if command in EPILOG:
        parser.epilog = EPILOG[command]
