"""Text normalisation for quote checks and free-text lookup.

>>> normalise_whitespace("express-\\ning  T\\ncells")
'express- ing T cells'
>>> lookup_key("CD19-negative relapse") == lookup_key("cd19 negative relapse")
True
>>> lookup_key("TNF-α") == lookup_key("tnf alpha")
True
>>> lookup_key("age >= 60") == lookup_key("Age ≥ 60")
True
"""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

_WS = re.compile(r"\s+")
_GREEK = {"α": "alpha", "β": "beta", "γ": "gamma", "δ": "delta", "κ": "kappa"}
_SYMBOLS = {">=": " ge ", "<=": " le ", "≥": " ge ", "≤": " le ", ">": " gt ", "<": " lt ",
            "+": " pos ", "−": " neg ", "%": " pct "}


def singular(key: str) -> str:
    """A lower-case word in its singular form, so a name matches its plural and back
    ("therapies"/"therapy", "cells"/"cell", "alterations"/"alteration"); short words and
    words ending in -ss, -us or -is keep theirs ("loss", "status", "CARs" stays "cars")."""
    if len(key) <= 4 or not key.endswith("s") or key.endswith(("ss", "us", "is")) \
            or key[-2].isdigit():
        return key
    return key[:-3] + "y" if key.endswith("ies") else key[:-1]


def normalise_whitespace(text: str) -> str:
    """Collapse every run of whitespace (including line breaks) to one space."""
    return _WS.sub(" ", text).strip()


@lru_cache(maxsize=16384)
def lookup_key(text: str) -> str:
    """A key that ignores case, hyphens, punctuation and spacing, keeping meaning-bearing
    symbols (≥, >, +, %) and Greek letters as words. Remembered: lookups score every entity
    name against the query, again on every call."""
    text = unicodedata.normalize("NFKC", text).lower()
    for char, word in {**_GREEK, **_SYMBOLS}.items():
        text = text.replace(char, f" {word.strip()} " if char in _SYMBOLS else word)
    text = re.sub(r"[^0-9a-z]+", " ", text)
    return text.strip()


def compact_key(text: str) -> str:
    """``lookup_key`` without spaces, so 'tisa cel' matches 'tisacel'."""
    return lookup_key(text).replace(" ", "")
