"""The primary studies behind an answer (``cartkg references ENTITY-or-EVIDENCE``).

TEXT is an evidence item's id, or free text resolved like ``lookup`` to an entity (then every
accepted evidence item about that entity counts). Each primary study comes with its identifiers,
a link, the review reference numbers that resolve to it and the evidence items citing it; the
reference numbers the register does not resolve are listed too, so nothing is silently dropped.

>>> from kg.store.local import open_store
>>> answer = references(open_store("oxigraph-memory"), "Epitope concealment by CAR-transduced tumour cells")
>>> [s["label"] for s in answer["studies"]]
['Ruella 2018 (Nat Med)']
"""
from __future__ import annotations

from kg.answers.evidence import evidence_items
from kg.answers.lookup import resolve
from kg.vocab import EVIDENCE

STUDIES = """
SELECT ?study ?title ?author ?year ?journal ?cited WHERE {
  ?study a ckg:PrimaryStudy ; dcterms:title ?title ; ckg:firstAuthor ?author ;
         dcterms:date ?year ; dcterms:isPartOf ?journal ; ckg:citedAs ?cited .
}"""
# (evidence item, reference number) pairs the register resolves: the study's citedAs names the
# evidence item's review (its source's local name) and that number.
RESOLVED = """
SELECT ?ev ?ref WHERE {
  ?ev a ckg:EvidenceItem ; ckg:refNumber ?ref ; ckg:fromSource ?src ; dcterms:references ?study .
  ?study ckg:citedAs ?cited .
  FILTER (?cited = CONCAT(STRAFTER(STR(?src), STR(ent:)), " ref ", STR(?ref)))
}"""
IS_EVIDENCE = "ASK WHERE { ?ev a ckg:EvidenceItem }"


def _target(store, text: str) -> tuple[dict, list[dict]]:
    """What TEXT names (an evidence item or an entity) and the evidence behind it."""
    from kg.vocab import ID_PATTERN
    from kg.store.local import Term
    ident = text.strip()
    if ID_PATTERN.match(ident) and store.query(IS_EVIDENCE, {"ev": Term.iri(EVIDENCE[ident])}).boolean:
        items = evidence_items(store, ids={EVIDENCE[ident]}, include_drafts=True)
        return {"kind": "evidence", "id": ident, "iri": EVIDENCE[ident]}, items
    entity = resolve(store, text)
    return ({"kind": "entity", "label": entity["label"], "iri": entity["iri"]},
            evidence_items(store, about_iri=entity["iri"]))


def references(store, text: str) -> dict:
    """{"resolved", "studies": [...], "unresolved_refs": [...]} for TEXT (NoMatch when TEXT
    names neither an evidence item nor an entity)."""
    resolved, items = _target(store, text)
    meta: dict[str, dict] = {}
    for r in store.query(STUDIES).rows:
        m = meta.setdefault(r["study"].value, {
            "title": r["title"].value, "first_author": r["author"].value,
            "year": int(r["year"].value), "journal": r["journal"].value, "cited_as": []})
        m["cited_as"].append(r["cited"].value)
    wanted = {i["iri"] for i in items}
    resolved_refs = {(r["ev"].value, r["ref"].value) for r in store.query(RESOLVED).rows
                     if r["ev"].value in wanted}
    studies: dict[str, dict] = {}
    unresolved: dict[tuple[str, str], set[str]] = {}
    for item in items:
        for s in item["primary_studies"]:
            row = studies.setdefault(s["iri"], {**s, **meta.get(s["iri"], {}), "evidence": set()})
            row["evidence"].add(item["id"])
        for ref in item["refs"]:
            if (item["iri"], ref) not in resolved_refs:
                unresolved.setdefault((item["source"] or "", ref), set()).add(item["id"])
    rows = [{**row, "cited_as": sorted(row.get("cited_as", [])),
             "evidence": sorted(row["evidence"])} for row in studies.values()]
    return {"resolved": resolved,
            "studies": sorted(rows, key=lambda s: (-len(s["evidence"]), s["label"])),
            "unresolved_refs": [{"source": src, "ref": ref, "evidence": sorted(ev)}
                                for (src, ref), ev in sorted(unresolved.items(),
                                                             key=lambda t: (t[0][0], int(t[0][1])))]}
