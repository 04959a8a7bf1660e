"""Load a graph and time the competency questions in a child process.

Child processes keep every measurement honest and bounded: the peak RSS is the children's
own (``VmHWM`` from /proc/self/status, reported with every event: ``ru_maxrss`` would count
the parent's pages from before ``exec``), and a question that runs past its time limit is cut
off by killing the child (recorded as a lower bound), after which a fresh child goes on with
the remaining questions. The child reports one JSON line per event on stdout.

Backends (the project's own store classes from ``kg.store.local``, so the timings include turning
results into ``Term`` rows, as every command does):

- ``oxigraph-memory``: ``pyoxigraph.Store().bulk_load`` in memory, as ``cartkg serve`` holds
  the graph (and ``--store oxigraph-memory``);
- ``oxigraph``: ``pyoxigraph.Store(DIR).bulk_load`` into an on-disk store in a temp dir, as
  the commands open it by default;
- ``rdflib``: ``rdflib.Graph().parse(..., format="nt")`` in memory.
"""
from __future__ import annotations

import json
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from timing import percentile


@dataclass
class QueryTiming:
    times: list[float] = field(default_factory=list)   # seconds, after the warm-up
    rows: int | None = None
    timed_out: float | None = None    # seconds it ran before it was cut off
    error: str | None = None
    engine_ms: float | None = None    # Oxigraph alone: the native query and its rows, no Terms

    def p(self, q: float) -> float | None:
        """Percentile in ms; a cut-off question gives its (lower-bound) running time."""
        if self.times:
            return percentile(self.times, q) * 1000
        return self.timed_out * 1000 if self.timed_out else None


@dataclass
class GraphRun:
    backend: str
    triples: int
    load_s: float | None = None
    optimize_s: float | None = None
    peak_rss_kb: int = 0
    queries: dict[str, QueryTiming] = field(default_factory=dict)
    error: str | None = None

    @property
    def throughput(self) -> float | None:
        return self.triples / self.load_s if self.load_s else None

    @property
    def rss_mb_per_mtriples(self) -> float | None:
        return self.peak_rss_kb / 1024 / (self.triples / 1e6) if self.peak_rss_kb else None


@dataclass
class Limits:
    runs: int = 50                 # timed runs per question after one warm-up run
    min_runs: int = 5              # …at least this many, even past the budget
    budget_s: float = 5.0          # stop starting new runs after this long on one question
    timeout_s: float = 30.0        # cut a question off after this long (warm-up included)
    load_timeout_s: float = 600.0
    total_s: float = 1e9           # all questions on one graph; the rest are skipped after it


# ---------------------------------------------------------------------------- parent side
def run_graph(backend: str, nt: Path, triples: int, questions: list[dict], limits: Limits,
              workdir: Path) -> GraphRun:
    """Load ``nt`` with ``backend`` and time each question ({name, query, bindings}) there.

    On-disk Oxigraph loads in one child and answers in others that open the store read-only,
    so a question cut off costs a restart, not a reload; the in-memory backends reload in
    every child."""
    out = GraphRun(backend, triples)
    store = workdir / f"store-{backend}-{nt.stem}"
    todo, attempt, loaded = list(questions), 0, False
    if backend == "oxigraph":
        _one_child(_spec(workdir, backend, nt, store, [], limits, False, 0), out, limits)
        loaded = out.load_s is not None
    stop = time.monotonic() + limits.total_s
    while todo and not out.error and attempt <= len(questions) and time.monotonic() < stop:
        attempt += 1
        done = _one_child(_spec(workdir, backend, nt, store, todo, limits, loaded, attempt),
                          out, limits, stop)
        todo = [q for q in todo if q["name"] not in done]
    for q in todo:
        out.queries[q["name"]] = QueryTiming(error=f"not run: the {limits.total_s:g} s for all "
                                                   "questions on this graph were spent")
    return out


def _spec(workdir: Path, backend: str, nt: Path, store: Path, questions: list[dict],
          limits: Limits, loaded: bool, attempt: int) -> Path:
    spec = workdir / f"qrunner-{backend}-{nt.stem}-{attempt}.json"
    spec.write_text(json.dumps({"backend": backend, "nt": str(nt), "questions": questions,
                                "store": str(store), "loaded": loaded,
                                "limits": limits.__dict__}), encoding="utf-8")
    return spec


def _one_child(spec: Path, out: GraphRun, limits: Limits, stop: float = float("inf")) -> set[str]:
    """Run one child until it finishes or a question times out; returns the names handled."""
    stderr = open(spec.with_suffix(".err"), "w+", encoding="utf-8")
    proc = subprocess.Popen([sys.executable, __file__, str(spec)], stdout=subprocess.PIPE,
                            stderr=stderr, text=True, cwd=Path(__file__).parent)
    lines: queue.Queue = queue.Queue()
    threading.Thread(target=lambda: [lines.put(x) for x in proc.stdout] + [lines.put(None)],
                     daemon=True).start()
    handled: set[str] = set()
    current, started = None, time.monotonic()
    deadline = started + limits.load_timeout_s
    try:
        while True:
            try:
                wait = min(deadline, stop) if current is not None else deadline
                line = lines.get(timeout=max(0.01, wait - time.monotonic()))
            except queue.Empty:
                if current is None:
                    out.error = f"loading took more than {limits.load_timeout_s:g} s"
                else:
                    out.queries[current] = QueryTiming(timed_out=time.monotonic() - started)
                    handled.add(current)
                break
            if line is None:
                if current is not None:          # the child died inside a question
                    out.queries[current] = QueryTiming(error=_tail(stderr))
                    handled.add(current)
                elif out.load_s is None:
                    out.error = _tail(stderr) or "the child exited before loading"
                break
            ev = json.loads(line)
            out.peak_rss_kb = max(out.peak_rss_kb, ev.get("hwm_kb", 0))
            if ev["event"] == "loaded":
                out.load_s = out.load_s or ev["seconds"]
                out.optimize_s = out.optimize_s or ev.get("optimize_s")
            elif ev["event"] == "ready":
                deadline = time.monotonic() + limits.timeout_s
            elif ev["event"] == "start":
                current, started = ev["name"], time.monotonic()
                deadline = started + limits.timeout_s
                if started >= stop:
                    break
            elif ev["event"] == "query":
                out.queries[ev["name"]] = QueryTiming(ev["times"], ev.get("rows"),
                                                      error=ev.get("error"),
                                                      engine_ms=ev.get("engine_ms"))
                handled.add(ev["name"])
                current = None
                deadline = time.monotonic() + limits.timeout_s
    finally:
        try:                      # not proc.kill()/poll(): they may reap it before waitpid
            os.kill(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        _, status = os.waitpid(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        stderr.close()
    return handled


def _tail(f) -> str:
    f.flush()
    f.seek(0)
    return " ".join(f.read().strip().splitlines()[-3:])[:300]


# ---------------------------------------------------------------------------- child side
def _child(spec_path: str) -> None:
    spec = json.loads(Path(spec_path).read_text(encoding="utf-8"))
    limits = Limits(**spec["limits"])
    from kg.store.local import OxigraphStore, QueryError, RdflibStore, Term

    def emit(**ev):
        print(json.dumps({**ev, "hwm_kb": _peak_rss_kb()}), flush=True)

    start = time.perf_counter()
    if spec["backend"] == "oxigraph" and spec["loaded"]:
        store = OxigraphStore.open(Path(spec["store"]))
        emit(event="ready")
    elif spec["backend"] == "oxigraph":
        import pyoxigraph as ox     # the steps of OxigraphStore.create, timed apart
        native = ox.Store(spec["store"])
        native.bulk_load(path=spec["nt"], format=ox.RdfFormat.N_TRIPLES)
        native.flush()
        loaded = time.perf_counter()
        native.optimize()
        del native
        emit(event="loaded", seconds=loaded - start, optimize_s=time.perf_counter() - loaded)
        store = OxigraphStore.open(Path(spec["store"]))      # read-only, as every command
    elif spec["backend"] == "oxigraph-memory":
        store = OxigraphStore.in_memory(Path(spec["nt"]))
        emit(event="loaded", seconds=time.perf_counter() - start)
    else:
        import rdflib
        store = RdflibStore(rdflib.Graph().parse(spec["nt"], format="nt"))
        emit(event="loaded", seconds=time.perf_counter() - start)

    for q in spec["questions"]:
        emit(event="start", name=q["name"])
        bindings = {k: Term.iri(v) for k, v in q["bindings"].items()}
        times, rows, error = [], None, None
        try:
            rows = len(store.query(q["query"], bindings).rows)        # warm-up
            begin = time.perf_counter()
            while len(times) < limits.runs and (
                    len(times) < limits.min_runs or time.perf_counter() - begin < limits.budget_s):
                t = time.perf_counter()
                store.query(q["query"], bindings)
                times.append(time.perf_counter() - t)
        except QueryError as exc:
            error = str(exc)[:300]
        engine = _engine_ms(store, q["query"], bindings) if times and isinstance(
            store, OxigraphStore) else None
        emit(event="query", name=q["name"], times=times, rows=rows, error=error, engine_ms=engine)


def _peak_rss_kb() -> int:
    """This process's peak resident set (VmHWM), in kB; 0 where /proc is missing."""
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            return next(int(line.split()[1]) for line in f if line.startswith("VmHWM:"))
    except (OSError, StopIteration):
        import resource
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def _engine_ms(store, query: str, bindings: dict) -> float:
    """Median of 3 runs of the bare pyoxigraph query (parameters bound as kg.store.local binds
    them), iterating its rows without conversion."""
    from kg.store.local import query_text
    text = query_text(query, bindings)
    times = []
    for _ in range(3):
        t = time.perf_counter()
        for _row in store._store.query(text):
            pass
        times.append(time.perf_counter() - t)
    return sorted(times)[1] * 1000


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    _child(sys.argv[1])
