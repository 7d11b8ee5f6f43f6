"""The argument parsers of every command: flags spelled in full, and a mistake told in one line.

Abbreviated flags are refused (``allow_abbrev=False``): an abbreviation that argparse accepted
would not count as given, and the toolkit's defaults chosen for the flags the user did not give
would override it. A flag that is not known is reported first, with the closest flag names, and
without the usage (which for run_ner.py is a hundred lines); ``--help`` lists the flags.

`StrictArgumentParser` stands in for ``argparse.ArgumentParser``; for transformers'
``HfArgumentParser``, `gerbera.commands.arguments.StrictHfArgumentParser` (kept there, so that the
commands without a model do not import transformers).
"""

from __future__ import annotations

import argparse
import difflib
import sys
from typing import NoReturn


def flag_names(parser: argparse.ArgumentParser) -> list[str]:
    """The long flags of a parser in their underscore spelling (``--model-name-or-path`` is the same
    flag as ``--model_name_or_path``), help and version flags left out."""
    names = []
    for action in parser._actions:
        if action.help == argparse.SUPPRESS or isinstance(action, (argparse._HelpAction, argparse._VersionAction)):
            continue
        for option in action.option_strings:
            if option.startswith("--"):
                name = "--" + option[2:].replace("-", "_")
                if name not in names:
                    names.append(name)
    return names


def closest_flags(typed: str, names: list[str]) -> list[str]:
    """The flags a user probably meant by ``typed`` (an unknown flag): those it abbreviates, else the
    most similar spellings."""
    typed = typed.split("=", 1)[0]
    normal = "--" + typed.lstrip("-").replace("-", "_")
    starting = [name for name in names if name.startswith(normal)]
    if starting:
        return starting[:3]
    return difflib.get_close_matches(normal, names, n=3, cutoff=0.6)


def _looks_like_flag(argument: str) -> bool:
    if not argument.startswith("-") or argument == "-" or " " in argument:  # argparse reads "-x y" as a value
        return False
    try:
        float(argument)  # a negative number is a value
    except ValueError:
        return True
    return False


class DefaultSaidOnce(argparse.ArgumentDefaultsHelpFormatter):
    """Each flag's default in ``--help``, unless its help already says it ("(default 32)", "(default off)")."""

    def _get_help_string(self, action):
        text = action.help or ""
        return text if "(default" in text else super()._get_help_string(action)


class StrictParsing:
    """Mixin for argparse parsers: abbreviations refused, unknown flags named with the closest
    known ones (before any other error), errors in one line (no usage)."""

    def __init__(self, *args, **kwargs):
        kwargs["allow_abbrev"] = False
        if kwargs.get("formatter_class", argparse.ArgumentDefaultsHelpFormatter) is argparse.ArgumentDefaultsHelpFormatter:
            kwargs["formatter_class"] = DefaultSaidOnce  # HfArgumentParser's default formatter, and ours where asked
        super().__init__(*args, **kwargs)
        self._arguments: list[str] = []

    def parse_known_args(self, args=None, namespace=None):
        self._arguments = list(sys.argv[1:] if args is None else args)
        unknown = self.unknown_flags(self._arguments)
        if unknown:
            self.error(self.unknown_flags_message(unknown))
        return super().parse_known_args(args, namespace)

    def unknown_flags(self, arguments: list[str]) -> list[tuple[str, str | None]]:
        """The arguments that look like flags and are none of this parser's, each with the flag
        before it when that one expects a value (then the value was probably meant)."""
        unknown = []
        for index, argument in enumerate(arguments):
            if argument == "--":  # what follows is values
                break
            if _looks_like_flag(argument) and argument.split("=", 1)[0] not in self._option_string_actions:
                before = self._option_string_actions.get(arguments[index - 1]) if index else None
                takes_value = before is not None and before.nargs is None and before.option_strings
                unknown.append((argument, arguments[index - 1] if takes_value else None))
        return unknown

    def unknown_flags_message(self, unknown: list[tuple[str, str | None]]) -> str:
        names = flag_names(self)
        parts = []
        for typed, value_of in unknown:
            close = closest_flags(typed, names)
            hint = f" (did you mean {' or '.join(close)}?)" if close else ""
            if value_of:
                hint += f" (a value that starts with '-' is written {value_of}={typed})"
            parts.append(f"{typed.split('=', 1)[0]}{hint}")
        kind = "unknown flag" if len(parts) == 1 else "unknown flags"
        return f"{kind}: {'; '.join(parts)}. Flags are spelled in full"

    def error(self, message: str) -> NoReturn:
        print(f"{self.prog}: error: {message}\n(`{self.prog} --help` lists the flags)", file=sys.stderr)
        raise SystemExit(2)


class StrictArgumentParser(StrictParsing, argparse.ArgumentParser):
    """``argparse.ArgumentParser`` with the toolkit's rules (`StrictParsing`)."""
