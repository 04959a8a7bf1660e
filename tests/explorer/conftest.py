"""The browser fixtures of the explorer's and the ask page's tests (tests/browsing.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from browsing import ARGS, CHROMIUM, Visit


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.skip("no system Chromium at /usr/bin/chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("screenshots")
    print(f"\nscreenshots: {path}")
    return path


@pytest.fixture
def visit(browser):
    v = Visit(browser)
    yield v
    v.page.close()
