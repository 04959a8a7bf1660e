"""README's facts cannot drift from the tree: every path it names exists (or is output a command
writes, ignored by git), and every count of the graph's contents sits in a generated block
(kg/cli/readme.py; another test checks those blocks against the commands)."""
from __future__ import annotations

import fnmatch
import re

from projectcopy import REPO, SHARED

ROOTS = ("../shared/", ".ci/", "kg/", "tests/", "ontology/", "queries/", "exports/",
         "benchmarks/")
TOP_FILES = ("LICENSE", "CITATION.cff", "pyproject.toml", "setup.py", "README.md")
GENERATED = re.compile(r"<!-- generated: .*?<!-- /generated -->", re.DOTALL)
COUNT = re.compile(r"\b\d[\d,]*\s+(?:evidence items|triples|entities|relations|statistics|"
                   r"genes|mechanisms|strategies|biomarkers|edges|nodes|subsumptions)\b")


def _readme() -> str:
    return (REPO / "README.md").read_text(encoding="utf-8")


def readme_paths(text: str) -> set[str]:
    """The repository paths README names in backticks (``kg/...``, ``../shared/...``, ...)."""
    found = set()
    for token in re.findall(r"`([^`\s]+)`", text):
        token = token.rstrip(".,;:)").split("::")[0]
        if token.startswith(ROOTS) or token in TOP_FILES:
            found.add(token)
    return found


def missing_paths(text: str) -> list[str]:
    ignored = [line.strip().rstrip("/") for line in
               (REPO / ".gitignore").read_text(encoding="utf-8").splitlines()
               if line.strip() and not line.startswith("#")]
    missing = []
    for path in sorted(readme_paths(text)):
        where = SHARED / path[len("../shared/"):] if path.startswith("../shared/") \
            else REPO / path
        exists = any(where.parent.glob(where.name)) if "*" in where.name else where.exists()
        if not exists and not any(fnmatch.fnmatch(path.rstrip("/"), i) for i in ignored):
            missing.append(path)
    return missing


def test_every_path_readme_names_exists():
    paths = readme_paths(_readme())
    assert "tests/answers/test_safety.py" in paths and "LICENSE" in paths
    assert missing_paths(_readme()) == []


def test_a_moved_path_is_caught():
    assert missing_paths("see `tests/test_safety.py` and `ontology/nowhere.yaml`") == [
        "ontology/nowhere.yaml", "tests/test_safety.py"]


def test_counts_of_the_graph_are_only_in_generated_blocks():
    outside = GENERATED.sub("", _readme())
    assert COUNT.findall(outside) == []
    assert COUNT.findall("the graph has 1,588 relations") == ["1,588 relations"]
    assert "<!-- generated: relation-counts -->" in _readme()
