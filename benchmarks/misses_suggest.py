"""Why the curation assistant misses the curator's claims of the primary-study abstracts
(benchmarks/primary/claims.yaml), the fitted ones only (a held-out abstract's misses are
never studied): each claim not among the three likeliest candidates of its
sentence falls in the first category that explains it:

- ``implied``: an entity of the claim is not named in the sentence but elsewhere in the
  abstract (its topic, the product studied): the sentence reports a result without naming it;
- ``not tagged``: an entity of the claim is found nowhere in the sentence nor the abstract;
- ``pair not generated``: both entities are tagged, but no relation the schema allows fits
  them in that direction;
- ``other relation``: the pair is a candidate, with another relation or the other way round;
- ``ranked below 3``: the claim is a candidate, below the three likeliest of its sentence.

    python benchmarks/misses_suggest.py [-v]     # counts per category; -v lists the misses
"""
from __future__ import annotations

import sys
import tempfile
from collections import Counter
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

CATEGORIES = ("implied", "not tagged", "pair not generated", "other relation",
              "ranked below 3")


def classify(paths, cur, abstract: dict) -> list[tuple[str, dict]]:
    """(category, claim) for each claim of ``abstract`` missing from its sentence's top
    three."""
    from bench_suggest import _sentence_of
    from kg.answers.tagger import Tagger
    from kg.curation.suggest import suggest
    every = suggest(paths, abstract["id"], Tagger.from_index, cur=cur, per_sentence=None)
    shown = suggest(paths, abstract["id"], Tagger.from_index, cur=cur)
    ident = lambda iri: iri.rsplit("/", 1)[-1]  # noqa: E731
    key = lambda c: (c.start, ident(c.subject.iri), c.predicate.name,  # noqa: E731
                     ident(c.object.iri))
    top, all_keys = {key(c) for c in shown.candidates}, {key(c) for c in every.candidates}
    in_text = {ident(m.iri) for _, ms in every.sentences for m in ms}
    out = []
    for claim in abstract["claims"]:
        s = _sentence_of(every, claim["sentence"])
        k = (s.start, claim["subject"], claim["predicate"], claim["object"])
        if k in top:
            continue
        named = {ident(m.iri) for sent, ms in every.sentences if sent.start == s.start
                 for m in ms}
        related = {frozenset((ident(c.subject.iri), ident(c.object.iri)))
                   for c in every.candidates if c.start == s.start}
        ends = (claim["subject"], claim["object"])
        if k in all_keys:
            why = "ranked below 3"
        elif frozenset(ends) in related:
            why = "other relation"
        elif all(e in named for e in ends):
            why = "pair not generated"
        elif all(e in named or e in in_text for e in ends):
            why = "implied"
        else:
            why = "not tagged"
        out.append((why, claim))
    return out


def main(verbose: bool) -> Counter:
    from bench_suggest import primary_project
    from kg.curation.sources import load_curation
    from kg.paths import ProjectPaths
    counts = Counter()
    with tempfile.TemporaryDirectory() as tmp:
        root, abstracts = primary_project(Path(tmp))
        paths = ProjectPaths(root)
        cur = load_curation(paths)
        total = 0
        for a in (a for a in abstracts if a["split"] == "fitted"):   # never the held-out
            total += len(a["claims"])
            for why, claim in classify(paths, cur, a):
                counts[why] += 1
                if verbose:
                    print(f"{why:20} {a['id']:34} {claim['subject']} {claim['predicate']} "
                          f"{claim['object']}   «{claim['sentence']}»")
    print(f"{total} claims, {total - sum(counts.values())} in the top three")
    for c in CATEGORIES:
        print(f"{c:20} {counts[c]}")
    return counts


if __name__ == "__main__":
    main("-v" in sys.argv[1:])
