"""Where the toolkit keeps what it can always build again: ``$GERBERA_CACHE``, else
``$XDG_CACHE_HOME/gerbera``, else ``~/.cache/gerbera``. Tokenized features live in its ``features``
folder (:mod:`gerbera.features.split_groups`), ONNX exports in ``exports``
(:mod:`gerbera.runtimes.onnx_export`)."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["toolkit_cache_dir"]


def toolkit_cache_dir(part: str) -> Path:
    """The folder ``part`` of the toolkit's cache."""
    base = os.environ.get("GERBERA_CACHE") or os.path.join(
        os.environ.get("XDG_CACHE_HOME", os.path.join(os.path.expanduser("~"), ".cache")), "gerbera")
    return Path(base) / part
