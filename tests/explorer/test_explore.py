"""The explorer (`cartkg explore`): every page loads offline in a real headless Chromium with
no console error and no request leaving the machine, shows the whole graph, answers clicks
with the evidence, narrows the overview to a searched entity's neighbourhood, names relations
in words, and shows hostile labels as text. Screenshots go to a temporary folder (printed with
-s) for a human look."""
from __future__ import annotations

import filecmp
import re
import shutil
from pathlib import Path

import pytest

from projectcopy import FIXTURE, make_project, run_cli

XSS = "<script>alert(1)</script>"
TMTV_QUOTE = "high total metabolic tumor volume (TMTV, >80 mL) at infusion"
ENTITY_COUNT = """
SELECT (COUNT(DISTINCT ?e) AS ?n) WHERE {
  ?e a ?type ; rdfs:label ?label . ?type rdfs:subClassOf* ?top . ?top rdfs:subClassOf ckg:Entity }"""


@pytest.fixture(scope="module")
def site(built_project, tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("explorer") / "site"
    r = run_cli("explore", "--focus", "Yescarta", "--depth", "1", "--output", str(out),
                home=built_project)
    assert r.returncode == 0, r.stderr
    return out


def test_writes_index_overview_family_phenotype_focus_pages_and_figures(site):
    names = {p.name for p in site.glob("*.html")}
    assert {"index.html", "overview.html", "cd19-negative-relapse.html",
            "primary-t-cell-failure.html", "antigen-negative-relapse-mechanisms.html",
            "primary-non-response.html", "focus-axicabtagene-ciloleucel.html"} <= names
    figures = {p.name for p in (site / "figures").glob("*.png")}
    assert {"overview.png", "cd19-negative-relapse.png", "cd19-positive-relapse.png"} <= figures
    for page in site.glob("*.html"):
        text = page.read_text(encoding="utf-8")
        assert re.findall(r'<link[^>]*href="(?!data:)', text) == []   # everything inline
        assert "<script src" not in text
        assert "cdn.jsdelivr" not in text and "cdnjs" not in text


def test_every_page_loads_offline_without_console_errors(site, visit, shots):
    for path in sorted(site.glob("*.html")):
        visit.open(path, graph=path.name != "index.html")
        visit.page.screenshot(path=str(shots / f"{path.stem}.png"))
    visit.assert_clean()
    fetched = [u for u in visit.requests if not u.startswith("data:")]   # the inline favicon
    assert fetched == [p.as_uri() for p in sorted(site.glob("*.html"))]


def test_overview_shows_every_entity_and_asserted_relation(site, store, built_project, visit):
    page = visit.open(site / "overview.html")
    entities = int(store.query(ENTITY_COUNT).rows[0]["n"].value)
    assert page.evaluate("explorer.nodes.length") == entities
    assert page.evaluate("JSON.parse(document.getElementById('explorer-data').textContent)"
                         ".nodes.length") == entities
    rows = (built_project / "exports" / "edges.tsv").read_text(encoding="utf-8").splitlines()
    level = rows[0].split("\t").index("knowledge_level")   # KGX: curated = knowledge_assertion
    asserted = [r for r in rows[1:] if r.split("\t")[level] == "knowledge_assertion"]
    assert page.evaluate("explorer.edges.length") == len(asserted)
    load = page.evaluate("explorer.readyAt")
    print(f"\noverview.html interactive {load:.0f} ms after navigation")
    assert load < 2000
    visit.assert_clean()


def _click_node(page, node: str):
    page.evaluate("id => explorer.network.focus(id, {scale: 2, animation: false})", node)
    xy = page.evaluate("id => explorer.network.canvasToDOM(explorer.network.getPosition(id))",
                       node)
    box = page.locator("#network").bounding_box()
    page.mouse.click(box["x"] + xy["x"], box["y"] + xy["y"])


def test_clicking_a_node_shows_its_evidence(site, visit, shots):
    page = visit.open(site / "overview.html")
    _click_node(page, "tmtv-above-80-ml")
    page.wait_for_function("explorer.shown && explorer.shown.node === 'tmtv-above-80-ml'")
    panel = visit.panel()
    assert "High total metabolic tumour volume (TMTV > 80 mL)" in panel
    assert TMTV_QUOTE in panel
    assert "doi:10.3389/fimmu.2023.1110028" in panel and "ref 59" in panel
    assert "HR 4.35" in panel                         # a structured statistic
    page.screenshot(path=str(shots / "overview-node-clicked.png"))
    visit.assert_clean()


def test_evidence_panel_links_the_primary_study(site, visit):
    page = visit.open(site / "overview.html")
    _click_node(page, "epitope-concealment")
    page.wait_for_function("explorer.shown && explorer.shown.node === 'epitope-concealment'")
    assert "Primary studies: Ruella 2018 (Nat Med)" in visit.panel()
    hrefs = page.eval_on_selector_all("#panel .studies a", "as => as.map(a => a.href)")
    assert "https://doi.org/10.1038/s41591-018-0201-9" in hrefs


def test_a_negated_finding_reads_not_with_its_level_and_certainty(site, visit):
    page = visit.open(site / "overview.html")
    _click_node(page, "car-t-dose-escalation")
    page.wait_for_function("explorer.shown && explorer.shown.node === 'car-t-dose-escalation'")
    panel = visit.panel()
    assert "Increasing the CAR-T cell dose does NOT improve Objective response" in panel
    assert "NOT: the quote says this does not hold" in panel
    assert "evidence level " in panel and "certainty: " in panel
    visit.assert_clean()


def test_clicking_an_edge_shows_the_evidence_for_that_relation(site, visit):
    page = visit.open(site / "cd19-negative-relapse.html")
    edge = page.evaluate("""() => Object.keys(explorer.data.edgeInfo).find(k => {
        const e = explorer.data.edgeInfo[k];
        return e.from === 'cd19-gene-mutation' && e.to === 'cd19-negative-relapse'; })""")
    page.evaluate("explorer.network.fit()")
    a, b = page.evaluate("""id => { const e = explorer.edges.get(id);
        return [e.from, e.to].map(n => explorer.network.canvasToDOM(
            explorer.network.getPosition(n))); }""", edge)
    box = page.locator("#network").bounding_box()
    t = 0.4                                           # away from both end nodes and the label
    page.mouse.click(box["x"] + a["x"] + t * (b["x"] - a["x"]),
                     box["y"] + a["y"] + t * (b["y"] - a["y"]))
    page.wait_for_function(f"explorer.shown && explorer.shown.edge === '{edge}'")
    panel = visit.panel()
    assert "CD19 gene mutation leads to CD19-negative relapse" in panel
    assert "Evidence (" in panel and "doi:10." in panel
    visit.assert_clean()


NEIGHBOURS = """id => { const out = new Set([id]);
    explorer.data.edges.forEach(e => { if (e.from === id) out.add(e.to);
                                       if (e.to === id) out.add(e.from); });
    return [...out].sort(); }"""
SHOWN = "explorer.nodes.get({filter: n => !n.hidden}).map(n => n.id).sort()"


def test_search_narrows_the_overview_to_the_neighbourhood_and_filters_hide_a_category(
        site, visit):
    page = visit.open(site / "overview.html")
    page.fill("#search-input", "yescarta")            # a synonym
    page.click("#search button[type=submit]")
    assert page.evaluate("explorer.network.getSelectedNodes()") == ["axicabtagene-ciloleucel"]
    shown = page.evaluate(SHOWN)
    assert shown == page.evaluate(NEIGHBOURS, "axicabtagene-ciloleucel")
    assert 1 < len(shown) < page.evaluate("explorer.nodes.length") / 10
    assert "Showing %d of" % len(shown) in page.inner_text("#narrowed")
    box = page.locator("#network").bounding_box()      # every shown entity is in view
    for node in shown:
        xy = page.evaluate("id => explorer.network.canvasToDOM(explorer.network.getPosition(id))",
                           node)
        assert 0 <= xy["x"] <= box["width"] and 0 <= xy["y"] <= box["height"], node
    assert visit.panel().startswith("Axicabtagene ciloleucel")
    page.click("#show-all")
    assert len(page.evaluate(SHOWN)) == page.evaluate("explorer.nodes.length")
    page.uncheck("#legend input[data-category=biomarker]")
    hidden = page.evaluate("explorer.nodes.get({filter: n => n.hidden}).map(n => n.category)")
    assert hidden and set(hidden) == {"biomarker"}
    visit.assert_clean()


def test_relations_are_named_in_words(site, visit):
    page = visit.open(site / "overview.html")
    labels = set(page.evaluate("explorer.edges.get().map(e => e.label)"))
    assert {"leads to", "addresses", "is a kind of"} <= labels
    assert all(label == label.lower() or "NOT" in label for label in labels), labels


def test_index_search_jumps_to_a_page_or_the_focused_overview(site, visit):
    page = visit.open(site / "index.html", graph=False)
    page.fill("#search-input", "cd19 negative relapse")
    page.click("#search button[type=submit]")
    page.wait_for_url("**/cd19-negative-relapse.html")
    visit.open(site / "index.html", graph=False)
    page.fill("#search-input", "Yescarta")
    page.click("#search button[type=submit]")
    page.wait_for_url("**/overview.html#axicabtagene-ciloleucel")
    visit.wait_for_graph()
    assert page.evaluate("explorer.network.getSelectedNodes()") == ["axicabtagene-ciloleucel"]
    assert page.evaluate(SHOWN) == page.evaluate(NEIGHBOURS, "axicabtagene-ciloleucel")
    visit.assert_clean()


def test_index_opened_as_a_file_points_to_the_served_ask_page(site, visit):
    page = visit.open(site / "index.html", graph=False)
    assert "cartkg serve" in page.inner_text("#api-note")
    assert len(visit.requests) == 1
    visit.assert_clean()


@pytest.fixture(scope="module")
def hostile_site(tmp_path_factory) -> Path:
    """A built copy of the mini fixture whose mechanism group is labelled with a script."""
    from kg.build.pipeline import build
    from kg.paths import project_paths
    tmp = tmp_path_factory.mktemp("hostile")
    root = make_project(tmp, FIXTURE / "curation")
    entities = root / "ontology" / "curation" / "entities" / "entities.yaml"
    text = entities.read_text(encoding="utf-8")
    text = text.replace("label: Mini mechanism group", f"label: 'Mini {XSS} group'")
    text = text.replace("definition: A mechanism for tests.",
                        "definition: 'A mechanism </script><img src=x onerror=alert(2)> & co.'")
    entities.write_text(text, encoding="utf-8")
    build(project_paths(root), reasoner="owlrl", quiet=True)
    out = tmp / "site"
    r = run_cli("explore", "--focus", "mini loss", "--output", str(out), home=root)
    assert r.returncode == 0, r.stderr
    return out


def test_hostile_labels_are_shown_as_text_and_never_run(hostile_site, visit, shots):
    page = visit.open(hostile_site / "mini-group.html")
    assert page.title().startswith(f"Mechanism family: Mini {XSS} group")
    assert page.inner_text("h1") == f"Mechanism family: Mini {XSS} group"
    assert page.evaluate("document.scripts.length") == 3     # vis, data, explorer
    assert page.locator("img").count() == 0
    _click_node(page, "mini-group")
    assert visit.panel().startswith(f"Mini {XSS} group")
    _click_node(page, "mini-mechanism")
    assert "A mechanism </script><img src=x onerror=alert(2)> & co." in visit.panel()
    page.screenshot(path=str(shots / "hostile.png"))
    for name in ("index.html", "focus-mini-mechanism.html"):
        visit.open(hostile_site / name, graph=name != "index.html")
    assert f"Mini {XSS} group" in page.inner_text("body")
    visit.assert_clean()


@pytest.mark.slow
def test_output_is_deterministic(built_project, site, tmp_path):
    again = tmp_path / "again"
    r = run_cli("explore", "--focus", "Yescarta", "--depth", "1", "--output", str(again),
                home=built_project, env={"PYTHONHASHSEED": "1"})
    assert r.returncode == 0, r.stderr
    for folder in ("", "figures"):
        names = sorted(p.name for p in (site / folder).iterdir() if p.is_file())
        assert names == sorted(p.name for p in (again / folder).iterdir() if p.is_file())
        match, mismatch, errors = filecmp.cmpfiles(site / folder, again / folder, names,
                                                   shallow=False)
        assert (mismatch, errors) == ([], [])
    shutil.rmtree(again)


def test_unknown_focus_exits_1_with_closest_names(built_project, tmp_path):
    r = run_cli("explore", "--focus", "no such entity zzz", "--output", str(tmp_path),
                home=built_project)
    assert r.returncode == 1 and "no entity matches" in r.stderr
