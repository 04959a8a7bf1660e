"""Where one request to ``cartkg serve`` spends its time, for the endpoint benchmark's three
questions: the main process's loop profiled (cProfile) while a client process hammers it with
16 keep-alive clients, the worker's part of each request (policy check, evaluation with
serialisation, ETag/gzip encoding, the pickled reply frame) timed on its own, and the CPU time
per request of the server's processes (main process, workers) and of the native Oxigraph
server, read from /proc without a profiler.

    python benchmarks/profile_endpoint.py [SECONDS]     # the worker's table, CPU per request,
                                                        # the loop's profile on both workloads
"""
from __future__ import annotations

import cProfile
import io
import os
import pickle
import pstats
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_endpoint import CLIENTS, QUESTIONS, query_text  # noqa: E402


def worker_stages(spec, texts: dict[str, str], runs: int = 300) -> list[str]:
    """Per question: CPU microseconds per new query (a distinct text each time) of each step
    a worker takes: the policy check, Oxigraph's parse and plan of the text (``Store.query``,
    before any row is read; the native server pays it too), the whole ``do_query`` (that,
    the rows and the serialisation), the ETag, the reply frame."""
    from kg.server.encoding import encode
    from kg.server.worker import Worker
    from kg.store.policy import _verdict
    worker = Worker(spec.open(), spec, 10000)
    lines = ["| question | policy check | Oxigraph's parse and plan | whole `do_query` | ETag | "
             "reply pickle+unpickle | answer bytes |", "|---|---|---|---|---|---|---|"]
    for q, text in texts.items():
        job = {"op": "query", "query": text, "accept": "application/sparql-results+json",
               "default": [], "named": [], "base": "http://127.0.0.1/sparql"}
        reply = encode(worker.do_query(job), False)
        fresh = (f"{text}\n# {n}" for n in range(10 ** 9))
        steps = {"policy": lambda: _verdict(next(fresh), False),
                 "plan": lambda: worker.store.query(next(fresh), base_iri=job["base"],
                                                    prefixes=worker.prefixes),
                 "whole": lambda: worker.do_query(dict(job, query=next(fresh))),
                 "etag": lambda: encode(replace(reply, headers={}), False),
                 "pickle": lambda: pickle.loads(pickle.dumps(reply, pickle.HIGHEST_PROTOCOL))}
        us = {}
        for name, step in steps.items():
            t = time.process_time()
            for _ in range(runs):
                step()
            us[name] = (time.process_time() - t) / runs * 1e6
        lines.append(f"| {q} | {us['policy']:.0f} | {us['plan']:.0f} | {us['whole']:.0f} | "
                     f"{us['etag']:.0f} | {us['pickle']:.0f} | {len(reply.body)} |")
    return lines


def worker_process(spec, texts: dict[str, str], runs: int = 1000) -> list[str]:
    """CPU time per distinct query of a real worker process answering jobs one at a time over
    its socket pair, against the same steps (handle, encode) in this process: what the hop
    to a process that sleeps between jobs costs the worker."""
    import socket

    from kg.server.encoding import encode
    from kg.server.worker import Frames, Worker
    ours, theirs = socket.socketpair()
    proc = subprocess.Popen([sys.executable, "-m", "kg.server.worker", str(theirs.fileno())],
                            pass_fds=(theirs.fileno(),), stdin=subprocess.DEVNULL)
    theirs.close()
    frames, here = Frames(ours), Worker(spec.open(), spec, 10000)
    frames.send((spec, False, 10000, 0, 64 << 20, None))
    frames.recv()
    jobs = ({"op": "query", "query": f"{text}\n# {n}", "accept":
             "application/sparql-results+json", "default": [], "named": [],
             "base": "http://127.0.0.1/sparql"} for n in range(10 ** 9) for text in texts.values())
    try:
        before = _cpu_seconds(proc.pid)
        for _ in range(runs):
            frames.send(next(jobs))
            frames.recv()
        there = (_cpu_seconds(proc.pid) - before) / runs
        before = time.process_time()
        for _ in range(runs):
            encode(here.handle(next(jobs)), False)
        alone = (time.process_time() - before) / runs
    finally:
        proc.kill()
        proc.wait()
    return [f"worker process: {there * 1e6:.0f} µs of CPU per distinct query over its socket "
            f"pair; the same steps in one process: {alone * 1e6:.0f} µs ({runs} queries each, "
            "the three questions in turn)"]


def loop_profile(spec, texts: dict[str, str], seconds: float, distinct: bool) -> list[str]:
    """cProfile of the server's loop thread while a client process sends each question (with
    ``distinct``, every request's text distinct: the no-repeat workload, all cache misses)."""
    from kg.server.run import start
    server = start(spec)
    profile = cProfile.Profile()
    loop = server.httpd.loop
    loop.call_soon_threadsafe(profile.enable)
    done, rates = 0, []
    try:
        for q, text in texts.items():
            ok, rps = _clients(server.httpd.server_address[1], text, seconds, distinct)
            done += ok
            rates.append(f"{q} {rps:,.0f} req/s")
    finally:
        loop.call_soon_threadsafe(profile.disable)
        time.sleep(0.2)
        server.close()
    stream = io.StringIO()
    stats = pstats.Stats(profile, stream=stream)
    stats.sort_stats("tottime").print_stats(25)
    idle = sum(tt for (_, _, name), (_, _, tt, _, _) in stats.stats.items()
               if name == "<method 'poll' of 'select.epoll' objects>")
    workload = "no-repeat" if distinct else "repeated"
    return [f"{workload}: {done} requests profiled ({CLIENTS} clients, {seconds:g} s per "
            f"question; {', '.join(rates)} under the profiler), "
            f"{(stats.total_tt - idle) / done * 1e6:.0f} µs of the loop per request "
            "(idle epoll excluded)",
            stream.getvalue()]


def _clients(port: int, text: str, seconds: float, distinct: bool) -> tuple[int, float]:
    """Requests answered and req/s of CLIENTS keep-alive clients in another process."""
    out = subprocess.run([sys.executable, "-c", (
        "import sys; sys.path.insert(0, %r); from bench_endpoint import hammer; "
        "r = hammer(%d, sys.stdin.read(), %r, distinct=%r); print(r.ok, r.rps)")
        % (str(HERE), port, seconds, distinct)], input=text, capture_output=True, text=True,
        check=True)
    ok, rps = out.stdout.split()
    return int(ok), float(rps)


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process (all its threads) has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def process_cpu(spec, texts: dict[str, str], seconds: float, nt: Path) -> list[str]:
    """CPU time per request, without a profiler, of ``cartkg serve``'s main process (this
    one: its loop thread) and of its query workers, and of the native Oxigraph server (all
    its threads), on both workloads; the clients run in another process."""
    from bench_endpoint import Server
    from kg.paths import installed_tool
    from kg.server.run import start
    from timing import free_port
    lines = ["| workload | question | server | req/s | main process µs/request | "
             "workers µs/request |", "|---|---|---|---|---|---|"]
    port = free_port()
    with Server([installed_tool("oxigraph"), "serve", "--bind", f"127.0.0.1:{port}"], port,
                data=nt) as native, start(spec) as ours:
        workers = lambda: [w.proc.pid for w in ours.httpd.pool._live]  # noqa: E731
        for distinct in (False, True):
            for q, text in texts.items():
                for name, port, main_cpu in (
                        ("cartkg serve", ours.httpd.server_address[1], time.process_time),
                        ("oxigraph server", native.port, lambda: _cpu_seconds(native.proc.pid))):
                    _clients(port, text, 0.5, distinct)                    # warm-up
                    pids = workers() if name == "cartkg serve" else []
                    before = main_cpu(), sum(map(_cpu_seconds, pids))
                    ok, rps = _clients(port, text, seconds, distinct)
                    used = main_cpu() - before[0], sum(map(_cpu_seconds, pids)) - before[1]
                    in_workers = f"{used[1] / ok * 1e6:.0f}" if pids else "–"
                    lines.append(f"| {'no-repeat' if distinct else 'repeated'} | {q} | {name} "
                                 f"| {rps:,.0f} | {used[0] / ok * 1e6:.0f} | {in_workers} |")
    return lines


def main() -> None:
    from bench_cq import question_specs
    from kg.paths import project_paths
    from kg.server.run import store_spec
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 5.0
    paths = project_paths()
    texts = {s["name"]: query_text(s) for s in question_specs(paths) if s["name"] in QUESTIONS}
    spec = store_spec(None, paths)
    print("\n".join(worker_stages(spec, texts)))
    print("\n".join(worker_process(spec, texts)))
    print("\n".join(process_cpu(spec, texts, seconds, paths.exports / "cartkg.nt")))
    for distinct in (False, True):
        print("\n".join(loop_profile(spec, texts, seconds, distinct)))


if __name__ == "__main__":
    main()
