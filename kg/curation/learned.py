"""What the curation assistant learns from a curator's decisions on the review page:
``ontology/curation/learned.yaml``.

- ``synonyms``: surface text the assistant tagged as one entity and the curator corrected to
  another (the ``subject_text``/``object_text`` of a review-page row whose entity was edited).
  ``cartkg curate suggest`` tags that text as the curator's entity from then on (never a
  generic word alone: the suggest tagger drops those, and they are not recorded). They stay
  out of the graph's own names until a curator adds them to the entity's ``synonyms``.
- ``rejected``: candidates the curator rejected (source, quote, subject, relation, object):
  suggest no longer proposes them, and benchmarks/fit_suggest.py counts them as negative
  examples for the claim model.

``cartkg curate import`` records both from the TSV the review page saves (rows with a
``decision`` column), in the same locked, atomic change as the items it adds.
"""
from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kg.curation.surface import is_generic
from kg.paths import ProjectPaths
from kg.text import lookup_key

LEARNED_FILE = "learned.yaml"
HEADER = ("# What the curation assistant learned from review-page decisions (written by "
          "'cartkg curate import';\n# see kg/curation/learned.py). synonyms: surface text -> "
          "entity id; rejected: candidates not to propose again.\n")


@dataclass
class Learned:
    synonyms: list[dict] = field(default_factory=list)    # {text, entity, source, added}
    rejected: list[dict] = field(default_factory=list)    # {source, quote, subject, predicate, object}

    def names(self) -> dict[str, list[str]]:
        """Entity id -> the surface texts curators tied to it."""
        out: dict[str, list[str]] = {}
        for s in self.synonyms:
            out.setdefault(s["entity"], []).append(s["text"])
        return out

    def rejected_keys(self) -> set[tuple]:
        return {(r["source"], r["quote"], r["subject"], r["predicate"], r["object"])
                for r in self.rejected}

    def add_synonym(self, text: str, entity: str, source: str) -> bool:
        """Record ``text`` → ``entity`` unless known or one generic word ("resistance",
        "response": kg.curation.surface, which names no specific entity); whether it was new."""
        key = lookup_key(text)
        if not key or is_generic(text) or any(lookup_key(s["text"]) == key and s["entity"] == entity
                          for s in self.synonyms):
            return False
        self.synonyms.append({"text": text, "entity": entity, "source": source,
                              "added": datetime.date.today().isoformat()})
        return True

    def add_rejected(self, row: dict) -> bool:
        key = (row["source"], row["quote"], row["subject"], row["predicate"], row["object"])
        if key in self.rejected_keys():
            return False
        self.rejected.append(dict(zip(("source", "quote", "subject", "predicate", "object"),
                                      key)))
        return True

    def dump(self) -> str:
        body = yaml.safe_dump({"synonyms": self.synonyms, "rejected": self.rejected},
                              sort_keys=False, allow_unicode=True, width=100000)
        return HEADER + body


def learned_path(paths: ProjectPaths) -> Path:
    return paths.curation / LEARNED_FILE


def load_learned(paths: ProjectPaths) -> Learned:
    """The project's learned file, or an empty one; a malformed file is ignored entry by
    entry (it only steers suggestions)."""
    path = learned_path(paths)
    try:
        doc = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return Learned()
    if not isinstance(doc, dict):
        return Learned()
    want = {"synonyms": ("text", "entity"),
            "rejected": ("source", "quote", "subject", "predicate", "object")}
    lists = {key: [e for e in doc.get(key) or [] if isinstance(e, dict)
                   and all(isinstance(e.get(k), str) for k in keys)]
             for key, keys in want.items()}
    return Learned(**lists)
