"""A real headless Chromium (the system's) and a page that records what a visit did: console
errors, dialogs and every request."""
from __future__ import annotations

from pathlib import Path

CHROMIUM = Path("/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-sync"]


class Visit:
    """A browser page that records console errors, dialogs and every request."""

    def __init__(self, browser, width: int = 1400, height: int = 900):
        self.page = browser.new_page(viewport={"width": width, "height": height})
        self.errors, self.requests, self.dialogs = [], [], []
        self.page.on("console", lambda m: m.type == "error" and self.errors.append(m.text))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.page.on("dialog", self._dialog)

    def _dialog(self, dialog):
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, path: Path, fragment: str = "", graph: bool = True):
        self.page.goto(path.as_uri() + fragment)
        if graph:
            self.wait_for_graph()
        return self.page

    def wait_for_graph(self):
        """Until the graph is drawn (a selector: a served page's policy forbids evaluated
        strings, which wait_for_function would poll with)."""
        self.page.wait_for_selector("body[data-ready=true]", state="attached", timeout=10000)

    def panel(self) -> str:
        return self.page.inner_text("#panel")

    def assert_clean(self):
        assert self.errors == []
        assert self.dialogs == []
        leaving = [u for u in self.requests if not u.startswith(("file://", "http://127.0.0.1",
                                                                 "data:"))]
        assert leaving == []
