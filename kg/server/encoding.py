"""How an answer's body travels: gzip-compressed when the client accepts it, tagged with an
ETag (a hash of the very bytes sent, so an unchanged answer keeps its tag and a request with
``If-None-Match`` gets 304), and, past ``SPILL_OVER`` bytes, written by the worker to a file
in the server's spool folder, which the main process opens, unlinks and streams to the socket
only as fast as the client reads (``kg.server.protocol``). So no answer is held whole in the
main process, whatever its size and however slowly it is read.

>>> accepts_gzip("deflate, gzip;q=0.5"), accepts_gzip("gzip;q=0"), accepts_gzip(None)
(True, False, False)
>>> from kg.server.worker import Reply
>>> r = encode(Reply(200, "text/csv", b"x,y\\r\\n" * 1000), gzip=True)
>>> r.headers["Content-Encoding"], len(r.body) < 100, r.headers["ETag"][:1]
('gzip', True, '"')
"""
from __future__ import annotations

import gzip as gzip_format
import hashlib
import os
import tempfile
from dataclasses import replace

GZIP_MIN = 1024             # bytes below which a body is sent as it is
GZIP_LEVEL = 5
SPILL_OVER = 256 << 10      # bytes past which a worker's answer travels through a spool file
COMPRESSIBLE = ("text/", "application/", "image/svg+xml")


def accepts_gzip(header: str | None) -> bool:
    """Whether an Accept-Encoding header accepts gzip (named, or ``*``, with q above 0)."""
    for part in (header or "").split(","):
        name, *params = [p.strip() for p in part.split(";")]
        if name.lower() not in ("gzip", "x-gzip", "*"):
            continue
        for param in params:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    return float(value) > 0
                except ValueError:
                    return False
        return True
    return False


def add_vary(headers: dict[str, str], name: str) -> None:
    values = [v.strip() for v in headers.get("Vary", "").split(",") if v.strip()]
    if name not in values:
        headers["Vary"] = ", ".join(values + [name])


def encode(reply, gzip: bool):
    """A 200 reply compressed when ``gzip`` (and worth it) and tagged with its ETag; other
    replies, and replies already encoded, as they are. ``reply`` itself is left unchanged."""
    if reply.status != 200 or "ETag" in reply.headers or reply.file:
        return reply
    body, headers = reply.body, dict(reply.headers)
    if reply.content_type.startswith(COMPRESSIBLE):
        add_vary(headers, "Accept-Encoding")
        if gzip and len(body) >= GZIP_MIN:
            body = gzip_format.compress(body, GZIP_LEVEL, mtime=0)
            headers["Content-Encoding"] = "gzip"
    headers["ETag"] = '"%s"' % hashlib.blake2b(body, digest_size=12).hexdigest()
    return replace(reply, body=body, headers=headers)


def spill(reply, folder: str | None):
    """In a worker: a body over SPILL_OVER bytes written to a new file in ``folder``."""
    if folder is None or len(reply.body) <= SPILL_OVER:
        return reply
    fd, path = tempfile.mkstemp(dir=folder, suffix=".body")
    with os.fdopen(fd, "wb") as out:
        out.write(reply.body)
    return replace(reply, body=b"", file=path, length=len(reply.body))


def claim(reply):
    """In the main process: the open spool file of a spilled reply, unlinked at once (its
    space is freed when the file is closed, or dropped), else None."""
    if not reply.file:
        return None
    try:
        stream = open(reply.file, "rb")
    finally:
        try:
            os.unlink(reply.file)
        except OSError:
            pass
    return stream


def discard(reply) -> None:
    """Remove a spilled reply's spool file (a reply that will not be sent)."""
    if reply is not None and reply.file:
        try:
            os.unlink(reply.file)
        except OSError:
            pass


def etag_matches(header: str | None, etag: str | None) -> bool:
    """Whether an If-None-Match header names ``etag`` (weak comparison) or is ``*``."""
    if not header or not etag:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag.removeprefix("W/") in tags
