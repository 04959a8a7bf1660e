"""SHACL shapes and QC queries: clean on the real graph, failing on broken ones."""
from __future__ import annotations

import pytest
from rdflib import Literal, URIRef
from rdflib.namespace import RDF, RDFS

from kg.build.compile import compile_graph
from kg.curation.sources import load_curation
from kg.paths import project_paths
from kg.build.validate import flat_shapes, qc_problems, shacl_problems
from kg.vocab import CKG, ENT, EVIDENCE, OIO

PATHS = project_paths()


@pytest.fixture
def graph():
    return compile_graph(PATHS, load_curation(PATHS))


def test_real_graph_is_clean(graph):
    assert shacl_problems(graph, PATHS) == []
    assert qc_problems(graph, PATHS) == []


def _u(x):
    return URIRef(x)


BREAKS = {
    "edge-without-evidence-violation":
        lambda g: g.add((_u(ENT["dual-multi-targeted-car-t"]), _u(CKG["addresses"]),
                         _u(ENT["t-cell-exhaustion"]))),
    "duplicate-label-violation":
        lambda g: (g.remove((_u(ENT["cd81"]), RDFS.label, None)),
                   g.add((_u(ENT["cd81"]), RDFS.label, Literal("cd19")))),
    "primary-evidence-without-refs-violation":
        lambda g: g.remove((_u(EVIDENCE["xu2023-immune-pressure-cd19-negative-relapse"]),
                            _u(CKG["refNumber"]), None)),
    "unclassified-mechanism-violation":
        lambda g: (g.add((_u(ENT["orphan"]), RDF.type, _u(CKG["ResistanceMechanism"]))),
                   g.add((_u(ENT["orphan"]), RDFS.label, Literal("Orphan")))),
    "self-loop-violation":
        lambda g: g.add((_u(ENT["cd19"]), _u(CKG["kindOf"]), _u(ENT["cd19"]))),
    "unchecked-xref-violation":
        lambda g: g.add((_u(ENT["cd22"]), _u(OIO["hasDbXref"]), Literal("HGNC:0"))),
    "negated-label-violation":
        lambda g: g.set((_u(EVIDENCE["jacoby2019-dose-escalation-no-better-response"]),
                         RDFS.label, Literal("Increasing the CAR-T cell dose improves Objective "
                                             "response (jacoby2019)"))),
}


@pytest.mark.parametrize("check", sorted(BREAKS))
def test_each_qc_query_fails_on_a_broken_graph(graph, check):
    assert check in {p.stem for p in PATHS.checks.glob("*-violation.rq")}
    BREAKS[check](graph)
    assert check in {p.check for p in qc_problems(graph, PATHS)}


def test_shacl_catches_evidence_without_quote(graph):
    graph.remove((_u(EVIDENCE["xu2023-t1-age-of-patients"]), _u(CKG["quote"]), None))
    problems = shacl_problems(graph, PATHS)
    assert any("xu2023-t1-age-of-patients" in p.focus and "quote" in p.focus for p in problems)


def _shacl_results(graph, shapes) -> list[tuple]:
    import pyshacl
    from rdflib.namespace import SH
    _, report, _ = pyshacl.validate(graph, shacl_graph=shapes, inference="none", advanced=False)
    fields = (SH.focusNode, SH.resultPath, SH.sourceShape, SH.sourceConstraintComponent,
              SH.value, SH.resultMessage)
    return sorted(tuple(str(report.value(r, f)) for f in fields)
                  for r in report.subjects(RDF.type, SH.ValidationResult))


def test_flattened_shapes_give_the_same_results(graph):
    """Every shape broken at least once: the flattened shapes report exactly the same."""
    from rdflib import Graph
    from rdflib.namespace import SKOS, XSD
    ev, stat = _u(EVIDENCE["xu2023-t1-age-of-patients"]), _u(
        EVIDENCE["jacoby2019-nhl-cll-remission-cd19-car-t-stat-1"])
    graph.remove((_u(ENT["cd81"]), RDFS.label, None))
    graph.add((_u(ENT["cd22"]), SKOS.definition, Literal("a second definition")))
    graph.remove((_u(ENT["xu2023"]), _u(CKG["doi"]), None))
    graph.add((_u(ENT["jacoby2019"]), _u(CKG["pmid"]), Literal("PMID 1")))
    graph.remove((ev, _u(CKG["quote"]), None))
    graph.set((ev, _u(CKG["evidenceSubject"]), _u(ENT["xu2023"])))
    graph.set((ev, _u(CKG["knowledgeLevel"]), Literal("hearsay")))
    graph.add((ev, _u(CKG["refNumber"]), Literal("0")))
    graph.add((ev, _u(CKG["hasStatistic"]), _u(ENT["cd19"])))
    graph.set((stat, _u(CKG["value"]), Literal("forty")))
    graph.add((stat, _u(CKG["pValue"]), Literal("2", datatype=XSD.decimal)))
    shapes = Graph().parse(PATHS.shapes, format="turtle")
    expected = _shacl_results(graph, shapes)
    assert {r[0].rsplit("/", 1)[-1] for r in expected} >= {
        "cd81", "cd22", "xu2023", "jacoby2019", "xu2023-t1-age-of-patients",
        "jacoby2019-nhl-cll-remission-cd19-car-t-stat-1"}
    assert len(expected) >= 11
    assert _shacl_results(graph, flat_shapes(shapes)) == expected
