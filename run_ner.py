#!/usr/bin/env python
"""Train a NER model with GERBERA's shared tag head (multi-task step or biomedical fine-tuning).

    python run_ner.py --data_dir NERdata/ --data_list NCBI-disease+CoNLL2003 --eval_data_list NCBI-disease \
        --output_dir ./gerbera_model --do_train --do_eval --do_predict

``python run_ner.py --help`` lists every flag.
"""

from gerbera.commands.run_ner import cli, main

__all__ = ["cli", "main"]  # main(argv): what the run produced, for Python; cli(): the exit status

if __name__ == "__main__":
    raise SystemExit(cli())
