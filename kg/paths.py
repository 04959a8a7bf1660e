"""Where the project's files live. Every path is derived from the project root, which is the
folder holding ``ontology/`` (overridable with the CARTKG_HOME environment variable, which tests
use to work on a copy).

>>> project_paths(Path("/p")).exports
PosixPath('/p/exports')
"""
from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ProjectPaths:
    root: Path

    @property
    def ontology(self) -> Path:
        return self.root / "ontology" / "cartkg.ttl"

    @property
    def shapes(self) -> Path:
        return self.root / "ontology" / "shapes.ttl"

    @property
    def curation(self) -> Path:
        return self.root / "ontology" / "curation"

    @property
    def checks(self) -> Path:
        return self.root / "queries" / "checks"

    @property
    def report(self) -> Path:
        return self.root / "queries" / "report"

    @property
    def competency(self) -> Path:
        return self.root / "queries" / "cq"

    @property
    def exports(self) -> Path:
        return self.root / "exports"

    @property
    def store(self) -> Path:
        return self.root / "exports" / "store"


def project_paths(root: Path | None = None) -> ProjectPaths:
    """The project's paths, rooted at ``root``, $CARTKG_HOME, or this checkout."""
    if root is None:
        env = os.environ.get("CARTKG_HOME")
        root = Path(env) if env else Path(__file__).resolve().parent.parent
    return ProjectPaths(Path(root).resolve())
