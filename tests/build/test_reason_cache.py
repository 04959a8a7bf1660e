"""The reasoner's inferences are reused while the ontology and entities are unchanged, and
only then: the exports are the same bytes as with a fresh HermiT run."""
from __future__ import annotations

import json

import pytest

from projectcopy import make_project
from kg.build.exports import FILES
from kg.build.pipeline import build
from kg.build.reason_cache import CACHE_NAME
from kg.paths import project_paths

pytestmark = [pytest.mark.java, pytest.mark.slow]
REUSED = "reasoning reused: the ontology and entities it reasons over are unchanged since the last build"


def exports(root):
    return {name: (root / "exports" / name).read_bytes() for name in FILES}


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    root = make_project(tmp_path_factory.mktemp("cache"))
    assert not (root / "exports" / CACHE_NAME).exists()      # a copy is like a fresh clone
    first = build(project_paths(root), quiet=True, figures=False)
    return root, first


def test_first_build_runs_hermit_and_keeps_its_result(built):
    root, first = built
    assert first.reasoner == "hermit" and REUSED not in first.notes
    assert "reason (auto)" in first.timings
    entry = json.loads((root / "exports" / CACHE_NAME).read_text(encoding="utf-8"))
    assert entry["engine"] == "hermit" and len(entry["inferred"]) == first.inferred


def test_an_evidence_only_change_reuses_it_with_identical_exports(built):
    root, first = built
    before = exports(root)
    source = root / "ontology" / "curation" / "sources" / "xu2023.yaml"
    text = source.read_text(encoding="utf-8")
    assert '\n  section: "' in text
    source.write_text(text.replace('\n  section: "', '\n  section: "Re-read > ', 1), encoding="utf-8")
    again = build(project_paths(root), quiet=True, figures=False)
    assert REUSED in again.notes and "reason (auto)" not in again.timings
    assert (again.reasoner, again.inferred) == ("hermit", first.inferred)
    after = exports(root)
    changed = sorted(name for name in FILES if after[name] != before[name])
    assert changed and set(changed) <= {"cartkg.nt", "cartkg.ttl", "cartkg.jsonld", "cartkg.owl",
                                        "void.ttl", "README.md"}
    assert after["inferred.ttl"] == before["inferred.ttl"]
    source.write_text(text, encoding="utf-8")
    build(project_paths(root), quiet=True, figures=False)
    assert exports(root) == before


def test_an_entity_change_or_a_damaged_cache_runs_hermit_again(built):
    root, first = built
    cache = root / "exports" / CACHE_NAME
    cache.write_text("{not json", encoding="utf-8")
    again = build(project_paths(root), quiet=True, figures=False)
    assert REUSED not in again.notes and again.inferred == first.inferred
    assert json.loads(cache.read_text(encoding="utf-8"))["engine"] == "hermit"

    entities = root / "ontology" / "curation" / "entities" / "mechanisms.yaml"
    text = entities.read_text(encoding="utf-8")
    entities.write_text(text.replace("outside antigen-positive and antigen-negative relapse",
                                     "beside antigen-positive and antigen-negative relapse", 1),
                        encoding="utf-8")
    changed = build(project_paths(root), quiet=True, figures=False)
    assert REUSED not in changed.notes and "reason (auto)" in changed.timings
    entities.write_text(text, encoding="utf-8")


def test_another_engine_does_not_reuse_hermits_result(built):
    root, _ = built
    owlrl = build(project_paths(root), reasoner="owlrl", quiet=True, figures=False)
    assert owlrl.reasoner == "owlrl" and REUSED not in owlrl.notes
