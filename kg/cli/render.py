"""Text output of the question commands, for a clinician to scan: what the text resolved to,
rows grouped by kind of action, the evidence level, CONTESTED and INHERITED marks, and every
quote in full (wrapped, never cut) with the relation it supports, NOT for negated items, the
hedge, the source and reference numbers, and the scope it comes from."""
from __future__ import annotations

import textwrap

from kg.answers.ranking import level_of

WIDTH = 100
ACTION_TITLES = {"prevention": "Prevention (before or at production, conditioning, consolidation)",
                 "monitoring": "Monitoring (after infusion)",
                 "treatment": "Treatment of the relapse or failure now",
                 "product-design": "Product design",
                 "unassigned": "Kind of action not recorded"}


def resolved_line(resolved: dict | None, scope: dict | None = None) -> str:
    if not resolved:
        return ""
    line = f"Answering for: {resolved['label']} ({resolved['category']})"
    if resolved["text"] != resolved["label"]:
        line += f" — from {resolved['text']!r}"
    if resolved.get("answered_as"):
        line += f"; read as {resolved['answered_as']}"
    asked = {k: v for k, v in (scope or {}).items() if v and k != "modality"}
    if asked:
        line += "\nScope: " + "; ".join(f"{k} {v}" for k, v in asked.items())
    return line


def evidence_block(items: list[dict], indent: str = "       ") -> list[str]:
    """Evidence items, each distinct quote shown once below the headers of the items citing it."""
    by_quote: dict[str, list[dict]] = {}
    for item in items:
        by_quote.setdefault(" ".join(item["quote"].split()), []).append(item)
    lines = []
    for group in by_quote.values():
        for item in group[:-1]:
            lines.append(evidence_lines(item, indent)[0])
        lines += evidence_lines(group[-1], indent)
    return lines


def evidence_lines(item: dict, indent: str = "       ") -> list[str]:
    """One evidence item: a header (level, NOT, relation, hedge, source, scope) and the quote."""
    level = level_of(item)[0]
    from kg.vocab import relation_words
    words = relation_words(item["predicate"]["iri"].rsplit("/", 1)[-1], item["negated"],
                           item["predicate"]["label"])
    relation = f"{item['subject']['label']} {words} {item['object']['label']}"
    source = f"doi:{item['source']}" if str(item["source"]).startswith("10.") \
        else str(item["source"])
    source += f" ref {','.join(item['refs'])}" if item["refs"] else \
        " (primary study)" if item.get("level") == "primary-study" else " ref review"
    marks = []
    if item.get("certainty") not in (None, "stated"):
        marks.append(item["certainty"].upper())
    study = item.get("study_type") or item["context"].get("study_type")
    if study:
        marks.append(study)
    scope = item.get("scope") or {}
    where = ", ".join(scope.get("disease", []) + scope.get("modality", []))
    if where:
        marks.append(where)
    if item.get("extrapolated"):
        why = "; ".join(item.get("extrapolated_because") or []) or "another setting"
        marks.append(f"EXTRAPOLATED from {why}")
    head = f"{indent}[level {level}] {relation} — {source}"
    if marks:
        head += f" ({'; '.join(marks)})"
    quote = textwrap.wrap(f"\u201c{item['quote']}\u201d", WIDTH - len(indent) - 2)
    studies = [f"{indent}  primary studies: {study_links(item)}"] \
        if item.get("primary_studies") else []
    return [head] + [f"{indent}  {line}" for line in quote] + studies


def study_links(item: dict) -> str:
    """'Ruella 2018 (Nat Med) <https://doi.org/…>' for each primary study of an evidence item."""
    return "; ".join(f"{s['label']} <{s['url']}>" if s["url"] else s["label"]
                     for s in item.get("primary_studies", []))


def strategy_text(answer: dict) -> str:
    """The whole ``strategy_answer`` as text, grouped by kind of action in rank order."""
    out = [resolved_line(answer["resolved"], answer.get("scope"))]
    groups: dict[str, list] = {}
    for rank, row in enumerate(answer["strategies"], 1):
        for action in row["action"] or ["unassigned"]:
            groups.setdefault(action, []).append((rank, row))
    for action, rows in groups.items():
        out.append(f"\n== {ACTION_TITLES.get(action, action)} ==")
        for rank, row in rows:
            out += _strategy_row(rank, row)
    if answer["withheld"]:
        out.append("\nNot offered (withheld):")
        out += [f"  - {w['strategy']}: {w['reason']}" for w in answer["withheld"]]
    return "\n".join(out) + "\n"


def _strategy_row(rank: int, row: dict) -> list[str]:
    basis = row["rank_basis"]
    marks = [f"best level {basis['best_level'] or '-'}",
             f"{basis['distinct_quotes']} distinct quote(s)"]
    if row["contested"]:
        marks.insert(0, "CONTESTED")
    if row["inherited"]:
        step = row["inherited_step"]
        marks.insert(0, f"INHERITED from {row['inherited']} ({step['from']} is a kind of it)")
    if row.get("extrapolated"):
        marks.insert(0, "EXTRAPOLATED")
    lines = [f"{rank}. {row['strategy']}  [{'; '.join(marks)}]",
             f"     addresses: {'; '.join(row['addresses']) or '-'}"]
    for step in row["explanation"]:
        lines.append(f"     {step['from']} --{step['relation']}--> {step['to']}")
    lines += evidence_block(row["evidence"])
    if row["conflicting_evidence"]:
        lines.append("     Contrary evidence:")
        lines += evidence_block(row["conflicting_evidence"])
    return lines


def mechanism_text(answer: dict) -> str:
    """The whole ``mechanism_answer`` as text."""
    out = [resolved_line(answer["resolved"], answer.get("scope"))]
    for rank, row in enumerate(answer["mechanisms"], 1):
        mark = "  [EXTRAPOLATED]" if row["extrapolated"] else ""
        out.append(f"{rank}. {row['mechanism']}{mark}")
        for step in row["explanation"]:
            out.append(f"     {step['from']} --{step['relation']}--> {step['to']}")
        out += evidence_block(row["evidence"])
    if answer.get("withheld"):
        out.append("\nNot shown (another therapy):")
        out += [f"  - {w['mechanism']}: {w['reason']}" for w in answer["withheld"]]
    return "\n".join(out) + "\n"
