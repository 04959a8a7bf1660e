"""A query worker: one process holding one Oxigraph store, answering the server's jobs.

The server runs every query, update and question-API call in such a process so that a query
running past its time limit can be stopped for real (the process is killed and replaced).
Run as ``python -m kg.server.worker FD``: the jobs arrive as ``Frames`` (length-prefixed
pickles) over the stream socket on file descriptor FD, first ``(StoreSpec, writable,
max_rows, memory_limit, max_bytes, spool)``, then one job at a time, each answered with a
``Reply`` (status, content type, body and extra headers; compressed and tagged as the job
asks, and a large body written to a file in the ``spool`` folder, ``kg.server.encoding``). The process's address space is capped at
``memory_limit`` bytes, an answer stops at ``max_rows`` rows or about ``max_bytes`` bytes
(``X-Result-Truncated: true``), and the process has no network (``kg.server.sandbox``).
"""
from __future__ import annotations

import io
import json
import pickle
import socket
import sys
from collections import OrderedDict
from dataclasses import dataclass, field, replace

from kg.server.encoding import encode, spill
from kg.server.formats import (GRAPH_TYPES, NATIVE_RESULTS, RESULT_FORMATS, RESULT_TYPES,
                               content_type, negotiate, serialize_graph)
from kg.store.policy import PolicyError, add_using, check_query, check_update
from kg.server.sandbox import isolate_network
from kg.store.local import OxigraphStore, Result, Term, with_values
from kg.vocab import PREFIXES


@dataclass(frozen=True)
class StoreSpec:
    """Where a worker finds its data: an on-disk Oxigraph store (opened read-only, or copied
    into memory for a server that accepts updates) and/or RDF files loaded into memory, each
    into the named graph given (None: the default graph). ``prefixes``: let queries use the
    project's prefixes (ckg:, ent:, rdfs: …) without declaring them. ``snapshot``: an
    N-Quads dump of a writable store (written after updates), loaded instead of the rest."""

    path: str | None = None
    graphs: tuple[tuple[str, str | None], ...] = ()
    prefixes: bool = True
    snapshot: str | None = None

    def open(self, writable: bool = False):
        import pyoxigraph as ox
        if self.snapshot:
            store = ox.Store()
            store.bulk_load(path=self.snapshot, format=ox.RdfFormat.N_QUADS)
            return store
        if self.path and not self.graphs and not writable:
            return ox.Store.read_only(self.path)
        store = ox.Store()
        if self.path:
            store.bulk_extend(ox.Store.read_only(self.path))
        for path, graph in self.graphs:
            store.bulk_load(path=path, to_graph=ox.NamedNode(graph) if graph else None)
        return store

    def fingerprint(self) -> str | None:
        """A hash of the files the graph is loaded from, or the fingerprint the on-disk
        store's build recorded beside it; None for a snapshot or when there is none."""
        import hashlib
        from pathlib import Path
        if self.snapshot:
            return None
        digest = hashlib.sha256(repr((self.path, self.graphs)).encode())
        if self.path:
            recorded = Path(self.path).parent / "store.fingerprint"
            if not recorded.exists():
                return None
            digest.update(recorded.read_bytes())
            status = Path(self.path).stat()      # a store swapped in by renaming is another
            digest.update(b"%d %d" % (status.st_ino, status.st_mtime_ns))
        for path, _ in self.graphs:
            digest.update(Path(path).read_bytes())
        return digest.hexdigest()

    def open_with_fingerprint(self, writable: bool = False):
        """The store, and the fingerprint of what it holds (None: unknown, or a writable
        store): taken before and after loading, so a file changed meanwhile gives None."""
        if writable:
            return self.open(True), None
        before = self.fingerprint()
        store = self.open()
        return store, before if before == self.fingerprint() else None


@dataclass
class Reply:
    """An answer; a large one's body is in the spool ``file`` (``length`` bytes) instead."""
    status: int
    content_type: str = ""
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    file: str | None = None
    length: int = 0
    graph: str | None = None    # fingerprint of the graph it was made from (set by the pool)

    @property
    def size(self) -> int:
        return self.length if self.file else len(self.body)

    @classmethod
    def text(cls, status: int, message: str) -> "Reply":
        return cls(status, "text/plain; charset=utf-8", (message.rstrip() + "\n").encode())

    @classmethod
    def json(cls, status: int, obj) -> "Reply":
        """JSON laid out exactly as the CLI's ``--json`` prints it."""
        return cls(status, "application/json; charset=utf-8",
                   (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode())


class Frames:
    """Pickled messages over a stream socket, each preceded by its length (4 bytes).

    >>> a, b = socket.socketpair()
    >>> Frames(a).send({"op": "query"}); Frames(b).recv()
    {'op': 'query'}
    """

    def __init__(self, sock: socket.socket):
        self.sock, self.buf = sock, bytearray()

    def send(self, obj) -> None:
        data = pickle.dumps(obj, pickle.HIGHEST_PROTOCOL)
        self.sock.sendall(len(data).to_bytes(4, "big") + data)

    def feed(self, data: bytes):
        """Add received bytes; the message they complete, else None."""
        self.buf += data
        if len(self.buf) < 4:
            return None
        end = 4 + int.from_bytes(self.buf[:4], "big")
        if len(self.buf) < end:
            return None
        message = pickle.loads(self.buf[4:end])
        del self.buf[:end]
        return message

    def recv(self):
        """The next message, waiting for it (EOFError when the other side has gone)."""
        message = self.feed(b"")
        while message is None:
            data = self.sock.recv(1 << 18)
            if not data:
                raise EOFError
            message = self.feed(data)
        return message


class BoundedBuffer(io.BytesIO):
    """An in-memory file that refuses to grow past ``limit`` bytes (raises ``Full``)."""

    class Full(Exception):
        pass

    def __init__(self, limit: int):
        super().__init__()
        self.limit = limit

    def write(self, data) -> int:
        if self.tell() + len(data) > self.limit:
            raise self.Full
        return super().write(data)


class Memo:
    """The latest ``size`` answers of a function, by key."""

    def __init__(self, size: int):
        self._answers: OrderedDict = OrderedDict()
        self._size = size

    def get(self, key, compute):
        if key in self._answers:
            self._answers.move_to_end(key)
        else:
            self._answers[key] = compute()
            if len(self._answers) > self._size:
                self._answers.popitem(last=False)
        return self._answers[key]


class CachedStore(OxigraphStore):
    """A read-only store whose query answers are kept: the question API asks the same
    whole-graph queries on every call."""

    def __init__(self, store):
        super().__init__(store)
        self._memo = Memo(256)

    def query(self, sparql: str, bindings: dict[str, Term] | None = None) -> Result:
        key = (sparql, tuple(sorted((bindings or {}).items())))
        hit = self._memo.get(key, lambda: super(CachedStore, self).query(sparql, bindings))
        return replace(hit, variables=list(hit.variables), rows=list(hit.rows),
                       triples=list(hit.triples))


TERM_OVERHEAD = 64     # bytes a result format adds around one term's value, at most


class Worker:
    def __init__(self, store, spec: StoreSpec, max_rows: int, writable: bool = False,
                 max_bytes: int = 64 << 20):
        self.store, self.max_rows, self.max_bytes = store, max_rows, max_bytes
        self.prefixes = dict(PREFIXES) if spec.prefixes else None
        self.questions = OxigraphStore(store) if writable else CachedStore(store)
        self.answers = None if writable else Memo(128)   # a read-only store's answers last
        self.graph: str | None = None       # fingerprint of the graph held (the pool asks)

    def handle(self, job: dict) -> Reply:
        try:
            return getattr(self, "do_" + job["op"])(job)
        except PolicyError as exc:
            return Reply.text(400, str(exc))
        except SyntaxError as exc:
            return Reply.text(400, f"SPARQL syntax error: {exc}")
        except ValueError as exc:
            return Reply.text(400, f"invalid request: {exc}")
        except OSError as exc:
            return Reply.text(500, f"evaluation failed: {exc}")

    def _rows(self, solutions) -> tuple[Result, bool]:
        """At most ``max_rows`` rows whose terms add up to at most ``max_bytes``."""
        names = [v.value for v in solutions.variables]
        rows, size = [], 0
        for sol in solutions:
            terms = [(n, sol[n]) for n in names if sol[n] is not None]
            size += sum(len(t.value) + TERM_OVERHEAD for _, t in terms)
            if len(rows) >= self.max_rows or size > self.max_bytes:
                return Result("select", variables=names, rows=rows), True
            rows.append({n: OxigraphStore.term(t) for n, t in terms})
        return Result("select", variables=names, rows=rows), False

    def _triples(self, triples) -> tuple[list, bool]:
        """At most ``max_rows`` triples whose terms add up to at most ``max_bytes``."""
        out, size = [], 0
        for t in triples:
            size += sum(len(str(x)) for x in (t.subject, t.predicate, t.object))
            if len(out) >= self.max_rows or size > self.max_bytes:
                return out, True
            out.append(t)
        return out, False

    def _solutions(self, solutions, media: str, job: dict) -> tuple[bytes, bool]:
        """The solutions as Oxigraph serialises them while the body is too short to hold more
        than ``max_rows`` rows (and within ``max_bytes``); past that, the query runs again and
        its first rows within both limits are serialised here."""
        import pyoxigraph as ox
        fmt, row_bytes = NATIVE_RESULTS[media]
        out = BoundedBuffer(min(row_bytes * self.max_rows, self.max_bytes))
        try:
            solutions.serialize(out, format=getattr(ox.QueryResultsFormat, fmt))
            return out.getvalue(), False
        except BoundedBuffer.Full:
            result, truncated = self._rows(self._evaluate(job))
            return RESULT_FORMATS[media](result).encode(), truncated

    def _evaluate(self, job: dict):
        import pyoxigraph as ox
        graphs = {}
        if job.get("default"):
            graphs["default_graph"] = [ox.NamedNode(g) for g in job["default"]]
        if job.get("named"):
            graphs["named_graphs"] = [ox.NamedNode(g) for g in job["named"]]
        return self.store.query(job["query"], base_iri=job.get("base"),
                                prefixes=self.prefixes, **graphs)

    def do_query(self, job: dict) -> Reply:
        import pyoxigraph as ox
        check_query(job["query"])
        res = self._evaluate(job)
        graph = isinstance(res, ox.QueryTriples)
        media = negotiate(job.get("accept"), GRAPH_TYPES if graph else RESULT_TYPES)
        if media is None:
            return Reply.text(406, "none of the Accept header's media types can carry this "
                              "result; try application/sparql-results+json or text/turtle")
        if graph:
            triples, truncated = self._triples(res)
            body = serialize_graph(triples, media, self.prefixes)
        elif isinstance(res, ox.QuerySolutions):
            body, truncated = self._solutions(res, media, job)
        else:
            body = RESULT_FORMATS[media](Result("ask", boolean=bool(res))).encode()
            truncated = False
        headers = {"X-Result-Truncated": "true"} if truncated else {}
        if truncated:
            headers["X-Result-Limit"] = str(self.max_rows)
            headers["X-Result-Byte-Limit"] = str(self.max_bytes)
        return Reply(200, content_type(media), body, headers)

    def do_graph(self, job: dict) -> Reply:
        """The fingerprint of the graph this worker holds (empty: unknown)."""
        return Reply(200, "text/plain", (self.graph or "").encode())

    def do_update(self, job: dict) -> Reply:
        text = add_using(job["update"], job.get("using", []), job.get("using_named", []))
        check_update(text)      # the very text Oxigraph is given
        try:
            self.store.update(text, base_iri=job.get("base"), prefixes=self.prefixes)
        except RuntimeError as exc:     # e.g. CREATE of a graph that exists, CLEAR of one that doesn't
            return Reply.text(400, f"the update failed: {exc}")
        return Reply(204, headers=self._snapshot(job["snapshot"]) if job.get("snapshot") else {})

    def _snapshot(self, path: str) -> dict[str, str]:
        """Dump the store to ``path`` (N-Quads, replaced whole); the header telling the pool."""
        import os

        import pyoxigraph as ox
        try:
            self.store.dump(path + ".tmp", format=ox.RdfFormat.N_QUADS)
            os.replace(path + ".tmp", path)
        except OSError:
            return {"X-Snapshot": "failed"}
        return {"X-Snapshot": "written"}

    def do_api(self, job: dict) -> Reply:
        from kg.server.api import answer
        compute = lambda: Reply.json(*answer(self.questions, job["name"], job["params"]))  # noqa: E731
        if self.answers is None:
            return compute()
        return self.answers.get((job["name"], tuple(sorted(job["params"].items()))), compute)


    def do_curate(self, job: dict) -> Reply:
        """The review page of a registered source (kg.server.pages.curate_page)."""
        from pathlib import Path

        from kg.server.pages import curate_page
        status, body = curate_page(Path(job["root"]), job["source"])
        return Reply(status, "text/html; charset=utf-8", body)

    def do_examples(self, job: dict) -> Reply:
        """The competency questions of ``job["folder"]``, each parameter bound to the entity
        its default text names (a VALUES block), so every example runs as is."""
        from pathlib import Path

        from kg.errors import NoMatch
        from kg.answers.lookup import resolve
        from kg.server.pages import competency_examples
        examples = competency_examples(Path(job["folder"]))
        for ex in examples:
            try:
                bound = {name: Term.iri(resolve(self.questions, text)["iri"])
                         for name, text in ex["params"].items()}
            except NoMatch:
                continue
            if bound:
                ex["query"] = with_values(ex["query"], bound)
        return Reply.json(200, examples)


PR_SET_PDEATHSIG = 1


def main(argv: list[str]) -> int:
    # in a process group of its own (Ctrl+C reaches only the server), so it ends with the
    # server even when the server is killed outright
    import ctypes
    import signal
    ctypes.CDLL(None).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    conn = Frames(socket.socket(fileno=int(argv[1])))
    spec, writable, max_rows, memory_limit, max_bytes, spool = conn.recv()
    isolation = isolate_network()
    if memory_limit:    # past it an allocation fails and the process ends: the query stops
        import resource
        resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
    try:
        store, graph = spec.open_with_fingerprint(writable)
        worker = Worker(store, spec, max_rows, writable, max_bytes)
    except Exception as exc:  # report any failure to open the store to the server
        conn.send(("error", f"{type(exc).__name__}: {exc}"))
        return 2
    worker.graph = graph
    conn.send(("ready", isolation))
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError):
            return 0
        try:
            reply = worker.handle(job)
            if job["op"] in ("query", "api"):
                reply = spill(encode(reply, job.get("gzip", False)), spool)
        except Exception as exc:  # an unexpected failure answers 500, the worker goes on
            reply = Reply.text(500, f"internal error: {type(exc).__name__}: {exc}")
        try:
            conn.send(reply)
        except OSError:     # the server has gone
            return 0


if __name__ == "__main__":
    # run the module's own copy so pickled replies name kg.server.worker, not __main__
    from kg.server.worker import main as worker_main
    raise SystemExit(worker_main(sys.argv))
