"""How strongly evidence supports an answer row, and the order of rows: one place, so that the
evidence levels of the evidence-weight rubric slot in as soon as the items carry them.

Each evidence item gets a level from A (strongest) to E:
- its own ``evidence_level.level`` when the item carries one (the rubric's answer);
- otherwise a provisional level from its study type (randomised trial A; single-arm or other
  clinical trial and prospective cohort B; retrospective cohort, observational study, mixed C;
  case report and animal model D; in vitro and review statement E; a primary study of unstated
  type D, a review statement E), one step lower when the item hedges (``certainty`` other than
  ``stated``) and one step lower when it is extrapolated from another disease, therapy or
  population.

A row's score is its best level's points (A 5 … E 1) plus a quarter of the points of each
further distinct quote (each distinct quote counts once, however many items or table cells
repeat it), minus the points of its strongest contrary item and a quarter of each further one
(negated items, items linked by ``conflictsWith``). Rows are ordered by tier first — direct
answers, then answers inherited from a broader mechanism — then by score, then by the number
of distinct quotes. ``rank_basis`` records every one of these numbers.

>>> level_of({"study_type": "clinical trial", "certainty": "hedged", "context": {}})
('C', 'clinical trial, hedged (provisional)')
>>> row = rank_row([{"quote": "q", "context": {"study_type": "retrospective cohort"}}], [])
>>> row["best_level"], row["score"], row["contested"]
('C', 3.0, False)
"""
from __future__ import annotations

from kg.text import normalise_whitespace

LEVELS = "ABCDE"
POINTS = {"A": 5, "B": 4, "C": 3, "D": 2, "E": 1}
STUDY_LEVEL = {"randomised controlled trial": "A", "single-arm trial": "B",
               "clinical trial": "B", "prospective cohort": "B", "retrospective cohort": "C",
               "observational study": "C", "mixed": "C", "case report": "D",
               "preclinical animal model": "D", "preclinical": "D", "in vitro": "E",
               "review statement": "E"}
FURTHER = 0.25        # weight of each further distinct quote, and of each further contrary one
TIERS = ("direct", "inherited")


def _lower(level: str) -> str:
    return LEVELS[min(LEVELS.index(level) + 1, len(LEVELS) - 1)]


def study_type_of(item: dict) -> str | None:
    return item.get("study_type") or (item.get("context") or {}).get("study_type")


def is_extrapolated(item: dict) -> bool:
    return bool(item.get("extrapolated")) or item.get("directness") == "extrapolated"


def level_of(item: dict) -> tuple[str, str]:
    """``(level, basis)`` of one evidence item: the rubric's when present, else provisional."""
    given = item.get("evidence_level")
    if isinstance(given, dict) and given.get("level") in POINTS:
        return given["level"], given.get("basis") or "evidence level"
    study = study_type_of(item)
    if study in STUDY_LEVEL:
        level, basis = STUDY_LEVEL[study], [study]
    elif item.get("level") == "primary-study":
        level, basis = "D", ["primary study of unstated type"]
    else:
        level, basis = "E", ["review statement"]
    if item.get("certainty") not in (None, "stated"):
        level, basis = _lower(level), basis + [item["certainty"]]
    if is_extrapolated(item):
        level, basis = _lower(level), basis + ["extrapolated"]
    return level, ", ".join(basis) + " (provisional)"


def _distinct(items: list[dict]) -> list[tuple[str, dict]]:
    """One (level, item) per distinct quote, the strongest level of those sharing it; strongest
    first."""
    best: dict[str, tuple[str, dict]] = {}
    for item in items:
        level = level_of(item)[0]
        key = normalise_whitespace(item.get("quote", "")).lower()
        if key not in best or POINTS[level] > POINTS[best[key][0]]:
            best[key] = (level, item)
    return sorted(best.values(), key=lambda t: -POINTS[t[0]])


def _weighted(levels: list[str]) -> float:
    if not levels:
        return 0.0
    return POINTS[levels[0]] + FURTHER * sum(POINTS[x] for x in levels[1:])


def rank_row(evidence: list[dict], contrary: list[dict], inherited: str | None = None) -> dict:
    """The ``rank_basis`` of one answer row: supporting ``evidence``, ``contrary`` evidence,
    and the broader mechanism it was ``inherited`` through (None when direct)."""
    support = [lv for lv, _ in _distinct(evidence)]
    against = [lv for lv, _ in _distinct(contrary)]
    counts = {lv: support.count(lv) for lv in LEVELS if lv in support}
    penalty = _weighted(against)
    return {"tier": TIERS[1] if inherited else TIERS[0],
            "best_level": support[0] if support else None,
            "levels": counts,
            "distinct_quotes": len(support),
            "evidence_items": len(evidence),
            "repeated_quotes": len(evidence) - len(support),
            "extrapolated_items": sum(1 for e in evidence if is_extrapolated(e)),
            "contrary_items": len(contrary),
            "contrary_levels": against,
            "penalty": round(penalty, 2),
            "score": round(_weighted(support) - penalty, 2),
            "contested": bool(contrary),
            "provisional_levels": any(not isinstance(e.get("evidence_level"), dict)
                                      for e in evidence + contrary)}


def sort_key(basis: dict, name: str) -> tuple:
    """Order of rows: direct before inherited, then score, then distinct quotes, then name."""
    return (TIERS.index(basis["tier"]), -basis["score"], -basis["distinct_quotes"], name.lower())
