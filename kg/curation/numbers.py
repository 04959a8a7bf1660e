"""Reference numbers and statistics as a review's sentence writes them.

>>> parse_refs("relapse (27, 96-99) and [21,23–25] in 2019 (2019)", 104)
['21', '23', '24', '25', '27', '96', '97', '98', '99']
>>> [(s["measure"], s["value"], s.get("comparator")) for s in
...  parse_statistics("CR rates of 65% versus 34% (P = 0.02); a hazard ratio of 4.35")]
[('rate', 65, 34), ('HR', 4.35, None)]
>>> parse_statistics("TMTV exceeding 80 mL (n = 96)")[0]["measure"]
'cut-off'
"""
from __future__ import annotations

import re

NUM = r"\d+(?:\.\d+)?"
WORDS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten "
                                    "eleven twelve".split())}
FRACTIONS = {"half": 50, "a third": 33.3, "one third": 33.3, "two thirds": 66.7,
             "a quarter": 25, "one quarter": 25, "three quarters": 75}
COUNT = r"(\d+|(?i:" + "|".join(WORDS) + r"))"
_REF_GROUP = re.compile(r"[(\[]\s*(\d{1,3}(?:\s*[-–]\s*\d{1,3})?(?:\s*,\s*\d{1,3}"
                        r"(?:\s*[-–]\s*\d{1,3})?)*)\s*[)\]]")
# (measure, regex with groups value[, comparator][, unit][, a word that must come earlier]):
# the first pattern that matches a span reads it
_PATTERNS = (
    ("HR", re.compile(rf"(?:hazard ratio|\bHR)\s*(?:\(HR\)\s*)?(?:of|=|:|was)?\s*({NUM})", re.I)),
    ("OR", re.compile(rf"(?:odds ratio|\bOR)\s*(?:\(OR\)\s*)?(?:of|=|:|was)?\s*({NUM})")),
    ("AUC", re.compile(rf"\bAUC\s*(?:of|=|:|was)?\s*({NUM})")),
    ("range", re.compile(rf"(?:between\s+({NUM})\s*%?\s*and|\b({NUM})\s*%?\s*to)\s+({NUM})\s*(%)")),
    ("rate", re.compile(rf"({NUM})\s*%\s*(?:vs\.?|versus|and|compared with)\s*({NUM})\s*(%)")),
    # two arms: "11 months and 2 months, respectively", "22.06/mL vs. 3.02/mL", "... than in
    # responders (1.6 days)"; "and" joins two arms only when a number follows it directly
    ("median", re.compile(rf"median[^.;]{{0,60}}?\(?({NUM})\s*(days|months|years|weeks|"
                          rf"/\s*mL|mL)?\)?[^.;]{{0,80}}?(?:vs\.?|versus|and(?=\s*\(?{NUM})|than)"
                          rf"[^.;\d=<>]{{0,50}}?\(?({NUM})\s*(?:days|months|years|weeks|/\s*mL|mL)?",
                          re.I)),
    ("median", re.compile(rf"median[^.;\d]{{0,40}}?(?:of|was|=|\()\s*({NUM})\s*(days|months|"
                          rf"years|weeks)?", re.I)),
    # a further endpoint's median in the same words: "median PFS (3 months) and OS (19 months)"
    ("median", re.compile(rf"(?<=\band )[A-Z]{{2,4}}\s*\(({NUM})\s*(days|months|years|weeks)\)"),
     re.compile(r"median", re.I)),
    ("fold change", re.compile(rf"({NUM})(?:[- ]fold|\s+times\s+(?:as|higher|more|greater))")),
    ("fold change", re.compile(r"\b((?i:two|three|four|five|six|ten))fold")),
    # a share of a group: "less than 50% of infused patients", "upto 10% of cases",
    # "approximately half of patients" (not a rate: "rates of 65%")
    ("proportion", re.compile(rf"(?<!rates of )(?<!rate of )(?:(?:less|more|fewer) than\s+|"
                              rf"up\s*to\s+|approximately\s+|about\s+|nearly\s+)?({NUM})\s*%"
                              rf"(?=\s*(?:\(\d+/\d+\)\s*)?of\s+(?!the\s+(?:rate|total)\b))", re.I)),
    ("proportion", re.compile(rf"\b(?:approximately\s+|about\s+|nearly\s+|over\s+)?"
                              rf"((?i:{'|'.join(FRACTIONS)}))(?=\s+of\b)")),
    ("cut-off", re.compile(rf"cut-?off[^.;\d]{{0,30}}?(?:of|=|:|at)\s*({NUM})\s*(mL|%)?", re.I)),
    ("cut-off", re.compile(rf"\(\s*=\s*({NUM})\s*\)|\bwithin\s+({NUM})\s+(weeks|days|months)")),
    ("cut-off", re.compile(rf"(?<!\bP)(?<!\bP )(?:>|≥|<|≤|exceeding|above|below|greater than|more than|"
                           rf"higher than|lower than|less than)\s*({NUM})\s*(mL|mg/L|U/L|%|"
                           rf"ng/mL|pg/mL|cm|years)?")),
    ("rate", re.compile(rf"({NUM})\s*(%)")),
    # "Of the 38 patients in remission, 15 stayed": 15 counted among 38 (read in that order)
    ("count", re.compile(rf"\b[Oo]f\s+(?:the\s+|these\s+|all\s+)?{COUNT}\s+[^.;,%]{{0,80}}?,"
                         rf"\s*{COUNT}\b(?!\s*%)(?!\s+(?:years|months|weeks|days)\b)")),
    ("count", re.compile(rf"\b{COUNT}\s+(?:out\s+)?of\s+(?:the\s+)?{COUNT}\b(?!\s*%)")),
    ("count", re.compile(rf"\bn\s*=\s*(\d+)")),
    ("count", re.compile(r"\((\d+)/(\d+)\)")),
    ("count", re.compile(rf"(?<![\d.,])\b{COUNT}\s+(?:[A-Za-z/-]+\s+){{0,3}}patients?\b")),
    ("count", re.compile(rf"\bonly\s+{COUNT}\s+(?!of\b)[a-z]+")),
    ("count", re.compile(rf"(?<![\d.,%-])\b{COUNT}\s+(?:of them\s+)?(?:achieving|requiring|"
                         rf"relapsing|responding|progressing|dying|relapsed|died|responded|"
                         rf"progressed|developed|developing)\b")),
    ("count", re.compile(rf"\b(\d+)\s+of\s+(?:whom|them)\b")),
)
# A dose ("at least 1 × 10^6 CD22-CAR T cells/kg", "1.7 × 10^6 to 3 × 10^6 cells per kilogram"):
# not a figure of its own but the arm the figures of its clause were measured in.
DOSE = re.compile(rf"(?:(?:at least|up to|≥|>|≤|<)\s*)?{NUM}\s*[×x]\s*10\s*\^?\s*\d+"
                  rf"(?:\s*(?:to|-|–)\s*{NUM}\s*[×x]\s*10\s*\^?\s*\d+)?"
                  rf"(?:\s+[\w+-]+){{0,4}}?\s*(?:cells?)?\s*(?:/\s*kg|per\s+(?:kg|kilogram)"
                  rf"(?:\s+(?:of\s+)?body\s+weight)?)", re.I)
EFFECTS = ("HR", "OR", "AUC", "median")    # measures a following P-value qualifies
# "P = .02" (journal style without the leading zero) as well as "P = 0.02".
_P = re.compile(r"\bP\s*(=|<|>|≤)\s*(\d*\.\d+|\d+)", re.I)


def parse_refs(text: str, reference_count: int | None) -> list[str]:
    """The review's reference numbers cited in ``text`` ("(53)", "(54, 55)", "(12-17)",
    "[21,23–25]"), within 1..reference_count, sorted as numbers."""
    found: set[int] = set()
    for m in _REF_GROUP.finditer(text):
        group: set[int] = set()
        for part in m.group(1).split(","):
            lo, _, hi = part.replace("–", "-").partition("-")
            lo, hi = int(lo), int(hi or lo)
            group |= set(range(lo, hi + 1)) if lo <= hi <= lo + 30 else {lo, hi}
        if reference_count is None or all(1 <= r <= reference_count for r in group):
            found |= group
    return [str(r) for r in sorted(found)]


def _number(text: str):
    word = " ".join(text.lower().split())
    if word in WORDS:
        return WORDS[word]
    if word in FRACTIONS:
        return FRACTIONS[word]
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


def parse_statistics(text: str) -> list[dict]:
    """Statistics in ``text`` in the curation structure (measure, value, comparator, unit,
    p_value, p_qualifier, n, text): each span of the text is read by the first pattern that
    matches it; a p-value qualifies the statistic before it, or stands alone."""
    taken = bytearray(len(text))
    found = []
    refs = [m.span() for m in _REF_GROUP.finditer(text)]
    doses = [m for m in DOSE.finditer(text)]
    for m in doses:
        taken[m.start():m.end()] = b"\x01" * (m.end() - m.start())
    for measure, pattern, *earlier in _PATTERNS:
        for m in pattern.finditer(text):
            if any(taken[m.start():m.end()]) or any(a <= m.start() < b for a, b in refs):
                continue
            if earlier and not earlier[0].search(text, 0, m.start()):
                continue
            groups = [g for g in m.groups() if g]
            numeric = [g for g in groups if re.fullmatch(NUM, g) or g.lower() in WORDS
                       or " ".join(g.lower().split()) in FRACTIONS]
            units = [g for g in groups if g not in numeric]
            stat = {"measure": measure, "value": _number(numeric[0])}
            if measure == "count" and re.search(r"of\s+(?:whom|them)\b", m.group(0)) and \
                    (group := re.search(rf"{COUNT}\s+(?:[A-Za-z-]+\s+){{0,4}}?(?:patients|"
                                        r"children|adults|people)\b[^.;]*$", text[:m.start()])):
                stat["n"] = _number(group.group(1))
            if len(numeric) > 1 and measure == "count" and m.group(0)[:2].lower() == "of":
                stat["value"], stat["n"] = _number(numeric[1]), _number(numeric[0])
            elif len(numeric) > 1 and measure == "count":
                stat["n"] = _number(numeric[1])
            elif len(numeric) > 1:
                stat["comparator"] = _number(numeric[1])
            if units:
                stat["unit"] = re.sub(r"\s+", "", units[0])
            stat["text"] = m.group(0)
            stat["_at"] = m.start()
            taken[m.start():m.end()] = b"\x01" * (m.end() - m.start())
            found.append(stat)
    found.sort(key=lambda s: s["_at"])
    for p in _P.finditer(text):
        before = [s for s in found if s["_at"] < p.start() and s["measure"] != "p-value"]
        value = float(p.group(2))
        target = before[-1] if before and "p_value" not in before[-1] and (
            "comparator" in before[-1] or before[-1]["measure"] in EFFECTS) else None
        if target is None:
            target = {"measure": "p-value", "value": value, "text": p.group(0), "_at": p.start()}
            found.append(target)
        target["p_value"] = value
        if p.group(1) != "=":
            target["p_qualifier"] = p.group(1)
    _qualify(text, found, doses)
    for s in found:
        del s["_at"]
    return found


def _qualify(text: str, found: list[dict], doses: list[re.Match]) -> None:
    """Give each figure the dose of its clause as its ``arm``, and a rate stated right after a
    count ("11 of 15 patients (73%)") that count's denominator as its ``n``."""
    clauses = [0, *(m.end() for m in re.finditer(r"[;:]", text)), len(text) + 1]
    clause = lambda at: next(i for i, c in enumerate(clauses[1:]) if at < c)  # noqa: E731
    for s in found:
        dose = next((d for d in doses if clause(d.start()) == clause(s["_at"])), None)
        if dose is not None:
            s["arm"] = dose.group(0).strip()
    for before, after in zip(found, found[1:]):
        if before["measure"] == "count" and "n" in before and after["measure"] == "rate" \
                and after["_at"] - (before["_at"] + len(before["text"])) < 25:
            after["n"] = before["n"]


def statistic_spec(stat: dict) -> list[str]:
    """The statistic as ``cartkg curate import`` reads it: MEASURE=VALUE[unit][/COMPARATOR],
    then p=…, n=… and arm=…; nothing for a value written in words ("nine of eleven"), which
    the import cannot find in the quote."""
    if str(stat["value"]) not in stat["text"]:
        return []
    unit = stat.get("unit", "") if "/" not in stat.get("unit", "") else ""
    value = f"{stat['value']}{unit}"
    if "comparator" in stat:
        value += f"/{stat['comparator']}{unit}"
    out = [f"{stat['measure']}={value}"]
    if "p_value" in stat and stat["measure"] != "p-value":
        out.append(f"p{stat.get('p_qualifier', '=')}{stat['p_value']}")
    if "n" in stat:
        out.append(f"n={stat['n']}")
    if stat.get("arm"):
        out.append(f"arm={stat['arm']}")
    return out
