"""``should I add / use / try X?``: the evidence for and against a named strategy or therapy in
the patient's situation (``shared/CLINIC.md``: negatives first if they are direct).

X is a strategy, or a therapy together with the strategies that use it (``usesTherapy``).
Every item whose subject is one of them and whose relation says what it does (addresses,
treats, improves, achieves) is shown, with ``stance`` (``for``, or ``against`` when negated)
and ``bears_on``: ``situation`` when its object is the finding asked about (relapse or
failure after the failed therapy when only that is stated), a mechanism beneath or linked to
it, or what it leads to; otherwise ``elsewhere``, or ``unstated`` when the question states
neither. Order: direct negatives about the situation, then support for it, then the rest,
each group strongest first (``kg.answers.ranking.item_key``).

>>> from kg.store.local import open_store
>>> doc = evaluate(open_store("oxigraph-memory"), "CAR-T dose escalation")
>>> doc["evaluated"]["label"], doc["evidence"][0]["stance"]
('Increasing the CAR-T cell dose', 'against')
"""
from __future__ import annotations

from kg.answers.evidence import evidence_items
from kg.answers.lookup import entity_index, resolve
from kg.answers.ranking import is_extrapolated, item_key, level_words
from kg.answers.scope import Scope

ACTS = ("addresses", "treats", "improves", "achieves")
USES = """SELECT ?s WHERE { ?s ckg:usesTherapy ?x . ?s a ckg:Strategy }"""


def evaluate(store, target: str, finding: str | None = None, include_drafts: bool = False,
             index: dict | None = None, disease: str | None = None,
             therapy: str | None = None, population: str | None = None,
             after: str | None = None) -> dict:
    """``{"evaluated", "considered", "resolved", "scope", "evidence", "summary"}`` for the
    strategy or therapy ``target`` in the situation ``finding`` (None: no finding stated)."""
    from kg.answers.questions import _question_roots, _strategy_mechanisms, resolved_json
    from kg.store.local import Term
    index = index or entity_index(store)
    x = resolve(store, target, {"strategy", "therapy"}, index=index)
    subjects = {x["iri"]}
    if x["category"] == "therapy":
        subjects |= set(store.query(USES, {"x": Term.iri(x["iri"])}).values("s"))
    situation: set[str] = set()
    root = None
    if finding or after:              # no finding: relapse or failure after the failed therapy
        root = resolve(store, finding, index=index) if finding \
            else resolve(store, after, {"therapy"}, index=index)
        roots = _question_roots(store, root, index, "evaluate")[0]
        situation = {root["iri"]}.union(*(_strategy_mechanisms(store, r) | {r["iri"]}
                                          for r in roots))
    scope = Scope.build(store, index, disease=disease, therapy=therapy, population=population,
                        after=after)
    rows = []
    for item in evidence_items(store, include_drafts=include_drafts):
        if item["subject"]["iri"] not in subjects \
                or item["predicate"]["iri"].rsplit("/", 1)[-1] not in ACTS:
            continue
        item = scope.annotate(item)
        item["stance"] = "against" if item["negated"] else "for"
        item["bears_on"] = "situation" if item["object"]["iri"] in situation \
            else ("elsewhere" if root else "unstated")
        item["level_words"] = level_words(item)
        rows.append(item)
    rows.sort(key=lambda i: (_group(i), item_key(i), i["id"]))
    return {"evaluated": resolved_json(target, x),
            "considered": sorted(index[s]["label"] for s in subjects if s in index),
            "resolved": resolved_json(finding or after, root) if root else None,
            "scope": scope.as_json(), "evidence": rows, "summary": _summary(rows, root)}


def _group(item: dict) -> int:
    """0 direct negatives about the situation, 1 support for it, 2 other negatives, 3 rest."""
    if item["bears_on"] == "situation":
        return 0 if item["stance"] == "against" and not is_extrapolated(item) else 1
    return 2 if item["stance"] == "against" else 3


def _summary(rows: list[dict], root: dict | None) -> str:
    """One sentence: what speaks against and for, in the situation when one was stated."""
    where = "" if root is None else (f" (after {root['label']})"
                                     if root["category"] == "therapy" else f" (in {root['label']})")
    near = [r for r in rows if r["bears_on"] == "situation"] if root else rows
    against = [r for r in near if r["stance"] == "against"]
    support = [r for r in near if r["stance"] == "for"]
    if not near:
        return f"no evidence{where}; {len(rows)} item(s) about it elsewhere"
    parts = [f"{word}{where}: {found[0]['claim']} ({found[0]['level_words']})"
             for word, found in (("Against", against), ("For", support)) if found]
    return ". ".join(parts)
