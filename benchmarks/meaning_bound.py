"""How far a model of meaning that installs here lifts the curation assistant on primary
abstracts (issue 26): a bound, measured, not a part of cartkg.

The model is WordLlama's ``l2_supercat`` (static token vectors, 256 dimensions), whose files
ship inside the ``wordllama`` wheel on PyPI (``pip install wordllama==0.3.3.post0``; later
releases want NumPy 2, which the test set's pyarrow does not allow). A phrase's vector is
the mean of its token vectors. Three readings are measured on the fitted abstracts of
benchmarks/primary/:

1. **ranks**: for each end (subject or object) of a curator's claim that the assistant's
   tagger does not find in the sentence, its rank among the entities ordered by similarity to
   the whole sentence, and to the sentence's best phrase (one to six words);
2. **neighbours**: the curated items (ontology/curation) whose quotes lie nearest to the
   sentence, read as claims: how often the curator's claim is among the first three;
3. **lift** (``--lift``, about 5 minutes): entities found by meaning (the best phrase of
   each entity at similarity ≥ 0.80, at most two a sentence) added to the tagger's, the claim
   model refitted with two more features (found by meaning, the similarity's shortfall) on
   every fitted abstract but the last twelve (the fourth and fifth sets) and xu2023, and the
   top-3 recall measured on those twelve, with and without the entities found by meaning.

    python benchmarks/meaning_bound.py [--lift]
"""
from __future__ import annotations

import contextlib
import importlib.util
import io
import re
import sys
import tempfile
from collections import Counter
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))

MODEL_FILES = ("weights/l2_supercat_256.safetensors",
               "tokenizers/l2_supercat_tokenizer_config.json")
CATEGORIES = ("mechanism", "biomarker", "outcome", "strategy", "cell-population")
THRESHOLD, PER_SENTENCE, MAX_WORDS = 0.80, 2, 6
TEST_ABSTRACTS = 12          # the last twelve fitted abstracts: the fourth and fifth sets
_WORD = re.compile(r"[A-Za-z0-9][\w+/-]*")


class Embedder:
    """Unit vectors of texts from the model files in the installed wordllama package."""

    def __init__(self):
        from safetensors.numpy import load_file
        from tokenizers import Tokenizer
        spec = importlib.util.find_spec("wordllama")
        if spec is None:
            sys.exit("meaning_bound: pip install wordllama==0.3.3.post0 first")
        root = Path(next(iter(spec.submodule_search_locations)))
        self.vectors = load_file(str(root / MODEL_FILES[0]))["embedding.weight"]
        self.tokenizer = Tokenizer.from_file(str(root / MODEL_FILES[1]))

    def embed(self, texts: list[str]) -> np.ndarray:
        out = np.zeros((len(texts), self.vectors.shape[1]), dtype=np.float32)
        for i, enc in enumerate(self.tokenizer.encode_batch(texts, add_special_tokens=False)):
            if enc.ids:
                v = self.vectors[enc.ids].mean(axis=0)
                out[i] = v / (np.linalg.norm(v) or 1.0)
        return out


class Names:
    """Every name of the entities of CATEGORIES as vectors; ``scores`` gives each entity's
    best similarity to any of some texts."""

    def __init__(self, index: dict[str, dict], emb: Embedder):
        from kg.answers.tagger import STOPWORDS
        self.emb, self.stop = emb, STOPWORDS
        self.records = [r for r in index.values() if r["category"] in CATEGORIES]
        pairs = [(i, n) for i, r in enumerate(self.records)
                 for n in dict.fromkeys([r["label"], *r.get("synonyms", ())])]
        self.owners = np.array([i for i, _ in pairs])
        self.names = [n for _, n in pairs]
        self.matrix = emb.embed(self.names)

    def scores(self, texts: list[str]) -> np.ndarray:
        best = np.full(len(self.records), -1.0, dtype=np.float32)
        np.maximum.at(best, self.owners, (self.emb.embed(texts) @ self.matrix.T).max(axis=0))
        return best

    def phrases(self, raw: str) -> list[tuple[int, int, str]]:
        from kg.curation.surface import GENERIC
        words = [(m.start(), m.end(), m.group().lower()) for m in _WORD.finditer(raw)]
        out = []
        for i, (a, _, first) in enumerate(words):
            for j in range(i, min(i + MAX_WORDS, len(words))):
                keys = [w for _, _, w in words[i:j + 1]]
                if first in self.stop or keys[-1] in self.stop \
                        or all(k in GENERIC or k in self.stop for k in keys):
                    continue
                out.append((a, words[j][1], raw[a:words[j][1]]))
        return out


def project():
    from bench_suggest import primary_project
    from kg.curation.sources import load_curation
    from kg.paths import ProjectPaths
    tmp = tempfile.mkdtemp()
    root, abstracts = primary_project(Path(tmp))
    paths = ProjectPaths(root)
    return paths, load_curation(paths), [a for a in abstracts if a["split"] == "fitted"]


def ranks_and_neighbours(emb: Embedder) -> None:
    from bench_suggest import _sentence_of
    from kg.answers.tagger import Tagger
    from kg.curation.suggest import entity_index, suggest
    paths, cur, abstracts = project()
    names = Names(entity_index(cur, paths), emb)
    items = [(e.quote, (e.subject, e.predicate, e.object)) for e in cur.evidence
             if e.status == "accepted"]
    quotes = sorted({q for q, _ in items})
    claims_of: dict[str, list] = {}
    for q, t in items:
        claims_of.setdefault(q, []).append(t)
    quote_vectors = emb.embed(quotes)
    whole, phrase, near, ends, claims = Counter(), Counter(), Counter(), 0, 0
    for a in abstracts:
        result = suggest(paths, a["id"], Tagger.from_index, cur=cur, per_sentence=None)
        for g in a["claims"]:
            s = _sentence_of(result, g["sentence"])
            raw = result.text[s.start:s.end]
            tagged = {m.ident for ss, ms in result.sentences if ss.start == s.start for m in ms}
            by_sentence = [names.records[i]["iri"].rsplit("/", 1)[-1]
                           for i in np.argsort(-names.scores([raw]))]
            windows = [p for _, _, p in names.phrases(raw)] or [raw]
            by_phrase = [names.records[i]["iri"].rsplit("/", 1)[-1]
                         for i in np.argsort(-names.scores(windows))]
            for end in (g["subject"], g["object"]):
                if end in tagged or end not in by_sentence:
                    continue
                ends += 1
                for k in (1, 3, 5, 10):
                    whole[k] += by_sentence.index(end) < k
                    phrase[k] += by_phrase.index(end) < k
            order = np.argsort(-(quote_vectors @ emb.embed([raw])[0]))
            seen: list = []
            for j in order[:50]:
                seen += [t for t in claims_of[quotes[j]] if t not in seen]
            claims += 1
            near[3] += (g["subject"], g["predicate"], g["object"]) in seen[:3]
            near[10] += (g["subject"], g["predicate"], g["object"]) in seen[:10]
    print(f"{len(abstracts)} fitted abstracts, {claims} curator claims")
    print(f"ends the tagger does not find in their sentence ({ends}), ranked among "
          f"{len(names.records)} entities:")
    for k in (1, 3, 5, 10):
        print(f"  top {k:2}: by the whole sentence {whole[k]:3}   by its best phrase "
              f"{phrase[k]:3}")
    print(f"curated items nearest the sentence: the curator's claim among the first 3 "
          f"{near[3]}/{claims}, the first 10 {near[10]}/{claims}")


def lift(emb: Embedder) -> None:
    import bench_suggest as bench
    import fit_suggest as fit
    import kg.curation.suggest as suggest
    from kg.answers.tagger import Mention
    from kg.curation.sources import load_curation
    from kg.paths import project_paths
    found: dict[tuple, float] = {}
    state = {"on": False, "names": None}
    plain_mentions, plain_pair = suggest.sentence_mentions, suggest.pair_features

    def sentence_mentions(raw, offset, tagger, index):
        mentions = plain_mentions(raw, offset, tagger, index)
        if not state["on"]:
            return mentions
        if state["names"] is None:
            state["names"] = Names(index, emb)
        names, named = state["names"], {m.iri for m in mentions}
        exact = [(m.start - offset, m.end - offset) for m in mentions if not m.loose]
        windows = [p for p in names.phrases(raw)
                   if not any(a <= p[0] and p[1] <= b for a, b in exact)]
        if not windows:
            return mentions
        sims = emb.embed([w for _, _, w in windows]) @ names.matrix.T
        best: dict[int, tuple] = {}
        for w, n in zip(*np.nonzero(sims >= THRESHOLD)):
            owner = int(names.owners[n])
            if names.records[owner]["iri"] not in named and \
                    (owner not in best or sims[w, n] > best[owner][0]):
                best[owner] = (float(sims[w, n]), int(w))
        for owner, (sim, w) in sorted(best.items(), key=lambda x: -x[1][0])[:PER_SENTENCE]:
            rec, (a, b, text) = names.records[owner], windows[w]
            m = Mention(a + offset, b + offset, text, rec["iri"], rec["label"],
                                rec["category"], text, loose=True)
            found[(m.iri, m.start, m.end)] = sim
            mentions.append(m)
        return mentions

    def pair_features(a, b, raw, offset, others):
        f, between = plain_pair(a, b, raw, offset, others)
        sims = [found[k] for k in ((m.iri, m.start, m.end) for m in (a, b)) if k in found]
        if sims:
            f["found by meaning"], f["meaning shortfall"] = len(sims), sum(1 - s for s in sims)
        return f, between

    suggest.sentence_mentions, suggest.pair_features = sentence_mentions, pair_features
    plain_project = bench.primary_project

    def split_project(workdir):
        root, abstracts = plain_project(workdir)
        for a in [a for a in abstracts if a["split"] == "fitted"][-TEST_ABSTRACTS:]:
            a["split"] = "test"
        return root, abstracts
    bench.primary_project = split_project
    paths = project_paths(HERE.parent)
    for on in (False, True):
        cur = load_curation(paths)
        with contextlib.redirect_stderr(io.StringIO()):
            state["on"] = False                  # the review's examples: never by meaning
            feats, labels = fit.examples(paths, cur, "xu2023")
            state["on"] = on
            with tempfile.TemporaryDirectory() as tmp:
                f, y = fit.primary_examples(Path(tmp))
        suggest.WEIGHTS.clear()
        suggest.WEIGHTS.update(fit.fit(feats + f, labels + y))
        total = Counter()
        with tempfile.TemporaryDirectory() as tmp:
            root, abstracts = split_project(Path(tmp))
            from kg.paths import ProjectPaths
            p2 = ProjectPaths(root)
            cur2 = load_curation(p2)
            for a in abstracts:
                if a["split"] == "test":
                    total.update(bench.evaluate_primary(p2, cur2, a))
        print(f"{'with' if on else 'without'} entities found by meaning: top 3 "
              f"{total['top3']}/{total['claims']}, every candidate {total['ceiling']}, "
              f"{total['candidates'] / max(1, total['sentences_with_candidates']):.2f} "
              f"candidates per sentence")


if __name__ == "__main__":
    embedder = Embedder()
    ranks_and_neighbours(embedder)
    if "--lift" in sys.argv[1:]:
        lift(embedder)
