"""The review page end to end in a real headless Chromium: served by ``cartkg serve`` at
/curate/SOURCE (and written by ``curate suggest --html``, working from the file with no request
leaving the machine); a curator accepts, edits and rejects candidates and saves the TSV; ``cartkg
curate import`` takes it into the project copy and ``cartkg evidence`` shows the items."""
from __future__ import annotations

import csv
import json
import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from projectcopy import REPO, run_cli

ABSTRACT = REPO / "benchmarks" / "primary" / "cd22-car-phase1.txt"


@pytest.fixture
def primary_project(project_copy) -> Path:
    """The project copy with a primary-study abstract registered, built (no reasoner)."""
    text = project_copy / "fry-like.txt"
    shutil.copy(ABSTRACT, text)
    r = run_cli("curate", "add-source", "--kind", "primary-study", "--id", "fry-like", "--title",
                "A CD22 CAR trial", "--year", "2018", "--journal", "Test J", "--licence", "test",
                "--text", str(text), home=project_copy)
    assert r.returncode == 0, r.stderr
    r = run_cli("build", "--reasoner", "none", "--no-figures", "--no-readme", "--quiet",
                home=project_copy)
    assert r.returncode == 0, r.stderr
    return project_copy


def watch(page) -> tuple[list, list]:
    errors, requests = [], []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    return errors, requests


def index_of(page, subject: str, predicate: str, obj: str, quote_part: str) -> int:
    data = json.loads(page.inner_text("#data"))
    return next(i for i, c in enumerate(data["candidates"])
                if (c["subject"], c["predicate"], c["object"]) == (subject, predicate, obj)
                and quote_part in c["quote"])


def test_review_page_round_trip(primary_project, browser, tmp_path):
    from kg.paths import project_paths
    from kg.server.run import Settings, start, store_spec
    paths = project_paths(primary_project)
    with start(store_spec("oxigraph", paths), settings=Settings(timeout=20), paths=paths) as server:
        with pytest.raises(urllib.error.HTTPError) as missing:
            urllib.request.urlopen(server.url + "/curate/no-such-paper", timeout=30)
        assert missing.value.code == 404
        page = browser.new_page(accept_downloads=True)
        errors, requests = watch(page)
        page.goto(server.url + "/curate/fry-like")
        page.wait_for_function("window.reviewPage && window.reviewPage.ready")
        # grouped by sentence, each sentence once, mentions highlighted
        assert page.locator("section.sentence").count() == len(
            {c["start"] for c in json.loads(page.inner_text("#data"))["candidates"]})
        assert page.locator("section.sentence mark").count() > 5
        accept = index_of(page, "cd22-car-t", "achieves", "complete-response", "11 of 15")
        edit = index_of(page, "low-cd19-antigen-density", "predicts", "complete-response",
                        "all 5 patients")
        reject = index_of(page, "loss-of-cd19-expression", "involves", "cd22", "Loss of CD19")
        page.click(f"#cand-{accept} .accept")
        page.click(f"#cand-{reject} .reject")
        page.click(f"#cand-{edit} .edit-button")
        card = f"#cand-{edit}"
        page.select_option(f"{card} [data-field=subject]", "cd22-car-t")
        page.select_option(f"{card} [data-field=predicate]", "achieves")
        assert not page.is_checked(f"{card} [data-field=teach_subject]")  # another category
        page.fill(f"{card} [data-field=statistics]", "count=5")
        page.click(f"{card} .done")
        assert "CD22-directed CAR-T cell therapy" in page.inner_text(f"{card} .claim")
        assert page.inner_text("#count") == "3"
        with page.expect_download() as download:
            page.click("#save")
        tsv = tmp_path / "reviewed.tsv"
        download.value.save_as(tsv)
        assert errors == []
        assert all(u.startswith(server.url) or u.startswith(("blob:", "data:"))
                   for u in requests), requests
    rows = list(csv.DictReader(tsv.open(encoding="utf-8"), delimiter="\t"))
    assert [r["decision"] for r in rows] == [     # in the page's order of candidates
        d for _, d in sorted([(accept, "accepted"), (edit, "edited"), (reject, "rejected")])]
    edited = next(r for r in rows if r["decision"] == "edited")
    assert (edited["subject"], edited["predicate"], edited["statistics"]) == \
        ("cd22-car-t", "achieves", "count=5")

    r = run_cli("curate", "import", str(tsv), "--json", home=primary_project)
    assert r.returncode == 0, r.stderr
    added = json.loads(r.stdout)["added"]
    assert len(added) == 2
    r = run_cli("build", "--reasoner", "none", "--no-figures", "--no-readme", "--quiet",
                home=primary_project)
    assert r.returncode == 0, r.stderr
    r = run_cli("evidence", "--source", "fry-like", "--include-drafts", "--json",
                home=primary_project)
    assert r.returncode == 0, r.stderr
    items = {i["id"]: i for i in json.loads(r.stdout)}
    assert set(items) == set(added)
    for item in items.values():
        assert item["level"] == "primary-study" and item["refs"] == []
        assert item["study_type"] == "single-arm trial"
        assert (item["subject"]["label"], item["predicate"]["iri"].rsplit("/", 1)[-1]) == \
            ("CD22-directed CAR-T cell therapy", "achieves")
    counts = sorted(s["value"] for i in items.values() for s in i["statistics"]
                    if s["measure"] == "count")
    assert counts == [5, 11]
    r = run_cli("evidence", "--source", "fry-like", "--include-drafts", home=primary_project)
    assert "fry-like (primary study)" in r.stdout


def test_review_page_file_works_offline(primary_project, browser, tmp_path):
    page_file = tmp_path / "fry.html"
    r = run_cli("curate", "suggest", "--source", "fry-like", "--html", str(page_file),
                home=primary_project)
    assert r.returncode == 0, r.stderr
    html = page_file.read_text(encoding="utf-8")
    assert "http://" not in html and "https://" not in html
    page = browser.new_page(accept_downloads=True)
    errors, requests = watch(page)
    page.goto(page_file.as_uri())
    page.wait_for_function("window.reviewPage && window.reviewPage.ready")
    page.click("#cand-0 .accept")
    with page.expect_download() as download:
        page.click("#save")
    saved = tmp_path / "saved.tsv"
    download.value.save_as(saved)
    rows = list(csv.DictReader(saved.open(encoding="utf-8"), delimiter="\t"))
    assert len(rows) == 1 and rows[0]["decision"] == "accepted"
    assert errors == []
    assert all(u.startswith(("file://", "blob:")) for u in requests), requests
