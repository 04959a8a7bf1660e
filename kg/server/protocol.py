"""The HTTP side of ``cartkg serve``: a small HTTP/1.1 server on one asyncio loop (keep-alive,
bodies with a Content-Length or chunked, HEAD, OPTIONS, gzip, ETag/If-None-Match) speaking the
SPARQL 1.1 Protocol at ``/sparql``, the query page at ``/query``, the question API at
``/api/…`` and the explorer at ``/``. It parses and checks requests; every query, update and
API call runs in the worker pool (``kg.server.pool``), which enforces the time limit, and the
loop goes on serving other connections meanwhile.

Refused: updates unless the server allows them (403), a body over the cap (413), a content
type the protocol does not define (415), text that is not UTF-8, a repeated ``query`` or
``update`` parameter, a graph name that is not an absolute IRI (400), a Host that is not local
when the server listens on loopback (403); a Content-Length that is not plain digits, two
different ones, both it and Transfer-Encoding, an HTTP/1.1 request without exactly one Host, a
request target that is neither a path nor an absolute http URL, a header name with spaces
(400); connections past ``max_connections`` when no client holds more than its share (503).

A read-only server answers queries (and the API) to web pages on any origin, as public SPARQL
endpoints do: ``Access-Control-Allow-Origin: *`` and an OPTIONS preflight, never with
credentials, never for updates, and not at all on a server that accepts updates.

Memory: the main process holds at most ``memory_bound(settings)`` bytes for its clients,
whatever they do (about 126 MB with the defaults, the result cache's 16 MB included; the
README's server section gives the figure): per connection a request (head and body), an
answer of up to ``SPILL_OVER`` bytes (larger ones are streamed from a spool file the worker
wrote, ``kg.server.encoding``) and up to ``WRITE_HIGH + CHUNK`` unsent bytes, past which the
connection is neither read nor written to until its client reads. A connection that makes
no progress for ``idle_seconds``, answer queued or not, is closed. Repeated queries on a
read-only server are answered from the result cache (``kg.server.cache``), a request whose head
is byte for byte one answered from there before without being parsed again."""
from __future__ import annotations

import asyncio
import codecs
import collections
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

from kg.server.cache import ResultCache
from kg.server.encoding import (SPILL_OVER, accepts_gzip, add_vary, claim, discard, encode,
                                etag_matches)
from kg.server.formats import GRAPH_TYPES, content_type, negotiate
from kg.server.pages import dataset_description, query_page, service_description, site_file
from kg.server.pool import Busy, QueryTimeout, WorkerCrashed, WorkerPool
from kg.server.worker import Reply

FORM, QUERY, UPDATE = ("application/x-www-form-urlencoded", "application/sparql-query",
                       "application/sparql-update")
IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^<>\"{}|^`\\\x00-\x20]*$")
BAD_ESCAPE = re.compile(r"%(?![0-9A-Fa-f]{2})")
HOST = re.compile(r"^[A-Za-z0-9.\-]+(:\d+)?$|^\[[0-9A-Fa-f:.]+\](:\d+)?$")
FIELD_NAME = re.compile(r"^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$")
DIGITS = re.compile(r"^[0-9]{1,18}$")
ABSOLUTE = re.compile(r"^[Hh][Tt][Tt][Pp][Ss]?://([^/?#]*)([/?].*)?$")
CHUNK_SIZE = re.compile(rb"^[0-9A-Fa-f]{1,8}$")
SINGLE = ("host", "content-length", "transfer-encoding")   # headers a request may carry once
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
SERVER = b"cartkg Python/" + sys.version.split()[0].encode()
METHODS = ("GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS")
MAX_LINE = 65536            # bytes in the request line or a header line
MAX_HEADERS = 100
EVICT_AFTER = 0.5           # seconds a connection waits on its client before it may be closed for a newer one
MAX_BLANK = 16              # bytes of line breaks tolerated before a request line
WRITE_HIGH = 256 << 10      # unsent answer bytes past which a connection is neither read nor answered
CHUNK = 64 << 10            # bytes of a spooled answer written at a time
LOG_LINE = 256              # characters of a request line the access log keeps
CORS = {"Access-Control-Allow-Origin": "*",
        "Access-Control-Expose-Headers": "ETag, X-Result-Truncated, X-Result-Limit, "
                                         "X-Result-Byte-Limit"}
PREFLIGHT = {"Access-Control-Allow-Origin": "*",
             "Access-Control-Allow-Methods": "GET, HEAD, POST",
             "Access-Control-Allow-Headers": "Accept, Content-Type, If-None-Match",
             "Access-Control-Max-Age": "600"}
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
    idle_seconds: float = 60.0      # a connection making no progress this long is closed
    cache_bytes: int = 16 << 20     # answers kept for repeated queries (read-only; 0: none)


def memory_bound(settings: Settings) -> int:
    """Bytes the main process may hold for its clients beyond its baseline, whatever they do:
    per connection a request head and body, an answer held whole (larger ones stream from a
    spool file) and the unsent bytes allowed before it stops writing; per worker one reply
    frame in flight; the result cache's ``cache_bytes``. 64 connections and the defaults:
    about 126 MB."""
    per_connection = settings.max_body + 2 * MAX_LINE + SPILL_OVER + WRITE_HIGH + CHUNK
    frames = (2 * settings.workers + 1) * (SPILL_OVER + MAX_LINE)
    cache = 0 if settings.allow_update else settings.cache_bytes
    return settings.max_connections * per_connection + frames + cache


def new_event_loop() -> asyncio.AbstractEventLoop:
    """asyncio's own event loop. (uvloop was measured too and is not used: on it, an update of
    about 300 KB handed to a query worker failed as "the worker died"; see benchmarks/README.md.)"""
    return asyncio.new_event_loop()


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
        self.explorer_graph: str | None = None   # SHA-256 of the graph the explorer must show
        family = socket.AF_INET6 if ":" in address[0] else socket.AF_INET
        self.socket = socket.create_server(address, family=family, backlog=128)
        self.server_address = self.socket.getsockname()
        bound = self.server_address[0]
        self.local_hosts = {"localhost", "127.0.0.1", "[::1]", bound, f"[{bound}]"} \
            if ipaddress.ip_address(bound).is_loopback else None
        self.connections: set[Connection] = set()
        # a read-only graph's answers, for repeated queries (kg.server.cache)
        self.cache = ResultCache(settings.cache_bytes) \
            if settings.cache_bytes and not settings.allow_update else None
        self.loop = new_event_loop()
        self._stopped = threading.Event()
        self._date = (0, "")
        self._log: list[str] = []       # access-log lines not yet written (see log_request)

    def date(self) -> bytes:
        """The Date header's value, made once a second."""
        now = int(time.time())
        if now != self._date[0]:
            self._date = (now, formatdate(now, usegmt=True).encode())
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
        """Close connections that made no progress (nothing read, nothing of their answer
        sent) for ``idle_seconds`` while no job of theirs runs — dropping their unsent bytes —
        and answer 408 to those whose request has not arrived whole within
        ``request_seconds``."""
        now = self.loop.time()
        for conn in list(self.connections):
            if conn.exchange is not None:
                continue
            if conn.last < now - self.settings.idle_seconds:
                conn.drop()
            elif conn.started is not None and not conn.writing_paused and not conn.closing \
                    and conn.started < now - self.settings.request_seconds:
                conn._refuse(408, "the request did not arrive within "
                             f"{self.settings.request_seconds:g} s")
        self.loop.call_later(1, self._sweep)

    def make_room(self, peer: str) -> bool:
        """Close one connection so that one from ``peer`` can open, at the connection cap;
        False when none may be closed. A client (address) holding fewer than its share
        (``max_connections`` over the clients connected, itself included) takes a slot from
        the client holding the most; otherwise only a connection waiting on its client for
        EVICT_AFTER seconds may go. Closing or idle connections go first, then slow ones (a
        request arriving, an answer unread), then — from a client over its share — one with
        a request being answered."""
        held = collections.Counter(c.peer for c in self.connections)
        share = max(1, self.settings.max_connections // len(set(held) | {peer}))
        if held[peer] < share:
            hog, most = held.most_common(1)[0]
            candidates = [c for c in self.connections if c.peer == hog] if most > share \
                else []
        else:
            since = self.loop.time() - EVICT_AFTER
            candidates = [c for c in self.connections if c.closing or c.exchange is None
                          and (c.started if c.started is not None else c.last) < since]
        if not candidates:
            return False
        victim = min(candidates, key=lambda c: (c.state(), c.last))
        victim.drop()
        self.connections.discard(victim)
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
    the answer to the one before) and writes each answer in one piece, or a spooled one in
    CHUNKs as the client reads."""

    def __init__(self, server: SparqlServer):
        self.server = server
        self.buf = bytearray()
        self.exchange: Exchange | None = None     # the request being answered
        self.discard = 0                          # bytes of a refused body still to drop
        self.continued = False                    # "100 Continue" sent for this request
        self.chunked: ChunkedBody | None = None   # the chunked body arriving
        self.closing = False
        self.last = 0.0
        self.started = None                       # when the request arriving began to
        self.writing_paused = False               # over WRITE_HIGH bytes wait to be sent
        self.outgoing = None                      # the spool file of the answer being sent
        self.close_after = False                  # …and whether to close once it is sent

    def connection_made(self, transport) -> None:
        self.transport = transport
        peer = transport.get_extra_info("peername")
        self.peer = peer[0] if peer else "-"
        self.last = self.server.loop.time()
        if len(self.server.connections) >= self.server.settings.max_connections \
                and not self.server.make_room(self.peer):
            transport.write(TOO_MANY)
            transport.close()
            self.closing = True
            return
        transport.set_write_buffer_limits(high=WRITE_HIGH)
        self.server.connections.add(self)

    def state(self) -> int:
        """0 closing or idle, 1 slow (a request arriving, an answer unsent), 2 answering."""
        if self.closing:
            return 0
        if self.exchange is not None:
            return 2
        slow = self.started is not None or self.outgoing is not None or self.writing_paused
        return 1 if slow else 0

    def drop(self) -> None:
        """Close now, dropping whatever is unsent."""
        self.closing = True
        if self.outgoing is not None or self.transport.get_write_buffer_size():
            self.transport.abort()
        else:
            self.transport.close()

    def connection_lost(self, exc) -> None:
        self.closing = True
        self.server.connections.discard(self)
        if self.outgoing is not None:
            self.outgoing.close()
            self.outgoing = None

    def pause_writing(self) -> None:
        """The client reads slower than it asks: stop reading and answering until it catches
        up, so its unsent answers cannot pile up in memory."""
        self.writing_paused = True
        self.transport.pause_reading()

    def resume_writing(self) -> None:
        self.writing_paused = False
        self.last = self.server.loop.time()
        if not self.closing:
            self._pump()
            if self.outgoing is None and not self.closing:
                self.transport.resume_reading()
                self._next()

    def _pump(self) -> None:
        """Write the spooled answer on while the client keeps up; close or go on to the next
        request once it is all sent."""
        while self.outgoing is not None and not self.writing_paused and not self.closing:
            chunk = self.outgoing.read(CHUNK)
            if not chunk:
                self.outgoing.close()
                self.outgoing = None
                self._sent(self.close_after)
                return
            self.last = self.server.loop.time()
            self.transport.write(chunk)

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
        if self.exchange is None and self.outgoing is None:
            self._next()
        elif len(self.buf) > self.server.settings.max_body + MAX_LINE:
            self.transport.pause_reading()

    def _next(self) -> None:
        """Answer the complete requests in the buffer, one after the other."""
        while self.exchange is None and self.outgoing is None and not self.closing \
                and self.buf and not self.writing_paused:
            if self.server.cache is not None and self._from_cache():
                continue
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
        if reply is not None and reply is not outcome:
            discard(reply)
        if self.closing:
            discard(outcome)
            return
        self._send(outcome)
        self._next()

    def _request(self):
        """``(method, target, request line, headers, body, close, minor version, head)`` of the
        next whole request in the buffer (``head``: its head's bytes, for a GET or HEAD
        without a body), None until it has all arrived; answers a malformed one with a
        4xx/5xx."""
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
        lines = [line.removesuffix("\r") for line in buf[:end].decode("latin-1").split("\n")]
        words = lines[0].split()
        if len(lines[0]) > MAX_LINE:
            return self._refuse(414, "request line too long")
        if len(words) != 3 or not words[2].startswith("HTTP/"):
            return self._refuse(400, f"bad request syntax ({lines[0][:LOG_LINE]!r})")
        try:
            major, minor = (int(n) for n in words[2][5:].split("."))
        except ValueError:
            return self._refuse(400, f"bad request version ({words[2][:20]!r})")
        if major != 1:
            return self._refuse(505 if major > 1 else 400,
                                f"invalid HTTP version ({words[2][5:]})")
        if len(lines) > MAX_HEADERS + 1:
            return self._refuse(431, "too many headers")
        headers = self._headers(lines[1:])
        if headers is None:
            return None
        target = self._target(words[0], words[1], headers)
        if target is None:
            return None
        body_start = end + sep
        if "transfer-encoding" in headers:
            whole = self._chunked_end(headers, body_start, minor)
            if whole is None:
                return self._continue(headers, minor)
            body = b"".join(self.chunked.parts)
        else:
            length = headers.get("content-length") or "0"
            if not DIGITS.match(length):
                return self._refuse(400, f"Content-Length must be a number of bytes, not "
                                    f"{length[:40]!r}")
            length = int(length)
            if length > self.server.settings.max_body:
                length = None                          # not read: the handler refuses it
            whole = body_start + (length or 0)
            if len(buf) < whole:
                return self._continue(headers, minor)
            body = None if length is None else bytes(buf[body_start:whole])
        # a body-less GET/HEAD's head, by which an answer from the result cache is found again
        raw = bytes(buf[:body_start]) if sep == 4 and words[0] in ("GET", "HEAD") and \
            "content-length" not in headers and "transfer-encoding" not in headers else None
        self.continued, self.chunked = False, None
        del buf[:whole]
        self.started = self.server.loop.time() if buf else None
        close = headers.get("connection", "").lower()
        close = close == "close" if minor >= 1 else close != "keep-alive"
        return words[0], target, lines[0], headers, body, close, minor, raw

    def _headers(self, lines: list[str]) -> dict[str, str] | None:
        """The header fields by lower-case name (repeated ones joined with ", "); None, after
        answering 400/431, when a line is malformed or a field that may come once repeats."""
        headers: dict[str, str] = {}
        name = None
        for line in lines:
            if len(line) > MAX_LINE:
                return self._refuse(431, "header line too long")
            if "\r" in line:
                return self._refuse(400, "a header line holds a bare carriage return")
            if line[:1] in (" ", "\t") and name:          # an obsolete folded line
                headers[name] += " " + line.strip()
                continue
            key, colon, value = line.partition(":")
            if not colon or not FIELD_NAME.match(key):
                return self._refuse(400, f"malformed header line ({line[:LOG_LINE]!r})")
            name, value = key.lower(), value.strip()
            if name not in headers:
                headers[name] = value
            elif name in SINGLE and (name != "content-length" or headers[name] != value):
                return self._refuse(400, f"the request has more than one {key} header; send "
                                    "one")
            elif name not in SINGLE:
                headers[name] += ", " + value
        return headers

    def _target(self, method: str, target: str, headers: dict[str, str]) -> str | None:
        """The path (origin-form) of a request target; an absolute http URL's host replaces
        the Host header (RFC 9112 §3.2.2); None, after answering 400, for any other form (or
        ``*`` with another method than OPTIONS)."""
        if target.startswith("/") or target == "*" and method == "OPTIONS":
            return target
        absolute = ABSOLUTE.match(target)
        if absolute is None or "@" in absolute.group(1) or not absolute.group(1):
            return self._refuse(400, "the request target must be a path (/…) or an absolute "
                                f"http URL, not {target[:LOG_LINE]!r}")
        headers["host"] = absolute.group(1)
        path = absolute.group(2) or "/"
        return path if path.startswith("/") else "/" + path

    def _chunked_end(self, headers: dict[str, str], start: int, minor: int) -> int | None:
        """Where a chunked body starting at ``start`` ends in the buffer, None until it has
        all arrived (or after answering 400/413/501)."""
        coding = headers["transfer-encoding"].lower()
        if "content-length" in headers or minor < 1 or coding != "chunked":
            status = 501 if coding != "chunked" and "content-length" not in headers else 400
            self._refuse(status, "a request body must come with either a Content-Length or "
                         "Transfer-Encoding: chunked (HTTP/1.1), not "
                         f"{headers['transfer-encoding'][:40]!r}" +
                         (" and a Content-Length" if "content-length" in headers else ""))
            return None
        if self.chunked is None:
            self.chunked = ChunkedBody(start, self.server.settings.max_body)
        try:
            return self.chunked.feed(self.buf)
        except HttpError as exc:
            self._refuse(exc.status, str(exc))
            return None

    def _continue(self, headers: dict[str, str], minor: int) -> None:
        """While a body is awaited: "100 Continue" once, when the client asked for it."""
        if headers.get("expect", "").lower() == "100-continue" and minor >= 1 \
                and not self.continued and not self.closing:
            self.continued = True
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        return None

    def _refuse(self, status: int, message: str) -> None:
        """Answer a request that cannot be parsed, and close the connection."""
        self.exchange = Exchange(self, "", "", "", {}, None, True, 1)
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
        reply = encode(reply, ex.gzip)
        stream = claim(reply)
        headers = reply.headers
        status = reply.status
        if status == 200 and ex.method in ("GET", "HEAD") and \
                etag_matches(ex.headers.get("if-none-match"), headers.get("ETag")):
            status, stream = 304, None
        if ex.cors:
            headers.update(CORS)
        out = []
        if status not in (204, 304):
            if reply.content_type:
                out.append(b"Content-Type: %s\r\n" % reply.content_type.encode("latin-1"))
            out.append(b"Content-Length: %d\r\n" % reply.size)
        out.append(b"X-Content-Type-Options: nosniff\r\n")
        for key, value in headers.items():
            if status != 304 or key not in ("Content-Encoding",):
                out.append(f"{key}: {value}\r\n".encode("latin-1"))
        out.append(b"Connection: close\r\n\r\n" if close else b"\r\n")
        fields = b"".join(out)
        with_body = ex.method != "HEAD" and status not in (204, 304)
        if not with_body:
            stream = None
        if ex.alias is not None and status in (200, 304) and stream is None:
            self.server.cache.alias(ex.raw, ex.alias, status, fields, with_body, close)
        self._write(status, fields, reply.body if with_body and stream is None else b"")
        self._log(ex.requestline, status)
        if stream is not None:
            self.outgoing, self.close_after = stream, close
            self._pump()
        else:
            self._sent(close)

    def _write(self, status: int, fields: bytes, body: bytes) -> None:
        """An answer's status line, the Server and Date fields, ``fields`` and ``body``."""
        self.last = self.server.loop.time()
        self.transport.write(b"HTTP/1.1 %d %s\r\nServer: %s\r\nDate: %s\r\n%s%s" % (
            status, STATUS_PHRASES.get(status, b""), SERVER, self.server.date(), fields, body))

    def _log(self, requestline: str, status: int) -> None:
        if self.server.settings.verbose:
            self.server.log_request(f"[serve] {self.peer} \"{log_line(requestline)}\" "
                                    f"{status} -\n")

    def _from_cache(self) -> bool:
        """Answer the next request from the result cache without parsing it, when its head
        is byte for byte that of a request answered from there before (an alias,
        ``kg.server.cache``); False when it is not."""
        buf = self.buf
        end = buf.find(b"\r\n\r\n", 0, 2 * MAX_LINE)
        if end < 0:
            return False
        head = bytes(buf[:end + 4])
        found = self.server.cache.answer(head, self.server.pool.graph)
        if found is None:
            return False
        status, fields, body, close = found
        del buf[:end + 4]
        self.started = self.server.loop.time() if buf else None
        self._write(status, fields, body)
        self._log(head[:head.find(b"\r\n")].decode("latin-1"), status)
        self._sent(close)
        return True

    def _sent(self, close: bool) -> None:
        """An answer has been handed to the transport whole: close, or read on."""
        if close:
            self.closing = True
            self.transport.close()
        elif not self.writing_paused:
            self.transport.resume_reading()


class ChunkedBody:
    r"""A chunked request body (RFC 9112 §7.1) decoded as it arrives, from ``start`` in the
    connection's buffer; chunk extensions and trailer fields are read and dropped.

    >>> body = ChunkedBody(0, 100)
    >>> body.feed(bytearray(b"4\r\nASK \r\n2;x=y\r\n{}\r\n0\r\nX-T: 1\r\n\r\nNEXT")), body.parts
    (33, [b'ASK ', b'{}'])
    """

    def __init__(self, start: int, limit: int):
        self.start, self.pos, self.limit = start, start, limit
        self.parts: list[bytes] = []
        self.size = 0
        self.trailers = False

    def feed(self, buf: bytearray) -> int | None:
        """Where the body ends in ``buf``, None until it has all arrived; HttpError (400, 413)
        when it is malformed or over ``limit`` bytes."""
        while True:
            eol = buf.find(b"\n", self.pos)
            if eol < 0 or eol - self.pos > MAX_LINE:
                if len(buf) - self.pos > MAX_LINE:
                    raise HttpError(400, "a chunk-size or trailer line is too long")
                return None
            line = bytes(buf[self.pos:eol]).removesuffix(b"\r")
            if self.trailers:
                self.pos = eol + 1
                if not line:
                    return self.pos
                continue
            size_text = line.split(b";", 1)[0].strip()
            if not CHUNK_SIZE.match(size_text):
                raise HttpError(400, f"malformed chunk size {size_text[:20]!r}")
            size = int(size_text, 16)
            if self.size + size > self.limit or eol - self.start > 2 * self.limit + MAX_LINE:
                raise HttpError(413, f"the request body is over the limit of {self.limit} "
                                "bytes")
            if size == 0:
                self.trailers, self.pos = True, eol + 1
                continue
            data_end = eol + 1 + size
            tail = bytes(buf[data_end:data_end + 2])
            if tail in (b"", b"\r"):
                return None
            if not tail.startswith((b"\r\n", b"\n")):
                raise HttpError(400, "a chunk is longer than its size says")
            self.parts.append(bytes(buf[eol + 1:data_end]))
            self.size += size
            self.pos = data_end + (2 if tail.startswith(b"\r\n") else 1)


def log_line(text: str) -> str:
    """A request line for the access log: printable, cut at LOG_LINE characters."""
    if len(text) <= LOG_LINE:
        return printable(text)
    return printable(text[:LOG_LINE]) + f"…(+{len(text) - LOG_LINE} characters)"


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
                 headers: dict[str, str], body: bytes | None, close: bool, minor: int,
                 raw: bytes | None = None):
        self.conn, self.server = conn, conn.server
        self.method, self.requestline, self.headers = method, requestline, headers
        self.path = "/" + target.lstrip("/") if target.startswith("//") else target
        self.body, self.close, self.minor = body, close, minor
        self.raw = raw                        # the head's bytes (a body-less GET or HEAD)
        self.alias: tuple | None = None       # the result cache's key for its answer
        self.body_read = body is not None     # else the connection closes after the reply
        self.drain = 0
        self.url = urlsplit(self.path)
        self.gzip = accepts_gzip(headers.get("accept-encoding"))
        self.cors = False                     # a read-only answer any web page may read

    # --- dispatch -------------------------------------------------------------------------
    def dispatch(self):
        """The Reply, or a Pending job whose reply ``ran`` and ``finished`` complete."""
        method, url = self.method, self.url
        if method not in METHODS:
            self.close = True
            raise HttpError(501, f"unsupported method ({method!r})")
        try:
            if self.minor >= 1 and "host" not in self.headers:
                raise HttpError(400, "an HTTP/1.1 request needs a Host header")
            if self.headers.get("host") and not HOST.match(self.headers["host"]):
                raise HttpError(400, f"invalid Host header {self.headers['host'][:80]!r}")
            local = self.server.local_hosts
            if local is not None and host_name(self.headers.get("host") or "localhost") \
                    not in local:
                raise HttpError(403, f"this server answers requests for {', '.join(sorted(local))}"
                                f", not {self.headers.get('host')!r}")
            if method == "OPTIONS":
                reply = self._options(url)
            elif url.path in ("/sparql", "/sparql/"):
                reply = self._sparql(method, url)
            elif method not in ("GET", "HEAD"):
                raise HttpError(405, f"{method} is not allowed here", {"Allow": "GET, HEAD"})
            elif url.path == "/query":
                reply = self._page()
            elif url.path == "/.well-known/void":
                reply = self._void()
            elif self._is_api(url):
                self.cors = not self.server.settings.allow_update
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
            add_vary(reply.headers, "Accept")
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
        """The body, read in full before dispatch (chunked, or with a Content-Length within
        the cap); a larger one is refused (and dropped as it arrives, up to DRAIN_LIMIT)."""
        if self.body is not None:
            return self.body
        length, cap = int(self.headers["content-length"]), self.server.settings.max_body
        if length <= DRAIN_LIMIT:          # drop it so the client sees the answer
            self.drain, self.body_read = length, True
        raise HttpError(413, f"the request body is {length} bytes; the limit is {cap}")

    # --- SPARQL protocol ------------------------------------------------------------------
    def _sparql(self, method: str, url) -> Reply:
        if method not in ("GET", "HEAD", "POST"):
            raise HttpError(405, f"{method} is not part of the SPARQL protocol; use GET or "
                            "POST", {"Allow": "GET, HEAD, POST, OPTIONS"})
        pairs = _pairs(url.query, "query string")
        if method == "POST":
            pairs += self._posted()
        query, update = _one(pairs, "query"), _one(pairs, "update")
        if query is not None and update is not None:
            raise HttpError(400, "a request carries either a query or an update, not both")
        if update is not None:
            return self._update(method, update, pairs)
        self.cors = not self.server.settings.allow_update
        if query is None:
            if method == "POST":
                raise HttpError(400, "the request has no query")
            return self._describe(url)
        job = {"op": "query", "query": query, "accept": self.headers.get("accept"),
               "default": _graphs(pairs, "default-graph-uri"),
               "named": _graphs(pairs, "named-graph-uri"), "base": self._endpoint(url)}
        return self._query(job)

    def _query(self, job: dict) -> Reply | Pending:
        """The answer the result cache holds for ``job``, else the job for a worker, whose
        200 answer the cache keeps."""
        pending, cache, pool = self._run(job), self.server.cache, self.server.pool
        if cache is None:
            return pending
        key = cache.key(job)
        hit = cache.get(key, pool.graph)
        if hit is not None:
            self.alias = key if self.raw is not None else None   # asked again: may repeat
            return hit

        def keep(reply: Reply) -> Reply:
            cache.put(key, reply.graph, pool.graph, reply)
            return reply
        pending.then = keep
        return pending

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
        job["gzip"] = self.gzip
        return Pending(job, then)

    def _is_api(self, url) -> bool:
        return url.path == "/api" or url.path.startswith("/api/")

    def _options(self, url) -> Reply:
        """OPTIONS: the methods allowed; on a read-only server, for /sparql and the API, a
        CORS preflight that lets any origin send queries (without credentials)."""
        query = url.path in ("/sparql", "/sparql/")
        reply = Reply(204, headers={"Allow": "GET, HEAD, POST, OPTIONS" if query
                                    else "GET, HEAD, OPTIONS"})
        if (query or self._is_api(url)) and not self.server.settings.allow_update:
            reply.headers.update(PREFLIGHT)
        return reply

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
        found = site_file(path, self.server.explorer, self.server.explorer_graph)
        if found is None:
            raise HttpError(404, f"nothing at {path}; try /, /explorer/, /query, /sparql or /api/")
        return Reply(200, found[1], found[0])
