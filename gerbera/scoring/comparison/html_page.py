"""The HTML page of ``gerbera-compare --html PAGE``: one self-contained file (inline style and
script, nothing fetched), the summary tables on top, then every sentence where A's and B's
entities differ, with the gold, A and B spans marked in colour, filterable by kind of error.

The filter can also be set by the address: ``page.html#kind=A-missed``.
"""

from __future__ import annotations

import html
import os

from gerbera.outputs import atomic_write
from gerbera.scoring.comparison.error_kinds import ERROR_KINDS, SentenceErrors, Span
from gerbera.scoring.comparison.report import DIFFERENCE_KINDS, Comparison, entity_type
from gerbera.scoring.comparison.significance import MIN_UNITS
from gerbera.scoring.metrics import ALL

STYLE = """
body{font-family:system-ui,-apple-system,"DejaVu Sans",sans-serif;margin:1.5em;color:#222;max-width:80em}
h1{font-size:1.4em}h2{font-size:1.15em;margin-top:1.6em}
table{border-collapse:collapse;margin:.5em 0}th,td{border:1px solid #bbb;padding:.2em .6em;text-align:right}
th{background:#eee}td.l,th.l{text-align:left}.pos{color:#060}.neg{color:#a00}
.files{font-family:monospace;font-size:.9em}
.legend span.ent{margin-right:.8em}
.sentence{border-top:1px solid #ccc;padding:.4em 0}.sentence[hidden]{display:none}
.meta{font-size:.8em;color:#666}
.row{display:flex;gap:.6em;line-height:1.9}.who{flex:0 0 3.5em;font-weight:bold;font-size:.85em;padding-top:.1em}
.ent{border-radius:3px;padding:0 .15em;border:1px solid transparent}
.ent sub{font-size:.65em;color:#444;margin-left:.15em}
.k-gold{background:#cfe3ff;border-color:#6b9be0}
.k-correct{background:#c6efc6;border-color:#4a9a4a}
.k-spurious{background:#f7c4c4;border-color:#c33}
.k-boundary{background:#ffe2a6;border-color:#d08a00}
.k-type{background:#e3cdf7;border-color:#8a4ac0}
.k-missed{background:#fff;border:2px dashed #c33;color:#900}
#controls{position:sticky;top:0;background:#fafafa;padding:.5em;border:1px solid #ddd;z-index:1}
"""

SCRIPT = """
(function(){
  var select = document.getElementById('kind');
  function apply(kind){
    if (!select.querySelector('option[value="' + kind + '"]')) kind = 'all';
    var shown = 0;
    document.querySelectorAll('.sentence').forEach(function(s){
      var show = kind === 'all' || s.getAttribute('data-kinds').split(' ').indexOf(kind) >= 0;
      s.hidden = !show;
      if (show) shown++;
    });
    select.value = kind;
    document.getElementById('shown').textContent = String(shown);
    document.body.setAttribute('data-filter', kind);
  }
  select.addEventListener('change', function(){
    apply(select.value);
    history.replaceState(null, '', '#kind=' + select.value);
  });
  var match = location.hash.match(/kind=([A-Za-z-]+)/);
  apply(match ? match[1] : 'all');
})();
"""

FILTERS = [("all", "every differing sentence"), ("B-better", "B right where A is wrong"),
           ("A-better", "A right where B is wrong")] + [
    (f"{side}-{kind}", f"{side}: {kind}") for side in ("A", "B") for kind in ERROR_KINDS]


def _e(text) -> str:
    return html.escape(str(text), quote=True)


def _pct(value: float) -> str:
    return f"{100 * value:.2f}"


def _signed(value: float) -> str:
    cls = "pos" if value > 0 else "neg" if value < 0 else ""
    return f'<td class="{cls}">{100 * value:+.2f}</td>'


def render_row(words: list[str], marks: list[tuple[Span, str, str]]) -> str:
    """The words of a sentence with the given spans wrapped in coloured boxes."""
    starts = {span.start: (span, cls, title) for span, cls, title in marks}
    out, i = [], 0
    while i < len(words):
        if i in starts:
            span, cls, title = starts[i]
            label = f"<sub>{_e(entity_type(span))}</sub>" if entity_type(span) else ""
            out.append(f'<span class="ent {cls}" title="{_e(title)}">{_e(" ".join(words[span.start:span.end + 1]))}{label}</span>')
            i = span.end + 1
        else:
            out.append(_e(words[i]))
            i += 1
    return " ".join(out)


def system_marks(errors: SentenceErrors) -> list[tuple[Span, str, str]]:
    marks = [(p, f"k-{kind}", f"{kind}") for p, kind in zip(errors.predicted, errors.predicted_kind)]
    marks += [(g, "k-missed", "missed gold entity") for g in errors.missed]
    return marks


def sentence_kinds(ea: SentenceErrors, eb: SentenceErrors) -> list[str]:
    kinds = [f"{side}-{kind}" for side, e in (("A", ea), ("B", eb)) for kind in ERROR_KINDS if e.count(kind)]
    right_a, right_b = set(ea.predicted) & set(ea.gold), set(eb.predicted) & set(eb.gold)
    gold = set(ea.gold)
    if right_b - right_a or (set(ea.predicted) - gold) - set(eb.predicted):
        kinds.append("B-better")
    if right_a - right_b or (set(eb.predicted) - gold) - set(ea.predicted):
        kinds.append("A-better")
    return kinds


def summary_tables(summary: dict) -> str:
    out = ['<h2>Strict span scores (seqeval, conlleval mode), %</h2>', "<table><tr>"
           '<th class="l">scope</th><th class="l">type</th><th>gold</th><th>P A</th><th>R A</th><th>F1 A</th>'
           "<th>P B</th><th>R B</th><th>F1 B</th><th>F1 B-A</th></tr>"]
    for scope, values in summary["scopes"].items():
        ra_all, rb_all = values["strict"]["a"], values["strict"]["b"]
        for name in [ALL] + sorted((set(ra_all) | set(rb_all)) - {ALL}):
            zero = {"precision": 0.0, "recall": 0.0, "f1": 0.0, "support": 0}
            ra, rb = ra_all.get(name, zero), rb_all.get(name, zero)
            out.append(f'<tr><td class="l">{_e(scope)}</td><td class="l">{_e("all types" if name == ALL else name)}</td>'
                       f"<td>{max(ra['support'], rb['support'])}</td><td>{_pct(ra['precision'])}</td><td>{_pct(ra['recall'])}</td>"
                       f"<td>{_pct(ra['f1'])}</td><td>{_pct(rb['precision'])}</td><td>{_pct(rb['recall'])}</td>"
                       f"<td>{_pct(rb['f1'])}</td>{_signed(rb['f1'] - ra['f1'])}</tr>")
    out.append("</table>")
    first = next(iter(summary["scopes"].values()))["test"]
    out.append(f"<h2>Is the difference real? F1(B) - F1(A), paired over {_e(summary['unit'])}s</h2>"
               f"<p>{first['resamples']} resamples, seed {first['seed']}; {100 * first['confidence']:g}% percentile "
               "interval of the paired bootstrap; two-sided p-values."
               + (f" ({_e(summary['unit_note'])})" if summary.get("unit_note") else "") + "</p>"
               '<table id="significance"><tr><th class="l">scope</th><th>units</th><th>F1 A</th><th>F1 B</th><th>B-A</th>'
               "<th>CI low</th><th>CI high</th><th>p (bootstrap)</th><th>p (randomization)</th></tr>")
    for scope, values in summary["scopes"].items():
        t = values["test"]
        if t.get("too_few_units"):
            out.append(f'<tr><td class="l">{_e(scope)}</td><td>{t["units"]}</td><td>{_pct(t["f1_a"])}</td><td>{_pct(t["f1_b"])}</td>'
                       f'{_signed(t["difference"])}<td colspan="3">too few units for the bootstrap (fewer than {MIN_UNITS})</td>'
                       f'<td>{t["p_randomization"]:.4f}</td></tr>')
            continue
        out.append(f'<tr><td class="l">{_e(scope)}</td><td>{t["units"]}</td><td>{_pct(t["f1_a"])}</td><td>{_pct(t["f1_b"])}</td>'
                   f"{_signed(t['difference'])}<td>{100 * t['ci_low']:+.2f}</td><td>{100 * t['ci_high']:+.2f}</td>"
                   f"<td>{t['p_bootstrap']:.4f}</td><td>{t['p_randomization']:.4f}</td></tr>")
    out.append("</table>")
    out.append('<h2>Overlap match and errors (entities)</h2><table><tr><th class="l">scope</th><th class="l">system</th>'
               "<th>overlap P</th><th>overlap R</th><th>overlap F1</th><th>correct</th>"
               + "".join(f"<th>{kind}</th>" for kind in ERROR_KINDS) + "</tr>")
    for scope, values in summary["scopes"].items():
        for side in ("a", "b"):
            o, e = values["overlap"][side], values["errors"][side]
            out.append(f'<tr><td class="l">{_e(scope)}</td><td class="l">{side.upper()}</td><td>{_pct(o["precision"])}</td>'
                       f"<td>{_pct(o['recall'])}</td><td>{_pct(o['f1'])}</td><td>{e['correct']}</td>"
                       + "".join(f"<td>{e[kind]}</td>" for kind in ERROR_KINDS) + "</tr>")
    out.append("</table>")
    out.append('<h2>Entities one got right and the other wrong</h2><table><tr><th>count</th><th class="l">what</th></tr>')
    for key, meaning in DIFFERENCE_KINDS.items():
        out.append(f'<tr><td>{summary["differences"][key]["count"]}</td><td class="l">{_e(meaning)}</td></tr>')
    out.append("</table>")
    return "\n".join(out)


def page(comparison: Comparison, title: str = "gerbera.compare") -> str:
    summary = comparison.summary
    differing = comparison.differing()
    blocks, kind_counts = [], {key: 0 for key, _ in FILTERS}
    kind_counts["all"] = len(differing)
    for index in differing:
        sentence, ea, eb = comparison.sentences[index], comparison.errors_a[index], comparison.errors_b[index]
        kinds = sentence_kinds(ea, eb)
        for kind in kinds:
            kind_counts[kind] += 1
        gold = [(g, "k-gold", "gold entity") for g in ea.gold]
        where = f"sentence {index + 1}, line {sentence.lines[0]}" + (f", {sentence.dataset}" if sentence.dataset else "")
        blocks.append(
            f'<div class="sentence" id="s{index + 1}" data-kinds="{_e(" ".join(kinds))}">'
            f'<div class="meta">{_e(where)} &middot; {_e(", ".join(kinds))}</div>'
            f'<div class="row"><span class="who">gold</span><span>{render_row(sentence.words, gold)}</span></div>'
            f'<div class="row"><span class="who">A</span><span>{render_row(sentence.words, system_marks(ea))}</span></div>'
            f'<div class="row"><span class="who">B</span><span>{render_row(sentence.words, system_marks(eb))}</span></div>'
            "</div>")
    options = "".join(f'<option value="{key}">{_e(label)} ({kind_counts[key]})</option>' for key, label in FILTERS)
    legend = " ".join(f'<span class="ent k-{kind}">{kind}</span>' for kind in ("gold", "correct", *ERROR_KINDS))
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>{_e(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>{STYLE}</style></head>
<body>
<h1>A against B</h1>
<p class="files">A: {_e(summary['a']['path'])}<br>B: {_e(summary['b']['path'])}</p>
<p>{summary['sentences']} sentences, {summary['words']} words{f", {summary['documents']} documents" if summary['documents'] else ""};
{len(differing)} sentences where A's and B's entities differ.</p>
{summary_tables(summary)}
<h2>Sentences where A and B differ</h2>
<div id="controls"><label>Show <select id="kind">{options}</select></label>
&nbsp; <span id="shown">{len(differing)}</span> of {len(differing)} sentences shown.
<div class="legend">{legend} (A and B rows: missed = a gold entity no predicted entity touches)</div></div>
<div id="sentences">
{chr(10).join(blocks)}
</div>
<script>{SCRIPT}</script>
</body></html>
"""


def write_page(comparison: Comparison, path: str | os.PathLike) -> None:
    atomic_write(path, page(comparison))
