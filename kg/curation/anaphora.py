"""Words of a primary abstract that point back to what an earlier sentence named: "these
cells", "this pathway", "such resistance", "the subset". Each is read as the entity of the
fitting category (ANAPHORS) that the previous sentences named last, at the words' place.

>>> from kg.answers.tagger import Mention
>>> tregs = Mention(0, 5, "Tregs", "x/regulatory-t-cells", "Regulatory T cells",
...                 "cell-population", "Tregs")
>>> found = with_antecedents([], "These cells made IL-10.", 40, [[tregs]])
>>> [(m.label, m.text, m.start) for m in found]
[('Regulatory T cells', 'These cells', 40)]
"""
from __future__ import annotations

import dataclasses
import re
from typing import Any

Mention = Any            # kg.answers.tagger.Mention (handed in; curation does not import answers)

# The noun after a pointing word -> the categories of entity it may stand for.
ANAPHORS = {
    "cells": ("cell-population",), "cell": ("cell-population",),
    "subset": ("cell-population", "biomarker"), "population": ("cell-population", "biomarker"),
    "pathway": ("mechanism",), "mechanism": ("mechanism",), "process": ("mechanism",),
    "resistance": ("mechanism",), "escape": ("mechanism",), "defect": ("mechanism",),
    "defects": ("mechanism",), "alteration": ("mechanism", "biomarker"),
    "marker": ("biomarker",), "biomarker": ("biomarker",), "signature": ("biomarker",),
    "profile": ("biomarker",), "feature": ("biomarker",),
    "approach": ("strategy",), "strategy": ("strategy",), "design": ("strategy",),
    "construct": ("strategy",), "combination": ("strategy",),
    "product": ("therapy",), "therapy": ("therapy", "strategy"),
    "treatment": ("therapy", "strategy"), "agent": ("therapy",), "drug": ("therapy",),
}
# The nouns "the" points back with: words that take no other reading after "the".
THE_POINTS = ("subset", "pathway", "construct", "combination")
POINTING = re.compile(r"(?<![\w-])(?:these|this|such|those|the same|the)\s+(?:[a-z-]+\s+){0,2}?"
                      rf"(?P<noun>{'|'.join(sorted(ANAPHORS, key=len, reverse=True))})\b",
                      re.I)


def with_antecedents(mentions: list[Mention], raw: str, offset: int,
                     earlier: list[list[Mention]]) -> list[Mention]:
    """``mentions`` of the sentence ``raw`` (at ``offset``) and, for each pointing phrase no
    mention covers, a loose mention of the entity of a fitting category the sentences before
    (``earlier``, oldest first) named last, unless this sentence names it already. "The"
    points back only with a noun that takes no other reading ("the subset", not "the
    cells")."""
    out = list(mentions)
    named = {m.iri for m in mentions}
    before = sorted((m for ms in earlier for m in ms if m.start < m.end), key=lambda m: m.start)
    for hit in POINTING.finditer(raw):
        noun, words = hit.group("noun").lower(), hit.group().lower()
        if words.startswith("the ") and not words.startswith("the same") \
                and noun not in THE_POINTS:
            continue
        start, end = hit.start() + offset, hit.end() + offset
        if any(m.start <= start and end <= m.end or start <= m.start and m.end <= end
               for m in mentions if m.start < m.end):
            continue
        target = next((m for m in reversed(before)
                       if m.category in ANAPHORS[noun] and m.iri not in named), None)
        if target is None:
            continue
        named.add(target.iri)
        out.append(dataclasses.replace(target, start=start, end=end, text=hit.group(),
                                       loose=True, lifted=False))
    return out
