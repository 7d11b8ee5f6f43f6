"""``python -m gerbera.compare A B``: the short name of the command.

The command lives in `gerbera.commands.compare`; this module only starts it.
"""

from gerbera.commands.compare import cli, main

__all__ = ["cli", "main"]  # main(argv): what the run produced, for Python; cli(): the exit status

if __name__ == "__main__":
    raise SystemExit(cli())
