"""The design of a primary study and its population, read from the words of its abstract, and
the study type of each of its sentences.

A study's own design comes from the first clinical design words of its text (randomised
trial; phase 1/2 or single-arm trial; retrospective or prospective cohort; a trial, not one to
come; a case series — patients treated, samples examined or reviewed at one centre; a single case), else from
its experimental ones (mouse and xenograft models, in vitro work; both: the animal model). A
sentence that names an experimental system of its own (mice, cell lines, knockdown) takes that
study type; the others take the study's design. The vocabulary has no "case series": a series
of patients is an ``observational study``.

>>> study_design("We conducted a phase 1 dose-escalation trial in 21 children.")
('single-arm trial', 'phase 1')
>>> study_design("In mouse xenograft models, the CAR controlled leukaemia.")
('preclinical animal model', 'mouse')
>>> study_design("We looked back, retrospectively, at 420 patients; prevention now deserves "
...              "prospective trials.")     # trials to come are not this study's design
('retrospective cohort', 'retrospectively')
>>> sentence_study_type("In genome-edited cell lines, exon 2 was skipped.", "observational study")
'in vitro'
>>> population("a trial in 21 children and young adults")
'mixed'
"""
from __future__ import annotations

import re

# (study type, words), the first match wins: clinical designs before experimental ones.
CLINICAL = (
    ("randomised controlled trial", r"randomi[sz]ed"),
    ("single-arm trial", r"phase\s*(?:1|2|I{1,2}|1/2|I/II)\b|single-arm|dose[- ]escalation"),
    ("retrospective cohort", r"retrospective(?:ly)?|we reviewed|real-world"),
    ("prospective cohort", r"prospective(?:ly)?(?!\s+trials?\b)"),
    # the bare word, after the cohorts ("we reviewed, retrospectively, ... deserve to be tested
    # in prospective trials" is a retrospective cohort); trials to come are none
    ("clinical trial", r"(?<!prospective )(?<!future )(?<!further )\btrials?\b"),
    ("case report", r"\bwe (?:describe|report) (?:a|one) patient|case report|\ba patient\b"),
    ("observational study", r"\bwe (?:treated|examined|sequenced|analy[sz]ed|studied)\b|"
                            r"\bcase series\b|\bcohort\b|\bour (?:centre|center|institution)\b"),
)
EXPERIMENTAL = (
    ("preclinical animal model", r"\bmice\b|\bmouse\b|murine|xenograft|in vivo"),
    ("in vitro", r"in vitro|cell lines?\b|knock-?down|pull-down|genome[- ]edit\w*|co-?culture"),
)
_CLINICAL = [(kind, re.compile(words, re.I)) for kind, words in CLINICAL]
GENERIC_DESIGN = "clinical trial"      # the bare word "trial": no design of its own
_EXPERIMENTAL = [(kind, re.compile(words, re.I)) for kind, words in EXPERIMENTAL]
CHILD = re.compile(r"\b(?:child(?:ren|hood)?|paediatric|pediatric|infants?|adolescents?)\b", re.I)
ADULT = re.compile(r"\badults?\b", re.I)


def study_design(text: str) -> tuple[str | None, str | None]:
    """The design of the study ``text`` reports and the words behind it, or (None, None)."""
    for kind, pattern in _CLINICAL:
        if m := pattern.search(text):
            return kind, m.group(0)
    found = [(kind, m.group(0)) for kind, pattern in _EXPERIMENTAL if (m := pattern.search(text))]
    if len(found) > 1:
        return "preclinical animal model", " and ".join(words for _, words in found)
    return found[0] if found else (None, None)


def sentence_study_type(sentence: str, design: str | None) -> str | None:
    """The study type of one sentence of a study of ``design``: its own experimental system
    or clinical design when it names one ("in mice", "in our centre"), else the design. The
    bare word "trial" names no design of its own: a single-arm trial's or a cohort's sentence
    mentioning "two clinical trials" or "prospective trials" keeps the study's design.

    >>> sentence_study_type("Samples from two clinical trials were read.", "retrospective cohort")
    'retrospective cohort'
    >>> sentence_study_type("Samples from two clinical trials were read.", None)
    'clinical trial'
    """
    for kind, pattern in _EXPERIMENTAL + _CLINICAL:
        if pattern.search(sentence) and not (kind == GENERIC_DESIGN and design):
            return kind
    return design


def population(text: str) -> str | None:
    """``paediatric``, ``adult`` or ``mixed`` from the words naming the patients, or None."""
    child, adult = bool(CHILD.search(text)), bool(ADULT.search(text))
    if child and adult:
        return "mixed"
    return "paediatric" if child else "adult" if adult else None
