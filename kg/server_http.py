"""The HTTP side of ``cartkg serve``: a threaded stdlib server speaking the SPARQL 1.1 Protocol
at ``/sparql``, the query page at ``/query``, the question API at ``/api/…`` and the explorer
at ``/``. It parses and checks requests; every query, update and API call runs in the worker
pool (``kg.server_pool``), which enforces the time limit.

Refused: updates unless the server allows them (403), a body over the cap (413), a content
type the protocol does not define (415), text that is not UTF-8, a repeated ``query`` or
``update`` parameter, a graph name that is not an absolute IRI (400), a Host that is not local
when the server listens on loopback (403), connections past ``max_connections`` (503).
"""
from __future__ import annotations

import ipaddress
import json
import re
import signal
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

from kg.server_formats import GRAPH_TYPES, content_type, negotiate
from kg.server_pages import (explorer_file, index_page, query_page, service_description,
                             static_file)
from kg.server_pool import Busy, QueryTimeout, WorkerCrashed, WorkerPool
from kg.server_worker import Reply

FORM, QUERY, UPDATE = ("application/x-www-form-urlencoded", "application/sparql-query",
                       "application/sparql-update")
IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^<>\"{}|^`\\\x00-\x20]*$")
HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$")
DRAIN_LIMIT = 64 << 20     # read and drop at most this much of an oversized body
BUSY = b"too many open connections; try again shortly\n"
TOO_MANY = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n" \
    b"Content-Length: %d\r\nRetry-After: 1\r\nConnection: close\r\n\r\n%s" % (len(BUSY), BUSY)
SD_TYPES = [t for t in GRAPH_TYPES if t != "text/plain"]


@dataclass
class Settings:
    timeout: float = 10.0           # seconds per query, update or API call
    max_rows: int = 10000           # result rows (or triples) per answer
    max_body: int = 1 << 20         # bytes per request body
    allow_update: bool = False
    workers: int = 2                # worker processes (1 when updates are allowed)
    memory_limit: int = 2 << 30     # bytes of address space per worker process (0: no cap)
    max_connections: int = 64       # client connections open at once
    verbose: bool = False           # log every request to stderr


class HttpError(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.headers = status, headers or {}


def _utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HttpError(400, f"the {what} is not valid UTF-8: {exc}") from None


def _pairs(encoded: str, what: str) -> list[tuple[str, str]]:
    """Form/URL parameters, percent-decoded as strict UTF-8."""
    if not encoded.isascii():
        raise HttpError(400, f"the {what} must be percent-encoded ASCII")
    try:
        return parse_qsl(encoded, keep_blank_values=True, encoding="utf-8", errors="strict")
    except UnicodeDecodeError as exc:
        raise HttpError(400, f"the {what} is not valid UTF-8 once decoded: {exc}") from None
    except ValueError as exc:
        raise HttpError(400, f"malformed {what}: {exc}") from None


def _one(pairs, name: str) -> str | None:
    values = [v for k, v in pairs if k == name]
    if len(values) > 1:
        raise HttpError(400, f"the request has {len(values)} '{name}' parameters; send one")
    return values[0] if values else None


def _graphs(pairs, name: str) -> list[str]:
    values = [v for k, v in pairs if k == name]
    for v in values:
        if not IRI.match(v):
            raise HttpError(400, f"{name} {v!r} is not an absolute IRI")
    return values


def host_name(header: str) -> str:
    """The host of a Host header, without the port: ``'[::1]:80'`` → ``'[::1]'``."""
    header = header.strip().lower()
    return header[:header.find("]") + 1] if header.startswith("[") else header.split(":")[0]


class SparqlServer(ThreadingHTTPServer):
    """Answers each connection on its own thread, up to ``settings.max_connections`` at once
    (more are answered 503 and closed). Bound to a loopback address, it answers only requests
    whose Host names a loopback address, so a web page whose name an attacker re-points to
    127.0.0.1 (DNS rebinding) cannot read it."""

    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, pool: WorkerPool, settings: Settings, competency: Path,
                 explorer: Path):
        self.pool, self.settings = pool, settings
        self.competency, self.explorer = competency, explorer
        self._slots = threading.BoundedSemaphore(settings.max_connections)
        super().__init__(address, Handler)
        bound = self.server_address[0]
        self.local_hosts = {"localhost", "127.0.0.1", "[::1]", bound, f"[{bound}]"} \
            if ipaddress.ip_address(bound).is_loopback else None

    def process_request(self, request, client_address) -> None:
        if not self._slots.acquire(blocking=False):
            try:
                request.sendall(TOO_MANY)
            except OSError:
                pass
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self._slots.release()
            raise

    def process_request_thread(self, request, client_address) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self._slots.release()

    def server_close(self) -> None:
        super().server_close()
        self.pool.close()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "cartkg"
    timeout = 60            # seconds a client may stay silent mid-request or between requests
    # Headers and body go out in separate writes: with Nagle's algorithm on, a keep-alive client's
    # delayed ACK stalled every response by about 40 ms (benchmarks/RESULTS.md).
    disable_nagle_algorithm = True
    server: SparqlServer

    def log_message(self, format, *args) -> None:  # noqa: A002 (the base class's name)
        if self.server.settings.verbose:
            sys.stderr.write(f"[serve] {self.address_string()} {format % args}\n")

    # --- dispatch -------------------------------------------------------------------------
    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def _not_allowed(self) -> None:
        self._dispatch(self.command)

    do_PUT = do_DELETE = do_PATCH = do_HEAD = do_OPTIONS = _not_allowed

    def _dispatch(self, method: str) -> None:
        self._body_read = not self.headers.get("Transfer-Encoding") and \
            (self.headers.get("Content-Length") or "0").strip() == "0"
        url = urlsplit(self.path)
        try:
            local = self.server.local_hosts
            if local is not None and host_name(self.headers.get("Host") or "localhost") \
                    not in local:
                raise HttpError(403, f"this server answers requests for {', '.join(sorted(local))}"
                                f", not {self.headers.get('Host')!r}")
            if url.path in ("/sparql", "/sparql/"):
                reply = self._sparql(method, url)
            elif method not in ("GET", "HEAD"):
                raise HttpError(405, f"{method} is not allowed here", {"Allow": "GET, HEAD"})
            elif url.path == "/query":
                reply = self._page()
            elif url.path == "/api" or url.path.startswith("/api/"):
                reply = self._api(url)
            else:
                reply = self._file(url.path)
            if url.path.startswith("/sparql"):
                reply.headers.setdefault("Vary", "Accept")
        except HttpError as exc:
            reply = Reply.json(exc.status, {"error": str(exc), "candidates": []}) \
                if url.path.startswith("/api") else Reply.text(exc.status, str(exc))
            reply.headers.update(exc.headers)
        except Exception as exc:  # a bug must still answer, and the server go on
            import traceback
            traceback.print_exc(file=sys.stderr)
            reply = Reply.text(500, f"internal error: {type(exc).__name__}: {exc}")
        self._send(reply, head=method == "HEAD")

    def _send(self, reply: Reply, head: bool = False) -> None:
        self.send_response(reply.status)
        if reply.content_type:
            self.send_header("Content-Type", reply.content_type)
        self.send_header("Content-Length", str(len(reply.body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for key, value in reply.headers.items():
            self.send_header(key, value)
        if not self._body_read:
            self.send_header("Connection", "close")
            self.close_connection = True
        self.end_headers()
        if not head:
            self.wfile.write(reply.body)

    # --- request bodies -------------------------------------------------------------------
    def _body(self) -> bytes:
        if self.headers.get("Transfer-Encoding"):
            raise HttpError(411, "send the body with a Content-Length, not chunked")
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            raise HttpError(400, "Content-Length is not a number") from None
        cap = self.server.settings.max_body
        if length > cap:
            if length <= DRAIN_LIMIT:      # read it so the client sees the answer
                left = length
                while left > 0:
                    chunk = self.rfile.read(min(left, 1 << 16))
                    if not chunk:
                        break
                    left -= len(chunk)
                self._body_read = left == 0
            raise HttpError(413, f"the request body is {length} bytes; the limit is {cap}")
        body = self.rfile.read(length) if length > 0 else b""
        self._body_read = len(body) == length
        return body

    # --- SPARQL protocol ------------------------------------------------------------------
    def _sparql(self, method: str, url) -> Reply:
        if method not in ("GET", "POST"):
            raise HttpError(405, f"{method} is not part of the SPARQL protocol; use GET or "
                            "POST", {"Allow": "GET, POST"})
        pairs = _pairs(url.query, "query string")
        if method == "POST":
            pairs += self._posted()
        query, update = _one(pairs, "query"), _one(pairs, "update")
        if query is not None and update is not None:
            raise HttpError(400, "a request carries either a query or an update, not both")
        if update is not None:
            return self._update(method, update, pairs)
        if query is None:
            if method == "POST":
                raise HttpError(400, "the request has no query")
            return self._describe(url)
        job = {"op": "query", "query": query, "accept": self.headers.get("Accept"),
               "default": _graphs(pairs, "default-graph-uri"),
               "named": _graphs(pairs, "named-graph-uri"), "base": self._endpoint(url)}
        return self._run(job)

    def _posted(self) -> list[tuple[str, str]]:
        header = self.headers.get("Content-Type") or ""
        media, *params = [p.strip() for p in header.split(";")]
        media = media.lower()
        body = self._body()
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset" and \
                    value.strip().strip('"').lower() not in ("utf-8", "utf8"):
                raise HttpError(415, f"the body must be UTF-8, not {value.strip()}")
        if media == FORM:
            return _pairs(_utf8(body, "form body").replace("\n", "").replace("\r", ""),
                          "form body")
        if media in (QUERY, UPDATE):
            return [("query" if media == QUERY else "update", _utf8(body, "body"))]
        raise HttpError(415, f"a POST to the SPARQL endpoint needs Content-Type {FORM}, "
                        f"{QUERY} or {UPDATE}" + (f", not {media}" if media else ""))

    def _update(self, method: str, update: str, pairs) -> Reply:
        if method != "POST":
            raise HttpError(405, "SPARQL updates must be sent with POST", {"Allow": "POST"})
        if not self.server.settings.allow_update:
            raise HttpError(403, "this endpoint is read-only: SPARQL Update is refused "
                            "(start the server with --allow-update to accept updates)")
        origin = self.headers.get("Origin")
        if origin and origin != f"http://{self.headers.get('Host')}":
            raise HttpError(403, f"updates from the web page at {origin} are refused")
        job = {"op": "update", "update": update, "base": self._endpoint(urlsplit(self.path)),
               "using": _graphs(pairs, "using-graph-uri"),
               "using_named": _graphs(pairs, "using-named-graph-uri")}
        return self._run(job)

    def _run(self, job: dict) -> Reply:
        limit = self.server.settings.timeout
        try:
            return self.server.pool.run(job)
        except QueryTimeout:
            raise HttpError(503, f"the request ran past the {limit:g} s time limit and was "
                            "stopped", {"Retry-After": "1"}) from None
        except Busy as exc:
            raise HttpError(503, str(exc), {"Retry-After": "1"}) from None
        except WorkerCrashed as exc:
            if exc.returncode == -signal.SIGABRT:
                raise HttpError(503, "the request ran out of the worker's memory limit "
                                f"({self.server.settings.memory_limit >> 20} MB) and was "
                                "stopped") from None
            raise HttpError(500, str(exc)) from None

    def _endpoint(self, url) -> str:
        host = self.headers.get("Host") or ""
        if not HOST.match(host):
            host = "%s:%d" % self.server.server_address[:2]
        return f"http://{host}{url.path}"

    def _describe(self, url) -> Reply:
        """GET without a query: the query page for a browser, else the service description."""
        media = negotiate(self.headers.get("Accept"), SD_TYPES + ["text/html"])
        if media == "text/html":
            return self._page()
        if media is None:
            raise HttpError(406, f"the service description is available as {', '.join(SD_TYPES)}")
        body = service_description(self._endpoint(url), self.server.settings.allow_update, media)
        return Reply(200, content_type(media), body)

    # --- pages, files and the API ---------------------------------------------------------
    def _page(self) -> Reply:
        examples = self._run({"op": "examples", "folder": str(self.server.competency)})
        return Reply(200, "text/html; charset=utf-8", query_page(json.loads(examples.body)))

    def _api(self, url) -> Reply:
        pairs = _pairs(url.query, "query string")
        params = {}
        for key, _ in pairs:
            params[key] = _one(pairs, key)
        name = url.path[len("/api"):].strip("/")
        return self._run({"op": "api", "name": name, "params": params})

    def _file(self, path: str) -> Reply:
        if path.startswith("/static/"):
            found = static_file(path[len("/static/"):])
        elif self.server.explorer.is_dir():
            found = explorer_file(self.server.explorer, path)
        else:
            found = (index_page(), "text/html; charset=utf-8") if path in ("/", "/index.html") \
                else None
        if found is None:
            raise HttpError(404, f"nothing at {path}; try /, /query, /sparql or /api/")
        return Reply(200, found[1], found[0])
