"""Clinical safety of the answers (issue 14), checked on the real built graph: table-driven over
every mechanism and every relapse or failure phenotype of both reviews' classifications, taken
from the store rather than listed here."""
from __future__ import annotations

import json

import pytest

from projectcopy import run_cli
from kg.answers.ask import ask
from kg.answers.questions import assess, strategy_answer
from kg.answers.ranking import level_of, rank_row
from kg.store.local import Term

SUBJECTS = """
SELECT DISTINCT ?e ?label WHERE {
  VALUES ?type { ckg:ResistanceMechanism ckg:RelapsePhenotype ckg:TreatmentFailurePhenotype }
  ?e a ?type ; rdfs:label ?label }"""
KIND_OF = "SELECT ?narrow WHERE { ?narrow ckg:kindOf ?broad }"
SCOPES = [{}, {"therapy": "blinatumomab"}, {"therapy": "tisa-cel", "disease": "DLBCL"},
          {"disease": "B-ALL", "population": "paediatric"}]


def _subjects():
    from kg.paths import project_paths
    from kg.store.local import open_store
    store = open_store("oxigraph-memory", project_paths())
    return sorted(r["label"].value for r in store.query(SUBJECTS).rows)


SUBJECT_LABELS = _subjects()


def test_the_table_covers_both_classifications(store):
    labels = {r["label"].value for r in store.query(SUBJECTS).rows}
    assert set(SUBJECT_LABELS) == labels
    for group in ("Antigen-negative relapse mechanisms", "Production failure",
                  "Primary T-cell failure", "Target-antigen modulation", "CD19-negative relapse"):
        assert group in labels


@pytest.mark.parametrize("scope", SCOPES, ids=lambda s: ",".join(s.values()) or "unscoped")
@pytest.mark.parametrize("text", SUBJECT_LABELS)
def test_safety_invariants(store, text, scope):
    answer = strategy_answer(store, text, **scope)
    rows = answer["strategies"]
    assert answer["resolved"]["label"] == text
    # no strategy ranked above a direct answer of its kind of action by inheritance alone
    for kind in {r["kind"] for r in rows}:
        tiers = [r["rank_basis"]["tier"] for r in rows if r["kind"] == kind]
        assert tiers == sorted(tiers, key=("direct", "inherited").index)
    withheld = {w["iri"] for w in answer["withheld"]}
    for row in rows:
        assert row["iri"] not in withheld
        assert row["resolved"] == answer["resolved"]
        # no negated item read as positive
        assert not any(e["negated"] for e in row["evidence"])
        # no strategy shown without its contrary evidence (as a caveat when it qualifies the
        # supporting sentence itself)
        shown = {e["id"] for e in row["conflicting_evidence"]} \
            | set(row["rank_basis"]["same_sentence"])
        targets = {e["object"]["iri"] for e in row["evidence"]} | {answer["resolved"]["iri"]}
        ev_ids = {e["id"] for e in row["evidence"]}
        for e in _all_items(store):
            if e["subject"]["iri"] == row["iri"] and e["negated"] \
                    and e["object"]["iri"] in targets:
                assert e["id"] in shown, (row["strategy"], e["id"])
            if set(e["conflicts_with"]) & ev_ids and e["id"] not in ev_ids:
                assert e["id"] in shown, (row["strategy"], e["id"])
        assert row["contested"] == bool(row["conflicting_evidence"]) \
            == row["rank_basis"]["contested"]
        # inherited only up kindOf, and said so
        if row["inherited"]:
            step = row["inherited_step"]
            iri = _iris(store)
            assert step["to"] == row["inherited"] and row["addresses"] == [row["inherited"]]
            assert store.query(KIND_OF, {"narrow": Term.iri(iri[step["from"]]),
                                         "broad": Term.iri(iri[row["inherited"]])}).rows
        # scope: nothing from outside it unless marked extrapolated
        for e in row["evidence"] + row["conflicting_evidence"]:
            assert e["extrapolated"] == bool(e["extrapolated_because"]) or \
                e.get("directness") == "extrapolated"
            _assert_in_scope_or_marked(e, answer["scope"])
        if answer["scope"]["modality"] and row["modality"]:
            assert answer["scope"]["modality"] in row["modality"]


_ITEMS = {}


def _iris(store):
    if "iris" not in _ITEMS:
        from kg.answers.lookup import entity_index
        _ITEMS["iris"] = {r["label"]: iri for iri, r in entity_index(store).items()}
    return _ITEMS["iris"]


def _all_items(store):
    if "all" not in _ITEMS:
        from kg.answers.evidence import evidence_items
        _ITEMS["all"] = evidence_items(store)
    return _ITEMS["all"]


def _assert_in_scope_or_marked(item, scope):
    if item["extrapolated"]:
        return
    if scope["disease"] and item["scope"]["disease"]:
        assert scope["disease"] in item["scope"]["disease"] or any(
            d in ("Large B-cell lymphoma", "B-cell non-Hodgkin lymphoma")
            for d in item["scope"]["disease"]) or scope["disease"] == "B-cell acute " \
            "lymphoblastic leukaemia" and "B-cell acute lymphoblastic leukaemia" in \
            item["scope"]["disease"], item["id"]
    if scope["modality"] and item["scope"]["modality"]:
        assert scope["modality"] in item["scope"]["modality"], item["id"]
    if scope["population"] and item["scope"]["population"]:
        assert item["scope"]["population"] in (scope["population"], "mixed"), item["id"]


def test_contrary_evidence_on_primary_failure_is_shown_and_lowers_the_rank(store, built_project):
    rows = strategy_answer(store, "primary T-cell failure")["strategies"]
    checkpoint = next(r for r in rows if r["iri"].endswith("/checkpoint-blockade-combination"))
    assert checkpoint["contested"]
    assert "jacoby2019-pd1-inhibition-not-initial-failure" in \
        [e["id"] for e in checkpoint["conflicting_evidence"]]
    assert checkpoint["rank_basis"]["penalty"] > 0
    assert rows.index(checkpoint) > 0
    text = run_cli("strategies", "primary T-cell failure", "--explain",
                   home=built_project).stdout
    assert "CONTESTED" in text and "does NOT address Primary T-cell failure" in text
    assert "but not in patients with initial CAR-T cell failure [24]" in " ".join(text.split())


def test_no_leaks_from_broader_or_sibling_mechanisms(store):
    production = strategy_answer(store, "Production failure")
    names = [r["strategy"] for r in production["strategies"]]
    assert "Combining CAR-T therapy with immune checkpoint blockade" not in names
    assert "BiTE therapy for CD19-positive relapse after CAR-T" not in names
    assert "Combining CAR-T therapy with immune checkpoint blockade" in \
        [w["strategy"] for w in production["withheld"]]
    trogocytosis = strategy_answer(store, "trogocytosis")["strategies"]
    assert trogocytosis[0]["strategy"] in ("Dual/multi-targeted CAR-T cells",
                                           "Sequential infusion of CAR-T cells targeting "
                                           "different antigens")
    assert "Combining CAR-T therapy with immune checkpoint blockade" not in \
        [r["strategy"] for r in trogocytosis]
    lineage = strategy_answer(store, "Lineage switch")
    assert "CD22-targeted therapy for CD19-negative relapse" not in \
        [r["strategy"] for r in lineage["strategies"]]
    assert any("xu2023-gardner-lineage-switch" in w["reason"] for w in lineage["withheld"])
    crs = [r for r in lineage["strategies"] if r["strategy"] == "Controlling cytokine release "
           "syndrome"]    # Xu's solution of the cytokine-induced myeloid differentiation row
    assert crs and "Cytokine-induced myeloid differentiation" in crs[0]["addresses"]


def test_therapy_scope_withholds_car_t_only_strategies(store):
    answer = strategy_answer(store, "CD19-negative relapse", therapy="blinatumomab")
    assert answer["scope"]["modality"] == "blinatumomab"
    assert "Dual/multi-targeted CAR-T cells" not in [r["strategy"] for r in answer["strategies"]]
    assert all(r["modality"] == [] or "blinatumomab" in r["modality"]
               for r in answer["strategies"])


def test_extrapolated_evidence_is_marked(store):
    rows = strategy_answer(store, "primary T-cell failure", disease="DLBCL")["strategies"]
    contrary = [e for r in rows for e in r["conflicting_evidence"]
                if e["id"] == "jacoby2019-pd1-inhibition-not-initial-failure"]
    assert contrary and contrary[0]["extrapolated"]
    assert contrary[0]["extrapolated_because"] == \
        ["disease: B-cell acute lymphoblastic leukaemia"]


def test_every_strategy_carries_its_kind_of_action(store, built_project):
    rows = strategy_answer(store, "Relapse")["strategies"]
    assert rows and all(r["action"] and r["action_from"] for r in rows)
    done = run_cli("strategies", "relapse", "--action", "prevention", "--json",
                   home=built_project)
    names = {r["strategy"] for r in json.loads(done.stdout)}
    # Jacoby's Table 2, "Prior to CAR-T cell production"
    assert {"Early referral and leukapheresis",
            "Fludarabine/cyclophosphamide lymphodepletion"} <= names


def test_distinct_quotes_count_once_and_levels_order():
    item = {"quote": "Same words.", "context": {"study_type": "clinical trial"}}
    once = rank_row([item], [])
    twice = rank_row([item, dict(item, id="copy")], [])
    assert once["score"] == twice["score"] and twice["repeated_quotes"] == 1
    hedged = dict(item, certainty="hedged")
    assert level_of(item)[0] == "B" and level_of(hedged)[0] == "C"
    assert level_of(dict(item, extrapolated=True))[0] == "C"
    assert level_of(dict(item, evidence_level={"level": "A", "basis": "rubric"})) == \
        ("A", "rubric")
    against = rank_row([item], [dict(item, quote="Other words.", negated=True)])
    assert against["contested"] and against["score"] < once["score"]


@pytest.mark.parametrize("text,kind,about,therapy,after", [
    ("patient relapsed CD19-negative after tisa-cel — what options?", "strategies",
     "CD19-negative relapse", None, "Tisagenlecleucel"),
    ("Adult with DLBCL, primary non-response to axi-cel: what next?", "strategies",
     "Primary non-response", None, "Axicabtagene ciloleucel"),
    ("Why did my patient fail blinatumomab?", "explain", "Blinatumomab", None, "Blinatumomab"),
    ("Which biomarkers predict early resistance?", "biomarkers", "Early resistance", None, None),
    ("high LDH and TP53 alteration before axi-cel", "assess", "Elevated LDH",
     "Axicabtagene ciloleucel", None),
    ("evidence that TP53 mutation predicts response", "evidence", "TP53 alteration", None,
     None),
    ("does PD-1 blockade help primary CAR-T failure?", "strategies", "Primary T-cell failure",
     None, None),
    ("Is PD-1 blockade useful?", "evaluate",
     "Combining CAR-T therapy with immune checkpoint blockade", None, None),
])
def test_ask_plain_questions(store, text, kind, about, therapy, after):
    doc = ask(store, text)
    assert doc["question_type"] == kind
    assert doc["resolved"]["label"] == about
    assert doc["scope"]["therapy"] == therapy and doc["scope"]["after"] == after
    assert doc["recognised"] and doc["answer"]


def test_ask_cli_json_and_refusals(built_project):
    text = "patient relapsed CD19-negative after tisa-cel — what options?"
    done = run_cli("ask", text, "--json", home=built_project)
    doc = json.loads(done.stdout)
    assert done.returncode == 0 and doc["question_type"] == "strategies"
    assert {"text", "start", "end", "iri", "label", "category"} <= set(doc["recognised"][0])
    assert doc["answer"][0]["resolved"]["label"] == "CD19-negative relapse"
    plain = run_cli("ask", text, home=built_project)
    assert "Recognised:" in plain.stdout and "Answering for: CD19-negative relapse" in plain.stdout
    nothing = run_cli("ask", "what is the weather today", home=built_project)
    assert nothing.returncode == 1 and "no entity of the graph recognised" in nothing.stderr
    assert "Traceback" not in nothing.stderr


def test_strategies_answers_or_refuses_other_categories(built_project):
    therapy = run_cli("strategies", "tisa-cel", "--json", home=built_project)
    rows = json.loads(therapy.stdout)
    assert therapy.returncode == 0 and rows
    assert rows[0]["resolved"]["label"] == "Tisagenlecleucel"
    assert "after Tisagenlecleucel" in rows[0]["resolved"]["answered_as"]
    gene = run_cli("strategies", "TP53", home=built_project)
    assert gene.returncode == 1 and "cartkg evidence --about" in gene.stderr
    disease = run_cli("strategies", "DLBCL", home=built_project)
    assert disease.returncode == 1 and "--disease" in disease.stderr


def test_assess_uses_every_finding(store):
    answer = assess(store, ["TP53", "tisa-cel", "DLBCL", "CD19-negative relapse"])
    used = {f["label"]: f["used_as"] for f in answer["findings"]}
    assert used["TP53"] == ["risk factor"]
    assert used["Tisagenlecleucel"] == ["scope: therapy"]
    assert used["Diffuse large B-cell lymphoma"] == ["scope: disease"]
    assert answer["scope"]["modality"] == "car-t"
    assert {b["biomarker"] for b in answer["risk_factors"]} == {"TP53 alteration"}
    assert answer["risk_notes"]


def test_bad_action_in_entities_is_rejected(project_copy):
    path = project_copy / "ontology" / "curation" / "entities" / "strategies.yaml"
    text = path.read_text()
    path.write_text(text.replace("action: [prevention]", "action: [prophylaxis]", 1))
    done = run_cli("curate", "validate", home=project_copy)
    assert done.returncode == 1
    assert "strategies.yaml" in done.stderr + done.stdout and "action" in done.stderr + done.stdout


@pytest.mark.parametrize("text", SUBJECT_LABELS)
def test_mechanisms_scope_invariants(store, text):
    from kg.answers.questions import mechanism_answer
    answer = mechanism_answer(store, text, therapy="blinatumomab", disease="DLBCL")
    withheld = {w["iri"] for w in answer["withheld"]}
    for row in answer["mechanisms"]:
        assert row["iri"] not in withheld and row["resolved"] == answer["resolved"]
        assert not row["modality"] or "blinatumomab" in row["modality"]
        for e in row["evidence"]:
            _assert_in_scope_or_marked(e, answer["scope"])


def test_blinatumomab_failure_leaves_out_car_t_mechanisms(built_project):
    done = run_cli("mechanisms", "blinatumomab", "--json", home=built_project)
    names = {r["mechanism"] for r in json.loads(done.stdout)}
    assert done.returncode == 0 and names
    assert not names & {"Anti-CAR immune response", "Nature of the CAR costimulatory domain",
                        "Epitope concealment by CAR-transduced tumour cells"}
    text = run_cli("mechanisms", "blinatumomab", "--explain", home=built_project).stdout
    assert "Not offered" in text and "Anti-CAR immune response" in text
