"""The answers as a haematologist reads them (shared/CLINIC.md), pinned as properties of
situations on the real built graph: the first row's kind, rows that must not appear, rows
that must carry a caveat, and for every row of every answer the ranking principles (nothing
backed only by animal or in-vitro work above what patients back, hypotheses below
observations, no risk factor offered as a strategy, contested only from another sentence,
caveats shown, no quote printed twice)."""
from __future__ import annotations

import json
import re

import pytest

from projectcopy import run_cli
from kg.answers.ask import ask
from kg.answers.questions import biomarkers, mechanism_answer, strategy_answer
from kg.answers.ranking import quote_key

SUPPORTING = ("addresses", "treats", "improves", "achieves")
OTHER_ANTIGEN = {"CD22-targeted therapy for CD19-negative relapse",
                 "Dual/multi-targeted CAR-T cells",
                 "Sequential infusion of CAR-T cells targeting different antigens"}
CD22 = "CD22-targeted therapy for CD19-negative relapse"
CRS = "Controlling cytokine release syndrome"
CD28 = "Incorporating a CD28 costimulatory domain"

# situation -> properties: first row's kind (and, when given, one of these names), rows that
# must not appear, rows that must appear, rows that must carry a caveat, rows that must be
# shown as proposed (hypothesis only)
SITUATIONS = [
    ({"text": "CD19-negative relapse"},
     {"first_kind": "treatment", "first_in": OTHER_ANTIGEN, "caveat": {CD22},
      "hypothesis": {CRS}}),
    ({"text": "CD19-negative relapse", "disease": "B-ALL", "population": "paediatric",
      "after": "tisa-cel"},
     {"first_kind": "treatment", "first_in": OTHER_ANTIGEN, "caveat": {CD22},
      "hypothesis": {CRS}}),
    ({"text": "CD19-negative relapse", "after": "blinatumomab"},
     {"first_kind": "treatment", "present": {"Dual/multi-targeted CAR-T cells"}}),
    ({"text": "blinatumomab"},
     {"first_kind": "treatment", "present": {"Dual/multi-targeted CAR-T cells"}}),
    ({"text": "Secondary T-cell failure", "disease": "B-ALL"},
     {"first_kind": "treatment", "absent": {CD28}}),
    ({"text": "Primary non-response", "disease": "DLBCL", "after": "axi-cel"},
     {"first_kind": "treatment"}),
    ({"text": "Primary T-cell failure"}, {"first_kind": "treatment"}),
    ({"text": "Relapse"}, {"first_kind": "treatment"}),
    ({"text": "Lineage switch"}, {"hypothesis": {CRS}}),
]


def _id(case):
    return ",".join(f"{k}={v}" for k, v in case[0].items())


@pytest.mark.parametrize("situation,props", SITUATIONS, ids=[_id(c) for c in SITUATIONS])
def test_strategy_answers_follow_the_clinic(store, situation, props):
    args = dict(situation)
    answer = strategy_answer(store, args.pop("text"), **args)
    rows = answer["strategies"]
    names = [r["strategy"] for r in rows]
    assert rows, situation
    assert {"after", "therapy"} <= set(answer["scope"])
    assert all(r["resolved"]["scope"] == answer["scope"] for r in rows)   # echoed in --json
    if "first_kind" in props:
        assert rows[0]["kind"] == props["first_kind"], names
    if "first_in" in props:
        assert rows[0]["strategy"] in props["first_in"], names
    assert not set(props.get("absent", ())) & set(names)
    assert set(props.get("present", ())) <= set(names), names
    for row in rows:
        if row["strategy"] in props.get("caveat", ()):
            assert row["caveats"] and not row["contested"], row["strategy"]
        if row["strategy"] in props.get("hypothesis", ()):
            assert row["rank_basis"]["hypothesis_only"]
            assert row["rank_basis"]["best_level"] in "DE"
    assert_ranking_principles(rows, "strategy")


def assert_ranking_principles(rows, name_key):
    """The principles every ranked answer keeps, whatever the situation."""
    assert [r["rank"] for r in rows] == list(range(1, len(rows) + 1))
    for upper, lower in zip(rows, rows[1:]):
        if upper.get("kind") != lower.get("kind") or upper["rank_basis"]["tier"] != \
                lower["rank_basis"]["tier"] or upper.get("fit_score", 0) != \
                lower.get("fit_score", 0) or upper.get("extrapolated") != lower.get("extrapolated"):
            continue
        if name_key == "mechanism" and len(upper["explanation"]) != len(lower["explanation"]):
            continue
        a, b = upper["rank_basis"], lower["rank_basis"]
        # nothing backed only by animal or in-vitro work above what patients back
        assert not (a["preclinical_only"] and not b["preclinical_only"]), \
            (upper[name_key], lower[name_key])
        # hypotheses below observations
        if a["preclinical_only"] == b["preclinical_only"]:
            assert not (a["hypothesis_only"] and not b["hypothesis_only"]), \
                (upper[name_key], lower[name_key])
    for row in rows:
        basis = row["rank_basis"]
        assert basis["summary"] and "level" in basis["summary"] or not row["evidence"]
        support = {quote_key(e) for e in row["evidence"]}
        # contested only from independent evidence (another sentence)
        assert row["contested"] == bool(row["conflicting_evidence"])
        assert not any(quote_key(c) in support for c in row["conflicting_evidence"]), \
            row[name_key]
        # caveats shown beside the claim, never subtracted
        for e in row["evidence"]:
            if e.get("caveat"):
                assert e["caveat"]["text"] in [c["text"] for c in row["caveats"]]
        if name_key == "strategy" and row.get("kind") != "monitoring":
            # an option addresses something in the situation, and rests on a relation that
            # says it acts on it: never on "contributes to" alone
            assert row["addresses"], row[name_key]
            assert all(e["predicate"]["iri"].rsplit("/", 1)[-1] in SUPPORTING
                       for e in row["evidence"]), row[name_key]


@pytest.mark.parametrize("text,scope", [
    ("CD19-negative relapse", {"after": "CAR-T"}), ("blinatumomab", {}),
    ("Primary T-cell failure", {"disease": "B-ALL"}), ("Antigen-negative relapse mechanisms", {})])
def test_mechanism_rows_are_ranked_and_contested_like_strategies(store, text, scope):
    answer = mechanism_answer(store, text, **scope)
    assert answer["mechanisms"] and {"after", "therapy"} <= set(answer["scope"])
    assert_ranking_principles(answer["mechanisms"], "mechanism")
    for row in answer["mechanisms"]:
        assert not any(e["negated"] or e["certainty"] == "not-yet-observed"
                       for e in row["evidence"])
        not_yet = [c for c in row["conflicting_evidence"] if c["certainty"] == "not-yet-observed"]
        assert all(c["id"] in {x.get("evidence") for x in row["caveats"]} for c in not_yet)


def test_biomarker_rows_carry_curated_conflicts(store):
    rows = biomarkers(store)
    by_id = {e["id"]: r for r in rows for e in r["evidence"]}
    for row in rows:
        own = {quote_key(e) for e in row["evidence"]}
        linked = [c for e in row["evidence"] for c in e["conflicts_with"] if c in by_id]
        independent = [c for c in linked
                       if {quote_key(e) for e in by_id[c]["evidence"]} - own]
        if independent:
            assert row["contested"], row["biomarker"]
        assert row["contested"] == bool(row["conflicting_evidence"])
        assert not any(quote_key(c) in own for c in row["conflicting_evidence"])
    assert any(r["contested"] for r in rows)


# question -> (question_type, property of the answer)
QUESTIONS = [
    ("Should I add a PD-1 inhibitor for a child whose CAR-T cells never expanded?", "evaluate",
     lambda d: d["answer"][0]["stance"] == "against" and d["answer"][0]["bears_on"] == "situation"
     and d["situation"]["population"] == "paediatric"),
    ("should I escalate the dose?", "evaluate",
     lambda d: d["answer"][0]["stance"] == "against"
     and d["answer"][0]["evidence_level"]["level"] == min(
         i["evidence_level"]["level"] for i in d["answer"] if i["stance"] == "against")),
    ("how should we monitor for resistant clones after CAR-T in ALL?", "monitoring",
     lambda d: d["answer"] and all(r["kind"] == "monitoring" for r in d["answer"])
     and d["scope"]["after"] and not d["scope"]["therapy"]),
    ("why did my patient have a myeloid relapse after CAR-T?", "explain",
     lambda d: d["answer"][0]["iri"] == next(m["iri"] for m in d["recognised"]
                                             if m["category"] == "mechanism")),
    ("blinatumomab stopped working, what now?", "strategies",
     lambda d: d["scope"]["after"] == "Blinatumomab" and not d["scope"]["therapy"]
     and any("car-t" in r["modality"] for r in d["answer"])),
    ("patient relapsed CD19-negative after tisa-cel, what options?", "strategies",
     lambda d: d["scope"]["after"] == "Tisagenlecleucel" and d["answer"][0]["kind"] == "treatment"),
    ("failed axi-cel, which mechanisms explain primary non-response?", "explain",
     lambda d: d["scope"]["after"] == "Axicabtagene ciloleucel"),
    ("Should we do a consolidative transplant after CAR-T in ALL?", "evaluate",
     lambda d: d["evaluated"]["category"] == "strategy"
     and any(i["bears_on"] == "situation" for i in d["answer"])),
    ("Which biomarkers predict early resistance?", "biomarkers", lambda d: d["answer"]),
    ("My 8-year-old with B-ALL relapsed CD19-negative after tisa-cel; what now?", "strategies",
     lambda d: d["situation"]["population"] == "paediatric" and d["scope"]["after"]
     and d["answer"][0]["kind"] == "treatment" and d["answer"][0]["caveats"]),
    ("She lost response to blinatumomab; options?", "strategies",
     lambda d: d["scope"]["after"] == "Blinatumomab" and not d["scope"]["therapy"]),
]


@pytest.mark.parametrize("text,kind,check", QUESTIONS, ids=[q[0][:40] for q in QUESTIONS])
def test_ask_answers_the_question_types(store, text, kind, check):
    doc = ask(store, text)
    assert doc["question_type"] == kind
    assert {"finding", "disease", "population", "after", "therapy", "kind"} <= \
        set(doc["situation"])
    assert check(doc), doc["situation"]


@pytest.mark.parametrize("args", [
    ("strategies", "CD19-negative relapse"),
    ("strategies", "CD19-negative relapse", "--after", "tisa-cel", "--disease", "B-ALL",
     "--population", "paediatric"),
    ("strategies", "Secondary T-cell failure", "--explain"),
    ("mechanisms", "CD19-negative relapse", "--explain"),
    ("ask", "Should I add a PD-1 inhibitor for a child whose CAR-T cells never expanded?",
     "--explain")])
def test_text_answers_are_readable(built_project, args):
    done = run_cli(*args, home=built_project)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    numbers = [int(m.group(1)) for m in map(re.compile(r"^(\d+)\. ").match, lines) if m]
    assert numbers == list(range(1, len(numbers) + 1))          # numbered in printed order
    quotes = [line.strip() for line in lines if line.strip().startswith("\u201c")]
    assert len(quotes) == len(set(quotes))                         # no quote printed twice
    if "--explain" not in args:
        assert len(lines) <= 40                                    # fits on one screen
        assert all("\u201c" not in line for line in lines)        # one line per option


def test_after_is_echoed_and_withholds_nothing(built_project):
    plain = json.loads(run_cli("strategies", "CD19-negative relapse", "--json",
                               home=built_project).stdout)
    after = json.loads(run_cli("strategies", "CD19-negative relapse", "--after", "blinatumomab",
                               "--json", home=built_project).stdout)
    assert {r["strategy"] for r in plain} == {r["strategy"] for r in after}
    bad = run_cli("strategies", "CD19-negative relapse", "--after", "zzzz", home=built_project)
    assert bad.returncode == 1 and "Traceback" not in bad.stderr


def test_api_takes_the_situation(store):
    from kg.server.api import answer
    status, rows = answer(store, "strategies", {"text": "CD19-negative relapse",
                                                "after": "blinatumomab"})
    assert status == 200 and rows[0]["resolved"]["scope"]["after"] == "Blinatumomab"
    assert any("car-t" in r["modality"] for r in rows)
    status, rows = answer(store, "mechanisms", {"text": "relapse", "after": "blinatumomab"})
    assert status == 200 and all(not r["modality"] or "blinatumomab" in r["modality"]
                                 for r in rows)
    status, body = answer(store, "biomarkers", {"after": "no such therapy"})
    assert status == 404 and body["error"]
