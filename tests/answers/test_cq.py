"""Competency questions as data: each query runs, gives its expected answer, and agrees across
the Python API, the CLI and plain SPARQL on both embedded engines."""
from __future__ import annotations

import json

import pytest
import yaml

from projectcopy import REPO, run_cli
from kg.answers import questions
from kg.answers.cq import bindings_for, load_cqs, run_cq
from kg.paths import project_paths
from kg.store.local import open_store

CQS = load_cqs(project_paths(REPO))
MANIFEST = yaml.safe_load((REPO / "queries" / "cq" / "manifest.yaml").read_text())


def test_at_least_twenty_questions_each_with_question_and_expectation():
    assert len(CQS) >= 20
    assert set(CQS) == set(MANIFEST)
    assert all(cq.question for cq in CQS.values())


@pytest.mark.parametrize("name", sorted(CQS))
def test_expected_answer(store, name):
    rows = run_cq(store, CQS[name])
    expect = MANIFEST[name]
    assert len(rows) >= expect.get("min_rows", 1)
    for column, values in (expect.get("contains") or {}).items():
        got = {r.get(column) for r in rows}
        assert set(values) <= got, (column, set(values) - got)


@pytest.fixture(scope="module")
def rdflib_store(built_project):
    return open_store("rdflib", project_paths(built_project))


@pytest.mark.parametrize("name", sorted(CQS))
def test_python_cli_and_sparql_agree(built_project, store, rdflib_store, name):
    cq = CQS[name]
    api = run_cq(store, cq)
    cli = run_cli("cq", name, "--json", home=built_project)
    assert cli.returncode == 0, cli.stderr
    assert json.loads(cli.stdout) == api
    raw = store.query(cq.query, bindings_for(store, cq))
    assert [{v: r[v].value for v in raw.variables if v in r} for r in raw.rows] == api
    key = lambda rows: sorted(json.dumps(r, sort_keys=True) for r in rows)
    assert key(run_cq(rdflib_store, cq)) == key(api)


TWINS = sorted((n, m["twin"]) for n, m in MANIFEST.items() if "twin" in m)
TWIN_TEXTS = ["CD19-negative relapse", "CD19-positive relapse", "T-cell failure",
              "Primary T-cell failure", "antigen-negative relapse mechanisms", "CD81"]


@pytest.mark.parametrize("name,twin", TWINS, ids=[t[0] for t in TWINS])
@pytest.mark.parametrize("text", TWIN_TEXTS)
def test_question_commands_equal_their_sparql_twin(store, name, twin, text):
    cq = CQS[name]
    if twin["param"] == "phenotype":
        from kg.answers.lookup import resolve
        if resolve(store, text)["category"] != "outcome":
            pytest.skip("this query takes a phenotype")
    sparql = {r[twin["column"]] for r in run_cq(store, cq, {twin["param"]: text})}
    python = {a[twin["key"]] for a in getattr(questions, twin["function"])(store, text)}
    assert sparql == python


def test_parameters_are_resolved_not_spliced(store):
    from kg.errors import NoMatch
    with pytest.raises(NoMatch):
        run_cq(store, CQS["strategies-for-phenotype"], {"phenotype": '"} ?s ?p ?o {"'})
