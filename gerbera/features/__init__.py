"""From sentences to model inputs, and from model outputs back to words.

- ``word_pieces``: where words meet sub-tokens: each word's sub-tokens, the first one labelled,
  long sentences cut into overlapping windows (`WordEncoder`);
- ``split_groups``: corpus splits grouped, their tags mapped, turned into cached `datasets.Dataset` features
  (`SplitGroup`);
- ``word_predictions``: sub-token predictions back to one tag per input word, and the prediction files.
"""
