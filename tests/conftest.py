"""Shared fixtures, built on the helpers in projectcopy.py."""
from __future__ import annotations

from pathlib import Path

import pytest

from projectcopy import FIXTURE, make_project


@pytest.fixture
def mini_project(tmp_path) -> Path:
    return make_project(tmp_path, FIXTURE / "curation")


@pytest.fixture
def project_copy(tmp_path) -> Path:
    return make_project(tmp_path)


@pytest.fixture(scope="session")
def built_project(tmp_path_factory) -> Path:
    """The real curation sources, built once (HermiT) into a temporary copy."""
    from kg.build.pipeline import build
    from kg.paths import project_paths
    root = make_project(tmp_path_factory.mktemp("built"))
    build(project_paths(root), quiet=True, figures=False)
    return root


@pytest.fixture(scope="session")
def store(built_project):
    from kg.paths import project_paths
    from kg.store.local import open_store
    return open_store("oxigraph", project_paths(built_project))


@pytest.fixture(scope="module")
def browser():
    """The system's headless Chromium, driven by Playwright (tests/browsing.py)."""
    from browsing import ARGS, CHROMIUM
    if not CHROMIUM.exists():
        pytest.skip("no system Chromium at /usr/bin/chromium (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=ARGS)
        yield b
        b.close()


def pytest_collection_modifyitems(items):
    """Mark tests by what they need, so a developer can run the quick set alone:
    ``pytest -m 'not slow and not java and not chromium'``."""
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if "browser" in names:
            item.add_marker(pytest.mark.chromium)
        if "hermit" in names or "hermit" in item.name:
            item.add_marker(pytest.mark.java)
