"""Which project a command works on (like git), and a store that follows its N-Triples."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kg.paths import NoProject, find_project
from projectcopy import REPO


def _run(cwd: Path, *args: str, env: dict | None = None):
    base = {k: v for k, v in os.environ.items() if k not in ("CARTKG_HOME", "CARTKG_STORE")}
    return subprocess.run([sys.executable, "-m", "kg", *args], cwd=cwd, env={**base, **(env or {})},
                          capture_output=True, text=True, timeout=300)


@pytest.fixture
def clone(tmp_path) -> Path:
    from kg.paths import project_paths
    root = project_paths(REPO).copy_to(tmp_path / "clone").root
    (tmp_path / "shared").symlink_to((REPO.parent / "shared").resolve())
    return root


def test_discovery_order_is_flag_then_environment_then_nearest_folder(clone, tmp_path):
    inner = clone / "ontology" / "curation"
    assert find_project(None, inner, environ={}).root == clone
    assert find_project(None, tmp_path, environ={}) is None
    assert find_project(None, tmp_path, environ={"CARTKG_HOME": str(clone)}).root == clone
    assert find_project(clone, tmp_path, environ={"CARTKG_HOME": "/nowhere"}).root == clone
    with pytest.raises(NoProject, match="CARTKG_HOME"):
        find_project(None, inner, environ={"CARTKG_HOME": str(tmp_path)})


def test_curation_in_a_second_clone_writes_only_there(clone):
    before = {p: p.read_bytes() for p in (REPO / "ontology").rglob("*") if p.is_file()}
    text = clone / "paper.txt"
    text.write_text("CD19 loss was seen in three patients (1).\n")
    out = _run(clone / "queries", "curate", "add-source", "--id", "other2025", "--doi",
               "10.1234/other", "--title", "Another paper", "--year", "2025", "--journal", "J",
               "--licence", "CC BY 4.0", "--text", str(text), "--reference-count", "3")
    assert out.returncode == 0, out.stderr
    assert str(clone) in out.stderr, "a writing command names the project it wrote to"
    assert (clone / "ontology" / "curation" / "sources" / "other2025.yaml").exists()
    after = {p: p.read_bytes() for p in (REPO / "ontology").rglob("*") if p.is_file()}
    assert after == before


def test_the_store_is_remade_when_the_ntriples_change(clone):
    first = _run(clone, "stats", "--json")
    assert first.returncode == 0, first.stderr
    nt = clone / "exports" / "cartkg.nt"
    lines = nt.read_text(encoding="utf-8").splitlines(keepends=True)
    kept = [line for line in lines if "/evidence/" not in line.split(" ", 1)[0]]
    nt.write_text("".join(kept), encoding="utf-8")
    second = _run(clone, "stats", "--json")
    assert second.returncode == 0, second.stderr
    assert "changed since the store" in second.stderr
    assert json.loads(second.stdout)["triples"] == len(kept) < json.loads(first.stdout)["triples"]
    third = _run(clone, "stats", "--json")
    assert "changed since the store" not in third.stderr


def test_reading_outside_any_project_says_where_the_answer_comes_from(tmp_path):
    out = _run(tmp_path, "lookup", "Yescarta", "--json")
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)[0]["label"] == "Axicabtagene ciloleucel"
    assert "graph built into the package" in out.stderr
    refused = _run(tmp_path, "curate", "validate")
    assert refused.returncode == 2 and "--project" in refused.stderr


def test_report_outside_a_project_or_before_a_build_says_what_to_do(clone, tmp_path):
    """Issue 27: no Java stack trace — a message naming the fix, exit 2."""
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    out = _run(outside, "report")
    assert out.returncode == 2, out.stderr
    assert "--project" in out.stderr and "\tat " not in out.stderr
    (clone / "exports" / "cartkg.owl").unlink()
    out = _run(clone, "report")
    assert out.returncode == 2, out.stderr
    assert "cartkg.owl is missing" in out.stderr and "cartkg build" in out.stderr
    assert "\tat " not in out.stderr and "Exception" not in out.stderr
    (clone / "exports" / "cartkg.owl").write_text("not an ontology\n")
    out = _run(clone, "report")
    assert out.returncode == 2 and "cartkg.owl" in out.stderr, out.stderr
    assert "\tat " not in out.stderr and "Traceback" not in out.stderr
