"""Lints on the evidence items that fail the build: claims that contradict their own quote or
fields, or that leave out what a reader needs to weigh them. Each problem names the file, the
line, the field and a fix.

``ontology/curation/lints.yaml`` may list lints not yet enforced on a project's data
(``pending: [name, ...]``) while curators fill the fields in; ``cartkg curate add`` holds new
items to every lint regardless.

>>> sorted(LINTS)  # doctest: +NORMALIZE_WHITESPACE
['contradicts-own-sentence', 'deprecated-study-type', 'design-words', 'duplicate-claim',
 'hedge-stated', 'missing-evidence-fields', 'negation-without-cue', 'predicate-direction',
 'registered-design', 'review-statement-level', 'scope-disease', 'shared-statistic',
 'study-typed-twice']
"""
from __future__ import annotations

import re
from collections import Counter, defaultdict
from pathlib import Path

from kg.curation.cues import ANIMAL_WORDS, hedge_cues, negation_cues
from kg.curation.sources import Curation, Evidence
from kg.errors import CurationError
from kg.vocab import CLINICAL_TYPES, PRECLINICAL_TYPES

# (predicate, direction) pairs that contradict each other, with why.
CONTRADICTIONS = {
    ("improves", "unfavourable"): "'improves' says the effect is good for the patient",
    ("addresses", "unfavourable"): "'addresses' says the strategy counters the mechanism",
    ("contributesTo", "favourable"): "'contributesTo' says it feeds a resistance mechanism",
    ("leadsTo", "favourable"): "'leadsTo' says a resistance mechanism brings the outcome about",
}
UNDIRECTED = ("kindOf",)                     # taxonomy: a direction means nothing here
STRUCTURAL = ("kindOf", "involves", "involvesCells", "targets", "usesTherapy")  # no finding
SHARED_OK = ("count", "cut-off")             # cohort sizes and thresholds describe a study
# Words that name a design (RULEBOOK R4): laboratory work vs studies in patients.
# A gene knocked down, out, inhibited or silenced is a laboratory experiment even in a sentence
# that goes on to patients ("The inhibition of the SRSF3 gene resulted in ...").
PRECLINICAL_WORDS = re.compile(rf"\b(?:{ANIMAL_WORDS}|in vitro|cell lines?|knock(?:ed)?[- ]?(?:down|out)s?|"
                               r"(?:inhibition|silencing) of (?:the )?\w+ gene)\b", re.IGNORECASE)
CLINICAL_WORDS = re.compile(r"\b(?:patients?|trials?|phase|cohorts?|children|adults|"
                            r"retrospective|prospective|real-world|cases?)\b", re.IGNORECASE)
UNTYPED = ("mixed", "review statement", None)
# A null result says so without a negation word: "a similar response rate" (RULEBOOK R2).
NULL_RESULT = re.compile(r"\b(?:similar|comparable|no (?:significant )?difference|not "
                         r"significant(?:ly)?|unchanged)\b", re.IGNORECASE)


def _problem(ev: Evidence, key: str, problem: str, fix: str) -> CurationError:
    return CurationError(ev.path, ev.line_of(key), key, f"{ev.id}: {problem}", fix)


def missing_evidence_fields(items: list[Evidence], _all: list[Evidence]):
    """Every item records study type, certainty and directness."""
    for ev in items:
        for key, value, values in (
                ("context.study_type", ev.study_type, "randomised controlled trial, single-arm "
                 "trial, prospective cohort, retrospective cohort, case report, preclinical "
                 "animal model, in vitro, review statement, ..."),
                ("certainty", ev.certainty, "stated, hedged, hypothesis, not-yet-observed"),
                ("directness", ev.directness, "direct, extrapolated")):
            if not value:
                yield _problem(ev, key, f"missing {key}", f"add {key.split('.')[-1]}: one of "
                               f"{values}")


def deprecated_study_type(items: list[Evidence], _all: list[Evidence]):
    """``preclinical`` is being phased out for ``preclinical animal model`` or ``in vitro``."""
    for ev in items:
        if ev.study_type == "preclinical":
            yield _problem(ev, "context.study_type", "study type 'preclinical' is deprecated",
                           "write study_type: preclinical animal model, or in vitro")


def predicate_direction(items: list[Evidence], _all: list[Evidence]):
    """A relation and a direction that contradict each other (a negated item's direction is
    that of the relation NOT holding, so it is not compared)."""
    for ev in items:
        why = None if ev.negated else CONTRADICTIONS.get((ev.predicate, ev.direction))
        if why:
            yield _problem(ev, "direction", f"{ev.predicate} with direction {ev.direction}: "
                           f"{why}", "check the quote: fix the direction, choose the relation "
                           "it states, or set negated: true if it says the relation does not "
                           "hold")
        elif ev.predicate in UNDIRECTED and ev.direction:
            yield _problem(ev, "direction", f"{ev.predicate} has direction {ev.direction}",
                           f"remove direction: a {ev.predicate} claim has none")


def hedge_stated(items: list[Evidence], _all: list[Evidence]):
    """A quote with hedge cue words recorded as ``certainty: stated`` without a reviewed
    ``certainty_note``."""
    for ev in items:
        if ev.certainty != "stated" or ev.certainty_note:
            continue
        cues = hedge_cues(ev.quote)
        if cues:
            words = ", ".join(repr(c.text) for c in cues)
            yield _problem(ev, "certainty", f"certainty stated, but the quote hedges ({words})",
                           f"set certainty: {cues[0].kind} (or hypothesis, not-yet-observed), "
                           "or, when the claim itself is asserted, add certainty_note: why")


def shared_statistic(items: list[Evidence], everything: list[Evidence]):
    """One reported result (not a cohort size or threshold) attached to claims about
    different subjects: the figure is one claim's own, or it is counted several times."""
    owners: dict[tuple, list[Evidence]] = defaultdict(list)
    for ev in everything:
        for st in ev.statistics:
            if st.measure not in SHARED_OK:
                owners[(ev.source, ev.quote, st.text, st.value)].append(ev)
    wanted = {ev.id for ev in items}
    for (_, _, text, _), evs in owners.items():
        if len({e.subject for e in evs}) < 2:
            continue
        for ev in evs[1:]:
            if ev.id in wanted:
                yield _problem(ev, "statistics", f"statistic {text!r} is also attached to "
                               f"{evs[0].id} (another subject, same quote)",
                               "keep the figure on the one claim it measures (e.g. an entity "
                               "for the group it counts) and remove it from the others")


def negation_without_cue(items: list[Evidence], _all: list[Evidence]):
    """A negated item whose quote has no negation cue: the claim says more than the words
    (RULEBOOK R2)."""
    for ev in items:
        words = _dehyphenated(ev.quote)
        if ev.negated and not negation_cues(words) and not NULL_RESULT.search(words):
            yield _problem(ev, "negated", "negated, but the quote has no negation cue (not, no, "
                           "without, failed to, ...) and reports no null result (similar, "
                           "comparable, ...)", "RULEBOOK R2: remove negated and weaken "
                           "the relation or the certainty (an open question is hedged, 'not a "
                           "guarantee' is a caveat), or quote the sentence that negates")


def _dehyphenated(quote: str) -> str:
    """A quote with the PDF's line-break hyphens joined ("simi- lar" -> "similar")."""
    return re.sub(r"(\w)- (\w)", r"\1\2", quote)


def design_words(items: list[Evidence], _all: list[Evidence]):
    """A study type that contradicts the design words of its own quote: mouse, xenograft or in
    vitro work typed as a study in patients (or the reverse), or 'a preclinical study' typed
    mixed (RULEBOOK R4)."""
    for ev in items:
        lab, clinic = PRECLINICAL_WORDS.search(ev.quote), CLINICAL_WORDS.search(ev.quote)
        if lab and not clinic and ev.study_type in CLINICAL_TYPES + ("mixed",):
            yield _problem(ev, "context.study_type", f"study type {ev.study_type!r}, but the "
                           f"quote names laboratory work ({lab.group(0)!r}) and no patients",
                           "RULEBOOK R4: write study_type: preclinical animal model or in vitro")
        elif clinic and not lab and ev.study_type in PRECLINICAL_TYPES:
            yield _problem(ev, "context.study_type", f"study type {ev.study_type!r}, but the "
                           f"quote names a study in people ({clinic.group(0)!r}) and no "
                           "laboratory model", "RULEBOOK R4: type the clinical design "
                           "(case report, cohort, single-arm trial, ...)")


def review_statement_level(items: list[Evidence], _all: list[Evidence]):
    """``study_type: review statement`` on an item whose level says it reports a primary
    study (RULEBOOK R4)."""
    for ev in items:
        if ev.study_type == "review statement" and ev.level == "primary-study":
            yield _problem(ev, "context.study_type", "study type 'review statement' on a "
                           "level: primary-study item", "RULEBOOK R4: type the cited study's "
                           "design, or set level: review-statement if the review says it itself")


def _reported_study(ev: Evidence) -> tuple[str, str] | None:
    """(source id, reference number) of the one study a typed item reports, else None."""
    if ev.level != "primary-study" or len(ev.refs) != 1 or ev.study_type in UNTYPED:
        return None
    return ev.source, str(ev.refs[0])


def _study_key(ev: Evidence, register: dict) -> tuple | None:
    """The study one item reports: its one reference, resolved through the primary-study
    register when it is there (so both reviews' numbers meet), and which part of it - its
    laboratory or its patients (a study may have both, each typed once)."""
    cited = _reported_study(ev)
    if cited is None:
        return None
    part = "laboratory" if ev.study_type in PRECLINICAL_TYPES else "patients"
    return (*register.get(cited, cited), part)


def study_typed_twice(items: list[Evidence], everything: list[Evidence], register=None):
    """The same study (one reference, or one registered primary study cited by both reviews)
    typed differently by different items (RULEBOOK R4: one study, one type)."""
    register = register or {}
    types: dict[tuple, Counter] = defaultdict(Counter)
    for ev in everything:
        key = _study_key(ev, register)
        if key:
            types[key][ev.study_type] += 1
    wanted = {ev.id for ev in items}
    for ev in everything:
        key = _study_key(ev, register)
        if key is None or ev.id not in wanted or len(types[key]) < 2:
            continue
        usual = types[key].most_common(1)[0][0]
        if ev.study_type != usual:
            yield _problem(ev, "context.study_type", f"study type {ev.study_type!r}, but the "
                           f"same study ({'/'.join(key[:-1])}, its {key[-1]}) is typed {usual!r} "
                           "elsewhere",
                           "RULEBOOK R4: one study, one type - give every item of this study "
                           "the design its own words show")


def registered_design(items: list[Evidence], _all: list[Evidence], designs=None):
    """An item reporting one registered primary study whose checked record shows its design
    (``design:`` in primary-studies.yaml), typed otherwise. A study's laboratory part may be
    typed preclinical beside a clinical design; a laboratory study's items stay preclinical
    (RULEBOOK R4: one study, one type, from the words or the checked record)."""
    designs = designs or {}
    for ev in items:
        study, design = designs.get(_reported_study(ev), (None, None))
        if design is None or ev.study_type == design or ev.study_type in PRECLINICAL_TYPES:
            continue
        yield _problem(ev, "context.study_type", f"study type {ev.study_type!r}, but the "
                       f"checked record of {study} (primary-studies.yaml) shows a {design}",
                       f"RULEBOOK R4: write study_type: {design}, or correct the register's "
                       "design if the record says otherwise")


def scope_disease(items: list[Evidence], _all: list[Evidence], scopes=None):
    """An item of a source whose ``disease_scope`` covers its section but that names no
    disease: Xu 2023's biomarkers are lymphoma biomarkers (RULEBOOK R5). Left out: items that
    classify or describe biology (kindOf, involves, involvesCells, targets, usesTherapy) and
    laboratory findings, whose scope is their model (R8)."""
    scopes = scopes or {}
    for ev in items:
        scope = scopes.get(ev.source)
        if scope and not ev.disease and ev.predicate not in STRUCTURAL \
                and ev.study_type not in PRECLINICAL_TYPES \
                and section_kind(ev.section, scope["sections"]) in scope["kinds"]:
            yield _problem(ev, "context.disease", "no disease, although the source's "
                           f"{section_kind(ev.section, scope['sections'])} sections are about "
                           f"{', '.join(scope['disease'])}", "RULEBOOK R5: add context.disease "
                           f"(e.g. [{scope['disease'][0]}], or the disease the sentence names)")


def section_kind(section: str, sections: list[dict]) -> str | None:
    """The kind of the source section an item's or a candidate's ``section`` names (by the
    title before any " > ")."""
    title = section.split(" > ")[0].strip()
    return next((s["kind"] for s in sections if s["title"] == title), None)


def contradicts_own_sentence(items: list[Evidence], everything: list[Evidence]):
    """Two items from one sentence about the same subject and object, one negated and one
    not: a qualifying clause turned into a refutation (RULEBOOK R1: one claim plus its
    caveat)."""
    sides: dict[tuple, dict[bool, str]] = defaultdict(dict)
    for ev in everything:
        sides[(ev.source, ev.quote, ev.subject, ev.object)].setdefault(ev.negated, ev.id)
    wanted = {ev.id for ev in items}
    for ev in everything:
        other = sides[(ev.source, ev.quote, ev.subject, ev.object)].get(not ev.negated)
        if ev.negated and other and ev.id in wanted:
            yield _problem(ev, "negated", f"negates {other}, a claim of the same sentence about "
                           "the same subject and object", "RULEBOOK R1: keep one claim and put "
                           "the qualifying words in its caveat: {text, kind}")


def _claim_key(ev: Evidence) -> tuple:
    return (ev.source, ev.quote, ev.subject, ev.predicate, ev.object, ev.negated,
            tuple(sorted(ev.modality)), tuple(sorted(ev.product)), tuple(sorted(ev.disease)),
            tuple(sorted(ev.trial)), tuple(sorted(ev.setting)), ev.population)


def duplicate_claim(items: list[Evidence], everything: list[Evidence]):
    """The same quote, subject, relation and object recorded twice (in the same context):
    one quote counts once however often it is cited."""
    first: dict[tuple, str] = {}
    wanted = {ev.id for ev in items}
    for ev in everything:
        key = _claim_key(ev)
        if key in first and ev.id in wanted:
            yield _problem(ev, "quote", f"repeats {first[key]} (same quote, subject, relation, "
                           "object and context)", "merge the two items into one (list all "
                           "refs), or tell them apart by context (modality, product, disease, "
                           "trial, setting, population)")
        first.setdefault(key, ev.id)


LINTS = {
    "missing-evidence-fields": missing_evidence_fields,
    "deprecated-study-type": deprecated_study_type,
    "predicate-direction": predicate_direction,
    "hedge-stated": hedge_stated,
    "shared-statistic": shared_statistic,
    "duplicate-claim": duplicate_claim,
    "negation-without-cue": negation_without_cue,
    "design-words": design_words,
    "review-statement-level": review_statement_level,
    "study-typed-twice": study_typed_twice,
    "registered-design": registered_design,
    "scope-disease": scope_disease,
    "contradicts-own-sentence": contradicts_own_sentence,
}


def pending_lints(curation_dir: Path) -> set[str]:
    """Lints ``ontology/curation/lints.yaml`` says are not yet enforced on this data."""
    import yaml
    path = curation_dir / "lints.yaml"
    if not path.exists():
        return set()
    shown = "ontology/curation/lints.yaml"
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise CurationError(shown, mark.line + 1 if mark else 1, "", f"YAML syntax error: {exc}",
                            "write pending: [lint-name, ...]") from None
    pending = data.get("pending") if isinstance(data, dict) else None
    if not isinstance(pending, list) or not all(isinstance(p, str) for p in pending):
        raise CurationError(shown, 1, "pending", "expected a list of lint names",
                            "write pending: [lint-name, ...] (or delete the file)")
    pending = set(pending)
    unknown = pending - set(LINTS)
    if unknown:
        raise CurationError(shown, 1, "pending", f"unknown lints {sorted(unknown)}",
                            f"use lint names from: {', '.join(sorted(LINTS))}")
    return pending


def lint_problems(cur: Curation, pending: set[str] = frozenset(),
                  only: set[str] | None = None) -> list[CurationError]:
    """Problems of every lint not in ``pending``, on every item or on the items whose ids are
    in ``only`` (compared against all items where a lint compares items)."""
    items = [ev for ev in cur.evidence if only is None or ev.id in only]
    extra = {"study-typed-twice": {"register": _register_keys(cur)},
             "registered-design": {"designs": _register_designs(cur)},
             "scope-disease": {"scopes": _disease_scopes(cur)}}
    problems = []
    for name, lint in LINTS.items():
        if name not in pending:
            problems.extend(CurationError(p.path, p.line, p.field, f"{p.problem} [{name}]", p.fix)
                            for p in lint(items, cur.evidence, **extra.get(name, {})))
    return sorted(problems, key=lambda p: (p.path, p.line, p.field))


def _register_keys(cur: Curation) -> dict:
    """(source id, reference number) -> ("study", register id) for every citation in the
    primary-study register."""
    return {(review, str(ref)): ("study", study) for (review, ref), study in cur.citations.items()}


def _register_designs(cur: Curation) -> dict:
    """(source id, reference number) -> (register id, design) for registered studies whose
    checked record gave their design."""
    return {(review, str(ref)): (study, cur.primary_studies[study].design)
            for (review, ref), study in cur.citations.items()
            if study in cur.primary_studies and cur.primary_studies[study].design}


def _disease_scopes(cur: Curation) -> dict:
    """source id -> {disease, kinds, sections} for sources that declare ``disease_scope``."""
    return {s.id: {**s.disease_scope, "sections": s.sections}
            for s in cur.sources.values() if s.disease_scope}
