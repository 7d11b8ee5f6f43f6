"""GERBERA: general-to-biomedical transfer for named-entity recognition.

Train a biomedical NER model together with general-domain NER data (multi-task step),
fine-tune it on the biomedical corpus alone, and evaluate it across datasets.

The packages, from the data up (each package's docstring lists its modules):
``text`` (text cut into sentences and words, as corpora are cut), ``corpora`` (column files and tags), ``features`` (words to sub-token inputs and back),
``models`` (encoder and tag head, the original code's checkpoints), ``training`` (the Trainer),
``scoring`` (seqeval metrics, comparing two systems), ``tagging`` (new text, PubTator),
``reporting`` (run records, model cards, experiment reports) and, on top, ``commands``
(run_ner.py, run_eval.py, run_predict.py and the others). ``errors``, ``outputs`` (atomic result
files), ``fingerprints`` (one identity for an input file: its content) and ``hardware`` (choices
for the machine) serve them all.
"""

__version__ = "0.1.0"
