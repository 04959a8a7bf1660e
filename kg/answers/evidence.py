"""Evidence items as the JSON records of INTERFACE.md (``cartkg evidence``).

>>> from kg.store.local import open_store
>>> items = evidence_items(open_store("oxigraph-memory"), source="10.2991/chi.d.190219.001")
>>> all(i["source"] == "10.2991/chi.d.190219.001" and i["quote"] for i in items)
True
"""
from __future__ import annotations

from kg.store.local import derived
from kg.vocab import OBO, claim_text

ITEMS = """
SELECT ?ev ?s ?sl ?p ?pl ?o ?ol ?src ?doi ?quote ?section ?level ?direction ?study ?status
       ?population ?negated
WHERE {
  ?ev a ckg:EvidenceItem ; ckg:evidenceSubject ?s ; ckg:assertsRelation ?p ;
      ckg:evidenceObject ?o ; ckg:fromSource ?src ; ckg:quote ?quote ;
      ckg:knowledgeLevel ?level ; ckg:reviewStatus ?status .
  ?s rdfs:label ?sl . ?o rdfs:label ?ol . ?p rdfs:label ?pl .
  OPTIONAL { ?src ckg:doi ?doi }
  OPTIONAL { ?ev ckg:section ?section }
  OPTIONAL { ?ev ckg:direction ?direction }
  OPTIONAL { ?ev ckg:studyType ?study }
  OPTIONAL { ?ev ckg:population ?population }
  OPTIONAL { ?ev ckg:negated ?negated }
}"""
# What a reader needs to weigh an item; the plain ones: property -> JSON key.
WEIGHT_KEYS = {"certainty": "certainty", "certaintyNote": "certainty_note",
               "directness": "directness", "directnessNote": "directness_note",
               "conflictReason": "conflict_reason"}
WEIGHT = """
SELECT ?ev ?kind ?value WHERE {
  VALUES ?kind { ckg:certainty ckg:certaintyNote ckg:directness ckg:directnessNote
                 ckg:conflictReason ckg:evidenceType ckg:evidenceLevel ckg:evidenceLevelBasis
                 ckg:modality ckg:setting ckg:caveat ckg:caveatKind }
  ?ev ?kind ?value .
}"""
REFS = "SELECT ?ev ?ref WHERE { ?ev a ckg:EvidenceItem ; ckg:refNumber ?ref }"
CONTEXT = """
SELECT ?ev ?kind ?label WHERE {
  VALUES ?kind { ckg:aboutDisease ckg:aboutProduct ckg:aboutTrial }
  ?ev ?kind ?x . ?x rdfs:label ?label .
}"""
CONFLICTS = "SELECT ?ev ?other WHERE { ?ev ckg:conflictsWith ?other }"
STUDIES = """
SELECT ?ev ?study ?label ?id ?url WHERE {
  ?ev a ckg:EvidenceItem ; dcterms:references ?study .
  ?study a ckg:PrimaryStudy ; rdfs:label ?label .
  OPTIONAL { ?study dcterms:identifier ?id }
  OPTIONAL { ?study rdfs:seeAlso ?url }
}"""
# cohortSize is the first OPTIONAL: Virtuoso 7.2 dropped its bindings when it came after the
# pValue/pQualifier ones (same answers on every engine in this order).
STATS = """
SELECT ?ev ?pos ?measure ?value ?comparator ?unit ?p ?pq ?n ?text ?arm ?carm WHERE {
  ?ev ckg:hasStatistic ?st . ?st ckg:position ?pos ; ckg:measure ?measure ; ckg:value ?value ;
      ckg:statisticText ?text .
  OPTIONAL { ?st ckg:cohortSize ?n }
  OPTIONAL { ?st ckg:comparatorValue ?comparator }
  OPTIONAL { ?st ckg:unit ?unit }
  OPTIONAL { ?st ckg:pValue ?p }
  OPTIONAL { ?st ckg:pQualifier ?pq }
  OPTIONAL { ?st ckg:arm ?arm }
  OPTIONAL { ?st ckg:comparatorArm ?carm }
}"""
CONTEXT_KEYS = {"aboutDisease": "disease", "aboutProduct": "product", "aboutTrial": "trial"}


def _num(row: dict, key: str):
    if key not in row:
        return None
    value = float(row[key].value)
    return int(value) if value.is_integer() and key == "n" else value


def primary_studies(store, ids) -> dict[str, list[dict]]:
    """{evidence IRI: [{"label", "doi", "pmid", "url", "iri"}, …]} for the evidence IRIs in ``ids``:
    the primary studies its reference numbers resolve to (the primary-study register)."""
    found: dict[str, dict[str, dict]] = {}
    for r in store.query(STUDIES).rows:
        ev = r["ev"].value
        if ev not in ids:
            continue
        study = found.setdefault(ev, {}).setdefault(r["study"].value, {
            "label": r["label"].value, "doi": None, "pmid": None,
            "url": r["url"].value if "url" in r else None, "iri": r["study"].value})
        ident = r["id"].value if "id" in r else ""
        if ident.startswith("doi:"):
            study["doi"] = ident[4:]
        elif ident.startswith("PMID:"):
            study["pmid"] = ident[5:]
    return {ev: sorted(studies.values(), key=lambda s: s["label"])
            for ev, studies in found.items()}


def publications(studies: list[dict]) -> list[str]:
    """Biolink-style publication CURIEs of primary studies: 'doi:…' and 'PMID:…'."""
    return [c for s in studies for c in
            ([f"doi:{s['doi']}"] if s["doi"] else []) + ([f"PMID:{s['pmid']}"] if s["pmid"] else [])]


def evidence_items(store, source: str | None = None, about_iri: str | None = None,
                   include_drafts: bool = False, ids: set[str] | None = None) -> list[dict]:
    """Evidence items, optionally only from the source with DOI ``source``, only those whose
    subject or object is ``about_iri``, or only those whose IRI is in ``ids``. Read from the
    store once per graph and kept beside it (``kg.store.local.derived``)."""
    return [i for i in derived(store, "evidence-items", lambda: _all_items(store))
            if (include_drafts or i["status"] == "accepted")
            and (not source or i["source"] == source)
            and (ids is None or i["iri"] in ids)
            and (not about_iri or about_iri in (i["subject"]["iri"], i["object"]["iri"]))]


def _all_items(store) -> list[dict]:
    """Every evidence item, drafts too, sorted by id (what ``evidence_items`` filters)."""
    items: dict[str, dict] = {}
    for r in store.query(ITEMS).rows:
        ev = r["ev"].value
        # the source's DOI; a source registered without one (a primary study) by its id
        doi = r["doi"].value if "doi" in r else r["src"].value.rsplit("/", 1)[-1]

        def text(key: str):
            return r[key].value if key in r else None

        negated = "negated" in r and r["negated"].value in ("true", "1")   # xsd:boolean
        items[ev] = {
            "id": ev.rsplit("/", 1)[-1],
            "subject": {"label": r["sl"].value, "iri": r["s"].value},
            "predicate": {"label": r["pl"].value, "iri": r["p"].value},
            "object": {"label": r["ol"].value, "iri": r["o"].value},
            "source": doi, "refs": [], "quote": r["quote"].value,
            "section": r["section"].value if "section" in r else "",
            "statistics": [],
            "context": {"disease": [], "product": [], "trial": [],
                        "study_type": text("study"), "population": text("population"),
                        "modality": [], "setting": []},
            "direction": text("direction"),
            "level": r["level"].value, "status": r["status"].value, "conflicts_with": [],
            "negated": negated,
            "iri": ev,
            "claim": claim_text(r["sl"].value, r["p"].value.rsplit("/", 1)[-1], r["ol"].value,
                                negated, r["pl"].value),
            "certainty": None, "certainty_note": None, "study_type": text("study"),
            "eco": None, "directness": None, "directness_note": None, "conflict_reason": None,
            "caveat": None, "evidence_level": {"level": None, "basis": None},
        }
    for r in store.query(REFS).rows:
        if r["ev"].value in items:
            items[r["ev"].value]["refs"].append(r["ref"].value)
    for r in store.query(CONTEXT).rows:
        if r["ev"].value in items:
            items[r["ev"].value]["context"][CONTEXT_KEYS[r["kind"].value.rsplit("/", 1)[-1]]] \
                .append(r["label"].value)
    for r in store.query(WEIGHT).rows:
        item = items.get(r["ev"].value)
        if item is None:
            continue
        kind, value = r["kind"].value.rsplit("/", 1)[-1], r["value"].value
        if kind in ("modality", "setting"):
            item["context"][kind].append(value)
        elif kind in ("evidenceLevel", "evidenceLevelBasis"):
            item["evidence_level"]["level" if kind == "evidenceLevel" else "basis"] = value
        elif kind in ("caveat", "caveatKind"):
            item["caveat"] = {**(item["caveat"] or {}),
                              "text" if kind == "caveat" else "kind": value}
        elif kind == "evidenceType":
            item["eco"] = "ECO:" + value[len(OBO) + 4:]
        else:
            item[WEIGHT_KEYS[kind]] = value
    for r in store.query(CONFLICTS).rows:
        if r["ev"].value in items:
            items[r["ev"].value]["conflicts_with"].append(r["other"].value.rsplit("/", 1)[-1])
    stats: dict[str, list] = {}
    for r in store.query(STATS).rows:
        if r["ev"].value in items:
            stats.setdefault(r["ev"].value, []).append((int(r["pos"].value), {
                "measure": r["measure"].value, "value": _num(r, "value"),
                "comparator": _num(r, "comparator"),
                "unit": r["unit"].value if "unit" in r else None,
                "p_value": _num(r, "p"), "p_qualifier": r["pq"].value if "pq" in r else None,
                "n": _num(r, "n"), "text": r["text"].value,
                "arm": r["arm"].value if "arm" in r else None,
                "comparator_arm": r["carm"].value if "carm" in r else None}))
    for ev, rows in stats.items():
        items[ev]["statistics"] = [s for _, s in sorted(rows, key=lambda t: t[0])]
    studies = primary_studies(store, items.keys())
    for ev, item in items.items():
        item["primary_studies"] = studies.get(ev, [])
        item["publications"] = publications(item["primary_studies"])
    for item in items.values():
        item["refs"].sort(key=int)
        for key in ("disease", "product", "trial", "modality", "setting"):
            item["context"][key].sort()
        item["conflicts_with"].sort()
    return sorted(items.values(), key=lambda i: i["id"])
