"""The machine a run was made on, and benchmarks/RESULTS.md."""
from __future__ import annotations

import os
import platform
import subprocess
from datetime import datetime, timezone
from importlib import metadata

from figures import HEADER, Figure, markdown_table

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


def _drop_section(text: str, heading: str) -> str:
    """``text`` without the sections whose heading line starts with ``heading`` (each up to
    the next heading of the same or a higher level)."""
    level = heading.split(" ", 1)[0]
    lines, out, skipping = text.split("\n"), [], False
    for line in lines:
        if line.startswith(heading):
            skipping = True
            continue
        if skipping and line.startswith("#") and len(line.split(" ", 1)[0]) <= len(level):
            skipping = False
        if not skipping:
            out.append(line)
    return "\n".join(out)


def _heading_key(heading: str) -> str:
    """The stable part of a detail heading: up to and including its first colon.

    >>> _heading_key("### build.full: `cartkg build` (18892 triples)")
    '### build.full:'
    """
    name, colon, _ = heading.partition(":")
    return name + colon if colon else heading


def merged_results(old: str, figs: list[Figure], details: list[str], missed: list[str],
                   groups: set[str], started: datetime) -> str:
    """RESULTS.md ``old`` with the figures, notes, details and missed-target sections of
    ``groups`` replaced by those of this run (``run.py --only GROUPS --merge``); the other
    groups' figures stay as their own run measured them, and the header says which groups
    were re-run, when."""
    mine = tuple(f"{g}." for g in groups)
    lines = []
    for line in old.split("\n"):
        cells = line.split("|")
        if line.startswith("| ") and len(cells) > 2 and cells[1].strip().startswith(mine):
            continue
        if line.startswith("- `") and line[3:].startswith(mine):
            continue
        lines.append(line)
    text = "\n".join(lines)
    # a detail's heading up to its colon names it; what follows (counts, times) may differ
    keys = [_heading_key(d.split("\n", 1)[0]) for d in details]
    for heading in keys + [f"### {g}:" for g in groups]:
        text = _drop_section(text, heading)
    table = markdown_table(figs).split("\n")[2:]
    head, rule = "| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)
    at = text.index(rule, text.index(head)) + len(rule)
    end = text.find("\n\n", at)
    text = text[:end] + "\n" + "\n".join(table) + text[end:]
    notes = [f"- `{f.name}`: {f.note}" for f in figs if f.note and f.value is not None]
    if notes and "\nNotes:\n\n" in text:
        at = text.index("\nNotes:\n\n") + len("\nNotes:\n\n")
        end = text.find("\n\n", at)
        text = text[:end] + "\n" + "\n".join(notes) + text[end:]
    if missed:
        if "## Targets missed: why, and what would fix it" not in text:
            text = text.replace("\n## Details\n", "\n## Targets missed: why, and what would fix "
                                "it\n\n## Details\n", 1)
        text = text.replace("\n## Details\n", "\n" + "\n".join(missed) + "\n## Details\n", 1)
    text = text.rstrip("\n") + "\n\n" + "\n".join(d + "\n" for d in details)
    written = next(line for line in text.split("\n") if line.startswith("Written by"))
    rerun = (f" Re-run alone on {started.astimezone(timezone.utc):%Y-%m-%d %H:%M} UTC with "
             f"`--only {','.join(sorted(groups))} --merge`: {', '.join(sorted(groups))}.")
    return text.replace(written, written.split(" Re-run alone on ")[0] + rerun, 1)
