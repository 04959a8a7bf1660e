"""The best a "workers own their connections" ``cartkg serve`` could do (issue 28): N processes
forked after the graph is loaded, each running ``kg.server.protocol``'s own server loop (the
real HTTP parsing and checks, a result cache of its own, ETag/304) on the shared listening
socket and running every job in-process (policy check, Oxigraph, encoding: a worker's own
steps). No hop to a worker, so no main process on a new query's path; but also none of what
the hop buys: no fairness across processes, no time limit, no long lane, no answer for a
killed process's clients, no per-client job cap. Measured in rotation (as the endpoint
benchmark does) against the native Oxigraph server and ``cartkg serve``, on the benchmark's
questions, with the CPU time per request of each server's whole process tree.

    python benchmarks/prefork_bound.py [SECONDS] [ROUNDS] [repeated]   # the table
    python benchmarks/prefork_bound.py serve N PORT      # the bound server alone (N processes;
                                                         # 0: cartkg serve's own server)
"""
from __future__ import annotations

import ctypes
import os
import shutil
import signal
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_endpoint import QUESTIONS, Server, hammer, query_text  # noqa: E402


class InProcessPool:
    """``kg.server.pool.WorkerPool``'s interface, each job run at once in this process."""

    def __init__(self, worker, spool: str):
        self.worker, self.spool, self.loop = worker, spool, None

    def attach(self, loop) -> None:
        self.loop = loop

    @property
    def graph(self) -> str | None:
        return self.worker.graph

    def submit(self, job: dict, done, client: str = "-") -> None:
        from kg.server.encoding import encode, spill
        reply = self.worker.handle(job)
        if job["op"] in ("query", "api"):
            reply = spill(encode(reply, job.get("gzip", False)), self.spool)
        reply.graph = self.worker.graph
        self.loop.call_soon(done, reply, None)

    def close(self) -> None:
        pass


def serve_prefork(processes: int, port: int) -> None:
    """The bound server on 127.0.0.1:``port`` until SIGTERM: the listening socket opened
    here, ``processes`` children each without network, holding the graph, serving it; with
    0 processes, ``cartkg serve``'s own server (main process and worker pool) instead."""
    from kg.paths import project_paths
    from kg.server.protocol import Settings, SparqlServer, new_event_loop
    from kg.server.run import start, store_spec
    from kg.server.sandbox import isolate_network
    from kg.server.worker import PR_SET_PDEATHSIG, Worker
    paths, settings = project_paths(), Settings()
    spec = store_spec(None, paths)
    stop = {signal.SIGTERM, signal.SIGINT}
    signal.pthread_sigmask(signal.SIG_BLOCK, stop)      # for sigwait, in every thread
    if not processes:
        with start(spec, port=port, settings=settings, paths=paths):
            signal.sigwait(stop)
        return
    server = SparqlServer(("127.0.0.1", port), None, settings, paths.competency,
                          paths.exports / "explorer")
    children, spool = [], tempfile.mkdtemp(prefix="cartkg-spool-")
    for _ in range(processes):
        pid = os.fork()
        if pid == 0:
            try:
                ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
                isolate_network()
                store, graph = spec.open_with_fingerprint()
                worker = Worker(store, spec, settings.max_rows, False, settings.max_bytes)
                worker.graph = graph
                server.pool = InProcessPool(worker, spool)
                server.loop = new_event_loop()
                server.serve_forever()
            finally:
                os._exit(0)
        children.append(pid)
    try:
        signal.sigwait(stop)
    finally:
        for pid in children:
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(spool, ignore_errors=True)


def tree_cpu(pid: int) -> float:
    """User + system CPU seconds of a process and all its descendants, from /proc."""
    total, todo = 0.0, [pid]
    while todo:
        p = todo.pop()
        try:
            fields = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
            for task in Path(f"/proc/{p}/task").iterdir():
                todo += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return total


def measure(seconds: float, rounds: int, distinct: bool, bounds: dict) -> list[str]:
    """Per question: req/s (× native), p99 and CPU µs per request of the native Oxigraph
    server, ``cartkg serve`` and each of ``bounds`` (name → the command starting it on a
    port), in rotation."""
    from bench_cq import question_specs
    from kg.paths import installed_tool, project_paths
    from timing import free_port, percentile
    paths = project_paths()
    specs = {s["name"]: s for s in question_specs(paths) if s["name"] in QUESTIONS}
    commands = {"oxigraph server": lambda p: [installed_tool("oxigraph"), "serve", "--bind",
                                              f"127.0.0.1:{p}"],
                "cartkg serve": lambda p: [sys.executable, __file__, "serve", "0", str(p)],
                **bounds}
    servers, seen = {}, {}
    try:
        for name, command in commands.items():
            port = free_port()
            data = paths.exports / "cartkg.nt" if name == "oxigraph server" else None
            servers[name] = Server(command(port), port, data=data).__enter__()
        for q in QUESTIONS:
            text = query_text(specs[q])
            for srv in servers.values():
                hammer(srv.port, text, 0.5, distinct=distinct)              # warm-up
            for _ in range(rounds):
                for name, srv in servers.items():
                    before = tree_cpu(srv.proc.pid)
                    load = hammer(srv.port, text, seconds / rounds, distinct=distinct)
                    cpu = tree_cpu(srv.proc.pid) - before
                    ok, secs, lat, used = seen.get((q, name), (0, 0.0, [], 0.0))
                    seen[q, name] = (ok + load.ok, secs + load.seconds, lat + load.latencies,
                                     used + cpu)
    finally:
        for srv in servers.values():
            srv.__exit__()
    lines = ["| question | server | req/s (× native) | p99 ms | CPU µs per request |",
             "|---|---|---|---|---|"]
    for q in QUESTIONS:
        native = seen[q, "oxigraph server"][0] / seen[q, "oxigraph server"][1]
        for name in commands:
            ok, secs, lat, used = seen[q, name]
            lines.append(f"| {q} | {name} | {ok / secs:,.0f} ({ok / secs / native:.2f}×) | "
                         f"{percentile(lat, 99) * 1000:.1f} | {used / ok * 1e6:.0f} |")
    return lines


def main() -> None:
    if sys.argv[1:2] == ["serve"]:
        serve_prefork(int(sys.argv[2]), int(sys.argv[3]))
        return
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    me = [sys.executable, __file__, "serve"]
    print("\n".join(measure(seconds, rounds, "repeated" not in sys.argv,
                            {"bound, 2 processes": lambda p: me + ["2", str(p)]})))


if __name__ == "__main__":
    main()
