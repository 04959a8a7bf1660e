"""What governs one claim of a sentence: its clause, the negation and hedge cues in scope, and
the figures that belong to it.

A sentence is cut into segments at clause punctuation (comma, semicolon, colon, a dash
between spaces). A claim between two mentions is

- **negated** when a negation cue lies between the mentions with no clause punctuation between
  the cue and the later mention ("did not predict non-response"), or when the cue and both
  mentions share one segment ("Loss of CD19 was not observed after tisa-cel"); a cue in
  another clause ("…transcripts, including one lacking exon 2") does not negate it;
- **hedged** (or another certainty) when a hedge cue lies between the mentions or in a segment
  holding one of them ("…site density, which probably let cells escape" does not hedge the
  finding before the comma);
- given the **figures** of the segments from its first mention to its last, or, when those
  hold none, of the segment right after them (a count or rate reported after a colon).

>>> text = "Relapses were associated with low density, which probably let cells escape."
>>> certainty_between(text, (0, 8), (30, 41))
'stated'
>>> certainty_between(text, (0, 8), (64, 69))
'hedged'
>>> text = "Dim CD19 expression did not predict non-response or relapse."
>>> negated_between(text, (0, 19), (36, 48))
True
>>> text = "Because this loss cannot be reversed, patients may benefit from dual targeting."
>>> negated_between(text, (13, 17), (64, 78))
False
"""
from __future__ import annotations

import re

from kg.curation.cues import HEDGES, hedge_cues, negation_cues

BREAK = re.compile(r"[,;:]|\s[–—-]\s|\((?=\s*(?:which|that)\b)")

Span = tuple[int, int]


def segments(text: str) -> list[Span]:
    """The clause segments of ``text`` as (start, end), in order, covering the text."""
    cuts = [m.end() for m in BREAK.finditer(text)]
    bounds = [0, *cuts, len(text)]
    return [(a, b) for a, b in zip(bounds, bounds[1:]) if b > a]


def _segment_of(segs: list[Span], at: int) -> int:
    return next((i for i, (a, b) in enumerate(segs) if a <= at < b), len(segs) - 1)


def _broken(text: str, a: int, b: int) -> bool:
    """Whether clause punctuation lies in ``text[a:b]``."""
    return bool(BREAK.search(text[a:b])) if b > a else False


def negated_between(text: str, x: Span, y: Span, segs: list[Span] | None = None) -> bool:
    """Whether a negation cue of ``text`` governs the claim between mentions ``x`` and ``y``
    (character spans in ``text``)."""
    (s1, e1), (s2, e2) = sorted((x, y))
    segs = segs or segments(text)
    both = {_segment_of(segs, s1), _segment_of(segs, s2)}
    for cue in negation_cues(text):
        if e1 <= cue.start < s2 and not _broken(text, cue.start, s2):
            return True
        if len(both) == 1 and _segment_of(segs, cue.start) in both:
            return True
    return False


def certainty_between(text: str, x: Span, y: Span, segs: list[Span] | None = None) -> str:
    """The strongest certainty (``stated`` when none) a hedge cue in scope gives the claim
    between mentions ``x`` and ``y``: a cue between them or in a segment holding one."""
    (s1, e1), (s2, e2) = sorted((x, y))
    segs = segs or segments(text)
    held = {_segment_of(segs, s1), _segment_of(segs, s2)}
    kinds = {cue.kind for cue in hedge_cues(text)
             if e1 <= cue.start < s2 or _segment_of(segs, cue.start) in held}
    return next((kind for kind in HEDGES if kind in kinds), "stated")


def figures_for(statistics: list[dict], at: list[int], x: Span, y: Span,
                segs: list[Span]) -> list[dict]:
    """The statistics (found at character offsets ``at``) that belong to the claim between
    mentions ``x`` and ``y``: those in the segments from the first mention to the last, else
    those of the next segment."""
    (s1, _), (s2, e2) = sorted((x, y))
    first, last = _segment_of(segs, s1), _segment_of(segs, max(s2, e2 - 1))
    inside = [s for s, pos in zip(statistics, at) if first <= _segment_of(segs, pos) <= last]
    if inside or last + 1 >= len(segs):
        return inside
    return [s for s, pos in zip(statistics, at) if _segment_of(segs, pos) == last + 1]
