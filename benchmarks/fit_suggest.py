"""Fit the weights of the curation assistant's claim model (``WEIGHTS`` in
kg/curation/suggest.py) on one review's accepted items, and print them as the table to paste.

Every claim the schema allows among the entities of a sentence (``fitting_claims``) is an
example, labelled right when an accepted item of the review with the same subject, relation and
object quotes text overlapping the sentence; the model is an L2-regularised logistic
regression (Newton's method, numpy). Fitted on xu2023 and the *fitted* primary-study abstracts
of benchmarks/primary/ (never jacoby2019 nor the held-out abstracts, whose figures in
bench_suggest stay held out, and the relation prior of kg.curation.prior is built without
jacoby2019's items too); candidates curators rejected on the review page
(kg.curation.learned) are negative examples.

    python benchmarks/fit_suggest.py [SOURCE_ID]      # default xu2023
"""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

L2 = 1.0          # penalty on every weight but the bias
# The review whose triple figures are held out from the claim model: neither its items nor
# their relation prior (kg.curation.prior) ever reach the fit.
HELD_OUT_SOURCES = ("jacoby2019",)
ITERATIONS = 50


def examples(paths, cur, source_id: str, gold: list | None = None) -> tuple[list[dict], list[int]]:
    """Every claim the schema allows in each sentence of ``source_id``, labelled 1 when
    ``gold`` ((subject, relation, object), (start, end)) — by default the source's accepted
    items — holds it for that sentence; a candidate the curator rejected on the review page
    (kg.curation.learned) is labelled 0 whatever the gold says."""
    from kg.answers.tagger import Tagger
    from kg.curation.learned import load_learned
    from kg.curation.prior import relation_prior
    from kg.curation.schema import load_schema
    from kg.curation.sentences import locate, normalised_with_offsets
    from kg.curation.suggest import broader_names, claim_mentions, entity_index, \
        fitting_claims, kinds_of, study_context, suggest
    from kg.curation.surface import with_abbreviations
    from kg.text import normalise_whitespace
    result = suggest(paths, source_id, Tagger.from_index, cur=cur, per_sentence=None)
    text, flat = result.text, normalised_with_offsets(result.text)
    if gold is None:
        gold = []
        for ev in cur.evidence:
            if ev.source == source_id and ev.status == "accepted":
                span = locate(text, ev.quote, flat)
                if span:
                    gold.append(((ev.subject, ev.predicate, ev.object), span))
    relations = [r for r in load_schema(paths.ontology).relations.values()
                 if r.name != "conflictsWith"]
    learned = load_learned(paths)
    rejected = learned.rejected_keys()
    index = with_abbreviations(entity_index(cur, paths, learned), text)
    broader, kinds = broader_names(index), kinds_of(cur)
    prior = relation_prior(cur, exclude=(source_id, *HELD_OUT_SOURCES))
    study = study_context(result.source, text, Tagger.from_index(index), index) \
        if result.source.primary else None
    feats, labels = [], []
    for sentence, mentions in result.sentences:
        raw = text[sentence.start:sentence.end]
        named = claim_mentions(mentions, broader, study, sentence.start, raw, kinds)
        quote = normalise_whitespace(raw)
        for a, rel, b, f in fitting_claims(named, raw, sentence.start, relations, prior):
            triple = (a.iri.rsplit("/", 1)[-1], rel.name, b.iri.rsplit("/", 1)[-1])
            feats.append(f)
            labels.append(int((source_id, quote, *triple) not in rejected and any(
                t == triple and s < sentence.end and sentence.start < e for t, (s, e) in gold)))
    return feats, labels


def primary_examples(workdir: Path) -> tuple[list[dict], list[int]]:
    """Examples from the benchmark's *fitted* primary-study abstracts (never the held-out)."""
    sys.path.insert(0, str(HERE))
    from bench_suggest import _sentence_of, primary_project
    from kg.answers.tagger import Tagger
    from kg.curation.sources import load_curation
    from kg.curation.suggest import suggest
    from kg.paths import ProjectPaths
    root, abstracts = primary_project(workdir)
    paths = ProjectPaths(root)
    cur = load_curation(paths)
    feats, labels = [], []
    for a in abstracts:
        if a["split"] != "fitted":
            continue
        result = suggest(paths, a["id"], Tagger.from_index, cur=cur)
        gold = [((g["subject"], g["predicate"], g["object"]),
                 (lambda s: (s.start, s.end))(_sentence_of(result, g["sentence"])))
                for g in a["claims"]]
        f, y = examples(paths, cur, a["id"], gold)
        feats += f
        labels += y
        print(f"# {len(y)} claims, {sum(y)} right ({a['id']}, fitted primary abstract)",
              file=sys.stderr)
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
    import tempfile

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
    with tempfile.TemporaryDirectory() as tmp:
        f, y = primary_examples(Path(tmp))
    feats += f
    labels += y
    weights = fit(feats, labels)
    print("WEIGHTS = {" + ",\n           ".join(f"\"{k}\": {v}" for k, v in weights.items()) + "}")
