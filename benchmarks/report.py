"""The machine a run was made on, and benchmarks/RESULTS.md."""
from __future__ import annotations

import os
import platform
import subprocess
from datetime import datetime, timezone
from importlib import metadata

from figures import Figure, markdown_table

PACKAGES = ("pyoxigraph", "rdflib", "owlready2", "oxigraph", "rdflib-endpoint", "uvicorn",
            "playwright", "networkx")


def machine() -> list[tuple[str, str]]:
    def first(cmd, default="–"):
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=20)
            return ((out.stdout or out.stderr).strip().splitlines() or [default])[0]
        except (OSError, subprocess.SubprocessError):
            return default
    cpu = "–"
    try:
        cpu = next(line.split(":", 1)[1].strip() for line in open("/proc/cpuinfo")
                   if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    mem = "–"
    try:
        kb = next(int(line.split()[1]) for line in open("/proc/meminfo")
                  if line.startswith("MemTotal"))
        mem = f"{kb / 1024 ** 2:.1f} GiB"
    except (OSError, StopIteration):
        pass
    rows = [("CPU", f"{os.cpu_count()} cores, {cpu}"), ("memory", mem),
            ("OS", platform.platform()), ("Python", platform.python_version())]
    for pkg in PACKAGES:
        try:
            rows.append((pkg, metadata.version(pkg)))
        except metadata.PackageNotFoundError:
            rows.append((pkg, "not installed"))
    rows.append(("Java (HermiT)", first(["java", "-version"])))
    rows.append(("Chromium", first(["/usr/bin/chromium", "--version"])))
    return rows


def results_markdown(figs: list[Figure], details: list[str], missed: list[str], quick: bool,
                     started: datetime, seconds: float, group_seconds: dict[str, float]) -> str:
    mode = "quick (`--quick`)" if quick else "full"
    groups = ", ".join(f"{k} {v:.0f} s" for k, v in group_seconds.items())
    out = ["# Benchmark results", "",
           f"Written by `python benchmarks/run.py{' --quick' if quick else ''}` on "
           f"{started.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC; {mode} run, "
           f"{seconds / 60:.1f} min ({groups}). How each figure is measured: "
           "[README.md](README.md).", "",
           "## Machine", "", "| | |", "|---|---|",
           *[f"| {k} | {v} |" for k, v in machine()], "",
           "## Figures", "",
           "*ratio* = how many times better than the baseline measured in the same run "
           "(baseline / value for times and memory, value / baseline for rates); below 1 is "
           "worse than the baseline.", "",
           markdown_table(figs), ""]
    notes = [f"- `{f.name}`: {f.note}" for f in figs if f.note and f.value is not None]
    if notes:
        out += ["Notes:", "", *notes, ""]
    if missed:
        out += ["## Targets missed: why, and what would fix it", "", *missed, ""]
    out += ["## Details", "", *[d + "\n" for d in details]]
    return "\n".join(out)


def now() -> datetime:
    return datetime.now(timezone.utc)
