"""The usage example in kg.explorer.graph's docstring, run on the real graph."""
from __future__ import annotations

from kg.explorer.graph import ExplorerGraph, phenotype_page


def test_phenotype_page_example(store):
    page = phenotype_page(ExplorerGraph(store), "cd19-negative-relapse")
    assert page.name == "cd19-negative-relapse" and "dual-multi-targeted-car-t" in page.nodes
