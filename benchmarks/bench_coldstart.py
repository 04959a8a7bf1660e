"""Figure 2: whole-process wall time of two everyday commands, against ``python -c pass``."""
from __future__ import annotations

import sys
from pathlib import Path

from figures import Figure
from project_copy import env_for
from timing import median, wall_times

COMMANDS = {
    "strategies": ["strategies", "CD19-negative relapse", "--json"],
    "lookup": ["lookup", "CD19", "--json"],
}
RUNS = 10
TARGET_S = 0.8


def cartkg() -> str:
    from kg.paths import installed_tool
    return installed_tool("cartkg")


def run(project: Path) -> tuple[list[Figure], list[str]]:
    env = env_for(project)
    # the first run creates the on-disk store from exports/cartkg.nt, as in a fresh clone
    wall_times([cartkg(), *COMMANDS["lookup"]], runs=0, warmup=1, env=env, timeout=300)
    base_runs = wall_times([sys.executable, "-c", "pass"], RUNS, env=env)
    base = median(base_runs)
    figs, rows = [], []
    for name, args in COMMANDS.items():
        runs = wall_times([cartkg(), *args], RUNS, env=env)
        figs.append(Figure(f"coldstart.{name}", median(runs), "s", base, "python -c pass",
                           target="≤ 0.8 s", checks=[("value", "<=", TARGET_S)],
                           note=f"median of {RUNS}: cartkg {' '.join(args)}"))
        rows.append(f"| cartkg {' '.join(args)} | {min(runs):.3f} | {median(runs):.3f} "
                    f"| {max(runs):.3f} |")
    rows.append(f"| python -c pass | {min(base_runs):.3f} | {base:.3f} | {max(base_runs):.3f} |")
    detail = "\n".join(["### Cold start (seconds, whole process, warm page cache)", "",
                        "| command | min | median | max |", "|---|---|---|---|", *rows])
    return figs, [detail]
