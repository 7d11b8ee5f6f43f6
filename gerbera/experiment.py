"""``python -m gerbera.experiment ...``: the short name of the command.

The command lives in `gerbera.commands.experiment`; this module only starts it.
"""

from gerbera.commands.experiment import main

if __name__ == "__main__":
    main()
