"""Fit the weights of the curation assistant's claim model (``WEIGHTS`` in
kg/curation/suggest.py) on one review's accepted items, and print them as the table to paste.

Every claim the schema allows among the entities of a sentence (``fitting_claims``) is an
example, labelled right when an accepted item of the review with the same subject, relation and
object quotes text overlapping the sentence; the model is an L2-regularised logistic
regression (Newton's method, numpy). Fitted on xu2023 only, so jacoby2019's figures in
bench_suggest stay held out.

    python benchmarks/fit_suggest.py [SOURCE_ID]      # default xu2023
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

L2 = 1.0          # penalty on every weight but the bias
ITERATIONS = 50


def examples(paths, cur, source_id: str) -> tuple[list[dict], list[int]]:
    from kg.answers.tagger import Tagger
    from kg.curation.sentences import locate, normalised_with_offsets
    from kg.curation.suggest import broader_names, distinct_entities, entity_index, \
        fitting_claims, suggest, with_broader
    from kg.curation.schema import load_schema
    result = suggest(paths, source_id, Tagger.from_index, cur=cur)
    text, flat = result.text, normalised_with_offsets(result.text)
    gold = []
    for ev in cur.evidence:
        if ev.source == source_id and ev.status == "accepted":
            span = locate(text, ev.quote, flat)
            if span:
                gold.append(((ev.subject, ev.predicate, ev.object), span))
    relations = [r for r in load_schema(paths.ontology).relations.values()
                 if r.name != "conflictsWith"]
    broader = broader_names(entity_index(cur, paths))
    feats, labels = [], []
    for sentence, mentions in result.sentences:
        ents = distinct_entities(with_broader(mentions, broader))
        raw = text[sentence.start:sentence.end]
        for a, rel, b, f in fitting_claims(ents, raw, sentence.start, relations):
            triple = (a.iri.rsplit("/", 1)[-1], rel.name, b.iri.rsplit("/", 1)[-1])
            feats.append(f)
            labels.append(int(any(t == triple and s < sentence.end and sentence.start < e
                                  for t, (s, e) in gold)))
    return feats, labels


def fit(feats: list[dict], labels: list[int]) -> dict[str, float]:
    names = sorted({k for f in feats for k in f})
    x = np.array([[f.get(k, 0.0) for k in names] for f in feats])
    y = np.array(labels, dtype=float)
    penalty = np.array([0.0 if k == "bias" else L2 for k in names])
    w = np.zeros(len(names))
    for _ in range(ITERATIONS):
        p = 1 / (1 + np.exp(-x @ w))
        grad = x.T @ (p - y) + penalty * w
        hess = (x * (p * (1 - p))[:, None]).T @ x + np.diag(penalty + 1e-9)
        w -= np.linalg.solve(hess, grad)
    return {k: round(float(v), 2) for k, v in zip(names, w)}


if __name__ == "__main__":
    from kg.curation.sources import load_curation
    from kg.paths import project_paths
    paths = project_paths(HERE.parent)
    cur = load_curation(paths)
    feats, labels = [], []
    for source_id in sys.argv[1:] or ["xu2023"]:
        f, y = examples(paths, cur, source_id)
        feats += f
        labels += y
        print(f"# {len(y)} claims, {sum(y)} right ({source_id})", file=sys.stderr)
    weights = fit(feats, labels)
    print("WEIGHTS = {" + ",\n           ".join(f"\"{k}\": {v}" for k, v in weights.items()) + "}")
