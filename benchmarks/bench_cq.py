"""Figure 1: every competency question on the embedded Oxigraph store in memory (as
``cartkg serve`` holds the graph) against rdflib's in-memory graph, both loaded from the same
N-Triples file; the on-disk Oxigraph store the commands open by default is measured beside
them (figures ``cq.disk.*`` and a column of the detail table)."""
from __future__ import annotations

from pathlib import Path

from figures import Figure, fmt
from qrunner import GraphRun, Limits, run_graph
from timing import median

TARGET_MS, TARGET_SPEEDUP = 2.0, 20.0


def question_specs(paths, bindings: dict[str, str] | None = None) -> list[dict]:
    """Every question of ``queries/cq`` with its parameters bound: to ``bindings`` (name →
    IRI) when given, else resolved from the default texts by ``kg.answers.cq.bindings_for``."""
    from kg.answers.cq import bindings_for, load_cqs
    from kg.store.local import open_store
    cqs = load_cqs(paths)
    store = None if bindings is not None else open_store("oxigraph-memory", paths)
    out = []
    for name, cq in cqs.items():
        if bindings is not None:
            b = {k: bindings[k] for k in cq.params}
        else:
            b = {k: t.value for k, t in bindings_for(store, cq).items()}
        out.append({"name": name, "query": cq.query, "bindings": b})
    return out


def limits(backend: str, quick: bool) -> Limits:
    if backend == "oxigraph":
        return Limits(runs=100, min_runs=50, budget_s=2 if quick else 5, timeout_s=30)
    return Limits(runs=50, min_runs=3, budget_s=0.5 if quick else 6.0,
                  timeout_s=3 if quick else 20)


def run(paths, workdir: Path, quick: bool) -> tuple[list[Figure], list[str]]:
    nt = paths.exports / "cartkg.nt"
    triples = sum(1 for _ in open(nt, encoding="utf-8"))
    specs = question_specs(paths)
    ox = run_graph("oxigraph-memory", nt, triples, specs, limits("oxigraph", quick), workdir)
    disk = run_graph("oxigraph", nt, triples, specs, limits("oxigraph", quick), workdir)
    rl = run_graph("rdflib", nt, triples, specs, limits("rdflib", quick), workdir)
    figs = []
    for q in specs:
        o, r = ox.queries.get(q["name"]), rl.queries.get(q["name"])
        note = _note(o, r)
        figs.append(Figure(f"cq.{q['name']}.p50", o.p(50) if o else None, "ms",
                           r.p(50) if r else None, "rdflib", target="≤ 2 ms; ≥ 20× rdflib",
                           checks=[("value", "<=", TARGET_MS), ("ratio", ">=", TARGET_SPEEDUP)],
                           note=note))
    figs += summary(ox, rl, "cq.all", "≤ 2 ms", TARGET_MS)
    figs += summary(disk, rl, "cq.disk", "", None, speedup_target=False)
    return figs, [detail_table(f"Competency questions on the built graph ({triples} triples)",
                               ox, rl, disk)]


def _note(o, r) -> str:
    bits = []
    if o and o.error:
        bits.append(f"oxigraph error: {o.error}")
    if r and r.timed_out:
        bits.append(f"rdflib cut off after {r.timed_out:.0f} s (baseline is a lower bound)")
    elif r and r.error:
        bits.append(f"rdflib error: {r.error}")
    return "; ".join(bits)


def summary(ox: GraphRun, rl: GraphRun | None, prefix: str, target: str,
            limit_ms: float | None, speedup_target: bool = True) -> list[Figure]:
    """Slowest and median p50 over the questions (and slowest p95), each with rdflib's."""
    def stat(run, q, agg):
        vals = [t.p(q) for t in run.queries.values() if t.p(q) is not None] if run else []
        return agg(vals) if vals else None
    checks = [("value", "<=", limit_ms)] if limit_ms else []
    base = "rdflib" if rl else ""
    notes = [f"{name} cut off on {', '.join(cut)} (a lower bound there)"
             for name, run in (("Oxigraph", ox), ("rdflib", rl)) if run
             and (cut := [n for n, q in run.queries.items() if q.timed_out])]
    note = "; ".join(notes)
    figs = [Figure(f"{prefix}.p50.slowest", stat(ox, 50, max), "ms", stat(rl, 50, max), base,
                   target=target, checks=checks, note=note),
            Figure(f"{prefix}.p50.median", stat(ox, 50, median), "ms", stat(rl, 50, median),
                   base, target=target, checks=checks),
            Figure(f"{prefix}.p95.slowest", stat(ox, 95, max), "ms", stat(rl, 95, max), base,
                   note=note)]
    if rl and speedup_target:
        speedups = [r.p(50) / o.p(50) for n, o in ox.queries.items()
                    if (r := rl.queries.get(n)) and o.p(50) and r.p(50)]
        figs.append(Figure(f"{prefix}.speedup.least", min(speedups) if speedups else None, "×",
                           1.0, "rdflib = 1×", higher_is_better=True, target="≥ 20×",
                           checks=[("value", ">=", TARGET_SPEEDUP)],
                           note="smallest rdflib p50 / Oxigraph p50 over the questions"))
    return figs


def _p50_cell(t) -> str:
    return f"> {t.timed_out * 1000:,.0f} (cut off)" if t.timed_out else fmt(t.p(50))


def detail_table(title: str, ox: GraphRun, rl: GraphRun | None,
                 disk: GraphRun | None = None) -> str:
    lines = [f"### {title}", "",
             f"Oxigraph in memory: loaded in {ox.load_s or 0:.2f} s, peak RSS "
             f"{ox.peak_rss_kb / 1024:.0f} MB; *engine ms*: the bare pyoxigraph query "
             "and its rows, without kg.store.local's conversion to Terms." + (
                 f" Oxigraph on disk: loaded in {disk.load_s or 0:.2f} s, peak RSS "
                 f"{disk.peak_rss_kb / 1024:.0f} MB." if disk else "") + (
                 f" rdflib: loaded in {rl.load_s or 0:.2f} s, peak RSS "
                 f"{rl.peak_rss_kb / 1024:.0f} MB." if rl else ""), "",
             "| question | rows | Oxigraph runs | p50 ms | p95 ms | engine ms | on disk p50 ms "
             "| rdflib runs | rdflib p50 ms | rdflib p95 ms | speedup (p50) |",
             "|---|---|---|---|---|---|---|---|---|---|---|"]
    for name, o in ox.queries.items():
        d = disk.queries.get(name) if disk else None
        r = rl.queries.get(name) if rl else None
        cut = r is not None and r.timed_out
        r50 = _p50_cell(r) if r else "–"
        sp = (r.p(50) / o.p(50)) if r and o.p(50) and r.p(50) and not o.timed_out else None
        rows = o.rows if o.rows is not None else (o.error or "–")
        lines.append(f"| {name} | {rows} | {len(o.times)} "
                     f"| {_p50_cell(o)} | {fmt(o.p(95)) if o.times else '–'} "
                     f"| {fmt(o.engine_ms)} | {_p50_cell(d) if d else '–'} "
                     f"| {len(r.times) if r else '–'} | {r50} "
                     f"| {fmt(r.p(95)) if r and not cut else '–'} "
                     f"| {(('≥ ' if cut else '') + fmt(sp) + '×') if sp else '–'} |")
    return "\n".join(lines)
