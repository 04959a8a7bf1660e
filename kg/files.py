"""Safe writes: one file atomically, several files all or nothing, under the project's lock,
and never outside the project.

``write_atomically`` writes one file through a temporary file (created afresh, never through a
link), fsync and rename, so a reader (or a crash) sees the old file or the new one; given the
folder it must stay in, it refuses a path that leaves it or passes through a symbolic link.

``write_together`` writes several files as one change: each new text goes to a temporary file
beside its target, then a journal naming every (temporary, target) pair is written
atomically, then each temporary file is renamed over its target and the journal removed. A
writer killed before the journal exists leaves the old files (its temporary files are removed
by the next writer); one killed after it leaves a journal that the next writer (or
``cartkg curate recover``) completes, so the change is applied whole.

The journal can only move files within the folder it guards, and only when this copy of the
project wrote it:

- it names every file relative to ``area`` (the one folder the writes may touch); a pair with
  an absolute path, a ``..``, a link on the way, or a temporary file not named after its
  target is refused;
- it records the *identity of the lock* it was written under: the random token kept in the
  lock file (made on first use, never committed: ``.gitignore`` lists it) and that file's
  inode (not its device number, which may change across a reboot after a crash). A journal
  committed to a repository, or copied from another clone, meets another lock file (a clone
  makes a new one, with a new inode) and is refused with an error naming it, instead of being
  replayed;
- only a writer holding the lock applies it (``project_lock``); readers never do
  (``pending_change`` tells them one is pending).

Writers hold ``project_lock`` (an exclusive ``flock`` on the lock file), so concurrent writers
queue instead of overwriting each other's changes. The lock file is opened with
``O_NOFOLLOW`` and must be a regular file, so a link named like it creates nothing elsewhere.
A ``flock`` ends with its holder, so a killed writer leaves no stale lock; the project keeps
this lock rather than the ``filelock`` package because the journal records the lock file's
token and inode, which only the holder of the descriptor knows.
"""
from __future__ import annotations

import contextlib
import errno
import fcntl
import json
import os
import re
import secrets
import stat
import time
from pathlib import Path, PurePosixPath

from kg.errors import KgError

LOCK_NAME = ".lock"
JOURNAL_NAME = ".journal.json"
TMP_MARK = ".tmp-"
TMP_NAME = re.compile(r"^\.(?P<target>.+)\.tmp-\d+$")
MAX_JOURNAL_BYTES = 1 << 20
JOURNAL_FORMAT = 2


class UnsafeProject(KgError):
    """The project holds a file that would make a write leave it, or a journal this copy of
    the project did not write (exit 1: invalid data; nothing is written)."""

    exit_code = 1


class PendingChange(KgError):
    """A change interrupted midway waits to be completed by a writer (exit 2)."""

    exit_code = 2


def _tmp_for(path: Path) -> Path:
    return path.with_name(f".{path.name}{TMP_MARK}{os.getpid()}")


def check_inside(folder: Path, path: Path) -> Path:
    """``path`` when it lies in ``folder`` with no symbolic link from ``folder`` down to it
    (the file itself included); UnsafeProject otherwise. Missing parts are fine: they will be
    made as plain folders.

    >>> check_inside(Path("/p"), Path("/p/../etc/passwd"))
    Traceback (most recent call last):
    ...
    kg.files.UnsafeProject: /p/../etc/passwd is outside /p: cartkg writes nothing there
    """
    folder, path = Path(folder), Path(folder) / path
    relative = path.relative_to(folder) if path.is_relative_to(folder) else None
    if relative is None or ".." in relative.parts:
        raise UnsafeProject(f"{path} is outside {folder}: cartkg writes nothing there")
    here = folder
    for part in relative.parts:
        here = here / part
        try:
            info = os.lstat(here)
        except FileNotFoundError:
            break
        if stat.S_ISLNK(info.st_mode):
            raise UnsafeProject(f"{here} is a symbolic link: cartkg writes nothing through a "
                                f"link inside the project (it could point anywhere); replace "
                                f"it with a plain {'file' if here == path else 'folder'}")
    return path


def _write_new(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path``, which must not exist yet (a stale one left by a killed
    writer with this pid is removed first; a link is removed, never followed), and fsync."""
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC,
                 0o666)                 # as open(path, "w"): the umask decides
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())


def _fault_delay() -> None:
    """CARTKG_FAULT_DELAY (seconds) pauses a writer at its worst moment, so tests can kill it
    there."""
    if os.environ.get("CARTKG_FAULT_DELAY"):
        time.sleep(float(os.environ["CARTKG_FAULT_DELAY"]))


def _encoded(data: str | bytes) -> bytes:
    return data.encode("utf-8") if isinstance(data, str) else data


def write_atomically(path: Path, data: str | bytes, inside: Path | None = None) -> None:
    """Write ``data`` (text as UTF-8, or bytes) to ``path`` via a fresh temporary file, fsync
    and rename: a reader (or a crash) sees the old file or the new one, never a mix; a link
    at ``path`` is replaced, never written through. ``inside``: the folder the write must stay
    in (``check_inside``). CARTKG_FAULT_DELAY (seconds) pauses between the fsync and the
    rename, so tests can kill a writer at the worst moment."""
    if inside is not None:
        check_inside(inside, path.parent)       # a link at ``path`` itself is replaced
    tmp = _tmp_for(path)
    try:
        _write_new(tmp, _encoded(data))
        _fault_delay()
        os.replace(tmp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def write_together(lock: "LockHeld", files: dict[Path, str]) -> None:
    """Write every file of ``files`` (all in ``lock.area``), all or none, even when the
    process is killed midway (the next writer completes the change)."""
    pairs = []
    try:
        for path, text in files.items():
            check_inside(lock.area, path)
            path.parent.mkdir(parents=True, exist_ok=True)
            tmp = _tmp_for(path)
            _write_new(tmp, _encoded(text))
            pairs.append([tmp.relative_to(lock.area).as_posix(),
                          path.relative_to(lock.area).as_posix()])
        journal = {"format": JOURNAL_FORMAT, "lock": lock.identity, "pid": os.getpid(),
                   "pairs": pairs}
        write_atomically(lock.folder / JOURNAL_NAME, json.dumps(journal))
    except BaseException:
        for tmp, _ in pairs:
            (lock.area / tmp).unlink(missing_ok=True)
        raise
    _fault_delay()
    _apply(lock, _checked_pairs(lock, journal))


class LockHeld:
    """The lock of ``folder`` while it is held: the folder its writes may touch (``area``)
    and the identity its journals record."""

    def __init__(self, folder: Path, area: Path, fd: int):
        self.folder, self.area = folder, area
        self.identity = _identity(fd, _lock_token(fd))
        self.recovered = 0      # files written by completing a killed writer's change


def _identity(fd: int, token: str) -> dict:
    """What a journal records of the lock it was written under."""
    return {"token": token, "inode": os.fstat(fd).st_ino}


def _check_owner(doc: dict, identity: dict, folder: Path) -> None:
    """UnsafeProject unless the journal ``doc`` was written under the lock ``identity``."""
    if doc.get("lock") != identity:
        raise _journal_problem(folder / JOURNAL_NAME, f"was written under another lock than "
                                                      f"{folder / LOCK_NAME} (committed, or "
                                                      "copied from another clone)")


def _lock_token(fd: int) -> str:
    """The random token kept in the lock file, made on first use."""
    text = os.pread(fd, 200, 0).decode("ascii", "replace").strip()
    if re.fullmatch(r"[0-9a-f]{32}", text):
        return text
    token = secrets.token_hex(16)
    os.ftruncate(fd, 0)
    os.pwrite(fd, (token + "\n").encode("ascii"), 0)
    os.fsync(fd)
    return token


def _journal_problem(journal: Path, problem: str) -> UnsafeProject:
    return UnsafeProject(
        f"{journal}: {problem}. cartkg does not apply it. It was not left by an interrupted "
        f"write of this copy of the project (a repository must never commit it). Fix: look "
        f"at what it names, then delete it ('git rm' it if it is committed, else rm "
        f"{journal}) and any '.NAME.tmp-N' files it names")


def _read_journal(journal: Path) -> dict:
    """The journal's JSON (read without following a link, within MAX_JOURNAL_BYTES)."""
    try:
        fd = os.open(journal, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC)
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise _journal_problem(journal, "is a symbolic link") from None
        raise
    with os.fdopen(fd, "rb") as fh:
        if not stat.S_ISREG(os.fstat(fh.fileno()).st_mode):
            raise _journal_problem(journal, "is not a regular file")
        data = fh.read(MAX_JOURNAL_BYTES + 1)
    try:
        doc = json.loads(data) if len(data) <= MAX_JOURNAL_BYTES else None
    except ValueError:
        doc = None
    if not isinstance(doc, dict) or doc.get("format") != JOURNAL_FORMAT \
            or not isinstance(doc.get("pairs"), list):
        raise _journal_problem(journal, "is not a journal this version of cartkg writes")
    return doc


def _checked_pairs(lock: LockHeld, doc: dict) -> list[tuple[Path, Path]]:
    """The (temporary, target) paths of a journal this lock holder wrote, each checked to lie
    in ``lock.area`` with no link on the way; UnsafeProject (nothing applied) otherwise."""
    journal = lock.folder / JOURNAL_NAME
    _check_owner(doc, lock.identity, lock.folder)
    out = []
    for pair in doc["pairs"]:
        ok = isinstance(pair, list) and len(pair) == 2 and all(isinstance(p, str) for p in pair)
        tmp, target = (PurePosixPath(p) for p in pair) if ok else (None, None)
        named = ok and all(p.parts and not p.is_absolute() and ".." not in p.parts
                           and "." not in p.parts and "\\" not in str(p) for p in (tmp, target))
        match = TMP_NAME.match(tmp.name) if named else None
        if not (named and match and match["target"] == target.name
                and tmp.parent == target.parent):
            raise _journal_problem(journal, f"names {pair!r}, which is not a temporary file "
                                            f"and its target inside {lock.area}")
        try:
            tmp_path = check_inside(lock.area, lock.area / tmp)
            target_path = check_inside(lock.area, lock.area / target)
        except UnsafeProject as exc:
            raise _journal_problem(journal, f"names {pair!r}, but {exc}") from None
        with contextlib.suppress(FileNotFoundError):
            if not stat.S_ISREG(os.lstat(tmp_path).st_mode):
                raise _journal_problem(journal, f"names {tmp_path}, which is not a regular file")
        out.append((tmp_path, target_path))
    return out


def _apply(lock: LockHeld, pairs: list[tuple[Path, Path]]) -> None:
    """Rename every temporary file over its target, then drop the journal."""
    for tmp, target in pairs:
        if tmp.exists():
            os.replace(tmp, target)
    (lock.folder / JOURNAL_NAME).unlink()


def _remove_stale_temporaries(lock: LockHeld) -> None:
    """Remove the temporary files killed writers left in ``area`` and beside the journal
    (never following a link; only names a writer makes)."""
    for name in os.listdir(lock.folder):
        if name.startswith(f".{JOURNAL_NAME}{TMP_MARK}") and TMP_NAME.match(name):
            (lock.folder / name).unlink(missing_ok=True)
    for here, _, names in os.walk(lock.area, followlinks=False):
        for name in names:
            if TMP_NAME.match(name):
                Path(here, name).unlink(missing_ok=True)


def recover(lock: LockHeld) -> int:
    """Complete a change whose writer was killed after its journal was written, and remove
    temporary files left by writers killed before it; the number of files the completed
    change wrote (0 when none was pending). UnsafeProject when the journal is not this lock
    holder's or names a file outside the area."""
    journal = lock.folder / JOURNAL_NAME
    written = 0
    if os.path.lexists(journal):
        pairs = _checked_pairs(lock, _read_journal(journal))
        _apply(lock, pairs)
        written = len(pairs)
    _remove_stale_temporaries(lock)
    return written


def _open_lock_file(path: Path, create: bool) -> int | None:
    """The lock file's descriptor, opened without following a link (None when it is missing
    and ``create`` is false); UnsafeProject when it is a link or not a regular file."""
    flags = os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    flags |= os.O_RDWR | os.O_CREAT if create else os.O_RDONLY
    try:
        fd = os.open(path, flags, 0o600)
    except FileNotFoundError:
        if create:
            raise
        return None
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            raise UnsafeProject(f"{path} is a symbolic link: cartkg never opens its lock "
                                f"through a link (it would make a file wherever it points); "
                                f"delete it (rm {path}), the next writer makes a new one") \
                from None
        raise
    info = os.fstat(fd)
    if not stat.S_ISREG(info.st_mode) or info.st_nlink != 1:
        os.close(fd)
        raise UnsafeProject(f"{path} is not a plain file of its own (a folder, device, FIFO or "
                            f"hard link): delete it, the next writer makes a new one")
    return fd


@contextlib.contextmanager
def project_lock(folder: Path, area: Path):
    """Hold the exclusive lock of ``folder`` (waiting for other writers), after completing or
    cleaning up what a killed writer left there; yields the LockHeld that ``write_together``
    takes. ``area`` (in ``folder``) is the only folder its writes may touch."""
    check_inside(folder, area)
    if os.path.islink(folder):
        raise UnsafeProject(f"{folder} is a symbolic link: replace it with a plain folder")
    folder.mkdir(parents=True, exist_ok=True)
    fd = _open_lock_file(folder / LOCK_NAME, create=True)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        held = LockHeld(folder, area, fd)
        held.recovered = recover(held)
        yield held
    finally:
        os.close(fd)        # releases the flock


def pending_change(folder: Path) -> None:
    """For readers, which never apply a journal: return when no change is pending in
    ``folder`` (waiting for a writer at work to finish); PendingChange naming the fix when a
    writer was interrupted, UnsafeProject when the journal is not this project's."""
    journal = folder / JOURNAL_NAME
    if not os.path.lexists(journal):
        return
    fd = _open_lock_file(folder / LOCK_NAME, create=False)
    if fd is None:
        raise _journal_problem(journal, f"exists while {folder / LOCK_NAME} does not "
                                        "(committed, or copied from another clone)")
    try:
        fcntl.flock(fd, fcntl.LOCK_SH)      # a writer at work finishes first
        if not os.path.lexists(journal):
            return
        token = os.pread(fd, 200, 0).decode("ascii", "replace").strip()
        _check_owner(_read_journal(journal), _identity(fd, token), folder)
        raise PendingChange(f"a change to the curation sources was interrupted midway "
                            f"({journal} remains): run 'cartkg curate recover' to complete it, "
                            "then run this command again")
    finally:
        os.close(fd)
