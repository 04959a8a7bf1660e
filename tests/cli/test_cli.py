"""The command line, run as a real subprocess on a built copy of the project."""
from __future__ import annotations

import csv
import io
import json

import pytest

from projectcopy import run_cli

XU, JACOBY = "10.3389/fimmu.2023.1110028", "10.2991/chi.d.190219.001"


def cli(built_project, *args):
    return run_cli(*args, home=built_project)


@pytest.mark.parametrize("text,label", [
    ("CD19-negative relapse", "CD19-negative relapse"),
    ("cd19 negative relapse", "CD19-negative relapse"),
    ("antigen-negative relapse", "CD19-negative relapse"),
    ("Yescarta", "Axicabtagene ciloleucel"),
    ("axi-cel", "Axicabtagene ciloleucel"),
    ("T cell exhaustion", "T-cell exhaustion"),
])
def test_lookup_resolves_labels_and_synonyms(built_project, text, label):
    r = cli(built_project, "lookup", text, "--json")
    assert r.returncode == 0, r.stderr
    best = json.loads(r.stdout)[0]
    assert best["label"] == label
    assert set(best) >= {"label", "iri", "category", "types", "synonyms", "xrefs", "definition"}


def test_lookup_no_match_exits_1_with_empty_json(built_project):
    r = cli(built_project, "lookup", "qwxyzzy", "--json")
    assert (r.returncode, json.loads(r.stdout)) == (1, [])
    assert "no entity matches" in r.stderr


def test_usage_error_exits_2(built_project):
    assert cli(built_project, "lookup").returncode == 2
    assert cli(built_project, "sparql", "SELECT * {?s ?p ?o}", "--format", "xml").returncode == 2


def test_evidence_filters_by_source_and_subject(built_project):
    r = cli(built_project, "evidence", "--source", JACOBY, "--json")
    items = json.loads(r.stdout)
    assert r.returncode == 0 and items and {i["source"] for i in items} == {JACOBY}
    r = cli(built_project, "evidence", "--about", "lineage switch", "--json")
    items = json.loads(r.stdout)
    assert {i["source"] for i in items} == {XU, JACOBY}
    assert all("Lineage switch" in (i["subject"]["label"], i["object"]["label"]) for i in items)
    item = items[0]
    assert set(item) >= {"id", "subject", "predicate", "object", "source", "refs", "quote",
                         "section", "statistics", "context", "direction"}
    assert set(item["context"]) >= {"disease", "product", "trial", "study_type"}


def test_sparql_formats(built_project):
    q = "SELECT ?m ?l WHERE { ?m ckg:kindOf ent:loss-of-cd19-expression ; rdfs:label ?l }"
    j = json.loads(cli(built_project, "sparql", q, "--format", "json").stdout)
    labels = {b["l"]["value"] for b in j["results"]["bindings"]}
    assert j["head"]["vars"] == ["m", "l"] and "CD19 gene mutation" in labels
    rows = list(csv.reader(io.StringIO(cli(built_project, "sparql", q, "--format", "csv").stdout)))
    assert rows[0] == ["m", "l"] and {r[1] for r in rows[1:]} == labels
    tsv = cli(built_project, "sparql", q, "--format", "tsv").stdout.splitlines()
    assert tsv[0] == "?m\t?l" and tsv[1].startswith("<https://w3id.org/cartkg/entity/")
    table = cli(built_project, "sparql", q).stdout
    assert "CD19 gene mutation" in table and f"({len(labels)} rows)" in table


def test_sparql_bad_query_exits_1(built_project):
    r = cli(built_project, "sparql", "SELECT WHERE {")
    assert r.returncode == 1 and "SPARQL" in r.stderr


def test_stats_json(built_project):
    stats = json.loads(cli(built_project, "stats", "--json").stdout)
    assert stats["entities"]["mechanism"] >= 30 and stats["evidence_by_source"][XU] > 0


def test_curate_validate_clean(built_project):
    r = cli(built_project, "curate", "validate")
    assert r.returncode == 0, r.stderr
