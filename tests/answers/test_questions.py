"""The clinical questions answered on real built data."""
from __future__ import annotations

import json

import pytest

from projectcopy import run_cli
from kg.answers.questions import biomarkers, mechanisms, strategies

XU_TABLE1_SOLUTIONS = {
    "Nature of the CAR costimulatory domain": "Incorporating a 4-1BB costimulatory domain",
    "Anti-CAR immune response": "Incorporating a human-derived scFv",
    "Patient age affecting CAR-T cell quality": "Universal CAR-T cells for elderly patients",
    "T-cell exhaustion": "Combining CAR-T therapy with immune checkpoint blockade",
    "Antigen epitope alteration": "Dual/multi-targeted CAR-T cells",
    "Defective CD19 processing and trafficking": "Sequential infusion of CAR-T cells targeting different antigens",
    "Epitope concealment by CAR-transduced tumour cells": "Optimising the CAR-T production process",
    "Immune pressure selecting CD19-negative clones": "Dual/multi-targeted CAR-T cells",
    "Cytokine-induced myeloid differentiation": "Controlling cytokine release syndrome",
    "Trogocytosis-mediated reversible antigen loss": "Dual/multi-targeted CAR-T cells",
    "Expression of inhibitory ligands": "Combining CAR-T therapy with immune checkpoint blockade",
    "Resistance to immune killing through impaired apoptosis": "Combining CAR-T therapy with proapoptotic agents",
}


@pytest.mark.parametrize("mechanism,solution", sorted(XU_TABLE1_SOLUTIONS.items()))
def test_each_xu_table1_row_gives_its_solution(store, mechanism, solution):
    answer = strategies(store, mechanism)
    assert solution in [a["strategy"] for a in answer]


def test_cd19_negative_relapse_covers_all_antigen_negative_mechanisms(store):
    answer = strategies(store, "CD19-negative relapse")
    addressed = {m for a in answer for m in a["addresses"]}
    assert {"Antigen epitope alteration", "Cytokine-induced myeloid differentiation",
            "Immune pressure selecting "
            "CD19-negative clones", "Epitope concealment by CAR-transduced tumour cells"} <= addressed
    assert "Combining CAR-T therapy with proapoptotic agents" not in [a["strategy"] for a in answer]
    for a in answer:
        assert a["evidence"] and all(e["quote"] and e["source"] for e in a["evidence"])


def test_explanation_steps_are_edges_of_the_graph(store):
    for a in strategies(store, "CD19-negative relapse") + strategies(store, "T-cell failure"):
        for step in a["explanation"]:
            relation = "https://w3id.org/cartkg/vocab/" + step["relation"]
            r = store.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }",
                            {"s": _iri(step["from_iri"]), "p": _iri(relation),
                             "o": _iri(step["to_iri"])})
            assert r.rows, step
        assert a["explanation"][-1]["relation"] == "addresses"


def _iri(value):
    from kg.store.local import Term
    return Term.iri(value)


def test_mechanisms_follow_both_classifications(store):
    jacoby = {m["mechanism"] for m in mechanisms(store, "loss of CD19 expression")}
    xu = {m["mechanism"] for m in mechanisms(store, "antigen-negative relapse mechanisms")}
    assert "CD19 gene mutation" in jacoby & xu
    assert "Trogocytosis-mediated reversible antigen loss" in xu - jacoby
    tcf = {m["mechanism"] for m in mechanisms(store, "T-cell failure")}
    assert {"T-cell exhaustion", "Failure of T-cell expansion and transduction in culture",
            "Anti-CAR immune response"} <= tcf


def test_unknown_text_exits_1_with_candidates(built_project):
    r = run_cli("strategies", "CD19 negatve relapse", "--json", home=built_project)
    assert r.returncode in (0, 1)
    r = run_cli("strategies", "no such thing at all", "--json", home=built_project)
    assert r.returncode == 1 and json.loads(r.stdout) == [] and "no entity" in r.stderr


def test_strategies_cli_matches_python_api(built_project, store):
    r = run_cli("strategies", "CD19-negative relapse", "--json", home=built_project)
    assert r.returncode == 0
    assert [a["strategy"] for a in json.loads(r.stdout)] == \
        [a["strategy"] for a in strategies(store, "CD19-negative relapse")]


def test_biomarkers_filters(store):
    every = biomarkers(store)
    for b in biomarkers(store, direction="unfavourable"):
        assert b["direction"] == "unfavourable"
    assert len(biomarkers(store, outcome="response")) <= len(every)


def test_assess_patient_profile(built_project, store):
    from kg.answers.questions import assess
    findings = ["TP53 alteration", "TMTV > 80 mL", "CD19-negative relapse"]
    answer = assess(store, findings)
    hr = [s for b in answer["risk_factors"] for s in b["statistics"] if s["measure"] == "HR"]
    assert any(s["value"] == 4.35 for s in hr)
    assert {"TP53 alteration"} <= {b["biomarker"] for b in answer["risk_factors"]}
    assert answer["strategies"][0]["evidence"]
    assert "Dual/multi-targeted CAR-T cells" in [a["strategy"] for a in answer["strategies"]]
    args = [a for f in findings for a in ("--finding", f)]
    r = run_cli("assess", *args, "--json", home=built_project)
    assert r.returncode == 0 and json.loads(r.stdout)["strategies"] == answer["strategies"]
    table = run_cli("assess", *args, home=built_project)
    assert "Risk factors" in table.stdout and "4.35" in table.stdout


def test_conflicting_evidence_is_shown(store):
    answers = strategies(store, "Nature of the CAR costimulatory domain")
    four1bb = next(a for a in answers if a["strategy"] == "Incorporating a 4-1BB costimulatory domain")
    assert four1bb["conflicting_evidence"] or any(e["conflicts_with"] for e in four1bb["evidence"])
