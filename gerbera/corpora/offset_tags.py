"""From documents with character-offset annotations (PubTator, BioC) to sentences of tagged words.

The text is cut exactly as ``run_predict.py`` cuts it (`gerbera.text.segmentation`:
each passage on its own, sentences, then words at spaces and punctuation), so that a model
trained on these sentences sees the words it will later be asked to tag.

Devel and test files (``as_new_text``) stay cut that way and no other, so that they are scored as
new text is tagged: each mention tags every word it touches, in each sentence it touches (the
gold mentions rounded to the words, for the word-level seqeval figure), and a mention that ends
inside a word or crosses a sentence split is reported (`conversion_report.UNREACHABLE`): no
predicted mention can equal it at document offsets, where it counts as missed. Training files
are cut further, at the gold boundaries, so that every mention is learnt:

- the mentions to tag are chosen by `gerbera.corpora.mention_policy` (checks, type selection,
  discontinuous, overlapping and nested mentions);
- a sentence split never falls inside a mention: the sentences a mention crosses are merged into
  one (reported);
- a word is split where a mention starts or ends inside it (``IL-2-induced`` is already three
  words, but ``tumours`` with the mention ``tumour`` becomes ``tumour`` ``s``), so no mention is
  lost; each split is reported;
- the words of a mention are tagged ``B-TYPE`` (the first) and ``I-TYPE``, the other words ``O``.
  An untyped tag set (``B``, ``I``, ``O``) drops the types later, when tags are mapped.

Every sentence keeps its document and the offsets of its words (`OffsetSource`), so predictions
can be written back as annotations at document offsets and scored there
(`gerbera.scoring.offset_scores`).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from gerbera.corpora.column_files import Sentence
from gerbera.corpora.conversion_report import (
    CROSSES_SENTENCES,
    INSIDE_WORD,
    MERGED,
    SPLIT_WORD,
    Change,
    ConversionReport,
)
from gerbera.corpora.mention_policy import Mention, locations_of, select_mentions
from gerbera.text.segmentation import Token, split_sentences


@dataclass
class OffsetSource:
    """Where each sentence of a split read from offset annotations comes from.

    ``sentence_spans[i]`` is ``(document index, [(start, end) of each word])`` of sentence ``i``;
    ``gold`` holds, per document, every annotated mention of the selected types at its offsets,
    those dropped by the conversion included: ``(locations, type)``.
    """

    format: str
    entity_types: frozenset[str] | None
    documents: list = field(default_factory=list)
    sentence_spans: list[tuple[int, list[tuple[int, int]]]] = field(default_factory=list)
    gold: list[set[tuple[tuple[tuple[int, int], ...], str]]] = field(default_factory=list)
    report: ConversionReport = field(default_factory=ConversionReport)


def _merge_crossed(sentences: list[list[Token]], mentions: list[Mention], document, path: str, report: ConversionReport) -> list[list[Token]]:
    """Merge the sentences that a mention crosses into one."""
    sentence_of: dict[int, int] = {}
    for index, tokens in enumerate(sentences):
        for token in tokens:
            for position in range(token.start, token.end):
                sentence_of[position] = index
    joins = set()  # i: sentence i and i + 1 are one
    for mention in mentions:
        covered = [sentence_of[p] for p in range(mention.start, mention.end) if p in sentence_of]
        if covered and covered[0] != covered[-1]:
            joins.update(range(covered[0], covered[-1]))
            report.add(Change(MERGED, path, document.id, mention.start, mention.end,
                              document.text[mention.start:mention.end], mention.type,
                              f"{covered[-1] - covered[0] + 1} sentences made one"))
    merged: list[list[Token]] = []
    for index, tokens in enumerate(sentences):
        if index - 1 in joins:
            merged[-1] = merged[-1] + tokens
        else:
            merged.append(list(tokens))
    return merged


def _split_at_boundaries(tokens: list[Token], mentions: list[Mention], document, path: str, report: ConversionReport) -> list[Token]:
    """Cut every word that a mention starts or ends inside of."""
    cuts: dict[int, Mention] = {}
    for mention in mentions:
        cuts.setdefault(mention.start, mention)
        cuts.setdefault(mention.end, mention)
    result: list[Token] = []
    for token in tokens:
        inside = sorted(position for position in cuts if token.start < position < token.end)
        if not inside:
            result.append(token)
            continue
        edges = [token.start, *inside, token.end]
        for start, end in zip(edges, edges[1:]):
            result.append(Token(document.text[start:end], start, end))
        for position in inside:
            mention = cuts[position]
            report.add(Change(SPLIT_WORD, path, document.id, mention.start, mention.end,
                              document.text[mention.start:mention.end], mention.type,
                              f"word {token.text!r} at {token.start}-{token.end} cut at {position}"))
    return result


def _tags(tokens: list[Token], mentions: list[Mention]) -> list[str]:
    tags = ["O"] * len(tokens)
    for mention in mentions:
        inside = [i for i, token in enumerate(tokens) if mention.start <= token.start and token.end <= mention.end]
        for rank, i in enumerate(inside):
            tags[i] = f"{'B' if rank == 0 else 'I'}-{mention.type}"
    return tags


def _rounded_tags(sentences: list[list[Token]], mentions: list[Mention], document, path: str,
                  report: ConversionReport) -> list[list[str]]:
    """Tags of words cut as new text: a mention tags the words it touches, in each sentence, a word
    shared with the mention before it staying that one's; one that the words cannot hold is reported."""
    tags = [["O"] * len(tokens) for tokens in sentences]
    for mention in mentions:
        touched = [(s, i) for s, tokens in enumerate(sentences) for i, token in enumerate(tokens)
                   if token.start < mention.end and mention.start < token.end]
        first, last = sentences[touched[0][0]][touched[0][1]], sentences[touched[-1][0]][touched[-1][1]]
        kind = (CROSSES_SENTENCES if touched[0][0] != touched[-1][0]
                else INSIDE_WORD if (first.start, last.end) != (mention.start, mention.end) else None)
        if kind is not None:
            report.add(Change(kind, path, document.id, mention.start, mention.end,
                              document.text[mention.start:mention.end], mention.type,
                              f"words {document.text[first.start:last.end]!r} at {first.start}-{last.end}"))
        begun = set()
        for s, i in touched:
            if tags[s][i] == "O":
                tags[s][i] = f"{'I' if s in begun else 'B'}-{mention.type}"
                begun.add(s)
    return tags


def document_sentences(document, path: str, entity_types, report: ConversionReport,
                       as_new_text: bool = False) -> list[tuple[list[Token], list[str]]]:
    """The tagged sentences of one document, passage by passage (``as_new_text``: see the module)."""
    mentions = select_mentions(document, path, entity_types, report)
    result = []
    for index, (start, end) in enumerate(document.passages):
        passage_mentions = [m for m in mentions if m.passage == index]
        sentences = [
            [Token(t.text, t.start + start, t.end + start) for t in sentence.tokens]
            for sentence in split_sentences(document.text[start:end])
        ]
        if as_new_text:
            result += zip(sentences, _rounded_tags(sentences, passage_mentions, document, path, report))
            continue
        sentences = _merge_crossed(sentences, passage_mentions, document, path, report)
        for tokens in sentences:
            tokens = _split_at_boundaries(tokens, passage_mentions, document, path, report)
            result.append((tokens, _tags(tokens, passage_mentions)))
    report.mentions_by_type.update(m.type for m in mentions)  # each starts a word (after the cuts in training)
    return result


def convert_documents(documents: Iterable, path: str, fmt: str, entity_types: frozenset[str] | None,
                      as_new_text: bool = False) -> tuple[list[Sentence], OffsetSource]:
    """Sentences of word tags from documents with offset annotations, and where each came from;
    ``as_new_text``: words cut only as run_predict.py cuts them (devel and test)."""
    source = OffsetSource(fmt, entity_types)
    sentences: list[Sentence] = []
    for document_index, document in enumerate(documents):
        source.documents.append(document)
        source.report.documents += 1
        source.gold.append({
            (locations_of(a), a.type)
            for a in document.annotations
            if entity_types is None or a.type in entity_types
        })
        line = getattr(document, "source_line", None) or 1
        for tokens, tags in document_sentences(document, path, entity_types, source.report, as_new_text):
            sentences.append(Sentence([t.text for t in tokens], tags, line))
            source.sentence_spans.append((document_index, [(t.start, t.end) for t in tokens]))
            source.report.sentences += 1
            source.report.words += len(tokens)
    return sentences, source
