"""The explorer written to disk: its pages and the static figures, and where the pages live.

The pages belong to one graph: ``graph.sha256`` in their folder names the ``cartkg.nt`` they
were drawn from, and ``current`` compares it with the graph now built, so a page never shows
another graph than the API answers from. ``cartkg build`` rewrites them when the graph changed;
``cartkg serve`` writes them when they are missing or stale. A project keeps them in
``exports/explorer``; the graph packaged in an installed wheel gets a folder in the user's
cache (``$XDG_CACHE_HOME/cartkg/explorer/SHA``), never inside the installed package.
``python -m kg.explorer.site GRAPH.nt FOLDER`` writes the pages of a graph into a folder
unless they are there already (``ensure_pages``).

>>> from kg.paths import ProjectPaths
>>> explorer_folder(ProjectPaths(Path("/p")))
PosixPath('/p/exports/explorer')
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from kg.explorer.figures import write_figures
from kg.explorer.graph import ExplorerGraph, all_pages
from kg.explorer.html import write_site

STAMP = "graph.sha256"


def write_explorer(store, site: Path, figures: Path, focus_iri: str | None = None,
                   depth: int = 2, fingerprint: str | None = None) -> tuple[list, list]:
    """Write the explorer's pages to ``site`` and the static figures to ``figures``; returns
    (pages written, figures written). ``fingerprint``: the graph ``store`` holds, recorded
    beside the pages."""
    g = ExplorerGraph(store)
    focus = g.id_of[focus_iri] if focus_iri else None
    pages = all_pages(g, focus, depth)
    written = write_site(g, pages, site)
    if fingerprint:
        from kg.files import write_atomically
        write_atomically(site / STAMP, fingerprint + "\n")
    return written, write_figures(g, pages, figures)


def cache_home(environ=None) -> Path:
    environ = os.environ if environ is None else environ
    return Path(environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "cartkg"


def explorer_folder(paths, fingerprint: str | None = None) -> Path:
    """Where the explorer of ``paths``' graph lives: ``exports/explorer`` in a project, a
    folder per graph (``fingerprint``) in the user's cache for the packaged graph."""
    if not paths.packaged:
        return paths.exports / "explorer"
    from kg.store.local import graph_fingerprint
    return cache_home() / "explorer" / (fingerprint or graph_fingerprint(paths.graph))[:16]


def current(folder: Path, fingerprint: str) -> bool:
    """Whether the pages in ``folder`` were drawn from the graph with ``fingerprint``."""
    stamp = folder / STAMP
    return (folder / "index.html").is_file() and stamp.is_file() and \
        stamp.read_text(encoding="utf-8").strip() == fingerprint


def publish(g: ExplorerGraph, pages, folder: Path, fingerprint: str,
            inside: Path | None = None) -> Path:
    """Write the pages into a fresh folder beside ``folder`` and swap it in by renaming, so a
    reader sees the old pages or the new ones, never half of each. ``inside``: the folder the
    pages must stay in (``kg.files.check_inside``)."""
    from kg.files import check_inside, write_atomically
    if inside is not None:
        check_inside(inside, folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    fresh = folder.with_name(f".{folder.name}.new-{os.getpid()}")
    old = folder.with_name(f".{folder.name}.old-{os.getpid()}")
    shutil.rmtree(fresh, ignore_errors=True)
    write_site(g, pages, fresh)
    write_atomically(fresh / STAMP, fingerprint + "\n")
    if folder.exists():
        folder.rename(old)
    fresh.rename(folder)
    shutil.rmtree(old, ignore_errors=True)
    return folder


def ensure_pages(graph: Path, folder: Path) -> Path:
    """The folder of explorer pages for the N-Triples file ``graph``, written first when
    missing or drawn from another graph."""
    from kg.store.local import OxigraphStore, graph_fingerprint
    fingerprint = graph_fingerprint(graph)
    if not current(folder, fingerprint):
        g = ExplorerGraph(OxigraphStore.in_memory(graph))
        publish(g, all_pages(g), folder, fingerprint)
    return folder


def main(argv: list[str]) -> int:
    """``python -m kg.explorer.site GRAPH.nt FOLDER``: what ``cartkg serve`` runs beside
    itself to write the pages it serves (a process of its own, so the server stays quick)."""
    try:
        ensure_pages(Path(argv[1]), Path(argv[2]))
    except Exception as exc:  # noqa: BLE001 - a line for the user, never a traceback
        print(f"[serve] warning: the explorer's pages could not be written to {argv[2]}: "
              f"{exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
