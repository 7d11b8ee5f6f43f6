"""``python -m gerbera.certify``: the short name of the command.

The command lives in `gerbera.commands.certify`; this module only starts it.
"""

from gerbera.commands.certify import cli, main

__all__ = ["cli", "main"]  # main(argv): the certificate, for Python; cli(): the exit status

if __name__ == "__main__":
    raise SystemExit(cli())
