"""The clinical questions: which mechanisms lie beneath or behind a finding, which strategies
address them, and which biomarkers predict outcome — each answer with its explanation chain
and evidence.

Membership comes from the reasoner's materialised inferences (transitive ``kindOf``, ``leadsTo``
inherited through ``kindOf``); explanations are shortest chains over the graph's edges that
prefer evidence-backed steps, so each step can be shown with its quote.

>>> from kg.store.local import open_store
>>> s = open_store("oxigraph-memory")
>>> names = [a["strategy"] for a in strategies(s, "CD19-negative relapse")]
>>> "Dual/multi-targeted CAR-T cells" in names
True
"""
from __future__ import annotations

import heapq

from kg.answers.evidence import evidence_items
from kg.answers.lookup import entity_index, resolve
from kg.store.local import Term

EXPLAIN_RELATIONS = ("kindOf", "leadsTo", "indicates", "contributesTo", "involves",
                     "involvesCells", "addresses")
EDGES = """
SELECT ?s ?p ?o (COUNT(DISTINCT ?ev) AS ?n) WHERE {
  VALUES ?p { ckg:kindOf ckg:leadsTo ckg:indicates ckg:contributesTo ckg:involves
              ckg:involvesCells ckg:addresses }
  ?s ?p ?o .
  OPTIONAL { ?ev ckg:evidenceSubject ?s ; ckg:assertsRelation ?p ; ckg:evidenceObject ?o ;
                 ckg:reviewStatus "accepted" }
} GROUP BY ?s ?p ?o"""
BENEATH = "SELECT ?m ?root WHERE { ?m ckg:kindOf ?root . ?m a ckg:ResistanceMechanism }"
ABOVE = """
SELECT ?m ?up WHERE { ?m ckg:kindOf ?up ; a ckg:ResistanceMechanism . ?up a ckg:ResistanceMechanism }"""
OUTCOME_MECHANISMS = """
SELECT ?m ?root WHERE {
  { ?m ckg:leadsTo ?root } UNION { ?m ckg:leadsTo ?o . ?o ckg:kindOf ?root }
  ?m a ckg:ResistanceMechanism .
}"""
# Alternative paths rather than VALUES blocks of predicates: Virtuoso 7.2 answered the VALUES
# form with no rows.
LINKED_MECHANISMS = """
SELECT DISTINCT ?m ?root WHERE {
  { ?root ckg:indicates | ckg:contributesTo | ckg:addresses ?m }
  UNION { ?m ckg:involves | ckg:involvesCells | ckg:contributesTo ?root }
  ?m a ckg:ResistanceMechanism .
}"""
ADDRESSED_BY = """
SELECT ?s ?m WHERE { ?s ckg:addresses ?m . ?s a ckg:Strategy }"""
PREDICTS = """
SELECT ?ev ?b ?o ?direction WHERE {
  ?ev ckg:evidenceSubject ?b ; ckg:assertsRelation ckg:predicts ; ckg:evidenceObject ?o ;
      ckg:reviewStatus "accepted" .
  OPTIONAL { ?ev ckg:direction ?direction }
}"""
OUTCOME_KIND = """
SELECT ?o ?kind WHERE {
  VALUES ?kind { ckg:ShortTermOutcome ckg:LongTermOutcome ckg:TreatmentFailurePhenotype }
  ?o a ?kind }"""
STUDY_WEIGHT = {"clinical trial": 5, "prospective cohort": 4, "retrospective cohort": 4,
                "observational study": 3, "mixed": 3, "case report": 2, "preclinical": 2,
                "in vitro": 1, "review statement": 1, None: 1}


class EdgeGraph:
    """The entity edges used for explanations, each with its evidence count."""

    def __init__(self, store):
        self.edges: dict[tuple[str, str, str], int] = {}
        self.adjacent: dict[str, list[tuple[str, str, str]]] = {}
        rows = [((r["s"].value, r["p"].value.rsplit("/", 1)[-1], r["o"].value), int(r["n"].value))
                for r in store.query(EDGES).rows]
        for edge, n in sorted(rows):      # sorted: ties are broken the same on every engine
            self.edges[edge] = n
            self.adjacent.setdefault(edge[0], []).append(edge)
            self.adjacent.setdefault(edge[2], []).append(edge)

    def path(self, start: str, goal: str, avoid: str = "addresses") -> list[tuple[str, str, str]]:
        """Cheapest chain of edges between two entities (either direction). Evidence-backed
        kindOf steps cost 1, other evidence-backed steps 1.2 (so 'is a kind of' wins a tie
        over 'both lead to the same outcome'), edges without evidence (taxonomy, inferred) 10."""
        frontier, best = [(0, 0, start, [])], {start: 0}
        counter = 0
        while frontier:
            cost, _, node, chain = heapq.heappop(frontier)
            if node == goal:
                return chain
            for edge in self.adjacent.get(node, ()):
                if edge[1] == avoid:
                    continue
                nxt = edge[2] if edge[0] == node else edge[0]
                step = cost + ((1 if edge[1] == "kindOf" else 1.2) if self.edges[edge] else 10)
                if step < best.get(nxt, 1 << 30):
                    best[nxt] = step
                    counter += 1
                    heapq.heappush(frontier, (step, counter, nxt, chain + [edge]))
        return []


def _steps(chain, index) -> list[dict]:
    label = lambda iri: index[iri]["label"] if iri in index else iri.rsplit("/", 1)[-1]
    return [{"from": label(s), "relation": p, "to": label(o), "from_iri": s, "to_iri": o}
            for s, p, o in chain]


def mechanism_iris(store, root: dict) -> set[str]:
    """Mechanisms the resolved entity ``root`` names or is linked to, and all beneath them."""
    found: set[str] = set()
    binding = {"root": Term.iri(root["iri"])}
    if root["category"] == "mechanism":
        found.add(root["iri"])
    elif root["category"] == "outcome":
        found |= set(store.query(OUTCOME_MECHANISMS, binding).values("m"))
    found |= set(store.query(LINKED_MECHANISMS, binding).values("m"))
    beneath: set[str] = set()
    for m in found:
        beneath |= set(store.query(BENEATH, {"root": Term.iri(m)}).values("m"))
    return found | beneath


def mechanisms(store, text: str, include_drafts: bool = False,
               index: dict | None = None) -> list[dict]:
    """``cartkg mechanisms TEXT``: the mechanisms TEXT names and all beneath or linked to them."""
    index = index or entity_index(store)
    root = resolve(store, text, index=index)
    graph = EdgeGraph(store)
    found = mechanism_iris(store, root)
    items = evidence_items(store, include_drafts=include_drafts)
    by_subject: dict[str, list] = {}
    for item in items:
        for iri in (item["subject"]["iri"], item["object"]["iri"]):
            by_subject.setdefault(iri, []).append(item)
    out = []
    for m in found:
        parents = sorted({index[o]["label"] for (s, p, o), n in graph.edges.items()
                          if s == m and p == "kindOf" and n and o in index})
        evidence = [i for i in by_subject.get(m, []) if i["subject"]["iri"] == m
                    and i["predicate"]["iri"].endswith(("/kindOf", "/leadsTo", "/involves"))]
        out.append({"mechanism": index[m]["label"], "iri": m, "category": "mechanism",
                    "parents": parents,
                    "explanation": _steps(graph.path(root["iri"], m), index),
                    "evidence": evidence})
    return sorted(out, key=lambda r: (len(r["explanation"]), r["mechanism"].lower()))


def _support(evidence: list[dict]) -> tuple:
    sources = {e["source"] for e in evidence}
    best_study = max((STUDY_WEIGHT.get(e["context"]["study_type"], 1) for e in evidence),
                     default=0)
    return (len(sources), len(evidence), best_study)


def strategies(store, text: str, include_drafts: bool = False,
               index: dict | None = None) -> list[dict]:
    """``cartkg strategies TEXT``: strategies addressing any mechanism beneath or linked to
    TEXT — or a broader mechanism those are a kind of, since a strategy proposed against a
    class of mechanisms applies to each kind of it — best supported first, each with the
    mechanisms it addresses, the explanation chain and the evidence."""
    index = index or entity_index(store)
    root = resolve(store, text, index=index)
    graph = EdgeGraph(store)
    found = mechanism_iris(store, root)
    found |= {r["up"].value for r in store.query(ABOVE).rows if r["m"].value in found}
    addressed: dict[str, set[str]] = {}
    for r in store.query(ADDRESSED_BY).rows:
        if r["m"].value in found:
            addressed.setdefault(r["s"].value, set()).add(r["m"].value)
    items = evidence_items(store, include_drafts=include_drafts)
    out = []
    for strategy, mechs in addressed.items():
        evidence = [i for i in items if i["subject"]["iri"] == strategy
                    and i["predicate"]["iri"].endswith("/addresses")
                    and i["object"]["iri"] in mechs]
        explanation = []
        for m in sorted(mechs, key=lambda x: index[x]["label"].lower()):
            chain = list(reversed(graph.path(m, root["iri"]))) if m != root["iri"] else []
            explanation += _steps(chain, index)
            explanation += _steps([(strategy, "addresses", m)], index)
        ids = {e["id"] for e in evidence}
        conflicting = [i for i in items if i["id"] not in ids
                       and (set(i["conflicts_with"]) & ids)]
        out.append({"strategy": index[strategy]["label"], "iri": strategy,
                    "category": "strategy",
                    "addresses": sorted(index[m]["label"] for m in mechs),
                    "explanation": explanation, "evidence": evidence,
                    "conflicting_evidence": conflicting,
                    "support": dict(zip(("sources", "evidence_items", "best_study_type_weight"),
                                        _support(evidence)))})
    return sorted(out, key=lambda r: (tuple(-x for x in _support(r["evidence"])),
                                      -len(r["addresses"]), r["strategy"].lower()))


def biomarkers(store, outcome: str | None = None, direction: str | None = None,
               include_drafts: bool = False, index: dict | None = None) -> list[dict]:
    """``cartkg biomarkers``: biomarker→outcome associations with direction and statistics.
    ``outcome``: 'response' (short-term and failure phenotypes) or 'long-term'."""
    index = index or entity_index(store)
    kinds: dict[str, set[str]] = {}
    for r in store.query(OUTCOME_KIND).rows:
        kinds.setdefault(r["o"].value, set()).add(r["kind"].value.rsplit("/", 1)[-1])
    wanted = {"response": {"ShortTermOutcome", "TreatmentFailurePhenotype"},
              "long-term": {"LongTermOutcome"}, None: None}[outcome]
    items = {i["iri"]: i for i in evidence_items(store, include_drafts=include_drafts)}
    groups: dict[tuple, list] = {}
    for r in store.query(PREDICTS).rows:
        o = r["o"].value
        if wanted is not None and not kinds.get(o, set()) & wanted:
            continue
        d = r["direction"].value if "direction" in r else None
        if direction and d != direction:
            continue
        if r["ev"].value in items:
            groups.setdefault((r["b"].value, o, d), []).append(items[r["ev"].value])
    out = []
    for (b, o, d), evs in groups.items():
        evs = sorted(evs, key=lambda e: e["id"])     # statistics in evidence order, not the store's
        out.append({"biomarker": index[b]["label"], "iri": b, "category": "biomarker",
                    "outcome": index[o]["label"], "outcome_iri": o, "direction": d,
                    "statistics": [s for e in evs for s in e["statistics"]],
                    "evidence": evs})
    return sorted(out, key=lambda r: (r["biomarker"].lower(), r["outcome"].lower()))


def assess(store, findings: list[str], include_drafts: bool = False) -> dict:
    """``cartkg assess``: for a patient's findings, the risk factors with their statistics,
    the mechanisms they point to and the strategies that apply, ranked by how many findings
    a strategy answers and then by support."""
    index = entity_index(store)
    resolved = [resolve(store, text, index=index) for text in findings]
    risk = [b for b in biomarkers(store, include_drafts=include_drafts, index=index)
            if b["iri"] in {r["iri"] for r in resolved}]
    merged: dict[str, dict] = {}
    mechs: dict[str, dict] = {}
    for text, root in zip(findings, resolved):
        for m in mechanisms(store, text, include_drafts=include_drafts, index=index):
            mechs.setdefault(m["iri"], {**m, "findings": []})["findings"].append(root["label"])
        for a in strategies(store, text, include_drafts=include_drafts, index=index):
            entry = merged.setdefault(a["iri"], {**a, "findings": [], "addresses": [],
                                                 "explanation": [], "evidence": []})
            entry["findings"].append(root["label"])
            entry["addresses"] = sorted(set(entry["addresses"]) | set(a["addresses"]))
            entry["explanation"] += a["explanation"]
            seen = {e["id"] for e in entry["evidence"]}
            entry["evidence"] += [e for e in a["evidence"] if e["id"] not in seen]
    ranked = sorted(merged.values(), key=lambda r: (-len(r["findings"]),
                                                    tuple(-x for x in _support(r["evidence"])),
                                                    r["strategy"].lower()))
    return {"findings": [{"text": t, "label": r["label"], "iri": r["iri"],
                          "category": r["category"]} for t, r in zip(findings, resolved)],
            "risk_factors": risk,
            "mechanisms": sorted(mechs.values(), key=lambda m: (-len(m["findings"]),
                                                                m["mechanism"].lower())),
            "strategies": ranked}
