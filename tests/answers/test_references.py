"""The primary-study register: its data, its validation, and the answers that show it
(evidence JSON, RDF, ``cartkg references``, the competency question, coverage, README)."""
from __future__ import annotations

import json
import re

import pytest
import yaml

from projectcopy import REPO, run_cli
from kg.curation.coverage import AUTHOR_NAMED, coverage, references_markdown
from kg.curation.references import REGISTER_FILE
from kg.curation.sources import load_curation
from kg.errors import CurationErrors
from kg.paths import project_paths

CUR = load_curation(project_paths(REPO))
REGISTER = REPO / "ontology" / "curation" / REGISTER_FILE


# ---------------------------------------------------------------- the register as data
def test_register_shape():
    assert len(CUR.primary_studies) >= 10
    for s in CUR.primary_studies.values():
        assert s.first_author and s.title and s.journal and 1990 <= s.year <= 2023, s.id
        # a DOI or PMID only where a record showed it; without one the link is the record
        assert s.url == (f"https://doi.org/{s.doi}" if s.doi else
                         f"https://pubmed.ncbi.nlm.nih.gov/{s.pmid}/" if s.pmid
                         else s.checked[0].url), s.id
        assert s.cited_as and s.checked, s.id
        assert all(c.url.startswith(("https://", "http://")) and c.matched for c in s.checked)
        assert s.label == f"{s.first_author} {s.year} ({s.journal})"


def test_every_identifier_was_seen_in_a_checked_record():
    """A DOI or PMID is only written where the checked record showed it: it must be named in
    what the record matched."""
    for s in CUR.primary_studies.values():
        seen = " ".join(c.matched for c in s.checked)
        for ident in filter(None, (s.doi, s.pmid)):
            assert ident.lower() in seen.lower(), (s.id, ident)


def test_author_named_citations_name_the_register_author():
    """Where the basis is 'X et al. (N)', X is the study's first author and N the number."""
    for s in CUR.primary_studies.values():
        for cit in s.cited_as:
            m = AUTHOR_NAMED.search(cit.basis)
            if m:
                assert m.group(1) == s.first_author, (s.id, cit.basis)
                assert cit.ref in re.findall(r"\d+", m.group(2)), (s.id, cit.basis)


def test_a_study_cited_by_both_reviews_is_one_entry():
    both = [s.id for s in CUR.primary_studies.values()
            if {c.source for c in s.cited_as} == {"xu2023", "jacoby2019"}]
    assert {"ruella2018", "orlando2018", "fraietta2018", "sotillo2015"} <= set(both)
    assert CUR.citations["xu2023", "29"] == CUR.citations["jacoby2019", "37"] == "ruella2018"


def test_no_two_numbers_of_a_review_resolve_to_same_author_and_year_without_a_note():
    seen: dict[tuple, str] = {}
    for (review, ref), sid in CUR.citations.items():
        s = CUR.primary_studies[sid]
        key = (review, s.first_author.lower(), s.year)
        if key in seen and seen[key] != sid:
            assert s.note and CUR.primary_studies[seen[key]].note, (review, ref, sid, seen[key])
        seen.setdefault(key, sid)


# ---------------------------------------------------------------- bad input
def _entry(**changes) -> dict:
    entry = {"id": "kotani2019", "first_author": "Kotani", "year": 2019, "title": "A study",
             "journal": "Blood", "doi": "10.1182/blood-2019-000000",
             "cited_as": [{"source": "xu2023", "ref": 13,
                           "basis": "Kotani et al. (13) found that CAR-T cells from mice"}],
             "checked": [{"url": "https://example.org/record", "matched": "Kotani, 2019"}]}
    entry.update(changes)
    return {k: v for k, v in entry.items() if v is not None}


def _problems(project, *entries) -> list:
    doc = yaml.safe_load(REGISTER.read_text())
    doc["primary_studies"] += list(entries)
    (project / "ontology" / "curation" / REGISTER_FILE).write_text(yaml.safe_dump(doc))
    with pytest.raises(CurationErrors) as exc:
        load_curation(project_paths(project))
    return exc.value.problems


@pytest.mark.parametrize("changes,field,words", [
    ({"doi": "https://doi.org/10.1182/x"}, "doi", "not a DOI"),
    ({"doi": "10.11/x"}, "doi", "not a DOI"),
    ({"pmid": "PMID:123"}, "pmid", "not a PubMed number"),
    ({"checked": None}, "", "needs a 'checked' list"),
    ({"checked": [{"url": "pubmed 123", "matched": "x"}]}, "url", "not a web address"),
    ({"cited_as": [{"source": "xu2023", "ref": 105, "basis": "Kotani et al. (13)"}]}, "ref",
     "outside 1..104"),
    ({"cited_as": [{"source": "jacoby2019", "ref": 0, "basis": "ZUMA-6"}]}, "ref", "outside 1..66"),
    ({"cited_as": [{"source": "xu2023", "ref": 13, "basis": "Kotani et al. (13) proved"}]},
     "basis", "not found word for word"),
    ({"cited_as": [{"source": "xu2023", "ref": 29, "basis": "Kotani et al. (13)"}]}, "cited_as",
     "already resolved to ruella2018"),
    ({"doi": "10.1038/S41591-018-0201-9"}, "doi", "also the doi of ruella2018"),
])
def test_loader_rejects_with_field_and_fix(project_copy, changes, field, words):
    problems = _problems(project_copy, _entry(**changes))
    hit = [p for p in problems if words in p.problem]
    assert hit, [p.render() for p in problems]
    assert hit[0].field == field and hit[0].fix and hit[0].path.endswith(REGISTER_FILE)
    assert hit[0].line > 1


def test_same_author_and_year_in_one_review_needs_a_note(project_copy):
    twin = _entry(id="ruella2018b", first_author="Ruella", year=2018, doi=None, pmid="1",
                  cited_as=[{"source": "xu2023", "ref": 13, "basis": "Kotani et al. (13)"}])
    problems = _problems(project_copy, twin)
    assert any(p.field == "note" and "share first author and year" in p.problem for p in problems)
    doc = yaml.safe_load(REGISTER.read_text())
    for s in doc["primary_studies"]:
        if s["id"] == "ruella2018":
            s["note"] = "the CTL019 case report"
    doc["primary_studies"].append({**twin, "note": "a different study"})
    (project_copy / "ontology" / "curation" / REGISTER_FILE).write_text(yaml.safe_dump(doc))
    assert load_curation(project_paths(project_copy)).citations["xu2023", "13"] == "ruella2018b"


def test_curate_add_study_rejects_and_writes_nothing_then_accepts(project_copy):
    register = project_copy / "ontology" / "curation" / REGISTER_FILE
    before = register.read_text()
    base = ["curate", "add-study", "--id", "kotani2019", "--first-author", "Kotani",
            "--year", "2019", "--title", "A study", "--journal", "Blood",
            "--cite", "xu2023:13=Kotani et al. (13) found that CAR-T cells from mice"]
    r = run_cli(*base, "--doi", "doi:10.1182/x", "--checked", "https://example.org/=Kotani",
                home=project_copy)
    assert r.returncode == 1 and "field doi" in r.stderr and "fix:" in r.stderr
    r = run_cli(*base, home=project_copy)
    assert r.returncode == 1 and "--checked" in r.stderr
    assert register.read_text() == before
    r = run_cli(*base, "--pmid", "123", "--checked", "https://example.org/=Kotani 2019",
                "--json", home=project_copy)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"id": "kotani2019"}
    assert load_curation(project_paths(project_copy)).citations["xu2023", "13"] == "kotani2019"


# ---------------------------------------------------------------- answers
def test_evidence_json_adds_publications_and_primary_studies(built_project):
    r = run_cli("evidence", "--about", "Epitope concealment by CAR-transduced tumour cells",
                "--json", home=built_project)
    items = json.loads(r.stdout)
    assert r.returncode == 0 and items
    for item in items:
        studies = [s for s in CUR.studies_for(_evidence(item["id"]))]
        assert [s["label"] for s in item["primary_studies"]] == sorted(s.label for s in studies)
        assert item["publications"] == [p for s in sorted(studies, key=lambda s: s.label)
                                        for p in s.publications]
    ruella = next(i for i in items if i["id"] == "xu2023-car-masking-cd19")
    assert ruella["publications"] == ["doi:10.1038/s41591-018-0201-9"]
    assert ruella["primary_studies"][0]["url"] == "https://doi.org/10.1038/s41591-018-0201-9"
    text = run_cli("evidence", "--about", "epitope masking", home=built_project).stdout
    assert "primary studies: Ruella 2018 (Nat Med) <https://doi.org/10.1038/s41591-018-0201-9>" \
        in text


def _evidence(ident: str):
    return next(e for e in CUR.evidence if e.id == ident)


def test_rdf_links_evidence_to_studies_with_identifiers(store):
    rows = store.query("""
        SELECT ?ev ?id WHERE { ?ev a ckg:EvidenceItem ; dcterms:references ?s .
                               ?s a ckg:PrimaryStudy ; dcterms:identifier ?id }""").rows
    got = {(r["ev"].value.rsplit("/", 1)[-1], r["id"].value) for r in rows}
    want = {(ev.id, p) for ev in CUR.evidence for s in CUR.studies_for(ev) for p in s.publications}
    assert got == want and want


def test_references_command_for_an_entity_and_an_evidence_item(built_project):
    r = run_cli("references", "Epitope concealment by CAR-transduced tumour cells", "--json",
                home=built_project)
    answer = json.loads(r.stdout)
    assert r.returncode == 0 and answer["resolved"]["kind"] == "entity"
    (study,) = answer["studies"]
    assert study["doi"] == "10.1038/s41591-018-0201-9"
    assert study["cited_as"] == ["jacoby2019 ref 37", "xu2023 ref 29"]
    assert "xu2023-car-masking-cd19" in study["evidence"]
    assert {u["ref"] for u in answer["unresolved_refs"]} == {"27"}   # Table 1 row cites (27, 29)
    r = run_cli("references", "xu2023-car-masking-cd19", home=built_project)
    assert r.returncode == 0 and "Ruella 2018 (Nat Med)  https://doi.org/10.1038/s41591-018-0201-9" \
        in r.stdout
    r = run_cli("references", "no such thing at all", "--json", home=built_project)
    assert r.returncode == 1 and json.loads(r.stdout)["studies"] == []


def test_coverage_counts_resolved_numbers_and_lists_named_todo():
    text = {s.id: s.normalised_text for s in CUR.sources.values()}
    for report in coverage(project_paths(REPO)):
        ref = report["references"]
        cited = {r for e in CUR.evidence if e.source == report["id"] for r in e.refs}
        assert ref["cited"] == len(cited)
        assert ref["resolved"] == sum((report["id"], r) in CUR.citations for r in cited)
        todo = {u["ref"] for u in ref["unresolved_named"]}
        assert all((report["id"], r) not in CUR.citations for r in todo)
        for m in AUTHOR_NAMED.finditer(text[report["id"]]):
            first = re.findall(r"\d+", m.group(2))[0]
            assert first in todo or (report["id"], first) in CUR.citations, m.group(0)
    r = run_cli("coverage", "--source", "xu2023")
    assert "primary studies:" in r.stdout and "named by author" in r.stdout


def test_readme_states_the_resolved_counts_the_command_gives():
    readme = (REPO / "README.md").read_text()
    block = readme.split("<!-- generated: primary-studies -->\n")[1].split("<!-- /generated -->")[0]
    assert block == references_markdown(coverage(project_paths(REPO)))
