"""Namespaces of the knowledge graph. Kept free of rdflib so that query commands start fast.

>>> ENT + "cd19"
'https://w3id.org/cartkg/entity/cd19'
>>> claim_text("Increasing the CAR-T cell dose", "improves", "Objective response", negated=True)
'Increasing the CAR-T cell dose does NOT improve Objective response'
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
OBO = Namespace("http://purl.obolibrary.org/obo/")
PROV = Namespace("http://www.w3.org/ns/prov#")

# The local name of an entity, evidence item or source: lower-case words joined by hyphens.
ID_PATTERN = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")

PREFIXES = {
    "ckg": CKG, "ent": ENT, "ev": EVIDENCE, "study": STUDY, "rdf": RDF, "rdfs": RDFS, "owl": OWL,
    "xsd": XSD, "skos": SKOS, "dcterms": DCTERMS, "oio": OIO, "prov": PROV, "obo": OBO,
}

# The evidence model's controlled vocabularies (ontology/curation/README.md).
STUDY_TYPES = ("randomised controlled trial", "single-arm trial", "clinical trial",
               "prospective cohort", "retrospective cohort", "observational study",
               "case report", "preclinical animal model", "preclinical", "in vitro",
               "review statement", "mixed")
# The study types that name a design: studies in people, and laboratory work.
CLINICAL_TYPES = ("randomised controlled trial", "single-arm trial", "clinical trial",
                  "prospective cohort", "retrospective cohort", "observational study",
                  "case report")
PRECLINICAL_TYPES = ("preclinical animal model", "in vitro")
CERTAINTIES = ("stated", "hedged", "hypothesis", "not-yet-observed")
DIRECTNESS = ("direct", "extrapolated")
# What a caveat stated in the claim's own sentence is about (never contrary evidence).
CAVEAT_KINDS = ("limited durability", "small cohort", "unclear mechanism", "short follow-up",
                "not yet reported with CAR-T", "other disease", "toxicity", "other")
MODALITIES = ("car-t", "blinatumomab", "other")

# How a claim reads when its quote says the relation does NOT hold (relation local names).
NEGATED_RELATION = {
    "kindOf": "is NOT a kind of", "addresses": "does NOT address", "leadsTo": "does NOT lead to",
    "predicts": "does NOT predict", "indicates": "does NOT indicate",
    "contributesTo": "does NOT contribute to", "involves": "does NOT involve",
    "involvesCells": "does NOT involve cells", "targets": "does NOT target",
    "usesTherapy": "does NOT use", "evaluatedIn": "was NOT evaluated in",
    "achieves": "does NOT achieve", "treats": "does NOT treat", "improves": "does NOT improve",
}


def relation_words(relation: str, negated: bool, label: str | None = None) -> str:
    """The words between subject and object: ``label`` (or the relation's local name) for a
    claim, the negated phrase ("does NOT improve") for a negated one."""
    if negated:
        return NEGATED_RELATION.get(relation, f"NOT {label or relation}")
    return label or relation


def claim_text(subject: str, relation: str, obj: str, negated: bool = False,
               label: str | None = None) -> str:
    """A claim in words, e.g. 'X improves Y' or 'X does NOT improve Y'."""
    return f"{subject} {relation_words(relation, negated, label)} {obj}"


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


# Where a checked cross-reference's CURIE prefix (ontology/curation/entities) points: the OBO
# PURLs of OBO ontologies, identifiers.org for the rest (the same map as the SSSOM file's).
XREF_IRIS = {"HGNC": "http://identifiers.org/hgnc/",
             "NCIT": "http://purl.obolibrary.org/obo/NCIT_",
             "MONDO": "http://purl.obolibrary.org/obo/MONDO_",
             "CL": "http://purl.obolibrary.org/obo/CL_",
             "CHEBI": "http://purl.obolibrary.org/obo/CHEBI_",
             "DOID": "http://purl.obolibrary.org/obo/DOID_",
             "UBERON": "http://purl.obolibrary.org/obo/UBERON_",
             "PR": "http://purl.obolibrary.org/obo/PR_",
             "EFO": "http://www.ebi.ac.uk/efo/EFO_",
             "NCT": "http://identifiers.org/clinicaltrials/",
             "DRUGBANK": "http://identifiers.org/drugbank/",
             "UNII": "http://identifiers.org/unii/"}


def xref_iri(curie: str) -> str:
    """The IRI of a checked cross-reference, e.g. ``MONDO:0004947`` ->
    ``http://purl.obolibrary.org/obo/MONDO_0004947``.

    >>> xref_iri("NCT:NCT02348216")
    'http://identifiers.org/clinicaltrials/NCT02348216'
    """
    prefix, _, local = curie.partition(":")
    return XREF_IRIS[prefix.upper()] + local
