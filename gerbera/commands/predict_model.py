"""The model side of run_predict.py: the setting chosen (``--scoring_precision auto``), the tagger
loaded, the threads it runs on."""

from __future__ import annotations

import logging
from pathlib import Path

from gerbera.commands.predict_arguments import PredictArguments
from gerbera.errors import GerberaError, UsageError
from gerbera.tagging.model_identity import model_identity
from gerbera.tagging.model_set import ModelSet, parse_model_specs
from gerbera.tagging.tagger import Tagger

logger = logging.getLogger("gerbera")

__all__ = ["load_tagger", "models_identity", "set_threads", "with_chosen_setting"]


def load_tagger(model_args, args: PredictArguments, device: str) -> Tagger:
    """The model (or the models of --model, as a :class:`~gerbera.tagging.model_set.ModelSet`), loaded
    without transformers' progress bars under --disable_tqdm."""
    from transformers.utils import logging as hf_logging

    bars_were_on = hf_logging.is_progress_bar_enabled()
    if args.disable_tqdm:  # also the "Loading weights" bar
        hf_logging.disable_progress_bar()
    try:
        if model_args.model:
            from dataclasses import replace

            taggers = {}
            for name, path in parse_model_specs(model_args.model).items():
                try:
                    taggers[name] = _load_one(replace(model_args, model_name_or_path=path, model=None), args, device, name)
                except GerberaError as error:  # said of the flag the user gave
                    raise type(error)(str(error).replace(f"--model_name_or_path {path}", f"--model {name}={path}")) from None
            tagger = ModelSet(taggers)
        else:
            tagger = _load_one(model_args, args, device, args.entity_type)
        _warn_if_no_general_head(tagger, model_args.general_heads)
        if args.output_words and len(tagger.layers) > 1:
            raise UsageError("--output_words: the model gives several tag layers (a head per corpus); tag with "
                             "one head's model, or leave --output_words out")
        return tagger
    finally:
        if bars_were_on:
            hf_logging.enable_progress_bar()


def _warn_if_no_general_head(tagger, general_heads: bool) -> None:
    from gerbera.models.corpus_heads import heads_of

    taggers = tagger.taggers.values() if isinstance(tagger, ModelSet) else [tagger]
    if general_heads and not any(head.general for one in taggers for head in heads_of(one.model.config) or []):
        logger.warning("--general_heads: no model here has a general-domain head (a head per corpus trained on "
                       "--general_data_list); it changes nothing")


def _load_one(model_args, args: PredictArguments, device: str, entity_type: str) -> Tagger:
    model_args = with_chosen_setting(model_args, args, device)
    tagger = Tagger.load(
        model_args=model_args, max_seq_length=args.max_seq_length, batch_size=args.batch_size,
        device=device, entity_type=entity_type, general_heads=model_args.general_heads,
    )
    tagger.certificate = getattr(model_args, "certificate", None)
    certified = getattr(model_args, "certified_model", None)
    if certified and tagger.identity and tagger.identity["model"] != certified:
        raise GerberaError(f"{tagger.name}: the model's files changed between reading its certificate and loading it "
                           f"(fingerprint {certified}, now {tagger.identity['model']}); run again once it is saved")
    return tagger


def models_identity(tagger) -> dict:
    """The identity of the model or models a run tags with, for a folder's settings (:mod:`gerbera.tagging.manifest`)."""
    if not isinstance(tagger, ModelSet):
        return _identity(tagger)
    identities = {name: _identity(one) for name, one in tagger.taggers.items()}
    return {"models": {name: identity["model"] for name, identity in identities.items()},
            "model_paths": {name: identity["model_path"] for name, identity in identities.items()}}


def _identity(tagger) -> dict:
    """The fingerprint of the files a tagger was loaded from (a hub name stands for itself)."""
    return tagger.identity or model_identity(tagger.name)


def with_chosen_setting(model_args, args: PredictArguments, device: str):
    """``--scoring_precision auto``: the fastest setting the model's certificate for this kind of machine
    holds within ``--max_f1_loss`` F1 points of fp32, else fp32 (:mod:`gerbera.runtimes.certificates`).
    A fast setting named by the user is kept, and the log says what the certificate measured of it: a
    warning when its loss goes beyond ``--max_f1_loss``, or that nothing checked its tags."""
    if model_args.scoring_precision == "fp32":
        return model_args
    from dataclasses import replace

    from gerbera.runtimes.certificates import choose_setting, judge_setting
    from gerbera.runtimes.settings import check_setting
    from gerbera.tagging.word_tagger import choose_device

    chosen_device, name = choose_device(device), model_args.model_name_or_path
    if model_args.scoring_precision != "auto":
        setting = model_args.scoring_precision
        identity = model_identity(name)["model"] if name and Path(name).is_dir() else None
        judged = judge_setting(name, identity, chosen_device, setting, model_args.max_f1_loss)
        (logger.warning if judged.warn else logger.info)("--scoring_precision %s: %s", setting, judged.said)
        named = replace(model_args)
        named.certificate, named.certified_model = judged.certificate, identity if judged.certificate else None
        return named

    def runnable(setting: str) -> bool:
        try:
            check_setting(setting, chosen_device)
        except GerberaError:
            return False
        return True

    identity = model_identity(name)["model"] if name and Path(name).is_dir() else None
    choice = choose_setting(name, identity, chosen_device, model_args.max_f1_loss, runnable)
    logger.info("--scoring_precision auto: %s", choice.reason if choice.setting != "fp32" else f"fp32 ({choice.reason})")
    chosen = replace(model_args, scoring_precision=choice.setting)
    chosen.certificate = choice.certificate if choice.setting != "fp32" else None
    chosen.certified_model = identity if choice.setting != "fp32" else None  # checked once the model is loaded
    return chosen


def set_threads(count: int | None) -> None:
    if count is not None:
        import torch

        torch.set_num_threads(count)
