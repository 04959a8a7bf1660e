"""A cloned project cannot make cartkg write outside it (issue 27): a committed journal, a lock
file or an export that is a link, and ``curate add-study`` run by many processes at once or
with ``--project``. Real git clones and real ``cartkg`` processes."""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from projectcopy import FIXTURE, REPO, make_project
from test_curate import register_paper2, snapshot

from kg.curation.references import REGISTER_FILE
from kg.curation.sources import load_curation
from kg.paths import project_paths

HOOK_SCRIPT = "#!/bin/sh\ntouch \"$HOME/pwned-by-cartkg-clone\"\n"


def cartkg(*args: str, cwd: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """The real CLI, run in ``cwd`` with no CARTKG_HOME (the project is found from ``cwd``)."""
    env = {k: v for k, v in {**os.environ, **(env or {})}.items() if k != "CARTKG_HOME"}
    env["PYTHONPATH"] = str(REPO)
    return subprocess.run([sys.executable, "-m", "kg", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=600)


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org",
                    "-c", "init.defaultBranch=main", *args], cwd=cwd, check=True,
                   capture_output=True)


def everything(root: Path) -> dict[str, bytes | str]:
    """Every file and link under ``root`` (the clone and what is beside it), with contents."""
    out = {}
    for p in sorted(root.rglob("*")):
        if p.is_symlink():
            out[str(p.relative_to(root))] = "-> " + os.readlink(p)
        elif p.is_file():
            out[str(p.relative_to(root))] = p.read_bytes()
    return out


def attacker_journals(outside: Path) -> dict[str, object]:
    """Journals a hostile repository could commit: the format cartkg wrote before (pairs
    relative to the current directory) and the present format with a forged lock identity,
    each moving a committed script onto .git/hooks/pre-commit and a file to an absolute
    path."""
    pairs = [["ontology/curation/tools/hook.sh", ".git/hooks/pre-commit"],
             ["ontology/curation/tools/payload.txt", str(outside / "overwritten.txt")]]
    forged = {"format": 2, "lock": {"token": "0" * 32, "inode": 1}, "pid": 1,
              "pairs": [["tools/.hook.sh.tmp-1", "../../.git/hooks/pre-commit"],
                        [str(outside / ".payload.tmp-1"), str(outside / "payload")],
                        ["tools/.hook.sh.tmp-1", "tools/hook.sh"]]}
    return {"old-format": pairs, "forged-lock": forged}


@pytest.fixture
def hostile_clone(tmp_path, request):
    """A git clone of a project whose repository commits a script and a journal meant to
    move it onto the clone's pre-commit hook and a file outside the clone."""
    origin = make_project(tmp_path / "origin", FIXTURE / "curation")
    outside = tmp_path / "outside"
    outside.mkdir()
    tools = origin / "ontology" / "curation" / "tools"
    tools.mkdir()
    for name in ("hook.sh", ".hook.sh.tmp-1"):
        (tools / name).write_text(HOOK_SCRIPT)
        (tools / name).chmod(0o755)
    (tools / "payload.txt").write_text("written by the repository\n")
    journal = attacker_journals(outside)[request.param]
    (origin / "ontology" / ".journal.json").write_text(json.dumps(journal))
    (origin / "ontology" / ".lock").write_text("0" * 32 + "\n")
    git("init", "-q", cwd=origin)
    git("add", "-f", "ontology", "queries", "fixtures", cwd=origin)
    git("commit", "-q", "-m", "hostile", cwd=origin)
    clone = tmp_path / "clone"
    git("clone", "-q", str(origin), str(clone), cwd=tmp_path)
    (tmp_path / "shared").exists() or (tmp_path / "shared").symlink_to(REPO.parent / "shared")
    return clone, outside


@pytest.mark.parametrize("hostile_clone", ["old-format", "forged-lock"], indirect=True)
@pytest.mark.parametrize("command", [["build", "--reasoner", "none", "--no-figures"],
                                     ["curate", "validate", "--reasoner", "none"],
                                     ["curate", "add-source", "--id", "new2025", "--doi",
                                      "10.5555/new.2025", "--title", "T", "--year", "2025",
                                      "--journal", "J", "--licence", "CC BY 4.0"]])
def test_a_committed_journal_is_refused_and_writes_nothing(hostile_clone, command):
    clone, outside = hostile_clone
    before_clone, before_outside = everything(clone), everything(outside)
    r = cartkg(*command, cwd=clone)
    assert r.returncode == 1, r.stderr
    assert ".journal.json" in r.stderr and "delete it" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    assert not (clone / ".git" / "hooks" / "pre-commit").exists()
    assert everything(outside) == before_outside
    assert everything(clone) == before_clone, "the refused command wrote in the clone"


@pytest.mark.parametrize("hostile_clone", ["forged-lock"], indirect=True)
def test_a_reading_command_never_replays_a_journal(hostile_clone):
    """Validating reads the sources: it neither applies a journal nor makes a lock file."""
    clone, outside = hostile_clone
    (clone / "ontology" / ".lock").unlink()
    before = everything(clone)
    r = cartkg("curate", "validate", "--reasoner", "none", cwd=clone)
    assert r.returncode == 1 and ".journal.json" in r.stderr, r.stderr
    assert everything(clone) == before and not (clone / "ontology" / ".lock").exists()


def test_an_interrupted_change_is_completed_by_a_writer_only(mini_project):
    """A writer killed after its journal: readers report the pending change and its fix
    (exit 2, nothing changed); 'cartkg curate recover' completes it."""
    assert register_paper2(mini_project).returncode == 0
    env = {"CARTKG_HOME": str(mini_project), "CARTKG_FAULT_DELAY": "8",
           "PYTHONPATH": str(REPO)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "kg", "curate", "add", "--source", "second2025",
         "--subject", "Marker X", "--new-subject", "biomarker", "--subject-definition",
         "A marker.", "--predicate", "predicts", "--object", "Mini early resistance",
         "--quote", "Elevated ferritin before infusion predicted early resistance with an odds "
         "ratio of 2.5 (P = 0.03) in 40 patients (3).", "--refs", "3", "--id", "pending-1",
         "--study-type", "retrospective cohort"],
        cwd=REPO, env={**os.environ, **env}, stderr=subprocess.DEVNULL)
    journal = mini_project / "ontology" / ".journal.json"
    while not journal.exists():
        assert proc.poll() is None, "the writer ended before its journal"
        time.sleep(0.02)
    proc.kill()                             # SIGKILL in the pause before the renames
    proc.wait(10)
    before = snapshot(mini_project)
    r = cartkg("curate", "validate", "--reasoner", "none", cwd=mini_project)
    assert r.returncode == 2 and "cartkg curate recover" in r.stderr, r.stderr
    assert snapshot(mini_project) == before and journal.exists()
    r = cartkg("curate", "recover", "--json", cwd=mini_project)
    assert r.returncode == 0, r.stderr
    assert json.loads(r.stdout) == {"completed": True, "files": 2}
    assert not journal.exists()
    cur = load_curation(project_paths(mini_project))
    assert "marker-x" in cur.entities and any(e.id == "pending-1" for e in cur.evidence)


def test_a_lock_file_that_is_a_link_creates_nothing_at_its_target(mini_project, tmp_path):
    target = tmp_path / "made-by-the-lock"
    lock = mini_project / "ontology" / ".lock"
    lock.unlink(missing_ok=True)
    lock.symlink_to(target)
    before = snapshot(mini_project)
    r = register_paper2(mini_project)
    assert r.returncode == 1, r.stderr
    assert ".lock" in r.stderr and "symbolic link" in r.stderr and "Traceback" not in r.stderr
    assert not target.exists() and not os.path.lexists(target)
    assert snapshot(mini_project) == before


def test_a_store_fingerprint_that_is_a_link_is_not_written_through(project_copy, tmp_path):
    """A committed exports/store.fingerprint pointing at a user's file: a question command
    making the on-disk store must replace the link, not write into the file."""
    precious = tmp_path / "precious.txt"
    precious.write_text("the user's own file\n")
    link = project_copy / "exports" / "store.fingerprint"
    link.symlink_to(precious)
    r = cartkg("stats", "--json", cwd=project_copy)
    assert r.returncode == 0, r.stderr
    assert precious.read_text() == "the user's own file\n"


def _free_citations(root: Path, review: str, count: int) -> list[tuple[int, str]]:
    """``count`` reference numbers of ``review`` that no study resolves yet, each with words
    of the review's text just before its citation mark (the basis the register checks)."""
    cur = load_curation(project_paths(root))
    text = cur.sources[review].normalised_text
    taken = {int(ref) for (source, ref) in cur.citations if source == review}
    out = []
    for ref in range(1, cur.sources[review].reference_count + 1):
        m = re.search(rf"[A-Za-z][^.()]{{20,60}}\({ref}\)", text)
        if ref not in taken and m:
            out.append((ref, m.group(0)))
    assert len(out) >= count
    return out[:count]


def test_parallel_add_study_keeps_every_study_in_the_project_given(project_copy, tmp_path):
    """Eight 'curate add-study --project X' processes at once, run inside another project Y:
    every study lands in X (or is refused cleanly), none in Y."""
    other = make_project(tmp_path / "other")
    register = other / "ontology" / "curation" / REGISTER_FILE
    other_before = register.read_bytes()
    cites = _free_citations(project_copy, "xu2023", 8)
    procs = []
    for n, (ref, basis) in enumerate(cites):
        args = ["curate", "add-study", "--project", str(project_copy), "--id", f"parallel{n}",
                "--first-author", f"Parallel{n}", "--year", "2019", "--title", f"Study {n}",
                "--journal", "Blood", "--pmid", str(1000 + n),
                "--cite", f"xu2023:{ref}={basis}",
                "--checked", f"https://example.org/{n}=Parallel{n} 2019"]
        env = {k: v for k, v in os.environ.items() if k != "CARTKG_HOME"}
        procs.append(subprocess.Popen([sys.executable, "-m", "kg", *args], cwd=other, env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                      text=True))
    results = [(p.wait(600), p.stderr.read()) for p in procs]
    for code, err in results:
        assert "Traceback" not in err, err
        assert code == 0, err
    kept = load_curation(project_paths(project_copy)).primary_studies
    assert {f"parallel{n}" for n in range(8)} <= set(kept)
    assert register.read_bytes() == other_before


@pytest.mark.parametrize("pair", [["tools/.hook.sh.tmp-1", "../../.git/hooks/pre-commit"],
                                  ["tools/.hook.sh.tmp-1", "/tmp/cartkg-journal-escape"],
                                  ["../../evil/.x.tmp-1", "../../evil/x"],
                                  ["tools/hook.sh", "sources/mini2024.yaml"],
                                  ["link/.x.tmp-1", "link/x"]])
def test_even_this_projects_own_journal_moves_nothing_out_of_the_curation_folder(
        mini_project, tmp_path, pair):
    """A journal with this lock's identity (as a local process could write) that names a file
    outside ontology/curation, through a link, or a target not named after the temporary file
    is refused whole."""
    assert register_paper2(mini_project).returncode == 0      # makes the lock and its token
    curation = mini_project / "ontology" / "curation"
    (curation / "tools").mkdir()
    (curation / "tools" / ".hook.sh.tmp-1").write_text(HOOK_SCRIPT)
    (curation / "tools" / "hook.sh").write_text(HOOK_SCRIPT)
    (tmp_path / "evil").mkdir()
    (tmp_path / "evil" / ".x.tmp-1").write_text(HOOK_SCRIPT)
    (curation / "link").symlink_to(tmp_path / "evil")
    (mini_project / ".git" / "hooks").mkdir(parents=True)
    lock = mini_project / "ontology" / ".lock"
    identity = {"token": lock.read_text().strip(), "inode": lock.stat().st_ino}
    journal = mini_project / "ontology" / ".journal.json"
    journal.write_text(json.dumps({"format": 2, "lock": identity, "pid": 1, "pairs": [pair]}))
    before, outside = snapshot(mini_project), everything(tmp_path / "evil")
    r = cartkg("curate", "recover", cwd=mini_project)
    assert r.returncode == 1 and ".journal.json" in r.stderr, r.stderr
    assert snapshot(mini_project) == before and everything(tmp_path / "evil") == outside
    assert not (mini_project / ".git" / "hooks" / "pre-commit").exists()
    assert not os.path.lexists("/tmp/cartkg-journal-escape")
    journal.unlink()
    r = cartkg("curate", "recover", cwd=mini_project)
    assert r.returncode == 0 and "no interrupted change" in r.stderr, r.stderr


def test_an_exports_folder_that_is_a_link_gets_no_store(project_copy, tmp_path):
    """exports/ committed as a link to a folder elsewhere: making the on-disk store there
    is refused (exit 1, naming the link), and nothing is made where it points."""
    elsewhere = tmp_path / "elsewhere"
    (project_copy / "exports").rename(elsewhere)
    (project_copy / "exports").symlink_to(elsewhere)
    before = everything(elsewhere)
    r = cartkg("stats", "--json", cwd=project_copy)
    assert r.returncode == 1 and "exports is a symbolic link" in r.stderr, r.stderr
    assert everything(elsewhere) == before
