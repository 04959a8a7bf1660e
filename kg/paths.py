"""Where the project's files live, and how the project is found.

A *project* is a folder holding ``ontology/cartkg.ttl`` (a clone of the repository). It is
found like git finds a repository: ``--project DIR``, else ``$CARTKG_HOME``, else the nearest
folder at or above the current directory. Commands that only read the graph also work outside
any project: they answer from the graph built into the package (``packaged_project``).

>>> project_paths(Path("/p")).exports
PosixPath('/p/exports')
>>> find_project(None, Path("/"), environ={}) is None
True
"""
from __future__ import annotations

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

from kg.errors import KgError

MARKER = Path("ontology") / "cartkg.ttl"
CHECKOUT = Path(__file__).resolve().parent.parent    # the folder this package was loaded from


class NoProject(KgError):
    """A command that writes was run outside any project (exit 2)."""


@dataclass(frozen=True)
class ProjectPaths:
    root: Path
    packaged: bool = False      # the read-only graph inside the installed package

    @property
    def ontology(self) -> Path:
        return self.root / MARKER

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

    @property
    def graph(self) -> Path:
        """The built graph as N-Triples, which every store is loaded from."""
        return self.exports / "cartkg.nt"

    def copy_to(self, dest: Path, with_exports: bool = True) -> "ProjectPaths":
        """A throw-away copy of the ontology, queries and (without the store, staging area,
        explorer pages and figures) the exports, for tests and benchmarks."""
        for name in ("ontology", "queries"):
            shutil.copytree(self.root / name, dest / name)
        if with_exports and self.exports.exists():
            shutil.copytree(self.exports, dest / "exports", ignore=shutil.ignore_patterns(
                "store", "store.*", ".staging*", "explorer", "figures", ".reasoning-cache.json"))
        return ProjectPaths(dest.resolve())


def project_paths(root: Path | None = None) -> ProjectPaths:
    """The project rooted at ``root``; without one, the project found from the current
    directory (``find_project``), else the graph built into the package."""
    if root is not None:
        return ProjectPaths(Path(root).resolve())
    return find_project() or packaged_project()


def find_project(explicit: str | Path | None = None, cwd: Path | None = None,
                 environ: dict | None = None) -> ProjectPaths | None:
    """``explicit`` (--project), else $CARTKG_HOME, else the nearest folder at or above
    ``cwd`` holding ontology/cartkg.ttl; None when there is none. A folder named by
    --project or $CARTKG_HOME that is not a project is an error (exit 2)."""
    environ = os.environ if environ is None else environ
    for given, how in ((explicit, "--project"), (environ.get("CARTKG_HOME"), "CARTKG_HOME")):
        if given:
            root = Path(given).expanduser().resolve()
            if not (root / MARKER).is_file():
                raise NoProject(f"{how} names {root}, which holds no {MARKER}: give the "
                                "folder of a cartkg clone")
            return ProjectPaths(root)
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / MARKER).is_file():
            return ProjectPaths(folder)
    return None


def packaged_project() -> ProjectPaths:
    """The graph built into the installed package (read-only); in a source checkout that was
    not built into a wheel, the checkout the package was loaded from."""
    from importlib import resources
    packaged = Path(str(resources.files("kg") / "packaged"))
    if (packaged / "exports" / "cartkg.nt").is_file():
        return ProjectPaths(packaged, packaged=True)
    if (CHECKOUT / MARKER).is_file() and (CHECKOUT / "exports" / "cartkg.nt").is_file():
        return ProjectPaths(CHECKOUT, packaged=True)
    raise NoProject("no cartkg project here and no graph built into the package: run inside "
                    "a clone of the project or pass --project DIR")


def require_project(found: ProjectPaths | None, command: str) -> ProjectPaths:
    """The project a writing command needs; NoProject (exit 2) outside one."""
    if found is None:
        raise NoProject(f"'cartkg {command}' works on a project, and none was found at or "
                        f"above {Path.cwd()}: run it inside a clone of the project (a folder "
                        f"holding {MARKER}), pass --project DIR, or set CARTKG_HOME")
    return found


def installed_tool(name: str) -> str:
    """The path of the console script ``name`` installed beside the running Python (a virtual
    environment need not be activated), else the one on PATH; NoProject-like RuntimeProblem
    (exit 2) naming what to install when there is none.

    >>> Path(installed_tool("python3")).name.startswith("python")
    True
    """
    import sys
    from kg.errors import RuntimeProblem
    beside = Path(sys.executable).with_name(name)
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which(name)
    if found:
        return found
    raise RuntimeProblem(f"the '{name}' command is not installed beside {sys.executable} nor on "
                         f"PATH: install the package that provides it into that Python")
