"""Corpora and their tags.

- ``column_files``: where a sentence is read (and written): the column format of
  ``NERdata/<dataset>/{train,devel,test}.txt``, with errors naming file and line;
- ``tags``: where tags are mapped: the one tag set all datasets share, and each corpus's tags
  (IOB1, IOB2, BIOES, untyped) converted into it;
- ``type_map``: a corpus whose types a trained model names otherwise (``--type_map``), or scored
  without types (``--ignore_types``);
- ``split_sources``: which file of a dataset folder holds a split and in which format (column
  files, PubTator, BioC, Hugging Face ``tokens``/``ner_tags`` data), and ``load_split``;
- ``token_records``: Hugging Face records (JSON Lines, JSON, Parquet, save_to_disk) as sentences;
- ``tag_names``: the names of integer ``ner_tags`` (the data's ``ClassLabel``, else
  ``ner_tag_names.txt``), checked so that names in the wrong order are an error;
- ``offset_tags``, ``mention_policy``, ``conversion_report``: documents with mentions at character
  offsets to sentences of word tags, which mentions are kept, and the report of what changed;
- ``mixing``: ``--data_list NCBI-disease+CoNLL2003:0.25``, the datasets of a training run and the
  seeded share taken of each.
"""
