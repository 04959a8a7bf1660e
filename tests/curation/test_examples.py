"""The usage examples in kg.curation's docstrings, run on the real project."""
from __future__ import annotations

from kg.curation.coverage import coverage
from kg.curation.schema import load_schema
from kg.paths import project_paths


def test_schema_example(built_project):
    s = load_schema(project_paths(built_project).ontology)
    assert (s.category_of("CarTCellTherapy"), s.relation("possible solution for").name) == \
        ("therapy", "addresses")


def test_coverage_example(built_project):
    report = coverage(project_paths(built_project))
    xu = next(r for r in report if r["source"] == "10.3389/fimmu.2023.1110028")
    assert xu["by_kind"]["biomarker"]["mentioning"] > 0
