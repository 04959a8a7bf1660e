"""The hand-edited ontology: metadata, and a label, definition and synonym on every class and
property of the cartkg namespace."""
from __future__ import annotations

import json
import subprocess
import sys

import pytest
import rdflib
from rdflib.namespace import OWL, RDF, RDFS, SKOS

from projectcopy import REPO, run_cli
from kg.vocab import CKG, ONTOLOGY_IRI

G = rdflib.Graph().parse(REPO / "ontology" / "cartkg.ttl")
TERMS = sorted({s for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty,
                               OWL.AnnotationProperty)
                for s in G.subjects(RDF.type, kind) if str(s).startswith(CKG)})


def test_ontology_metadata():
    onto = rdflib.URIRef(ONTOLOGY_IRI)
    dcterms = rdflib.Namespace("http://purl.org/dc/terms/")
    for prop in (dcterms.title, dcterms.description, dcterms.license, OWL.versionIRI):
        assert G.value(onto, prop) is not None, prop
    assert str(G.value(onto, OWL.versionIRI)).rsplit("/", 1)[-1][:4].isdigit()


@pytest.mark.parametrize("term", TERMS, ids=lambda t: str(t).rsplit("/", 1)[-1])
def test_every_term_has_label_definition_and_synonym(term):
    assert G.value(term, RDFS.label), "label"
    assert G.value(term, SKOS.definition), "definition"
    assert G.value(term, SKOS.altLabel), "synonym"


def test_object_properties_declare_domain_or_range():
    props = [p for p in G.subjects(RDF.type, OWL.ObjectProperty) if str(p).startswith(CKG)]
    inverse_only = {o for p in props for o in G.objects(p, OWL.inverseOf)}
    for p in props:
        if p not in inverse_only and p != rdflib.URIRef(CKG["kindOf"]):
            assert G.value(p, RDFS.domain) or G.value(p, RDFS.range), p


def test_lookup_does_not_import_rdflib_or_the_reasoner():
    code = ("import sys; from kg.cli.main import main; main(['lookup', 'CD19', '--json']); "
            "print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] in "
            "('rdflib', 'owlready2', 'pyshacl', 'owlrl'))), file=sys.stderr)")
    r = subprocess.run([sys.executable, "-c", "import json; " + code], capture_output=True,
                       text=True, cwd=REPO, timeout=120)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stderr.strip().splitlines()[-1]) == []


def test_reason_command(built_project):
    r = run_cli("reason", "--json", home=built_project)
    report = json.loads(r.stdout)
    assert r.returncode == 0 and report["consistent"] and report["unsatisfiable"] == []
    assert [CKG["ProductionFailureMechanism"], CKG["TCellFailureMechanism"]] in \
        report["inferred_subclass_axioms"]
