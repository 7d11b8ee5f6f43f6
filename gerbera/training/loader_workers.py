"""Data-loader workers that a preemption signal does not kill, and that never outlive their run.

torchrun and SLURM signal every process of a job (the whole process group, or each process of the
job step): a data-loader worker would die on SIGTERM, and the main process would then fail in the
middle of a step, or of an evaluation, instead of saving a checkpoint. So the workers of every
loader the trainer makes (training, evaluation, test) ignore SIGTERM and SIGUSR1 (`shield_workers`).

A worker that ignores SIGTERM must still end when its run ends. The loader stops its workers
itself when an epoch ends or the loader is dropped; but when an error ends the run in the middle
of an epoch, Python's ``multiprocessing`` stops the leftover workers at exit with SIGTERM and then
waits for them -- forever, for a worker that ignores it. `shield_workers` therefore registers, once,
a ``multiprocessing`` exit finalizer, which runs before that wait: it asks the leftover daemon
workers to stop (SIGTERM, as multiprocessing would), gives them a moment, and kills the ones that
ignore it (SIGKILL). Workers only read and batch data: nothing is lost by killing them at exit.
"""

from __future__ import annotations

import functools
import multiprocessing
import multiprocessing.util
import signal
import threading
import time

PREEMPTION_SIGNALS = (signal.SIGTERM, signal.SIGUSR1)
_EXIT_GRACE_S = 2.0
_finalizer_registered = False


def _ignore_preemption_signals(worker_id: int, then=None) -> None:
    for signum in PREEMPTION_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    if then is not None:
        then(worker_id)


def shield_workers(loader) -> None:
    """The worker processes of ``loader`` (a torch or accelerate data loader) ignore the preemption
    signals; they still end with the run, whatever way it ends."""
    for candidate in (loader, getattr(loader, "base_dataloader", None)):
        if getattr(candidate, "num_workers", 0) > 0:
            inner = candidate.worker_init_fn
            if getattr(inner, "func", None) is not _ignore_preemption_signals:
                candidate.worker_init_fn = functools.partial(_ignore_preemption_signals, then=inner)
            _stop_leftover_workers_at_exit()


def _stop_leftover_workers_at_exit() -> None:
    global _finalizer_registered
    if not _finalizer_registered:
        # priority >= 0: runs in multiprocessing's exit function before it joins the children
        multiprocessing.util.Finalize(None, stop_leftover_workers, exitpriority=100)
        _finalizer_registered = True


def stop_leftover_workers(grace_s: float = _EXIT_GRACE_S) -> int:
    """Stop the daemon child processes still alive (at exit: data-loader workers an error left
    behind): SIGTERM, then SIGKILL for those still alive after ``grace_s``. The number killed."""
    workers = [p for p in multiprocessing.active_children() if p.daemon]
    if workers and threading.current_thread() is threading.main_thread():
        # torch's SIGCHLD handler would raise in the middle of this, at the first worker gone
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    for worker in workers:
        worker.terminate()
    deadline = time.monotonic() + grace_s
    for worker in workers:
        worker.join(timeout=max(0.0, deadline - time.monotonic()))
    stubborn = [worker for worker in workers if worker.is_alive()]
    for worker in stubborn:
        worker.kill()
    for worker in stubborn:
        worker.join(timeout=grace_s)
    return len(stubborn)
