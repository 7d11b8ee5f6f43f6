#!/usr/bin/env python
"""Score a trained model on other datasets (cross-dataset evaluation).

    python run_eval.py --model_name_or_path ./gerbera_ft --data_dir NERdata/ --eval_data_list BC5CDR-disease \
        --output_dir ./eval_bc5cdr --do_eval --do_predict

``python run_eval.py --help`` lists every flag.
"""

from gerbera.commands.run_eval import cli, main

__all__ = ["cli", "main"]  # main(argv): what the run produced, for Python; cli(): the exit status

if __name__ == "__main__":
    raise SystemExit(cli())
