"""Which model tagged a corpus folder: the files that make the tags, hashed, and where they were.

A corpus run records its model in the folder's settings (:mod:`gerbera.tagging.manifest`) so that
one folder never holds the output of two models. The identity hashes only what makes the tags:

- the weights (``*.safetensors``, ``pytorch_model*.bin`` and their ``*.index.json``),
- ``config.json`` (the tag names and the head),
- the tokenizer (``tokenizer.json``, ``tokenizer_config.json``, ``special_tokens_map.json``,
  ``added_tokens.json``, ``vocab.txt``, ``vocab.json``, ``merges.txt``, ``*.model``).

Anything else a model folder holds (scores and predictions written by ``run_eval.py --output_dir``
into it, ``run_record.json``, a model card, ``training_args.bin``) is left out, so writing
results next to a model does not make it another model. A name that is not a folder (a hub
model) stands for itself. The path and the hash of each file are kept too, to say in a refusal
which folders and which of their files differ.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from gerbera.errors import GerberaError
from gerbera.fingerprints import fingerprint

__all__ = ["folder_identity", "loaded_identity", "model_identity", "model_difference"]

TOKENIZER_FILES = ("tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "added_tokens.json",
                   "vocab.txt", "vocab.json", "merges.txt")


def makes_tags(name: str) -> bool:
    """Whether a file of a model folder (by its name) is read to make the tags."""
    return (name == "config.json" or name in TOKENIZER_FILES or name.endswith((".safetensors", ".index.json", ".model"))
            or (name.startswith("pytorch_model") and name.endswith(".bin")))


def model_identity(name: str) -> dict:
    """``model`` (the hash that decides), ``model_path`` and ``model_files`` (each file's hash)."""
    folder = Path(name)
    if not folder.is_dir():
        return {"model": f"name:{name}", "model_path": name, "model_files": {}}
    files = {path.name: fingerprint(path).sha256[:16] for path in sorted(folder.iterdir())
             if path.is_file() and makes_tags(path.name)}
    digest = hashlib.sha256("".join(f"{file}\0{sha}\0" for file, sha in files.items()).encode("utf-8"))
    return {"model": "sha256:" + digest.hexdigest()[:16], "model_path": os.path.abspath(name), "model_files": files}


def model_difference(earlier: dict, now: dict) -> str:
    """The models of two settings, by path, with the files that differ (for a refusal)."""
    then_path, now_path = earlier.get("model_path") or earlier.get("model"), now.get("model_path")
    before, after = earlier.get("model_files") or {}, now.get("model_files") or {}
    changed = sorted(file for file in set(before) | set(after) if before.get(file) != after.get(file))
    files = f": {', '.join(changed)} differ" if changed and "model_files" in earlier else ""
    if then_path == now_path:
        return f"model {now_path} then and now, but its files changed since{files}"
    return f"model {then_path} then, model {now_path} now{files}"


def folder_identity(name: str | None) -> dict | None:
    """:func:`model_identity` of a model folder; None for a name that is not a folder (nothing to check)."""
    return model_identity(name) if name and Path(name).is_dir() else None


def loaded_identity(name: str, before: dict | None) -> dict:
    """The identity of a model just loaded from ``name``, ``before`` having been taken before its first
    file was read: a model whose files changed in between (saved again while it loaded) is refused,
    so that the fingerprint a run records is that of the weights it tags with."""
    now = model_identity(name)
    if before is not None and before["model"] != now["model"]:
        raise GerberaError(f"{name}: the model's files changed while it was loaded ({model_difference(before, now)}); "
                           "run again once it is saved")
    return now
