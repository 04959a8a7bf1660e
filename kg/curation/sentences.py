"""Sentences of a PDF-extracted text with their exact character spans (syntok), and the
section each one sits in.

Page furniture (URLs, "01 frontiersin.org", "Pdf_Folio:80") is blanked with spaces of the same
length before segmenting, so offsets stay those of the text and ``text[start:end]`` is always
the verbatim sentence; a sentence never starts or ends inside furniture.

>>> text = "High LDH predicted relapse (53). It was not seen in\\nmice (54, 55).\\n"
>>> [text[s.start:s.end] for s in split_sentences(text)]
['High LDH predicted relapse (53).', 'It was not seen in\\nmice (54, 55).']
"""
from __future__ import annotations

import re
from dataclasses import dataclass

import syntok.segmenter as segmenter

from kg.curation.coverage import FURNITURE
from kg.text import normalise_whitespace

# a citation closing a sentence, which syntok does not always split after ("[21,23–25]. It")
CITATION_END = re.compile(r"(?<=[\])]\.)\s+(?=[A-Z])")
HEADING = re.compile(r"(?m)(?<=\n\n)[ \t]*([A-Z0-9][^\n.]{2,80})[ \t]*\n")


@dataclass(frozen=True)
class Sentence:
    start: int
    end: int
    section: str = ""


def split_sentences(text: str) -> list[Sentence]:
    """Every sentence of ``text`` with at least one letter, in order."""
    blanked = FURNITURE.sub(lambda m: " " * len(m.group(0)), text)
    out = []
    for paragraph in segmenter.analyze(blanked):
        for sentence in paragraph:
            tokens = [t for t in sentence if t.value]
            if not tokens:
                continue
            start, end = tokens[0].offset, tokens[-1].offset + len(tokens[-1].value)
            for cut in CITATION_END.finditer(blanked, start, end):
                out.append(Sentence(start, cut.start()))
                start = cut.end()
            out.append(Sentence(start, end))
    return [s for s in out if re.search(r"[^\W\d_]", blanked[s.start:s.end])]


def section_starts(text: str, registered: list[dict]) -> list[tuple[int, str]]:
    """(offset, title) of each section: the source's registered ``sections`` (found by their
    ``starts`` words, whitespace normalised), with headings (short lines after a blank line)
    inside them as "Title > Heading"."""
    flat, index = normalised_with_offsets(text)
    tops = []
    for sec in registered:
        pos = flat.find(normalise_whitespace(sec["starts"]))
        if pos >= 0:
            tops.append((index[pos], sec["title"]))
    tops.sort()
    out = list(tops)
    for m in HEADING.finditer(text):
        heading = m.group(1).strip()
        if len(heading.split()) > 7 or heading[-1] in "-,:;" or FURNITURE.search(heading) \
                or not tops:
            continue
        parent = [t for p, t in tops if p <= m.start(1)]
        if parent and not parent[-1].startswith("Table") and not any(p == m.start(1) for p, _ in tops) \
                and normalise_whitespace(m.group(1)).lower() not in parent[-1].lower():
            out.append((m.start(1), f"{parent[-1]} > {normalise_whitespace(m.group(1))}"))
    return sorted(out)


def with_sections(text: str, sentences: list[Sentence], registered: list[dict]) -> list[Sentence]:
    """``sentences`` with the section each starts in."""
    starts = section_starts(text, registered)
    out, i, current = [], 0, ""
    for s in sentences:
        while i < len(starts) and starts[i][0] <= s.start:
            current, i = starts[i][1], i + 1
        out.append(Sentence(s.start, s.end, current))
    return out


def normalised_with_offsets(text: str) -> tuple[str, list[int]]:
    """``normalise_whitespace(text)`` and, for each of its characters, the offset in ``text``."""
    chars, index = [], []
    for m in re.finditer(r"\S+", text):
        if chars:
            chars.append(" ")
            index.append(m.start() - 1)
        chars.append(m.group())
        index.extend(range(m.start(), m.end()))
    return "".join(chars), index


def locate(text: str, quote: str, flat_index: tuple[str, list[int]] | None = None):
    """(start, end) of ``quote`` in ``text`` compared whitespace-normalised, or None."""
    flat, index = flat_index or normalised_with_offsets(text)
    pos = flat.find(normalise_whitespace(quote))
    if pos < 0:
        return None
    last = pos + len(normalise_whitespace(quote)) - 1
    return index[pos], index[last] + 1

