"""The usage example in kg.store.local's docstring, run on the real graph."""
from __future__ import annotations

from kg.paths import project_paths
from kg.store.local import Term, open_store
from kg.vocab import ENT


def test_store_example(built_project):
    s = open_store("oxigraph-memory", project_paths(built_project))
    r = s.query("SELECT ?e ?l WHERE { ?e rdfs:label ?l }", {"e": Term.iri(ENT["cd19"])})
    assert r.rows[0]["l"].value == "CD19"
