"""README's figures and examples are what the commands print now (they are generated between
markers by `cartkg build`, and the benchmark table by benchmarks/run.py)."""
from __future__ import annotations

import difflib

import pytest

from projectcopy import REPO


@pytest.fixture(scope="module")
def readme(tmp_path_factory):
    """README rendered against a copy of the project (so nothing is written into the repo)."""
    from kg.cli.readme import rendered_readme
    from kg.paths import project_paths
    tmp = tmp_path_factory.mktemp("readme")
    root = project_paths(REPO).copy_to(tmp / "project").root
    (tmp / "shared").symlink_to((REPO.parent / "shared").resolve())
    (root / "benchmarks").mkdir()
    (root / "benchmarks" / "RESULTS.md").write_bytes((REPO / "benchmarks" / "RESULTS.md").read_bytes())
    (root / "README.md").write_bytes((REPO / "README.md").read_bytes())
    from kg.cli.main import main
    return rendered_readme(root, main)


def test_readme_has_generated_blocks_for_every_figure():
    from kg.cli.readme import blocks
    specs = [s for s, _ in blocks((REPO / "README.md").read_text(encoding="utf-8"))]
    assert {"graph-contents", "coverage", "benchmarks"} <= set(specs)
    assert sum(s.startswith("cartkg ") for s in specs) >= 5


def test_readme_matches_the_commands(readme):
    current, rendered = readme
    diff = "".join(difflib.unified_diff(current.splitlines(True), rendered.splitlines(True),
                                        "README.md", "rendered", n=1))
    assert current == rendered, "README is stale: run 'cartkg build'\n" + diff[:3000]
