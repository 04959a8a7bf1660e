"""Text output of the question commands, as a clinician reads it (``shared/CLINIC.md``): what
the words were taken to mean, then one line per option — the option, what it addresses, the
best level with its certainty and study type in words, the caveat, and CONTESTED,
INHERITED or EXTRAPOLATED marks — grouped by kind of action and numbered in the order printed;
then what was withheld and why. ``explain=True`` adds, below each line, the chain, and each
quote with its relation, source and reference numbers; a quote is printed once per answer
(later rows point back to it)."""
from __future__ import annotations

import textwrap

from kg.answers.ranking import level_of, level_words

WIDTH = 100
KIND_TITLES = {"treatment": "Treat the relapse or failure now",
               "product-design": "Change the product (next CAR-T design)",
               "monitoring": "Monitor or diagnose",
               "prevention": "Prevent (before or at production, conditioning, consolidation)",
               "unassigned": "Kind of action not recorded"}


def resolved_line(resolved: dict | None, scope: dict | None = None) -> str:
    if not resolved:
        return ""
    line = f"Answering for: {resolved['label']} ({resolved['category']})"
    if resolved["text"] != resolved["label"]:
        line += f" — from {resolved['text']!r}"
    if resolved.get("answered_as"):
        line += f"; read as {resolved['answered_as']}"
    names = {"after": "after (failed)", "therapy": "considering"}
    asked = {names.get(k, k): v for k, v in (scope or {}).items()
             if v and k not in ("modality", "after_modality")}
    if asked:
        line += "\nSituation: " + "; ".join(f"{k} {v}" for k, v in asked.items())
    return line


class Quotes:
    """The quotes already printed in one answer, so none is printed twice."""

    def __init__(self):
        self.seen: dict[str, str] = {}

    def block(self, items: list[dict], indent: str = "       ", where: str = "") -> list[str]:
        """Evidence items: a header each, the quote below the first item citing it."""
        lines = []
        for item in items:
            key = " ".join(item["quote"].split())
            head = evidence_lines(item, indent)
            if key in self.seen:
                lines.append(f"{head[0]} (quote as at {self.seen[key]})")
            else:
                self.seen[key] = where or "above"
                lines += head
        return lines


def evidence_block(items: list[dict], indent: str = "       ") -> list[str]:
    """Evidence items, each distinct quote shown once below the header of the items citing it."""
    return Quotes().block(items, indent)


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
    if item.get("caveat"):
        marks.append(f"caveat: {item['caveat']['text']}")
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


def _best(row: dict) -> dict | None:
    best = row["rank_basis"].get("best_evidence")
    return next((e for e in row["evidence"] if e["id"] == best), None)


def _marks(row: dict) -> list[str]:
    """The words after the option: level · certainty · study type, marks and caveats."""
    best = _best(row)
    marks = [level_words(best, directness=not row.get("extrapolated"))
             if best else "no supporting evidence"]
    if row["rank_basis"].get("preclinical_only"):
        marks.append("animal/in-vitro only")
    if row.get("contested"):
        marks.append("CONTESTED")
    if row.get("inherited"):
        marks.append(f"INHERITED from {row['inherited']}")
    if row.get("extrapolated"):
        why = sorted({w for e in row["evidence"] for w in e.get("extrapolated_because") or []})
        marks.append("EXTRAPOLATED" + (f" ({'; '.join(why)})" if why else ""))
    marks += [f"caveat: {c['text']}" for c in row.get("caveats", [])]
    return marks


def _addresses(names: list[str], limit: int = 2) -> str:
    if len(names) <= limit:
        return "; ".join(names) or "-"
    return "; ".join(names[:limit]) + f" +{len(names) - limit} more"


def _details(row: dict, quotes: Quotes, number: int, explain: bool) -> list[str]:
    if not explain:
        return []
    lines = [f"     {s['from']} --{s['relation']}--> {s['to']}" for s in row["explanation"]]
    if row.get("addresses") and len(row["addresses"]) > 2:
        lines.append(f"     addresses: {'; '.join(row['addresses'])}")
    lines.append(f"     why here: {row['rank_basis']['summary']}")
    lines += quotes.block(row["evidence"], where=f"{number}")
    if row.get("conflicting_evidence"):
        lines.append("     Contrary evidence (other sentences):")
        lines += quotes.block(row["conflicting_evidence"], where=f"{number}")
    if row.get("therapy_evidence"):
        lines.append("     What the therapies it uses did (not counted in the rank):")
        lines += quotes.block(row["therapy_evidence"], where=f"{number}")
    return lines


def strategy_text(answer: dict, explain: bool = False) -> str:
    """The whole ``strategy_answer`` as text: one line per option under the title of its kind
    of action, numbered in the order printed."""
    out = [resolved_line(answer["resolved"], answer.get("scope"))]
    quotes, kind, number = Quotes(), None, 0
    for row in answer["strategies"]:
        if row.get("kind", "unassigned") != kind:
            kind = row.get("kind", "unassigned")
            out.append(f"== {KIND_TITLES.get(kind, kind)} ==")
        number += 1
        out.append(f"{number}. {row['strategy']} · for {_addresses(row['addresses'])} · "
                   + " · ".join(_marks(row)))
        out += _details(row, quotes, number, explain)
    out += _withheld(answer.get("withheld", []), "strategy", explain)
    if not explain and answer["strategies"]:
        out.append("(--explain: chains, quotes and references)")
    return "\n".join(out) + "\n"


def _withheld(withheld: list[dict], key: str, explain: bool) -> list[str]:
    """What was left out and why: every one with --explain, else a count and the first few."""
    if not withheld:
        return []
    shown = withheld if explain else withheld[:3]
    lines = [f"Not offered ({len(withheld)}):"]
    lines += [f"  - {w[key]}: {w['reason']}" for w in shown]
    if len(shown) < len(withheld):
        lines.append(f"  … {len(withheld) - len(shown)} more (--explain lists them)")
    return lines


def mechanism_text(answer: dict, explain: bool = False) -> str:
    """The whole ``mechanism_answer`` as text, one line per mechanism."""
    out = [resolved_line(answer["resolved"], answer.get("scope"))]
    quotes = Quotes()
    for number, row in enumerate(answer["mechanisms"], 1):
        fit = f" · fits {', '.join(row['fit'])}" if row.get("fit") else ""
        out.append(f"{number}. {row['mechanism']}{fit} · " + " · ".join(_marks(row)))
        out += _details(row, quotes, number, explain)
    out += _withheld(answer.get("withheld", []), "mechanism", explain)
    return "\n".join(out) + "\n"


def evaluation_text(doc: dict, explain: bool = False) -> str:
    """An ``evaluate`` answer: the summary, then one line per item (against first)."""
    out = [f"Evaluating: {doc['evaluated']['label']}"
           + (f" (with {', '.join(c for c in doc['considered'] if c != doc['evaluated']['label'])})"
              if len(doc["considered"]) > 1 else ""),
           f"In short: {doc['summary']}"]
    quotes = Quotes()
    for number, item in enumerate(doc["answer"], 1):
        where = {"situation": "about this situation", "elsewhere": "elsewhere",
                 "unstated": "no situation stated"}[item["bears_on"]]
        caveat = f" · caveat: {item['caveat']['text']}" if item.get("caveat") else ""
        out.append(f"{number}. {item['stance'].upper()} ({where}): {item['claim']} · "
                   f"{level_words(item)}{caveat}")
        if explain:
            out += quotes.block([item], where=f"{number}")
    return "\n".join(out) + "\n"
