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
from dataclasses import dataclass

from kg.answers.evidence import evidence_items
from kg.answers.lookup import entity_index, resolve
from kg.answers.scope import Scope, modality_of
from kg.errors import NoMatch
from kg.store.local import Term
from kg.vocab import ENT

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
CONTRIBUTORS = """
SELECT ?m WHERE { ?m ckg:contributesTo ?root . ?m a ckg:ResistanceMechanism }"""
WITHHOLDS = "SELECT ?m ?s ?ev WHERE { ?m ckg:withholdsInherited ?s ; ckg:withholdingEvidence ?ev }"
STRATEGY_PROPS = """
SELECT ?s ?action ?source WHERE {
  ?s a ckg:Strategy ; ckg:actionKind ?action .
  OPTIONAL { ?s ckg:actionKindSource ?source }
}"""
MODALITY = "SELECT ?e ?modality WHERE { ?e ckg:appliesToModality ?modality }"
AFTER_THERAPY = ("relapse", "treatment-failure")   # a therapy is read as relapse/failure after it
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
DIRECTIONS = ("favourable", "unfavourable")
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


@dataclass
class _Question:
    """What every question command settles first: the entity index, the entity TEXT resolved
    to, the roots it is answered from (and as what), the scope and the edge graph."""
    index: dict
    root: dict
    roots: list
    answered_as: str
    scope: Scope
    graph: "EdgeGraph"

    @classmethod
    def ask(cls, store, text: str, kind: str, index: dict | None, disease: str | None,
            therapy: str | None, population: str | None,
            after: str | None = None) -> "_Question":
        index = index or entity_index(store)
        root = resolve(store, text, index=index)
        roots, answered_as = _question_roots(store, root, index, kind)
        if root["category"] == "therapy" and not after:
            after = root["label"]             # the therapy named as the subject is what failed
        return cls(index, root, roots, answered_as,
                   Scope.build(store, index, disease=disease, therapy=therapy,
                               population=population, after=after), EdgeGraph(store))

    def union(self, find) -> set[str]:
        """The union of ``find(root)`` over the roots."""
        return set().union(*(find(r) for r in self.roots))


def mechanism_answer(store, text: str, include_drafts: bool = False, index: dict | None = None,
                     disease: str | None = None, therapy: str | None = None,
                     population: str | None = None, after: str | None = None,
                     features: list[str] | None = None) -> dict:
    """``cartkg mechanisms TEXT`` with what it decided: ``resolved``, ``scope``, the
    ``mechanisms`` rows and the ``withheld`` ones (a mechanism that needs another therapy
    than the one that failed or is considered, e.g. a CAR-T product's for blinatumomab).

    Each row carries its supporting ``evidence`` (items that are not negated and not only
    "not yet observed"), ``conflicting_evidence`` and ``contested`` (negated or not-yet-observed
    items about it, and items linked by ``conflictsWith``, from other sentences), ``caveats``
    (including "not yet observed" claims, e.g. a blinatumomab mechanism not yet reported with
    CAR-T) and ``rank_basis`` (``kg.answers.ranking``). Rows come closest to TEXT first; with
    ``features`` (entity IRIs the question states: the phenotype to explain), the mechanisms
    that fit most of them come first (``fit``)."""
    from kg.answers.ranking import rank_row, sort_key
    q = _Question.ask(store, text, "mechanisms", index, disease, therapy, population, after)
    index, root, roots, answered_as, scope, graph = (q.index, q.root, q.roots, q.answered_as,
                                                     q.scope, q.graph)
    scope.explaining = True
    found = q.union(lambda r: mechanism_iris(store, r))
    modality = _modalities(store)
    indexed = _Items([scope.annotate(i)
                      for i in evidence_items(store, include_drafts=include_drafts)])
    resolved = resolved_json(text, root, answered_as, scope)
    wanted = set(features or [])
    out, withheld = [], []
    for m in found:
        failed = scope.failed_modality
        if failed and modality.get(m) and failed not in modality[m]:
            withheld.append({"mechanism": index[m]["label"], "iri": m,
                             "reason": f"needs {', '.join(modality[m])}, not {failed}"})
            continue
        parents = sorted({index[o]["label"] for (s, p, o), n in graph.edges.items()
                          if s == m and p == "kindOf" and n and o in index})
        about = [i for i in indexed.by_subject.get(m, [])
                 if _relation(i) in ("kindOf", "leadsTo", "involves", "contributesTo")]
        evidence = [i for i in about if not i["negated"]
                    and i["certainty"] != "not-yet-observed"]
        support = {i["id"] for i in evidence}
        contrary = [i for i in about if i["id"] not in support] + \
            [i for i in indexed.linked(support) if i not in about]
        basis = rank_row(evidence, contrary)
        same = set(basis["same_sentence"])
        start = min(roots, key=lambda r: len(graph.path(r["iri"], m)) if r["iri"] != m else 0)
        fit = sorted(index[f]["label"] for f in wanted if f in index
                     and (f == m or _linked(graph, m, f)))
        fit_score = sum(2 if f == m else 1 for f in wanted if f in index
                        and (f == m or _linked(graph, m, f)))
        out.append({"mechanism": index[m]["label"], "iri": m, "category": "mechanism",
                    "parents": parents,
                    "explanation": _steps(graph.path(start["iri"], m), index),
                    "evidence": evidence,
                    "conflicting_evidence": [c for c in contrary if c["id"] not in same],
                    "contested": basis["contested"],
                    "caveats": basis["caveats"]
                    + [{"text": "not yet observed" + "".join(
                        f" with {x}" for x in c["scope"]["modality"][:1]) + f": {c['claim']}",
                        "kind": "not yet observed", "evidence": c["id"]} for c in contrary
                       if c["certainty"] == "not-yet-observed"],
                    "rank_basis": basis,
                    "fit": fit, "fit_score": fit_score,
                    "modality": modality.get(m, []),
                    "scope": {"disease": sorted({d for e in evidence
                                                 for d in e["scope"]["disease"]}),
                              "modality": sorted(set(modality.get(m, [])) | {
                                  x for e in evidence for x in e["scope"]["modality"]})},
                    "extrapolated": bool(evidence) and all(e["extrapolated"] for e in evidence),
                    "resolved": resolved})
    out.sort(key=lambda r: (-r["fit_score"], r["extrapolated"], len(r["explanation"]),
                            *sort_key(r["rank_basis"], r["mechanism"])))
    for n, row in enumerate(out, 1):
        row["rank"] = n
        if row["fit"]:
            row["rank_basis"]["summary"] = "fits the stated " + ", ".join(row["fit"]) \
                + "; " + row["rank_basis"]["summary"]
    return {"resolved": resolved, "scope": scope.as_json(), "mechanisms": out,
            "withheld": sorted(withheld, key=lambda w: w["mechanism"])}


def _linked(graph: "EdgeGraph", a: str, b: str) -> bool:
    """Whether one evidence-backed edge joins ``a`` and ``b`` (either way)."""
    return any(graph.edges.get(e) for e in graph.adjacent.get(a, ()) if b in (e[0], e[2]))


def mechanisms(store, text: str, include_drafts: bool = False, index: dict | None = None,
               disease: str | None = None, therapy: str | None = None,
               population: str | None = None, after: str | None = None) -> list[dict]:
    """``cartkg mechanisms TEXT``: the mechanisms TEXT names and all beneath or linked to them
    (a therapy: those behind relapse or failure after it) — the rows of ``mechanism_answer``.
    Each row says what TEXT resolved to, and each evidence item its scope
    (see ``kg.answers.scope``)."""
    return mechanism_answer(store, text, include_drafts, index, disease, therapy,
                            population, after)["mechanisms"]


def _modalities(store) -> dict[str, list[str]]:
    """entity -> the therapies it concerns (``appliesToModality``), for those that say."""
    out: dict[str, list[str]] = {}
    for r in store.query(MODALITY).rows:
        out.setdefault(r["e"].value, []).append(r["modality"].value)
    return {e: sorted(set(m)) for e, m in out.items()}


def _support(evidence: list[dict]) -> tuple:
    sources = {e["source"] for e in evidence}
    best_study = max((STUDY_WEIGHT.get(e["context"]["study_type"], 1) for e in evidence),
                     default=0)
    return (len(sources), len(evidence), best_study)


def resolved_json(text: str, root: dict, answered_as: str | None = None,
                  scope: Scope | None = None) -> dict:
    """What the user's TEXT was taken as (``resolved`` in every answer), and in which
    situation (``scope``: disease, population, ``after`` and ``therapy``)."""
    out = {"text": text, "label": root["label"], "iri": root["iri"],
           "category": root["category"]}
    if answered_as:
        out["answered_as"] = answered_as
    if scope is not None:
        out["scope"] = scope.as_json()
    return out


def _question_roots(store, root: dict, index: dict, question: str) -> tuple[list[dict], str]:
    """The entities a question about ``root`` starts from, and how it was read. A therapy is
    read as relapse or failure after it; a strategy, disease, trial or publication is refused
    with what to ask instead."""
    if root["category"] == "therapy":
        roots = [index[ENT[i]] for i in AFTER_THERAPY if ENT[i] in index]
        return roots, f"{question} for relapse or treatment failure after {root['label']}"
    if root["category"] in ("strategy", "disease", "trial", "publication", "other"):
        hint = {"strategy": f"ask 'cartkg evidence --about \"{root['label']}\"' for what it "
                            "addresses and the evidence",
                "disease": f"ask about a relapse phenotype or mechanism with --disease "
                           f"\"{root['label']}\"",
                "trial": f"ask 'cartkg evidence --about \"{root['label']}\"'",
                "publication": "ask 'cartkg evidence --source DOI'",
                "other": f"ask 'cartkg evidence --about \"{root['label']}\"'"}[root["category"]]
        raise NoMatch(f"'{root['label']}' is a {root['category']}, not a phenotype, mechanism "
                      f"or finding: {hint}")
    return [root], ""


def _strategy_mechanisms(store, root: dict) -> set[str]:
    """The mechanisms a strategy question about ``root`` answers directly: for a mechanism,
    itself, what is beneath it and what contributes to it (not what it contributes to); for
    anything else, ``mechanism_iris``."""
    if root["category"] != "mechanism":
        return mechanism_iris(store, root)
    found = {root["iri"]} | set(store.query(CONTRIBUTORS, {"root": Term.iri(root["iri"])})
                                .values("m"))
    beneath: set[str] = set()
    for m in found:
        beneath |= set(store.query(BENEATH, {"root": Term.iri(m)}).values("m"))
    return found | beneath


def _withholding(store) -> dict[str, tuple[set[str], str]]:
    """mechanism -> (strategies it withholds from inheritance, the evidence IRI saying why)."""
    out: dict[str, tuple[set[str], str]] = {}
    for r in store.query(WITHHOLDS).rows:
        entry = out.setdefault(r["m"].value, (set(), r["ev"].value))
        entry[0].add(r["s"].value)
    return out


def strategy_answer(store, text: str, include_drafts: bool = False, index: dict | None = None,
                    disease: str | None = None, therapy: str | None = None,
                    population: str | None = None, action: str | None = None,
                    after: str | None = None) -> dict:
    """``cartkg strategies TEXT`` with everything it decided: ``resolved`` (what TEXT was taken
    as), ``scope``, the ranked ``strategies`` and the ``withheld`` ones with the reason.

    The inheritance rule: a strategy that addresses a mechanism M answers directly for M, for
    every mechanism beneath M (``kindOf``) and for every phenotype M leads to. It is offered
    for a narrower mechanism N only through N's ``kindOf`` ancestors (never through siblings,
    or mechanisms N merely contributes to); it is then marked ``inherited`` (the broader
    mechanism, with the step), ranked below every direct answer, and withheld where N's own
    evidence contradicts it: a negated item saying it does not address N, evidence linked by
    ``conflictsWith``, or a curated ``withholdsInherited`` on N or a mechanism between N and M
    (with the evidence item that says why). Strategies for another therapy than the considered
    one (``therapy``) are withheld too; the failed therapy (``after``) withholds nothing.

    An option must address something in the situation: a strategy whose only link to it is
    that it contributes to the failure is a risk factor, and is withheld saying so (when it
    also addresses something, that item is contrary evidence). What the
    partner drugs a strategy uses did (``usesTherapy``, other than CAR-T or blinatumomab;
    e.g. a trial's outcomes) is shown in ``therapy_evidence``, not counted in its rank. Rows are
    ordered by kind of action (treat now first, ``KIND_ORDER``), then as
    ``kg.answers.ranking`` says; ``kind`` names the group a row is shown in."""
    from kg.answers.ranking import rank_row, sort_key
    q = _Question.ask(store, text, "strategies", index, disease, therapy, population, after)
    index, root, answered_as, scope, graph = q.index, q.root, q.answered_as, q.scope, q.graph
    direct = q.union(lambda r: _strategy_mechanisms(store, r))
    situation = direct | {r["iri"] for r in q.roots} | {root["iri"]}
    above: dict[str, set[str]] = {}
    for r in store.query(ABOVE).rows:
        above.setdefault(r["m"].value, set()).add(r["up"].value)
    addressed: dict[str, set[str]] = {}
    for r in store.query(ADDRESSED_BY).rows:
        addressed.setdefault(r["s"].value, set()).add(r["m"].value)
    withholds = _withholding(store)
    props = _strategy_properties(store)
    modalities = _modalities(store)
    items = [scope.annotate(i) for i in evidence_items(store, include_drafts=include_drafts)]
    indexed = _Items(items)
    uses: dict[str, set[str]] = {}
    for i in items:                     # the partner drugs it adds, not CAR-T or blinatumomab
        if _relation(i) == "usesTherapy" and not i["negated"] \
                and modality_of(index.get(i["object"]["iri"], {})) == "other":
            uses.setdefault(i["subject"]["iri"], set()).add(i["object"]["iri"])
    mentioning = {i["subject"]["iri"] for i in items if i["object"]["iri"] in situation
                  and index.get(i["subject"]["iri"], {}).get("category") == "strategy"}
    rows, withheld = [], []
    for strategy in sorted(set(addressed) | mentioning):
        label = index[strategy]["label"]
        mechs = addressed.get(strategy, set())
        own = mechs & direct
        own_items = indexed.by_subject.get(strategy, [])
        about = [i for i in own_items if not i["negated"] and i["object"]["iri"] in situation]
        mentioned = [i for i in about
                     if _relation(i) in SUPPORTS and i["object"]["iri"] == root["iri"]]
        risk = [i for i in about if _relation(i) in RISK]
        contrary_all = indexed.contrary(strategy)
        inherited, reason = None, None
        if not own and not mentioned:
            if risk:
                withheld.append({"strategy": label, "iri": strategy, "reason": (
                    f"a risk factor, not a strategy: {risk[0]['claim']} ({risk[0]['id']})")})
                continue
            inherited, reason = _inherit(strategy, mechs, direct, above, withholds, contrary_all,
                                         index, root["iri"])
            if inherited is None and reason is None:
                continue
        modality = modalities.get(strategy, [])
        if reason is None and scope.modality and modality and scope.modality not in modality:
            reason = (f"outside the considered therapy: it is used with {', '.join(modality)}, "
                      f"not {scope.modality}")
        if reason:
            withheld.append({"strategy": label, "iri": strategy, "reason": reason})
            continue
        targets = own or ({inherited[1]} if inherited else set())
        if mentioned:
            targets = targets | {root["iri"]}
        relevant = targets | direct | {root["iri"]}
        evidence = list({i["id"]: i for i in [
            i for i in own_items if not i["negated"]
            and _relation(i) == "addresses" and i["object"]["iri"] in targets] + mentioned}
            .values())
        contrary = [i for i in contrary_all if i["object"]["iri"] in relevant
                    or _relation(i) != "addresses"] + risk   # it also feeds the failure
        explanation = _explanation(graph, index, strategy, targets, inherited, root["iri"])
        explanation += _steps([(strategy, _relation(i), root["iri"]) for i in mentioned
                               if _relation(i) != "addresses" or root["iri"] not in own], index)
        basis = rank_row(evidence, contrary, index[inherited[1]]["label"] if inherited else None)
        same = set(basis["same_sentence"])
        actions = props.get(strategy, {}).get("action", [])
        rows.append({
            "strategy": label, "iri": strategy, "category": "strategy",
            "addresses": sorted(index[m]["label"] for m in targets),
            "explanation": [dict(t) for t in dict.fromkeys(tuple(s.items())
                                                          for s in explanation)],
            "evidence": evidence,
            "conflicting_evidence": [c for c in contrary if c["id"] not in same],
            "contested": basis["contested"],
            "caveats": basis["caveats"],
            "therapy_evidence": [i for t in sorted(uses.get(strategy, ()))
                                 for i in indexed.by_subject.get(t, [])
                                 if _relation(i) in SUPPORTS],
            "inherited": index[inherited[1]]["label"] if inherited else False,
            "inherited_step": ({"from": index[inherited[0]]["label"], "relation": "kindOf",
                                "to": index[inherited[1]]["label"]} if inherited else None),
            "rank_basis": basis,
            "kind": kind_of(actions),
            "action": actions,
            "action_from": props.get(strategy, {}).get("action_from"),
            "modality": modality,
            "scope": {"disease": sorted({d for e in evidence for d in e["scope"]["disease"]}),
                      "modality": sorted(set(modality) | {m for e in evidence
                                                           for m in e["scope"]["modality"]})},
            "extrapolated": bool(evidence) and all(e["extrapolated"] for e in evidence),
            "resolved": resolved_json(text, root, answered_as, scope),
            "support": dict(zip(("sources", "evidence_items", "best_study_type_weight"),
                                _support(evidence)))})
    if action:
        rows = [r for r in rows if action in r["action"]]
        withheld = [w for w in withheld if action in props.get(w["iri"], {}).get("action", [])]
    rows.sort(key=lambda r: (KIND_ORDER.index(r["kind"]),
                             *sort_key(r["rank_basis"], r["strategy"])))
    for n, row in enumerate(rows, 1):
        row["rank"] = n
        row["rank_basis"]["summary"] = f"{KIND_WORDS[row['kind']]}; " \
            + row["rank_basis"]["summary"]
    return {"resolved": resolved_json(text, root, answered_as, scope), "scope": scope.as_json(),
            "strategies": rows, "withheld": sorted(withheld, key=lambda w: w["strategy"])}


# Kinds of action in the order a clinician facing the relapse reads them: what treats it now,
# what a next product would change, what to watch for, what would have prevented it.
KIND_ORDER = ("treatment", "product-design", "monitoring", "prevention", "unassigned")
KIND_WORDS = {"treatment": "treats the relapse or failure now",
              "product-design": "changes the product (design)",
              "monitoring": "monitoring or diagnosis", "prevention": "prevention",
              "unassigned": "kind of action not recorded"}
SUPPORTS = ("addresses", "treats", "improves", "achieves")   # relations an option rests on
RISK = ("contributesTo", "leadsTo")         # a feature that causes failure is a risk factor


def kind_of(actions: list[str]) -> str:
    """The group a row is shown in: the first of its kinds of action in ``KIND_ORDER``."""
    return next((k for k in KIND_ORDER if k in actions), "unassigned")


def _relation(item: dict) -> str:
    return item["predicate"]["iri"].rsplit("/", 1)[-1]


def _explanation(graph, index, strategy, targets, inherited, root) -> list[dict]:
    """The chain from ``root`` to each mechanism the strategy addresses (through the
    ``kindOf`` step when inherited), each step once."""
    steps = []
    for m in sorted(targets, key=lambda x: index[x]["label"].lower()):
        if inherited:
            chain = list(reversed(graph.path(inherited[0], root))) \
                if inherited[0] != root else []
            chain.append((inherited[0], "kindOf", m))
        else:
            chain = list(reversed(graph.path(m, root))) if m != root else []
        steps += _steps(chain + [(strategy, "addresses", m)], index)
    return [dict(t) for t in dict.fromkeys(tuple(step.items()) for step in steps)]


class _Items:
    """The answer's evidence items, indexed by id, by subject and by the items that name
    each one in ``conflictsWith``."""

    def __init__(self, items: list[dict]):
        self.all = items
        self.by_id = {i["id"]: i for i in items}
        self.by_subject: dict[str, list[dict]] = {}
        self.conflicted_by: dict[str, list[dict]] = {}
        for i in items:
            self.by_subject.setdefault(i["subject"]["iri"], []).append(i)
            for other in i["conflicts_with"]:
                self.conflicted_by.setdefault(other, []).append(i)

    def linked(self, ids: set[str]) -> list[dict]:
        """Items linked by ``conflictsWith`` (either way) to the items ``ids``, not among
        them, by id."""
        found = {o for i in ids if i in self.by_id for o in self.by_id[i]["conflicts_with"]}
        found |= {i["id"] for known in ids for i in self.conflicted_by.get(known, ())}
        return [self.by_id[o] for o in sorted(found - ids) if o in self.by_id]

    def contrary(self, subject: str) -> list[dict]:
        """Evidence against ``subject``: its negated items, and items linked by
        ``conflictsWith`` to its own evidence (either way)."""
        own = self.by_subject.get(subject, [])
        ids = {i["id"] for i in own if not i["negated"]}
        out = {i["id"]: i for i in own if i["negated"]}
        for i in self.linked(ids):
            out.setdefault(i["id"], i)
        return sorted(out.values(), key=lambda i: i["id"])


def _inherit(strategy, mechs, direct, above, withholds, contrary, index, root):
    """``((narrower, broader), None)`` when ``strategy`` is inherited through a ``kindOf``
    ancestor of a directly answered mechanism, ``(None, reason)`` when every such path is
    withheld, ``(None, None)`` when there is no such path."""
    reasons = []
    paths = sorted(((n, up) for n in direct for up in above.get(n, set()) - direct if up in mechs),
                   key=lambda p: (p[0] != root, -len(above.get(p[1], ())),
                                  index[p[0]]["label"].lower()))
    for narrower, broader in paths:
        between = {narrower} | {w for w in above.get(narrower, ())
                                if broader in above.get(w, ())}
        blocking = [w for w in between if strategy in withholds.get(w, (set(),))[0]]
        refuting = [i for i in contrary if i["object"]["iri"] in between
                    or i["subject"]["iri"] in between]
        if blocking:
            w = blocking[0]
            reasons.append(f"not inherited from {index[broader]['label']} into "
                           f"{index[w]['label']}: its own evidence "
                           f"{withholds[w][1].rsplit('/', 1)[-1]} contradicts it")
        elif refuting:
            reasons.append(f"not inherited from {index[broader]['label']} into "
                           f"{index[narrower]['label']}: contrary evidence "
                           f"{refuting[0]['id']}")
        else:
            return (narrower, broader), None
    return None, (reasons[0] if reasons else None)


def _strategy_properties(store) -> dict[str, dict]:
    out: dict[str, dict] = {}
    for r in store.query(STRATEGY_PROPS).rows:
        rec = out.setdefault(r["s"].value, {"action": [], "action_from": None})
        if r["action"].value not in rec["action"]:
            rec["action"].append(r["action"].value)
        if "source" in r:
            rec["action_from"] = r["source"].value
    for rec in out.values():
        rec["action"].sort()
    return out


def strategies(store, text: str, include_drafts: bool = False, index: dict | None = None,
               disease: str | None = None, therapy: str | None = None,
               population: str | None = None, action: str | None = None,
               after: str | None = None) -> list[dict]:
    """``cartkg strategies TEXT``: the ranked rows of ``strategy_answer`` (see there for the
    inheritance rule and ``kg.answers.ranking`` for the order)."""
    return strategy_answer(store, text, include_drafts, index, disease, therapy, population,
                           action, after)["strategies"]


def biomarkers(store, outcome: str | None = None, direction: str | None = None,
               include_drafts: bool = False, index: dict | None = None,
               disease: str | None = None, therapy: str | None = None,
               population: str | None = None, after: str | None = None) -> list[dict]:
    """``cartkg biomarkers``: biomarker→outcome associations with direction and statistics.
    ``outcome``: 'response' (short-term and failure phenotypes) or 'long-term'. Negated
    findings form their own rows (``negated: true``); each evidence item carries its scope.
    A row is ``contested`` when independent evidence says otherwise: the opposite row (negated
    or of the other direction) for the same biomarker and outcome, or items linked to its own
    by ``conflictsWith`` — listed in ``conflicting_evidence``; ``caveats`` and ``rank_basis``
    as for strategies."""
    from kg.answers.ranking import rank_row
    index = index or entity_index(store)
    scope = Scope.build(store, index, disease=disease, therapy=therapy, population=population,
                        after=after)
    kinds: dict[str, set[str]] = {}
    for r in store.query(OUTCOME_KIND).rows:
        kinds.setdefault(r["o"].value, set()).add(r["kind"].value.rsplit("/", 1)[-1])
    wanted = {"response": {"ShortTermOutcome", "TreatmentFailurePhenotype"},
              "long-term": {"LongTermOutcome"}, None: None}[outcome]
    items = {i["iri"]: scope.annotate(i)
             for i in evidence_items(store, include_drafts=include_drafts)}
    groups: dict[tuple, list] = {}
    for r in store.query(PREDICTS).rows:
        o = r["o"].value
        if wanted is not None and not kinds.get(o, set()) & wanted:
            continue
        d = r["direction"].value if "direction" in r else None
        if direction and d != direction:
            continue
        if r["ev"].value in items:
            item = items[r["ev"].value]
            groups.setdefault((r["b"].value, o, d, item["negated"]), []).append(item)
    indexed = _Items(list(items.values()))
    out = []
    for (b, o, d, negated), evs in groups.items():
        evs = sorted(evs, key=lambda e: e["id"])     # statistics in evidence order, not the store's
        own = {e["id"] for e in evs}
        opposite = [e for (b2, o2, d2, n2), others in groups.items() for e in others
                    if (b2, o2) == (b, o) and (n2 != negated or {d, d2} == set(DIRECTIONS))]
        contrary = list({e["id"]: e for e in opposite + indexed.linked(own)}.values())
        basis = rank_row(evs, contrary)
        same = set(basis["same_sentence"])
        out.append({"biomarker": index[b]["label"], "iri": b, "category": "biomarker",
                    "outcome": index[o]["label"], "outcome_iri": o, "direction": d,
                    "negated": negated,
                    "statistics": [s for e in evs for s in e["statistics"]],
                    "evidence": evs,
                    "scope": {"disease": sorted({x for e in evs for x in e["scope"]["disease"]}),
                              "modality": sorted({x for e in evs
                                                  for x in e["scope"]["modality"]})},
                    "extrapolated": all(e["extrapolated"] for e in evs),
                    "conflicting_evidence": [c for c in contrary if c["id"] not in same],
                    "contested": basis["contested"],
                    "caveats": basis["caveats"],
                    "rank_basis": basis})
    return sorted(out, key=lambda r: (r["biomarker"].lower(), r["outcome"].lower(),
                                      r["negated"]))


BIOMARKERS_OF = """
SELECT ?b WHERE { ?b ckg:involves ?root . ?b a ckg:Biomarker }"""


def assess(store, findings: list[str], include_drafts: bool = False,
           disease: str | None = None, therapy: str | None = None,
           population: str | None = None, after: str | None = None) -> dict:
    """``cartkg assess``: for a patient's findings, the risk factors with their statistics,
    the mechanisms they point to and the strategies that apply, ranked by how many findings
    a strategy answers and then by strength (``kg.answers.ranking``). A therapy or disease
    finding sets the scope; a gene finding brings the biomarkers that involve it; every
    finding says how it was used (``used_as``), none is dropped silently."""
    from kg.answers.ranking import rank_row, sort_key
    index = entity_index(store)
    resolved = [resolve(store, text, index=index) for text in findings]
    therapy = therapy or next((r["label"] for r in resolved if r["category"] == "therapy"), None)
    disease = disease or next((r["label"] for r in resolved if r["category"] == "disease"), None)
    scope = Scope.build(store, index, disease=disease, therapy=therapy, population=population,
                        after=after)
    markers: dict[str, set[str]] = {}           # biomarker IRI -> findings it stands for
    for r in resolved:
        if r["category"] == "biomarker":
            markers.setdefault(r["iri"], set()).add(r["label"])
        elif r["category"] == "gene":
            for b in store.query(BIOMARKERS_OF, {"root": Term.iri(r["iri"])}).values("b"):
                markers.setdefault(b, set()).add(r["label"])
    risk = [{**b, "findings": sorted(markers[b["iri"]])}
            for b in biomarkers(store, include_drafts=include_drafts, index=index,
                                disease=disease, therapy=therapy, population=population,
                                after=after)
            if b["iri"] in markers]
    merged: dict[str, dict] = {}
    mechs: dict[str, dict] = {}
    report = []
    for text, root in zip(findings, resolved):
        entry = {"text": text, "label": root["label"], "iri": root["iri"],
                 "category": root["category"], "used_as": []}
        report.append(entry)
        if root["category"] in ("therapy", "disease"):
            entry["used_as"].append(f"scope: {root['category']}")
            continue
        if any(root["label"] in b["findings"] for b in risk):
            entry["used_as"].append("risk factor")
        scoped = {"disease": disease, "therapy": therapy, "population": population,
                  "after": after}
        try:
            found = mechanisms(store, text, include_drafts=include_drafts, index=index, **scoped)
            answer = strategy_answer(store, text, include_drafts, index, **scoped)["strategies"]
        except NoMatch as exc:
            entry["used_as"].append(f"not answered: {exc}")
            continue
        for m in found:
            mechs.setdefault(m["iri"], {**m, "findings": []})["findings"].append(root["label"])
        for a in answer:
            row = merged.setdefault(a["iri"], {**a, "findings": [], "addresses": [],
                                               "explanation": [], "evidence": []})
            row["findings"].append(root["label"])
            row["addresses"] = sorted(set(row["addresses"]) | set(a["addresses"]))
            row["explanation"] += a["explanation"]
            seen = {e["id"] for e in row["evidence"]}
            row["evidence"] += [e for e in a["evidence"] if e["id"] not in seen]
            if a["inherited"] is False:
                row["inherited"] = False           # direct for one finding: direct overall
        if found or answer:
            entry["used_as"].append("mechanisms and strategies")
        if not entry["used_as"]:
            entry["used_as"].append("not answered: no risk factor, mechanism or strategy in "
                                    "the graph is linked to it")
    for row in merged.values():
        row["rank_basis"] = rank_row(row["evidence"], row["conflicting_evidence"],
                                     row["inherited"] or None)
    ranked = sorted(merged.values(), key=lambda r: (-len(r["findings"]),
                                                    sort_key(r["rank_basis"], r["strategy"])))
    cohorts = {(e["source"], tuple(e["context"]["trial"]), tuple(e["refs"]))
               for b in risk for e in b["evidence"]}
    notes = []
    if len(risk) > 1 and len(cohorts) > 1:
        notes.append("The risk factors come from different cohorts and studies: their effects "
                     "are not additive and cannot be combined into one risk.")
    return {"findings": report, "scope": scope.as_json(), "risk_factors": risk,
            "risk_notes": notes,
            "mechanisms": sorted(mechs.values(), key=lambda m: (-len(m["findings"]),
                                                                m["mechanism"].lower())),
            "strategies": ranked}


MONITORING = """SELECT ?s WHERE { ?s ckg:actionKind ?k . FILTER(STR(?k) = "monitoring") }"""


def monitoring_answer(store, text: str | None, include_drafts: bool = False,
                      index: dict | None = None, **scope_args) -> dict:
    """How to monitor or diagnose: the monitoring strategies linked to the finding ``text``
    (as ``strategy_answer`` ranks them), then every other monitoring strategy in scope, each
    with what it looks at (``addresses``: the objects of its own evidence) and its evidence.
    Without a finding, the question is about relapse or failure after the failed therapy."""
    from kg.answers.ranking import rank_row, sort_key
    index = index or entity_index(store)
    about = text or scope_args.get("after") or scope_args.get("therapy") or "Treatment failure"
    answer = strategy_answer(store, about, include_drafts, index, action="monitoring",
                             **scope_args)
    shown = {r["iri"] for r in answer["strategies"]} | {w["iri"] for w in answer["withheld"]}
    modalities = _modalities(store)
    considered = answer["scope"]["modality"]
    items = [i for i in evidence_items(store, include_drafts=include_drafts) if not i["negated"]]
    extra = []
    for s in sorted(set(store.query(MONITORING).values("s")) - shown):
        if s not in index or considered and modalities.get(s) \
                and considered not in modalities[s]:
            continue
        evidence = [i for i in items if i["subject"]["iri"] == s]
        basis = rank_row(evidence, [])
        extra.append({"strategy": index[s]["label"], "iri": s, "category": "strategy",
                      "addresses": sorted({i["object"]["label"] for i in evidence}),
                      "explanation": [], "evidence": evidence, "conflicting_evidence": [],
                      "contested": False, "caveats": basis["caveats"], "inherited": False,
                      "inherited_step": None, "rank_basis": basis, "kind": "monitoring",
                      "action": ["monitoring"], "modality": modalities.get(s, []),
                      "extrapolated": False, "resolved": answer["resolved"],
                      "linked_to_finding": False})
    extra = [r for r in extra if r["evidence"]]
    extra.sort(key=lambda r: sort_key(r["rank_basis"], r["strategy"]))
    rows = answer["strategies"] + extra
    for n, row in enumerate(rows, 1):
        row["rank"] = n
        row.setdefault("linked_to_finding", True)
    return {**answer, "strategies": rows}
