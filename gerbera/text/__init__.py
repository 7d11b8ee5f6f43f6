"""Text as NER corpora hold it, below corpora, documents and tagging alike.

- :mod:`gerbera.text.segmentation`: raw text to sentences and words, as NER corpora are cut (the
  cut ``run_predict.py`` makes, and the one offset corpora are read with).
- :mod:`gerbera.text.column_syntax`: what the lines of a column file look like (``-DOCSTART-``,
  the tags of known schemes: :func:`~gerbera.text.column_syntax.parse_tag`).
"""
