"""Hedge and negation cues (NegEx-style word lists) and the certainty they suggest.

>>> negation_cues("CD19 loss was not observed in these patients")
['not observed', 'was not']
>>> hedge_cues("Trogocytosis may contribute to relapse")
['may']
>>> suggest_certainty("Trogocytosis may contribute to relapse")
'hedged'
>>> suggest_certainty("This has not yet been reported in patients")
'not-yet-observed'
>>> suggest_certainty("We hypothesize that exhaustion drives relapse")
'hypothesis'
>>> suggest_certainty("High LDH predicted poor survival")
'stated'
"""
from __future__ import annotations

import re

NEGATION = ("not associated", "not correlated", "not observed", "not significant",
            "not significantly", "no significant", "no difference", "no association",
            "no correlation", "did not", "does not", "do not", "was not", "were not", "is not",
            "are not", "cannot", "could not", "failed to", "without", "absence of", "lack of",
            "neither", "nor", "no longer", "unrelated")
HEDGES = ("may", "might", "could", "possibly", "possible", "potential", "potentially",
          "likely", "unlikely", "suggest", "suggests", "suggested", "suggesting", "appear",
          "appears", "seem", "seems", "perhaps", "presumably", "putative", "speculate",
          "unclear", "remains to be", "further studies", "warrant")
HYPOTHESIS = ("hypothesize", "hypothesise", "hypothesized", "hypothesised", "hypothesis",
              "we propose", "speculate", "speculated", "postulate", "postulated")
NOT_YET = ("not yet", "has not been reported", "have not been reported", "yet to be",
           "no reports", "not been described", "has not been observed",
           "have not been observed")


def _found(cues: tuple[str, ...], text: str) -> list[str]:
    low = " ".join(text.lower().split())
    return [c for c in cues if re.search(rf"(?<![\w-]){re.escape(c)}(?![\w-])", low)]


def negation_cues(text: str) -> list[str]:
    """The negation cues ``text`` contains, in list order."""
    return _found(NEGATION, text)


def hedge_cues(text: str) -> list[str]:
    """The hedge cues ``text`` contains, in list order."""
    return _found(HEDGES, text)


def suggest_certainty(text: str) -> str:
    """stated | hedged | hypothesis | not-yet-observed, from the cues in ``text``."""
    if _found(NOT_YET, text):
        return "not-yet-observed"
    if _found(HYPOTHESIS, text):
        return "hypothesis"
    return "hedged" if hedge_cues(text) else "stated"
