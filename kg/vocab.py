"""Namespaces of the knowledge graph. Kept free of rdflib so that query commands start fast.

>>> ENT + "cd19"
'https://w3id.org/cartkg/entity/cd19'
"""
from __future__ import annotations

import re


class Namespace(str):
    """A string namespace: ``CKG["addresses"]`` or ``CKG + "addresses"`` gives the full IRI."""

    def __getitem__(self, name: str) -> str:  # type: ignore[override]
        return f"{self}{name}"


BASE = "https://w3id.org/cartkg/"
CKG = Namespace(BASE + "vocab/")
ENT = Namespace(BASE + "entity/")
EVIDENCE = Namespace(BASE + "evidence/")
STUDY = Namespace(BASE + "study/")
ONTOLOGY_IRI = BASE + "vocab"
GRAPH_ASSERTED = BASE + "graph/asserted"
GRAPH_INFERRED = BASE + "graph/inferred"

RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
RDFS = Namespace("http://www.w3.org/2000/01/rdf-schema#")
OWL = Namespace("http://www.w3.org/2002/07/owl#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
OIO = Namespace("http://www.geneontology.org/formats/oboInOwl#")
PROV = Namespace("http://www.w3.org/ns/prov#")

# The local name of an entity, evidence item or source: lower-case words joined by hyphens.
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

PREFIXES = {
    "ckg": CKG, "ent": ENT, "ev": EVIDENCE, "study": STUDY, "rdf": RDF, "rdfs": RDFS, "owl": OWL, "xsd": XSD,
    "skos": SKOS, "dcterms": DCTERMS, "oio": OIO, "prov": PROV,
}


def sparql_prefixes() -> str:
    """PREFIX lines for every namespace above, to prepend to queries."""
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items())


def curie(iri: str) -> str:
    """The prefixed name of ``iri`` when one of PREFIXES covers it.

    >>> curie(ENT["cd19"])
    'ent:cd19'
    """
    for prefix, ns in PREFIXES.items():
        if iri.startswith(ns):
            return f"{prefix}:{iri[len(ns):]}"
    return iri
