"""The package's shape: imports point down the data flow (no cycles between subpackages),
and argparse is known only to kg/cli/."""
from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

from projectcopy import REPO

KG = REPO / "kg"


def _module(path: Path) -> str:
    parts = path.relative_to(REPO).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
    return out


def _graph() -> nx.DiGraph:
    modules = {_module(p): p for p in KG.rglob("*.py")}
    g = nx.DiGraph()
    g.add_nodes_from(modules)
    for name, path in modules.items():
        for target in _imports(path):
            if target in modules and target != name:
                g.add_edge(name, target)
    return g


def test_no_import_cycle_between_modules():
    cycles = list(nx.simple_cycles(_graph()))
    assert cycles == []


def test_no_import_cycle_between_subpackages():
    g = nx.DiGraph()
    for a, b in _graph().edges:
        pa, pb = a.split(".")[1] if a.count(".") else a, b.split(".")[1] if b.count(".") else b
        if pa != pb and a.count(".") >= 2 and b.count(".") >= 2:
            g.add_edge(pa, pb)
    assert list(nx.simple_cycles(g)) == [], sorted(g.edges)


def test_argparse_only_in_the_cli():
    users = sorted(_module(p) for p in KG.rglob("*.py") if "argparse" in _imports(p))
    assert users and all(m.startswith("kg.cli") for m in users), users
