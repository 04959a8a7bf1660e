"""The offline review page of ``cartkg curate suggest``: one self-contained HTML file (no
script, no request leaving the machine), one row per candidate with its quote, the mentions
highlighted by category (subject and object outlined), and the candidate new entities.

>>> from kg.answers.tagger import Tagger
>>> "<script" in review_page(suggest(project_paths(), "jacoby2019", Tagger.from_index)).lower()
False
"""
from __future__ import annotations

from html import escape

from kg.paths import project_paths  # noqa: F401
from kg.curation.suggest import Candidate, Suggestions, suggest  # noqa: F401

COLOURS = {"mechanism": "#fde2e1", "strategy": "#dff5e1", "biomarker": "#e0ecff",
           "therapy": "#f3e5ff", "gene": "#fff4cc", "disease": "#ffe6cc", "trial": "#e6f7f7",
           "cell-population": "#f0f0d8", "outcome": "#ffe0f0", "other": "#eeeeee"}
STYLE = """body{font:14px/1.45 system-ui,sans-serif;margin:1.5em;color:#1f2933}
table{border-collapse:collapse;width:100%}td,th{border-top:1px solid #d9e2ec;padding:.4em;
vertical-align:top;text-align:left}th{background:#f0f4f8}mark{border-radius:3px;padding:0 2px}
mark.role{outline:2px solid #1f2933}.dup{color:#7b8794}.num{text-align:right;white-space:nowrap}
.legend mark{margin-right:.5em}"""


def _highlight(result: Suggestions, c: Candidate) -> str:
    mentions = next((m for s, m in result.sentences if s.start == c.start), [])
    out, at = [], c.start
    for m in sorted({(m.start, m.end, m.category, m.label, m.iri) for m in mentions}):
        if m[0] < at:
            continue
        out.append(escape(result.text[at:m[0]]))
        role = " class=\"role\"" if m[4] in (c.subject.iri, c.object.iri) else ""
        out.append(f"<mark{role} style=\"background:{COLOURS.get(m[2], '#eee')}\" "
                   f"title=\"{escape(m[3])} ({escape(m[2])})\">{escape(result.text[m[0]:m[1]])}"
                   "</mark>")
        at = m[1]
    out.append(escape(result.text[at:c.end]))
    return " ".join("".join(out).split())


def review_page(result: Suggestions) -> str:
    """The whole page as text."""
    src = result.source
    rows = []
    for i, c in enumerate(result.candidates, 1):
        stats = "; ".join(f"{s['measure']} {s['value']}"
                          + (f" vs {s['comparator']}" if "comparator" in s else "")
                          + (f" {s['unit']}" if "unit" in s else "")
                          + (f" (P{s.get('p_qualifier', '=')}{s['p_value']})"
                             if "p_value" in s and s["measure"] != "p-value" else "")
                          for s in c.statistics)
        dup = f"<br><span class=\"dup\">duplicates {escape(c.duplicate_of)}</span>" \
            if c.duplicate_of else ""
        row_class = ' class="dup"' if c.duplicate_of else ""
        rows.append(
            f"<tr{row_class}><td class=\"num\">{i}</td>"
            f"<td class=\"num\">{c.confidence:.2f}</td>"
            f"<td><b>{escape(c.subject.label)}</b> — {escape(c.predicate.label)} — "
            f"<b>{escape(c.object.label)}</b>{dup}</td><td>{_highlight(result, c)}</td>"
            f"<td>{escape(', '.join(c.refs))}</td><td>{escape(stats)}</td>"
            f"<td>{'NOT' if c.negated else ''}</td><td>{escape(c.certainty)}</td>"
            f"<td>{escape(c.section)}</td></tr>")
    new = "".join(f"<li>{escape(e['text'])} ({escape(e['kind'])}, {e['occurrences']}×)</li>"
                  for e in result.new_entities) or "<li>none</li>"
    legend = "".join(f"<mark style=\"background:{colour}\">{escape(cat)}</mark>"
                     for cat, colour in COLOURS.items())
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'">
<title>Suggested evidence: {escape(src.title)}</title><style>{STYLE}</style></head>
<body><h1>Suggested evidence items</h1>
<p>{escape(src.title)} ({escape(src.doi or src.id)}): {len(result.candidates)} candidates from
{len(result.sentences)} sentences, {sum(1 for c in result.candidates if c.duplicate_of)} of them
duplicating a curated item. Outlined mentions are the candidate's subject and object.</p>
<p class="legend">{legend}</p>
<table><thead><tr><th>#</th><th>confidence</th><th>claim</th><th>quote</th><th>refs</th>
<th>statistics</th><th>negated</th><th>certainty</th><th>section</th></tr></thead>
<tbody>{''.join(rows)}</tbody></table>
<h2>Candidate new entities (recurring, not in the graph)</h2><ul>{new}</ul>
</body></html>
"""
