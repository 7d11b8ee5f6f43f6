"""The command-line programs, on top of the library: each module here is one command, and nothing
in the library imports them.

- ``run_ner``: training, the multi-task step and biomedical fine-tuning (``run_ner.py``, ``gerbera-train``);
- ``run_eval``: scoring a trained model on other datasets (``run_eval.py``, ``gerbera-eval``);
- ``run_predict``: tagging new text (``run_predict.py``, ``gerbera-predict``);
- ``inspect_data``: what a ``--data_dir`` and ``--data_list`` hold, before training (``gerbera-inspect``);
- ``convert``: checkpoints of the original code into the toolkit's format (``convert_checkpoint.py``);
- ``compare``: two runs' predictions compared, with statistics (``python -m gerbera.compare``);
- ``experiment``, ``experiment_runs``: single-task against GERBERA over sizes and seeds
  (``python -m gerbera.experiment``);
- ``arguments``, ``original_flags``: the flags of run_ner.py and run_eval.py, and the original
  code's flags that transformers dropped;
- ``session``: what every command run shares: logging, user errors, the output folder and resuming.
- ``exits``: what every command exits with (0 done, 1 failed, 2 a wrong command line, 130/143 a signal), and
  ``exit_status``, behind each command's ``cli()`` (what the installed ``gerbera-*`` commands and the scripts start);
- ``interruption``: Ctrl-C or SIGTERM during a command with nothing to checkpoint (``run_predict``): one line,
  no traceback, no partial file.
"""
