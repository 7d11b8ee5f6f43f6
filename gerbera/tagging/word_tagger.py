"""The model side of tagging: a trained model that gives each word of a sentence a tag and its probability.

:class:`WordTagger` runs a model saved by ``run_ner.py`` without a `Trainer`: plain batched
inference under ``torch.inference_mode()``, windows sorted by length (longest first) and padded
per batch, the forward pass in the scoring precision: a setting of :mod:`gerbera.runtimes.settings`
(PyTorch in fp32, bf16 or int8, or ONNX Runtime), the only part that changes with the setting.

Each sentence goes through the same :class:`~gerbera.features.word_pieces.WordEncoder` and
:func:`~gerbera.features.word_predictions.word_level_ids` as ``run_eval.py``, so a long sentence
is cut into the same windows, an untokenizable word is fed as the unknown token, and every word
gets exactly one tag: the arg-max of the logits at its first sub-token, with the softmax
probability of that tag. The same sentence gets the same tags as in ``run_eval.py``'s
``test_predictions.txt`` (with the same ``--max_seq_length``).
"""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain

import numpy as np
import torch
from transformers.data.data_collator import pad_without_fast_tokenizer_warning

from gerbera.errors import GerberaError, UsageError
from gerbera.features.word_predictions import word_level_ids
from gerbera.models.loading import load_model
from gerbera.models.model_side import ModelArguments, ModelSide
from gerbera.runtimes.settings import forward_for
from gerbera.tagging.model_identity import folder_identity, loaded_identity

__all__ = ["WordTagger", "choose_device"]


def choose_device(device: str | None) -> torch.device:
    """``None`` or ``"auto"``: the GPU when there is one, else the CPU; else the named device, checked."""
    if device is None or device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        chosen = torch.device(device)
    except (RuntimeError, ValueError):
        raise UsageError(f"--device {device}: not a device (use cpu, cuda, cuda:1, ... or auto)") from None
    if chosen.type == "cuda" and not torch.cuda.is_available():
        raise GerberaError(f"--device {device}: this machine has no CUDA GPU that torch can use")
    if chosen.type == "cuda" and chosen.index is not None and chosen.index >= torch.cuda.device_count():
        raise GerberaError(f"--device {device}: there are only {torch.cuda.device_count()} GPUs")
    return chosen


class WordTagger:
    """A trained token-classification model that tags lists of words.

    Build it with :meth:`load` (a folder saved by ``run_ner.py``), or from parts: a model whose
    output ``logits`` are ``(batch, tokens, tags)``, the :class:`~gerbera.features.word_pieces.WordEncoder`
    of its tokenizer, and its :class:`~gerbera.corpora.tags.TagSet`.
    """

    certificate: str | None = None  # the certificate a setting chosen by --scoring_precision auto came from

    def __init__(
        self,
        model,
        encoder,
        tagset,
        batch_size: int = 32,
        device: str | torch.device | None = None,
        precision: str = "fp32",
    ):
        if batch_size < 1:
            raise UsageError(f"--batch_size {batch_size}: must be at least 1")
        self.device = torch.device(device) if device is not None else next(model.parameters()).device
        self.model = model.to(self.device).eval()
        self.encoder = encoder
        self.tagset = tagset
        self.labels = np.asarray(tagset.labels, dtype=object)
        self.batch_size = batch_size
        self.precision = precision  # a setting of gerbera.runtimes.settings
        self.columns: list[slice] | None = None  # a model with a head per corpus: each head's columns
        self.name = getattr(getattr(model, "config", None), "_name_or_path", None)
        self.identity: dict | None = None  # the model folder's fingerprint when it was loaded (load())
        self.forward = forward_for(self.model, precision, self.device, self._identity)
        # A long sentence is tokenized whole before it is cut into windows: the tokenizer's
        # "sequence length is longer than the specified maximum" warning does not apply.
        warned = getattr(encoder.tokenizer, "deprecation_warnings", None)
        if isinstance(warned, dict):
            warned["sequence-length-is-longer-than-the-specified-maximum"] = True

    def _identity(self) -> str | None:
        """The fingerprint of the model folder (weights, config, tokenizer), for a cached export; None without a
        folder. That of the files the model was loaded from (load()), not of what the folder holds now."""
        identity = self.identity or folder_identity(self.name)
        return identity["model"] if identity else None

    @classmethod
    def load(
        cls,
        model_name_or_path: str | None = None,
        max_seq_length: int = 128,
        batch_size: int = 32,
        device: str | None = None,
        model_args=None,
        **options,
    ):
        """Load a model saved by ``run_ner.py`` the way ``run_eval.py`` does.

        ``model_args`` (`gerbera.models.model_side.ModelArguments`) carries every model-loading
        flag; without it one is made from ``model_name_or_path``. ``device``: ``"cpu"``,
        ``"cuda"``, ...; default the GPU when there is one. ``options`` go to the constructor.
        """
        if model_args is None:
            model_args = ModelArguments(model_name_or_path=model_name_or_path)
        before = folder_identity(model_args.model_name_or_path)  # before any file of it is read
        side = ModelSide.load(model_args, max_seq_length)
        if side.trained_tagset is None:
            raise GerberaError(
                f"{side.name} has no trained tag head: tag text with a model saved by run_ner.py (--model_name_or_path)"
            )
        encoder = side.encoder(max_seq_length)
        model = load_model(side.name, side.config, side.trained_tagset, model_args.trust_remote_code, model_args.cache_dir)
        device = choose_device(device)
        tagger = cls(model, encoder, side.trained_tagset, batch_size=batch_size, device=device,
                     precision=model_args.scoring_precision, **options)
        tagger.name = side.name
        tagger.identity = loaded_identity(side.name, before) if before is not None else None
        return tagger

    def _pad(self, rows: list[list[int]]) -> dict:
        """A batch of rows padded as the tokenizer pads them (DataCollatorForTokenClassification, for
        run_eval.py): to the longest row with the pad token, on the tokenizer's padding side, with
        the attention mask; int64 tensors. Built in numpy; a tokenizer without a pad token, or with
        a padding side other than right or left, pads the rows itself."""
        tokenizer = self.encoder.tokenizer
        pad_id, side = tokenizer.pad_token_id, tokenizer.padding_side
        if pad_id is None or side not in ("right", "left") or not rows:
            return pad_without_fast_tokenizer_warning(
                tokenizer, {"input_ids": rows}, return_tensors="pt", return_attention_mask=True
            )
        lengths = np.fromiter(map(len, rows), dtype=np.int64, count=len(rows))
        width = int(lengths.max())
        columns = np.arange(width)
        # the cells a row's tokens fill, row by row in order: the first len(row) (right) or the last
        mask = columns < lengths[:, None] if side == "right" else columns >= (width - lengths)[:, None]
        input_ids = np.full((len(rows), width), pad_id, dtype=np.int64)
        input_ids[mask] = np.fromiter(chain.from_iterable(rows), dtype=np.int64, count=int(lengths.sum()))
        return {"input_ids": torch.from_numpy(input_ids), "attention_mask": torch.from_numpy(mask.astype(np.int64))}

    def _forward(self, padded: dict, with_token_type_ids: bool) -> tuple[np.ndarray, np.ndarray]:
        """Arg-max tag ids and their softmax probabilities for a padded batch, (rows, longest)."""
        inputs = {"input_ids": padded["input_ids"].to(self.device), "attention_mask": padded["attention_mask"].to(self.device)}
        if with_token_type_ids:
            inputs["token_type_ids"] = torch.zeros_like(inputs["input_ids"])
        logits = self.forward.logits(inputs)
        if self.columns is not None:  # one (rows, longest, heads) array: each head's arg-max over its own columns
            logits = logits.float()
            ids = torch.stack([logits[..., columns].argmax(dim=-1) for columns in self.columns], dim=-1)
            probabilities = torch.stack([torch.softmax(logits[..., columns], dim=-1).gather(-1, ids[..., [k]]).squeeze(-1)
                                         for k, columns in enumerate(self.columns)], dim=-1)
            return ids.cpu().numpy(), probabilities.cpu().numpy()
        ids = logits.argmax(dim=-1)  # on the logits, as run_eval.py does
        probabilities = torch.softmax(logits, dim=-1).gather(-1, ids.unsqueeze(-1)).squeeze(-1)
        return ids.cpu().numpy(), probabilities.cpu().numpy()

    def prepare(self, sentences: Sequence[Sequence[str]]) -> dict:
        """The host side before the forward pass: the sentences' windows, sorted and padded into batches.

        Needs no model: :class:`~gerbera.tagging.tagger.Tagger` runs it on a worker thread while
        the model works on the batches before.
        """
        sentences = [list(words) for words in sentences]
        lengths = [len(words) for words in sentences]
        keep = [i for i, n in enumerate(lengths) if n]
        prepared = {"lengths": lengths, "keep": keep, "batches": []}
        if not keep:
            return prepared
        batch = {"words": [sentences[i] for i in keep], "sentence_id": list(range(len(keep))), "dataset": [""] * len(keep)}
        features = self.encoder.encode(batch)
        rows = features["input_ids"]
        order = sorted(range(len(rows)), key=lambda r: -len(rows[r]))  # longest first, as run_eval.py
        prepared.update(features=features, longest=max(len(row) for row in rows),
                        with_token_type_ids="token_type_ids" in features)
        for start in range(0, len(order), self.batch_size):
            chosen = order[start : start + self.batch_size]
            prepared["batches"].append((chosen, self._pad([rows[r] for r in chosen])))
        return prepared

    def run(self, prepared: dict) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Tag ids and their probabilities, one per word of every sentence, from :meth:`prepare`'s batches
        (with ``columns``, a model with a head per corpus: one column per head, ``(words, heads)``)."""
        lengths, keep = prepared["lengths"], prepared["keep"]
        heads = () if self.columns is None else (len(self.columns),)
        ids_out = [np.zeros((0, *heads), dtype=np.int64) for _ in lengths]
        probs_out = [np.zeros((0, *heads), dtype=np.float32) for _ in lengths]
        if not keep:
            return ids_out, probs_out
        features = prepared["features"]
        ids = np.zeros((len(features["input_ids"]), prepared["longest"], *heads), dtype=np.int64)
        probs = np.zeros(ids.shape, dtype=np.float32)
        with torch.inference_mode():
            for chosen, padded in prepared["batches"]:
                batch_ids, batch_probs = self._forward(padded, prepared["with_token_type_ids"])
                width = batch_ids.shape[1]
                ids[chosen, :width] = batch_ids
                probs[chosen, :width] = batch_probs
        # word_level_ids puts every window's word predictions back in sentence order; it is given
        # flat indices into the (rows, tokens) arrays, so ids and probabilities follow one gather.
        flat = np.arange(ids.shape[0] * ids.shape[1], dtype=np.int64).reshape(ids.shape[:2])
        per_sentence = word_level_ids(flat, features, [lengths[i] for i in keep])
        ids, probs = ids.reshape(-1, *heads), probs.reshape(-1, *heads)
        for i, index in zip(keep, per_sentence):
            ids_out[i] = ids[index]
            probs_out[i] = probs[index]
        return ids_out, probs_out

    def predict(self, sentences: Sequence[Sequence[str]]) -> tuple[list[np.ndarray], list[np.ndarray]]:
        """Tag ids and their probabilities, one per word of every sentence (empty sentences allowed)."""
        return self.run(self.prepare(sentences))

    def tags_of(self, ids: np.ndarray) -> list[str]:
        """The tags of one sentence's tag ids."""
        return self.labels[ids].tolist()

    def tag_words(self, sentences: Sequence[Sequence[str]]) -> list[list[str]]:
        """One tag per word of every sentence (the words as given, not re-tokenized)."""
        ids, _ = self.predict(sentences)
        return [self.tags_of(sentence) for sentence in ids]
