"""Figure 6: time until the explorer's whole-graph page is interactive in headless Chromium
(``window.explorer.ready``, set on vis-network's first ``afterDrawing``; measured as
``performance.now()`` from navigation start), for the built graph and for synthetic graphs of
about 1k and 5k entities; baseline: a blank page's load event in the same browser."""
from __future__ import annotations

import subprocess
import time
from pathlib import Path

import synthetic
from bench_coldstart import cartkg
from figures import Figure
from project_copy import env_for
from timing import median

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run"]
SYNTHETIC_NODES = {"1k": 1_000, "5k": 5_000}
BLANK = ("<!doctype html><title>blank</title><script>addEventListener('load', function () "
         "{ window.readyAt = performance.now(); });</script><p>blank</p>")


KG_LAYOUT_MAX = 1500     # above this kg.explorer.layout takes minutes: see spiral() below


def spiral(nodes: list[str]) -> dict[str, tuple[int, int]]:
    """Fixed positions on a sunflower spiral: as many pixels per node as the force layout,
    for pages too large for kg.explorer.layout within the benchmark's time."""
    import math
    golden = math.pi * (3 - math.sqrt(5))
    return {n: (round(60 * math.sqrt(i) * math.cos(i * golden)),
                round(60 * math.sqrt(i) * math.sin(i * golden))) for i, n in enumerate(nodes)}


def synthetic_overview(nodes: int, out: Path) -> tuple[Path, str]:
    """An overview page of a synthetic graph with about ``nodes`` entities, rendered by
    kg.explorer.graph (ExplorerGraph, overview_page, write_site); positions from kg.explorer.layout's
    force layout (without label decluttering, which is quadratic) up to KG_LAYOUT_MAX nodes,
    else from spiral()."""
    from kg.explorer.graph import ExplorerGraph, overview_page
    from kg.explorer.html import write_site
    from kg.explorer.layout import layout
    from kg.store.local import OxigraphStore
    nt = out.with_suffix(".nt")
    synthetic.generate(nodes * synthetic.TRIPLES_PER_ENTITY, nt)
    start = time.perf_counter()
    g = ExplorerGraph(OxigraphStore.in_memory(nt))
    page = overview_page(g)
    page.positions = layout(page) if len(page.nodes) <= KG_LAYOUT_MAX else spiral(page.nodes)
    how = "force layout" if len(page.nodes) <= KG_LAYOUT_MAX else "spiral layout"
    write_site(g, [page], out)
    nt.unlink()
    return out / "overview.html", (f"{len(page.nodes)} entities, {len(page.edges)} relations, "
                                   f"{how}, rendered in {time.perf_counter() - start:.1f} s")


def time_to_interactive(browser, url: str, expr: str, runs: int, timeout_ms: int) -> list[float]:
    out = []
    for _ in range(runs):
        page = browser.new_page()
        try:
            page.goto(url, wait_until="commit", timeout=timeout_ms)
            page.wait_for_function(f"() => {expr} !== undefined", timeout=timeout_ms,
                                   polling=50)
            out.append(page.evaluate(expr))
        finally:
            page.close()
    return out


def run(project: Path, workdir: Path, quick: bool, log=print):
    if not (Path(__file__).resolve().parent.parent / "kg" / "explore.py").exists():
        return [Figure("explorer", None, "", note="kg/explorer/graph.py is missing")], []
    if not CHROMIUM.exists():
        return [Figure("explorer", None, "", note=f"{CHROMIUM} is not installed")], []
    from playwright.sync_api import sync_playwright
    site = workdir / "explorer"
    subprocess.run([cartkg(), "explore", "--output", str(site)], env=env_for(project),
                   check=True, capture_output=True, timeout=600)
    pages = {"built graph": (site / "overview.html", "")}
    skipped: list[Figure] = []
    for label, n in SYNTHETIC_NODES.items():
        if quick and n > 1000:
            skipped.append(Figure(f"explorer.overview.{label}", None, "ms",
                                  note="not run with --quick"))
            continue
        log(f"[bench] explorer: rendering a synthetic {label}-entity overview")
        pages[f"synthetic {label}"] = synthetic_overview(n, workdir / f"explorer-{label}")
    blank = workdir / "blank.html"
    blank.write_text(BLANK, encoding="utf-8")
    runs = 3 if quick else 5
    figs, rows = [], []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=ARGS, headless=True)
        try:
            base = median(time_to_interactive(browser, blank.as_uri(), "window.readyAt", runs,
                                              30_000))
            for label, (path, info) in pages.items():
                log(f"[bench] explorer: {label}")
                times = time_to_interactive(browser, path.as_uri(),
                                            "window.explorer && window.explorer.readyAt", runs,
                                            180_000)
                name = "explorer.overview" + ("" if label == "built graph"
                                               else "." + label.split()[-1])
                figs.append(Figure(name, median(times), "ms", base, "blank page load",
                                   note=f"median of {runs}; {info}".rstrip("; ")))
                rows.append(f"| {label} | {info or '-'} | {path.stat().st_size / 1e6:.1f} "
                            f"| {min(times):,.0f} | {median(times):,.0f} | {max(times):,.0f} |")
        finally:
            browser.close()
    figs += skipped
    detail = "\n".join(["### Explorer: whole-graph page until interactive (headless Chromium, "
                        "ms from navigation start)", "",
                        f"Blank page load event: {base:.0f} ms.", "",
                        "| page | graph | HTML MB | min | median | max |",
                        "|---|---|---|---|---|---|", *rows])
    return figs, [detail]
