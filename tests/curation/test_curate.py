"""Curation commands: a full round trip, rejections that change nothing, all-or-nothing
imports, reviews with PROV-O, diffs, property-based malformed input, and a killed writer."""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from projectcopy import FIXTURE, REPO, run_cli
from kg.curation.write import CurationInput, add_evidence
from kg.errors import KgError
from kg.paths import project_paths

ORCID = "0000-0002-1825-0097"   # ORCID's documented example iD (valid check digit)


def snapshot(root: Path) -> dict[str, bytes]:
    return {str(p.relative_to(root)): p.read_bytes()
            for p in sorted((root / "ontology" / "curation").rglob("*")) if p.is_file()}


def register_paper2(root: Path):
    shutil.copy(FIXTURE / "paper2.txt", root / "fixtures" / "paper2.txt")
    return run_cli("curate", "add-source", "--id", "second2025", "--doi", "10.5555/second.2025",
                   "--title", "A second paper", "--authors", "Bo Tester; Cy Tester",
                   "--year", "2025", "--journal", "Fixture Letters", "--licence", "CC BY 4.0",
                   "--text", str(root / "fixtures" / "paper2.txt"), "--reference-count", "5",
                   home=root)


def add(root: Path, *extra: str, quote="Dual-targeted CAR-T cells reduced relapse (4).",
        subject="Mini dual CAR", obj="mini loss", refs="4",
        study_type: str | None = "single-arm trial"):
    """``curate add`` of a claim from the second paper (``study_type=None`` leaves it out)."""
    typed = ["--study-type", study_type] if study_type else []
    return run_cli("curate", "add", "--source", "10.5555/second.2025", "--subject", subject,
                   "--predicate", "addresses", "--object", obj, "--quote", quote,
                   "--refs", refs, "--curator", ORCID, *typed, "--json", *extra, home=root)


@pytest.mark.slow
def test_round_trip(mini_project):
    from kg.build.pipeline import build
    build(project_paths(mini_project), quiet=True, figures=False)
    old_exports = mini_project / "old-exports"
    shutil.copytree(mini_project / "exports", old_exports, ignore=shutil.ignore_patterns("store"))

    r = register_paper2(mini_project)
    assert r.returncode == 0, r.stderr
    r = add(mini_project)
    assert r.returncode == 0, r.stderr
    first = json.loads(r.stdout)["id"]
    r = add(mini_project, "--statistic", "OR=2.5", "--statistic", "p=0.03",
            "--statistic", "n=40",
            "--new-subject", "biomarker", "--subject-definition", "Ferritin above normal.",
            "--direction", "unfavourable", subject="Elevated ferritin",
            quote="Elevated ferritin before infusion predicted early resistance with an odds "
                  "ratio of 2.5 (P = 0.03) in 40 patients (3).", refs="3",
            obj="Mini early resistance")
    assert r.returncode != 0  # 'addresses' cannot link a biomarker to an outcome
    r = run_cli("curate", "add", "--source", "second2025", "--subject", "Elevated ferritin",
                "--new-subject", "biomarker", "--subject-definition", "Ferritin above normal.",
                "--predicate", "predicts", "--object", "Mini early resistance",
                "--quote", "Elevated ferritin before infusion predicted early resistance with "
                "an odds ratio of 2.5 (P = 0.03) in 40 patients (3).", "--refs", "3",
                "--statistic", "OR=2.5", "--statistic", "p=0.03", "--statistic", "n=40",
                "--study-type", "retrospective cohort", "--curator", ORCID, "--json",
                home=mini_project)
    assert r.returncode == 0, r.stderr
    second = json.loads(r.stdout)["id"]
    assert run_cli("curate", "validate", home=mini_project).returncode == 0

    # drafts do not feed answers until accepted
    run_cli("build", "--quiet", home=mini_project)
    ev = lambda *a: json.loads(run_cli("evidence", "--source", "10.5555/second.2025", "--json",
                                       *a, home=mini_project).stdout)
    assert ev() == [] and {i["id"] for i in ev("--include-drafts")} == {first, second}
    for ident in (first, second):
        r = run_cli("curate", "review", ident, "--status", "accepted", "--curator", ORCID,
                    "--comment", "checked against the text", home=mini_project)
        assert r.returncode == 0, r.stderr
    assert run_cli("build", "--quiet", home=mini_project).returncode == 0
    items = {i["id"]: i for i in ev()}
    assert set(items) == {first, second}
    stat = items[second]["statistics"][0]
    assert (stat["measure"], stat["value"], stat["p_value"], stat["n"]) == ("OR", 2.5, 0.03, 40)

    # provenance in the graph
    q = ("SELECT ?who WHERE { ?a a prov:Activity ; prov:used ?ev ; prov:wasAssociatedWith ?who ."
         " ?ev ckg:quote ?q }")
    res = json.loads(run_cli("sparql", q, "--format", "json", home=mini_project).stdout)
    assert {b["who"]["value"] for b in res["results"]["bindings"]} == {f"https://orcid.org/{ORCID}"}

    # diff and changelog
    d = json.loads(run_cli("diff", str(old_exports), str(mini_project / "exports"), "--json",
                           home=mini_project).stdout)
    assert set(d["evidence"]["added"]) >= {f"https://w3id.org/cartkg/evidence/{first}"}
    assert any(x.endswith("/elevated-ferritin") for x in d["entities"]["added"])
    assert "evidence: 2 added" in (mini_project / "exports" / "CHANGELOG.md").read_text()


@pytest.mark.parametrize("extra,kwargs,words", [
    ((), {"subject": "Mini dual CRA"}, "did you mean"),
    ((), {"quote": "Dual-targeted CAR-T cells cured relapse (4)."}, "not found word for word"),
    ((), {"refs": "99"}, "outside 1..5"),
    (("--statistic", "HR=7.5"), {}, "does not appear in the quote"),
    (("--statistic", "HR:7"), {}, "MEASURE=VALUE"),
    (("--context", "disease=nonexistent disease"), {}, "matches no entity"),
    (("--curator", "0000-0002-1825-0098"), {}, "check digit"),
])
def test_rejected_input_changes_nothing(mini_project, extra, kwargs, words):
    assert register_paper2(mini_project).returncode == 0
    before = snapshot(mini_project)
    r = add(mini_project, *extra, **kwargs)
    assert r.returncode == 1, r.stderr
    assert words in r.stderr
    assert snapshot(mini_project) == before


def test_import_is_all_or_nothing(mini_project, tmp_path):
    assert register_paper2(mini_project).returncode == 0
    good = ("10.5555/second.2025\tMini dual CAR\taddresses\tmini loss\t"
            "Dual-targeted CAR-T cells reduced relapse (4).\tsingle-arm trial\t4\n")
    header = "source\tsubject\tpredicate\tobject\tquote\tstudy_type\trefs\n"
    bad = tmp_path / "bad.tsv"
    bad.write_text(header + good + good.replace("Mini dual CAR", "No such thing")
                   + good.replace("\t4\n", "\tfour\n"))
    before = snapshot(mini_project)
    r = run_cli("curate", "import", str(bad), home=mini_project)
    assert r.returncode == 1
    assert f"{bad}:3:" in r.stderr and f"{bad}:4:" in r.stderr
    assert snapshot(mini_project) == before
    ok = tmp_path / "ok.tsv"
    ok.write_text(header.replace("\n", "\tcontext\n") + good.replace("\n", "\t\n")
                  + good.replace("\t4\n", "\t4,3\tmodality=car-t\n"))
    r = run_cli("curate", "import", str(ok), "--json", home=mini_project)
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)["added"]) == 2
    assert run_cli("curate", "validate", home=mini_project).returncode == 0


FIELDS = ("source", "subject", "predicate", "object", "quote")
junk = st.one_of(st.text(max_size=40), st.sampled_from(["", " ", "\x00", "'\"", "- id: x",
                                                        "{a: b}", "\n\n", "ℵ" * 30]))


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(field=st.sampled_from(FIELDS + ("refs", "statistics", "context", "curator")),
       value=junk)
def test_malformed_values_never_change_the_sources(mini_project, field, value):
    paths = project_paths(mini_project)
    kwargs = dict(source="mini2024", subject="Mini dual CAR", predicate="addresses",
                  object="mini loss", quote="Dual-targeted CAR-T cells may prevent "
                  "antigen-negative relapse (8).", refs=[8], study_type="single-arm trial",
                  context=["modality=other"])
    if field == "refs":
        kwargs["refs"] = [value]
    elif field in ("statistics", "context"):
        kwargs[field] = [value]
    elif field == "curator":
        kwargs["curator"] = value
    else:
        kwargs[field] = value
    before = snapshot(mini_project)
    try:
        add_evidence(paths, **kwargs)
    except (KgError, ValueError, TypeError):
        assert snapshot(mini_project) == before
    else:
        # the value happened to be valid: the item was written and validates
        from kg.curation.sources import load_curation
        load_curation(paths)
        for rel, data in before.items():
            (mini_project / rel).write_bytes(data)


def test_a_writer_killed_before_rename_leaves_the_old_file(tmp_path):
    target = tmp_path / "sources.yaml"
    target.write_text("old contents\n")
    code = ("from pathlib import Path; from kg.files import write_atomically; "
            f"write_atomically(Path({str(target)!r}), 'new contents\\n' * 100000)")
    proc = subprocess.Popen([sys.executable, "-c", code], cwd=REPO,
                            env={**os.environ, "CARTKG_FAULT_DELAY": "30"})
    deadline = time.time() + 20
    while not list(tmp_path.glob(".sources.yaml.tmp-*")) and time.time() < deadline:
        time.sleep(0.05)
    assert list(tmp_path.glob(".sources.yaml.tmp-*")), "the writer never reached its pause"
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    assert target.read_text() == "old contents\n"


HEDGED = "Dual-targeted CAR-T cells may prevent antigen-negative relapse (8)."


def add_hedged(root: Path, *extra: str, quote=HEDGED, refs="8"):
    return run_cli("curate", "add", "--source", "mini2024", "--subject", "Mini dual CAR",
                   "--predicate", "improves", "--object", "Mini early resistance",
                   "--quote", quote, "--refs", refs, "--study-type", "single-arm trial",
                   *extra, home=root)


def test_add_suggests_certainty_and_directness_from_the_quote(mini_project):
    r = add_hedged(mini_project)
    assert r.returncode == 0, r.stderr
    assert "suggested certainty: hedged (quote says 'may'" in r.stderr
    assert "suggested directness: direct" in r.stderr
    text = (mini_project / "ontology" / "curation" / "sources" / "mini2024.yaml").read_text()
    item = text[text.index("id: mini2024-mini-strategy-improves-mini-outcome"):]
    assert "certainty: hedged" in item and "directness: direct" in item
    assert "study_type: single-arm trial" in item


@pytest.mark.parametrize("extra,words", [
    (("--certainty", "stated"), "certainty stated, but the quote hedges ('may')"),
    (("--direction", "unfavourable"), "improves with direction unfavourable"),
])
def test_add_rejects_a_contradiction_and_writes_nothing(mini_project, extra, words):
    before = snapshot(mini_project)
    r = add_hedged(mini_project, *extra)
    assert r.returncode == 1, r.stderr
    assert words in r.stderr and "(fix: " in r.stderr and "Traceback" not in r.stderr
    assert snapshot(mini_project) == before


def test_a_reviewed_certainty_note_allows_stated(mini_project):
    r = add_hedged(mini_project, "--certainty", "stated", "--certainty-note",
                   "the hedge is the authors' courtesy; the cited trial showed it")
    assert r.returncode == 0, r.stderr


def test_add_rejects_a_quote_shorter_than_the_build_accepts(mini_project):
    before = snapshot(mini_project)
    r = add_hedged(mini_project, quote="relapse")
    assert r.returncode == 1
    assert "field quote: quote 'relapse' is shorter than 10 characters" in r.stderr, r.stderr
    assert snapshot(mini_project) == before


def test_add_warns_about_refs_not_cited_near_the_quote(mini_project):
    r = add_hedged(mini_project, refs="3")
    assert r.returncode == 0, r.stderr
    assert "warning: refs 3 are not cited in or next to the quote" in r.stderr
    r = add_hedged(mini_project, "--context", "modality=car-t", refs="8")
    assert r.returncode == 0 and "warning" not in r.stderr, r.stderr


def test_add_without_a_study_type_it_cannot_suggest_asks_for_one(mini_project):
    assert register_paper2(mini_project).returncode == 0
    before = snapshot(mini_project)
    r = add(mini_project, study_type=None)
    assert r.returncode == 1 and "give --study-type" in r.stderr, r.stderr
    assert snapshot(mini_project) == before
