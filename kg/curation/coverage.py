"""How much of each source text the graph cites (``cartkg coverage``).

A sentence *mentions* the graph when it names an entity (label or synonym; short all-capital
names such as ALL must match case); it is *cited* when evidence quotes from that source cover
at least half of its characters (quotes are verbatim, so their places in the text are exact;
a flattened table counts as cited when its cells are). The uncited mentioning sentences are the curator's to-do list.

Example (on the real graph; checked by tests/curation/test_examples.py)::

    report = coverage(project_paths())
    xu = next(r for r in report if r["source"] == "10.3389/fimmu.2023.1110028")
    xu["by_kind"]["biomarker"]["mentioning"] > 0      # True
"""
from __future__ import annotations

import re

from kg.curation.sources import Curation, Source, load_curation
from kg.paths import ProjectPaths

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


def coverage(paths: ProjectPaths, source: str | None = None) -> list[dict]:
    """Coverage of every registered source with a full text (or only the one with DOI/id
    ``source``)."""
    cur = load_curation(paths)
    pattern = _name_pattern(cur)
    return [source_coverage(s, cur, pattern) for s in cur.sources.values()
            if s.normalised_text and (source is None or source in (s.doi, s.id, s.pmid))]
