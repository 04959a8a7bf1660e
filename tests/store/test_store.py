"""The store backends give the same answers; parameters are bound, not formatted."""
from __future__ import annotations

import pytest

from kg.store.local import QueryError, Term, open_store

QUERIES = [
    "SELECT ?m WHERE { ?m ckg:kindOf ent:antigen-negative-relapse-mechanisms } ORDER BY ?m",
    "SELECT ?s (COUNT(?m) AS ?n) WHERE { ?s ckg:addresses ?m } GROUP BY ?s ORDER BY ?s",
    "ASK { ent:cd19-gene-mutation a ckg:CD19LossMechanism }",
]


@pytest.mark.parametrize("query", QUERIES)
def test_oxigraph_and_rdflib_agree(built_project, query):
    from kg.paths import project_paths
    paths = project_paths(built_project)
    results = [open_store(s, paths).query(query) for s in ("oxigraph", "rdflib")]
    assert results[0].rows == results[1].rows and results[0].boolean == results[1].boolean
    assert results[0].rows or results[0].boolean


def test_bound_parameter_is_a_term_not_text(store):
    hostile = 'x" } ?s ?p ?o { "'
    r = store.query("SELECT ?l ?e WHERE { ?e rdfs:label ?l }", {"l": Term.literal(hostile)})
    assert r.rows == []
    r = store.query("SELECT ?l ?e WHERE { ?e rdfs:label ?l }", {"e": Term.iri(
        "https://w3id.org/cartkg/entity/cd19")})
    assert [row["l"].value for row in r.rows] == ["CD19"]


def test_malformed_query_raises_query_error(store):
    with pytest.raises(QueryError):
        store.query("SELECT WHERE {")
