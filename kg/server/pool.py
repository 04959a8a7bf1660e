"""A pool of query worker processes (``kg.server.worker``) with a hard time limit per job.

The pool lives on the server's asyncio loop: a job goes to an idle worker as one
length-prefixed pickled frame over a socket pair, and the reply is read when the worker's
socket becomes readable, so no thread waits on a job. A job that runs past its limit has its
worker killed (which really stops the evaluation) and a fresh worker started on a background
thread. A pool that accepts updates has a single worker and keeps the updates it applied, to
replay them into a replacement, so a killed query loses none.
"""
from __future__ import annotations

import collections
import socket
import subprocess
import sys
import threading
import time

from kg.errors import RuntimeProblem
from kg.server.worker import Frames, Reply, StoreSpec

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
    """One ``python -m kg.server.worker`` process and the socket to it."""

    def __init__(self, spec: StoreSpec, writable: bool, max_rows: int, memory_limit: int):
        self.sock, child = socket.socketpair()
        fd = child.fileno()
        self.proc = subprocess.Popen([sys.executable, "-m", "kg.server.worker", str(fd)],
                                     pass_fds=(fd,), stdin=subprocess.DEVNULL)
        child.close()
        self.frames = Frames(self.sock)
        self.frames.send((spec, writable, max_rows, memory_limit))
        self.job = self.done = self.timer = None   # the running job, its callback, its limit

    def wait_ready(self) -> "WorkerProcess":
        try:
            status, message = self._recv(STARTUP_SECONDS)
        except TimeoutError:
            self.kill()
            raise RuntimeProblem("a query worker did not start in time") from None
        except (EOFError, OSError) as exc:
            self.kill()
            raise RuntimeProblem("a query worker exited while opening the store") from exc
        if status != "ready":
            self.kill()
            raise RuntimeProblem(f"a query worker could not open the store: {message}")
        return self

    def _recv(self, timeout: float):
        self.sock.settimeout(timeout)
        try:
            return self.frames.recv()
        finally:
            self.sock.settimeout(None)

    def call(self, job: dict, timeout: float) -> Reply:
        """The reply to ``job``, waiting on this thread (replaying updates into a new worker)."""
        try:
            self.frames.send(job)
            return self._recv(timeout)
        except TimeoutError:
            raise QueryTimeout(f"stopped after the {timeout:g} s time limit") from None
        except (EOFError, OSError) as exc:
            raise WorkerCrashed("the query worker died while evaluating the request") from exc

    def kill(self) -> None:
        self.proc.kill()
        self.proc.wait()
        self.sock.close()


class WorkerPool:
    """``size`` started workers; ``attach(loop)`` puts them to work on that loop, after which
    ``submit`` must be called on the loop's thread."""

    def __init__(self, spec: StoreSpec, size: int, timeout: float, max_rows: int,
                 writable: bool = False, memory_limit: int = 0):
        self.spec, self.timeout, self.max_rows, self.writable = spec, timeout, max_rows, writable
        self.memory_limit = memory_limit
        self.size = 1 if writable else max(1, size)
        self.loop = None
        self._idle: list[WorkerProcess] = []
        self._waiting: collections.deque = collections.deque()   # [job, done, timer]
        self._live: set[WorkerProcess] = set()
        self._updates: list[dict] = []      # applied updates, replayed into replacements
        self._lock = threading.Lock()
        self._closed = False
        started = [self._spawn() for _ in range(self.size)]
        try:
            self._ready = [w.wait_ready() for w in started]
        except RuntimeProblem:
            self.close()
            raise

    def attach(self, loop) -> None:
        self.loop = loop
        for w in self._ready:
            self._join(w)
        self._ready = []

    def _spawn(self) -> WorkerProcess:
        w = WorkerProcess(self.spec, self.writable, self.max_rows, self.memory_limit)
        with self._lock:
            self._live.add(w)
        return w

    def _join(self, w: WorkerProcess) -> None:
        if self._closed:
            w.kill()
            return
        self.loop.add_reader(w.sock, self._readable, w)
        self._release(w)

    def _release(self, w: WorkerProcess) -> None:
        """Give ``w`` the longest-waiting job, or make it idle."""
        if self._waiting:
            job, done, timer = self._waiting.popleft()
            timer.cancel()
            return self._start(w, job, done)
        self._idle.append(w)

    def submit(self, job: dict, done) -> None:
        """Run ``job`` on a worker; ``done(reply, None)`` or ``done(None, exception)`` follows
        on the loop (QueryTimeout, WorkerCrashed or Busy)."""
        if self._idle:
            return self._start(self._idle.pop(), job, done)
        entry = [job, done, None]
        entry[2] = self.loop.call_later(self.timeout + 5, self._busy, entry)
        self._waiting.append(entry)

    def _busy(self, entry) -> None:
        self._waiting.remove(entry)
        entry[1](None, Busy("every query worker is busy; try again shortly"))

    def _start(self, w: WorkerProcess, job: dict, done) -> None:
        try:
            w.frames.send(job)
        except OSError:
            self.loop.call_soon(self._crashed, w, done)
            return
        w.job, w.done = job, done
        w.timer = self.loop.call_later(self.timeout, self._timed_out, w)

    def _readable(self, w: WorkerProcess) -> None:
        try:
            data = w.sock.recv(1 << 18)
        except OSError:
            data = b""
        if not data:
            if w.done is None:                  # died while idle
                if w in self._idle:
                    self._idle.remove(w)
                self._retire(w)
            else:
                self._crashed(w, self._finish(w))
            return
        reply = w.frames.feed(data)
        if reply is None or w.done is None:
            return
        job, done = w.job, self._finish(w)
        if self.writable and job["op"] == "update" and reply.status < 300:
            self._updates.append(job)
        self._release(w)
        done(reply, None)

    def _finish(self, w: WorkerProcess):
        done, w.done, w.job = w.done, None, None
        w.timer.cancel()
        return done

    def _crashed(self, w: WorkerProcess, done) -> None:
        try:                                    # let it finish dying, to read how it ended
            w.proc.wait(1)
        except subprocess.TimeoutExpired:
            pass
        self._retire(w)
        exc = WorkerCrashed("the query worker died while evaluating the request")
        exc.returncode = w.proc.returncode
        done(None, exc)

    def _timed_out(self, w: WorkerProcess) -> None:
        done = self._finish(w)
        self._retire(w)
        done(None, QueryTimeout(f"stopped after the {self.timeout:g} s time limit"))

    def _retire(self, w: WorkerProcess) -> None:
        with self._lock:
            if w not in self._live:             # already retired, or the pool closed
                return
            self._live.discard(w)
        self.loop.remove_reader(w.sock)
        w.kill()
        if not self._closed:
            threading.Thread(target=self._replace, daemon=True).start()

    def _replace(self) -> None:
        for attempt in range(3):
            w = None
            try:
                w = self._spawn().wait_ready()
                for job in list(self._updates):
                    w.call(job, STARTUP_SECONDS)
                try:
                    self.loop.call_soon_threadsafe(self._join, w)
                except RuntimeError:            # the loop is closed: the server stopped
                    w.kill()
                return
            except (RuntimeProblem, QueryTimeout, WorkerCrashed) as exc:
                if w is not None:
                    w.kill()
                print(f"[serve] cannot start a query worker: {exc}", file=sys.stderr)
                time.sleep(1 + attempt)

    def close(self) -> None:
        self._closed = True
        with self._lock:
            live, self._live = list(self._live), set()
        for w in live:
            w.kill()
