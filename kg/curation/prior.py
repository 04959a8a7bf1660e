"""What the curated items of other sources say about a candidate claim, for the curation
assistant's claim model (kg.curation.suggest): how often curators chose each relation between
entities of the two types (``P(relation | subject type, object type)``, "a biomarker and a
relapse phenotype are related by `predicts`"), and whether a curator already stated the very
triple from another source.

The items of the source being suggested are left out (``exclude``), so a review's own curated
items never vote for its candidates and its figures stay honest; a primary abstract learns from
every curated review. (benchmarks/fit_suggest.py also leaves out the held-out review's items
when fitting the claim model's weights.)

>>> prior = RelationPrior({"m": "Mechanism", "o": "RelapsePhenotype"}, [("m", "leadsTo", "o")])
>>> prior.features("m", "leadsTo", "o")
{'relation prior': 1.0, 'curated elsewhere': 1.0}
>>> prior.features("o", "leadsTo", "m")
{'relation prior': 0.0, 'curated elsewhere': 0.0}
"""
from __future__ import annotations

from collections import Counter


class RelationPrior:
    """Relation counts per (subject type, object type) and the curated triples."""

    def __init__(self, types: dict[str, str], triples: list[tuple[str, str, str]]):
        self._types = types
        self._counts: dict[tuple[str, str], Counter] = {}
        for s, rel, o in triples:
            key = (types.get(s), types.get(o))
            self._counts.setdefault(key, Counter())[rel] += 1
        self._triples = set(triples)

    def features(self, subject: str, relation: str, obj: str) -> dict[str, float]:
        """The prior's features for the claim (entity ids): the share of the curated items
        between entities of these types that use ``relation`` (0 when there are none), and
        whether another source's item states the triple."""
        counts = self._counts.get((self._types.get(subject), self._types.get(obj)), Counter())
        total = sum(counts.values())
        return {"relation prior": round(counts[relation] / total, 3) if total else 0.0,
                "curated elsewhere": float((subject, relation, obj) in self._triples)}


def relation_prior(cur, exclude: tuple[str, ...] = ()) -> RelationPrior:
    """The prior from ``cur``'s accepted items of every source but those of ``exclude``
    (source ids)."""
    return RelationPrior({e.id: e.type for e in cur.entities.values()},
                         [(ev.subject, ev.predicate, ev.object) for ev in cur.evidence
                          if ev.source not in exclude and ev.status == "accepted"])
