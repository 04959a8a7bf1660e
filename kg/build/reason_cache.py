"""The reasoner's inferences reused while what it reasons over is unchanged.

Reasoning is a pure function of the reasoning view (ontology and entities, without evidence
items: ``kg.build.reason``), the engine and the code that keeps and closes the inferences.
Curation mostly adds evidence, which leaves the view as it was, so ``cartkg build`` keys the
result by a SHA-256 of those three and reuses it from ``exports/.reasoning-cache.json`` when
the key matches, saying so in the build's notes. Only a consistent result without
unsatisfiable classes is kept; anything else is always recomputed. The file is written with
the other exports, after every check has passed.

>>> key = input_key(b"<urn:a> <urn:p> <urn:b> .\\n", "hermit")
>>> len(key), key == input_key(b"<urn:a> <urn:p> <urn:b> .\\n", "owlrl")
(64, False)
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

from rdflib import URIRef

from kg.build import reason
from kg.build.reason import Reasoning

CACHE_NAME = ".reasoning-cache.json"


def input_key(view: bytes, engine: str) -> str:
    """SHA-256 of the view's canonical N-Triples, the engine and the reasoning code."""
    h = hashlib.sha256()
    for part in (engine.encode(), Path(reason.__file__).read_bytes(), view):
        h.update(hashlib.sha256(part).digest())
    return h.hexdigest()


def _line(triple) -> str:
    return " ".join(term.n3() for term in triple) + " ."


def cached(path: Path, key: str) -> Reasoning | None:
    """The reasoning stored at ``path`` under ``key``, or None (missing, other key, unreadable)."""
    try:
        entry = json.loads(path.read_text(encoding="utf-8"))
        if entry.get("key") != key:
            return None
        inferred = set()
        for line in entry["inferred"]:
            s, p, o = (URIRef(t[1:-1]) for t in line[:-2].split(" "))
            inferred.add((s, p, o))
        return Reasoning(engine=entry["engine"], consistent=True, inferred=inferred,
                         subclass_axioms=[tuple(a) for a in entry["subclass_axioms"]],
                         message=entry["message"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def entry(key: str, result: Reasoning) -> str | None:
    """The cache file's text for ``result``, or None when it must not be reused."""
    if not result.consistent or result.unsatisfiable:
        return None
    return json.dumps({"key": key, "engine": result.engine, "message": result.message,
                       "subclass_axioms": result.subclass_axioms,
                       "inferred": sorted(_line(t) for t in result.inferred)}, indent=0) + "\n"
