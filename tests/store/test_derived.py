"""Answers derived from the on-disk store are kept beside it and reused only while the store
holds the same graph; the kept copy gives exactly what the store itself gives."""
from __future__ import annotations

import json
import os

import pytest

from kg.answers.evidence import _all_items, evidence_items
from kg.paths import project_paths
from kg.store.local import OxigraphStore, derived, open_store

NAME = "store.derived-evidence-items.json"


@pytest.fixture
def disk_store(project_copy):
    paths = project_paths(project_copy)
    return paths, open_store("oxigraph", paths)


def test_evidence_items_are_kept_once_and_read_back_unchanged(disk_store):
    paths, store = disk_store
    kept = paths.exports / NAME
    assert not kept.exists()
    first = evidence_items(store, include_drafts=True)
    assert json.loads(kept.read_text(encoding="utf-8"))["graph"] == store.fingerprint
    fresh = _all_items(OxigraphStore.in_memory(paths.graph))
    assert first == fresh and evidence_items(store, include_drafts=True) == fresh
    about = "https://w3id.org/cartkg/entity/cd19-negative-relapse"
    assert evidence_items(store, about_iri=about) == [
        i for i in fresh if about in (i["subject"]["iri"], i["object"]["iri"])
        and i["status"] == "accepted"]


def test_a_kept_copy_of_another_graph_or_a_damaged_one_is_not_used(disk_store):
    paths, store = disk_store
    kept = paths.exports / NAME
    kept.write_text(json.dumps({"graph": "0" * 64, "value": []}), encoding="utf-8")
    assert evidence_items(store)                          # recomputed, not the empty copy
    assert json.loads(kept.read_text(encoding="utf-8"))["graph"] == store.fingerprint
    kept.write_text("{damaged", encoding="utf-8")
    assert derived(store, "evidence-items", lambda: ["made"]) == ["made"]


def test_a_folder_that_cannot_be_written_still_answers(disk_store):
    paths, store = disk_store
    if os.geteuid() == 0:
        store.derived_dir = paths.exports / "missing-folder"   # root may write anywhere
    else:
        paths.exports.chmod(0o555)
    try:
        assert derived(store, "probe", lambda: {"n": 1}) == {"n": 1}
    finally:
        paths.exports.chmod(0o755)
    assert not (paths.exports / "store.derived-probe.json").exists()


def test_other_stores_compute_every_time(project_copy):
    memory = OxigraphStore.in_memory(project_paths(project_copy).graph)
    calls = []
    derived(memory, "probe", lambda: calls.append(1))
    derived(memory, "probe", lambda: calls.append(1))
    assert calls == [1, 1]
