"""Small timing helpers shared by the benchmark modules."""
from __future__ import annotations

import socket
import subprocess
import time


def percentile(values: list[float], q: float) -> float:
    """The q-th percentile (0–100) by linear interpolation between closest ranks."""
    xs = sorted(values)
    if not xs:
        raise ValueError("no values")
    k = (len(xs) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(xs) - 1)
    return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)


def median(values: list[float]) -> float:
    return percentile(values, 50)


def wall_times(cmd: list[str], runs: int, warmup: int = 1, env: dict | None = None,
               timeout: float = 60.0) -> list[float]:
    """Whole-process wall time of ``cmd`` (seconds), ``runs`` times after ``warmup`` runs."""
    out = []
    for i in range(warmup + runs):
        t = time.perf_counter()
        subprocess.run(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
                       timeout=timeout, check=True)
        if i >= warmup:
            out.append(time.perf_counter() - t)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
