"""How the curation assistant chooses claims: the shared tagger matching singular and plural,
names lifted to the broader entities that contain them, the schema's relations and the claim
model ranking them, one claim per entity pair, every related sentence shown."""
from __future__ import annotations

import json

from projectcopy import run_cli
from kg.answers.tagger import Tagger
from kg.curation.schema import load_schema
from kg.curation.suggest import (WEIGHTS, broader_names, confidence, distinct_entities,
                                 fitting_claims, with_broader)
from kg.paths import project_paths

INDEX = {iri: {"iri": iri, "label": label, "category": cat, "synonyms": syn}
         for iri, label, cat, syn in [
             ("e:il6", "IL-6", "gene", []),
             ("e:high-il6", "Elevated IL-6", "biomarker", ["high IL-6"]),
             ("e:cd14", "CD14", "gene", []),
             ("e:tp53-alt", "TP53 alteration", "biomarker", []),
             ("e:os", "Overall survival", "outcome", ["OS"]),
             ("e:ici", "Checkpoint inhibitor therapy", "therapy", [])]}


def relations():
    return [r for r in load_schema(project_paths().ontology).relations.values()
            if r.name != "conflictsWith"]


def claims(sentence: str, index=INDEX) -> dict[tuple[str, str, str], float]:
    tagger = Tagger.from_index(index)
    ents = distinct_entities(with_broader(tagger.tag(sentence), broader_names(index)))
    return {(a.iri, rel.name, b.iri): confidence(f)
            for a, rel, b, f in fitting_claims(ents, sentence, 0, relations())}


def test_tagger_matches_plural_and_singular():
    tagger = Tagger.from_index(INDEX)
    found = [(m.text, m.iri) for m in tagger.tag("TP53 alterations and checkpoint inhibitor "
                                                 "therapies; one loss")]
    assert found == [("TP53 alterations", "e:tp53-alt"),
                     ("checkpoint inhibitor therapies", "e:ici")]


def test_names_lifted_to_broader_entities_of_another_category():
    broader = broader_names(INDEX)
    assert [r["iri"] for r in broader["e:il6"]] == ["e:high-il6"]
    assert "e:high-il6" not in broader           # nothing contains "Elevated IL-6"
    mentions = Tagger.from_index(INDEX).tag("IL-6 levels")
    lifted = [m for m in with_broader(mentions, broader) if m.lifted]
    assert [(m.iri, m.text) for m in lifted] == [("e:high-il6", "IL-6")]
    # a sentence naming the broader entity itself is not given a second, lifted one
    named = Tagger.from_index(INDEX).tag("high IL-6 and IL-6")
    assert not [m for m in with_broader(named, broader) if m.lifted]


def test_relations_follow_domain_range_and_the_model():
    c = claims("Patients with high IL-6 had worse overall survival.")
    assert ("e:high-il6", "predicts", "e:os") in c
    assert ("e:os", "predicts", "e:high-il6") not in c          # outcome cannot predict
    assert not any(rel == "predicts" and s == "e:il6" for s, rel, _ in c)   # gene: no biomarker
    # the cue word between the two mentions raises the claim
    cued = claims("High IL-6 predicts overall survival.")[("e:high-il6", "predicts", "e:os")]
    plain = claims("High IL-6 and overall survival.")[("e:high-il6", "predicts", "e:os")]
    assert cued > plain
    # a gene is not what "involves" another gene: its definition names mechanisms, biomarkers,
    # strategies and cell populations
    genes = claims("IL-6 with CD14.")          # IL-6 and, lifted, Elevated IL-6
    assert genes[("e:il6", "involves", "e:cd14")] < genes[("e:high-il6", "involves", "e:cd14")]
    assert WEIGHTS["subject outside definition"] < 0


def test_one_claim_per_pair_and_every_related_sentence_shown(project_copy):
    r = run_cli("curate", "suggest", "--source", "xu2023", "--json", home=project_copy)
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    pairs = [(c["start"], frozenset((c["subject"]["id"], c["object"]["id"])))
             for c in result["candidates"]]
    assert len(pairs) == len(set(pairs))
    assert all(0 <= c["confidence"] <= 1 for c in result["candidates"])
    starts = {c["start"] for c in result["candidates"]}
    assert len(starts) > 0.2 * result["sentences"]


def test_own_mentions_drop_an_outcome_inside_a_finding_and_a_class_beside_its_product():
    from kg.curation.suggest import own_mentions
    index = {**INDEX,
             "e:prior": {"iri": "e:prior", "label": "Prior checkpoint inhibitor therapy failure",
                         "category": "strategy", "synonyms": []},
             "e:fail": {"iri": "e:fail", "label": "therapy failure", "category": "outcome",
                        "synonyms": []},
             "e:car": {"iri": "e:car", "label": "CD19 CAR T cells", "category": "therapy",
                       "synonyms": []},
             "e:axi": {"iri": "e:axi", "label": "axicabtagene ciloleucel",
                       "category": "therapy", "synonyms": []}}
    tagger = Tagger.from_index(index)
    sentence = "Prior checkpoint inhibitor therapy failure predicted overall survival."
    exact = tagger.tag(sentence)
    inner = [m for m in Tagger.from_index({"e:fail": index["e:fail"]}).tag(sentence)]
    kept = {m.iri for m in own_mentions(exact + inner, {})}
    assert kept == {"e:prior", "e:os"}                  # the failure is the strategy's word
    # an outcome of its own stays
    assert "e:fail" in {m.iri for m in own_mentions(tagger.tag("It ended in therapy failure."),
                                                    {})}
    sentence = "Axicabtagene ciloleucel, a CD19 CAR T cells product, gave overall survival."
    kinds = {"e:axi": {"e:car"}}                       # ids: the IRIs here have no path
    kept = {m.iri for m in own_mentions(tagger.tag(sentence), kinds)}
    assert "e:axi" in kept and "e:car" not in kept
    assert "e:car" in {m.iri for m in own_mentions(tagger.tag("CD19 CAR T cells worked."),
                                                   kinds)}
