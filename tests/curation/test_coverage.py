"""cartkg coverage: which sentences that mention the graph are cited."""
from __future__ import annotations

import json

import pytest

from projectcopy import run_cli
from kg.curation.coverage import coverage, sentences
from kg.paths import project_paths


def test_sentences_keep_offsets_and_skip_abbreviations():
    text = "Hill et al. (80) found a thing here. Short one. Another long sentence follows now."
    got = sentences(text)
    assert [s for _, s in got] == ["Hill et al. (80) found a thing here.",
                                   "Another long sentence follows now."]
    assert all(text[o:o + len(s)] == s for o, s in got)


def _name(project, label, synonym):
    entities = project / "ontology" / "curation" / "entities" / "entities.yaml"
    entities.write_text(entities.read_text().replace(
        f"label: {label}\n", f"label: {label}\n  synonyms: [{synonym}]\n", 1))


def test_fixture_counts_exactly(mini_project):
    _name(mini_project, "Mini dual CAR", "Dual-targeted CAR-T cells")
    _name(mini_project, "Mini early resistance", "early resistance")
    (report,) = coverage(project_paths(mini_project))
    # three sentences: the first names no entity; the other two are quoted word for word.
    assert (report["mentioning"], report["cited"], report["uncited"]) == (2, 2, [])


def test_uncited_sentence_becomes_a_todo(mini_project):
    src = mini_project / "ontology" / "curation" / "sources" / "mini2024.yaml"
    text = src.read_text()
    start = text.index("- id: mini2024-tmtv")
    src.write_text(text[:start] + text[text.index("- id: mini2024-dual"):])
    _name(mini_project, "Mini early resistance", "early resistance")
    (report,) = coverage(project_paths(mini_project))
    assert report["cited"] < report["mentioning"]
    assert any("hazard ratio of 4.35" in u["sentence"] for u in report["uncited"])


@pytest.mark.parametrize("doi", ["10.3389/fimmu.2023.1110028", "10.2991/chi.d.190219.001"])
def test_biomarker_and_mechanism_sections_at_least_90_percent_cited(doi):
    (report,) = coverage(project_paths(), doi)
    for kind in ("biomarker", "mechanism"):
        if kind in report["by_kind"]:
            assert report["by_kind"][kind]["percent"] >= 90.0, (kind, report["by_kind"][kind])


def test_cli_json_and_unknown_source(built_project):
    r = run_cli("coverage", "--json", home=built_project)
    assert r.returncode == 0 and {x["id"] for x in json.loads(r.stdout)} == {"xu2023", "jacoby2019"}
    r = run_cli("coverage", "--source", "10.9999/none", "--json", home=built_project)
    assert r.returncode == 1 and json.loads(r.stdout) == []
