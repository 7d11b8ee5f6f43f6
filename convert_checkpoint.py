#!/usr/bin/env python
"""Convert a checkpoint of the original GERBERA code into the toolkit's own format.

The original's RoBERTaMultiNER2 / BERTMultiNER2 checkpoints (pickled pytorch_model.bin,
vocab.json + merges.txt) become model.safetensors, config.json (domain head, word-tokenization
mode recorded), tokenizer.json and labels.txt:

    python convert_checkpoint.py ./RoBERTa-ncbi ./RoBERTa-ncbi-converted
    python convert_checkpoint.py Euanyu/GERBERA-NCBI ./GERBERA-NCBI      # where the hub can be reached

The converted folder loads without unpickling anything and gives the same predictions:
``run_eval.py --model_name_or_path ./RoBERTa-ncbi-converted ...``. run_eval.py and run_ner.py
also read the original folder directly (its pickle with ``weights_only=True``).
"""

from gerbera.commands.convert import cli, main

__all__ = ["cli", "main"]  # main(argv): what the run produced, for Python; cli(): the exit status

if __name__ == "__main__":
    raise SystemExit(cli())
