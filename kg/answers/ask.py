"""``cartkg ask TEXT``: a question in plain words. The dictionary tagger finds every entity
mentioned; therapies, diseases and population words set the scope; the question type comes
from the words that ask (``why`` → mechanisms, ``predict`` → biomarkers, ``evidence`` →
evidence, ``risk`` or several findings → assess, a strategy alone → its evidence, otherwise
strategies); the answer is the one
the matching command gives, with the mentions it was built from.

>>> from kg.store.local import open_store
>>> doc = ask(open_store("oxigraph-memory"),
...           "patient relapsed CD19-negative after tisa-cel, what options?")
>>> doc["question_type"], doc["resolved"]["label"], doc["scope"]["modality"]
('strategies', 'CD19-negative relapse', 'car-t')
"""
from __future__ import annotations

import re

from kg.answers.scope import POPULATION_WORDS
from kg.errors import NoMatch

CUES = {   # question type -> words that ask for it (lower case, whole words)
    "mechanisms": {"why", "mechanism", "mechanisms", "cause", "causes", "caused", "explain",
                   "explains", "underlie", "underlies", "behind"},
    "biomarkers": {"predict", "predicts", "predicted", "predictive", "biomarker",
                   "biomarkers", "prognostic", "predictor", "predictors"},
    "evidence": {"evidence", "quote", "quotes", "source", "sources", "reference",
                 "references", "cite", "cited"},
    "assess": {"risk", "risks", "assess", "assessment", "profile"},
}
ACTION_CUES = {"prevention": {"prevent", "prevention", "preventing", "avoid", "reduce"},
               "monitoring": {"monitor", "monitoring", "detect", "detection", "follow"},
               "product-design": {"design", "construct", "engineer", "engineering"}}
SUBJECT_ORDER = ("outcome", "mechanism", "biomarker", "gene", "cell-population", "strategy")
_WORD = re.compile(r"[^\W_]+", re.UNICODE)


def _preference(mention: dict) -> int:
    order = SUBJECT_ORDER + ("therapy", "disease")
    return order.index(mention["category"]) if mention["category"] in order else len(order)


def _words(text: str) -> set[str]:
    return {w.lower() for w in _WORD.findall(text)}


def _mentions(text: str, index: dict) -> list[dict]:
    from kg.answers.tagger import Tagger
    return [m.as_json() for m in Tagger.from_index(index).tag(text)]


def question_type(words: set[str], subjects: list[dict]) -> str:
    """The question type the words and the recognised subjects ask for."""
    for kind in ("evidence", "biomarkers", "mechanisms", "assess"):
        if words & CUES[kind]:
            return kind
    findings = [m for m in subjects if m["category"] in ("biomarker", "gene")]
    if len(findings) > 1 or (findings and len(findings) == len(subjects)):
        return "assess"
    return "strategies"


def ask(store, text: str, include_drafts: bool = False) -> dict:
    """One JSON document: ``recognised`` mentions, ``question_type``, ``resolved`` (the entity
    the question is about), ``scope``, and ``answer`` in the shape of the command that answers
    that type (plus ``withheld`` and ``groups`` for strategies)."""
    from kg.answers import questions
    from kg.answers.evidence import evidence_items
    from kg.answers.lookup import entity_index
    from kg.answers.scope import Scope
    index = entity_index(store)
    recognised = _mentions(text, index)
    words = _words(text)
    first: dict[int, dict] = {}
    for m in recognised:                      # one entity per place: the most useful category
        if m["start"] not in first or _preference(m) < _preference(first[m["start"]]):
            first[m["start"]] = m
    chosen = [first[k] for k in sorted(first)]
    therapies = [m for m in chosen if m["category"] == "therapy"]
    diseases = [m for m in chosen if m["category"] == "disease"]
    subjects = sorted((m for m in chosen if m["category"] in SUBJECT_ORDER),
                      key=lambda m: SUBJECT_ORDER.index(m["category"]))
    population = next((POPULATION_WORDS[w] for w in sorted(words) if w in POPULATION_WORDS),
                      None)
    scope_args = {"therapy": therapies[0]["label"] if therapies else None,
                  "disease": diseases[0]["label"] if diseases else None,
                  "population": population}
    kind = question_type(words, subjects)
    if kind == "strategies" and subjects and subjects[0]["category"] == "strategy":
        kind = "evidence"                       # asked about a strategy: what backs it
    if not subjects and not therapies and kind not in ("biomarkers", "evidence"):
        raise NoMatch(f"no entity of the graph recognised in {text!r}: name a relapse or "
                      "failure phenotype, a mechanism, a biomarker or a therapy")
    doc = {"text": text, "recognised": recognised, "question_type": kind,
           "scope": Scope.build(store, index, **scope_args).as_json()}
    if kind in ("evidence", "biomarkers"):     # about a finding first, then its outcome
        subjects.sort(key=lambda m: m["category"] not in ("biomarker", "gene"))
    subject = subjects[0] if subjects else (therapies[0] if therapies else None)
    if subject:
        doc["resolved"] = questions.resolved_json(subject["text"], index[subject["iri"]])
    if kind == "strategies":
        action = next((a for a, cue in ACTION_CUES.items() if words & cue), None)
        answer = questions.strategy_answer(store, subject["label"], include_drafts, index,
                                           action=action, **scope_args)
        doc.update(resolved=answer["resolved"], action=action, answer=answer["strategies"],
                   withheld=answer["withheld"], groups=group_by_action(answer["strategies"]))
    elif kind == "mechanisms":
        answer = questions.mechanism_answer(store, subject["label"], include_drafts, index,
                                            **scope_args)
        doc.update(resolved=answer["resolved"], answer=answer["mechanisms"],
                   withheld=answer["withheld"])
    elif kind == "biomarkers":
        rows = questions.biomarkers(store, include_drafts=include_drafts, index=index,
                                    **scope_args)
        iris = {m["iri"] for m in subjects}
        doc["answer"] = [r for r in rows if not iris or r["iri"] in iris
                         or r["outcome_iri"] in iris]
    elif kind == "assess":
        findings = [m["label"] for m in subjects + therapies + diseases]
        doc["answer"] = questions.assess(store, findings, include_drafts,
                                         population=population)
    else:
        scope = Scope.build(store, index, **scope_args)
        about = subject["iri"] if subject else None
        doc["answer"] = [scope.annotate(i) for i in
                         evidence_items(store, about_iri=about, include_drafts=include_drafts)]
    return doc


def group_by_action(rows: list[dict]) -> dict[str, list[str]]:
    """Strategy names by kind of action, in rank order; 'unassigned' when a row has none."""
    groups: dict[str, list[str]] = {}
    for r in rows:
        for action in r.get("action") or ["unassigned"]:
            groups.setdefault(action, []).append(r["strategy"])
    return groups
