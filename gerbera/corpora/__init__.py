"""Corpora and their tags.

- ``column_files``: where a sentence is read (and written): the column format of
  ``NERdata/<dataset>/{train,devel,test}.txt``, with errors naming file and line;
- ``tags``: where tags are mapped: the one tag set all datasets share, and each corpus's tags
  (IOB1, IOB2, BIOES, untyped) converted into it;
- ``mixing``: ``--data_list NCBI-disease+CoNLL2003:0.25``, the datasets of a training run and the
  seeded share taken of each.
"""
