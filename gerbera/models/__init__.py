"""The encoder and its tag head.

- ``model_side``: the model flags (`ModelArguments`) and what a run loads first: name, config,
  tokenizer, trained tag set, word tokenization (`ModelSide`);
- ``loading``: the encoder with its token-classification head, the embedded default encoder, the
  tag set a model was trained with;
- ``config_keys``: the fields the toolkit writes into a model's config.json;
- ``corpus_heads``: what a model's config says of its heads with a head per corpus (``--head corpus``);
- ``head_choice``, ``head_groups``: the heads a run trains, the head each dataset uses, and the
  split groups routed to them;
- ``domain_head``: the original code's separate biomedical and general-domain branches (``--head domain``);
- ``original_checkpoints``: reading checkpoints saved by the original GERBERA code.
"""
