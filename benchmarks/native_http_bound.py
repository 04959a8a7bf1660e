"""The best a native HTTP front end could do for ``cartkg serve`` on new queries (issue 28): a
throw-away bound, not a server to ship. Granian (Rust: its own HTTP/1 parsing, connections and
writes, through the RSGI interface) runs 2 worker processes on the shared listening socket;
each worker, forked after granian's start, cuts itself off the network
(``kg.server.sandbox``), loads the graph as ``cartkg serve``'s workers do (``store_spec``:
``exports/cartkg.nt`` into memory) and answers GET and POST /sparql queries with
``kg.server``'s own steps: the parameters decoded by ``protocol._pairs``, the job run by
``worker.Worker.handle`` (the policy check, Oxigraph, content negotiation, the row and byte
limits, pyoxigraph's serialisation), the body tagged by ``encoding.encode`` (ETag, gzip when
asked), ``If-None-Match`` → 304. Nothing else: no result cache, no pages or question API, no
Host check, no time limit, no memory cap, no per-client job cap or connection share, no
fairness between the connections of a worker (``inline``: the job runs on granian's event
loop, so a long query stalls every other request of its process) or only the GIL's
(``thread``: the job runs on a small thread pool, the loop stays free; ``wsgi``: granian's
WSGI interface, the app on granian's own Python threads).

Measured in rotation, with ``prefork_bound.measure`` (the endpoint benchmark's hammer, 16
keep-alive clients), against the native Oxigraph server and ``cartkg serve``. Granian is not
a dependency of the project: ``pip install granian`` first (2.8.9 was measured).

    python benchmarks/native_http_bound.py [SECONDS] [ROUNDS] [repeated]    # the table
    python benchmarks/native_http_bound.py serve PORT inline|thread|wsgi    # the bound alone
"""
from __future__ import annotations

import asyncio
import sys
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

WORKERS = 2             # processes: the machine's 2 cores, as cartkg serve's 2 workers
THREADS = 4             # Python threads per process in the ``thread`` and ``wsgi`` variants


class SparqlApp:
    """SPARQL queries answered from one in-memory store per process: an RSGI application
    (``inline`` or, with ``offload``, on a thread pool) and a WSGI one (granian runs it on
    its own threads)."""

    def __init__(self, offload: bool = False):
        self.offload, self.worker, self.threads = offload, None, None
        self.lock = threading.Lock()

    def ready(self) -> None:
        """Once per process, before it answers: no network, then the graph."""
        from kg.paths import project_paths
        from kg.server.protocol import Settings
        from kg.server.run import store_spec
        from kg.server.sandbox import isolate_network
        from kg.server.worker import Worker
        with self.lock:
            if self.worker is not None:
                return
            print(f"[bound] worker network isolation: {isolate_network()}", file=sys.stderr)
            settings, spec = Settings(), store_spec(None, project_paths())
            store, graph = spec.open_with_fingerprint()
            worker = Worker(store, spec, settings.max_rows, False, settings.max_bytes)
            worker.graph = graph
            if self.offload:
                self.threads = ThreadPoolExecutor(THREADS)
            self.worker = worker

    def __rsgi_init__(self, loop) -> None:
        self.ready()

    async def __rsgi__(self, scope, proto) -> None:
        body = await proto() if scope.method == "POST" else b""
        request = (scope.method, scope.path, scope.query_string, scope.headers.get, body,
                   scope.server)
        if self.offload:
            answer = await asyncio.get_running_loop().run_in_executor(
                self.threads, self.answer, *request)
        else:
            answer = self.answer(*request)
        status, fields, body = answer
        if status == 304:
            proto.response_empty(status, fields)
        else:
            proto.response_bytes(status, fields, body)

    def __call__(self, environ, start_response):
        """WSGI."""
        from kg.server.protocol import STATUS_PHRASES
        self.ready()
        method = environ["REQUEST_METHOD"]
        body = environ["wsgi.input"].read() if method == "POST" else b""
        status, fields, body = self.answer(
            method, environ["PATH_INFO"], environ.get("QUERY_STRING", ""),
            lambda name: environ.get("HTTP_" + name.upper().replace("-", "_"),
                                     environ.get("CONTENT_TYPE") if name == "content-type"
                                     else None),
            body, environ["SERVER_NAME"])
        start_response(f"{status} {STATUS_PHRASES.get(status, b'').decode()}", fields)
        return [body]

    def answer(self, method: str, path: str, query_string: str, header, body: bytes,
               server: str) -> tuple[int, list[tuple[str, str]], bytes]:
        """Status, header fields and body of a request; ``header(name)``: a field's value."""
        from kg.server.encoding import encode, etag_matches
        from kg.server.protocol import CORS, HttpError
        from kg.server.worker import Reply
        try:
            job = self.job(method, path, query_string, header, body, server)
            reply, extra = encode(self.worker.handle(job), job["gzip"]), CORS
        except HttpError as exc:
            reply, extra = Reply.text(exc.status, str(exc)), exc.headers
        except Exception as exc:                                          # noqa: BLE001
            reply, extra = Reply.text(500, f"internal error: {type(exc).__name__}"), {}
        fields = [("X-Content-Type-Options", "nosniff"), *reply.headers.items(),
                  *extra.items()]
        if reply.status == 200 and method == "GET" and \
                etag_matches(header("if-none-match"), reply.headers.get("ETag")):
            return 304, fields, b""
        return reply.status, [("Content-Type", reply.content_type), *fields], reply.body

    @staticmethod
    def job(method: str, path: str, query_string: str, header, body: bytes,
            server: str) -> dict:
        """The query job of a GET or POST /sparql request, as ``protocol.Exchange`` makes it."""
        from kg.server.encoding import accepts_gzip
        from kg.server.protocol import (FORM, HOST, QUERY, HttpError, _graphs, _one, _pairs,
                                        _utf8)
        if path != "/sparql":
            raise HttpError(404, f"no such page: {path}")
        if method not in ("GET", "POST"):
            raise HttpError(405, "use GET or POST", {"Allow": "GET, POST"})
        pairs = _pairs(query_string, "query string")
        if method == "POST":
            media = (header("content-type") or "").split(";")[0].strip().lower()
            text = _utf8(body, "body")
            if media == FORM:
                pairs += _pairs(text.replace("\n", "").replace("\r", ""), "form body")
            elif media == QUERY:
                pairs.append(("query", text))
            else:
                raise HttpError(415, f"a POST needs Content-Type {FORM} or {QUERY}")
        query = _one(pairs, "query")
        if query is None:
            raise HttpError(400, "the request has no query")
        host = header("host") or ""
        return {"op": "query", "query": query, "accept": header("accept"),
                "default": _graphs(pairs, "default-graph-uri"),
                "named": _graphs(pairs, "named-graph-uri"),
                "base": f"http://{host if HOST.match(host) else server}/sparql",
                "gzip": accepts_gzip(header("accept-encoding"))}


inline, thread, wsgi = SparqlApp(), SparqlApp(offload=True), SparqlApp()
VARIANTS = {"inline": "rsgi", "thread": "rsgi", "wsgi": "wsgi"}     # app → granian interface


def serve(port: int, variant: str) -> None:
    """Granian on 127.0.0.1:``port`` with ``WORKERS`` processes until SIGTERM. On Linux
    granian has each worker bind its own listening socket (SO_REUSEPORT) after loading the
    app, which a worker without network would bind inside its empty namespace; here the
    parent opens the one listening socket the workers inherit, as on other systems."""
    import socket

    from granian import Granian
    from granian.net import SocketSpec

    class SharedSocket(Granian):
        def _init_shared_socket(self):
            self._ssp = None
            self._shd = SocketSpec(self.bind_addr, self.bind_port, self.backlog).build()
            self._sfd = self._shd.get_fd()
            self._sso = socket.socket(fileno=self._sfd)
            self._sso.set_inheritable(True)

    SharedSocket(f"native_http_bound:{variant}",
                 address="127.0.0.1", port=port, interface=VARIANTS[variant], workers=WORKERS,
                 runtime_mode="st", loop="asyncio", http="1", websockets=False,
                 blocking_threads=THREADS if variant == "wsgi" else None,
                 log_level="warning").serve()


def main() -> None:
    if sys.argv[1:2] == ["serve"]:
        serve(int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "inline")
        return
    from prefork_bound import measure
    seconds = float(sys.argv[1]) if len(sys.argv) > 1 else 9.0
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 3
    me = [sys.executable, __file__, "serve"]
    print("\n".join(measure(seconds, rounds, "repeated" not in sys.argv, {
        f"granian, {v}": (lambda v: lambda p: me + [str(p), v])(v) for v in VARIANTS})))


if __name__ == "__main__":
    main()
