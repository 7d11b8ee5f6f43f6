"""Comparing two systems' predictions on the same text: is B's F1 really different from A's, and where?

- ``prediction_files``: reading prediction files (or run folders) and checking that two hold the
  same words and gold tags;
- ``error_kinds``: each sentence's entity spans, and each predicted entity's kind of error;
- ``significance``: the paired bootstrap and approximate-randomization tests of an F1 difference;
- ``report``: ``compare(A, B)``, the whole comparison, and ``format_text``, its printed summary;
- ``html_page``: the self-contained HTML page of every sentence where A and B differ.

The command is ``gerbera-compare`` (``gerbera.commands.compare``).
"""

from gerbera.scoring.comparison.html_page import write_page
from gerbera.scoring.comparison.prediction_files import PredictionFile, check_same_text, load_predictions
from gerbera.scoring.comparison.report import Comparison, compare, format_text
from gerbera.scoring.comparison.significance import paired_test

__all__ = ["Comparison", "PredictionFile", "check_same_text", "compare", "format_text", "load_predictions", "paired_test",
           "write_page"]
