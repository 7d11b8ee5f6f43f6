"""gerbera-convert-corpus: a corpus as downloaded (PubTator, BioC, Hugging Face tokens/ner_tags) to
the column files the original code reads, with a report of everything the conversion changed.

    gerbera-convert-corpus CDR_TrainingSet.PubTator.txt train.txt --entity_types Disease
    gerbera-convert-corpus NERdata/BC5CDR NERdata/BC5CDR-columns      # every split of a dataset folder
    gerbera-convert-corpus NERdata/NCBI-disease/test.txt test.pubtator  # column files to PubTator

The input is a file (its format told by its name: ``.pubtator``, ``.pubtator.txt``, ``.bioc.xml``,
``.bioc.json``, ``.jsonl``, ``.json``, ``.parquet``, ``.txt`` for column files) or a dataset
folder (``gerbera.corpora.split_sources``); the output is a file, or a folder with ``train.txt``,
``devel.txt``, ``test.txt``. An output named ``*.pubtator`` (or ``--to pubtator`` for a folder)
gets PubTator instead: one document per sentence, its words joined by spaces, a mention per entity
(untyped tags get the type ``Entity``). The report (documents, sentences, mentions per type, each
mention split, adjusted or dropped with file, document id, offsets and text) is printed and
written next to the output (``OUT.report.txt``, or ``conversion_report.txt`` in an output folder).

Also ``python -m gerbera.commands.convert_corpus``. The same conversion runs, without this step,
when ``run_ner.py`` reads a dataset folder that holds these formats.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from gerbera.commands.exits import exit_status, user_errors
from gerbera.corpora.column_files import SPLITS, Sentence, write_column_file
from gerbera.corpora.conversion_report import ConversionReport
from gerbera.corpora.split_sources import find_split_file, format_of, read_split_file
from gerbera.corpora.tags import OUTSIDE, parse_tag
from gerbera.documents.pubtator import Annotation, Document, write_pubtator
from gerbera.errors import GerberaError
from gerbera.outputs import atomic_write
from gerbera.scoring.offset_scores import word_spans

UNTYPED_NAME = "Entity"


def parse_args(argv):
    parser = argparse.ArgumentParser(prog="gerbera-convert-corpus", description=__doc__.split("\n\n")[0])
    parser.add_argument("input", help="a corpus file, or a dataset folder")
    parser.add_argument("output", help="a file (column format, or PubTator when named *.pubtator), or a folder")
    parser.add_argument("--entity_types", help="PubTator/BioC: the annotation types that become tags, joined by ',' (default: all)")
    parser.add_argument("--untyped", action="store_true", help="write untyped tags (B, I, O) in the column files")
    parser.add_argument("--to", choices=["column", "pubtator"], help="output format (default: by the output's name)")
    parser.add_argument("--examples", type=int, default=20, help="changed mentions listed per kind on screen (the report file lists all)")
    return parser.parse_args(argv)


def untyped(sentence: Sentence) -> Sentence:
    if sentence.tags is None:
        return sentence
    tags = [tag if tag == OUTSIDE else (parse_tag(tag) or (tag, None))[0] for tag in sentence.tags]
    return Sentence(sentence.words, tags, sentence.first_line)


def as_pubtator(sentences: list[Sentence], stem: str, report: ConversionReport) -> list[Document]:
    """One document per sentence, the words joined by single spaces, the entities as mentions."""
    documents = []
    for number, sentence in enumerate(sentences, start=1):
        starts, position = [], 0
        for word in sentence.words:
            starts.append(position)
            position += len(word) + 1
        title = " ".join(sentence.words)
        annotations = []
        for first, end, entity_type in word_spans(sentence.tags) if sentence.tags is not None else []:
            start, stop = starts[first], starts[end - 1] + len(sentence.words[end - 1])
            annotations.append(Annotation(start, stop, title[start:stop], entity_type or UNTYPED_NAME))
            report.mentions_by_type[entity_type or UNTYPED_NAME] += 1
        documents.append(Document(f"{stem}-{number}", title, "", annotations))
    report.documents += len(documents)
    return documents


def convert_file(path: Path, fmt: str, split: str, output: Path, to: str, args) -> ConversionReport:
    corpus = read_split_file(path.parent.name or "corpus", split, path, fmt, args.entity_types)
    report = corpus.source.report if corpus.source is not None else ConversionReport()
    sentences = corpus.sentences
    if corpus.source is None:
        report.sentences, report.words = len(sentences), sum(len(s.words) for s in sentences)
    if args.untyped:
        sentences = [untyped(sentence) for sentence in sentences]
    output.parent.mkdir(parents=True, exist_ok=True)
    if to == "pubtator":
        pubtator_report = ConversionReport(sentences=report.sentences, words=report.words)
        write_pubtator(as_pubtator(sentences, output.name.split(".")[0], pubtator_report), output)
        pubtator_report.changes = report.changes
        return pubtator_report
    if corpus.source is None:
        for sentence in sentences:
            for _first, _end, entity_type in word_spans(sentence.tags or []):
                report.mentions_by_type[entity_type or "untyped"] += 1
    write_column_file(output, sentences)
    return report


def main(argv=None) -> ConversionReport:
    args = parse_args(argv)
    with user_errors():
        source, output = Path(args.input), Path(args.output)
        if not source.exists():
            raise GerberaError(f"{source}: no such file or folder")
        total = ConversionReport()
        if source.is_dir() and format_of_folder(source):
            to = args.to or "column"
            found = [(split, find_split_file(source, split)) for split in SPLITS]
            found = [(split, item) for split, item in found if item is not None]
            if not found:
                raise GerberaError(f"{source}: no train, devel or test file in this folder")
            for split, (path, fmt) in found:
                name = f"{split}.txt" if to == "column" else f"{split}.pubtator"
                report = convert_file(path, fmt, split, output / name, to, args)
                print(f"{path} -> {output / name}: {report.summary()}")
                total.merge(report)
            report_path = output / "conversion_report.txt"
        else:
            to = args.to or ("pubtator" if output.name.lower().endswith(".pubtator") else "column")
            split = source.name.split(".")[0] if source.name.split(".")[0] in SPLITS else "test"
            total = convert_file(source, format_of(source), split, output, to, args)
            report_path = output.with_name(output.name + ".report.txt")
        atomic_write(report_path, total.format(examples=None) + "\n")
        print(total.format(examples=args.examples))
        print(f"report: {report_path}")
    return total


def format_of_folder(folder: Path) -> bool:
    """Whether ``folder`` is a dataset folder (rather than one save_to_disk split)."""
    return not ((folder / "dataset_info.json").is_file() or (folder / "state.json").is_file())


def cli() -> int:
    """``gerbera-convert-corpus`` and ``python -m gerbera.commands.convert_corpus``: the process's exit
    status, never the results (`gerbera.commands.exits`)."""
    return exit_status(main)


if __name__ == "__main__":
    raise SystemExit(cli())
