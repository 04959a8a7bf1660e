"""NegEx-style cue words: what in a sentence hedges or negates what it says.

One list of cues per kind, matched as whole words (case-insensitive). Used by the lints (a
hedge cue in a quote recorded as ``certainty: stated``) and by ``cartkg curate add`` to suggest
``certainty``; a curation assistant can reuse it.

>>> [(c.text, c.kind) for c in hedge_cues(
...     "CD81 loss may also occur with CAR-T, although this has not yet been reported")]
[('may', 'hedged'), ('has not yet been reported', 'not-yet-observed')]
>>> suggest_certainty("The higher dose gave increased toxicity without increased response")
('stated', None)
>>> suggest_certainty("These data suggest that CD28 CARs persist less")
('hedged', 'suggest')
>>> [c.text for c in negation_cues("increased toxicity without increased response")]
['without']
"""
from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class Cue:
    text: str    # the words as they appear in the text
    kind: str    # a certainty value (hedged, hypothesis, not-yet-observed) or "negation"
    start: int   # character offset in the text


# Strongest first: a quote with several kinds of cue is suggested the first kind found here.
HEDGES = {
    "not-yet-observed": (r"(?:has|have) not (?:yet )?been (?:reported|observed|described|shown"
                         r"|demonstrated|seen)", r"not yet (?:been )?(?:reported|observed|known"
                         r"|described|clear)", r"yet to be (?:determined|shown|established)",
                         r"remains? to be (?:determined|elucidated|seen|established|explored)"),
    "hypothesis": (r"hypothes[ie]s", r"hypothesi[sz]ed?", r"speculat\w*", r"postulat\w*",
                   r"we propose", r"it is proposed", r"theoretically"),
    "hedged": (r"may", r"might", r"could(?! not)", r"possibly", r"perhaps", r"presumabl[ey]",
               r"putative(?:ly)?", r"probabl[ey]", r"likely", r"potentially",
               r"suggest(?:s|ed|ing)?", r"appears? to", r"seems? to", r"unclear"),
}
NEGATIONS = (r"not", r"no", r"without", r"neither", r"nor", r"never", r"none", r"absence of",
             r"lack of", r"lacking", r"failed to", r"did not", r"does not", r"do not",
             r"was not", r"were not", r"cannot", r"no longer", r"irrespective of",
             r"independent of", r"regardless of")


def _pattern(words) -> re.Pattern:
    return re.compile(r"\b(?:" + "|".join(sorted(words, key=len, reverse=True)) + r")\b",
                      re.IGNORECASE)


_HEDGE_PATTERNS = {kind: _pattern(words) for kind, words in HEDGES.items()}
_NEGATION_PATTERN = _pattern(NEGATIONS)


def hedge_cues(text: str) -> list[Cue]:
    """Every hedge cue in ``text``, in reading order; a cue inside a longer one is dropped
    (``not yet been reported`` is one cue, not also ``not``)."""
    found = [Cue(m.group(0), kind, m.start()) for kind, pattern in _HEDGE_PATTERNS.items()
             for m in pattern.finditer(text)]
    return _outermost(found)


def negation_cues(text: str) -> list[Cue]:
    """Every negation cue in ``text`` that is not part of a hedge cue (``has not yet been
    reported`` hedges, it does not negate)."""
    hedges = hedge_cues(text)
    return [Cue(m.group(0), "negation", m.start()) for m in _NEGATION_PATTERN.finditer(text)
            if not any(h.start <= m.start() < h.start + len(h.text) for h in hedges)]


def suggest_certainty(text: str) -> tuple[str, str | None]:
    """The certainty a quote suggests and the cue words behind it (None for ``stated``)."""
    cues = hedge_cues(text)
    for kind in HEDGES:
        for cue in cues:
            if cue.kind == kind:
                return kind, cue.text
    return "stated", None


def _outermost(cues: list[Cue]) -> list[Cue]:
    cues = sorted(cues, key=lambda c: (c.start, -len(c.text)))
    out: list[Cue] = []
    for cue in cues:
        if out and cue.start < out[-1].start + len(out[-1].text):
            continue
        out.append(cue)
    return out
