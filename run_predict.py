#!/usr/bin/env python
"""Tag new text with a trained model: entity spans with exact character offsets.

    python run_predict.py --model_name_or_path ./gerbera_ft --input abstracts.pubtator --output entities.jsonl

Input: plain text (one document a line, or ``--input_format text`` for the whole file), PubTator
(``PMID|t|title``, ``PMID|a|abstract``) or a column file as in NERdata; output: JSON Lines or
PubTator, from the output file's extension or ``--output_format``. ``python run_predict.py --help``
lists every flag.
"""

from gerbera.commands.run_predict import cli, main

__all__ = ["cli", "main"]  # main(argv): what the run produced, for Python; cli(): the exit status

if __name__ == "__main__":
    raise SystemExit(cli())
