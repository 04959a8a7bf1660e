"""The review page of ``cartkg curate suggest`` (``--html FILE``, and the server's
``/curate/SOURCE``): one self-contained HTML file a curator works in, offline.

The candidates are grouped by sentence, each sentence shown once with its mentions
highlighted by category (hover: the entity). Each candidate can be accepted, edited (subject,
relation, object, negation, certainty, study type, figures) or rejected; "Save TSV" downloads
the decided rows as the TSV ``cartkg curate import`` takes: accepted and edited rows are
imported, rejected ones (``decision`` rejected) are not, and the import records what the
curator taught (kg.curation.learned). Nothing leaves the machine: the page's script is inline
plain JavaScript, its data a JSON block, the file a local download (no CDN, no request).

>>> from kg.answers.tagger import Tagger
>>> page = review_page(suggest(project_paths(), "jacoby2019", Tagger.from_index))
>>> "http://" in page or "https://" in page
False
"""
from __future__ import annotations

import json
from html import escape

from kg.curation.numbers import statistic_spec
from kg.curation.suggest import TSV_EXTRA, TSV_MENTIONS, Suggestions, suggest  # noqa: F401
from kg.curation.write import TSV_COLUMNS
from kg.paths import project_paths  # noqa: F401
from kg.vocab import CERTAINTIES, STUDY_TYPES

COLOURS = {"mechanism": "#fde2e1", "strategy": "#dff5e1", "biomarker": "#e0ecff",
           "therapy": "#f3e5ff", "gene": "#fff4cc", "disease": "#ffe6cc", "trial": "#e6f7f7",
           "cell-population": "#f0f0d8", "outcome": "#ffe0f0", "other": "#eeeeee"}
TSV_HEADER = TSV_COLUMNS + TSV_EXTRA + ("confidence",) + TSV_MENTIONS + ("decision",)
STYLE = """body{font:14px/1.45 system-ui,sans-serif;margin:1.5em;color:#1f2933;max-width:75em}
mark{border-radius:3px;padding:0 2px}.legend mark{margin-right:.5em}
.sentence{border-top:1px solid #d9e2ec;padding:.6em 0}.quote{margin:.2em 0 .4em}
.cand{display:grid;grid-template-columns:3.5em 1fr auto;gap:.5em;align-items:start;
padding:.3em .4em;border-radius:4px;margin:.2em 0}.cand.accepted{background:#e3f9e5}
.cand.edited{background:#fff3c4}.cand.rejected{background:#f5f5f5;color:#7b8794}
.cand.rejected .claim{text-decoration:line-through}.conf{text-align:right;color:#52606d}
.prop{font-size:.8em;color:#0b6e4f}.meta{color:#52606d;font-size:.9em}.edit{display:none;
grid-column:2/4;gap:.3em .8em;grid-template-columns:auto 1fr}.cand.editing .edit{display:grid}
button{margin-left:.2em}select,input{max-width:100%}.dup{color:#7b8794}
#bar{position:sticky;top:0;background:#fff;padding:.5em 0;border-bottom:1px solid #d9e2ec}"""
SCRIPT = r"""
(function () {
  var data = JSON.parse(document.getElementById('data').textContent);
  var decisions = {};
  function byId(list) { var o = {}; list.forEach(function (e) { o[e.id] = e; }); return o; }
  var ents = byId(data.entities), rels = byId(data.relations);
  function option(value, text, chosen) {
    var o = document.createElement('option'); o.value = value; o.textContent = text;
    if (value === chosen) { o.selected = true; } return o;
  }
  function field(card, name) { return card.querySelector('[data-field="' + name + '"]'); }
  function current(i) {
    var c = data.candidates[i], card = document.getElementById('cand-' + i);
    if (!card.classList.contains('edited')) { return c; }
    return Object.assign({}, c, {
      subject: field(card, 'subject').value, predicate: field(card, 'predicate').value,
      object: field(card, 'object').value, negated: field(card, 'negated').checked,
      certainty: field(card, 'certainty').value, study_type: field(card, 'study_type').value,
      statistics: field(card, 'statistics').value,
      subject_text: field(card, 'teach_subject').checked ? c.subject_text : '',
      object_text: field(card, 'teach_object').checked ? c.object_text : '' });
  }
  function claimText(c) {
    var s = ents[c.subject], o = ents[c.object], r = rels[c.predicate];
    return (s ? s.label : c.subject) + ' — ' + (r ? r.label : c.predicate) +
      (c.negated ? ' (NOT)' : '') + ' — ' + (o ? o.label : c.object);
  }
  function decide(i, what) {
    var card = document.getElementById('cand-' + i);
    card.classList.remove('accepted', 'rejected', 'editing');
    if (what !== 'edited') { card.classList.remove('edited'); }
    if (what) { card.classList.add(what); }
    decisions[i] = what;
    card.querySelector('.claim').textContent = claimText(current(i));
    document.getElementById('count').textContent =
      Object.keys(decisions).filter(function (k) { return decisions[k]; }).length;
  }
  function buildEdit(i) {
    var c = data.candidates[i], card = document.getElementById('cand-' + i);
    var box = card.querySelector('.edit');
    function row(label, input) {
      var l = document.createElement('label'); l.textContent = label;
      box.appendChild(l); box.appendChild(input); input.setAttribute('aria-label', label);
    }
    function select(name, items, chosen) {
      var s = document.createElement('select'); s.dataset.field = name;
      items.forEach(function (it) { s.appendChild(option(it[0], it[1], chosen)); });
      return s;
    }
    var entityItems = data.entities.map(function (e) { return [e.id, e.label + ' (' + e.category + ')']; });
    function entity(role) {
      var s = select(role, entityItems, c[role]);
      var teach = document.createElement('input'); teach.type = 'checkbox';
      teach.dataset.field = 'teach_' + role; teach.disabled = true;
      var note = document.createElement('label');
      note.appendChild(teach);
      note.appendChild(document.createTextNode(' \u201c' + c[role + '_text'] +
        '\u201d names this entity (remember it for the next papers)'));
      s.addEventListener('change', function () {
        var was = ents[c[role]], now = ents[s.value];
        teach.disabled = !c[role + '_text'] || s.value === c[role];
        teach.checked = !teach.disabled && !!was && !!now && was.category === now.category;
      });
      row(role, s); box.appendChild(document.createElement('span')); box.appendChild(note);
    }
    entity('subject');
    row('relation', select('predicate', data.relations.map(function (r) { return [r.id, r.label]; }), c.predicate));
    entity('object');
    var neg = document.createElement('input'); neg.type = 'checkbox'; neg.dataset.field = 'negated';
    neg.checked = c.negated; row('negated', neg);
    row('certainty', select('certainty', data.certainties.map(function (x) { return [x, x]; }), c.certainty));
    row('study type', select('study_type', data.study_types.map(function (x) { return [x, x]; }), c.study_type));
    var st = document.createElement('input'); st.type = 'text'; st.size = 60;
    st.dataset.field = 'statistics'; st.value = c.statistics; st.placeholder = 'count=11;n=15;rate=73%';
    row('figures', st);
    var done = document.createElement('button'); done.textContent = 'Done';
    done.className = 'done'; done.addEventListener('click', function () { decide(i, 'edited'); });
    box.appendChild(document.createElement('span')); box.appendChild(done);
  }
  function tsvField(v) {
    v = String(v == null ? '' : v);
    return /[\t\n\r"]/.test(v) ? '"' + v.replace(/"/g, '""') + '"' : v;
  }
  function rowOf(i) {
    var c = current(i), context = c.context.filter(function (kv) { return kv.indexOf('study_type=') !== 0; });
    if (c.study_type) { context.push('study_type=' + c.study_type); }
    var values = {source: data.source, subject: c.subject, predicate: c.predicate,
      object: c.object, quote: c.quote, refs: c.refs, statistics: c.statistics,
      context: context.join(';'), section: c.section, level: c.level,
      negated: c.negated ? 'true' : 'false', certainty: c.certainty,
      certainty_note: c.certainty === 'stated' ? c.certainty_note : '', confidence: c.confidence,
      subject_text: c.subject_text, object_text: c.object_text,
      suggested_subject: data.candidates[i].subject, suggested_object: data.candidates[i].object,
      decision: decisions[i]};
    return data.header.map(function (h) { return tsvField(values[h]); }).join('\t');
  }
  function tsv() {
    var lines = [data.header.join('\t')];
    data.candidates.forEach(function (c, i) { if (decisions[i]) { lines.push(rowOf(i)); } });
    return lines.join('\n') + '\n';
  }
  window.reviewPage = {tsv: tsv, decisions: decisions};
  document.querySelectorAll('.cand').forEach(function (card) {
    var i = Number(card.dataset.index);
    card.querySelector('.accept').addEventListener('click', function () { decide(i, 'accepted'); });
    card.querySelector('.reject').addEventListener('click', function () { decide(i, 'rejected'); });
    card.querySelector('.edit-button').addEventListener('click', function () {
      if (!card.querySelector('.edit').childElementCount) { buildEdit(i); }
      card.classList.add('editing');
    });
  });
  document.getElementById('save').addEventListener('click', function () {
    var blob = new Blob([tsv()], {type: 'text/tab-separated-values'});
    var link = document.createElement('a');
    link.download = data.file; link.href = URL.createObjectURL(blob);
    document.body.appendChild(link); link.click(); link.remove();
  });
  window.reviewPage.ready = true;
})();
"""


def _highlight(text: str, start: int, end: int, mentions) -> str:
    out, at = [], start
    for m in sorted({(m.start, m.end, m.category, m.label) for m in mentions}):
        if m[0] < at:
            continue
        out.append(escape(text[at:m[0]]))
        out.append(f"<mark style=\"background:{COLOURS.get(m[2], '#eee')}\" "
                   f"title=\"{escape(m[3])} ({escape(m[2])})\">{escape(text[m[0]:m[1]])}"
                   "</mark>")
        at = m[1]
    out.append(escape(text[at:end]))
    return " ".join("".join(out).split())


def _candidate_data(result: Suggestions) -> list[dict]:
    out = []
    for c in result.candidates:
        context = [f"{k}={v}" for k, vals in c.context.items()
                   for v in (vals if isinstance(vals, list) else [vals])]
        out.append({"start": c.start, "quote": c.quote, "subject": c.subject.iri.rsplit("/", 1)[-1],
                    "predicate": c.predicate.name, "object": c.object.iri.rsplit("/", 1)[-1],
                    "subject_text": c.subject.text, "object_text": c.object.text,
                    "refs": ",".join(c.refs), "negated": c.negated, "certainty": c.certainty,
                    "certainty_note": c.certainty_note,
                    "study_type": c.context.get("study_type") or "", "level": c.level,
                    "statistics": ";".join(spec for s in c.statistics
                                           for spec in statistic_spec(s)),
                    "context": [kv for kv in context if not kv.startswith("study_type=")],
                    "section": c.section, "confidence": c.confidence,
                    "duplicate_of": c.duplicate_of})
    return out


def review_page(result: Suggestions) -> str:
    """The whole page as text."""
    src = result.source
    cands = _candidate_data(result)
    mentions = {s.start: (s, m) for s, m in result.sentences}
    groups: dict[int, list[int]] = {}
    for i, c in enumerate(result.candidates):
        groups.setdefault(c.start, []).append(i)
    blocks = []
    for start in sorted(groups):
        sentence, found = mentions[start]
        cards = []
        for i in sorted(groups[start], key=lambda i: -result.candidates[i].confidence):
            c = result.candidates[i]
            dup = f" <span class=\"dup\">(duplicates {escape(c.duplicate_of)})</span>" \
                if c.duplicate_of else ""
            prop = " <span class=\"prop\">proposed</span>" if c.proposed else ""
            stats = escape(cands[i]["statistics"]) or "no figures"
            cards.append(
                f"<div class=\"cand\" id=\"cand-{i}\" data-index=\"{i}\">"
                f"<span class=\"conf\">{c.confidence:.2f}</span><div><span class=\"claim\">"
                f"{escape(c.subject.label)} — {escape(c.predicate.label)}"
                f"{' (NOT)' if c.negated else ''} — {escape(c.object.label)}</span>{prop}{dup}"
                f"<div class=\"meta\">{escape(c.certainty)} · "
                f"{escape(c.context.get('study_type') or '')} · {stats}</div></div>"
                f"<span><button class=\"accept\">Accept</button>"
                f"<button class=\"edit-button\">Edit</button>"
                f"<button class=\"reject\">Reject</button></span>"
                f"<div class=\"edit\"></div></div>")
        blocks.append(f"<section class=\"sentence\"><p class=\"quote\">"
                      f"{_highlight(result.text, sentence.start, sentence.end, found)}</p>"
                      f"{''.join(cards)}</section>")
    data = {"source": src.doi or src.id, "file": f"{src.id}-reviewed.tsv",
            "header": list(TSV_HEADER), "candidates": cands,
            "entities": result.choices.get("entities", []),
            "relations": result.choices.get("relations", []),
            "certainties": list(CERTAINTIES), "study_types": list(STUDY_TYPES)}
    blob = json.dumps(data, ensure_ascii=False).replace("<", "\\u003c")
    legend = "".join(f"<mark style=\"background:{colour}\">{escape(cat)}</mark>"
                     for cat, colour in COLOURS.items())
    design = "; ".join(f"{k.replace('_', ' ')}: {', '.join(v) if isinstance(v, list) else v}"
                       for k, v in result.design.items())
    new = "".join(f"<li>{escape(e['text'])} ({escape(e['kind'])}, {e['occurrences']}×)</li>"
                  for e in result.new_entities) or "<li>none</li>"
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>Review suggestions: {escape(src.title)}</title><style>{STYLE}</style></head>
<body><h1>Suggested evidence items</h1>
<p>{escape(src.title)} ({escape(src.doi or src.id)}, {escape(src.kind)}):
{len(result.candidates)} candidates in {len(groups)} sentences,
{sum(1 for c in result.candidates if c.duplicate_of)} duplicating a curated item.
{escape(design)}</p>
<p class="legend">{legend}</p>
<div id="bar"><button id="save">Save TSV</button> <span id="count">0</span> decided ·
accepted and edited rows are imported by <code>cartkg curate import FILE.tsv</code>; rejected
rows are remembered so they are not proposed again.</div>
{''.join(blocks)}
<h2>Candidate new entities (recurring, not in the graph)</h2><ul>{new}</ul>
<script type="application/json" id="data">{blob}</script>
<script>{SCRIPT}</script>
</body></html>
"""
