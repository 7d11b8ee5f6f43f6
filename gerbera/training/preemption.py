"""Stopping cleanly when a cluster preempts a job.

SLURM and Kubernetes send SIGTERM (SLURM's ``--signal`` often SIGUSR1) some time before they kill
a job; torchrun passes SIGTERM on to its processes. While ``run_ner.py`` trains,
:class:`PreemptionCallback` catches both signals, lets the current optimizer step (or the
evaluation in progress) finish, saves a complete checkpoint and stops. ``run_ner.py`` then marks
its run record ``interrupted`` and exits with 128 + the signal's number, as a process killed by that
signal would report. Running the same command again resumes from that checkpoint, with the data
order an uninterrupted run has. Data-loader workers ignore the signals
(`gerbera.training.loader_workers`); should one die of it anyway, that also stops training with a
checkpoint (`stopped_by_dead_worker`).

With several processes, each may get the signal at a slightly different step: they agree through a
one-number all-reduce on a CPU (gloo) group at the end of every step and evaluation, so that all
stop at the same point (a GPU collective would make every step wait for the GPU).

`SignalCatcher` holds the handlers; it is shared, so that ``run_ner.py`` can keep catching the
signals after training, while it saves the model and scores it. Every way training ends, errors
included, gives the previous handlers back (`PreemptionCallback.release`).
"""

from __future__ import annotations

import logging
import signal
import threading

import torch
from transformers import TrainerCallback

from gerbera.training.loader_workers import PREEMPTION_SIGNALS

logger = logging.getLogger("gerbera")


class Preempted(Exception):
    """Training stopped on a signal; ``exit_code`` is 128 + the signal's number."""

    def __init__(self, signum: int, step: int, checkpoint: str | None):
        self.signum, self.step, self.checkpoint = signum, step, checkpoint
        self.exit_code = 128 + signum
        super().__init__(f"stopped by {signal.Signals(signum).name} after step {step}")


class SignalCatcher:
    """While held, SIGTERM and SIGUSR1 are caught, not fatal: ``received`` keeps the first one.
    Holds nest; the handlers in place before the first hold come back when the last one ends.
    Signal handlers belong to the main thread: elsewhere a hold changes nothing."""

    def __init__(self):
        self.received: int | None = None
        self._holds = 0
        self._previous: dict[int, object] = {}

    def _catch(self, signum, frame) -> None:
        if self.received is None:
            self.received = signum

    def hold(self) -> None:
        if self._holds == 0 and threading.current_thread() is threading.main_thread():
            for signum in PREEMPTION_SIGNALS:
                self._previous[signum] = signal.signal(signum, self._catch)
        self._holds += 1

    def release(self) -> None:
        self._holds = max(0, self._holds - 1)
        if self._holds == 0:
            for signum, handler in self._previous.items():
                signal.signal(signum, handler)
            self._previous.clear()

    def __enter__(self) -> SignalCatcher:
        self.hold()
        return self

    def __exit__(self, *exc) -> None:
        self.release()


class PreemptionCallback(TrainerCallback):
    """Catches SIGTERM and SIGUSR1 during training; after the step or evaluation in progress,
    saves and stops."""

    def __init__(self, signals: SignalCatcher | None = None):
        self.signals = signals or SignalCatcher()
        self.stopped: int | None = None  # the signal that stopped training (any process's)
        self._holding = False
        self._group = None
        self._distributed = False

    @property
    def received(self) -> int | None:
        """The first signal caught on this process."""
        return self.signals.received

    def on_train_begin(self, args, state, control, **kwargs):
        # (called again, without on_train_end, when --auto_find_batch_size retries: hold once)
        if not self._holding:
            self.signals.hold()
            self._holding = True
        distributed = args.world_size > 1 and torch.distributed.is_available() and torch.distributed.is_initialized()
        if distributed and not self._distributed:
            backend = torch.distributed.get_backend()
            # every process creates the group, at the same point
            self._group = None if backend == "gloo" else torch.distributed.new_group(backend="gloo")
        self._distributed = distributed

    def signal_on_any_process(self) -> int | None:
        """The signal caught on any process (every process must call this at the same point)."""
        if not self._distributed:
            return self.received
        flag = torch.tensor([self.received or 0], dtype=torch.int64)
        torch.distributed.all_reduce(flag, op=torch.distributed.ReduceOp.MAX, group=self._group)
        return int(flag.item()) or None

    def _stop_if_signalled(self, state, control, where: str):
        signum = self.signal_on_any_process()
        if signum is not None and self.stopped is None:
            self.stopped = signum
            logger.warning(
                "%s received: saving a checkpoint after %s %d and stopping (the same command resumes)",
                signal.Signals(signum).name, where, state.global_step,
            )
        if self.stopped is not None:
            control.should_save = True
            control.should_training_stop = True
        return control

    def on_step_end(self, args, state, control, **kwargs):
        control = self._stop_if_signalled(state, control, "step")
        if self.stopped is not None:
            control.should_evaluate = False  # no time for it: the checkpoint comes first
        return control

    def on_evaluate(self, args, state, control, **kwargs):
        if self._holding:  # an evaluation during training: save right after it
            control = self._stop_if_signalled(state, control, "the evaluation at step")
        return control

    def on_epoch_end(self, args, state, control, **kwargs):
        if self.stopped is not None:
            control.should_evaluate = False
            control.should_save = False  # saved at the step's end already
        return control

    def on_train_end(self, args, state, control, **kwargs):
        # a signal caught after the last step's end (final evaluation, best-model loading) still counts
        if self.stopped is None:
            self.stopped = self.signal_on_any_process()
        self.release()

    def release(self) -> None:
        """Give the signal handlers back (when training ends, whatever way; called again, nothing)."""
        if self._holding:
            self._holding = False
            self.signals.release()

    def stopped_by_dead_worker(self, error: BaseException) -> bool:
        """Whether ``error`` is a data-loader worker's death by a preemption signal (one this
        process caught too, or named in the error): then training counts as stopped by it."""
        message = str(error)
        if not isinstance(error, RuntimeError) or not message.startswith("DataLoader worker"):
            return False
        named = next((s for s in PREEMPTION_SIGNALS if f"signal: {signal.strsignal(s)}" in message), None)
        signum = self.received or named
        if signum is None:
            return False
        self.stopped = self.stopped or signum
        logger.warning("A data-loader worker died (%s) after %s: stopping with a checkpoint", message.strip(),
                       signal.Signals(signum).name)
        return True
