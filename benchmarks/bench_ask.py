"""Figure 7: the ask page's question, ``/api/ask``, answered by ``cartkg serve`` (its workers
hold the graph in memory): p95 latency of one client asking the three questions of the page's
browser test (the mission's, a patient profile, a monitoring question), each time worded anew
(one more trailing '?': the same work, but not an answer the workers keep for a repeated
question), after one warm-up round; repeated questions (answered from the workers' memo) are
reported beside it. Baseline: the same questions through the CLI (``cartkg ask TEXT --json``,
the whole process) in the same run. The page's target is p95 ≤ 300 ms."""
from __future__ import annotations

import subprocess
import time
import urllib.request
from pathlib import Path
from urllib.parse import urlencode

from bench_coldstart import cartkg
from figures import Figure
from project_copy import env_for
from timing import free_port, median, percentile, wall_times

QUESTIONS = ("Which strategies apply to CD19-negative relapse?",
             "Child with B-ALL after tisa-cel, with high TMTV and a CD19 mutation: what is the "
             "risk?",
             "How should we monitor for resistant clones after CAR-T in ALL?")
TARGET_MS = 300.0


def _get(url: str) -> float:
    t = time.perf_counter()
    with urllib.request.urlopen(url, timeout=60) as r:
        r.read()
        assert r.status == 200
    return time.perf_counter() - t


def run(project: Path, quick: bool, log=print) -> tuple[list[Figure], list[str]]:
    rounds = 10 if quick else 30
    env = env_for(project)
    port = free_port()
    server = subprocess.Popen([cartkg(), "serve", "--port", str(port), "--workers", "2"],
                              env=env, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}/api/ask?"
    try:
        for _ in range(1200):           # until the explorer's pages are written (CPU idle)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/explorer/") as r:
                    if b"being written" not in r.read():
                        break
            except OSError:
                pass
            time.sleep(0.25)
        urls = [base + urlencode({"text": q}) for q in QUESTIONS]
        for url in urls:                                  # warm-up: one round
            _get(url)
        times = {q: [_get(base + urlencode({"text": q + "?" * k})) for k in range(1, rounds + 1)]
                 for q in QUESTIONS}
        repeated = [_get(url) for url in urls for _ in range(rounds)]
    finally:
        server.terminate()
        server.wait(timeout=30)
    cli = {q: median(wall_times([cartkg(), "ask", q, "--json"], runs=3, env=env, timeout=120))
           for q in QUESTIONS}
    every = [t for ts in times.values() for t in ts]
    p95 = percentile(every, 95) * 1000
    cli_ms = median(list(cli.values())) * 1000
    log(f"[bench] ask: /api/ask p95 {p95:.0f} ms, CLI median {cli_ms:.0f} ms")
    fig = Figure("ask.api-p95", p95, "ms", cli_ms, "cartkg ask TEXT --json (CLI, same run)",
                 target=f"≤ {TARGET_MS:g} ms", checks=[("value", "<=", TARGET_MS)],
                 note=f"{len(every)} requests, {rounds} per question worded anew, one client; "
                      f"repeated questions: p95 {percentile(repeated, 95) * 1000:.1f} ms")
    rows = [f"| {q} | {median(times[q]) * 1000:.0f} | {percentile(times[q], 95) * 1000:.0f} "
            f"| {cli[q] * 1000:.0f} |" for q in QUESTIONS]
    detail = "\n".join(["### The ask page's API (ms)", "",
                        "| question (worded anew each time) | /api/ask median | /api/ask p95 "
                        "| CLI (whole process) |",
                        "|---|---|---|---|", *rows])
    return [fig], [detail]
