"""Compare two sets of predictions on the same text: is B's F1 really different from A's, and where?

    python -m gerbera.compare RUN_A RUN_B [--html page.html] [--json [FILE]]     (also: gerbera-compare)

RUN_A and RUN_B are prediction files (``word gold predicted`` lines, as run_ner.py and run_eval.py
write ``test_predictions.txt``; conlleval input works too) or run folders holding one. They must hold
the same words and gold tags: otherwise the first differing line is named. Prints strict span
precision, recall and F1 of each, per entity type and per dataset; the difference F1(B) - F1(A)
with its paired tests; overlap match; the error split; and the entities one got right and the
other wrong, with examples (``gerbera.scoring.comparison`` computes all of it). ``--html`` also
writes a self-contained page of every differing sentence; ``--json`` prints the summary as JSON,
``--json FILE`` writes it to FILE (and prints the text). Numeric flags out of range are one-line errors.
"""

from __future__ import annotations

import argparse
import json
import sys

from gerbera.commands.exits import exit_status, user_errors
from gerbera.commands.parsers import StrictArgumentParser
from gerbera.errors import GerberaError, UsageError
from gerbera.outputs import write_json
from gerbera.scoring.comparison.report import compare, format_text


def build_parser() -> argparse.ArgumentParser:
    parser = StrictArgumentParser(prog="python -m gerbera.compare", description=__doc__.split("\n\n")[0])
    parser.add_argument("a", help="prediction file or run folder (A, the baseline)")
    parser.add_argument("b", help="prediction file or run folder (B): differences are B - A")
    parser.add_argument("--resamples", type=int, default=10_000, help="bootstrap and randomization samples (default 10000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the resampling (default 1)")
    parser.add_argument("--confidence", type=float, default=0.95,
                        help="level of the bootstrap interval, between 0 and 1 (default 0.95 for 95%%)")
    parser.add_argument("--unit", choices=["auto", "sentence", "document"], default="auto",
                        help="what is resampled: documents when the file has -DOCSTART- lines (auto), else sentences")
    parser.add_argument("--examples", type=int, default=5, help="examples listed per kind of difference (default 5)")
    parser.add_argument("--json", nargs="?", const="-", metavar="FILE",
                        help="the summary as JSON: printed instead of the text with --json alone, written to FILE with "
                        "--json FILE (put it after RUN_A RUN_B)")
    parser.add_argument("--html", metavar="PAGE", help="also write a self-contained HTML page of the differences")
    return parser


def check_ranges(args) -> None:
    """Every numeric flag in its range: a one-line error otherwise."""
    if not 0 < args.confidence < 1:
        hint = f" (for {args.confidence:g}%, write {args.confidence / 100:g})" if 1 < args.confidence < 100 else ""
        raise UsageError(f"--confidence is a level between 0 and 1, not {args.confidence:g}{hint}")
    if args.resamples < 1:
        raise UsageError(f"--resamples must be at least 1, not {args.resamples}")
    if args.examples < 0:
        raise UsageError(f"--examples must be 0 or more, not {args.examples}")


def main(argv=None) -> None:
    args = build_parser().parse_args(argv)
    with user_errors():  # a user's mistake: one line, no traceback (as the other entry points)
        check_ranges(args)
        comparison = compare(args.a, args.b, args.resamples, args.seed, args.unit, args.examples, args.confidence)
        try:
            if args.html:
                from gerbera.scoring.comparison.html_page import write_page

                write_page(comparison, args.html)
            if args.json not in (None, "-"):
                write_json(args.json, comparison.summary)
        except OSError as error:
            raise GerberaError(f"cannot write {error.filename}: {error.strerror}") from None
    sys.stdout.write(json.dumps(comparison.summary, indent=1) + "\n" if args.json == "-" else format_text(comparison.summary))
    for written in (args.html, None if args.json == "-" else args.json):
        if written:
            print(f"wrote {written}", file=sys.stderr)


def cli() -> int:
    """``gerbera-compare`` and ``python -m gerbera.compare``: the process's exit status, never the results (`gerbera.commands.exits`)."""
    return exit_status(main)


if __name__ == "__main__":
    raise SystemExit(cli())
