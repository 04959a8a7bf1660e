"""Resolve free text to entities through labels and synonyms.

Matching ignores case, hyphens, punctuation and spacing ("CD19-negative relapse" = "cd19 negative
relapse"); exact names rank first, then names containing every word of the text, then close
spellings.

Example (on the real graph; checked by tests/answers/test_examples.py)::

    from kg.store.local import open_store
    s = open_store("oxigraph-memory")
    [m["label"] for m in lookup(s, "Yescarta")][:1]      # ['Axicabtagene ciloleucel']
    resolve(s, "cd19 negative relapse")["label"]      # 'CD19-negative relapse'
"""
from __future__ import annotations

import difflib

from kg.curation.schema import CATEGORY_OF_CLASS as CATEGORY_CLASSES
from kg.errors import NoMatch
from kg.text import compact_key, lookup_key

ENTITIES = """
SELECT ?e ?label ?definition ?top WHERE {
  ?e a ?type ; rdfs:label ?label .
  ?type rdfs:subClassOf* ?top .
  ?top rdfs:subClassOf ckg:Entity .
  OPTIONAL { ?e skos:definition ?definition }
}"""
NAMES = "SELECT ?e ?name WHERE { ?e a ckg:Entity ; skos:altLabel ?name }"
TYPES = "SELECT DISTINCT ?e ?type WHERE { ?e a ckg:Entity , ?type . FILTER(STRSTARTS(STR(?type), STR(ckg:))) }"
XREFS = "SELECT ?e ?x WHERE { ?e a ckg:Entity ; oio:hasDbXref ?x }"


def entity_index(store) -> dict[str, dict]:
    """Every entity as the JSON record ``lookup`` returns, keyed by IRI."""
    index: dict[str, dict] = {}
    for row in store.query(ENTITIES).rows:
        top = row["top"].value.rsplit("/", 1)[-1]
        if top not in CATEGORY_CLASSES:
            continue
        index.setdefault(row["e"].value, {
            "label": row["label"].value, "iri": row["e"].value,
            "category": CATEGORY_CLASSES[top], "types": [], "synonyms": [], "xrefs": [],
            "definition": row["definition"].value if "definition" in row else ""})
    for query, key, var in ((NAMES, "synonyms", "name"), (TYPES, "types", "type"),
                            (XREFS, "xrefs", "x")):
        for row in store.query(query).rows:
            rec = index.get(row["e"].value)
            if rec is not None and row[var].value not in rec[key]:
                rec[key].append(row[var].value)
    for rec in index.values():
        rec["types"] = sorted(t.rsplit("/", 1)[-1] for t in rec["types"]
                              if not t.endswith("/Entity"))
        rec["synonyms"].sort()
        rec["xrefs"].sort()
    return index


def _score(query: str, name: str, is_label: bool) -> float:
    q, n = lookup_key(query), lookup_key(name)
    if not q:
        return 0.0
    if q == n:
        return 1.0 if is_label else 0.95
    if compact_key(query) == compact_key(name):
        return 0.9
    q_tokens, n_tokens = set(q.split()), set(n.split())
    if q_tokens <= n_tokens:
        return 0.5 + 0.3 * len(q_tokens) / len(n_tokens)
    matcher = difflib.SequenceMatcher(None, q, n)
    # real_quick_ratio and quick_ratio are cheap upper bounds of ratio: skip hopeless names
    if matcher.real_quick_ratio() < 0.8 or matcher.quick_ratio() < 0.8:
        return 0.0
    ratio = matcher.ratio()
    return 0.6 * ratio if ratio >= 0.8 else 0.0


def lookup(store, text: str, limit: int = 10, index: dict | None = None) -> list[dict]:
    """Entities matching ``text``, best first (each with a ``score`` from 0 to 1). Pass the
    ``entity_index`` when the caller already has it."""
    scored = []
    for rec in (index or entity_index(store)).values():
        best = max([_score(text, rec["label"], True)] +
                   [_score(text, s, False) for s in rec["synonyms"]])
        if best > 0:
            scored.append((best, rec["label"].lower(), rec))
    scored.sort(key=lambda t: (-t[0], t[1]))
    return [{**rec, "score": round(score, 3)} for score, _, rec in scored[:limit]]


def closest_names(store, text: str, n: int = 5, index: dict | None = None) -> list[str]:
    names = [name for rec in (index or entity_index(store)).values()
             for name in [rec["label"], *rec["synonyms"]]]
    keyed = {lookup_key(x): x for x in names}
    return [keyed[k] for k in difflib.get_close_matches(lookup_key(text), list(keyed), n, 0.4)]


def _exact(text: str, index: dict, categories: set[str] | None) -> dict | None:
    """The entity whose label or synonym equals ``text`` (by ``lookup_key``), as ``lookup``
    would rank it first (names are unique, so no other entity can tie): a shortcut that skips
    scoring every name."""
    key = lookup_key(text)
    for rec in index.values():
        if categories is not None and rec["category"] not in categories:
            continue
        if lookup_key(rec["label"]) == key:
            return {**rec, "score": 1.0}
        if any(lookup_key(s) == key for s in rec["synonyms"]):
            return {**rec, "score": 0.95}
    return None


def resolve(store, text: str, categories: set[str] | None = None,
            index: dict | None = None) -> dict:
    """The one entity ``text`` names; NoMatch (exit 1) when none or several fit equally."""
    index = index or entity_index(store)
    exact = _exact(text, index, categories)
    if exact is not None:
        return exact
    matches = [m for m in lookup(store, text, limit=20, index=index)
               if categories is None or m["category"] in categories]
    if not matches:
        raise NoMatch(f"no entity matches {text!r}", closest_names(store, text, index=index))
    if len(matches) > 1 and matches[0]["score"] == matches[1]["score"]:
        raise NoMatch(f"{text!r} is ambiguous", [m["label"] for m in matches[:5]
                                                  if m["score"] == matches[0]["score"]])
    if matches[0]["score"] < 0.5:
        raise NoMatch(f"no entity matches {text!r}", [m["label"] for m in matches[:5]])
    return matches[0]
