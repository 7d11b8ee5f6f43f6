"""The two PubTator corpora of the offset-level scores (issue 30, item 18), made from NERdata.

``BC5CDR-disease-pubtator``: BC5CDR-disease's column files as PubTator (gerbera-convert-corpus: a
document per sentence, the words joined with spaces), so every mention lies on word boundaries.

``BC5CDR-disease-stems``: the same text, each mention whose last word is a plural in ``s`` (not
``ss``, ``us``, ``is``) annotated without that ``s`` (``tumours`` with the mention ``tumour``), as
corpora that annotate the stem have it: those mentions end inside a word. NERdata holds column
files only, so no corpus there has mentions ending inside words as published; this one does.

    .venv/bin/python bench/offset_corpora.py /tmp/offset_data [--test_documents 1000]
"""

from __future__ import annotations

import argparse
import dataclasses
import re
from pathlib import Path

from gerbera.commands import convert_corpus
from gerbera.documents.pubtator import Document, read_pubtator, write_pubtator

SHARED = Path(__file__).resolve().parents[1].parent / "shared" / "NERdata"
PLURAL = re.compile(r"[a-z]{3,}[^sui]s$")


def stems(document: Document) -> tuple[Document, int]:
    """``document`` with each plural mention ending before its ``s``; how many were moved."""
    annotations, moved = [], 0
    for a in document.annotations:
        if PLURAL.search(a.mention):
            annotations.append(dataclasses.replace(a, end=a.end - 1, mention=a.mention[:-1]))
            moved += 1
        else:
            annotations.append(a)
    return dataclasses.replace(document, annotations=annotations), moved


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("output", help="the data folder to write both datasets into")
    parser.add_argument("--nerdata", default=str(SHARED), help="NERdata (default: %(default)s)")
    parser.add_argument("--test_documents", type=int, help="keep the first N test documents (default: all)")
    args = parser.parse_args(argv)
    out = Path(args.output)
    plain = out / "BC5CDR-disease-pubtator"
    convert_corpus.main([str(Path(args.nerdata) / "BC5CDR-disease"), str(plain), "--to", "pubtator", "--examples", "0"])
    if args.test_documents:
        write_pubtator(read_pubtator(plain / "test.pubtator")[: args.test_documents], plain / "test.pubtator")
    for split in ("train", "devel", "test"):
        documents, total = [], 0
        for document in read_pubtator(plain / f"{split}.pubtator"):
            changed, moved = stems(document)
            documents.append(changed)
            total += moved
        (out / "BC5CDR-disease-stems").mkdir(parents=True, exist_ok=True)
        write_pubtator(documents, out / "BC5CDR-disease-stems" / f"{split}.pubtator")
        print(f"BC5CDR-disease-stems/{split}.pubtator: {total} of {sum(len(d.annotations) for d in documents)} "
              "mentions now end inside a word")


if __name__ == "__main__":
    main()
