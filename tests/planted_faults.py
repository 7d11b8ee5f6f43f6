"""run_ner.py with a fault planted at a chosen moment, for the tests of what a run does when it fails
or gets a signal there (tests/test_run_lifecycle.py).

    python tests/planted_faults.py MOMENT run_ner.py-flags...

MOMENT is one of

- ``raise-at-step-3``: the third training step raises a (CPU-made) CUDA out-of-memory error;
- ``pause-in-evaluation``: the first evaluation during training, ``pause-in-saving``: the saving of
  the final model, ``pause-in-prediction``: the prediction of the test set after training. At that
  moment the run prints ``PLANTED PAUSE`` and waits (at most 5 minutes) for the file named by
  $PLANTED_GO, which the test creates after it has sent its signal: the signal lands there,
  however loaded the machine.
"""

import os
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from gerbera.commands.run_ner import main
from gerbera.training.trainer import GerberaTrainer


def pause() -> None:
    print("PLANTED PAUSE", flush=True)
    go = Path(os.environ["PLANTED_GO"])
    deadline = time.monotonic() + 300
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.05)


def plant(moment: str) -> None:
    training_step, prediction_step, save_model = (
        GerberaTrainer.training_step, GerberaTrainer.prediction_step, GerberaTrainer.save_model)
    steps = []
    paused = []

    def failing_step(self, *args, **kwargs):
        steps.append(1)
        if len(steps) == 3:
            raise torch.OutOfMemoryError("CUDA out of memory (planted)")
        return training_step(self, *args, **kwargs)

    def pausing_prediction(self, *args, **kwargs):
        if not paused and self.is_in_train == (moment == "pause-in-evaluation"):
            paused.append(1)
            pause()
        return prediction_step(self, *args, **kwargs)

    def pausing_save(self, output_dir=None, _internal_call=False):
        if not _internal_call and not paused:  # the final model, not a checkpoint
            paused.append(1)
            pause()
        return save_model(self, output_dir, _internal_call)

    if moment == "raise-at-step-3":
        GerberaTrainer.training_step = failing_step
    elif moment in ("pause-in-evaluation", "pause-in-prediction"):
        GerberaTrainer.prediction_step = pausing_prediction
    elif moment == "pause-in-saving":
        GerberaTrainer.save_model = pausing_save
    else:
        raise SystemExit(f"unknown moment {moment}")


if __name__ == "__main__":
    plant(sys.argv[1])
    main(sys.argv[2:])
