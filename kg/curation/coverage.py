"""How much of each source text the graph cites (``cartkg coverage``).

A sentence *mentions* the graph when it names an entity (label or synonym; short all-capital
names such as ALL must match case); it is *cited* when evidence quotes from that source cover
at least half of its characters (quotes are verbatim, so their places in the text are exact;
a flattened table counts as cited when its cells are). The uncited mentioning sentences are the curator's to-do list.
Each report also says how many of the reference numbers the source's evidence cites the
primary-study register resolves, and lists the numbers the text names by first author or trial
that are not resolved yet (``references``).

Example (on the real graph; checked by tests/curation/test_examples.py)::

    report = coverage(project_paths())
    xu = next(r for r in report if r["source"] == "10.3389/fimmu.2023.1110028")
    xu["by_kind"]["biomarker"]["mentioning"] > 0      # True
"""
from __future__ import annotations

import re

from kg.curation.sources import Curation, Source, load_curation
from kg.paths import ProjectPaths

CITED = re.compile(r"[(\[](\d+(?:\s*[-–]\s*\d+)?(?:\s*,\s*\d+(?:\s*[-–]\s*\d+)?)*)[)\]]")
AUTHOR_NAMED = re.compile(r"\b([A-Z][A-Za-z'’-]+) et al\.?\s*" + CITED.pattern)
SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[])")
FURNITURE = re.compile(r"https?://\S+|mailto:\S+|\b\d\d frontiersin\.org\b|Pdf_Folio:\d+")
ABBREVIATIONS = ("et al.", "vs.", "e.g.", "i.e.", "Fig.", "no.")


def sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) pairs of a whitespace-normalised text; page furniture is blanked
    (same length, so offsets stay those of the text)."""
    text = FURNITURE.sub(lambda m: " " * len(m.group(0)), text)
    protected = text
    for abbr in ABBREVIATIONS:
        protected = protected.replace(abbr, abbr.replace(".", "\x00"))
    out, start = [], 0
    for m in SENTENCE_END.finditer(protected):
        out.append((start, text[start:m.start()]))
        start = m.end()
    out.append((start, text[start:]))
    return [(o + len(s) - len(s.lstrip()), s.strip()) for o, s in out if len(s.split()) >= 4]


def _name_pattern(cur: Curation) -> re.Pattern:
    names = {n for e in cur.entities.values() for n in [e.label, *e.synonyms] if len(n) >= 2}
    exact = sorted((n for n in names if len(n) <= 4 and n.upper() == n), key=len, reverse=True)
    loose = sorted((n for n in names if n not in exact), key=len, reverse=True)
    parts = [rf"(?-i:{re.escape(n)})" for n in exact] + [re.escape(n) for n in loose]
    return re.compile(r"(?<![\w-])(?:" + "|".join(parts) + r")(?![\w-])", re.IGNORECASE)


def _covered(text: str, quotes: list[str]) -> bytearray:
    """1 for every character of ``text`` inside an occurrence of some quote."""
    mask = bytearray(len(text))
    for q in set(quotes):
        start = text.find(q)
        while start >= 0:
            mask[start:start + len(q)] = b"\x01" * len(q)
            start = text.find(q, start + 1)
    return mask


def _section_at(source: Source, text: str, offset: int) -> dict:
    current = {"kind": "other", "title": ""}
    starts = sorted((text.find(s["starts"]), s) for s in source.sections if s["starts"] in text)
    for pos, sec in starts:
        if pos <= offset:
            current = sec
    return current


def source_coverage(source: Source, cur: Curation, pattern: re.Pattern) -> dict:
    text = source.normalised_text or ""
    mask = _covered(text, [e.quote for e in cur.evidence if e.source == source.id])
    by_kind: dict[str, dict] = {}
    uncited = []
    for offset, sentence in sentences(text):
        mentions = sorted({m.group(0) for m in pattern.finditer(sentence)})
        if not mentions:
            continue
        cited = sum(mask[offset:offset + len(sentence)]) * 2 >= len(sentence)
        section = _section_at(source, text, offset)
        counts = by_kind.setdefault(section["kind"], {"mentioning": 0, "cited": 0})
        counts["mentioning"] += 1
        counts["cited"] += cited
        if not cited:
            uncited.append({"section": section["title"], "sentence": " ".join(sentence.split()),
                            "mentions": mentions})
    for counts in by_kind.values():
        counts["percent"] = round(100 * counts["cited"] / counts["mentioning"], 1)
    total_m = sum(c["mentioning"] for c in by_kind.values())
    total_c = sum(c["cited"] for c in by_kind.values())
    return {"source": source.doi or source.id, "id": source.id, "mentioning": total_m,
            "cited": total_c, "percent": round(100 * total_c / total_m, 1) if total_m else 0.0,
            "by_kind": dict(sorted(by_kind.items())), "uncited": uncited}


def _numbers(group: str, limit: int | None) -> list[str]:
    """'41-43, 45' -> ['41', '42', '43', '45'], keeping only numbers in 1..limit."""
    out = []
    for part in group.split(","):
        bounds = [int(x) for x in re.split(r"[-–]", part) if x.strip()]
        lo, hi = bounds[0], bounds[-1]
        if 0 <= hi - lo < 50:
            out += [str(n) for n in range(lo, hi + 1) if not limit or 1 <= n <= limit]
    return out


def _trial_names(cur: Curation) -> list[str]:
    return sorted({n for e in cur.entities.values() if e.type == "ClinicalTrial"
                   for n in [e.label, *e.synonyms] if len(n) >= 4}, key=len, reverse=True)


def reference_coverage(source: Source, cur: Curation) -> dict:
    """How many of the reference numbers that the source's evidence cites the primary-study
    register resolves, and the to-do: numbers the text names by first author ('Kotani et al.
    (13)') or by trial ('ZUMA-1 trial (4)') that the register does not resolve yet."""
    text = source.normalised_text or ""
    cited = sorted({r for ev in cur.evidence if ev.source == source.id for r in ev.refs}, key=int)
    resolved = [r for r in cited if (source.id, r) in cur.citations]
    named: dict[str, dict] = {}
    for m in AUTHOR_NAMED.finditer(text):
        for ref in _numbers(m.group(2), source.reference_count):
            named.setdefault(ref, {"ref": ref, "named_by": "author", "name": m.group(1),
                                   "words": m.group(0)})
    trials = _trial_names(cur)
    for _, sentence in sentences(text):
        trial = next((t for t in trials if re.search(rf"(?<![\w-]){re.escape(t)}(?![\w-])", sentence)), None)
        if trial:
            for m in CITED.finditer(sentence):
                for ref in _numbers(m.group(1), source.reference_count):
                    named.setdefault(ref, {"ref": ref, "named_by": "trial", "name": trial,
                                           "words": " ".join(sentence.split())})
    todo = [n for ref, n in sorted(named.items(), key=lambda t: int(t[0]))
            if (source.id, ref) not in cur.citations]
    return {"cited": len(cited), "resolved": len(resolved),
            "register": sum(1 for (src, _) in cur.citations if src == source.id),
            "named": len(named), "named_resolved": len(named) - len(todo),
            "unresolved_named": todo}


def references_markdown(report: list[dict]) -> str:
    """The README table of resolved reference numbers, from ``coverage`` (a test keeps the
    README's copy equal to it)."""
    rows = ["| source | cited reference numbers resolved | named by author or trial, resolved |",
            "| --- | --- | --- |"]
    for r in sorted(report, key=lambda r: r["source"]):
        ref = r["references"]
        pct = f"{100 * ref['resolved'] / ref['cited']:.1f}%" if ref["cited"] else "–"
        rows.append(f"| doi:{r['source']} | {ref['resolved']}/{ref['cited']} ({pct}) | "
                    f"{ref['named_resolved']}/{ref['named']} |")
    return "\n".join(rows) + "\n"


def coverage(paths: ProjectPaths, source: str | None = None) -> list[dict]:
    """Coverage of every registered source with a full text (or only the one with DOI/id
    ``source``)."""
    cur = load_curation(paths)
    pattern = _name_pattern(cur)
    return [{**source_coverage(s, cur, pattern), "references": reference_coverage(s, cur)}
            for s in cur.sources.values()
            if s.normalised_text and (source is None or source in (s.doi, s.id, s.pmid))]
