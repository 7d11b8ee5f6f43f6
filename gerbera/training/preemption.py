"""Stopping cleanly when a cluster preempts a job.

SLURM and Kubernetes send SIGTERM (SLURM's ``--signal`` often SIGUSR1) some time before they kill
a job; torchrun passes SIGTERM on to its processes. While ``run_ner.py`` trains,
:class:`PreemptionCallback` catches both signals, lets the current optimizer step finish, saves a
complete checkpoint and stops. ``run_ner.py`` then marks its run record ``interrupted`` and exits
with 128 + the signal's number, as a process killed by that signal would report. Running the same
command again resumes from that checkpoint, with the data order an uninterrupted run has.

With several processes, each may get the signal at a slightly different step: they agree through a
one-number all-reduce on a CPU (gloo) group at the end of every step, so that all stop after the
same step (a GPU collective would make every step wait for the GPU).
"""

from __future__ import annotations

import functools
import logging
import signal
import threading

import torch
from transformers import TrainerCallback

logger = logging.getLogger("gerbera")

PREEMPTION_SIGNALS = (signal.SIGTERM, signal.SIGUSR1)


def _ignore_preemption_signals(worker_id: int, then=None) -> None:
    for signum in PREEMPTION_SIGNALS:
        signal.signal(signum, signal.SIG_IGN)
    if then is not None:
        then(worker_id)


def shield_workers(loader) -> None:
    """Data-loader worker processes ignore the preemption signals. torchrun and SLURM signal the
    whole process group: a worker would die on SIGTERM, and the main process would then fail in
    the middle of a step instead of saving. The workers still end with the main process."""
    for candidate in (loader, getattr(loader, "base_dataloader", None)):
        if getattr(candidate, "num_workers", 0) > 0:
            inner = candidate.worker_init_fn
            if getattr(inner, "func", None) is not _ignore_preemption_signals:
                candidate.worker_init_fn = functools.partial(_ignore_preemption_signals, then=inner)


class Preempted(Exception):
    """Training stopped on a signal; ``exit_code`` is 128 + the signal's number."""

    def __init__(self, signum: int, step: int, checkpoint: str | None):
        self.signum, self.step, self.checkpoint = signum, step, checkpoint
        self.exit_code = 128 + signum
        super().__init__(f"stopped by {signal.Signals(signum).name} after step {step}")


class PreemptionCallback(TrainerCallback):
    """Catches SIGTERM and SIGUSR1 during training; after the step in progress, saves and stops."""

    def __init__(self):
        self.received: int | None = None  # the first signal caught, on this process
        self.stopped: int | None = None  # the signal that stopped training (any process's)
        self._previous_handlers: dict[int, object] = {}
        self._group = None
        self._distributed = False

    def _catch(self, signum, frame) -> None:
        if self.received is None:
            self.received = signum

    def on_train_begin(self, args, state, control, **kwargs):
        # (called again, without on_train_end, when --auto_find_batch_size retries: set up once)
        if not self._previous_handlers and threading.current_thread() is threading.main_thread():
            for signum in PREEMPTION_SIGNALS:  # signal handlers live in the main thread only
                self._previous_handlers[signum] = signal.signal(signum, self._catch)
        distributed = args.world_size > 1 and torch.distributed.is_available() and torch.distributed.is_initialized()
        if distributed and not self._distributed:
            backend = torch.distributed.get_backend()
            # every process creates the group, at the same point
            self._group = None if backend == "gloo" else torch.distributed.new_group(backend="gloo")
        self._distributed = distributed

    def _signal_on_any_process(self) -> int | None:
        if not self._distributed:
            return self.received
        flag = torch.tensor([self.received or 0], dtype=torch.int64)
        torch.distributed.all_reduce(flag, op=torch.distributed.ReduceOp.MAX, group=self._group)
        return int(flag.item()) or None

    def on_step_end(self, args, state, control, **kwargs):
        signum = self._signal_on_any_process()
        if signum is not None and self.stopped is None:
            self.stopped = signum
            logger.warning(
                "%s received: saving a checkpoint after step %d and stopping (the same command resumes)",
                signal.Signals(signum).name, state.global_step,
            )
        if self.stopped is not None:
            control.should_save = True
            control.should_training_stop = True
            control.should_evaluate = False  # no time for it: the checkpoint comes first
        return control

    def on_epoch_end(self, args, state, control, **kwargs):
        if self.stopped is not None:
            control.should_evaluate = False
            control.should_save = False  # saved at the step's end already
        return control

    def on_train_end(self, args, state, control, **kwargs):
        # a signal caught after the last step's end (final evaluation, best-model loading) still counts
        if self.stopped is None:
            self.stopped = self._signal_on_any_process()
        for signum, handler in self._previous_handlers.items():
            signal.signal(signum, handler)
        self._previous_handlers.clear()
