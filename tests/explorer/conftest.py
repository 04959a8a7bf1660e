"""The explorer's and the ask page's browser fixtures (the browser: tests/conftest.py)."""
from __future__ import annotations

from pathlib import Path

import pytest

from browsing import Visit


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
