"""Python's cyclic garbage collector, tuned while ``run_predict`` tags.

Tagging makes and drops millions of small objects (tokens, sentences, windows, entities), and
holds a chunk's worth of them until the chunk is written. Those that live through two young
collections are moved to the oldest generation, and once enough have been moved the collector
runs a full collection, which walks every object in the process that can hold references. After
``import torch, transformers`` and a loaded model that is some 400,000 objects that are never
garbage, walked again chunk after chunk. Measured by ``bench/predict_speed.py``'s host arm
(2,000 documents, tiny model, one thread): 6.8-7.5 s with the default collector, 5.3-5.9 s with
the settings below, 5.2-5.4 s with the collector off.

:func:`fewer_collections` freezes the objects that exist when tagging starts (``gc.freeze``:
collections no longer walk them; the model and the libraries' objects are still freed by their
reference counts as ever) and raises the youngest generation's threshold, so that young
collections are fewer; both are put back when tagging ends. The collector stays on: a reference
cycle made while tagging is still collected, so memory stays bounded however long the run.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Iterator

__all__ = ["YOUNG_THRESHOLD", "fewer_collections"]

YOUNG_THRESHOLD = 10_000  # allocations between young collections while tagging (Python's default: 700)


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Freeze what exists now and collect young objects less often; undone on exit.

    Objects a caller froze before stay frozen: ``gc.unfreeze`` cannot tell theirs from ours, so
    it is called only when nothing was frozen before.
    """
    threshold = gc.get_threshold()
    frozen_before = gc.get_freeze_count()
    gc.freeze()
    gc.set_threshold(max(threshold[0], YOUNG_THRESHOLD), *threshold[1:])
    try:
        yield
    finally:
        gc.set_threshold(*threshold)
        if not frozen_before:
            gc.unfreeze()
