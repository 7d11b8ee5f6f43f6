"""Running a generator ahead on a worker thread, so that the host side overlaps the model's forward pass.

:func:`prefetched` yields what ``items`` yields, in order, while a worker thread computes up to
``depth`` items ahead. :class:`~gerbera.tagging.tagger.Tagger` uses it on a GPU: the worker
reads the next documents, segments them and tokenizes their windows into padded batches, while
the main thread runs the model on the batches before and decodes and writes their documents.
The tokenizer and the forward pass release Python's lock, so the two really run at once.

An exception in the worker (a malformed document, say) is raised in the caller at the item
where it happened; when the caller stops early, the worker stops too.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Iterable, Iterator

__all__ = ["prefetched"]

_END = object()


def prefetched(items: Iterable, depth: int = 2) -> Iterator:
    """``items``, computed up to ``depth`` ahead on a worker thread."""
    ready: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(entry) -> bool:
        while not stop.is_set():
            try:
                ready.put(entry, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def work() -> None:
        try:
            for item in items:
                if not put((item, None)):
                    return
            put((_END, None))
        except BaseException as error:  # handed to the caller, raised there
            put((_END, error))

    worker = threading.Thread(target=work, name="gerbera-prefetch", daemon=True)
    worker.start()
    try:
        while True:
            item, error = ready.get()
            if error is not None:
                raise error
            if item is _END:
                return
            yield item
    finally:
        stop.set()
        worker.join()
