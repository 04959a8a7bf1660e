"""A throw-away copy of the project (ontology/, queries/, exports/ without the store) with a
``shared`` symlink beside it, so builds and first-use store creation never touch the repo."""
from __future__ import annotations

import os
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_copy(workdir: Path) -> Path:
    dest = workdir / "project"
    for name in ("ontology", "queries"):
        shutil.copytree(ROOT / name, dest / name)
    shutil.copytree(ROOT / "exports", dest / "exports",
                    ignore=shutil.ignore_patterns("store", "store.*", ".staging", "explorer",
                                                  "figures"))
    shared = ROOT.parent / "shared"
    if shared.exists() and not (workdir / "shared").exists():
        (workdir / "shared").symlink_to(shared.resolve())
    return dest


def env_for(project: Path) -> dict:
    env = dict(os.environ, CARTKG_HOME=str(project))
    env.pop("CARTKG_STORE", None)
    return env
