"""``python -m gerbera.heads_experiment ...``: the short name of the command.

The command lives in `gerbera.commands.heads_experiment`; this module only starts it.
"""

from gerbera.commands.heads_experiment import cli, main

__all__ = ["cli", "main"]  # main(argv): the rows of the finished runs, for Python; cli(): the exit status

if __name__ == "__main__":
    raise SystemExit(cli())
