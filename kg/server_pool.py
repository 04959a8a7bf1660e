"""A pool of query worker processes (``kg.server_worker``) with a hard time limit per job.

A job that runs past its limit has its worker killed (which really stops the evaluation) and a
fresh worker started in the background. A pool that accepts updates has a single worker and
keeps the updates it applied, to replay them into a replacement, so a killed query loses none.
"""
from __future__ import annotations

import queue
import subprocess
import sys
import threading
import time
from multiprocessing import Pipe

from kg.errors import RuntimeProblem
from kg.server_worker import Reply, StoreSpec

STARTUP_SECONDS = 120.0


class QueryTimeout(Exception):
    """The job ran past its time limit; its worker was killed."""


class WorkerCrashed(Exception):
    """The worker died while running the job (``returncode``: how it ended; -6, an abort, is
    what an allocation past the memory limit gives)."""

    returncode: int | None = None


class Busy(Exception):
    """No worker became free in time."""


class WorkerProcess:
    """One ``python -m kg.server_worker`` process and the connection to it."""

    def __init__(self, spec: StoreSpec, writable: bool, max_rows: int, memory_limit: int):
        self.conn, child = Pipe()
        fd = child.fileno()
        self.proc = subprocess.Popen([sys.executable, "-m", "kg.server_worker", str(fd)],
                                     pass_fds=(fd,), stdin=subprocess.DEVNULL)
        child.close()
        self.conn.send((spec, writable, max_rows, memory_limit))

    def wait_ready(self) -> "WorkerProcess":
        try:
            if not self.conn.poll(STARTUP_SECONDS):
                raise RuntimeProblem("a query worker did not start in time")
            status, message = self.conn.recv()
        except (EOFError, OSError) as exc:
            self.kill()
            raise RuntimeProblem("a query worker exited while opening the store") from exc
        if status != "ready":
            self.kill()
            raise RuntimeProblem(f"a query worker could not open the store: {message}")
        return self

    def call(self, job: dict, timeout: float) -> Reply:
        try:
            self.conn.send(job)
            if not self.conn.poll(timeout):
                raise QueryTimeout(f"stopped after the {timeout:g} s time limit")
            return self.conn.recv()
        except (EOFError, OSError) as exc:
            raise WorkerCrashed("the query worker died while evaluating the request") from exc

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self.conn.close()


class WorkerPool:
    def __init__(self, spec: StoreSpec, size: int, timeout: float, max_rows: int,
                 writable: bool = False, memory_limit: int = 0):
        self.spec, self.timeout, self.max_rows, self.writable = spec, timeout, max_rows, writable
        self.memory_limit = memory_limit
        self.size = 1 if writable else max(1, size)
        self._idle: queue.Queue[WorkerProcess] = queue.Queue()
        self._live: set[WorkerProcess] = set()
        self._updates: list[dict] = []      # applied updates, replayed into replacements
        self._lock = threading.Lock()
        self._closed = False
        started = [self._spawn() for _ in range(self.size)]
        try:
            for w in started:
                self._idle.put(w.wait_ready())
        except RuntimeProblem:
            self.close()
            raise

    def _spawn(self) -> WorkerProcess:
        w = WorkerProcess(self.spec, self.writable, self.max_rows, self.memory_limit)
        with self._lock:
            self._live.add(w)
        return w

    def _retire(self, w: WorkerProcess) -> None:
        w.kill()
        with self._lock:
            self._live.discard(w)
        if not self._closed:
            threading.Thread(target=self._replace, daemon=True).start()

    def _replace(self) -> None:
        for attempt in range(3):
            try:
                w = self._spawn().wait_ready()
                for job in list(self._updates):
                    w.call(job, STARTUP_SECONDS)
                if self._closed:
                    w.kill()
                else:
                    self._idle.put(w)
                return
            except (RuntimeProblem, QueryTimeout, WorkerCrashed) as exc:
                print(f"[serve] cannot start a query worker: {exc}", file=sys.stderr)
                time.sleep(1 + attempt)

    def run(self, job: dict) -> Reply:
        """The worker's reply to ``job``; QueryTimeout, WorkerCrashed or Busy otherwise."""
        try:
            w = self._idle.get(timeout=self.timeout + 5)
        except queue.Empty:
            raise Busy("every query worker is busy; try again shortly") from None
        try:
            reply = w.call(job, self.timeout)
        except WorkerCrashed as exc:
            self._retire(w)
            exc.returncode = w.proc.returncode
            raise
        except BaseException:
            self._retire(w)
            raise
        if self.writable and job["op"] == "update" and reply.status < 300:
            self._updates.append(job)
        self._idle.put(w)
        return reply

    def close(self) -> None:
        self._closed = True
        with self._lock:
            live, self._live = list(self._live), set()
        for w in live:
            w.kill()
