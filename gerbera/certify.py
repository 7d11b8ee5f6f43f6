"""``python -m gerbera.certify``: the short name of the command.

The command lives in `gerbera.commands.certify`; this module only starts it.
"""

import sys

from gerbera.commands.certify import main

if __name__ == "__main__":
    sys.exit(main())
