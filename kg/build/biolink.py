"""The graph as Biolink Model / KGX tables: ``nodes.tsv``, ``edges.tsv`` (and the same rows as
KGX JSON Lines), with the graph metadata that declares the project's own prefixes.

- every category is a Biolink class and every predicate a Biolink slot (``CATEGORIES``,
  ``PREDICATES``: the mapping tables, also in ``exports/README.md``); the project's own class
  and relation stay in ``type`` and ``original_predicate``;
- a node's id is its checked cross-reference where Biolink's prefix map knows the prefix
  (HGNC, MONDO, CL, CHEBI, CLINICALTRIALS, doi), else the project's own id under the
  ``cartkg`` prefix declared in ``kgx-graph-metadata.json``;
- every edge carries ``knowledge_level``, ``agent_type`` (``manual_agent`` for curated
  evidence, ``automated_agent`` for the reasoner's inferences), ``primary_knowledge_source``
  (the review the evidence comes from), ``publications`` (the review, and the primary studies
  the evidence items reference with ``dcterms:references`` where there are such triples) and
  the evidence item ids.

>>> node_id("ent:zuma-1", ["NCT:NCT02348216"], set())
'CLINICALTRIALS:NCT02348216'
>>> node_id("ent:lbcl", [], set())
'cartkg:lbcl'
"""
from __future__ import annotations

import json

from kg.vocab import CKG, DCTERMS, ENT, EVIDENCE

# Prefixes of the project's own ids, declared in the KGX graph metadata (curie_map).
OWN_PREFIXES = {"cartkg": str(ENT), "cartkg.vocab": str(CKG), "cartkg.evidence": str(EVIDENCE),
                "cartkg.edge": str(ENT).replace("/entity/", "/edge/")}
BIOLINK_VERSION = "4.4.6"      # the biolink-model package the mapping was validated with

# Cross-reference prefixes as this project writes them -> Biolink's prefix for the same ids.
XREF_PREFIXES = {"HGNC": "HGNC", "MONDO": "MONDO", "CL": "CL", "CHEBI": "CHEBI",
                 "NCT": "CLINICALTRIALS", "DOI": "doi", "PMID": "PMID"}

# The project's classes (ckg:) -> the closest Biolink class.
CATEGORIES = {
    "GeneOrProtein": "biolink:Gene",
    "Disease": "biolink:Disease",
    "CellPopulation": "biolink:Cell",
    "CarTCellTherapy": "biolink:Drug",
    "BispecificAntibody": "biolink:Drug",
    "Drug": "biolink:Drug",
    "Procedure": "biolink:Procedure",
    "ClinicalTrial": "biolink:ClinicalTrial",
    "ResistanceMechanism": "biolink:PathologicalProcess",
    "CarDesignStrategy": "biolink:Treatment",
    "ClinicalManagementStrategy": "biolink:Treatment",
    "CombinationTherapyStrategy": "biolink:Treatment",
    "ManufacturingStrategy": "biolink:Treatment",
    "MonitoringStrategy": "biolink:Procedure",
    "BaselineClinicalCharacteristic": "biolink:ClinicalFinding",
    "CirculatingMarker": "biolink:ClinicalFinding",
    "ImagingMarker": "biolink:ClinicalFinding",
    "PrognosticScore": "biolink:ClinicalFinding",
    "TumourGeneticMarker": "biolink:ClinicalFinding",
    "MicrobiomeOrExposure": "biolink:ClinicalFinding",
    "CarTCellFeature": "biolink:PhenotypicFeature",
    "ShortTermOutcome": "biolink:ClinicalFinding",
    "LongTermOutcome": "biolink:ClinicalFinding",
    "RelapsePhenotype": "biolink:PhenotypicFeature",
    "TreatmentFailurePhenotype": "biolink:PhenotypicFeature",
    "Publication": "biolink:Publication",
    "OtherEntity": "biolink:NamedThing",
}

# A node whose id is a ChEBI id is a chemical, whatever the project calls it.
ID_CATEGORIES = {"CHEBI": "biolink:ChemicalEntity"}

# The project's relations (ckg:) -> the closest Biolink predicate that is neither a mixin nor
# abstract (so not biolink:treats, a mixin in Biolink 4; inverses map to inverses).
# A class or relation added to the schema later falls back to biolink:NamedThing /
# biolink:related_to until it is mapped here (a test lists the unmapped ones).
PREDICATES = {
    "kindOf": "biolink:subclass_of",
    "hasKind": "biolink:superclass_of",
    "predicts": "biolink:biomarker_for",
    "predictedBy": "biolink:has_biomarker",
    "leadsTo": "biolink:causes",
    "resultsFrom": "biolink:caused_by",
    "contributesTo": "biolink:contributes_to",
    "hasContributor": "biolink:contribution_from",
    "addresses": "biolink:studied_to_treat",
    "addressedBy": "biolink:treated_in_studies_by",
    "involves": "biolink:has_participant",
    "involvedIn": "biolink:participates_in",
    "involvesCells": "biolink:has_participant",
    "evaluatedIn": "biolink:participates_in",
    "evaluates": "biolink:has_participant",
    "indicates": "biolink:associated_with",
    "indicatedBy": "biolink:associated_with",
    "achieves": "biolink:associated_with",
    "improves": "biolink:affects",
    "targets": "biolink:has_target",
    "treats": "biolink:applied_to_treat",
    "usesTherapy": "biolink:has_part",
}

KNOWLEDGE_LEVEL = {"asserted": "knowledge_assertion", "inferred": "logical_entailment"}
AGENT_TYPE = {"asserted": "manual_agent", "inferred": "automated_agent"}
PUBLICATION_IRIS = {"https://doi.org/": "doi:", "http://dx.doi.org/": "doi:",
                    "https://pubmed.ncbi.nlm.nih.gov/": "PMID:",
                    "http://www.ncbi.nlm.nih.gov/pubmed/": "PMID:",
                    "http://identifiers.org/pubmed/": "PMID:"}

NODE_COLUMNS = ["id", "category", "name", "description", "synonym", "xref", "type",
                "provided_by"]
EDGE_COLUMNS = ["id", "subject", "predicate", "object", "original_predicate", "negated",
                "knowledge_level", "agent_type", "primary_knowledge_source", "publications",
                "has_evidence", "sources", "refs"]


def node_id(own: str, xrefs: list[str], shared: set[str]) -> str:
    """The node's KGX id: its first checked xref with a Biolink prefix (unless two entities
    share that xref, or its local part holds a '/', which KGX does not accept in a CURIE, as
    in DOIs), else the project's id (``ent:x`` -> ``cartkg:x``)."""
    for x in xrefs:
        prefix, _, local = x.partition(":")
        if prefix in XREF_PREFIXES and x not in shared and "/" not in local:
            return f"{XREF_PREFIXES[prefix]}:{local}"
    return "cartkg:" + own.split(":", 1)[1]


def publication_curie(iri: str) -> str | None:
    for base, prefix in PUBLICATION_IRIS.items():
        if iri.startswith(base):
            return prefix + iri[len(base):]
    return None


def referenced_publications(graph) -> dict[str, set[str]]:
    """Evidence item id -> CURIEs of the primary publications it references
    (``dcterms:references`` to a DOI or PubMed IRI), from the compiled graph."""
    import rdflib
    out: dict[str, set[str]] = {}
    for ev, ref in graph.subject_objects(rdflib.URIRef(DCTERMS["references"])):
        if str(ev).startswith(EVIDENCE) and (curie := publication_curie(str(ref))):
            out.setdefault(str(ev)[len(EVIDENCE):], set()).add(curie)
    return out


def kgx_nodes(nodes: list[dict], curie) -> tuple[list[dict], dict[str, str]]:
    """KGX node rows from the export's node rows, and the map project IRI -> KGX id."""
    seen: dict[str, int] = {}
    for n in nodes:
        for x in n["xref"]:
            seen[x] = seen.get(x, 0) + 1
    shared = {x for x, k in seen.items() if k > 1}
    ids = {n["id"]: node_id(curie(n["id"]), n["xref"], shared) for n in nodes}
    rows = [{"id": ids[n["id"]], "category": [ID_CATEGORIES.get(
                ids[n["id"]].split(":")[0], CATEGORIES.get(n["type"][len(CKG):], "biolink:NamedThing"))],
             "name": n["name"], "description": n["description"], "synonym": n["synonym"],
             "xref": [x for x in n["xref"] if node_id("ent:_", [x], set()) != ids[n["id"]]],
             "type": [curie(n["type"]).replace("ckg:", "cartkg.vocab:")],
             "provided_by": ["cartkg"]}
            for n in nodes]
    return sorted(rows, key=lambda r: r["id"]), ids


def kgx_edges(edges: list[dict], ids: dict[str, str], dois: dict[str, str],
              references: dict[str, set[str]], curie) -> list[dict]:
    """KGX edge rows from the export's edge rows. ``dois``: evidence id -> the DOI of its
    source; ``references``: evidence id -> primary publications it references."""
    rows = []
    for e in edges:
        relation = e["predicate"][len(CKG):]
        reviews = sorted({f"doi:{dois[i]}" for i in e["evidence"] if dois.get(i)})
        cited = sorted({c for i in e["evidence"] for c in references.get(i, ())} - set(reviews))
        subject, obj = ids.get(e["subject"], curie(e["subject"])), ids.get(e["object"],
                                                                            curie(e["object"]))
        rows.append({
            "id": f"cartkg.edge:{curie(e['subject'])[4:]}.{relation}.{curie(e['object'])[4:]}",
            "subject": subject, "predicate": PREDICATES.get(relation, "biolink:related_to"),
            "object": obj,
            "original_predicate": f"cartkg.vocab:{relation}",
            "negated": "True" if e.get("negated") else "",
            "knowledge_level": KNOWLEDGE_LEVEL[e["knowledge_level"]],
            "agent_type": AGENT_TYPE[e["knowledge_level"]],
            "primary_knowledge_source": reviews[0] if reviews else "cartkg",
            "publications": reviews + cited,
            "has_evidence": [f"cartkg.evidence:{i}" for i in e["evidence"]],
            "sources": e["sources"], "refs": e["refs"]})
    return rows


def graph_metadata(version: str, title: str) -> str:
    """``kgx-graph-metadata.json``: what the KGX files are and the prefixes of their ids."""
    return json.dumps({
        "name": "cartkg", "title": title, "version": version,
        "biolink_version": BIOLINK_VERSION, "files": ["nodes.tsv", "edges.tsv",
                                                      "nodes.jsonl", "edges.jsonl"],
        "curie_map": OWN_PREFIXES,
        "primary_knowledge_source": "the review the edge's evidence comes from (doi:...; the "
                                    "first by DOI where both reviews support it, the other "
                                    "is in publications); 'cartkg' for the reasoner's "
                                    "inferences",
        "category_mapping": {f"cartkg.vocab:{k}": v for k, v in CATEGORIES.items()},
        "predicate_mapping": {f"cartkg.vocab:{k}": v for k, v in PREDICATES.items()},
    }, indent=1, sort_keys=True) + "\n"


def jsonl(rows: list[dict]) -> str:
    """KGX JSON Lines: one object per row, empty values left out."""
    return "".join(json.dumps({k: v for k, v in r.items() if v not in ("", [], None)},
                              ensure_ascii=False, sort_keys=True) + "\n" for r in rows)
