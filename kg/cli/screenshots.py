"""README's pictures of the ask page, taken in a headless Chromium from the page that
``cartkg serve`` serves for the project's graph:

    python -m kg.cli.screenshots [--project DIR] [--chromium PATH]

writes ``exports/screenshots/ask.png`` (the mission's question answered, 1280×800),
``ask-card.png`` (a card opened on its evidence) and ``ask-phone.png`` (390 px wide), then
rewrites README's ``screenshots`` block. Needs Playwright (a test dependency) and Chromium;
exit 2 with what to install when either is missing.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path
from urllib.parse import urlencode

from kg.cli.readme import SCREENSHOTS, SCREENSHOT_FOLDER

QUESTION = "Which strategies apply to CD19-negative relapse?"
CHROMIUM = "/usr/bin/chromium"


def take(paths, chromium: str = CHROMIUM) -> list[Path]:
    """Serve the project's graph on 127.0.0.1 and photograph the ask page; the PNGs' paths."""
    from playwright.sync_api import sync_playwright

    from kg.server.run import Settings, start, store_spec, write_explorer_soon
    out = paths.root / SCREENSHOT_FOLDER
    out.mkdir(parents=True, exist_ok=True)
    address = "/?" + urlencode({"q": QUESTION})
    with start(store_spec(None, paths), settings=Settings(workers=1), paths=paths) as server, \
            sync_playwright() as p:
        writer = write_explorer_soon(paths, server)
        if writer is not None:
            writer.wait()
        browser = p.chromium.launch(executable_path=chromium,
                                    args=["--headless", "--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 800})
        page.goto(server.url + address)
        page.wait_for_selector("body[data-state=answered]", timeout=60000)
        page.screenshot(path=str(out / "ask.png"))
        best = page.evaluate("""() => Math.max(0, cartkgAnswer.answer.findIndex(r =>
            (r.evidence || []).some(e => (e.primary_studies || []).length)))""")
        card = page.locator(".card").nth(best)   # the first card citing a primary study
        card.locator(".toggle").click()
        card.scroll_into_view_if_needed()
        card.screenshot(path=str(out / "ask-card.png"))
        phone = browser.new_page(viewport={"width": 390, "height": 844})
        phone.goto(server.url + address)
        phone.wait_for_selector("body[data-state=answered]", timeout=60000)
        phone.locator("#understood").scroll_into_view_if_needed()
        phone.screenshot(path=str(out / "ask-phone.png"))
        browser.close()
    return [out / name for name in SCREENSHOTS]


def main(argv: list[str] | None = None) -> int:
    from kg.cli.main import main as cartkg
    from kg.cli.readme import update_readme
    from kg.paths import project_paths
    ap = argparse.ArgumentParser(prog="python -m kg.cli.screenshots",
                                 description=__doc__.split("\n\n")[0])
    ap.add_argument("--project", type=Path, help="the project (default: the current one)")
    ap.add_argument("--chromium", default=CHROMIUM, help=f"Chromium to drive ({CHROMIUM})")
    args = ap.parse_args(argv)
    paths = project_paths(args.project)
    if not Path(args.chromium).exists():
        print(f"screenshots: no Chromium at {args.chromium} (apt-get install chromium)",
              file=sys.stderr)
        return 2
    try:
        import playwright  # noqa: F401
    except ImportError:
        print("screenshots: Playwright is missing (pip install playwright, or "
              "bash .ci/setup test)", file=sys.stderr)
        return 2
    for path in take(paths, args.chromium):
        print(f"[screenshots] {path}", file=sys.stderr)
    if update_readme(paths.root, cartkg, only={"screenshots"}):
        print("[screenshots] README.md: screenshots block updated", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
