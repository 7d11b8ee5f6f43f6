"""Warnings of the libraries that say nothing a user can act on, kept out of every run's log.

Each is named here with the reason it is harmless; any other warning is shown as before.
`silence_known_noise` is called by `gerbera.commands.arguments.parse_arguments`, before a run
starts.
"""

from __future__ import annotations

import warnings

# (category, start of the message, why it is noise)
KNOWN_NOISE = (
    (FutureWarning, "Specifying null_placement in SortOptions is deprecated",
     "pyarrow 25 deprecates an option that datasets' sort still passes: nothing changes for the sorted features"),
    (UserWarning, "'pin_memory' argument is set as true but no accelerator is found",
     "the Trainer asks for pinned memory by default; without a GPU torch ignores it, with no effect on the run"),
)


def silence_known_noise() -> None:
    for category, message, _ in KNOWN_NOISE:
        warnings.filterwarnings("ignore", message=message, category=category)
