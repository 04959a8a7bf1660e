"""``cartkg ask TEXT``: a question in plain words. The dictionary tagger finds every entity
mentioned; the sentence is then read as a situation with its parts kept apart
(``shared/CLINIC.md``): the finding, the disease, the population, the therapy that failed
(``after``: "after X", "X stopped working", "relapsed on X", "failed X", "refractory to X"),
the therapy considered, and the kind of answer wanted — the question type:

- ``evaluate``: "should I add / use / try X", "is X useful": the evidence for and against X
  in the situation, direct negatives first (``kg.answers.evaluate``);
- ``monitoring``: "monitor", "detect", "surveillance": the monitoring strategies;
- ``explain``: "why did this happen": mechanisms ranked by how well they fit the stated
  phenotype (``mechanism_answer(features=…)``);
- ``mechanisms``, ``biomarkers``, ``evidence``, ``assess`` from the words that ask for them;
- otherwise ``strategies`` (with ``action`` when the words ask to prevent or design).

>>> from kg.store.local import open_store
>>> doc = ask(open_store("oxigraph-memory"),
...           "patient relapsed CD19-negative after tisa-cel, what options?")
>>> doc["question_type"], doc["resolved"]["label"], doc["scope"]["after"]
('strategies', 'CD19-negative relapse', 'Tisagenlecleucel')
"""
from __future__ import annotations

import re

from kg.answers.scope import POPULATION_WORDS
from kg.errors import NoMatch

CUES = {   # question type -> words that ask for it (lower case, whole words)
    "explain": {"why", "explain", "explains", "explained"},
    "mechanisms": {"mechanism", "mechanisms", "cause", "causes", "caused", "underlie",
                   "underlies", "behind"},
    "biomarkers": {"predict", "predicts", "predicted", "predictive", "biomarker",
                   "biomarkers", "prognostic", "predictor", "predictors"},
    "evidence": {"evidence", "quote", "quotes", "source", "sources", "reference",
                 "references", "cite", "cited"},
    "assess": {"risk", "risks", "assess", "assessment", "profile"},
    "monitoring": {"monitor", "monitored", "monitoring", "surveillance", "detect",
                   "detection", "screen", "screening", "watch", "mrd"},
}
ACTION_CUES = {"prevention": {"prevent", "prevention", "preventing", "avoid", "reduce"},
               "product-design": {"design", "construct", "engineer", "engineering"}}
# A therapy the patient had and failed: words just before or just after its mention.
FAILED_BEFORE = re.compile(
    r"\b(after|post|following|failed|failing|fail|fails|escaped|(relaps\w*|progress\w*|"
    r"recurr\w*)\s+(on|after|following)|(refractory|resistant|resistance|non-?response|"
    r"no response|unresponsive|(lost|loss\s+of)\s+(the\s+)?response)\s+to)\s+(the\s+|a\s+|an\s+)?$",
    re.IGNORECASE)
FAILED_AFTER = re.compile(
    r"^\s*(cells?\s+|therapy\s+|treatment\s+)?(has\s+|have\s+|had\s+)?(stopped|failed|never|"
    r"no longer|did not|didn't|does not|doesn't|is not working|not working|failure)",
    re.IGNORECASE)
# "Should I add / use / try X?", "is X useful?": X is to be evaluated.
EVALUATE = re.compile(r"\b(should|shall|could|can|would)\s+(i|we)\b|\bworth\b|\buseful\b|"
                      r"\bis\s+it\s+(wise|reasonable|safe)\b", re.IGNORECASE)
AGE = re.compile(r"\b(\d{1,2})[- ]?(?:year|yr)s?[- ]old\b", re.IGNORECASE)
ADULT_AGE = 18
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
    """The question type the words and the recognised subjects ask for (``evaluate`` is
    decided before, from the sentence)."""
    for kind in ("evidence", "biomarkers", "explain", "mechanisms", "monitoring", "assess"):
        if words & CUES[kind]:
            return kind
    findings = [m for m in subjects if m["category"] in ("biomarker", "gene")]
    if len(findings) > 1 or (findings and len(findings) == len(subjects)):
        return "assess"
    return "strategies"


def situation(text: str, chosen: list[dict]) -> dict:
    """The parts of the situation: ``failed`` and ``considered`` therapy mentions, the
    mention to ``evaluate`` (or None), the ``subjects`` (findings), diseases and population
    (from its words, or an age: "an 8-year-old" is paediatric)."""
    failed, considered = [], []
    for m in (m for m in chosen if m["category"] == "therapy"):
        if FAILED_BEFORE.search(text[:m["start"]]) or FAILED_AFTER.search(text[m["end"]:]):
            failed.append(m)
        else:
            considered.append(m)
    cue = EVALUATE.search(text)
    target = None
    if cue:
        options = [m for m in chosen if m["category"] in ("strategy", "therapy")
                   and m not in failed]
        target = next((m for m in options if m["start"] >= cue.start()), None) \
            or next(iter(options), None)
    subjects = sorted((m for m in chosen if m["category"] in SUBJECT_ORDER and m is not target),
                      key=lambda m: SUBJECT_ORDER.index(m["category"]))
    words = _words(text)
    age = AGE.search(text)
    population = next((POPULATION_WORDS[w] for w in sorted(words) if w in POPULATION_WORDS),
                      None)
    if population is None and age:
        population = "paediatric" if int(age.group(1)) < ADULT_AGE else "adult"
    return {"failed": failed, "considered": [m for m in considered if m is not target],
            "evaluate": target, "subjects": subjects,
            "diseases": [m for m in chosen if m["category"] == "disease"],
            "population": population}


def ask(store, text: str, include_drafts: bool = False, disease: str | None = None,
        therapy: str | None = None, population: str | None = None,
        after: str | None = None) -> dict:
    """One JSON document: ``recognised`` mentions, ``situation`` (its parts, kept apart),
    ``question_type``, ``resolved`` (the entity the question is about), ``scope`` and
    ``answer`` in the shape of the command that answers that type (plus ``withheld`` and
    ``groups`` for strategies and monitoring, ``evaluated`` and ``summary`` for evaluate).
    ``disease``, ``therapy``, ``population`` and ``after``, when given, replace what the
    words set (a reader's correction of the situation)."""
    from kg.answers import questions
    from kg.answers.evaluate import evaluate
    from kg.answers.lookup import entity_index
    from kg.answers.scope import Scope
    index = entity_index(store)
    recognised = _mentions(text, index)
    words = _words(text)
    first: dict[int, dict] = {}
    for m in recognised:                      # one entity per place: the most useful category
        if m["start"] not in first or _preference(m) < _preference(first[m["start"]]):
            first[m["start"]] = m
    parts = situation(text, [first[k] for k in sorted(first)])
    subjects, failed, considered = parts["subjects"], parts["failed"], parts["considered"]
    scope_args = {"therapy": considered[0]["label"] if considered else None,
                  "after": failed[0]["label"] if failed else None,
                  "disease": parts["diseases"][0]["label"] if parts["diseases"] else None,
                  "population": parts["population"]}
    given = {"disease": disease, "therapy": therapy, "population": population, "after": after}
    scope_args.update({k: v for k, v in given.items() if v})
    parts["population"] = scope_args["population"]
    kind = "evaluate" if parts["evaluate"] else question_type(words, subjects)
    if kind == "strategies" and subjects and subjects[0]["category"] == "strategy":
        kind = "evidence"                       # asked about a strategy: what backs it
    therapies = failed + considered
    if not subjects and not therapies and kind not in ("biomarkers", "evidence", "evaluate",
                                                       "monitoring"):
        raise NoMatch(f"no entity of the graph recognised in {text!r}: name a relapse or "
                      "failure phenotype, a mechanism, a biomarker or a therapy")
    doc = {"text": text, "recognised": recognised, "question_type": kind,
           "situation": {"finding": subjects[0]["label"] if subjects else None,
                         "disease": scope_args["disease"], "population": parts["population"],
                         "after": scope_args["after"], "therapy": scope_args["therapy"],
                         "evaluate": parts["evaluate"]["label"] if parts["evaluate"] else None,
                         "kind": kind},
           "scope": Scope.build(store, index, **scope_args).as_json()}
    if kind in ("evidence", "biomarkers"):     # about a finding first, then its outcome
        subjects.sort(key=lambda m: m["category"] not in ("biomarker", "gene"))
    subject = subjects[0] if subjects else (therapies[0] if therapies else None)
    if subject:
        doc["resolved"] = questions.resolved_json(subject["text"], index[subject["iri"]])
    if kind == "evaluate":
        answer = evaluate(store, parts["evaluate"]["label"],
                          subjects[0]["label"] if subjects else None, include_drafts, index,
                          **scope_args)
        doc.update(evaluated=answer["evaluated"], considered=answer["considered"],
                   summary=answer["summary"], answer=answer["evidence"],
                   resolved=answer["resolved"] or answer["evaluated"])
    elif kind == "monitoring":
        answer = questions.monitoring_answer(store, subjects[0]["label"] if subjects else None,
                                             include_drafts, index, **scope_args)
        doc.update(resolved=answer["resolved"], action="monitoring",
                   answer=answer["strategies"], withheld=answer["withheld"],
                   groups=group_by_action(answer["strategies"]))
    elif kind == "strategies":
        action = next((a for a, cue in ACTION_CUES.items() if words & cue), None)
        about = subject["label"] if subject else "Treatment failure"
        answer = questions.strategy_answer(store, about, include_drafts, index,
                                           action=action, **scope_args)
        doc.update(resolved=answer["resolved"], action=action, answer=answer["strategies"],
                   withheld=answer["withheld"], groups=group_by_action(answer["strategies"]))
    elif kind in ("mechanisms", "explain"):
        about = subject["label"]
        if kind == "explain" and failed and not any(m["category"] == "outcome"
                                                    for m in subjects):
            about = failed[0]["label"]           # why it failed: every mechanism, ranked by fit
        answer = questions.mechanism_answer(
            store, about, include_drafts, index, **scope_args,
            features=[m["iri"] for m in subjects] if kind == "explain" else None)
        doc.update(resolved=answer["resolved"], answer=answer["mechanisms"],
                   withheld=answer["withheld"])
    elif kind == "biomarkers":
        rows = questions.biomarkers(store, include_drafts=include_drafts, index=index,
                                    **scope_args)
        iris = {m["iri"] for m in subjects}
        doc["answer"] = [r for r in rows if not iris or r["iri"] in iris
                         or r["outcome_iri"] in iris]
    elif kind == "assess":
        findings = [m["label"] for m in subjects + therapies + parts["diseases"]]
        doc["answer"] = questions.assess(store, findings, include_drafts,
                                         population=parts["population"],
                                         after=scope_args["after"])
    else:
        from kg.answers.evidence import evidence_items
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
