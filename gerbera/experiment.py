"""``python -m gerbera.experiment ...``: the short name of the command.

The command lives in `gerbera.commands.experiment`; this module only starts it.
"""

from gerbera.commands.experiment import cli, main

__all__ = ["cli", "main"]  # main(argv): what the run produced, for Python; cli(): the exit status

if __name__ == "__main__":
    raise SystemExit(cli())
