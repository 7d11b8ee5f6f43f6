"""``python -m gerbera.compare A B``: the short name of the command.

The command lives in `gerbera.commands.compare`; this module only starts it.
"""

from gerbera.commands.compare import main

if __name__ == "__main__":
    main()
