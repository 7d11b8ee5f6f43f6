"""What the lines of a column file look like: the document-start word and the tags of known schemes.

A column file holds ``word ... tag`` a line; a line whose first word is :data:`DOCSTART` starts a
document. A tag is :data:`OUTSIDE` or a prefix of a known scheme (IOB2, IOB1, IO, IOBES/BIOES,
BILOU: ``B``, ``I``, ``E``, ``S``, ``U``, ``L``), alone or with an entity type (``B-Disease``);
:func:`parse_tag` splits it. Reading corpora (:mod:`gerbera.corpora`) and telling a file's format
(:mod:`gerbera.documents.detection`) both rest on this.
"""

from __future__ import annotations

import re

__all__ = ["DOCSTART", "OUTSIDE", "parse_tag"]

DOCSTART = "-DOCSTART-"
OUTSIDE = "O"
_TAG_RE = re.compile(r"^(?P<prefix>[BIESUL])(?:-(?P<type>\S+))?$")


def parse_tag(tag: str) -> tuple[str, str | None] | None:
    """Split a tag into (prefix, entity type); ``None`` when it is no tag of a known scheme."""
    if tag == OUTSIDE:
        return OUTSIDE, None
    match = _TAG_RE.match(tag)
    if match is None:
        return None
    return match["prefix"], match["type"]
