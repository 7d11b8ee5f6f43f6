"""Compare two sets of predictions on the same text: is B's F1 really different from A's, and where?

    python -m gerbera.compare RUN_A RUN_B [--html page.html] [--json]     (also: gerbera-compare)

RUN_A and RUN_B are prediction files (``word gold predicted`` lines, as run_ner.py and run_eval.py
write ``test_predictions.txt``; conlleval input works too) or run folders holding one. They must hold
the same words and gold tags: otherwise the first differing line is named. Prints strict span
precision, recall and F1 of each, per entity type and per dataset; the difference F1(B) - F1(A)
with its paired tests; overlap match; the error split; and the entities one got right and the
other wrong, with examples (``gerbera.scoring.comparison`` computes all of it). ``--html`` also
writes a self-contained page of every differing sentence, ``--json`` prints the summary as JSON.
"""

from __future__ import annotations

import argparse
import json
import sys

from gerbera.commands.parsers import StrictArgumentParser
from gerbera.errors import GerberaError
from gerbera.scoring.comparison.report import compare, format_text


def build_parser() -> argparse.ArgumentParser:
    parser = StrictArgumentParser(prog="python -m gerbera.compare", description=__doc__.split("\n\n")[0])
    parser.add_argument("a", help="prediction file or run folder (A, the baseline)")
    parser.add_argument("b", help="prediction file or run folder (B): differences are B - A")
    parser.add_argument("--resamples", type=int, default=10_000, help="bootstrap and randomization samples (default 10000)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the resampling (default 1)")
    parser.add_argument("--confidence", type=float, default=0.95, help="level of the bootstrap interval (default 0.95)")
    parser.add_argument("--unit", choices=["auto", "sentence", "document"], default="auto",
                        help="what is resampled: documents when the file has -DOCSTART- lines (auto), else sentences")
    parser.add_argument("--examples", type=int, default=5, help="examples listed per kind of difference")
    parser.add_argument("--json", action="store_true", help="print JSON instead of text")
    parser.add_argument("--html", metavar="PAGE", help="also write a self-contained HTML page of the differences")
    return parser


def main(argv=None) -> None:
    args = build_parser().parse_args(argv)
    try:
        comparison = compare(args.a, args.b, args.resamples, args.seed, args.unit, args.examples, args.confidence)
        if args.html:
            from gerbera.scoring.comparison.html_page import write_page

            write_page(comparison, args.html)
    except GerberaError as error:  # a user's mistake: one line, no traceback (as the other entry points)
        print(f"error: {error}", file=sys.stderr)
        raise SystemExit(2) from None
    sys.stdout.write(json.dumps(comparison.summary, indent=1) + "\n" if args.json else format_text(comparison.summary))
    if args.html:
        print(f"wrote {args.html}", file=sys.stderr)


if __name__ == "__main__":
    main()
