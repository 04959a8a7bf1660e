"""The ask page of `cartkg serve` (``/``) in a real headless Chromium against a real server on
127.0.0.1 over the built graph: questions typed in plain words come back as the understood
situation and answer cards in the API's order, a card opens (by click or keyboard) on its
evidence and chain in words, names lead into the explorer, a patient's findings are assessed,
and nothing is fetched from outside the machine; the favicon and the query page's prefixed
results too."""
from __future__ import annotations

import json
import urllib.request
from urllib.parse import urlencode

import pytest

from browsing import Visit

MISSION = "Which strategies apply to CD19-negative relapse?"
PROFILE = "Child with B-ALL after tisa-cel, with high TMTV and a CD19 mutation: what is the risk?"
MONITORING = "How should we monitor for resistant clones after CAR-T in ALL?"
ANSWERED = "body[data-state=answered]"
NAMES = ("strategy", "mechanism", "biomarker", "claim")


@pytest.fixture(scope="module")
def server(built_project):
    """``cartkg serve`` as the command starts it: the server, then the explorer's pages
    written for the graph it serves."""
    from kg.paths import project_paths
    from kg.server.run import Settings, start, store_spec, write_explorer_soon
    paths = project_paths(built_project)
    with start(store_spec(None, paths), settings=Settings(workers=2), paths=paths) as running:
        writer = write_explorer_soon(paths, running)
        if writer is not None:
            writer.wait(timeout=300)
        yield running.url


@pytest.fixture
def desk(browser):
    """A visit at 1280×800, closed afterwards."""
    visit = Visit(browser, 1280, 800)
    yield visit
    visit.page.close()


def api(base: str, name: str, **params) -> dict | list:
    with urllib.request.urlopen(f"{base}/api/{name}?{urlencode(params)}", timeout=60) as r:
        return json.loads(r.read())


def rows_of(doc) -> list[dict]:
    """The rows the page should show as cards, in order (assess: its three lists)."""
    answer = doc["answer"] if "answer" in doc else doc
    if isinstance(answer, list):
        return answer
    return answer["risk_factors"] + answer["mechanisms"] + answer["strategies"]


def name(row: dict) -> str:
    return next(row[k] for k in NAMES if row.get(k))


def ask(page, base: str, question: str):
    page.goto(base + "/")
    page.focus("#question")
    page.keyboard.type(question)
    page.keyboard.press("Enter")
    page.wait_for_selector(ANSWERED, timeout=60000)


def assert_local(visit: Visit, base: str):
    assert visit.errors == [] and visit.dialogs == []
    assert [u for u in visit.requests if not u.startswith(base + "/")] == []


@pytest.mark.parametrize("question,situation", [
    (MISSION, []),
    (PROFILE, ["B-cell acute lymphoblastic leukaemia", "paediatric", "Tisagenlecleucel"]),
    (MONITORING, ["B-cell acute lymphoblastic leukaemia", "monitor"]),
])
def test_a_question_in_plain_words_gives_the_understood_situation_and_cards(
        server, desk, shots, question, situation):
    visit, page = desk, desk.page
    ask(page, server, question)
    doc = api(server, "ask", text=question)
    understood = page.inner_text("#understood")
    assert understood.startswith("Recognised: ")
    for mention in doc["recognised"]:
        assert mention["label"] in understood
    for words in situation:
        assert words in understood
    rows = rows_of(doc)
    titles = page.locator(".card h3").all_inner_texts()
    assert titles == [name(r) for r in rows]                  # the API's order, every row
    if not rows:
        assert "Nothing in the graph answers this" in page.inner_text("#answer")
    else:
        first = page.locator(".card").first
        assert first.locator(".badge .level").inner_text() in "ABCDE–"
        toggle = first.locator(".toggle")
        toggle.focus()
        page.keyboard.press("Enter")                          # the keyboard opens it
        assert toggle.get_attribute("aria-expanded") == "true"
        details = first.locator(".details").inner_text()
        item = rows[0]["evidence"][0]
        assert " ".join(item["quote"].split()) in " ".join(details.split())
        assert f"doi:{item['source']}" in details
        assert ", ".join(item["refs"]) in details
        for step in rows[0].get("explanation", []):
            assert f"{step['from']} " in details and f" {step['to']}" in details
        assert "kindOf" not in details and "leadsTo" not in details     # relations in words
        page.keyboard.press("Space")                          # and closes it
        assert toggle.get_attribute("aria-expanded") == "false"
    page.screenshot(path=str(shots / f"ask-{doc['question_type']}.png"), full_page=True)
    assert_local(visit, server)


def test_a_click_opens_the_evidence_with_primary_studies_and_the_chain_in_words(server, desk):
    visit, page = desk, desk.page
    ask(page, server, MISSION)
    doc = api(server, "ask", text=MISSION)
    index = next(i for i, r in enumerate(doc["answer"])
                 if any(e["primary_studies"] for e in r["evidence"]))
    card = page.locator(".card").nth(index)
    card.locator(".line").first.click()                       # anywhere on the card
    details = card.locator(".details")
    assert details.is_visible()
    assert "leads to CD19-negative relapse" in details.inner_text()
    study = next(s for e in doc["answer"][index]["evidence"] for s in e["primary_studies"])
    hrefs = details.locator(".studies a").evaluate_all("as => as.map(a => a.href)")
    assert f"https://doi.org/{study['doi']}" in hrefs
    assert_local(visit, server)


def test_the_situation_is_filled_from_the_words_and_a_correction_is_asked_again(server, desk):
    visit, page = desk, desk.page
    ask(page, server, PROFILE)
    assert page.input_value("#f-disease") == "B-cell acute lymphoblastic leukaemia"
    assert page.input_value("#f-population") == "paediatric"
    page.select_option("#f-population", "adult")              # the user corrects it
    with page.expect_request("**/api/ask?**") as sent:
        page.click("#ask-form button[type=submit]")
    assert "population=adult" in sent.value.url
    page.wait_for_selector(ANSWERED)
    assert "population: adult" in page.inner_text("#understood")
    assert page.input_value("#f-population") == "adult"
    assert_local(visit, server)


def test_a_patients_findings_are_assessed(server, desk):
    visit, page = desk, desk.page
    page.goto(server + "/")
    page.click("#mode-assess")
    page.fill("#findings", "high TMTV\nCD19 mutation")
    page.fill("#f-disease", "B-ALL")
    with page.expect_request("**/api/assess?**") as sent:
        page.click("#assess-form button[type=submit]")
    assert "disease=B-ALL" in sent.value.url
    page.wait_for_selector(ANSWERED)
    doc = api(server, "assess", findings="high TMTV;CD19 mutation", disease="B-ALL")
    assert page.locator(".card h3").all_inner_texts() == [name(r) for r in rows_of(doc)]
    understood = page.inner_text("#understood")
    for finding in doc["findings"]:
        assert finding["label"] in understood
    assert "risk factor" in understood
    assert_local(visit, server)


def test_a_name_leads_to_its_neighbourhood_in_the_explorer(server, desk):
    visit, page = desk, desk.page
    ask(page, server, MISSION)
    link = page.locator(".card h3 a").first
    target = link.get_attribute("href")
    assert target.startswith("/explorer/overview.html#")
    link.click()
    visit.wait_for_graph()
    node = target.split("#", 1)[1]
    assert page.evaluate("explorer.network.getSelectedNodes()") == [node]
    shown = page.evaluate("explorer.nodes.get({filter: n => !n.hidden}).length")
    assert 1 < shown < page.evaluate("explorer.nodes.length")
    assert_local(visit, server)


def test_readable_at_phone_width_with_the_legend_of_levels(server, browser):
    from kg.curation.levels import STUDY_TYPE_LEVEL
    visit = Visit(browser, 390, 844)
    page = visit.page
    ask(page, server, MISSION)
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    assert page.locator(".card .toggle").first.is_visible()
    page.click("#legend summary")
    legend = page.inner_text("#legend")
    for study_type, level in STUDY_TYPE_LEVEL.items():
        if study_type != "preclinical":
            row = page.locator("table.levels tr", has_text=study_type).inner_text()
            assert row.startswith(level), (study_type, row)
    assert "hedged" in legend and "extrapolated" in legend
    assert_local(visit, server)
    page.close()


def test_favicon_and_the_explorers_place(server):
    with urllib.request.urlopen(server + "/favicon.ico", timeout=10) as r:
        assert r.status == 200 and r.headers["Content-Type"].startswith("image/")
        assert r.read(4) == b"\x00\x00\x01\x00"               # an ICO file
    with urllib.request.urlopen(server + "/explorer/", timeout=10) as r:
        assert b"cartkg explorer" in r.read()


def test_query_results_are_shortened_to_the_prefixes_with_local_links(server, desk):
    visit, page = desk, desk.page
    page.goto(server + "/query")
    page.fill("#query", "SELECT ?m ?type WHERE { ?m a ckg:ResistanceMechanism ; a ?type } "
                        "ORDER BY ?m LIMIT 5")
    page.click("#run")
    page.wait_for_selector("#results table")
    cells = page.locator("#results td").all_inner_texts()
    assert cells and all(c.startswith(("ent:", "ckg:", "owl:")) for c in cells), cells
    hrefs = page.locator("#results a").evaluate_all("as => as.map(a => a.href)")
    assert hrefs and all(h.startswith(server + "/explorer/overview.html#") for h in hrefs)
    assert_local(visit, server)
