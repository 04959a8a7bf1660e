"""The evidence level of an item, computed (never typed) from its study type, certainty,
directness and statistics, in the spirit of CIViC's A–E levels.

Rubric (README.md shows it as a table):

1. Start from the study type: randomised controlled trial **A**; single-arm trial, clinical
   trial, prospective cohort **B**; retrospective cohort, observational study, mixed, case
   report **C**; preclinical animal model, in vitro, preclinical **D**; review statement **E**.
2. Statistics: a retrospective cohort, observational study or mixed item with a significant
   p-value (p < 0.05) rises one level; a clinical item (A–C) whose largest stated cohort is
   smaller than 20 falls one.
3. Certainty: ``hedged`` falls one level; ``hypothesis`` and ``not-yet-observed`` are **E**.
4. Directness: ``extrapolated`` (from another disease, product or setting) falls one level.

Never above A nor below E. Without a study type, certainty or directness the item is not rated
(level ``None``), so a missing field never passes for evidence.

>>> evidence_level("single-arm trial", "stated", "direct", [(101, None, None)])
('B', 'B: single-arm trial, stated, direct, n=101')
>>> evidence_level("retrospective cohort", "hedged", "direct", [(None, 0.019, "=")])
('C', 'C: retrospective cohort, hedged (-1), direct, p=0.019 (significant, +1)')
>>> evidence_level("preclinical animal model", "stated", "extrapolated", [])
('E', 'E: preclinical animal model, stated, extrapolated (-1)')
>>> evidence_level(None, "stated", "direct", [])
(None, 'not rated: study type missing')
"""
from __future__ import annotations

LEVELS = ("A", "B", "C", "D", "E")
STUDY_TYPE_LEVEL = {
    "randomised controlled trial": "A",
    "single-arm trial": "B", "clinical trial": "B", "prospective cohort": "B",
    "retrospective cohort": "C", "observational study": "C", "mixed": "C", "case report": "C",
    "preclinical animal model": "D", "in vitro": "D", "preclinical": "D",
    "review statement": "E",
}
RISES_WITH_SIGNIFICANCE = ("retrospective cohort", "observational study", "mixed")
SMALL_COHORT = 20
SIGNIFICANT = 0.05


def _shift(level: str, steps: int) -> str:
    return LEVELS[min(max(LEVELS.index(level) + steps, 0), len(LEVELS) - 1)]


def evidence_level(study_type: str | None, certainty: str | None, directness: str | None,
                   statistics: list[tuple[int | None, float | None, str | None]]
                   ) -> tuple[str | None, str]:
    """(level, basis) for one item; ``statistics`` holds (n, p_value, p_qualifier) of each of
    its statistics (None where not stated)."""
    for name, value in (("study type", study_type), ("certainty", certainty),
                        ("directness", directness)):
        if not value:
            return None, f"not rated: {name} missing"
    if study_type not in STUDY_TYPE_LEVEL:
        return None, f"not rated: unknown study type {study_type!r}"
    level, stats = STUDY_TYPE_LEVEL[study_type], []
    sizes = [n for n, _, _ in statistics if n]
    significant = [(p, q or "=") for _, p, q in statistics
                   if p is not None and (p < SIGNIFICANT or (p == SIGNIFICANT and q == "<"))]
    if significant and study_type in RISES_WITH_SIGNIFICANCE:
        p, q = min(significant)
        level = _shift(level, -1)
        stats.append(f"p{q}{p:g} (significant, +1)")
    if sizes and max(sizes) < SMALL_COHORT and LEVELS.index(level) <= LEVELS.index("C"):
        level = _shift(level, 1)
        stats.append(f"n={max(sizes)} (small cohort, -1)")
    elif sizes:
        stats.append(f"n={max(sizes)}")
    if certainty in ("hypothesis", "not-yet-observed"):
        level, certainty = "E", f"{certainty} (E)"
    elif certainty == "hedged":
        level, certainty = _shift(level, 1), "hedged (-1)"
    if directness == "extrapolated":
        level, directness = _shift(level, 1), "extrapolated (-1)"
    return level, f"{level}: " + ", ".join([study_type, certainty, directness, *stats])
