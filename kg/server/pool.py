"""A pool of query worker processes (``kg.server.worker``) with a hard time limit per job.

The pool lives on the server's asyncio loop: a job goes to an idle worker as one
length-prefixed pickled frame over a socket pair, and the reply is read when the worker's
socket becomes readable, so no thread waits on a job. A job that runs past its limit has its
worker killed (which really stops the evaluation) and a fresh worker started on a background
thread.

Scheduling, so that one client's runaway queries cannot take the pool:

- **per client** (the peer address) at most ``client_jobs`` jobs running or waiting; more are
  answered Busy at once; waiting jobs are served round-robin across clients, not first come;
- **a long lane**: a job still running after ``long_after`` seconds is *long*; up to
  ``long_slots`` long jobs (one per client) move to the long lane, and a new worker is started
  in the place of each, so ``size`` workers stay free for short jobs; a long job beyond that
  keeps its worker until it ends or reaches the time limit;
- a client with a long job runs at most one other job at a time, and none once it has two
  long jobs (the rest wait, within ``client_jobs``); while other clients have jobs, a client
  runs at most ``size - 1`` jobs at once (at least 1). So one client's runaway queries hold
  one long-lane slot and at most one worker, never the pool.

A pool that accepts updates has a single worker (no long lane) and keeps the updates it
applied, to replay them into a replacement, so a killed query loses none; every
``UPDATE_LOG_MAX`` updates the worker writes a snapshot of its store instead, from which a
replacement starts, and the log is emptied.
"""
from __future__ import annotations

import collections
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import replace
from pathlib import Path

from kg.errors import RuntimeProblem
from kg.server.worker import Frames, Reply, StoreSpec

STARTUP_SECONDS = 120.0
UPDATE_LOG_MAX = 64         # updates replayed into a replacement before a snapshot replaces them


class QueryTimeout(Exception):
    """The job ran past its time limit; its worker was killed."""


class WorkerCrashed(Exception):
    """The worker died while running the job (``returncode``: how it ended; -6, an abort, is
    what an allocation past the memory limit gives)."""

    returncode: int | None = None


class Busy(Exception):
    """No worker became free in time, or the client has too many jobs running or waiting."""


class WorkerProcess:
    """One ``python -m kg.server.worker`` process and the socket to it."""

    def __init__(self, spec: StoreSpec, writable: bool, max_rows: int, memory_limit: int,
                 max_bytes: int, spool: str):
        self.sock, child = socket.socketpair()
        fd = child.fileno()
        # its own process group: Ctrl+C in a terminal reaches the server, which stops its
        # workers, not each worker (which would print a traceback of its own)
        self.proc = subprocess.Popen([sys.executable, "-m", "kg.server.worker", str(fd)],
                                     pass_fds=(fd,), stdin=subprocess.DEVNULL, process_group=0)
        child.close()
        self.frames = Frames(self.sock)
        self.frames.send((spec, writable, max_rows, memory_limit, max_bytes, spool))
        self.job = self.done = self.timer = None   # the running job, its callback, its limit
        self.client = None                         # whose job it is
        self.isolation = None                      # how the worker is cut off from the network
        self.graph = None                          # fingerprint of the graph it holds
        self.joined = False                        # put to work on the loop

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
        self.isolation = message
        try:
            self.graph = self.call({"op": "graph"}, STARTUP_SECONDS).body.decode() or None
        except (QueryTimeout, WorkerCrashed) as exc:
            self.kill()
            raise RuntimeProblem("a query worker exited while opening the store") from exc
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
                 writable: bool = False, memory_limit: int = 0, max_bytes: int = 64 << 20,
                 long_after: float = 1.0, long_slots: int | None = None,
                 client_jobs: int = 64):
        self.spec, self.timeout, self.max_rows, self.writable = spec, timeout, max_rows, writable
        self.memory_limit, self.max_bytes = memory_limit, max_bytes
        self.size = 1 if writable else max(1, size)
        self.long_after = min(long_after, timeout)
        self.long_slots = 0 if writable else (self.size if long_slots is None else long_slots)
        self.client_jobs = client_jobs
        self.loop = None
        self._idle: list[WorkerProcess] = []
        self._waiting: collections.OrderedDict = collections.OrderedDict()  # client → deque
        self._jobs_of: collections.Counter = collections.Counter()          # client → jobs
        self._long_of: collections.Counter = collections.Counter()          # … running long
        self._running_of: collections.Counter = collections.Counter()       # … running
        self.client_running = max(1, self.size - 1)
        self._live: set[WorkerProcess] = set()
        self._long: set[WorkerProcess] = set()      # workers running a job in the long lane
        self._slow: set[WorkerProcess] = set()      # workers running a long job (lane or not)
        self._spares: list[WorkerProcess] = []      # ready, kept free for the next long job
        self._starting: set[WorkerProcess] = set()
        self.spare_target = 1 if self.long_slots else 0
        self._updates: list[dict] = []      # applied updates, replayed into replacements
        self._snapshots = Path(tempfile.mkdtemp(prefix="cartkg-serve-")) if writable else None
        # large answers, written by the workers and streamed from there (kg.server.encoding)
        self.spool = Path(tempfile.mkdtemp(prefix="cartkg-spool-"))
        self._lock = threading.Lock()
        self._closed = False
        self._graphs: collections.Counter = collections.Counter()  # fingerprint → workers
        started = [self._spawn() for _ in range(self.size)]
        try:
            self._ready = [w.wait_ready() for w in started]
        except RuntimeProblem:
            self.close()
            raise
        self.isolation = self._ready[0].isolation

    def attach(self, loop) -> None:
        self.loop = loop
        for w in self._ready:
            self._join(w)
        self._ready = []
        self._top_up()                          # the spare

    @property
    def graph(self) -> str | None:
        """The fingerprint of the graph every worker on the loop holds; None when they hold
        different graphs, or one of unknown fingerprint (a writable store's)."""
        return next(iter(self._graphs)) if len(self._graphs) == 1 else None

    def _spawn(self) -> WorkerProcess:
        w = WorkerProcess(self.spec, self.writable, self.max_rows, self.memory_limit,
                          self.max_bytes, str(self.spool))
        with self._lock:
            self._live.add(w)
        return w

    def _join(self, w: WorkerProcess) -> None:
        if self._closed:
            w.kill()
            return
        self.loop.add_reader(w.sock, self._readable, w)
        self._starting.discard(w)
        w.joined = True
        self._graphs[w.graph] += 1
        self._place(w)

    def _place(self, w: WorkerProcess) -> None:
        """Put a free worker where it is needed: retired when there are more than enough,
        kept as the spare when the short lane is full, else given work."""
        outside_lane = len(self._live) - len(self._long)
        if outside_lane > self.size + self.spare_target:
            self._retire(w)
        elif len(self._spares) < self.spare_target and \
                outside_lane - len(self._spares) - len(self._starting) > self.size:
            self._spares.append(w)
        else:
            self._release(w)

    def _release(self, w: WorkerProcess) -> None:
        """Give ``w`` the next waiting job (clients in turn, skipping those with a job in the
        long lane), or make it idle."""
        client = next((c for c in self._waiting if self._may_start(c)), None)
        if client is None:
            self._idle.append(w)
            return
        queue = self._waiting[client]
        job, done, timer = queue.popleft()
        if queue:
            self._waiting.move_to_end(client)
        else:
            del self._waiting[client]
        timer.cancel()
        self._start(w, job, done, client)

    def _may_start(self, client: str) -> bool:
        """Whether a job of ``client`` may start now: with a long job, only when that is all
        it runs; else when it runs fewer than ``client_running`` or no one else has jobs."""
        if self._long_of[client]:
            return self._long_of[client] == 1 and self._running_of[client] == 1
        return self._running_of[client] < self.client_running or len(self._jobs_of) < 2

    def _dispatch(self) -> None:
        """Start waiting jobs on idle workers, after a client's job ended."""
        while self._idle and any(self._may_start(c) for c in self._waiting):
            self._release(self._idle.pop())

    def submit(self, job: dict, done, client: str = "-") -> None:
        """Run ``job`` on a worker; ``done(reply, None)`` or ``done(None, exception)`` follows
        on the loop (QueryTimeout, WorkerCrashed or Busy)."""
        if self._jobs_of[client] >= self.client_jobs:
            exc = Busy(f"this client already has {self._jobs_of[client]} requests running or "
                       "waiting; wait for their answers")
            self.loop.call_soon(done, None, exc)
            return
        self._jobs_of[client] += 1

        def finished(reply, exc):
            self._jobs_of[client] -= 1
            if not self._jobs_of[client]:
                del self._jobs_of[client]
            done(reply, exc)

        if self._idle and self._may_start(client):
            return self._start(self._idle.pop(), job, finished, client)
        entry = [job, finished, None]
        entry[2] = self.loop.call_later(self.timeout + 5, self._busy, client, entry)
        self._waiting.setdefault(client, collections.deque()).append(entry)

    def _busy(self, client: str, entry) -> None:
        queue = self._waiting[client]
        queue.remove(entry)
        if not queue:
            del self._waiting[client]
        entry[1](None, Busy("every query worker is busy; try again shortly"))

    def _start(self, w: WorkerProcess, job: dict, done, client: str) -> None:
        if self.writable and job["op"] == "update" and len(self._updates) >= UPDATE_LOG_MAX:
            job = dict(job, snapshot=str(self._snapshots / "store.nq"))
        try:
            w.frames.send(job)
        except OSError:
            self.loop.call_soon(self._crashed, w, done)
            return
        w.job, w.done, w.client = job, done, client
        self._running_of[client] += 1
        if self.long_slots:
            w.timer = self.loop.call_later(self.long_after, self._went_long, w)
        else:
            w.timer = self.loop.call_later(self.timeout, self._timed_out, w)

    def _went_long(self, w: WorkerProcess) -> None:
        """``w``'s job has run ``long_after`` seconds: it is long; into the long lane (and a
        new worker in its place) when the lane has room and its client has no job there."""
        self._slow.add(w)
        self._long_of[w.client] += 1
        w.timer = self.loop.call_later(self.timeout - self.long_after, self._timed_out, w)
        if len(self._long) < self.long_slots and \
                not any(other.client == w.client for other in self._long):
            self._into_lane(w)

    def _into_lane(self, w: WorkerProcess) -> None:
        """Move ``w``'s long job into the long lane; the spare (if ready) takes its place at
        once, and a new spare is started."""
        self._long.add(w)
        if self._spares:
            self._release(self._spares.pop())
        self._top_up()

    def _lane_freed(self) -> None:
        """A long-lane slot has freed: a long job still holding a short worker moves in."""
        clients = {x.client for x in self._long}
        waiting = next((x for x in self._slow if x not in self._long
                        and x.client not in clients), None)
        if waiting is not None:
            self._into_lane(waiting)

    def _readable(self, w: WorkerProcess) -> None:
        try:
            data = w.sock.recv(1 << 18)
        except OSError:
            data = b""
        if not data:
            if w.done is None:                  # died while idle
                for free in (self._idle, self._spares):
                    if w in free:
                        free.remove(w)
                self._retire(w)
            else:
                self._crashed(w, self._finish(w))
            return
        reply = w.frames.feed(data)
        if reply is None or w.done is None:
            return
        reply.graph = w.graph
        job, done = w.job, self._finish(w)
        snapshot = reply.headers.pop("X-Snapshot", None)
        if self.writable and job["op"] == "update" and reply.status < 300:
            self._updates.append(job)
            if snapshot == "written":
                self._updates.clear()
                self.spec = replace(self.spec, snapshot=job["snapshot"])
        if w in self._long:
            self._long.discard(w)
            self._lane_freed()
            self._place(w)
        else:
            self._release(w)
        done(reply, None)

    def _finish(self, w: WorkerProcess):
        """End ``w``'s job: its callback, with its timer cancelled and its client's long-lane
        count released."""
        done, w.done, w.job = w.done, None, None
        w.timer.cancel()
        self._running_of[w.client] -= 1
        if not self._running_of[w.client]:
            del self._running_of[w.client]
        if w in self._slow:
            self._slow.discard(w)
            self._long_of[w.client] -= 1
            if not self._long_of[w.client]:
                del self._long_of[w.client]
        if self._waiting:
            self.loop.call_soon(self._dispatch)
        return done

    def _crashed(self, w: WorkerProcess, done) -> None:
        try:                                    # let it finish dying, to read how it ended
            w.proc.wait(1)
        except subprocess.TimeoutExpired:
            pass
        replay = f", replaying {len(self._updates)} updates into it" if self.writable else ""
        print(f"[serve] a query worker died (exit status {w.proc.returncode}) while answering "
              f"{w.client}; one replacement is started{replay}", file=sys.stderr)
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
        if w.joined:
            self._graphs[w.graph] -= 1
            if not self._graphs[w.graph]:
                del self._graphs[w.graph]
        in_lane = w in self._long
        self._long.discard(w)
        self._slow.discard(w)
        self.loop.remove_reader(w.sock)
        w.kill()
        if in_lane:
            self._lane_freed()
        self._top_up()

    def _top_up(self) -> None:
        """Start workers until ``size`` and the spare are outside the long lane (running,
        free or starting)."""
        if self._closed:
            return
        while len(self._live) - len(self._long) < self.size + self.spare_target:
            try:
                w = self._spawn()
            except OSError as exc:
                print(f"[serve] cannot start a query worker: {exc}", file=sys.stderr)
                self.loop.call_later(1, self._top_up)
                return
            self._starting.add(w)
            threading.Thread(target=self._prepare, args=(w, self.spec, list(self._updates)),
                             daemon=True).start()

    def _prepare(self, w: WorkerProcess, spec: StoreSpec, updates: list[dict]) -> None:
        """Wait for a new worker (replaying ``updates``) on this thread, then join it."""
        try:
            w.wait_ready()
            for job in updates:
                w.call(job, STARTUP_SECONDS)
        except (RuntimeProblem, QueryTimeout, WorkerCrashed) as exc:
            if self._closed:                # stopped by close(), not failed
                return
            print(f"[serve] cannot start a query worker: {exc}", file=sys.stderr)
            time.sleep(1)
            self._call_on_loop(self._failed, w)
            return
        self._call_on_loop(self._join, w)

    def _failed(self, w: WorkerProcess) -> None:
        self._starting.discard(w)
        with self._lock:
            self._live.discard(w)
        w.kill()
        self._top_up()

    def _call_on_loop(self, fn, w: WorkerProcess) -> None:
        try:
            self.loop.call_soon_threadsafe(fn, w)
        except RuntimeError:                    # the loop is closed: the server stopped
            w.kill()

    def close(self) -> None:
        self._closed = True
        with self._lock:
            live, self._live = list(self._live), set()
        for w in live:
            w.kill()
        if self._snapshots is not None:
            shutil.rmtree(self._snapshots, ignore_errors=True)
        shutil.rmtree(self.spool, ignore_errors=True)
