"""The graph as Biolink Model / KGX tables: ``nodes.tsv``, ``edges.tsv`` (and the same rows as
KGX JSON Lines), with the graph metadata that declares the project's own prefixes.

- every category is a specific Biolink class and every predicate a canonical Biolink slot whose
  domain and range admit the edge's categories (``CATEGORIES``, ``ENTITY_CATEGORIES``,
  ``PREDICATES``, ``ADMITS``: the mapping tables, also in ``kgx-graph-metadata.json``); the
  project's own class and relation stay in ``type`` and ``original_predicate``;
- each edge is written once, in the canonical direction: an edge of one of the project's
  inverse relations (``INVERSE_OF``) merges into the edge it inverts;
- a node's id is its checked cross-reference where its category's Biolink ``id_prefixes``
  take the prefix (HGNC, MONDO, CL, CHEBI, CLINICALTRIALS), else the project's own id under
  the ``cartkg`` prefix declared in ``kgx-graph-metadata.json``;
- every edge carries ``knowledge_level``, ``agent_type`` (``manual_agent`` for curated
  evidence, ``automated_agent`` for the reasoner's inferences), ``primary_knowledge_source``
  (``infores:cartkg``, declared in the metadata), ``publications`` (the reviews' DOIs, then
  the primary studies the evidence items reference with ``dcterms:references``), the evidence
  item ids and the reviews' reference numbers (``cartkg.vocab:reviewReferences``).

>>> node_id("ent:lbcl", [], set(), "biolink:Disease")
('cartkg:lbcl', 'biolink:Disease')
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
                 "NCT": "CLINICALTRIALS", "NCIT": "NCIT", "DOI": "doi", "PMID": "PMID",
                 "DOID": "DOID", "UBERON": "UBERON", "PR": "PR", "EFO": "EFO",
                 "DRUGBANK": "DRUGBANK", "UNII": "UNII"}
INFORES = "infores:cartkg"     # this project as a knowledge source (declared in the metadata)

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
    "OtherEntity": "biolink:NamedThing",
}

# The few entities of the catch-all class OtherEntity, each with a specific Biolink class.
ENTITY_CATEGORIES = {"cytokine-release-syndrome": "biolink:Disease",
                     "her2-exon-16-splicing": "biolink:BiologicalProcess",
                     "braf-v600e-splicing": "biolink:BiologicalProcess"}

# A node whose id is a ChEBI id is a chemical, whatever the project calls it.
ID_CATEGORIES = {"CHEBI": "biolink:ChemicalEntity"}

# The Biolink id_prefixes of each category used (a node takes its first xref with one of its
# category's prefixes as its id, else ``cartkg:``; a test compares this with the model).
ID_PREFIXES = {
    "biolink:Gene": ("HGNC",), "biolink:Disease": ("MONDO", "DOID", "EFO", "NCIT"),
    "biolink:Cell": ("CL", "NCIT", "UBERON"), "biolink:Drug": ("CHEBI", "UNII", "DRUGBANK"),
    "biolink:ChemicalEntity": ("CHEBI", "UNII", "DRUGBANK"),
    "biolink:ClinicalTrial": ("CLINICALTRIALS",), "biolink:ClinicalFinding": ("NCIT", "EFO"),
    "biolink:PhenotypicFeature": ("EFO", "NCIT"),
}

# The project's inverse relations -> the relation they invert. KGX gets each edge once, in the
# direction of the relation inverted (the reasoner's inverse edges merge into it).
INVERSE_OF = {"hasKind": "kindOf", "predictedBy": "predicts", "resultsFrom": "leadsTo",
              "hasContributor": "contributesTo", "addressedBy": "addresses",
              "evaluates": "evaluatedIn", "involvedIn": "involves", "indicatedBy": "indicates"}

# Groups of the categories used, by what Biolink domains and ranges admit.
_ONTOLOGY_CLASSES = {"biolink:Gene", "biolink:Disease", "biolink:Cell", "biolink:Drug",
                     "biolink:PathologicalProcess", "biolink:Treatment",
                     "biolink:ClinicalFinding", "biolink:PhenotypicFeature",
                     "biolink:BiologicalProcess"}
_TREATMENTS = {"biolink:Drug", "biolink:Treatment", "biolink:ChemicalEntity"}
_CONDITIONS = {"biolink:Disease", "biolink:PhenotypicFeature", "biolink:ClinicalFinding"}
_PROCESSES = {"biolink:PathologicalProcess", "biolink:BiologicalProcess"}

# Each Biolink predicate used -> the categories its domain and range admit (None: any). Never
# wider than the model (a test checks each against bmt); narrower where the meaning is.
ADMITS = {
    "biolink:subclass_of": (_ONTOLOGY_CLASSES, _ONTOLOGY_CLASSES),
    "biolink:related_to_at_concept_level": (None, None),
    "biolink:biomarker_for": ({"biolink:Gene", "biolink:ChemicalEntity"}, _CONDITIONS),
    "biolink:associated_with_likelihood_of": (None, None),
    "biolink:causes": (None, None),
    "biolink:contributes_to": (None, None),
    "biolink:studied_to_treat": (_TREATMENTS, _CONDITIONS),
    "biolink:applied_to_treat": (_TREATMENTS, _CONDITIONS),
    "biolink:affects": (None, None),
    "biolink:gene_associated_with_condition": ({"biolink:Gene"}, _CONDITIONS),
    "biolink:actively_involved_in": (None, _PROCESSES),
    "biolink:directly_physically_interacts_with": ({"biolink:Drug", "biolink:ChemicalEntity"},
                                                   {"biolink:Gene"}),
    "biolink:has_part": (None, None),
    "biolink:associated_with": (None, None),
}

# The project's relations (ckg:) -> Biolink predicates to try, in order, as (predicate,
# reversed): the first whose domain and range (``ADMITS``) take the edge's categories -- with
# subject and object swapped where ``reversed`` -- is used; the last of each takes any. All
# are canonical Biolink predicates (no inverse is written; biolink:treats is a mixin).
# A relation added to the schema later falls back to biolink:related_to until it is mapped
# here (a test lists the unmapped ones).
PREDICATES = {
    "kindOf": [("biolink:subclass_of", False), ("biolink:related_to_at_concept_level", False)],
    "predicts": [("biolink:biomarker_for", False),
                 ("biolink:associated_with_likelihood_of", False)],
    "leadsTo": [("biolink:causes", False)],
    "contributesTo": [("biolink:contributes_to", False)],
    "addresses": [("biolink:studied_to_treat", False), ("biolink:affects", False)],
    "involves": [("biolink:gene_associated_with_condition", True),
                 ("biolink:actively_involved_in", True), ("biolink:associated_with", False)],
    "involvesCells": [("biolink:actively_involved_in", True), ("biolink:associated_with", False)],
    "evaluatedIn": [("biolink:associated_with", False)],
    "indicates": [("biolink:associated_with", False)],
    "achieves": [("biolink:associated_with", False)],
    "improves": [("biolink:affects", False)],
    "targets": [("biolink:directly_physically_interacts_with", False), ("biolink:affects", False)],
    "treats": [("biolink:applied_to_treat", False), ("biolink:associated_with", False)],
    "usesTherapy": [("biolink:has_part", False)],
}
FALLBACK_PREDICATE = "biolink:related_to"

KNOWLEDGE_LEVEL = {"asserted": "knowledge_assertion", "inferred": "logical_entailment"}
AGENT_TYPE = {"asserted": "manual_agent", "inferred": "automated_agent"}
PUBLICATION_IRIS = {"https://doi.org/": "doi:", "http://dx.doi.org/": "doi:",
                    "https://pubmed.ncbi.nlm.nih.gov/": "PMID:",
                    "http://www.ncbi.nlm.nih.gov/pubmed/": "PMID:",
                    "http://identifiers.org/pubmed/": "PMID:"}

NODE_COLUMNS = ["id", "category", "name", "description", "synonym", "xref", "type",
                "provided_by"]
# Biolink slots, and one column of the project's own (its declared prefix): the reviews'
# reference numbers the evidence cites.
REFS_COLUMN = "cartkg.vocab:reviewReferences"
EDGE_COLUMNS = ["id", "subject", "predicate", "object", "original_predicate", "negated",
                "knowledge_level", "agent_type", "primary_knowledge_source", "publications",
                "has_evidence", REFS_COLUMN]


def biolink_curie(xref: str) -> str | None:
    """``NCT:NCT02348216`` -> ``CLINICALTRIALS:NCT02348216``; None for an unknown prefix."""
    prefix, _, local = xref.partition(":")
    return f"{XREF_PREFIXES[prefix]}:{local}" if prefix in XREF_PREFIXES else None


def node_category(own_id: str, ckg_type: str) -> str:
    """The Biolink category of an entity from its id (``ENTITY_CATEGORIES``) or class."""
    return ENTITY_CATEGORIES.get(own_id, CATEGORIES.get(ckg_type, "biolink:NamedThing"))


def node_id(own: str, xrefs: list[str], shared: set[str], category: str) -> tuple[str, str]:
    """The node's KGX id and category: its first checked exact xref whose Biolink prefix the
    category allows (``ID_PREFIXES``; else a ChEBI id makes it a chemical) unless two entities share that
    xref or its local part holds a '/' (KGX takes no '/' in a CURIE), else the project's id
    (``ent:x`` -> ``cartkg:x``).

    >>> node_id("ent:zuma-1", ["NCT:NCT02348216"], set(), "biolink:ClinicalTrial")
    ('CLINICALTRIALS:NCT02348216', 'biolink:ClinicalTrial')
    >>> node_id("ent:axi-cel", ["NCIT:C120309"], set(), "biolink:Drug")
    ('cartkg:axi-cel', 'biolink:Drug')
    """
    for x in xrefs:
        curie = biolink_curie(x)
        if not curie or x in shared or "/" in curie.split(":", 1)[1]:
            continue
        prefix = curie.split(":")[0]
        if prefix in ID_PREFIXES.get(category, ()):
            return curie, category
        if prefix in ID_CATEGORIES:
            return curie, ID_CATEGORIES[prefix]
    return "cartkg:" + own.split(":", 1)[1], category


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
    """KGX node rows from the export's entity rows (publications are not nodes: edges cite
    them by DOI in ``publications``), and the map project IRI -> KGX id."""
    nodes = [n for n in nodes if n["category"] != "publication"]
    seen: dict[str, int] = {}
    for n in nodes:
        for x in n["xref"]:
            seen[x] = seen.get(x, 0) + 1
    shared = {x for x, k in seen.items() if k > 1}
    rows, ids = [], {}
    for n in nodes:
        own = curie(n["id"])
        node, category = node_id(own, n.get("exact", n["xref"]), shared,
                                 node_category(own.split(":", 1)[1], n["type"][len(CKG):]))
        ids[n["id"]] = node
        rows.append({"id": node, "category": [category], "name": n["name"],
                     "description": n["description"], "synonym": n["synonym"],
                     "xref": [c for x in n["xref"] if (c := biolink_curie(x)) and c != node],
                     "type": [curie(n["type"]).replace("ckg:", "cartkg.vocab:")],
                     "provided_by": [INFORES]})
    return sorted(rows, key=lambda r: r["id"]), ids


def admits(predicate: str, subject_category: str, object_category: str) -> bool:
    domain, range_ = ADMITS[predicate]
    return (domain is None or subject_category in domain) and \
        (range_ is None or object_category in range_)


def biolink_predicate(relation: str, subject_category: str,
                      object_category: str) -> tuple[str, bool]:
    """The Biolink predicate for a (forward) relation between two categories, and whether
    subject and object are swapped for it (``PREDICATES``)."""
    for predicate, swap in PREDICATES.get(relation, ()):
        s, o = (object_category, subject_category) if swap else (subject_category,
                                                                 object_category)
        if admits(predicate, s, o):
            return predicate, swap
    return FALLBACK_PREDICATE, False


def _forward(e: dict) -> tuple[str, str, str]:
    """(subject, relation, object) of an edge, an inverse relation turned round."""
    relation = e["predicate"][len(CKG):]
    if relation in INVERSE_OF:
        return e["object"], INVERSE_OF[relation], e["subject"]
    return e["subject"], relation, e["object"]


def kgx_edges(edges: list[dict], ids: dict[str, str], categories: dict[str, str],
              dois: dict[str, str], references: dict[str, set[str]], curie) -> list[dict]:
    """KGX edge rows from the export's edge rows, one per (subject, relation, object) in the
    direction of the Biolink predicate: an edge of an inverse relation merges into the edge it
    inverts. ``categories``: KGX id -> category; ``dois``: evidence id -> the DOI of its
    source; ``references``: evidence id -> primary publications it references."""
    merged: dict[tuple, dict] = {}
    for e in edges:
        s, relation, o = _forward(e)
        subject, obj = ids.get(s, curie(s)), ids.get(o, curie(o))
        predicate, swap = biolink_predicate(relation, categories.get(subject, ""),
                                            categories.get(obj, ""))
        if swap:
            subject, obj = obj, subject
        key = (subject, predicate, obj, relation)
        row = merged.setdefault(key, {
            "id": f"cartkg.edge:{curie(s)[4:]}.{relation}.{curie(o)[4:]}",
            "subject": subject, "predicate": predicate, "object": obj,
            "original_predicate": f"cartkg.vocab:{relation}", "negated": "",
            "levels": set(), "evidence": set(), "refs": set()})
        row["levels"].add(e["knowledge_level"])
        row["evidence"].update(e["evidence"])
        row["refs"].update(e["refs"])
        row["negated"] = "True" if e.get("negated") else row["negated"]
    rows = []
    for row in merged.values():
        level = "asserted" if "asserted" in row.pop("levels") else "inferred"
        evidence, refs = sorted(row.pop("evidence")), sorted(row.pop("refs"))
        reviews = sorted({f"doi:{dois[i]}" for i in evidence if dois.get(i)})
        cited = sorted({c for i in evidence for c in references.get(i, ())} - set(reviews))
        rows.append({**row, "knowledge_level": KNOWLEDGE_LEVEL[level],
                     "agent_type": AGENT_TYPE[level], "primary_knowledge_source": INFORES,
                     "publications": reviews + cited,
                     "has_evidence": [f"cartkg.evidence:{i}" for i in evidence],
                     REFS_COLUMN: refs})
    return sorted(rows, key=lambda r: (r["subject"], r["predicate"], r["object"], r["id"]))


def graph_metadata(version: str, title: str, licence: dict, sources: list[dict]) -> str:
    """``kgx-graph-metadata.json``: what the KGX files are, under which terms, the prefixes of
    their ids and the knowledge source they name. ``licence``: {"license": IRI, "rights":
    text}; ``sources``: the reviews, as {"id": doi CURIE, "title", "license"}."""
    return json.dumps({
        "name": "cartkg", "title": title, "version": version,
        "biolink_version": BIOLINK_VERSION, "files": ["nodes.tsv", "edges.tsv",
                                                      "nodes.jsonl", "edges.jsonl"],
        "license": licence.get("license"), "rights": licence.get("rights"),
        "curie_map": OWN_PREFIXES,
        "knowledge_sources": {INFORES: {
            "name": "cartkg", "description": "curated by the cartkg maintainers from the "
            "reviews in 'publications'; the infores id is the project's own, not (yet) in the "
            "Biolink information resource registry", "license": licence.get("license")}},
        "publications": sources,
        "primary_knowledge_source": f"{INFORES} for every edge: the curated evidence and the "
                                    "reasoner's inferences from it; the reviews the evidence "
                                    "quotes are the first entries of 'publications' (DOI "
                                    "CURIEs), the primary studies they cite follow",
        "columns": {REFS_COLUMN: "the reviews' reference numbers the edge's evidence cites, "
                                 "as <review id>:<number>"},
        "category_mapping": {f"cartkg.vocab:{k}": v for k, v in CATEGORIES.items()},
        "entity_categories": {f"cartkg:{k}": v for k, v in ENTITY_CATEGORIES.items()},
        "predicate_mapping": {f"cartkg.vocab:{k}": [p for p, _ in v]
                              for k, v in PREDICATES.items()},
        "inverse_relations": {f"cartkg.vocab:{k}": f"cartkg.vocab:{v}"
                              for k, v in INVERSE_OF.items()},
    }, indent=1, sort_keys=True) + "\n"


def jsonl(rows: list[dict]) -> str:
    """KGX JSON Lines: one object per row, empty values left out."""
    return "".join(json.dumps({k: v for k, v in r.items() if v not in ("", [], None)},
                              ensure_ascii=False, sort_keys=True) + "\n" for r in rows)


def _counts(values) -> dict[str, int]:
    out: dict[str, int] = {}
    for v in values:
        out[v] = out.get(v, 0) + 1
    return dict(sorted(out.items()))


def graph_summary(nodes: list[dict], edges: list[dict]) -> str:
    """``kgx-graph-summary.yaml``: the counts ``kgx graph-summary`` reports (its key names),
    made from the KGX rows: nodes by category and id prefix, edges by predicate, knowledge
    source and subject category-predicate-object category."""
    import yaml
    category = {n["id"]: n["category"][0] for n in nodes}
    summary = {
        "graph_name": "cartkg",
        "node_stats": {
            "total_nodes": len(nodes),
            "node_categories": sorted(set(category.values())),
            "count_by_category": _counts(category.values()),
            "count_by_id_prefixes": _counts(n["id"].split(":")[0] for n in nodes),
            "count_by_id_prefixes_by_category": {
                c: _counts(i.split(":")[0] for i, k in category.items() if k == c)
                for c in sorted(set(category.values()))},
            "provided_by": sorted({p for n in nodes for p in n["provided_by"]})},
        "edge_stats": {
            "total_edges": len(edges),
            "predicates": sorted({e["predicate"] for e in edges}),
            "count_by_predicates": _counts(e["predicate"] for e in edges),
            "count_by_knowledge_level": _counts(e["knowledge_level"] for e in edges),
            "count_by_primary_knowledge_source": _counts(e["primary_knowledge_source"]
                                                         for e in edges),
            "count_by_spo": _counts(f"{category[e['subject']]}-{e['predicate']}-"
                                    f"{category[e['object']]}" for e in edges)},
    }
    return yaml.safe_dump(summary, sort_keys=False, width=100)
