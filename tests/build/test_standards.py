"""Standards-grade exports, checked with the tools of the field, offline: the KGX validator
(kgx + the packaged Biolink Model), JSON-LD processing (pyld), the OWL API's OWL 2 DL profile
checker (from the HermiT jar), ROBOT-style report queries, and the dataset description
(VoID + DCAT) in the exports and served by ``cartkg serve``."""
from __future__ import annotations

import csv
import json
import shutil
import urllib.request
from pathlib import Path

import pytest
import rdflib
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID

from projectcopy import run_cli

from kg.build.biolink import CATEGORIES, INVERSE_OF, PREDICATES
from kg.build.dataset import DCAT_VERSION
from kg.paths import project_paths
from kg.vocab import CKG

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _exports(built_project) -> Path:
    return Path(built_project) / "exports"


# ---------------------------------------------------------------- KGX / Biolink
@pytest.fixture(scope="module")
def biolink_toolkit(built_project):
    pytest.importorskip("kgx")
    from kg.build.kgx_check import offline_kgx
    metadata = json.loads((_exports(built_project) / "kgx-graph-metadata.json").read_text())
    offline_kgx(metadata["curie_map"])
    from kgx.validator import Validator
    return Validator.get_toolkit()


@pytest.mark.parametrize("fmt", ["tsv", "jsonl"])
def test_kgx_validate_reports_no_errors(built_project, biolink_toolkit, fmt):
    from kg.build.kgx_check import kgx_errors
    assert kgx_errors(_exports(built_project), fmt) == {}


def test_kgx_validator_catches_a_bad_category_and_predicate(built_project, biolink_toolkit,
                                                             tmp_path):
    from kg.build.kgx_check import kgx_errors
    for name in ("nodes.tsv", "edges.tsv", "kgx-graph-metadata.json"):
        shutil.copy(_exports(built_project) / name, tmp_path / name)
    nodes = (tmp_path / "nodes.tsv").read_text().replace("biolink:Gene", "biolink:Gen", 1)
    edges = (tmp_path / "edges.tsv").read_text().replace("biolink:causes", "biolink:kindOf", 1)
    (tmp_path / "nodes.tsv").write_text(nodes)
    (tmp_path / "edges.tsv").write_text(edges)
    errors = kgx_errors(tmp_path)
    found = json.dumps(errors)
    assert "Category 'Gen' is unknown" in found and "'kindOf'" in found


def test_mapping_tables_name_biolink_classes_and_predicates(biolink_toolkit):
    tk = biolink_toolkit
    for category in set(CATEGORIES.values()):
        element = tk.get_element(category)
        assert tk.is_category(category) and not element.mixin and not element.abstract, category
    for predicate in {p for candidates in PREDICATES.values() for p, _ in candidates}:
        element = tk.get_element(predicate)
        assert tk.is_predicate(predicate) and not element.mixin and not element.abstract, predicate


def test_every_category_class_and_relation_is_mapped(store, built_project):
    """Each curated entity's class, and each relation between entities, has its own Biolink
    mapping (not the fallback)."""
    types = {r["type"].split(":", 1)[1] for r in _rows(_exports(built_project) / "nodes.tsv")}
    assert types and types <= set(CATEGORIES), types - set(CATEGORIES)
    relations = {r["p"].value[len(CKG):] for r in store.query(
        "SELECT DISTINCT ?p WHERE { ?s ?p ?o . ?s a ckg:Entity . ?o a ckg:Entity . "
        "?p a owl:ObjectProperty . FILTER(STRSTARTS(STR(?p), STR(ckg:))) }").rows}
    unmapped = relations - set(PREDICATES) - set(INVERSE_OF) - {"mentionedIn", "classificationFrom",
                                               "predictsFavourable", "predictsUnfavourable"}
    assert relations and not unmapped, unmapped


def _rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


def test_kgx_edges_carry_provenance_and_ids_use_checked_xrefs(built_project):
    nodes = {r["id"]: r for r in _rows(_exports(built_project) / "nodes.tsv")}
    edges = _rows(_exports(built_project) / "edges.tsv")
    assert "HGNC:1633" in nodes and nodes["HGNC:1633"]["name"] == "CD19"
    assert any(i.startswith("CLINICALTRIALS:NCT") for i in nodes)
    assert not any(n["category"] == "biolink:Publication" for n in nodes.values())
    for e in edges:
        assert e["subject"] in nodes and e["object"] in nodes, e["id"]
        assert e["knowledge_level"] in ("knowledge_assertion", "logical_entailment")
        assert e["agent_type"] == {"knowledge_assertion": "manual_agent",
                                   "logical_entailment": "automated_agent"}[e["knowledge_level"]]
        assert e["primary_knowledge_source"] == "infores:cartkg"
        if e["knowledge_level"] == "knowledge_assertion" and e["has_evidence"]:
            assert e["publications"].split("|")[0] in (
                "doi:10.2991/chi.d.190219.001", "doi:10.3389/fimmu.2023.1110028")
    asserted = [e for e in edges if e["knowledge_level"] == "knowledge_assertion"]
    assert sum(bool(e["has_evidence"]) for e in asserted) > len(asserted) / 2


def test_kgx_publications_take_in_references_of_evidence_items(tmp_path):
    """dcterms:references from an evidence item to a primary study's DOI or PubMed IRI (the
    primary-study register) flows into the edge's publications."""
    from kg.build.biolink import kgx_edges, referenced_publications
    from kg.build.exports import curie
    from kg.vocab import ENT, EVIDENCE
    g = rdflib.Graph()
    g.add((rdflib.URIRef(EVIDENCE["x1"]), DCTERMS.references,
           rdflib.URIRef("https://doi.org/10.1000/primary")))
    g.add((rdflib.URIRef(EVIDENCE["x1"]), DCTERMS.references,
           rdflib.URIRef("https://pubmed.ncbi.nlm.nih.gov/123456")))
    refs = referenced_publications(g)
    edge = {"subject": ENT["a"], "predicate": CKG["leadsTo"], "object": ENT["b"],
            "knowledge_level": "asserted", "negated": False, "sources": ["10.1/r"],
            "refs": [], "evidence": ["x1"]}
    row = kgx_edges([edge], {}, {}, {"x1": "10.1/r"}, refs, curie)[0]
    assert row["publications"] == ["doi:10.1/r", "PMID:123456", "doi:10.1000/primary"]
    assert row["primary_knowledge_source"] == "infores:cartkg"
    assert row["predicate"] == "biolink:causes"


# ---------------------------------------------------------------- JSON-LD
def test_jsonld_has_a_context_types_and_round_trips(built_project):
    pyld = pytest.importorskip("pyld")
    from pyld import jsonld
    doc = json.loads((_exports(built_project) / "cartkg.jsonld").read_text(encoding="utf-8"))
    assert {"@context", "@graph"} <= set(doc) and doc["@context"]["ckg"] == str(CKG)
    assert doc["@context"]["quote"] == "ckg:quote"
    nquads = jsonld.to_rdf(doc, {"format": "application/n-quads"})
    back = rdflib.Graph().parse(data=nquads, format="nt")
    built = rdflib.Graph().parse(_exports(built_project) / "cartkg.nt", format="nt")
    assert len(back) == len(built)
    assert rdflib.compare.isomorphic(back, built)
    expanded = jsonld.expand(doc)
    typed = [n for n in expanded if CKG["EvidenceItem"] in n.get("@type", [])]
    assert len(typed) == len(set(built.subjects(RDF.type, rdflib.URIRef(CKG["EvidenceItem"]))))
    assert pyld


# ---------------------------------------------------------------- dataset description
def test_dataset_description_in_exports(built_project):
    g = rdflib.Graph().parse(_exports(built_project) / "void.ttl", format="turtle")
    dataset = g.value(predicate=RDF.type, object=VOID.Dataset)
    assert (dataset, RDF.type, DCAT.Dataset) in g
    for p in (DCTERMS.title, DCTERMS.issued, DCTERMS.modified, DCTERMS.creator, DCAT_VERSION,
              VOID.sparqlEndpoint, DCTERMS.license, DCTERMS.rights):
        assert g.value(dataset, p) is not None, p
    lines = (_exports(built_project) / "cartkg.nt").read_text().count("\n")
    assert int(g.value(dataset, VOID.triples)) == lines
    sources = {str(s): str(g.value(s, DCTERMS.license)) for s in g.objects(dataset, DCTERMS.source)}
    assert sources == {"https://doi.org/10.3389/fimmu.2023.1110028":
                       "https://creativecommons.org/licenses/by/4.0/",
                       "https://doi.org/10.2991/chi.d.190219.001":
                       "https://creativecommons.org/licenses/by-nc/4.0/"}
    rights = str(g.value(dataset, DCTERMS.rights))
    assert "MIT" in rights and "CC BY-NC 4.0" in rights and "non-commercial" in rights


def test_dataset_description_is_served(built_project):
    from kg.server.run import start, store_spec
    paths = project_paths(built_project)
    with start(store_spec("oxigraph-memory", paths), paths=paths) as server:
        base = server.endpoint.rsplit("/", 1)[0]
        req = urllib.request.Request(base + "/.well-known/void", headers={"Accept": "text/turtle"})
        void = rdflib.Graph().parse(data=urllib.request.urlopen(req).read(), format="turtle")
        req = urllib.request.Request(server.endpoint, headers={"Accept": "text/turtle"})
        sd = rdflib.Graph().parse(data=urllib.request.urlopen(req).read(), format="turtle")
    SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
    dataset = void.value(predicate=RDF.type, object=VOID.Dataset)
    assert void.value(dataset, VOID.sparqlEndpoint) == rdflib.URIRef(server.endpoint)
    service = sd.value(predicate=RDF.type, object=SD.Service)
    default = sd.value(service, SD.defaultDataset)
    assert default == dataset and sd.value(default, DCTERMS.license) is not None
    graph = sd.value(default, SD.defaultGraph)
    assert int(sd.value(graph, VOID.triples)) == int(void.value(dataset, VOID.triples))


# ---------------------------------------------------------------- OWL 2 DL and ROBOT-style report
def test_owl2_dl_profile_is_clean(built_project):
    import shutil as sh
    if sh.which("java") is None:
        pytest.skip("the OWL API profile check needs Java")
    from kg.build.report import dl_profile_violations
    assert dl_profile_violations(_exports(built_project) / "cartkg.owl") == []


def test_owl2_dl_profile_check_reports_an_undeclared_class(tmp_path):
    import shutil as sh
    if sh.which("java") is None:
        pytest.skip("the OWL API profile check needs Java")
    from kg.build.report import dl_profile_violations
    bad = tmp_path / "bad.ttl"
    bad.write_text("@prefix owl: <http://www.w3.org/2002/07/owl#> .\n"
                   "@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .\n"
                   "<http://example.org/o> a owl:Ontology .\n"
                   "<http://example.org/A> a owl:Class ; rdfs:subClassOf <http://example.org/B> .\n")
    found = dl_profile_violations(bad)
    assert any("undeclared class" in v and "http://example.org/B" in v for v in found)


def test_robot_style_report_is_clean(store, built_project):
    from kg.build.report import report_problems
    assert report_problems(store, project_paths(built_project)) == []


def test_robot_style_report_finds_duplicate_and_missing_labels(built_project):
    import pyoxigraph as ox
    from kg.build.report import report_problems
    from kg.store.local import OxigraphStore
    store = ox.Store()
    store.load(b"""<http://x/a> <http://www.w3.org/2000/01/rdf-schema#label> "same" .
<http://x/b> <http://www.w3.org/2000/01/rdf-schema#label> "same" .
<http://x/c> <http://x/p> "no label" .
""", format=ox.RdfFormat.N_TRIPLES)
    found = {(p.check, p.focus.split(",")[0]) for p in
             report_problems(OxigraphStore(store), project_paths(built_project))}
    assert ("duplicate-label", "entity=http://x/a") in found
    assert ("missing-label", "entity=http://x/c") in found
    assert ("missing-ontology-title", "ontology=http://x/a") not in found


def test_cartkg_report_command(built_project):
    done = run_cli("report", "--json", home=built_project)
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert report["report"] == []
    assert report["owl2_dl_profile"] in ([], None)
