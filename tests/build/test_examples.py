"""The usage examples in kg.build's docstrings, run on the real project."""
from __future__ import annotations

from kg.build.compile import compile_graph
from kg.build.reason import reason
from kg.build.validate import qc_problems, shacl_problems
from kg.curation.sources import load_curation
from kg.paths import project_paths


def test_validate_and_reason_examples(project_copy):
    p = project_paths(project_copy)
    g = compile_graph(p, load_curation(p))
    assert (shacl_problems(g, p), qc_problems(g, p)) == ([], [])
    r = reason(g, engine="owlrl")
    assert (r.consistent, r.engine) == (True, "owlrl")
