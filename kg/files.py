"""Writing files safely: a reader, or a crash, sees the old file or the new one, never a mix."""
from __future__ import annotations

from pathlib import Path


def write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file, fsync and rename: a reader (or a crash)
    sees the old file or the new one, never a mix. CARTKG_FAULT_DELAY (seconds) pauses between
    the fsync and the rename, so tests can kill a writer at the worst moment."""
    import os
    import time
    tmp = path.with_name(f".{path.name}.tmp-{os.getpid()}")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        if os.environ.get("CARTKG_FAULT_DELAY"):
            time.sleep(float(os.environ["CARTKG_FAULT_DELAY"]))
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()

