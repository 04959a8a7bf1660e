"""Fixed node positions for the explorer's pages and figures (screen coordinates: pixels, y
pointing down). Precomputed here so the browser needs no physics simulation; deterministic
(fixed seed, sorted input).

- force-directed (networkx spring layout) for each connected component, the largest in the
  middle and the small ones in rows beneath it;
- layered for question pages: one column per layer (finding → mechanisms → strategies), each
  column ordered by the mean position of its neighbours in earlier columns.

>>> from kg.explorer.graph import Page
>>> pos = layout(Page("p", "t", "focus", ["a", "b", "c"], [("a", "r", "b"), ("b", "r", "c")]))
>>> sorted(pos) == ["a", "b", "c"] and all(isinstance(v, int) for xy in pos.values() for v in xy)
True
>>> layout(Page("p", "t", "phenotype", ["a", "b"], [("b", "r", "a")], layers={"a": 0, "b": 2}))
{'a': (0, 0), 'b': (260, 0)}
"""
from __future__ import annotations

import math

SEED = 7
SPACING = 190          # pixels per node, roughly, in force-directed layouts
COLUMN_GAP = 260      # layered pages wrap labels at WRAP_PX, so columns stay narrow
ROW_GAP = 64
LAYER_ROW_GAP = 100   # a node with up to three lines of label beneath it
WRAP_PX = 170


def layout(page, labels: dict[str, str] | None = None) -> dict[str, tuple[int, int]]:
    """Positions for the page's nodes; with ``labels``, force-directed layouts are spread so
    that no two labels overlap."""
    if page.layers:
        return _layered(page)
    pos = _force(page)
    return declutter(pos, labels) if labels else pos


CHAR_WIDTH, BOX_HEIGHT = 7.5, 52     # label width per character and node+label height, pixels


def declutter(pos: dict[str, tuple[int, int]], labels: dict[str, str],
              rounds: int = 150) -> dict[str, tuple[int, int]]:
    """Push apart nodes whose boxes (node with its label beneath) overlap, along the axis of
    least overlap, until none do (or ``rounds`` passes).

    >>> declutter({"a": (0, 0), "b": (10, 0)}, {"a": "alpha", "b": "beta"})
    {'a': (-21, 0), 'b': (31, 0)}
    """
    import numpy as np
    names = sorted(pos)
    xy = np.array([pos[n] for n in names], dtype=float)
    half_w = np.array([max(CHAR_WIDTH * len(labels.get(n, n)), 40.0) / 2 + 6 for n in names])
    half_h = BOX_HEIGHT / 2
    for _ in range(rounds):
        dx = xy[:, None, 0] - xy[None, :, 0]
        dy = xy[:, None, 1] - xy[None, :, 1]
        over_x = half_w[:, None] + half_w[None, :] - np.abs(dx)
        over_y = 2 * half_h - np.abs(dy)
        hit = (over_x > 0) & (over_y > 0)
        np.fill_diagonal(hit, False)
        if not hit.any():
            break
        along_x = over_x < over_y * 3          # labels are wide: prefer vertical moves
        tie = np.where(np.arange(len(names))[:, None] > np.arange(len(names))[None, :], 1.0, -1.0)
        sx = np.where(dx != 0, np.sign(dx), tie)
        sy = np.where(dy != 0, np.sign(dy), tie)
        push_x = np.where(hit & along_x, sx * over_x / 2, 0).sum(axis=1)
        push_y = np.where(hit & ~along_x, sy * over_y / 2, 0).sum(axis=1)
        count = hit.sum(axis=1).clip(min=1)
        xy[:, 0] += push_x / count
        xy[:, 1] += push_y / count
    return {n: (round(float(x)), round(float(y))) for n, (x, y) in zip(names, xy)}


def _force(page) -> dict[str, tuple[int, int]]:
    import networkx as nx
    g = nx.Graph()
    g.add_nodes_from(sorted(page.nodes))
    g.add_edges_from(sorted((s, o) for s, _, o in page.edges if s != o))
    comps = sorted((sorted(c) for c in nx.connected_components(g)), key=lambda c: (-len(c), c))
    pos: dict[str, tuple[int, int]] = {}
    if not comps:
        return pos
    main = comps[0]
    half = SPACING * math.sqrt(len(main)) / 2
    if len(main) == 1:
        pos[main[0]] = (0, 0)
    else:
        sub = _sorted_subgraph(g, main)
        raw = nx.spring_layout(sub, seed=SEED, iterations=300,
                               k=2.2 / math.sqrt(len(main)))
        for node in main:
            x, y = raw[node]
            pos[node] = (round(float(x) * half), round(float(y) * half))
    bottom = max(y for _, y in pos.values()) + 2 * ROW_GAP
    left = min(x for x, _ in pos.values())
    width = max(max(x for x, _ in pos.values()) - left, 6 * SPACING)
    x = left
    for comp in comps[1:]:
        cols = max(1, math.ceil(math.sqrt(len(comp))))
        block = cols * SPACING * 1.3
        if x + block > left + width and x > left:
            x, bottom = left, bottom + 3 * ROW_GAP
        small = _sorted_subgraph(g, comp)
        if len(comp) > 2:
            raw = nx.spring_layout(small, seed=SEED, iterations=100)
        else:
            raw = {n: (i * 2.0 - 1.0 if len(comp) == 2 else 0.0, 0.0) for i, n in enumerate(comp)}
        for node in comp:
            rx, ry = raw[node]
            pos[node] = (round(x + block / 2 + float(rx) * block / 2.5),
                         round(bottom + float(ry) * block / 2.5))
        x += block
    return pos


def _sorted_subgraph(g, nodes: list[str]):
    """A copy of the subgraph with nodes and edges in sorted order (networkx's subgraph
    views may iterate in set order, which depends on string hashing)."""
    import networkx as nx
    sub = nx.Graph()
    sub.add_nodes_from(nodes)
    sub.add_edges_from(sorted(tuple(sorted(e)) for e in g.subgraph(nodes).edges))
    return sub


def _layered(page) -> dict[str, tuple[int, int]]:
    columns: dict[int, list[str]] = {}
    for node in sorted(page.nodes):
        columns.setdefault(page.layers.get(node, 1), []).append(node)
    neighbours: dict[str, set[str]] = {}
    for s, _, o in page.edges:
        neighbours.setdefault(s, set()).add(o)
        neighbours.setdefault(o, set()).add(s)
    rank: dict[str, float] = {}
    pos: dict[str, tuple[int, int]] = {}
    for col, layer in enumerate(sorted(columns)):
        def key(node: str) -> tuple:
            placed = [rank[n] for n in neighbours.get(node, ()) if n in rank]
            return (sum(placed) / len(placed) if placed else math.inf, node)
        ordered = sorted(columns[layer], key=key)
        top = -(len(ordered) - 1) * LAYER_ROW_GAP / 2
        for i, node in enumerate(ordered):
            rank[node] = top + i * LAYER_ROW_GAP
            pos[node] = (col * COLUMN_GAP, round(top + i * LAYER_ROW_GAP))
    return pos
