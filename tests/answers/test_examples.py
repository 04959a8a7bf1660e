"""The usage examples in kg.answers' docstrings, run on the real (built) graph."""
from __future__ import annotations

from kg.answers.cq import load_cqs, run_cq
from kg.answers.lookup import lookup, resolve
from kg.answers.stats import graph_stats
from kg.paths import project_paths


def test_lookup_example(store):
    assert [m["label"] for m in lookup(store, "Yescarta")][:1] == ["Axicabtagene ciloleucel"]
    assert resolve(store, "cd19 negative relapse")["label"] == "CD19-negative relapse"


def test_stats_example(store):
    s = graph_stats(store)
    assert s["entities"]["mechanism"] > 10 and s["evidence_items"] > 50


def test_cq_example(store, built_project):
    cqs = load_cqs(project_paths(built_project))
    assert len(cqs) >= 20 and "strategies-for-phenotype" in cqs
    rows = run_cq(store, cqs["strategies-for-phenotype"])
    assert "Dual/multi-targeted CAR-T cells" in [r["strategyLabel"] for r in rows]
