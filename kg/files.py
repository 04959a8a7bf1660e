"""Safe writes: one file atomically, several files all or nothing, under the project's lock.

``write_atomically`` writes one file through a temporary file, fsync and rename, so a reader
(or a crash) sees the old file or the new one. ``write_together`` writes several files as one
change: each new text goes to a temporary file beside its target, then a journal naming every
(temporary, target) pair is written atomically, then each temporary file is renamed over its
target and the journal removed. A writer killed before the journal exists leaves the old files
(its temporary files are removed by the next writer or reader); one killed after it leaves a
journal that ``recover`` completes, so the change is applied whole. Writers hold
``project_lock`` (an exclusive ``flock`` on a lock file in the folder written), so concurrent
writers queue instead of overwriting each other's changes.
"""
from __future__ import annotations

import contextlib
import fcntl
import json
import os
import time
from pathlib import Path

LOCK_NAME = ".lock"
JOURNAL_NAME = ".journal.json"
TMP_MARK = ".tmp-"


def _tmp_for(path: Path) -> Path:
    return path.with_name(f".{path.name}{TMP_MARK}{os.getpid()}")


def _write_synced(path: Path, text: str) -> None:
    with open(path, "w", encoding="utf-8", newline="") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def _fault_delay() -> None:
    """CARTKG_FAULT_DELAY (seconds) pauses a writer at its worst moment, so tests can kill it
    there."""
    if os.environ.get("CARTKG_FAULT_DELAY"):
        time.sleep(float(os.environ["CARTKG_FAULT_DELAY"]))


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file, fsync and rename: a reader (or a crash)
    sees the old file or the new one, never a mix. CARTKG_FAULT_DELAY (seconds) pauses between
    the fsync and the rename, so tests can kill a writer at the worst moment."""
    tmp = _tmp_for(path)
    try:
        _write_synced(tmp, text)
        _fault_delay()
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def write_together(folder: Path, files: dict[Path, str]) -> None:
    """Write every file of ``files`` (all under ``folder``), all or none, even when the
    process is killed midway (``recover`` completes the change). Call it holding
    ``project_lock(folder)``."""
    pairs = []
    try:
        for path, text in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = _tmp_for(path)
            _write_synced(tmp, text)
            pairs.append((str(tmp), str(path)))
        write_atomically(folder / JOURNAL_NAME, json.dumps(pairs))
    except BaseException:
        for tmp, _ in pairs:
            Path(tmp).unlink(missing_ok=True)
        raise
    _fault_delay()
    _apply(folder)


def _apply(folder: Path) -> None:
    """Rename every temporary file the journal names over its target, then drop it."""
    journal = folder / JOURNAL_NAME
    for tmp, target in json.loads(journal.read_text(encoding="utf-8")):
        if Path(tmp).exists():
            os.replace(tmp, target)
    journal.unlink()


def recover(folder: Path) -> None:
    """Complete a change whose writer was killed after its journal was written, and remove
    temporary files left by writers killed before it. Call it holding the lock."""
    if (folder / JOURNAL_NAME).exists():
        _apply(folder)
    for tmp in folder.rglob(f".*{TMP_MARK}*"):
        tmp.unlink(missing_ok=True)


@contextlib.contextmanager
def project_lock(folder: Path):
    """Hold the exclusive lock of ``folder`` (waiting for other writers), after completing or
    cleaning up what a killed writer left there."""
    folder.mkdir(parents=True, exist_ok=True)
    with open(folder / LOCK_NAME, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            recover(folder)
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
