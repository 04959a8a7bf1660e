"""Figure group ``suggest``: the curation assistant measured against the hand-curated items.

For each review, ``cartkg curate suggest`` (kg.curation.suggest) runs on its text and its
candidates are compared with the source's ``accepted`` evidence items:
- sentence recall: share of curated quotes that overlap a sentence with at least one candidate;
- triple precision / recall: a candidate is right when a curated item with the same subject,
  relation and object quotes text overlapping the candidate's sentence; all candidates, and
  those at or above ``MIN_CONFIDENCE`` and at each threshold of ``CURVE``; per relation
  (precision by proposed relation, recall by curated relation);
- statistics: of the curated items with statistics whose sentence is proposed, the share whose
  every statistic (measure, value, comparator) is among those the parser reads from the
  overlapping candidate sentences (``parse_statistics`` on the sentence: suggest later takes the
  figures off candidates whose quote a curated item already carries them for, which on the
  curated reviews themselves would hide exactly the statistics being measured);
- negation / certainty: agreement on the matched (candidate, curated item) pairs;
- speed: wall time of suggest on the full text (entities loaded, tagger built, candidates
  ranked), against reading and splitting the text alone, median of 5.

    python benchmarks/bench_suggest.py      # prints the tables
"""
from __future__ import annotations

import statistics as stats
import sys
import time
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

from figures import Figure  # noqa: E402

# The claim model's weights (kg.curation.suggest.WEIGHTS) are fitted on xu2023's accepted items
# (benchmarks/fit_suggest.py), and this threshold is the lowest of CURVE at which xu2023's
# precision reaches 50%; jacoby2019 was not looked at while setting either, so its triple figures
# are held out (the statistics parser's rules were set looking at both reviews' misses).
MIN_CONFIDENCE = 0.35
CURVE = (0.05, 0.1, 0.2, 0.3, 0.35, 0.4, 0.5, 0.6)
HELD_OUT = {"xu2023": "fitted on", "jacoby2019": "held out"}
RUNS = 5


def _overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
    return a[0] < b[1] and b[0] < a[1]


def _stat_key(s) -> tuple:
    get = s.get if isinstance(s, dict) else lambda k: getattr(s, k)
    return (get("measure"), float(get("value")),
            None if get("comparator") is None else float(get("comparator")))


def evaluate_source(paths, cur, source) -> dict:
    """Every figure for one source, with per-relation counts."""
    from kg.curation.sentences import locate, normalised_with_offsets
    from kg.answers.tagger import Tagger
    from kg.curation.numbers import parse_statistics
    from kg.curation.suggest import suggest
    result = suggest(paths, source.id, Tagger.from_index, cur=cur)
    text = result.text
    flat = normalised_with_offsets(text)
    gold = []
    for ev in cur.evidence:
        if ev.source == source.id and ev.status == "accepted":
            span = locate(text, ev.quote, flat)
            if span:
                gold.append((ev, span))
    cands = [(c, (c.start, c.end), (c.subject.iri.rsplit("/", 1)[-1], c.predicate.name,
                                    c.object.iri.rsplit("/", 1)[-1])) for c in result.candidates]
    proposed = {(c.start, c.end) for c in result.candidates}
    out = {"source": source.id, "curated": len(gold), "candidates": len(cands),
           "sentences": len(result.sentences)}
    out["sentence_recall"] = sum(any(_overlaps(span, p) for p in proposed)
                                 for _, span in gold) / max(1, len(gold))
    for label, minimum in (("all", 0.0), ("ranked", MIN_CONFIDENCE),
                           *((f"≥ {t}", t) for t in CURVE)):
        kept = [c for c in cands if c[0].confidence >= minimum]
        right = Counter()
        by_rel = Counter(c[2][1] for c in kept)
        pairs = []
        for c, span, triple in kept:
            match = next((ev for ev, g in gold if _overlaps(span, g)
                          and (ev.subject, ev.predicate, ev.object) == triple), None)
            if match:
                right[triple[1]] += 1
                pairs.append((c, match))
        found = Counter()
        gold_by_rel = Counter(ev.predicate for ev, _ in gold)
        for ev, g in gold:
            if any(_overlaps(span, g) and triple == (ev.subject, ev.predicate, ev.object)
                   for _, span, triple in kept):
                found[ev.predicate] += 1
        out[label] = {
            "candidates": len(kept),
            "precision": sum(right.values()) / max(1, len(kept)),
            "recall": sum(found.values()) / max(1, len(gold)),
            "negation": sum(c.negated == ev.negated for c, ev in pairs) / max(1, len(pairs)),
            "certainty": sum(c.certainty == (ev.certainty or "stated") for c, ev in pairs)
            / max(1, len(pairs)),
            "matched_pairs": len(pairs),
            "by_relation": {rel: {"proposed": by_rel[rel], "right": right[rel],
                                  "curated": gold_by_rel[rel], "found": found[rel]}
                            for rel in sorted(set(by_rel) | set(gold_by_rel))},
        }
    with_stats = [(ev, g) for ev, g in gold if ev.statistics
                  and any(_overlaps(span, g) for span in proposed)]
    exact = 0
    for ev, g in with_stats:
        parsed = {_stat_key(s) for span in proposed if _overlaps(span, g)
                  for s in parse_statistics(text[span[0]:span[1]])}
        exact += all(_stat_key(s) in parsed for s in ev.statistics)
    out["statistics_items"] = len(with_stats)
    out["statistics_exact"] = exact / max(1, len(with_stats))
    return out


def speed(paths, cur, source) -> tuple[float, float]:
    """Median seconds of suggest on the whole text, and of reading and splitting it alone."""
    from kg.curation.sentences import split_sentences, with_sections
    from kg.answers.tagger import Tagger
    from kg.curation.suggest import read_text, suggest
    full, base = [], []
    for _ in range(RUNS):
        t0 = time.perf_counter()
        text = read_text(source)
        with_sections(text, split_sentences(text), source.sections)
        base.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        suggest(paths, source.id, Tagger.from_index, cur=cur)
        full.append(time.perf_counter() - t0)
    return stats.median(full), stats.median(base)


def run(paths) -> tuple[list[Figure], list[str]]:
    from kg.curation.sources import load_curation
    cur = load_curation(paths)
    figs, rows, rel_rows, curve_rows = [], [], [], []
    for source in cur.sources.values():
        if source.text_path is None or not source.text_path.exists():
            continue
        r = evaluate_source(paths, cur, source)
        seconds, base = speed(paths, cur, source)
        sid = source.id
        figs += [
            Figure(f"suggest.{sid}.sentence-recall", 100 * r["sentence_recall"], "%",
                   target="≥ 90%", checks=[("value", ">=", 90)], higher_is_better=True,
                   note=f"{r['curated']} accepted items"),
            Figure(f"suggest.{sid}.triple-recall", 100 * r["ranked"]["recall"], "%",
                   target="≥ 60% at precision ≥ 50%", checks=[("value", ">=", 60)],
                   higher_is_better=True, note=f"confidence ≥ {MIN_CONFIDENCE}; "
                                                f"{HELD_OUT.get(sid, 'held out')}"),
            Figure(f"suggest.{sid}.triple-precision", 100 * r["ranked"]["precision"], "%",
                   target="≥ 50%", checks=[("value", ">=", 50)], higher_is_better=True,
                   note=f"{r['ranked']['candidates']} candidates at confidence ≥ "
                        f"{MIN_CONFIDENCE}"),
            Figure(f"suggest.{sid}.statistics-exact", 100 * r["statistics_exact"], "%",
                   target="≥ 90%", checks=[("value", ">=", 90)], higher_is_better=True,
                   note=f"{r['statistics_items']} items with statistics"),
            Figure(f"suggest.{sid}.negation-accuracy", 100 * r["ranked"]["negation"], "%",
                   higher_is_better=True, note=f"{r['ranked']['matched_pairs']} matched pairs"),
            Figure(f"suggest.{sid}.certainty-accuracy", 100 * r["ranked"]["certainty"], "%",
                   higher_is_better=True, note=f"{r['ranked']['matched_pairs']} matched pairs"),
            Figure(f"suggest.{sid}.seconds", seconds, "s", base, "read + split the text",
                   target="≤ 2 s", checks=[("value", "<=", 2.0)],
                   note=f"median of {RUNS}, {r['sentences']} sentences"),
        ]
        curve_rows.append(f"| {sid} ({HELD_OUT.get(sid, 'held out')}) | " + " | ".join(
            f"{100 * r[f'≥ {t}']['precision']:.0f} / {100 * r[f'≥ {t}']['recall']:.0f}"
            for t in CURVE) + " |")
        for label in ("all", "ranked"):
            x = r[label]
            rows.append(f"| {sid} | {label} | {x['candidates']} | {100 * x['precision']:.1f} "
                        f"| {100 * x['recall']:.1f} | {100 * r['sentence_recall']:.1f} "
                        f"| {100 * r['statistics_exact']:.1f} | {100 * x['negation']:.1f} "
                        f"| {100 * x['certainty']:.1f} |")
        for rel, c in r["ranked"]["by_relation"].items():
            p = f"{100 * c['right'] / c['proposed']:.0f}" if c["proposed"] else "–"
            rc = f"{100 * c['found'] / c['curated']:.0f}" if c["curated"] else "–"
            rel_rows.append(f"| {sid} | {rel} | {c['proposed']} | {p} | {c['curated']} | {rc} |")
    detail = "\n".join([
        "### Curation assistant against the accepted hand-curated items", "",
        f"`all`: every candidate; `ranked`: confidence ≥ {MIN_CONFIDENCE}. Percentages. A "
        "candidate's confidence is the probability of a logistic model of its features "
        "(relation, cue words, order, distance, containment, crowding; "
        "`benchmarks/fit_suggest.py`) fitted on xu2023's accepted items, and the threshold is "
        "the lowest at which xu2023's precision reaches 50%: **jacoby2019's triple figures are "
        "held out** (not looked at while fitting or choosing), xu2023's are in-sample. The "
        "statistics rules were set looking at both reviews.", "",
        "| source | kept | candidates | triple precision | triple recall | sentence recall "
        "| statistics exact | negation | certainty |",
        "|---|---|---|---|---|---|---|---|---|", *rows, "",
        "Triple precision / recall (%) at each confidence threshold:", "",
        "| source | " + " | ".join(f"≥ {t}" for t in CURVE) + " |",
        "|---|" + "---|" * len(CURVE), *curve_rows, "",
        f"Per relation (confidence ≥ {MIN_CONFIDENCE}): precision by proposed relation, recall "
        "by curated relation.", "",
        "| source | relation | proposed | precision | curated | recall |",
        "|---|---|---|---|---|---|", *rel_rows])
    return figs, [detail]


if __name__ == "__main__":
    from figures import text_table
    from kg.paths import project_paths
    figures, details = run(project_paths(HERE.parent))
    print(text_table(figures))
    print("\n" + "\n".join(details))
