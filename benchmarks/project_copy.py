"""A throw-away copy of the project (ontology/, queries/, exports/ without the store) with a
``shared`` symlink beside it, so builds and first-use store creation never touch the repo."""
from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_copy(workdir: Path) -> Path:
    from kg.paths import ProjectPaths
    dest = ProjectPaths(ROOT).copy_to(workdir / "project").root
    (dest / "README.md").write_bytes((ROOT / "README.md").read_bytes())   # its generated blocks
    (dest / "benchmarks").mkdir()
    (dest / "benchmarks" / "RESULTS.md").write_bytes((ROOT / "benchmarks" / "RESULTS.md").read_bytes())
    shared = ROOT.parent / "shared"
    if shared.exists() and not (workdir / "shared").exists():
        (workdir / "shared").symlink_to(shared.resolve())
    return dest


def env_for(project: Path) -> dict:
    env = dict(os.environ, CARTKG_HOME=str(project))
    env.pop("CARTKG_STORE", None)
    return env
