"""Text as NER corpora hold it, below corpora, documents and tagging alike.

- :mod:`gerbera.text.segmentation`: raw text to sentences and words, as NER corpora are cut (the
  cut ``run_predict.py`` makes, and the one offset corpora are read with).
"""
