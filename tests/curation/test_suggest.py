"""The curation assistant: suggest → import (as drafts) → validate on a copy of the project,
every proposed quote verbatim in the text, the review page offline, candidate new entities, and
bad input (exit 1, nothing written)."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from projectcopy import run_cli
from test_curate import snapshot
from kg.curation.sentences import split_sentences
from kg.curation.sources import load_curation
from kg.paths import project_paths
from kg.text import normalise_whitespace



@pytest.mark.slow
@pytest.mark.parametrize("source,ident", [("10.2991/chi.d.190219.001", "jacoby2019"),
                                          ("xu2023", "xu2023")])
def test_suggest_import_validate_round_trip(project_copy, tmp_path, source, ident):
    out = tmp_path / "out" / f"{ident}.tsv"
    r = run_cli("curate", "suggest", "--source", source, "--out", str(out), home=project_copy)
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(out.open(encoding="utf-8"), delimiter="\t"))
    assert len(rows) > 50
    text = load_curation(project_paths(project_copy)).sources[ident].normalised_text
    assert all(normalise_whitespace(row["quote"]) in text for row in rows)
    page = out.with_suffix(".html").read_text(encoding="utf-8")
    assert page.count('class="cand"') == json.loads(run_cli(
        "curate", "suggest", "--source", ident, "--json", home=project_copy).stdout
    )["candidates"].__len__()
    assert "<mark" in page
    assert "http://" not in page and "https://" not in page  # nothing fetched: works offline

    before = len(load_curation(project_paths(project_copy)).evidence)
    r = run_cli("curate", "import", str(out), "--json", home=project_copy)
    assert r.returncode == 0, r.stderr
    added = json.loads(r.stdout)["added"]
    assert len(added) == len(rows)
    cur = load_curation(project_paths(project_copy))
    assert len(cur.evidence) == before + len(rows)
    new = {e.id: e for e in cur.evidence if e.id in set(added)}
    assert {e.status for e in new.values()} == {"draft"}
    assert {e.certainty for e in new.values()} <= {"stated", "hedged", "hypothesis",
                                                  "not-yet-observed"}
    assert any(e.negated for e in new.values()) and any(e.statistics for e in new.values())
    r = run_cli("curate", "validate", "--reasoner", "none", home=project_copy)
    assert r.returncode == 0, r.stderr


def test_every_quote_verbatim_and_duplicates_marked(project_copy):
    r = run_cli("curate", "suggest", "--source", "xu2023", "--json", home=project_copy)
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    cur = load_curation(project_paths(project_copy))
    source = cur.sources["xu2023"]
    raw = source.text_path.read_text(encoding="utf-8")
    for c in result["candidates"]:
        assert normalise_whitespace(raw[c["start"]:c["end"]]) == c["quote"]
        assert c["quote"] in source.normalised_text
        for key in ("subject", "predicate", "object", "refs", "statistics", "negated",
                    "certainty", "section", "confidence", "duplicate_of"):
            assert key in c
        for s in c["statistics"]:
            assert s["text"] in raw[c["start"]:c["end"]]
        assert all(1 <= int(x) <= source.reference_count for x in c["refs"])
    by_id = {e.id: e for e in cur.evidence}
    dups = [c for c in result["candidates"] if c["duplicate_of"]]
    assert dups
    for c in dups:   # the same pair of the same sentence is curated already (any relation)
        ev = by_id[c["duplicate_of"]]
        assert (ev.subject, ev.object) == (c["subject"]["id"], c["object"]["id"])
    ranked = [c["confidence"] for c in result["candidates"] if not c["duplicate_of"]]
    assert ranked == sorted(ranked, reverse=True)


def test_section_filter(project_copy):
    r = run_cli("curate", "suggest", "--source", "xu2023", "--section", "long-term", "--json",
                home=project_copy)
    assert r.returncode == 0, r.stderr
    sections = {c["section"] for c in json.loads(r.stdout)["candidates"]}
    assert sections and all("long-term" in s.lower() for s in sections)


def register(root: Path, text: bytes | str, ident: str = "new2026"):
    path = root / f"{ident}.txt"
    path.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    r = run_cli("curate", "add-source", "--id", ident, "--doi", f"10.5555/{ident}",
                "--title", "A new paper", "--authors", "Bo Tester", "--year", "2026",
                "--journal", "Fixture Letters", "--licence", "CC BY 4.0", "--text", str(path),
                "--reference-count", "20", home=root)
    assert r.returncode == 0, r.stderr


def test_new_paper_candidates_and_new_entities(project_copy):
    register(project_copy, "Loss of CD19 was not observed after tisa-cel (3). ZNF717 was "
             "mutated in relapsed B-ALL (4, 5). Patients with ZNF717 loss may relapse with "
             "CD19-negative relapse [6–8].\n")
    r = run_cli("curate", "suggest", "--source", "10.5555/new2026", "--json", home=project_copy)
    assert r.returncode == 0, r.stderr
    result = json.loads(r.stdout)
    assert [e["text"] for e in result["new_entities"]] == ["ZNF717"]
    refs = {tuple(c["refs"]) for c in result["candidates"]}
    assert ("6", "7", "8") in refs
    first = [c for c in result["candidates"] if c["quote"].startswith("Loss of CD19")]
    assert first and all(c["negated"] for c in first)
    hedged = [c for c in result["candidates"] if "may relapse" in c["quote"]]
    assert hedged and all(c["certainty"] == "hedged" for c in hedged)


@pytest.mark.parametrize("args,content,message", [
    (["--source", "10.9999/unknown"], None, "not registered"),
    (["--source", "xu2023", "--section", "No such heading"], None, "section"),
    (["--source", "new2026"], "", "empty"),
    (["--source", "new2026"], b"\x00\x01\x02binary\x00", "binary"),
])
def test_bad_input_exit_1_nothing_written(project_copy, tmp_path, args, content, message):
    if content is not None:
        register(project_copy, content)
    before = snapshot(project_copy)
    out = tmp_path / "s.tsv"
    r = run_cli("curate", "suggest", *args, "--out", str(out), home=project_copy)
    assert r.returncode == 1, r.stderr
    assert message in r.stderr and "Traceback" not in r.stderr
    assert not out.exists() and not out.with_suffix(".html").exists()
    assert snapshot(project_copy) == before


def test_sentence_spans_are_exact():
    text = ("Patients with high LDH (>500 U/L) had inferior PFS (HR 2.1; P<0.01) [21,23–25]. "
            "It was not seen in\nmice (54, 55).\n\nhttps://example.org/x 01 frontiersin.org\n"
            "Next express-\ning sentence.")
    spans = split_sentences(text)
    assert [text[s.start:s.end] for s in spans][:2] == [
        "Patients with high LDH (>500 U/L) had inferior PFS (HR 2.1; P<0.01) [21,23–25].",
        "It was not seen in\nmice (54, 55)."]
    assert all("http" not in text[s.start:s.end] for s in spans)
