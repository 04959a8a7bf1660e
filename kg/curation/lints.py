"""Lints on the evidence items that fail the build: claims that contradict their own quote or
fields, or that leave out what a reader needs to weigh them. Each problem names the file, the
line, the field and a fix.

``ontology/curation/lints.yaml`` may list lints not yet enforced on a project's data
(``pending: [name, ...]``) while curators fill the fields in; ``cartkg curate add`` holds new
items to every lint regardless.

>>> sorted(LINTS)  # doctest: +NORMALIZE_WHITESPACE
['deprecated-study-type', 'duplicate-claim', 'hedge-stated', 'missing-evidence-fields',
 'predicate-direction', 'shared-statistic']
"""
from __future__ import annotations

from collections import defaultdict
from pathlib import Path

from kg.curation.cues import hedge_cues
from kg.curation.sources import Curation, Evidence
from kg.errors import CurationError

# (predicate, direction) pairs that contradict each other, with why.
CONTRADICTIONS = {
    ("improves", "unfavourable"): "'improves' says the effect is good for the patient",
    ("addresses", "unfavourable"): "'addresses' says the strategy counters the mechanism",
    ("contributesTo", "favourable"): "'contributesTo' says it feeds a resistance mechanism",
    ("leadsTo", "favourable"): "'leadsTo' says a resistance mechanism brings the outcome about",
}
UNDIRECTED = ("kindOf",)                     # taxonomy: a direction means nothing here
SHARED_OK = ("count", "cut-off")             # cohort sizes and thresholds describe a study


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
    problems = []
    for name, lint in LINTS.items():
        if name not in pending:
            problems.extend(CurationError(p.path, p.line, p.field, f"{p.problem} [{name}]", p.fix)
                            for p in lint(items, cur.evidence))
    return sorted(problems, key=lambda p: (p.path, p.line, p.field))
