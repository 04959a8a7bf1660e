"""Figure: the second command of README's set-up (``bash .ci/setup test``) in a fresh copy of
the repository: no ``.venv``, the Debian packages present (apt is skipped), pip's download
cache as this machine has it. Only the files git tracks are copied, as a clone would have
them; the copy is deleted afterwards. Baseline: ``python3 -m venv`` alone in the same run,
the part of the set-up no project can avoid."""
from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

from figures import Figure

TARGET_MIN = 10.0


def tracked_copy(root: Path, dest: Path) -> Path:
    """The files git tracks in ``root`` (as they are in the working tree), copied to ``dest``."""
    names = subprocess.run(["git", "-C", str(root), "ls-files", "-z"], check=True,
                           capture_output=True).stdout.decode().split("\0")
    for name in filter(None, names):
        source = root / name
        if source.is_file():
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return dest


def _minutes(cmd: list[str], cwd: Path) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                   timeout=3600)
    return (time.perf_counter() - start) / 60


def run(root: Path, scratch: Path) -> tuple[list[Figure], list[str]]:
    copy = tracked_copy(root, scratch / "clone")
    venv_only = _minutes(["python3", "-m", "venv", str(scratch / "bare-venv")], scratch)
    setup = _minutes(["bash", ".ci/setup", "test"], copy)
    shutil.rmtree(copy, ignore_errors=True)
    whole = int(round(setup * 60))
    fig = Figure("setup.test", setup, "min", venv_only, "python3 -m venv alone (same run)",
                 target=f"≤ {TARGET_MIN:g} min", checks=[("value", "<=", TARGET_MIN)],
                 note=f"bash .ci/setup test in a fresh copy: {whole // 60} min {whole % 60} s")
    detail = ("### Set-up\n\n`bash .ci/setup test` in a fresh copy of the tracked files (no "
              "`.venv`, Debian packages present, pip's cache warm): "
              f"**{whole // 60} min {whole % 60} s**; `python3 -m venv` alone: "
              f"{venv_only * 60:.1f} s.")
    return [fig], [detail]
