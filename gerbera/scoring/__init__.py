"""Scores.

- ``metrics``: where metrics are made: seqeval span precision, recall and F1 (conlleval mode);
- ``group_scores``: scoring one or more datasets' devel or test files with a trainer, and writing
  the results and prediction files;
- ``comparison``: two systems' predictions on the same text compared, with significance tests and
  error kinds (``python -m gerbera.compare``).
"""
