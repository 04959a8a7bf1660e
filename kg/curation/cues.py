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
>>> suggest_study_type("In a xenograft mouse model, CD19 loss ...")
('preclinical animal model', 'xenograft')
>>> cited_numbers("as shown before (21, 23-25) and [7]")
[7, 21, 23, 24, 25]
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


# Words of a quote that name the design of the study behind it, most specific first.
# (mouse or murine as the origin of an antibody or scFv names a product, not a model)
ANIMAL_WORDS = (r"xenografts?|mice|(?:mouse|murine)(?![- ](?:derived|origin|scfv|antibod))|"
                r"animal models?|preclinical")
STUDY_TYPE_CUES = (
    ("randomised controlled trial", r"randomi[sz]ed"),
    ("preclinical animal model", ANIMAL_WORDS),
    ("in vitro", r"in vitro|cell lines?"),
    ("retrospective cohort", r"retrospective(?:ly)?|real-world"),
    ("prospective cohort", r"prospective(?:ly)?"),
    ("case report", r"case reports?|a patient|one patient|two patients"),
    ("clinical trial", r"phase (?:I{1,3}|[123])\b|trials?"),
)
_STUDY_PATTERNS = [(kind, re.compile(rf"\b(?:{words})\b", re.IGNORECASE))
                   for kind, words in STUDY_TYPE_CUES]
_CITATION = re.compile(r"[\(\[]\s*(\d+(?:\s*[-–,]\s*\d+)*)\s*[\)\]]")


def suggest_study_type(text: str) -> tuple[str | None, str | None]:
    """The study type a quote's words suggest and the words behind it, or (None, None)."""
    for kind, pattern in _STUDY_PATTERNS:
        m = pattern.search(text)
        if m:
            return kind, m.group(0)
    return None, None


def cited_numbers(text: str) -> list[int]:
    """Reference numbers cited in ``text`` as (21, 23-25) or [7] (ranges expanded)."""
    found: set[int] = set()
    for group in _CITATION.findall(text):
        for part in re.split(r"\s*,\s*", group):
            low, _, high = re.sub(r"\s*[-–]\s*", "-", part).partition("-")
            low, high = int(low), int(high or low)
            if high - low < 50:
                found.update(range(low, high + 1))
    return sorted(found)


def _outermost(cues: list[Cue]) -> list[Cue]:
    cues = sorted(cues, key=lambda c: (c.start, -len(c.text)))
    out: list[Cue] = []
    for cue in cues:
        if out and cue.start < out[-1].start + len(out[-1].text):
            continue
        out.append(cue)
    return out
