"""``python -m gerbera.inspection --data_dir NERdata --data_list ...``: the short name of the command.

The command lives in `gerbera.commands.inspect_data`; this module only starts it.
"""

from gerbera.commands.inspect_data import cli, main

__all__ = ["cli", "main"]  # main(argv): what the run produced, for Python; cli(): the exit status

if __name__ == "__main__":
    raise SystemExit(cli())
