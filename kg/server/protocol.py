"""The HTTP side of ``cartkg serve``: a small HTTP/1.1 server on one asyncio loop (keep-alive,
bodies with a Content-Length) speaking the SPARQL 1.1 Protocol at ``/sparql``, the query page
at ``/query``, the question API at ``/api/…`` and the explorer at ``/``. It parses and checks
requests; every query, update and API call runs in the worker pool (``kg.server.pool``), which
enforces the time limit, and the loop goes on serving other connections meanwhile.

Refused: updates unless the server allows them (403), a body over the cap (413), a content
type the protocol does not define (415), text that is not UTF-8, a repeated ``query`` or
``update`` parameter, a graph name that is not an absolute IRI (400), a Host that is not local
when the server listens on loopback (403), connections past ``max_connections`` (503).
"""
from __future__ import annotations

import asyncio
import codecs
import ipaddress
import json
import re
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from pathlib import Path
from urllib.parse import unquote, urlsplit

from kg.server.formats import GRAPH_TYPES, content_type, negotiate
from kg.server.pages import (dataset_description, explorer_file, index_page, query_page,
                             service_description, static_file)
from kg.server.pool import Busy, QueryTimeout, WorkerCrashed, WorkerPool
from kg.server.worker import Reply

FORM, QUERY, UPDATE = ("application/x-www-form-urlencoded", "application/sparql-query",
                       "application/sparql-update")
IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^<>\"{}|^`\\\x00-\x20]*$")
BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$")
DRAIN_LIMIT = 64 << 20     # read and drop at most this much of an oversized body
BUSY = b"too many open connections; try again shortly\n"
TOO_MANY = b"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/plain; charset=utf-8\r\n" \
    b"Content-Length: %d\r\nRetry-After: 1\r\nConnection: close\r\n\r\n%s" % (len(BUSY), BUSY)
SD_TYPES = [t for t in GRAPH_TYPES if t != "text/plain"]
# pages may not be framed by other sites; the query page runs only the server's own script,
# the explorer's pages (written to work from a file too) carry theirs inline
CSP_PAGE = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
            "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
CSP_EXPLORER = ("default-src 'self'; script-src 'self' 'unsafe-inline'; "
                "style-src 'self' 'unsafe-inline'; img-src 'self' data:; object-src 'none'; "
                "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
SERVER = "cartkg Python/" + sys.version.split()[0]
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")
MAX_LINE = 65536            # bytes in the request line or a header line
MAX_HEADERS = 100
IDLE_SECONDS = 60           # a client may stay silent this long mid-request or between requests
EVICT_AFTER = 0.5           # seconds a connection waits on its client before it may be closed for a newer one
MAX_BLANK = 16              # bytes of line breaks tolerated before a request line
WRITE_HIGH = 1 << 20        # unsent answer bytes past which a connection is neither read nor answered
LOG_FLUSH_SECONDS = 0.2    # access-log lines are written out at least this often…
LOG_FLUSH_LINES = 256      # …or as soon as this many are waiting


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
    max_bytes: int = 32 << 20       # bytes of results (terms) per answer
    long_after: float = 1.0         # seconds after which a job moves to the long lane
    long_slots: int | None = None   # jobs in the long lane at once (None: as many as workers)
    client_jobs: int = 64           # jobs one client (address) may have running or waiting
    request_seconds: float = 10.0   # a request's head and body must arrive within this long


class HttpError(Exception):
    def __init__(self, status: int, message: str, headers: dict | None = None):
        super().__init__(message)
        self.status, self.headers = status, headers or {}


def _utf8(data: bytes, what: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise HttpError(400, f"the {what} is not valid UTF-8: {exc}") from None


def _unquote(text: str) -> str:
    """``urllib.parse.unquote_plus`` of ASCII text, strict UTF-8, with the escapes decoded in
    C (a long query has hundreds of them).

    >>> _unquote("ASK+%7B%3Fs+%3Fp+%22%C3%A9%22%7D%") == 'ASK {?s ?p "é"}%'
    True
    """
    text = text.replace("+", " ")
    if "%" not in text:
        return text
    if BAD_ESCAPE.search(text):         # a '%' that starts no escape stays as it is
        return unquote(text, errors="strict")
    raw = codecs.escape_decode(text.replace("\\", "\\\\").replace("%", "\\x").encode())[0]
    return raw.decode("utf-8")


def _pairs(encoded: str, what: str) -> list[tuple[str, str]]:
    """Form/URL parameters, percent-decoded as strict UTF-8 (as ``parse_qsl`` with
    ``keep_blank_values`` decodes them).

    >>> _pairs("query=ASK%7B%7D&&flag&a=b=c", "query string")
    [('query', 'ASK{}'), ('flag', ''), ('a', 'b=c')]
    """
    if not encoded.isascii():
        raise HttpError(400, f"the {what} must be percent-encoded ASCII")
    try:
        return [(_unquote(name), _unquote(value)) for name, _, value in
                (field.partition("=") for field in encoded.split("&") if field)]
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


class Pending:
    """A job for the worker pool, and what makes the reply from the worker's reply."""

    def __init__(self, job: dict, then=None):
        self.job, self.then = job, then


class SparqlServer:
    """Answers up to ``settings.max_connections`` connections at once (more are answered 503
    and closed), all on one asyncio loop. Bound to a loopback address, it answers only
    requests whose Host names a loopback address, so a web page whose name an attacker
    re-points to 127.0.0.1 (DNS rebinding) cannot read it."""

    def __init__(self, address, pool: WorkerPool, settings: Settings, competency: Path,
                 explorer: Path):
        self.pool, self.settings = pool, settings
        self.competency, self.explorer = competency, explorer
        self.void_file = explorer.parent / "void.ttl"    # the build's dataset description
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.socket = socket.create_server(address, family=family, backlog=128)
        self.server_address = self.socket.getsockname()
        bound = self.server_address[0]
        self.local_hosts = {"localhost", "127.0.0.1", "[::1]", bound, f"[{bound}]"} \
            if ipaddress.ip_address(bound).is_loopback else None
        self.connections: set[Connection] = set()
        self.loop = asyncio.new_event_loop()
        self._stopped = threading.Event()
        self._date = (0, "")
        self._log: list[str] = []       # access-log lines not yet written (see log_request)

    def date(self) -> str:
        """The Date header's value, made once a second."""
        now = int(time.time())
        if now != self._date[0]:
            self._date = (now, formatdate(now, usegmt=True))
        return self._date[1]

    def serve_forever(self) -> None:
        loop = self.loop
        asyncio.set_event_loop(loop)
        try:
            self.pool.attach(loop)
            server = loop.run_until_complete(loop.create_server(
                lambda: Connection(self), sock=self.socket, backlog=128))
            loop.call_later(1, self._sweep)
            loop.call_later(LOG_FLUSH_SECONDS, self._flush_log_soon)
            loop.run_forever()
            server.close()
            for conn in list(self.connections):
                conn.transport.abort()
            loop.run_until_complete(asyncio.sleep(0))
        finally:
            self.flush_log()
            self._stopped.set()

    def log_request(self, line: str) -> None:
        """Queue an access-log line; lines reach stderr in order, in one write per
        LOG_FLUSH_SECONDS (or per LOG_FLUSH_LINES), not one write per request."""
        self._log.append(line)
        if len(self._log) >= LOG_FLUSH_LINES:
            self.flush_log()

    def flush_log(self) -> None:
        if self._log:
            sys.stderr.write("".join(self._log))
            self._log.clear()

    def _flush_log_soon(self) -> None:
        self.flush_log()
        self.loop.call_later(LOG_FLUSH_SECONDS, self._flush_log_soon)

    def _sweep(self) -> None:
        """Close connections silent for IDLE_SECONDS while no job of theirs runs, and answer
        408 to those whose request has not arrived whole within ``request_seconds``."""
        now = self.loop.time()
        for conn in list(self.connections):
            if conn.exchange is not None:
                continue
            if conn.last < now - IDLE_SECONDS:
                conn.transport.close()
            elif conn.started is not None and not conn.writing_paused \
                    and conn.started < now - self.settings.request_seconds:
                conn._refuse(408, "the request did not arrive within "
                             f"{self.settings.request_seconds:g} s")
        self.loop.call_later(1, self._sweep)

    def evict(self) -> bool:
        """Close the connection that has waited longest on its client (a request still
        arriving, else the longest idle), if that is over EVICT_AFTER seconds, to make room
        for a new one; False when there is none such."""
        since = self.loop.time() - EVICT_AFTER
        waiting = [c for c in self.connections if c.exchange is None and not c.closing
                   and (c.started if c.started is not None else c.last) < since]
        if not waiting:
            return False
        oldest = min(waiting, key=lambda c: (c.started is None, c.started or c.last))
        oldest.closing = True
        oldest.transport.abort()
        self.connections.discard(oldest)
        return True

    def shutdown(self) -> None:
        """Stop serve_forever (from another thread) and wait until it has returned."""
        if not self.loop.is_closed():
            self.loop.call_soon_threadsafe(self.loop.stop)
            self._stopped.wait()

    def server_close(self) -> None:
        self.socket.close()
        self.pool.close()
        if not self.loop.is_running() and not self.loop.is_closed():
            self.loop.close()


class Connection(asyncio.Protocol):
    """One client connection: reads requests one at a time (a pipelined request waits for
    the answer to the one before) and writes each answer in one piece."""

    def __init__(self, server: SparqlServer):
        self.server = server
        self.buf = bytearray()
        self.exchange: Exchange | None = None     # the request being answered
        self.discard = 0                          # bytes of a refused body still to drop
        self.continued = False                    # "100 Continue" sent for this request
        self.closing = False
        self.last = 0.0
        self.started = None                       # when the request arriving began to
        self.writing_paused = False               # over WRITE_HIGH bytes wait to be sent

    def connection_made(self, transport) -> None:
        self.transport = transport
        if len(self.server.connections) >= self.server.settings.max_connections \
                and not self.server.evict():
            transport.write(TOO_MANY)
            transport.close()
            self.closing = True
            return
        transport.set_write_buffer_limits(high=WRITE_HIGH)
        self.server.connections.add(self)
        self.last = self.server.loop.time()
        peer = transport.get_extra_info("peername")
        self.peer = peer[0] if peer else "-"

    def connection_lost(self, exc) -> None:
        self.closing = True
        self.server.connections.discard(self)

    def pause_writing(self) -> None:
        """The client reads slower than it asks: stop reading and answering until it catches
        up, so its unsent answers cannot pile up in memory."""
        self.writing_paused = True
        self.transport.pause_reading()

    def resume_writing(self) -> None:
        self.writing_paused = False
        if not self.closing:
            self.transport.resume_reading()
            self._next()

    def data_received(self, data: bytes) -> None:
        if self.closing:
            return
        self.last = self.server.loop.time()
        if self.started is None:
            self.started = self.last
        if self.discard:
            dropped = min(self.discard, len(data))
            self.discard -= dropped
            data = data[dropped:]
        self.buf += data
        if self.exchange is None:
            self._next()
        elif len(self.buf) > self.server.settings.max_body + MAX_LINE:
            self.transport.pause_reading()

    def _next(self) -> None:
        """Answer the complete requests in the buffer, one after the other."""
        while self.exchange is None and not self.closing and self.buf \
                and not self.writing_paused:
            request = self._request()
            if request is None:
                return
            self.exchange = ex = Exchange(self, *request)
            try:
                outcome = ex.dispatch()
            except HttpError as exc:
                outcome = ex.error(exc)
            if isinstance(outcome, Pending):
                self.server.pool.submit(outcome.job, lambda r, e, p=outcome: self._done(p, r, e),
                                        self.peer)
                return
            self._send(outcome)

    def _done(self, pending: Pending, reply, exc) -> None:
        ex = self.exchange
        try:
            try:
                outcome = ex.ran(reply, exc)
                if pending.then is not None and outcome.status == 200 and exc is None:
                    outcome = pending.then(outcome)
                outcome = ex.finished(outcome)
            except HttpError as error:
                outcome = ex.error(error)
        except Exception as error:  # a bug must still answer, and the server go on
            outcome = ex.crashed(error)
        if not self.closing:
            self._send(outcome)
            self._next()

    def _request(self):
        """``(method, target, request line, headers, body, close)`` of the next whole request
        in the buffer, None until it has all arrived; answers a malformed one with a 4xx/5xx."""
        buf = self.buf
        if buf[:1] in (b"\r", b"\n"):           # line breaks before a request line: a few
            blank = len(buf) - len(buf.lstrip(b"\r\n"))
            if blank > MAX_BLANK:
                return self._refuse(400, "too many line breaks before the request line")
            del buf[:blank]
        end, sep = buf.find(b"\r\n\r\n"), 4
        if end < 0 or b"\n\n" in buf[:end]:
            end, sep = buf.find(b"\n\n"), 2
        if end < 0:
            if len(buf) > MAX_LINE * 2:
                self._refuse(431 if b"\n" in buf else 414, "request head too long")
            return None
        lines = buf[:end].decode("latin-1").splitlines()
        words = lines[0].split()
        if len(lines[0]) > MAX_LINE:
            return self._refuse(414, "request line too long")
        if len(words) != 3 or not words[2].startswith("HTTP/"):
            return self._refuse(400, f"bad request syntax ({lines[0]!r})")
        try:
            major, minor = (int(n) for n in words[2][5:].split("."))
        except ValueError:
            return self._refuse(400, f"bad request version ({words[2]!r})")
        if major != 1:
            return self._refuse(505 if major > 1 else 400,
                                f"invalid HTTP version ({words[2][5:]})")
        if len(lines) > MAX_HEADERS + 1:
            return self._refuse(431, "too many headers")
        headers: dict[str, str] = {}
        name = None
        for line in lines[1:]:
            if len(line) > MAX_LINE:
                return self._refuse(431, "header line too long")
            if line[:1] in (" ", "\t") and name:          # an obsolete folded line
                headers[name] += " " + line.strip()
                continue
            key, colon, value = line.partition(":")
            if not colon:
                return self._refuse(400, f"malformed header line ({line!r})")
            name = key.strip().lower()
            headers.setdefault(name, value.strip())
        length = None
        if "transfer-encoding" not in headers:
            try:
                length = int(headers.get("content-length") or 0)
            except ValueError:
                pass
        if length is not None and not 0 <= length <= self.server.settings.max_body:
            length = None                                  # not read: the handler refuses it
        whole = end + sep + (length or 0)
        if len(buf) < whole:
            if headers.get("expect", "").lower() == "100-continue" and minor >= 1 \
                    and not self.continued:
                self.continued = True
                self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
            return None
        self.continued = False
        body = None if length is None else bytes(buf[end + sep:whole])
        del buf[:whole]
        self.started = self.server.loop.time() if buf else None
        close = headers.get("connection", "").lower()
        close = close == "close" if minor >= 1 else close != "keep-alive"
        return words[0], words[1], lines[0], headers, body, close

    def _refuse(self, status: int, message: str) -> None:
        """Answer a request that cannot be parsed, and close the connection."""
        self.exchange = Exchange(self, "", "", "", {}, None, True)
        self._send(Reply.text(status, message))
        return None

    def _send(self, reply: Reply) -> None:
        ex, self.exchange = self.exchange, None
        if ex.drain:
            self.discard = ex.drain
            dropped = min(self.discard, len(self.buf))
            del self.buf[:dropped]
            self.discard -= dropped
        close = ex.close or not ex.body_read
        out = [b"HTTP/1.1 %d %s\r\nServer: %s\r\nDate: %s\r\n" % (
            reply.status, STATUS_PHRASES.get(reply.status, b""), SERVER.encode(),
            self.server.date().encode())]
        if reply.content_type:
            out.append(b"Content-Type: %s\r\n" % reply.content_type.encode("latin-1"))
        out.append(b"Content-Length: %d\r\nX-Content-Type-Options: nosniff\r\n" %
                   len(reply.body))
        for key, value in reply.headers.items():
            out.append(f"{key}: {value}\r\n".encode("latin-1"))
        out.append(b"Connection: close\r\n\r\n" if close else b"\r\n")
        if ex.method != "HEAD":
            out.append(reply.body)
        self.transport.write(b"".join(out))
        if self.server.settings.verbose:
            self.server.log_request(
                f"[serve] {self.peer} \"{printable(ex.requestline)}\" {reply.status} -\n")
        if close:
            self.closing = True
            self.transport.close()
        elif not self.writing_paused:
            self.transport.resume_reading()


def printable(text: str) -> str:
    r"""``text`` with control characters, quotes and backslashes as ``\xNN``, for a log line.

    >>> print(printable('GET /\x1b[2J" HTTP/1.1'))
    GET /\x1b[2J\x22 HTTP/1.1
    """
    if text.isprintable() and '"' not in text and "\\" not in text:
        return text
    return "".join(c if c.isprintable() and c not in '"\\' else f"\\x{ord(c):02x}"
                   for c in text)


STATUS_PHRASES = {s.value: s.phrase.encode() for s in HTTPStatus}


class Exchange:
    """One request and the checks and choices that turn it into a reply (or a job)."""

    def __init__(self, conn: Connection, method: str, target: str, requestline: str,
                 headers: dict[str, str], body: bytes | None, close: bool):
        self.conn, self.server = conn, conn.server
        self.method, self.requestline, self.headers = method, requestline, headers
        self.path = "/" + target.lstrip("/") if target.startswith("//") else target
        self.body, self.close = body, close
        self.body_read = body is not None     # else the connection closes after the reply
        self.drain = 0
        self.url = urlsplit(self.path)

    # --- dispatch -------------------------------------------------------------------------
    def dispatch(self):
        """The Reply, or a Pending job whose reply ``ran`` and ``finished`` complete."""
        method, url = self.method, self.url
        if method not in METHODS:
            self.close = True
            raise HttpError(501, f"unsupported method ({method!r})")
        try:
            local = self.server.local_hosts
            if local is not None and host_name(self.headers.get("host") or "localhost") \
                    not in local:
                raise HttpError(403, f"this server answers requests for {', '.join(sorted(local))}"
                                f", not {self.headers.get('host')!r}")
            if url.path in ("/sparql", "/sparql/"):
                reply = self._sparql(method, url)
            elif method not in ("GET", "HEAD"):
                raise HttpError(405, f"{method} is not allowed here", {"Allow": "GET, HEAD"})
            elif url.path == "/query":
                reply = self._page()
            elif url.path == "/.well-known/void":
                reply = self._void()
            elif url.path == "/api" or url.path.startswith("/api/"):
                reply = self._api(url)
            elif url.path.startswith("/curate/"):   # the curation review page (pages.py)
                reply = self._run({"op": "curate", "source": unquote(url.path[8:]),
                                   "root": str(self.server.competency.parent.parent)})
            else:
                reply = self._file(url.path)
        except HttpError:
            raise
        except Exception as exc:  # a bug must still answer, and the server go on
            return self.crashed(exc)
        return reply if isinstance(reply, Pending) else self.finished(reply)

    def finished(self, reply: Reply) -> Reply:
        if self.url.path.startswith("/sparql"):
            reply.headers.setdefault("Vary", "Accept")
        if reply.content_type.startswith("text/html"):
            explorer = self.url.path not in ("/query", "/sparql", "/sparql/")
            reply.headers.setdefault("Content-Security-Policy",
                                     CSP_EXPLORER if explorer else CSP_PAGE)
            reply.headers.setdefault("X-Frame-Options", "DENY")
        return reply

    def error(self, exc: HttpError) -> Reply:
        reply = Reply.json(exc.status, {"error": str(exc), "candidates": []}) \
            if self.url.path.startswith("/api") else Reply.text(exc.status, str(exc))
        reply.headers.update(exc.headers)
        return reply

    def crashed(self, exc: Exception) -> Reply:
        """500 for a bug; the details (which may name files) go to the server's log only."""
        import traceback
        self.server.flush_log()
        traceback.print_exception(exc, file=sys.stderr)
        return Reply.text(500, f"internal error ({type(exc).__name__}); the server's log has "
                          "the details")

    # --- request bodies -------------------------------------------------------------------
    def _body(self) -> bytes:
        """The body, read in full before dispatch when it has a Content-Length within the
        cap; a larger one is refused (and dropped as it arrives, up to DRAIN_LIMIT)."""
        if self.headers.get("transfer-encoding"):
            raise HttpError(411, "send the body with a Content-Length, not chunked")
        try:
            length = int(self.headers.get("content-length") or 0)
        except ValueError:
            raise HttpError(400, "Content-Length is not a number") from None
        cap = self.server.settings.max_body
        if length > cap:
            if length <= DRAIN_LIMIT:      # drop it so the client sees the answer
                self.drain, self.body_read = length, True
            raise HttpError(413, f"the request body is {length} bytes; the limit is {cap}")
        return self.body or b""

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
        job = {"op": "query", "query": query, "accept": self.headers.get("accept"),
               "default": _graphs(pairs, "default-graph-uri"),
               "named": _graphs(pairs, "named-graph-uri"), "base": self._endpoint(url)}
        return self._run(job)

    def _posted(self) -> list[tuple[str, str]]:
        header = self.headers.get("content-type") or ""
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
        origin = self.headers.get("origin")
        if origin and origin != f"http://{self.headers.get('host')}":
            raise HttpError(403, f"updates from the web page at {origin} are refused")
        job = {"op": "update", "update": update, "base": self._endpoint(urlsplit(self.path)),
               "using": _graphs(pairs, "using-graph-uri"),
               "using_named": _graphs(pairs, "using-named-graph-uri")}
        return self._run(job)

    def _run(self, job: dict, then=None) -> Pending:
        """The job for the worker pool; ``then`` makes the reply from a 200 answer."""
        return Pending(job, then)

    def ran(self, reply: Reply | None, exc: Exception | None) -> Reply:
        """The worker's reply, or the HttpError its failure (``exc``) is answered with."""
        if exc is None:
            return reply
        limit = self.server.settings.timeout
        if isinstance(exc, QueryTimeout):
            raise HttpError(503, f"the request ran past the {limit:g} s time limit and was "
                            "stopped", {"Retry-After": "1"})
        if isinstance(exc, Busy):
            raise HttpError(503, str(exc), {"Retry-After": "1"})
        if isinstance(exc, WorkerCrashed):
            if exc.returncode == -signal.SIGABRT:
                raise HttpError(503, "the request ran out of the worker's memory limit "
                                f"({self.server.settings.memory_limit >> 20} MB) and was "
                                "stopped")
            raise HttpError(500, str(exc))
        raise exc

    def _endpoint(self, url) -> str:
        """The absolute URL of ``url``'s path on this server (of /sparql when url is None)."""
        host = self.headers.get("host") or ""
        if not HOST.match(host):
            host = "%s:%d" % self.server.server_address[:2]
        return f"http://{host}{url.path if url is not None else '/sparql'}"

    def _describe(self, url) -> Reply:
        """GET without a query: the query page for a browser, else the service description."""
        media = negotiate(self.headers.get("accept"), SD_TYPES + ["text/html"])
        if media == "text/html":
            return self._page()
        if media is None:
            raise HttpError(406, f"the service description is available as {', '.join(SD_TYPES)}")
        body = service_description(self._endpoint(url), self.server.settings.allow_update, media,
                                   self.server.void_file)
        return Reply(200, content_type(media), body)

    def _void(self) -> Reply:
        """``/.well-known/void``: the dataset description (VoID + DCAT) the build wrote."""
        media = negotiate(self.headers.get("accept"), SD_TYPES)
        if media is None:
            raise HttpError(406, f"the dataset description is available as {', '.join(SD_TYPES)}")
        body = dataset_description(self.server.void_file, self._endpoint(None), media)
        if body is None:
            raise HttpError(404, "no dataset description: run 'cartkg build'")
        return Reply(200, content_type(media), body)

    # --- pages, files and the API ---------------------------------------------------------
    def _page(self) -> Pending:
        return self._run({"op": "examples", "folder": str(self.server.competency)},
                         lambda examples: Reply(200, "text/html; charset=utf-8",
                                                query_page(json.loads(examples.body))))

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
