"""The summaries the build derives from the evidence (properties marked ckg:derivedFromEvidence,
and the reasoner's ckg:AddressedMechanism) equal what the evidence itself says, on the built
graph and on a synthetic graph from benchmarks/synthetic.py, so that questions may look them up
instead of scanning every evidence item."""
from __future__ import annotations

import subprocess
import sys

import pytest

from projectcopy import REPO
from kg.store.local import OxigraphStore

# each derived fact, and the same fact computed from the evidence items
PAIRS = {
    "mentionedIn": (
        "SELECT DISTINCT ?a ?b WHERE { ?a ckg:mentionedIn ?b }",
        """SELECT DISTINCT ?a ?b WHERE { ?ev ckg:fromSource ?b .
             { ?ev ckg:evidenceSubject ?a } UNION { ?ev ckg:evidenceObject ?a } }"""),
    "predictsFavourable": (
        "SELECT DISTINCT ?a ?b WHERE { ?a ckg:predictsFavourable ?b }",
        """SELECT DISTINCT ?a ?b WHERE { ?ev ckg:assertsRelation ckg:predicts ;
             ckg:direction "favourable" ; ckg:reviewStatus "accepted" ;
             ckg:evidenceSubject ?a ; ckg:evidenceObject ?b .
             FILTER NOT EXISTS { ?ev ckg:negated true } }"""),
    "predictsUnfavourable": (
        "SELECT DISTINCT ?a ?b WHERE { ?a ckg:predictsUnfavourable ?b }",
        """SELECT DISTINCT ?a ?b WHERE { ?ev ckg:assertsRelation ckg:predicts ;
             ckg:direction "unfavourable" ; ckg:reviewStatus "accepted" ;
             ckg:evidenceSubject ?a ; ckg:evidenceObject ?b .
             FILTER NOT EXISTS { ?ev ckg:negated true } }"""),
    "evidenceItemCount": (
        "SELECT ?a ?b WHERE { ?a ckg:evidenceItemCount ?b }",
        """SELECT ?a (COUNT(?ev) AS ?b) WHERE { ?a a ckg:Publication .
             OPTIONAL { ?ev ckg:fromSource ?a } } GROUP BY ?a"""),
    "citedReferenceCount": (
        "SELECT ?a ?b WHERE { ?a ckg:citedReferenceCount ?b }",
        """SELECT ?a (COUNT(DISTINCT ?ref) AS ?b) WHERE { ?a a ckg:Publication .
             OPTIONAL { ?ev ckg:fromSource ?a ; ckg:refNumber ?ref } } GROUP BY ?a"""),
    "AddressedMechanism": (
        "SELECT ?a WHERE { ?a a ckg:AddressedMechanism }",
        """SELECT DISTINCT ?a WHERE { ?a a ckg:ResistanceMechanism .
             { ?s ckg:addresses ?a } UNION { ?a ckg:kindOf ?up . ?s ckg:addresses ?up } }"""),
}


def rows(store, query: str) -> set[tuple]:
    return {tuple(r[v].value for v in sorted(r)) for r in store.query(query).rows}


def assert_summaries_match(store) -> None:
    for name, (derived, from_evidence) in PAIRS.items():
        got, want = rows(store, derived), rows(store, from_evidence)
        assert want, f"{name}: the graph has nothing to derive it from"
        assert got == want, (name, sorted(got - want)[:3], sorted(want - got)[:3])


def test_every_derived_property_is_covered():
    store = OxigraphStore.in_memory(REPO / "exports" / "cartkg.nt")
    marked = {r["p"].value.rsplit("/", 1)[-1] for r in store.query(
        "SELECT ?p WHERE { ?p ckg:derivedFromEvidence true }").rows}
    assert marked and marked <= set(PAIRS)


def test_built_graph_summaries_match_its_evidence(store):
    assert_summaries_match(store)


def test_synthetic_graph_summaries_match_its_evidence(tmp_path):
    nt = tmp_path / "synthetic.nt"
    subprocess.run([sys.executable, str(REPO / "benchmarks" / "synthetic.py"),
                    "--triples", "20000", "--out", str(nt)], check=True, timeout=120)
    assert_summaries_match(OxigraphStore.in_memory(nt))


def test_a_broken_summary_is_caught(tmp_path):
    source = (REPO / "exports" / "cartkg.nt").read_text(encoding="utf-8")
    count = next(line for line in source.splitlines() if "/evidenceItemCount>" in line)
    broken = tmp_path / "broken.nt"
    broken.write_text(source.replace(count, count.replace('"', '"1', 1)), encoding="utf-8")
    with pytest.raises(AssertionError, match="evidenceItemCount"):
        assert_summaries_match(OxigraphStore.in_memory(broken))
