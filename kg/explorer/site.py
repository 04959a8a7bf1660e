"""The explorer written to disk: its pages and the static figures."""
from __future__ import annotations

from pathlib import Path

from kg.explorer.figures import write_figures
from kg.explorer.graph import ExplorerGraph, all_pages
from kg.explorer.html import write_site


def write_explorer(store, site: Path, figures: Path, focus_iri: str | None = None,
                   depth: int = 2) -> tuple[list, list]:
    """Write the explorer's pages to ``site`` and the static figures to ``figures``; returns
    (pages written, figures written)."""
    g = ExplorerGraph(store)
    focus = g.id_of[focus_iri] if focus_iri else None
    pages = all_pages(g, focus, depth)
    return write_site(g, pages, site), write_figures(g, pages, figures)
