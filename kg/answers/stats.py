"""Counts that describe the graph (``cartkg stats``).

Example (on the real graph; checked by tests/answers/test_examples.py)::

    from kg.store.local import open_store
    s = graph_stats(open_store("oxigraph-memory"))
    s["entities"]["mechanism"] > 10 and s["evidence_items"] > 50      # True
"""
from __future__ import annotations

from kg.answers.lookup import CATEGORY_CLASSES

COUNTS = """
SELECT ?top (COUNT(DISTINCT ?e) AS ?n) WHERE {
  ?e a ?type . ?type rdfs:subClassOf* ?top . ?top rdfs:subClassOf ckg:Entity .
} GROUP BY ?top"""
SIMPLE = {
    "evidence_items": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ckg:EvidenceItem }",
    "statistics": "SELECT (COUNT(DISTINCT ?x) AS ?n) WHERE { ?x a ckg:Statistic }",
    "triples": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }",
    "relations": """SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?p a owl:ObjectProperty .
                     ?s a ckg:Entity . ?o a ckg:Entity }""",
}
PER_SOURCE = """
SELECT ?doi (COUNT(DISTINCT ?ev) AS ?n) WHERE {
  ?ev a ckg:EvidenceItem ; ckg:fromSource ?src . ?src ckg:doi ?doi } GROUP BY ?doi"""


def graph_stats(store) -> dict:
    entities = {c: 0 for c in CATEGORY_CLASSES.values()}
    for row in store.query(COUNTS).rows:
        top = row["top"].value.rsplit("/", 1)[-1]
        if top in CATEGORY_CLASSES:
            entities[CATEGORY_CLASSES[top]] = int(row["n"].value)
    out = {"entities": entities}
    for key, query in SIMPLE.items():
        out[key] = int(store.query(query).rows[0]["n"].value)
    out["evidence_by_source"] = dict(sorted((r["doi"].value, int(r["n"].value))
                                            for r in store.query(PER_SOURCE).rows))
    return out
