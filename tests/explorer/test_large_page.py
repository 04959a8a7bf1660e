"""A page of 1,000 entities lays out with the declared dependencies alone (networkx's spring
layout needs scipy past 500 nodes; a missing declaration would fail here in CI)."""
from __future__ import annotations

import random

import pytest

from kg.explorer.graph import Page
from kg.explorer.layout import layout

pytestmark = pytest.mark.slow


def test_a_thousand_entity_page_is_laid_out():
    rng = random.Random(1)
    nodes = [f"e{i}" for i in range(1000)]
    edges = [(f"e{i}", "r", f"e{rng.randrange(i)}") for i in range(1, 1000)]   # one tree
    edges += [(f"e{rng.randrange(1000)}", "s", f"e{rng.randrange(1000)}") for _ in range(300)]
    pos = layout(Page("big", "big", "overview", nodes, edges))
    assert set(pos) == set(nodes)
    assert len(set(pos.values())) == len(nodes), "two entities share a position"
