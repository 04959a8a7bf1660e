"""Figure 4: synthetic graphs of growing size (benchmarks/synthetic.py): load throughput into
the embedded Oxigraph store in memory, peak memory per million triples and the competency
questions' p50, each against rdflib in memory at the sizes it manages in reasonable time; the
same for the on-disk Oxigraph store (figures ``scale.SIZE.disk.*``, no targets)."""
from __future__ import annotations

import shutil
import time
from pathlib import Path

import synthetic
from bench_cq import detail_table, question_specs, summary
from figures import Figure, fmt
from qrunner import Limits, run_graph

SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000, "5M": 5_000_000}
QUICK_SIZES = ("10k", "100k")
TARGET_SIZE, TARGET_LOAD, TARGET_MS = "1M", 300_000, 50.0
RDFLIB_BUDGET_S = 120          # rdflib at 1M only when 10 × its 100k time fits in this


def ox_limits(label: str, quick: bool) -> Limits:
    if quick:
        return Limits(runs=20, min_runs=5, budget_s=0.5, timeout_s=30, total_s=60)
    if label == "5M":
        return Limits(runs=3, min_runs=1, budget_s=1, timeout_s=30, load_timeout_s=900,
                      total_s=240)
    big = label == "1M"
    return Limits(runs=20 if big else 50, min_runs=3 if big else 10, budget_s=2,
                  timeout_s=30, load_timeout_s=900, total_s=150)


def rdflib_limits(label: str, quick: bool) -> Limits:
    if label == "10k":
        return Limits(runs=10, min_runs=3, budget_s=0.5 if quick else 1,
                      timeout_s=3 if quick else 5, total_s=30 if quick else 60)
    return Limits(runs=5, min_runs=1, budget_s=1, timeout_s=10, load_timeout_s=300,
                  total_s=150)


def check_bindings(paths, nt: Path) -> str:
    """The generator's anchors are what kg.answers.cq.bindings_for resolves the default texts to."""
    from kg.store.local import OxigraphStore
    store = OxigraphStore.in_memory(nt)
    from kg.answers.cq import bindings_for, load_cqs
    bad = [f"{cq.name}:{k}" for cq in load_cqs(paths).values()
           for k, t in bindings_for(store, cq).items() if t.value != synthetic.PARAMETERS[k]]
    return "match" if not bad else "DIFFER for " + ", ".join(bad)


def rdflib_cost(run) -> float:
    return (run.load_s or 0) + sum(sum(q.times) + (q.timed_out or 0) for q in run.queries.values())


def run(paths, workdir: Path, quick: bool, log=print) -> tuple[list[Figure], list[str]]:
    specs = question_specs(paths, synthetic.PARAMETERS)
    figs, details, graphs = [], [], []
    rdflib_sizes = ["10k"] if quick else ["10k", "100k"]
    last_rdflib = None
    for label, size in SIZES.items():
        if quick and label not in QUICK_SIZES:
            continue
        nt = workdir / f"synthetic-{label}.nt"
        start = time.perf_counter()
        s = synthetic.generate(size, nt)
        gen_s = time.perf_counter() - start
        graphs.append(f"| {label} | {s.triples:,} | {sum(s.entities.values()):,} | {s.evidence:,} "
                      f"| {s.statistics:,} | {s.relations:,} | {s.median_degree:g} "
                      f"| {s.max_degree:,} | {gen_s:.1f} |")
        if label == "10k":
            details.append(f"Parameters of the questions on the synthetic graphs: the anchors "
                           f"the generator binds {check_bindings(paths, nt)} what "
                           f"`kg.answers.cq.bindings_for` resolves the default texts to (checked on 10k).")
        log(f"[bench] scale {label}: Oxigraph (memory, disk) load + questions")
        ox = run_graph("oxigraph-memory", nt, s.triples, specs, ox_limits(label, quick), workdir)
        disk = run_graph("oxigraph", nt, s.triples, specs, ox_limits(label, quick), workdir)
        rl, skipped = None, ""
        if label in rdflib_sizes or (label == "1M" and not quick and last_rdflib
                                      and 10 * rdflib_cost(last_rdflib) <= RDFLIB_BUDGET_S):
            log(f"[bench] scale {label}: rdflib load + questions")
            rl = last_rdflib = run_graph("rdflib", nt, s.triples, specs,
                                         rdflib_limits(label, quick),
                                         workdir)
        elif label == "1M" and last_rdflib:
            skipped = (f"rdflib skipped at {label}: 10 × its 100k time is "
                       f"{10 * rdflib_cost(last_rdflib):.0f} s > {RDFLIB_BUDGET_S} s")
        at_target = label == TARGET_SIZE
        note = skipped or ("" if rl else "rdflib not run at this size")
        figs.append(Figure(f"scale.{label}.load", ox.throughput, "triples/s",
                           rl.throughput if rl else None, "rdflib parse", higher_is_better=True,
                           target="≥ 300k triples/s" if at_target else "",
                           checks=[("value", ">=", TARGET_LOAD)] if at_target else [],
                           note=note or (ox.error or "")))
        figs.append(Figure(f"scale.{label}.peak-rss", ox.rss_mb_per_mtriples, "MB/M triples",
                           rl.rss_mb_per_mtriples if rl else None, "rdflib",
                           note=f"peak RSS {ox.peak_rss_kb / 1024:.0f} MB (load + questions)"))
        figs += summary(ox, rl, f"scale.{label}.cq", "≤ 50 ms" if at_target else "",
                        TARGET_MS if at_target else None, speedup_target=False)
        within = [q.p(50) <= TARGET_MS for q in ox.queries.values() if q.p(50) is not None]
        figs.append(Figure(f"scale.{label}.cq.within-50ms", sum(within), "questions",
                           note=f"of {len(ox.queries)} with p50 ≤ 50 ms in memory"))
        figs.append(Figure(f"scale.{label}.disk.load", disk.throughput, "triples/s",
                           ox.throughput, "in memory", higher_is_better=True,
                           note=f"optimize {disk.optimize_s or 0:.2f} s after the load"))
        figs += summary(disk, None, f"scale.{label}.disk.cq", "", None, speedup_target=False)
        details.append(detail_table(
            f"Synthetic {label} ({s.triples:,} triples): bulk load in memory {ox.load_s or 0:.2f} s "
            f"({fmt(ox.throughput)} triples/s), on disk {disk.load_s or 0:.2f} s "
            f"({fmt(disk.throughput)} triples/s) + optimize {disk.optimize_s or 0:.2f} s"
            + (f"; {skipped}" if skipped else ""), ox, rl, disk))
        _cleanup(workdir)
    details.insert(0, "\n".join([
        "### Synthetic graphs", "",
        "| size | triples | entities | evidence items | statistics | relations | median degree "
        "| max degree | generated in s |", "|---|---|---|---|---|---|---|---|---|", *graphs]))
    return figs, details


def _cleanup(workdir: Path) -> None:
    """Drop the stores and graph files of a finished size (the 5M ones take gigabytes)."""
    for p in workdir.iterdir():
        if p.name.startswith(("store-", "synthetic-")):
            shutil.rmtree(p, ignore_errors=True) if p.is_dir() else p.unlink()
