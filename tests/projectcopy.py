"""Helpers for tests: throw-away copies of the project laid out as in CI (``../shared`` beside
the project root), a tiny committed curation fixture, and a built copy of the real project."""
from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = (REPO.parent / "shared").resolve()
FIXTURE = Path(__file__).resolve().parent / "fixtures" / "mini"


def make_project(tmp: Path, curation: Path | None = None) -> Path:
    """A copy of the project's ontology, queries and exports under ``tmp/project``, with
    ``tmp/shared`` pointing at the real shared folder. ``curation`` replaces the curation
    sources (the fixture's text is copied to ``fixtures/text.txt``)."""
    from kg.paths import ProjectPaths
    root = ProjectPaths(REPO).copy_to(tmp / "project").root
    if not (tmp / "shared").exists():
        (tmp / "shared").symlink_to(SHARED)
    if curation is not None:
        shutil.rmtree(root / "ontology" / "curation")
        shutil.copytree(curation, root / "ontology" / "curation")
        (root / "fixtures").mkdir()
        shutil.copy(FIXTURE / "text.txt", root / "fixtures" / "text.txt")
    return root


def run_cli(*args: str, home: Path | None = None, env: dict | None = None):
    """Run the real ``cartkg`` console entry point in a subprocess."""
    full_env = {**os.environ, **(env or {})}
    if home is not None:
        full_env["CARTKG_HOME"] = str(home)
    return subprocess.run([sys.executable, "-m", "kg", *args], capture_output=True, text=True,
                          env=full_env, cwd=REPO, timeout=300)


