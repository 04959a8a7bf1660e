"""The reasoners, run for real: HermiT (Java) and the pure-Python OWL RL path."""
from __future__ import annotations

import pytest
from rdflib import URIRef
from rdflib.namespace import RDF, RDFS

from kg.build.compile import compile_graph
from kg.curation.sources import load_curation
from kg.paths import project_paths
from kg.build.reason import java_available, reason
from kg.vocab import CKG, ENT

PATHS = project_paths()


@pytest.fixture(scope="module")
def graph():
    return compile_graph(PATHS, load_curation(PATHS))


@pytest.fixture(scope="module")
def hermit(graph):
    assert java_available(), "HermiT needs Java: .ci/run installs default-jre-headless"
    return reason(graph, "hermit")


def test_hermit_finds_the_ontology_consistent_and_satisfiable(hermit):
    assert hermit.engine == "hermit" and hermit.consistent and hermit.unsatisfiable == []


def test_hermit_infers_both_reviews_classifications(hermit):
    axioms = {(s.rsplit("/", 1)[-1], o.rsplit("/", 1)[-1]) for s, o in hermit.subclass_axioms}
    assert ("ProductionFailureMechanism", "TCellFailureMechanism") in axioms
    assert ("CD19LossMechanism", "TargetAntigenModulationMechanism") in axioms
    mutation = URIRef(ENT["cd19-gene-mutation"])
    types = {o for s, p, o in hermit.inferred if s == mutation and p == RDF.type}
    assert {URIRef(CKG["AntigenNegativeRelapseMechanism"]), URIRef(CKG["CD19LossMechanism"])} <= types
    # leadsTo inherited through kindOf (property chain), where no evidence states it directly
    chained = (URIRef(ENT["trogocytosis"]), URIRef(CKG["leadsTo"]),
               URIRef(ENT["cd19-negative-relapse"]))
    assert chained in hermit.inferred


def test_owlrl_agrees_with_hermit_on_every_fact_used_by_answers(graph, hermit):
    """Same facts about entities; the class hierarchies differ by the numbers README states."""
    import re
    from projectcopy import REPO
    rl = reason(graph, "owlrl")
    facts = lambda r: {t for t in r.inferred if t[1] != RDFS.subClassOf}  # noqa: E731
    assert rl.consistent and facts(rl) == facts(hermit)
    subclass = lambda r: {t for t in r.inferred if t[1] == RDFS.subClassOf}  # noqa: E731
    missing, added = subclass(hermit) - subclass(rl), subclass(rl) - subclass(hermit)
    assert (URIRef(CKG["ProductionFailureMechanism"]), RDFS.subClassOf,
            URIRef(CKG["TCellFailureMechanism"])) in missing
    readme = " ".join((REPO / "README.md").read_text(encoding="utf-8").split())
    stated = re.search(r"it misses (\d+) of HermiT's rdfs:subClassOf inferences .*? and adds "
                       r"(\d+) others", readme)
    assert stated and (int(stated[1]), int(stated[2])) == (len(missing), len(added))


def test_hermit_detects_an_inconsistent_graph(graph):
    broken = compile_graph(PATHS, load_curation(PATHS))
    broken.add((URIRef(ENT["cd19"]), RDF.type, URIRef(CKG["Strategy"])))  # disjoint with gene
    assert reason(broken, "hermit").consistent is False
