"""Evidence for the targets a run missed: where the time goes in the slow part, measured
(not guessed) at the end of the run. Each function returns a markdown section."""
from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from figures import fmt
from project_copy import env_for
from timing import median


def cq_profile(paths, specs: list[dict], runs: int = 20) -> str:
    """Per question: the kg.store.local call and the bare engine (rows iterated, no conversion to
    Terms), in memory and on disk, parameters bound as kg.store.local binds them."""
    from kg.store.local import OxigraphStore, Term, ensure_disk_store, query_text
    stores = {"memory": OxigraphStore.in_memory(paths.exports / "cartkg.nt"),
              "disk": OxigraphStore.open(ensure_disk_store(paths))}

    def p50(fn) -> float:
        fn()
        times = []
        for _ in range(runs):
            t = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t)
        return median(times) * 1000

    def engine(store, text):
        return lambda: sum(1 for _ in store._store.query(text))

    rows = []
    for q in specs:
        terms = {k: Term.iri(v) for k, v in q["bindings"].items()}
        text = query_text(q["query"], terms)
        cells = [f(store) for store in stores.values()
                 for f in (lambda st: p50(lambda: st.query(q["query"], terms)),
                           lambda st: p50(engine(st, text)))]
        rows.append(f"| {q['name']} | " + " | ".join(fmt(c) for c in cells) + " |")
    return "\n".join([
        f"Competency questions on the built graph, p50 of {runs} runs in ms: the project's "
        "`OxigraphStore.query` and the bare pyoxigraph query (rows iterated, no conversion), "
        "in memory and on disk.", "",
        "| question | kg.store.local, memory | engine, memory | kg.store.local, disk | engine, disk |",
        "|---|---|---|---|---|", *rows])


BUILD_PROFILE = """
import cProfile, pstats, io, sys
from kg.build.pipeline import build
from kg.paths import project_paths
prof = cProfile.Profile()
prof.runcall(build, project_paths(), reasoner="none", quiet=True)
s = io.StringIO()
st = pstats.Stats(prof, stream=s).sort_stats("cumulative")
st.print_stats(r"(kg/|rdflib/plugins/sparql/evaluate|pyshacl/shapes_graph|serializer)", 25)
print(s.getvalue())
"""


def build_profile(project: Path) -> str:
    """cProfile of ``build(reasoner="none")`` on the project copy, top functions."""
    out = subprocess.run([sys.executable, "-c", BUILD_PROFILE], env=env_for(project),
                         capture_output=True, text=True, timeout=600)
    lines = [ln for ln in out.stdout.splitlines() if ln.strip()]
    start = next((i for i, ln in enumerate(lines) if "ncalls" in ln), 0)
    body = [ln for ln in lines[start:start + 26]]
    return "\n".join(["cProfile of `build(paths, reasoner=\"none\")` (cumulative seconds, "
                      "project and the heaviest library functions):", "", "```",
                      *body, "```"])


def import_profile(project: Path, args: list[str]) -> str:
    """``python -X importtime`` of a cold command: the slowest imports (cumulative µs)."""
    from bench_coldstart import cartkg
    out = subprocess.run([sys.executable, "-X", "importtime", cartkg(), *args],
                         env=env_for(project), capture_output=True, text=True, timeout=120)
    rows = []
    for ln in out.stderr.splitlines():
        parts = ln.split("|")
        if len(parts) == 3 and parts[1].strip().isdigit():
            rows.append((int(parts[1]), parts[2].rstrip()))
    rows.sort(reverse=True)
    return "\n".join(["Slowest imports of `cartkg " + " ".join(args) + "` (`-X importtime`, "
                      "cumulative ms):", "", "| ms | module |", "|---|---|",
                      *[f"| {us / 1000:.0f} | `{name.strip()}` |" for us, name in rows[:12]]])
