"""Figure 5: requests per second and p99 latency under 16 concurrent loopback clients for three
competency questions, against ``cartkg serve``, rdflib-endpoint (uvicorn) and the Oxigraph
server binary, all serving the same graph on 127.0.0.1 from memory: ``cartkg serve`` holds the
graph in its workers' memory (its default), rdflib-endpoint in an rdflib Graph, and ``oxigraph
serve`` without ``--location`` in its in-memory store (the graph POSTed to ``/store`` first);
the native target compares with that one. ``oxigraph serve-read-only`` on its on-disk
(RocksDB) store is measured too, for reference.

Two workloads per question: *repeated* (every client sends the same text, as dashboards, the
explorer and the question API do; ``cartkg serve`` answers it from its result cache) and
*no-repeat* (every request distinct: a comment with a number no other request of the process
carries ends the text, so no cache of any kind can answer it).

    python benchmarks/bench_endpoint.py serve-rdflib GRAPH.nt PORT   # the rdflib-endpoint app
"""
from __future__ import annotations

import contextlib
import http.client
import itertools
import subprocess
import sys
import threading
import time
import urllib.parse
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from figures import Figure, fmt
from project_copy import env_for
from timing import free_port, percentile

CLIENTS = 16
NO_REPEAT = ("cartkg serve", "oxigraph server")     # servers also run the no-repeat workload
NO_REPEAT_PREFIX = "no-repeat "
ROUNDS = 5          # turns the servers take on each question and workload
QUESTIONS = ("antigen-negative-mechanisms-and-solutions", "poor-long-term-biomarkers",
             "multi-mechanism-strategies")
PATH = "/sparql"
# numbers the no-repeat workload's requests across every call in this process (thread ids and
# per-call counts come back in the next turn, which would repeat texts the cache holds), after
# a tag of this process, so two client processes never send the same text either
SERIAL = itertools.count()
RUN = uuid.uuid4().hex[:12]


@dataclass
class Load:
    ok: int = 0
    errors: int = 0
    single_p50_ms: float | None = None     # latency with one client, nothing queued
    fresh_p50_ms: float | None = None      # …opening a new connection for every request
    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)

    def add(self, other: "Load") -> None:
        """Count ``other``'s requests and seconds in with these."""
        self.ok += other.ok
        self.errors += other.errors
        self.seconds += other.seconds
        self.latencies += other.latencies

    @property
    def rps(self) -> float:
        return self.ok / self.seconds if self.seconds else 0.0

    @property
    def p99_ms(self) -> float | None:
        return percentile(self.latencies, 99) * 1000 if self.latencies else None


def query_text(spec: dict) -> str:
    """The question as one self-contained query: PREFIX lines, parameters in a VALUES block
    (as kg.store.local binds them)."""
    from kg.store.local import Term, query_text
    return query_text(spec["query"], {var: Term.iri(iri) for var, iri
                                      in spec["bindings"].items()})


def hammer(port: int, query: str, seconds: float, clients: int = CLIENTS,
           keep_alive: bool = True, distinct: bool = False) -> Load:
    """``clients`` threads, each with a keep-alive connection (or a new connection per
    request), for ``seconds``; with ``distinct``, no two requests carry the same text."""
    target = PATH + "?" + urllib.parse.urlencode({"query": query})
    headers = {"Accept": "application/sparql-results+json"}
    out, lock = Load(), threading.Lock()
    stop = time.monotonic() + seconds

    def client():
        conn, lat, ok, err = None, [], 0, 0
        while time.monotonic() < stop:
            t = time.perf_counter()
            try:
                conn = conn or http.client.HTTPConnection("127.0.0.1", port,
                                                          timeout=seconds + 5)
                conn.request("GET", target + urllib.parse.quote_plus(
                    f"\n# request {RUN}-{next(SERIAL)}") if distinct else target,
                    headers=headers)
                resp = conn.getresponse()
                body = resp.read()
                if resp.status == 200 and body:
                    ok += 1
                    lat.append(time.perf_counter() - t)
                else:
                    err += 1
                if not keep_alive or resp.will_close:
                    conn.close()
                    conn = None
            except (OSError, http.client.HTTPException):
                err += 1
                if conn:
                    conn.close()
                conn = None
        if conn:
            conn.close()
        with lock:
            out.ok += ok
            out.errors += err
            out.latencies += lat

    threads = [threading.Thread(target=client) for _ in range(clients)]
    start = time.monotonic()
    for th in threads:
        th.start()
    for th in threads:
        th.join(seconds + 60)
    out.seconds = time.monotonic() - start
    return out


def wait_ready(port: int, proc: subprocess.Popen, timeout: float = 120) -> None:
    q = urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            conn.request("GET", f"{PATH}?{q}",
                         headers={"Accept": "application/sparql-results+json"})
            if conn.getresponse().status == 200:
                conn.close()
                return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"no answer on port {port} within {timeout:g} s")


def post_graph(port: int, nt: Path) -> None:
    """Load ``nt`` into the default graph of a server speaking the Graph Store protocol."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=300)
    conn.request("POST", "/store?default", body=nt.read_bytes(),
                 headers={"Content-Type": "application/n-triples"})
    resp = conn.getresponse()
    resp.read()
    conn.close()
    if resp.status not in (200, 201, 204):
        raise RuntimeError(f"loading {nt.name} into the server answered {resp.status}")


class Server:
    """One server subprocess on 127.0.0.1, stopped (by its pid) on exit."""

    def __init__(self, cmd: list[str], port: int, env: dict | None = None, log: Path | None = None,
                 data: Path | None = None):
        self.port, self.data = port, data       # data: N-Triples to POST to /store once up
        self.log = open(log, "w") if log else subprocess.DEVNULL
        self.proc = subprocess.Popen(cmd, env=env, stdout=self.log, stderr=self.log,
                                     stdin=subprocess.DEVNULL)

    def __enter__(self):
        try:
            wait_ready(self.port, self.proc)
            if self.data:
                post_graph(self.port, self.data)
        except Exception:
            self.__exit__()
            raise
        return self

    def __exit__(self, *exc):
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        if self.log is not subprocess.DEVNULL:
            self.log.close()

    def cache_summary(self) -> str | None:
        """The result-cache line ``cartkg serve`` logs when it stops, if any."""
        if self.log is subprocess.DEVNULL:
            return None
        lines = [line for line in Path(self.log.name).read_text().splitlines()
                 if "result cache:" in line]
        return lines[-1].removeprefix("[serve] ") if lines else None


def servers(project: Path, nt: Path, workdir: Path):
    """(name, factory) for each server under test; factories start it on a free port."""
    from bench_coldstart import cartkg
    from kg.paths import installed_tool
    oxigraph = installed_tool("oxigraph")    # the native baseline: missing stops the run

    def ours():
        p = free_port()
        return Server([cartkg(), "serve", "--port", str(p)], p, env_for(project),
                      workdir / "serve.log")

    def rdflib_endpoint():
        p = free_port()
        return Server([sys.executable, __file__, "serve-rdflib", str(nt), str(p)], p,
                      log=workdir / "rdflib-endpoint.log")

    def native():
        p = free_port()
        return Server([oxigraph, "serve", "--bind", f"127.0.0.1:{p}"], p,
                      log=workdir / "oxigraph-memory.log", data=nt)

    def native_disk():
        p, loc = free_port(), workdir / "oxigraph-server"
        if not loc.exists():
            subprocess.run([oxigraph, "load", "--location", str(loc), "--file", str(nt)],
                           check=True, capture_output=True, timeout=300)
        return Server([oxigraph, "serve-read-only", "--location", str(loc), "--bind",
                       f"127.0.0.1:{p}"], p, log=workdir / "oxigraph.log")

    return [("cartkg serve", ours), ("rdflib-endpoint", rdflib_endpoint),
            ("oxigraph server", native), ("oxigraph server, disk", native_disk)]


def run(paths, project: Path, workdir: Path, quick: bool, log=print):
    """Every server started at once; per question and workload, ROUNDS turns in which each
    server is loaded for its share of the seconds, so a change in the machine's load (other
    programs on a shared machine) falls on all of them alike."""
    from bench_cq import question_specs
    if not _has_serve():
        return [Figure("endpoint", None, "", note="kg/server/run.py has no serve()")], []
    seconds = 2.0 if quick else 10.0
    specs = {q["name"]: q for q in question_specs(paths) if q["name"] in QUESTIONS}
    results: dict[str, dict[str, Load | str]] = {}
    nt = project / "exports" / "cartkg.nt"
    with contextlib.ExitStack() as stack:
        running = {}
        for name, factory in servers(project, nt, workdir):
            log(f"[bench] endpoint: starting {name}")
            try:
                running[name] = stack.enter_context(factory())
                results[name] = {}
            except Exception as exc:                                     # noqa: BLE001
                results[name] = {q: f"failed: {exc}" for q in QUESTIONS}
        for q in QUESTIONS:
            log(f"[bench] endpoint: {q}")
            text = query_text(specs[q])
            for srv in running.values():
                hammer(srv.port, text, 0.5)                              # warm-up
            for workload in ("", NO_REPEAT_PREFIX):
                for _ in range(ROUNDS):
                    for name, srv in running.items():
                        if workload and name not in NO_REPEAT:
                            continue
                        part = hammer(srv.port, text, seconds / ROUNDS, distinct=bool(workload))
                        results[name].setdefault(workload + q, Load()).add(part)
            for name, srv in running.items():
                for attr, keep in (("single_p50_ms", True), ("fresh_p50_ms", False)):
                    one = hammer(srv.port, text, 0.5 if quick else 2.0, 1, keep)
                    setattr(results[name][q], attr, percentile(one.latencies, 50) * 1000
                            if one.latencies else None)
    figs, details = _figures(results, seconds)
    summary = running["cartkg serve"].cache_summary() if "cartkg serve" in running else None
    if summary:
        details.append(f"`cartkg serve`'s {summary} (both workloads, warm-ups and 1-client "
                       "runs together)")
    return figs, details


def _has_serve() -> bool:
    try:
        from kg.server.run import serve  # noqa: F401
        return True
    except ImportError:
        return False


def _figures(results, seconds):
    figs, rows = [], []
    ours, rdf, nat = (results.get(k, {}) for k in ("cartkg serve", "rdflib-endpoint",
                                                    "oxigraph server"))
    val = lambda r, attr: getattr(r, attr) if isinstance(r, Load) else None  # noqa: E731
    for q in QUESTIONS:
        o, r, n = ours.get(q), rdf.get(q), nat.get(q)
        o_new, n_new = ours.get(NO_REPEAT_PREFIX + q), nat.get(NO_REPEAT_PREFIX + q)
        note = "; ".join(f"{k}: {v}" for k, v in (("cartkg", o), ("rdflib-endpoint", r),
                                                    ("oxigraph", n)) if isinstance(v, str))
        figs.append(Figure(f"endpoint.{q}.rps", val(o, "rps"), "req/s", val(r, "rps"),
                           "rdflib-endpoint", higher_is_better=True,
                           target="≥ 10× rdflib-endpoint",
                           checks=[("ratio", ">=", 10)], note=note))
        figs.append(Figure(f"endpoint.{q}.rps-vs-native", val(o, "rps"), "req/s", val(n, "rps"),
                           "oxigraph server", higher_is_better=True, target="≥ 1.0× native",
                           checks=[("ratio", ">=", 1.0)], note=note))
        figs.append(Figure(f"endpoint.{q}.p99", val(o, "p99_ms"), "ms", val(n, "p99_ms"),
                           "oxigraph server", target="no worse than native",
                           checks=[("ratio", ">=", 1.0)], note=note))
        figs.append(Figure(f"endpoint.{q}.no-repeat.rps-vs-native", val(o_new, "rps"), "req/s",
                           val(n_new, "rps"), "oxigraph server", higher_is_better=True,
                           target="≥ 0.7× native", checks=[("ratio", ">=", 0.7)], note=note))
        figs.append(Figure(f"endpoint.{q}.no-repeat.p99", val(o_new, "p99_ms"), "ms",
                           val(n_new, "p99_ms"), "oxigraph server", note=note))
        for workload in ("", NO_REPEAT_PREFIX):
            for name in results:
                if workload and name not in NO_REPEAT:
                    continue
                res = results[name].get(workload + q)
                label = f"{name}, {workload.strip()}" if workload else name
                if isinstance(res, Load):
                    p50 = percentile(res.latencies, 50) * 1000 if res.latencies else None
                    rows.append(f"| {q} | {label} | {res.ok} | {res.errors} | {fmt(res.rps)} "
                                f"| {fmt(p50)} | {fmt(res.p99_ms)} | {fmt(res.single_p50_ms)} "
                                f"| {fmt(res.fresh_p50_ms)} |")
                else:
                    rows.append(f"| {q} | {label} | – | – | – | – | – | – | {res} |")
    detail = "\n".join([f"### SPARQL endpoints: {CLIENTS} keep-alive clients for {seconds:g} s "
                        f"per question, in {ROUNDS} turns taken by the servers in rotation "
                        "(GET /sparql, JSON results; parameters as VALUES); "
                        "repeated text, and no-repeat (every request's text distinct)", "",
                        "| question | server | answered | errors | req/s | p50 ms | p99 ms "
                        "| 1 client p50 ms | 1 client, new connection each, p50 ms |",
                        "|---|---|---|---|---|---|---|---|---|", *rows])
    return figs, [detail]


def serve_rdflib(nt: str, port: int) -> None:
    import rdflib
    import uvicorn
    from rdflib_endpoint import SparqlEndpoint
    app = SparqlEndpoint(graph=rdflib.Graph().parse(nt, format="nt"), path=PATH,
                         public_url=f"http://127.0.0.1:{port}{PATH}")
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "serve-rdflib":
        serve_rdflib(sys.argv[2], int(sys.argv[3]))
    else:
        sys.exit(__doc__)
