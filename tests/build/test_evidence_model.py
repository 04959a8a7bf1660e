"""The evidence model end to end: every evidence level of a built graph recomputed from its
inputs; negated items read NOT in labels, JSON, text and the API; certainty, study type,
directness and the level in `cartkg evidence --json`; ECO classes and SHACL vocabularies."""
from __future__ import annotations

import csv
import json

import pytest
import rdflib

from projectcopy import REPO, run_cli
from kg.build.pipeline import build
from kg.curation.levels import evidence_level
from kg.paths import project_paths
from kg.store.local import OxigraphStore
from kg.vocab import CERTAINTIES, DIRECTNESS, MODALITIES, STUDY_TYPES

SOURCE = "ontology/curation/sources/mini2024.yaml"
INPUTS = """
SELECT ?ev ?study ?certainty ?directness ?level ?basis WHERE {
  ?ev a ckg:EvidenceItem ; ckg:evidenceLevelBasis ?basis .
  OPTIONAL { ?ev ckg:studyType ?study }  OPTIONAL { ?ev ckg:certainty ?certainty }
  OPTIONAL { ?ev ckg:directness ?directness }  OPTIONAL { ?ev ckg:evidenceLevel ?level }
}"""
STATS = """
SELECT ?ev ?st ?n ?p ?q WHERE {
  ?ev ckg:hasStatistic ?st .
  OPTIONAL { ?st ckg:cohortSize ?n } OPTIONAL { ?st ckg:pValue ?p } OPTIONAL { ?st ckg:pQualifier ?q }
}"""


def recompute_levels(store) -> dict[str, tuple]:
    """evidence IRI -> (stored level and basis, recomputed level and basis)."""
    stats: dict[str, list] = {}
    for r in store.query(STATS).rows:
        stats.setdefault(r["ev"].value, []).append((
            int(r["n"].value) if "n" in r else None,
            float(r["p"].value) if "p" in r else None, r["q"].value if "q" in r else None))
    out = {}
    for r in store.query(INPUTS).rows:
        value = lambda k: r[k].value if k in r else None  # noqa: E731
        out[r["ev"].value] = ((value("level"), value("basis")), evidence_level(
            value("study"), value("certainty"), value("directness"), stats.get(r["ev"].value, [])))
    return out


@pytest.fixture(scope="module")
def mini_built(tmp_path_factory):
    """The mini fixture with its first item negated, built (no reasoner)."""
    from projectcopy import FIXTURE, make_project
    root = make_project(tmp_path_factory.mktemp("model"), FIXTURE / "curation")
    path = root / SOURCE
    said, negating = "was predictive of", "was not predictive of"   # a negation needs its cue
    with (root / "fixtures" / "text.txt").open("a", encoding="utf-8") as text:
        text.write(" High total metabolic tumor volume at infusion was not predictive of early "
                   "resistance, with a hazard ratio of 4.35 (7).\n")
    path.write_text(path.read_text().replace(said, negating, 1).replace(
        "  direction: unfavourable\n", "  direction: unfavourable\n  negated: true\n", 1))
    build(project_paths(root), reasoner="none", quiet=True, figures=False)
    return root


def test_every_level_of_the_built_graph_recomputes_from_its_inputs(store):
    from kg.curation.sources import load_curation
    levels = recompute_levels(store)
    curated = {f"https://w3id.org/cartkg/evidence/{ev.id}"
               for ev in load_curation(project_paths(REPO)).evidence}
    assert len(curated) > 500 and curated <= set(levels)       # every curated item is rated
    for ev, (stored, computed) in levels.items():
        assert stored == computed, ev


def test_every_level_of_the_fixture_recomputes_and_is_rated(mini_built):
    store = OxigraphStore.in_memory(mini_built / "exports" / "cartkg.nt")
    levels = recompute_levels(store)
    assert {stored for stored, _ in levels.values()} == {
        ("C", "C: retrospective cohort, stated, direct"),
        ("C", "C: single-arm trial, hedged (-1), direct"),
        ("E", "E: review statement, stated, direct")}
    assert all(stored == computed for stored, computed in levels.values())


def test_a_wrong_level_is_caught(mini_built, tmp_path):
    nt = (mini_built / "exports" / "cartkg.nt").read_text(encoding="utf-8")
    broken = tmp_path / "broken.nt"
    broken.write_text(nt.replace('/evidenceLevel> "E"', '/evidenceLevel> "A"'), encoding="utf-8")
    levels = recompute_levels(OxigraphStore.in_memory(broken))
    assert [ev for ev, (s, c) in levels.items() if s != c] == [
        "https://w3id.org/cartkg/evidence/mini2024-kind"]


def test_evidence_json_carries_the_evidence_model(mini_built):
    r = run_cli("evidence", "--source", "10.1234/mini.2024", "--json", home=mini_built)
    assert r.returncode == 0, r.stderr
    items = {i["id"]: i for i in json.loads(r.stdout)}
    tmtv, dual = items["mini2024-tmtv"], items["mini2024-dual"]
    assert tmtv["negated"] is True and dual["negated"] is False
    assert tmtv["claim"] == "Mini TMTV does NOT predict Mini early resistance"
    assert (dual["certainty"], dual["study_type"], dual["context"]["study_type"],
            dual["directness"], dual["eco"]) == ("hedged", "single-arm trial",
                                                  "single-arm trial", "direct", "ECO:0007121")
    assert dual["evidence_level"] == {"level": "C",
                                      "basis": "C: single-arm trial, hedged (-1), direct"}
    assert tmtv["context"]["modality"] == ["car-t"] and tmtv["eco"] is None
    assert tmtv["level"] == "primary-study"          # the older field keeps its meaning
    assert items["mini2024-kind"]["certainty_note"].startswith("the hedge 'may'")


def test_negated_items_read_not_in_labels_and_text(mini_built):
    g = rdflib.Graph().parse(mini_built / "exports" / "cartkg.nt")
    label = g.value(rdflib.URIRef("https://w3id.org/cartkg/evidence/mini2024-tmtv"),
                    rdflib.RDFS.label)
    assert str(label) == "Mini TMTV does NOT predict Mini early resistance (mini2024-tmtv)"
    r = run_cli("evidence", "--about", "Mini TMTV", home=mini_built)
    assert r.returncode == 0, r.stderr
    row = next(line for line in r.stdout.splitlines() if "Mini TMTV" in line)
    assert row.startswith("[level C] Mini TMTV does NOT predict Mini early resistance"), row
    assert "(retrospective cohort)" in row and "HEDGED" not in row, row
    r = run_cli("mechanisms", "Mini antigen loss", "--explain", home=mini_built)
    assert "[level E] Mini antigen loss kind of Mini mechanism group" in r.stdout, r.stdout
    r = run_cli("evidence", "--about", "Mini dual CAR", home=mini_built)
    row = next(line for line in r.stdout.splitlines() if "Mini dual CAR" in line)
    assert row.startswith("[level C] Mini dual CAR addresses Mini antigen loss"), row
    assert "(HEDGED; single-arm trial)" in row, row


def test_eco_classes_and_shacl_vocabularies_match_the_loader():
    g = rdflib.Graph().parse(REPO / "ontology" / "cartkg.ttl")
    ckg = rdflib.Namespace("https://w3id.org/cartkg/vocab/")
    mapped = {str(o): s for s, o in g.subject_objects(ckg.forStudyType)}
    assert set(mapped) <= set(STUDY_TYPES)
    for cls in set(mapped.values()):
        assert str(cls).startswith("http://purl.obolibrary.org/obo/ECO_")
        assert "checked" in str(g.value(cls, ckg.ecoCheck)) and g.value(cls, rdflib.RDFS.label)
    shapes = rdflib.Graph().parse(REPO / "ontology" / "shapes.ttl")
    sh = rdflib.Namespace("http://www.w3.org/ns/shacl#")
    for prop, values in (("studyType", STUDY_TYPES), ("certainty", CERTAINTIES),
                         ("directness", DIRECTNESS), ("modality", MODALITIES)):
        shape = next(shapes.subjects(sh.path, ckg[prop]))
        listed = rdflib.collection.Collection(shapes, shapes.value(shape, sh["in"]))
        assert tuple(str(v) for v in listed) == values, prop


def test_a_negated_item_asserts_no_edge_in_exports_or_the_explorer(mini_built):
    from kg.explorer.graph import ExplorerGraph
    with open(mini_built / "exports" / "edges.tsv", encoding="utf-8", newline="") as f:
        rows = [(r["subject"], r["original_predicate"], r["object"])
                for r in csv.DictReader(f, delimiter="\t")]
    assert not [r for r in rows if r[:2] == ("cartkg:mini-biomarker", "cartkg.vocab:predicts")]
    assert ("cartkg:mini-strategy", "cartkg.vocab:addresses", "cartkg:mini-mechanism") in rows
    graph = ExplorerGraph(OxigraphStore.in_memory(mini_built / "exports" / "cartkg.nt"))
    assert ("mini-biomarker", "predicts", "mini-outcome") not in graph.edges
    assert ("mini-strategy", "addresses", "mini-mechanism") in graph.edges
    assert "mini2024-tmtv" in graph.node_evidence["mini-biomarker"]   # still shown, as NOT
