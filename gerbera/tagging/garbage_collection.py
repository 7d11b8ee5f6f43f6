"""Python's cyclic garbage collector, tuned while ``run_predict`` tags.

Tagging makes and drops millions of small objects (tokens, sentences, windows, entities), and
holds a chunk's worth of them until the chunk is written. Those that live through two young
collections are moved to the oldest generation, and once enough have been moved the collector
runs a full collection, which walks every object in the process that can hold references. After
``import torch, transformers`` and a loaded model that is some 460,000 objects that are never
garbage, walked again chunk after chunk. Measured by ``bench/predict_speed.py``'s host arm
(2,000 documents, tiny model, one thread): 6.8-7.5 s with the default collector, 5.3-5.9 s with
the settings below, 5.2-5.4 s with the collector off.

:func:`fewer_collections` freezes the objects that exist when tagging starts (``gc.freeze``:
collections no longer walk them; they are still freed by their reference counts as ever) and
raises the youngest generation's threshold, so that young collections are fewer; both are put
back when tagging ends. The collector stays on: a reference cycle made while tagging is still
collected, so memory stays bounded however long the run. What a caller set is respected: with
objects already frozen nothing more is frozen (``gc.unfreeze`` could not tell theirs from ours),
and with automatic collection off (``gc.disable()``, or a threshold of 0) it stays off. Calls
may nest or overlap from several threads: the first in sets, the last out restores.
"""

from __future__ import annotations

import contextlib
import gc
import threading
from collections.abc import Iterator

__all__ = ["YOUNG_THRESHOLD", "fewer_collections"]

YOUNG_THRESHOLD = 10_000  # allocations between young collections while tagging (Python's default: 700)

_lock = threading.Lock()
_active = 0  # calls inside fewer_collections(), in all threads
_restore: tuple = ()  # (threshold, whether we froze) of the first call in


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """Freeze what exists now and collect young objects less often, undone when the last call exits."""
    global _active, _restore
    with _lock:
        if _active == 0:
            threshold = gc.get_threshold()
            froze = gc.get_freeze_count() == 0
            if froze:
                gc.freeze()
            if gc.isenabled() and threshold[0] > 0:
                gc.set_threshold(max(threshold[0], YOUNG_THRESHOLD), *threshold[1:])
            _restore = (threshold, froze)
        _active += 1
    try:
        yield
    finally:
        with _lock:
            _active -= 1
            if _active == 0:
                threshold, froze = _restore
                gc.set_threshold(*threshold)
                if froze:
                    gc.unfreeze()
