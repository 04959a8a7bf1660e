"""Curation writes under attack (issue 18): real ``cartkg curate`` processes on a project copy.

Ids that name paths, concurrent writers, writers killed with SIGKILL, YAML alias bombs and
oversized files, and ``--text`` pointing at system files, devices, FIFOs and symlinks.
"""
from __future__ import annotations

import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from projectcopy import FIXTURE, REPO, run_cli
from test_curate import ORCID, add, register_paper2, snapshot

from kg.curation.sources import load_curation
from kg.paths import project_paths


def tree(root: Path) -> set[str]:
    """Every file under ``root`` (the project and what is beside it), relative."""
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def add_source(root: Path, ident: str, *extra: str):
    return run_cli("curate", "add-source", "--id", ident, "--doi", "10.5555/x.2025",
                   "--title", "T", "--year", "2025", "--journal", "J", "--licence", "CC BY 4.0",
                   *extra, home=root)


@pytest.mark.parametrize("ident", ["../../../../x", "/tmp/cartkg-abs-id", "a/b", "A..b",
                                   "-x", ""])
def test_ids_that_name_paths_are_refused_and_nothing_is_written(mini_project, ident):
    before = tree(mini_project.parent)
    r = add_source(mini_project, ident)
    assert r.returncode in (1, 2), r.stderr
    assert "Traceback" not in r.stderr
    assert tree(mini_project.parent) == before
    assert not Path("/tmp/cartkg-abs-id.yaml").exists()


def test_evidence_id_that_names_a_path_is_refused(mini_project):
    assert register_paper2(mini_project).returncode == 0
    before = snapshot(mini_project)
    r = add(mini_project, "--id", "../../evil", study_type=None)
    assert r.returncode == 1 and "is not an id" in r.stderr, r.stderr
    assert snapshot(mini_project) == before


ADDER = """
import sys
from pathlib import Path
from kg.curation.write import NewEntity, add_evidence
from kg.paths import project_paths
paths = project_paths(Path(sys.argv[1]))
for n in range(int(sys.argv[2])):
    name = f"Mini strategy {sys.argv[3]} {n}"
    add_evidence(paths, source="second2025", subject=name, predicate="addresses",
                 object="mini loss", quote="Dual-targeted CAR-T cells reduced relapse (4).",
                 refs=[4], ident=f"w{sys.argv[3]}-{n}", study_type="clinical trial",
                 new_entities={"subject": NewEntity(name, "strategy", "A test strategy.")})
"""


def test_concurrent_writers_keep_every_item(mini_project):
    assert register_paper2(mini_project).returncode == 0
    procs = [subprocess.Popen([sys.executable, "-c", ADDER, str(mini_project), "5", str(w)],
                              cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
                              stderr=subprocess.PIPE, text=True) for w in range(4)]
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    ids = {e.id for e in load_curation(project_paths(mini_project)).evidence}
    assert {f"w{w}-{n}" for w in range(4) for n in range(5)} <= ids


def _add_with_new_entity(root: Path, n: int, delay: str | None) -> subprocess.Popen:
    env = {**os.environ, "CARTKG_HOME": str(root), "PYTHONPATH": str(REPO)}
    if delay:
        env["CARTKG_FAULT_DELAY"] = delay
    return subprocess.Popen(
        [sys.executable, "-m", "kg", "curate", "add", "--source", "second2025",
         "--subject", f"Ferritin marker {n}", "--new-subject", "biomarker",
         "--subject-definition", "Ferritin above normal before infusion.",
         "--predicate", "predicts", "--object", "Mini early resistance",
         "--quote", "Elevated ferritin before infusion predicted early resistance with an odds "
         "ratio of 2.5 (P = 0.03) in 40 patients (3).", "--refs", "3",
         "--curator", ORCID, "--id", f"kill-{n}", "--study-type", "retrospective cohort"],
        cwd=REPO, env=env, stderr=subprocess.DEVNULL)


def test_kill_9_never_leaves_an_entity_without_its_evidence(mini_project):
    """Eight writers adding an entity and its evidence item (two files) killed with SIGKILL:
    half of them in the pause between the journal and the renames, half at a random moment.
    After each, the sources load cleanly and the entity and its item are both there or both
    absent; the next writer leaves no temporary file."""
    assert register_paper2(mini_project).returncode == 0
    paths = project_paths(mini_project)
    rnd = random.Random(18)
    for n in range(8):
        paused = n % 2 == 0
        proc = _add_with_new_entity(mini_project, n, "30" if paused else None)
        if paused:
            deadline = time.time() + 60
            while not (mini_project / "ontology" / ".journal.json").exists():
                assert proc.poll() is None and time.time() < deadline, "never reached the pause"
                time.sleep(0.02)
        else:
            time.sleep(rnd.uniform(0.3, 2.5))
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)
        r = run_cli("curate", "recover", home=mini_project)    # completes a journalled change
        assert r.returncode == 0, r.stderr
        cur = load_curation(paths)
        entity = f"ferritin-marker-{n}" in cur.entities
        item = any(e.id == f"kill-{n}" for e in cur.evidence)
        assert entity == item, (n, entity, item)
        if paused:
            assert entity and item
    r = _add_with_new_entity(mini_project, 99, None)
    assert r.wait(120) == 0
    left = [p for p in (mini_project / "ontology").rglob("*") if ".tmp-" in p.name]
    assert left == [] and not (mini_project / "ontology" / ".journal.json").exists()
    assert run_cli("curate", "validate", home=mini_project).returncode == 0


def test_yaml_alias_bomb_is_refused_quickly(mini_project):
    bomb = ["a: &a [x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = chr(ord("a") + i - 1)
        cur = chr(ord("a") + i)
        bomb.append(f"{cur}: &{cur} [*{prev}, *{prev}, *{prev}, *{prev}, *{prev}, *{prev}, "
                    f"*{prev}, *{prev}, *{prev}]")
    path = mini_project / "ontology" / "curation" / "entities" / "bomb.yaml"
    path.write_text("\n".join(bomb) + "\n")
    assert path.stat().st_size < 1000
    started = time.monotonic()
    r = run_cli("curate", "validate", home=mini_project)
    assert r.returncode == 1 and "alias" in r.stderr and "bomb.yaml:2" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    assert time.monotonic() - started < 30


def test_oversized_yaml_is_refused_before_it_is_read(mini_project):
    path = mini_project / "ontology" / "curation" / "entities" / "huge.yaml"
    with open(path, "wb") as fh:
        fh.truncate(200 << 20)                  # 200 MB, sparse
    r = run_cli("curate", "validate", home=mini_project)
    assert r.returncode == 1 and "huge.yaml" in r.stderr and "limit" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and "MemoryError" not in r.stderr


def test_text_must_be_a_regular_file_in_the_project(mini_project, tmp_path):
    fifo = mini_project / "fixtures" / "fifo.txt"
    os.mkfifo(fifo)
    link = mini_project / "fixtures" / "link.txt"
    link.symlink_to(mini_project / "fixtures" / "paper2.txt")
    (mini_project / "fixtures" / "paper2.txt").write_text(
        (FIXTURE / "paper2.txt").read_text())
    for target, words in (("/etc/passwd", "outside"), ("/dev/zero", "outside"),
                          (str(fifo), "not a regular file")):
        started = time.monotonic()
        r = add_source(mini_project, "textcheck2025", "--text", target)
        assert r.returncode == 1 and words in r.stderr, (target, r.stderr)
        assert time.monotonic() - started < 60
        assert not (mini_project / "ontology" / "curation" / "sources" /
                    "textcheck2025.yaml").exists()
    r = add_source(mini_project, "textcheck2025", "--text", str(link))
    assert r.returncode == 0, r.stderr
    assert "is a link" in r.stderr and "paper2.txt" in r.stderr
    written = (mini_project / "ontology" / "curation" / "sources" / "textcheck2025.yaml")
    assert "text: fixtures/paper2.txt" in written.read_text()
