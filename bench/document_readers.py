"""Reading speed (documents/s) and peak memory of the document readers of gerbera.documents, at two input sizes.

Writes synthetic abstract-sized documents (a ~10-word title, a ~230-word abstract, 6 annotations
each) as PubTator, BioC XML, BioC JSON and PubMed XML (and the PubMed XML gzipped), at two
sizes (``--documents 2000 20000``), then reads each file in a fresh process and reports the
documents read per second and the process's peak resident memory (``ru_maxrss``) above a process
that only imported the same modules. A streaming reader's memory is flat: the same at 2,000 and
20,000 documents. For comparison, in the same run: the ``bioc`` package's own readers
(``biocxml.iterparse``, which streams but keeps every element it read, and ``biocjson.load``,
which reads the whole collection), which ``gerbera.documents`` does not use for these reasons.

    .venv/bin/python bench/document_readers.py                       # 2,000 and 20,000 documents (~2 min)
    .venv/bin/python bench/document_readers.py --documents 500 5000   # quicker

The last line printed is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import _offline  # noqa: F401  (the repository on sys.path)

READERS = {
    # name: (file made for it, how it is read)
    "pubtator": ("docs.pubtator", "gerbera"),
    "pubtator.gz": ("docs.pubtator.gz", "gerbera"),
    "bioc-xml": ("docs.bioc.xml", "gerbera"),
    "bioc-json": ("docs.bioc.json", "gerbera"),
    "medline": ("pubmed.xml", "gerbera"),
    "medline.gz": ("pubmed.xml.gz", "gerbera"),
    "bioc package biocxml.iterparse": ("docs.bioc.xml", "package-xml"),
    "bioc package biocjson.load": ("docs.bioc.json", "package-json"),
}
WORDS = ["the", "patients", "with", "breast", "cancer", "were", "treated", "with", "tamoxifen", "and", "showed", "reduced", "tumour", "growth", "in", "mice", "while", "BRCA1", "mutation", "carriers", "had", "higher", "risk", "of", "ovarian", "cancer", "after", "exposure", "to", "cisplatin"]


def synthetic_documents(count: int, seed: int = 0):
    from gerbera.documents.model import Annotation, Document

    generator = random.Random(seed)
    for number in range(count):
        title = " ".join(generator.choices(WORDS, k=10)).capitalize() + "."
        abstract = " ".join(generator.choices(WORDS, k=230)).capitalize() + "."
        text = f"{title} {abstract}"
        annotations = []
        for mention in ("breast cancer", "tamoxifen", "ovarian cancer", "cisplatin", "BRCA1", "mice"):
            start = text.find(mention)
            if start >= 0:
                annotations.append(Annotation(start, start + len(mention), mention, "Entity"))
        yield Document(str(10_000_000 + number), title, abstract, sorted(annotations, key=lambda a: a.start))


def write_inputs(folder: Path, count: int) -> None:
    from xml.sax.saxutils import escape

    from gerbera.documents.formats import open_writer

    writers = {fmt: open_writer(str(folder / name), fmt) for fmt, name in
               (("pubtator", "docs.pubtator"), ("bioc-xml", "docs.bioc.xml"), ("bioc-json", "docs.bioc.json"))}
    opened = {fmt: context.__enter__() for fmt, context in writers.items()}
    with open(folder / "pubmed.xml", "w", encoding="utf-8") as pubmed:
        pubmed.write('<?xml version="1.0" encoding="utf-8"?>\n<PubmedArticleSet>\n')
        for document in synthetic_documents(count):
            for writer in opened.values():
                writer.write(document, [])
            half = len(document.abstract) // 2
            pubmed.write(
                f"<PubmedArticle><MedlineCitation><PMID Version=\"1\">{document.id}</PMID><Article><ArticleTitle>"
                f"{escape(document.title)}</ArticleTitle><Abstract><AbstractText Label=\"BACKGROUND\">"
                f"{escape(document.abstract[:half])}</AbstractText><AbstractText Label=\"RESULTS\">"
                f"{escape(document.abstract[half:])}</AbstractText></Abstract></Article></MedlineCitation>"
                "</PubmedArticle>\n"
            )
        pubmed.write("</PubmedArticleSet>\n")
    for context in writers.values():
        context.__exit__(None, None, None)
    for name in ("docs.pubtator", "pubmed.xml"):
        with open(folder / name, "rb") as plain, gzip.open(folder / f"{name}.gz", "wb", compresslevel=6) as packed:
            shutil.copyfileobj(plain, packed)


def read(how: str, path: str) -> int:
    """Read every document of ``path``; the number read."""
    if how == "gerbera":
        from gerbera.documents.formats import iter_documents

        return sum(1 for _ in iter_documents(path))
    if how == "package-xml":
        from bioc import biocxml

        with biocxml.iterparse(path) as reader:
            return sum(1 for _ in reader)
    if how == "package-json":
        from bioc import biocjson

        with open(path, encoding="utf-8") as handle:
            return len(biocjson.load(handle).documents)
    return 0  # "nothing": the imports alone


def child(how: str, path: str) -> None:
    import bioc  # noqa: F401  (the same imports in every process, so memory compares)
    import lxml.etree  # noqa: F401

    import gerbera.documents.bioc_json
    import gerbera.documents.bioc_xml
    import gerbera.documents.medline  # noqa: F401

    started = time.perf_counter()
    documents = read(how, path)
    seconds = time.perf_counter() - started
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"documents": documents, "seconds": seconds, "peak_mb": peak_mb}))


def measure(how: str, path: Path) -> dict:
    output = subprocess.run([sys.executable, __file__, "--child", how, str(path)], check=True, capture_output=True,
                            text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--documents", type=int, nargs=2, default=[2000, 20000], metavar=("SMALL", "LARGE"))
    parser.add_argument("--child", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(*args.child)
        return
    results: dict = {}
    with tempfile.TemporaryDirectory() as scratch:
        for count in args.documents:
            folder = Path(scratch) / str(count)
            folder.mkdir()
            write_inputs(folder, count)
            baseline = measure("nothing", folder / "docs.pubtator")["peak_mb"]
            for name, (file_name, how) in READERS.items():
                figures = measure(how, folder / file_name)
                assert figures["documents"] == count, (name, figures)
                results.setdefault(name, {})[count] = {
                    "documents_per_s": round(count / figures["seconds"]),
                    "memory_above_imports_mb": round(figures["peak_mb"] - baseline, 1),
                    "file_mb": round((folder / file_name).stat().st_size / 2**20, 1),
                }
    small, large = args.documents
    print(f"{'reader':34} {'docs/s @' + str(small):>14} {'docs/s @' + str(large):>14} "
          f"{'MB @' + str(small):>10} {'MB @' + str(large):>10}  (memory: peak RSS above the imports)")
    for name, by_size in results.items():
        print(f"{name:34} {by_size[small]['documents_per_s']:>14,} {by_size[large]['documents_per_s']:>14,} "
              f"{by_size[small]['memory_above_imports_mb']:>10} {by_size[large]['memory_above_imports_mb']:>10}")
    print(json.dumps({"documents": args.documents, "readers": results}))


if __name__ == "__main__":
    main()
