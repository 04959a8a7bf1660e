"""Checks on the compiled graph: SHACL shapes (``ontology/shapes.ttl``) and the QC queries
``queries/checks/*-violation.rq``, each of which must return no rows.

Example (on the real graph; checked by tests/build/test_examples.py)::

    from kg.build.compile import compile_graph
    from kg.curation.sources import load_curation
    p = project_paths()
    g = compile_graph(p, load_curation(p))
    shacl_problems(g, p), qc_problems(g, p)      # ([], [])
"""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import rdflib

from kg.paths import ProjectPaths


@dataclass
class Problem:
    check: str      # shape or query name
    focus: str      # the node or row that fails
    message: str

    def render(self) -> str:
        return f"{self.check}: {self.focus}: {self.message}"


def flat_shapes(shapes: rdflib.Graph) -> rdflib.Graph:
    """``shapes`` with each ``sh:property`` of a node shape with ``sh:targetClass`` made a
    top-level property shape with the same target classes. The results are the same (same
    focus nodes, source shapes and messages), but pyshacl then checks each property shape
    once over all focus nodes instead of once per focus node, five times faster."""
    from rdflib.namespace import SH

    for shape in set(shapes.subjects(SH.targetClass)):
        classes = list(shapes.objects(shape, SH.targetClass))
        for prop in list(shapes.objects(shape, SH.property)):
            shapes.remove((shape, SH.property, prop))
            for cls in classes:
                shapes.add((prop, SH.targetClass, cls))
    return shapes


def shacl_problems(graph: rdflib.Graph, paths: ProjectPaths) -> list[Problem]:
    import pyshacl
    from rdflib.namespace import SH

    shapes = flat_shapes(rdflib.Graph().parse(paths.shapes, format="turtle"))
    conforms, report, _ = pyshacl.validate(graph, shacl_graph=shapes, inference="none",
                                           advanced=False, allow_warnings=False)
    if conforms:
        return []
    problems = []
    for result in report.subjects(rdflib.RDF.type, SH.ValidationResult):
        path = report.value(result, SH.resultPath)
        problems.append(Problem(
            check=f"shacl:{str(report.value(result, SH.sourceShape)).rsplit('/', 1)[-1]}",
            focus=f"{report.value(result, SH.focusNode)}"
                  + (f" {str(path).rsplit('/', 1)[-1]}" if isinstance(path, rdflib.URIRef) else ""),
            message=str(report.value(result, SH.resultMessage))))
    return sorted(problems, key=lambda p: (p.check, p.focus))


def run_checks(graph: rdflib.Graph, checks: list[Path]) -> list[Problem]:
    """Run each QC query on ``graph`` (in an in-memory Oxigraph); every row is a problem."""
    from kg.store.local import OxigraphStore
    backend = OxigraphStore.from_bytes(graph.serialize(format="nt", encoding="utf-8"))
    return run_queries(backend, checks)


def run_queries(backend, checks: list[Path]) -> list[Problem]:
    """Run each query file on a store (``backend.query``); every row is a problem, named by
    the file and described by its first comment line."""
    from kg.store.policy import read_query_file
    problems = []
    for query in checks:
        text = read_query_file(query)
        result = backend.query(text)
        header = next((line.lstrip("# ").strip() for line in text.splitlines()
                       if line.startswith("#")), query.stem)
        for row in result.rows:
            focus = ", ".join(f"{k}={row[k].value}" for k in result.variables if k in row)
            problems.append(Problem(check=query.stem, focus=focus, message=header))
    return problems


def qc_problems(graph: rdflib.Graph, paths: ProjectPaths) -> list[Problem]:
    return run_checks(graph, sorted(paths.checks.glob("*-violation.rq")))
