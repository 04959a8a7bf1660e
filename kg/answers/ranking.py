"""How strongly evidence supports an answer row, and the order of rows, as a haematologist
reads them (``shared/CLINIC.md``): one place for every question command.

Each evidence item has a level from A (strongest) to E — its own ``evidence_level.level`` (the
rubric's, ``kg.curation.levels``) when it carries one, otherwise a provisional level from its
study type, one step lower when hedged and one more when extrapolated (``level_of``).

A row is ordered by what backs it as a whole (1, 2), then by its strongest supporting item:
1. backed by patients before backed only by animal or in-vitro work (``preclinical_only``);
2. observed before only hypothesised or not yet observed (``hypothesis_only``);
3. not outweighed before outweighed: a direct, independent contrary item at least as strong
   as the best support;
4. the level; 5. the certainty (stated > hedged > hypothesis > not yet observed);
6. the directness (direct before extrapolated);
7. independent agreement: distinct sentences (a sentence repeated by ten items is one), then
   distinct sources.

Caveats stated in the supporting sentence are collected and shown, never subtracted.
``contested`` comes only from independent evidence: a contrary item whose sentence is not one
of the supporting sentences (the same sentence qualifying its own claim is a caveat, listed in
``same_sentence``). ``rank_basis["summary"]`` says all this in words.

>>> level_of({"study_type": "clinical trial", "certainty": "hedged", "context": {}})
('C', 'clinical trial, hedged (provisional)')
>>> row = rank_row([{"quote": "q", "context": {"study_type": "retrospective cohort"}}], [])
>>> row["best_level"], row["score"], row["contested"]
('C', 3.0, False)
>>> row["summary"]
'best evidence level C · stated · retrospective cohort; 1 independent sentence from 1 source'
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
CERTAINTY_ORDER = ("stated", "hedged", "hypothesis", "not-yet-observed")
HYPOTHETICAL = {"hypothesis", "not-yet-observed"}
PRECLINICAL = {"preclinical animal model", "preclinical", "in vitro"}
FURTHER = 0.25        # weight of each further distinct quote, and of each further contrary one
TIERS = ("direct", "inherited")


def _lower(level: str) -> str:
    return LEVELS[min(LEVELS.index(level) + 1, len(LEVELS) - 1)]


def study_type_of(item: dict) -> str | None:
    return item.get("study_type") or (item.get("context") or {}).get("study_type")


def is_extrapolated(item: dict) -> bool:
    return bool(item.get("extrapolated")) or item.get("directness") == "extrapolated"


def certainty_of(item: dict) -> str:
    return item.get("certainty") or "stated"


def is_preclinical(item: dict) -> bool:
    return study_type_of(item) in PRECLINICAL


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
    if certainty_of(item) != "stated":
        level, basis = _lower(level), basis + [item["certainty"]]
    if is_extrapolated(item):
        level, basis = _lower(level), basis + ["extrapolated"]
    return level, ", ".join(basis) + " (provisional)"


def item_key(item: dict) -> tuple:
    """How strong one item is; smaller is stronger (the order of the module docstring)."""
    return (is_preclinical(item), certainty_of(item) in HYPOTHETICAL,
            LEVELS.index(level_of(item)[0]), CERTAINTY_ORDER.index(certainty_of(item))
            if certainty_of(item) in CERTAINTY_ORDER else 0, is_extrapolated(item))


def level_words(item: dict, directness: bool = True) -> str:
    """'level C · stated · single-arm trial' (and 'extrapolated' when it is and
    ``directness`` is asked for)."""
    words = [f"level {level_of(item)[0]}", certainty_of(item).replace("-", " "),
             study_type_of(item) or "study type not stated"]
    if directness and is_extrapolated(item):
        words.append("extrapolated")
    return " · ".join(words)


def quote_key(item: dict) -> str:
    return normalise_whitespace(item.get("quote", "")).lower()


def _distinct(items: list[dict]) -> list[dict]:
    """One item per distinct quote, the strongest of those sharing it; strongest first."""
    best: dict[str, dict] = {}
    for item in items:
        key = quote_key(item)
        if key not in best or item_key(item) < item_key(best[key]):
            best[key] = item
    return sorted(best.values(), key=item_key)


def _weighted(levels: list[str]) -> float:
    if not levels:
        return 0.0
    return POINTS[levels[0]] + FURTHER * sum(POINTS[x] for x in levels[1:])


def caveats_of(items: list[dict]) -> list[dict]:
    """The distinct caveats of ``items`` (``{"text", "kind", "evidence"}``), in item order."""
    out: dict[str, dict] = {}
    for item in items:
        caveat = item.get("caveat")
        if caveat and caveat.get("text"):
            out.setdefault(caveat["text"], {"text": caveat["text"], "kind": caveat.get("kind"),
                                            "evidence": item.get("id")})
    return list(out.values())


def independent(evidence: list[dict], contrary: list[dict]) -> tuple[list[dict], list[dict]]:
    """``contrary`` split into items from another sentence (independent evidence against the
    row) and items from one of the supporting sentences: a qualification of the claim ("an
    option, but with limited durability"; "responses in X, but not in Y" when X is what
    supports the row here), shown as a caveat. Asked about Y itself, the sentence does not
    support the row, so the same item is independent evidence against it."""
    own = {quote_key(e) for e in evidence}
    return ([c for c in contrary if quote_key(c) not in own],
            [c for c in contrary if quote_key(c) in own])


def rank_row(evidence: list[dict], contrary: list[dict], inherited: str | None = None) -> dict:
    """The ``rank_basis`` of one answer row: supporting ``evidence``, ``contrary`` evidence,
    and the broader mechanism it was ``inherited`` through (None when direct)."""
    against, same = independent(evidence, contrary)
    support = _distinct(evidence)
    opposed = _distinct(against)
    best = support[0] if support else None
    strongest_against = next((c for c in opposed if not is_extrapolated(c)), None)
    outweighed = bool(best and strongest_against
                      and item_key(strongest_against) <= item_key(best))
    levels = [level_of(i)[0] for i in support]
    penalty = _weighted([level_of(i)[0] for i in opposed])
    basis = {"tier": TIERS[1] if inherited else TIERS[0],
             "best_level": levels[0] if levels else None,
             "best_certainty": certainty_of(best) if best else None,
             "best_study_type": study_type_of(best) if best else None,
             "best_directness": ("extrapolated" if is_extrapolated(best) else "direct")
             if best else None,
             "best_evidence": best["id"] if best and "id" in best else None,
             "preclinical_only": bool(support) and all(is_preclinical(i) for i in support),
             "hypothesis_only": bool(support) and all(certainty_of(i) in HYPOTHETICAL
                                                      for i in support),
             "outweighed": outweighed,
             "levels": {lv: levels.count(lv) for lv in LEVELS if lv in levels},
             "distinct_quotes": len(support),
             "distinct_sources": len({i.get("source") for i in support}),
             "evidence_items": len(evidence),
             "repeated_quotes": len(evidence) - len(support),
             "extrapolated_items": sum(1 for e in evidence if is_extrapolated(e)),
             "contrary_items": len(against),
             "contrary_levels": [level_of(i)[0] for i in opposed],
             "same_sentence": sorted(c.get("id", "") for c in same),
             "penalty": round(penalty, 2),
             "score": round(_weighted(levels) - penalty, 2),
             "contested": bool(against),
             "caveats": caveats_of(evidence) + [
                 {"text": c.get("claim", ""), "kind": "same sentence", "evidence": c.get("id")}
                 for c in same],
             "provisional_levels": any(not isinstance(e.get("evidence_level"), dict)
                                       or e["evidence_level"].get("level") not in POINTS
                                       for e in evidence + contrary)}
    # the row's own principles first (patients before laboratory only, observed before only
    # proposed), then the strength of its best item
    basis["key"] = [basis["preclinical_only"], basis["hypothesis_only"], outweighed] \
        + list(item_key(best)[2:]) if best else [True, True, True, len(LEVELS),
                                                  len(CERTAINTY_ORDER), True]
    basis["summary"] = summary(basis, best, inherited)
    return basis


def summary(basis: dict, best: dict | None, inherited: str | None) -> str:
    """``rank_basis`` in words a clinician reads."""
    if best is None:
        return "no supporting evidence"
    words = [f"best evidence {level_words(best)}"]
    if basis["preclinical_only"]:
        words.append("animal or in-vitro evidence only")
    if basis["hypothesis_only"]:
        words.append("proposed, not observed")
    n, s = basis["distinct_quotes"], basis["distinct_sources"]
    words.append(f"{n} independent sentence{'s' * (n != 1)} from {s} source{'s' * (s != 1)}")
    if inherited:
        words.append(f"inherited from {inherited}")
    if basis["contested"]:
        words.append(f"contested by {basis['contrary_items']} item(s) from other sentences"
                     + (" at least as strong" if basis["outweighed"] else ""))
    if basis["caveats"]:
        words.append("caveat: " + "; ".join(c["text"] for c in basis["caveats"]))
    return "; ".join(words)


def sort_key(basis: dict, name: str) -> tuple:
    """Order of rows: direct before inherited, then the strength key of ``rank_row``, then
    independent agreement, then name."""
    return (TIERS.index(basis["tier"]), *basis["key"], -basis["distinct_quotes"],
            -basis["distinct_sources"], basis["contested"], name.lower())
