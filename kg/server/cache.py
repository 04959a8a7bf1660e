"""Answers of a read-only graph kept in the main process, so a repeated query is answered
without a worker: by (query text, Accept, gzip, default and named graphs, base IRI) and the
fingerprint of the graph the answering worker holds (``kg.server.pool``). An entry is served
only while every worker holds that same graph, and all entries go when that changes, so an
answer from another graph is never served. Only answers a worker gave with 200 — after the
policy check allowed the query — are kept, and only those held whole (spooled ones are not);
a server that accepts updates keeps none. At most ``max_bytes`` bytes (bodies, headers,
keys and ``ENTRY_OVERHEAD`` each) are held, one answer at most ``max_bytes // ENTRY_SHARE``,
least recently used first out; these bytes are part of ``kg.server.protocol.memory_bound``.

>>> from kg.server.worker import Reply
>>> cache = ResultCache(1 << 20)
>>> key = cache.key({"query": "ASK {}", "accept": None, "gzip": False, "default": [],
...                  "named": [], "base": "http://localhost/sparql"})
>>> cache.put(key, "g1", "g1", Reply(200, "text/plain", b"yes", {"ETag": '"x"'}))
>>> cache.get(key, "g1").body, cache.get(key, "g2"), cache.hits, cache.misses
(b'yes', None, 1, 1)
"""
from __future__ import annotations

from collections import OrderedDict
from dataclasses import replace

ENTRY_OVERHEAD = 512        # bytes counted per entry beyond its body, headers and key
ENTRY_SHARE = 16            # one answer takes at most this fraction of the cache


def _held(text: str) -> int:
    """Bytes a string's characters take in memory, at most (4 each unless it is ASCII)."""
    return len(text) if text.isascii() else 4 * len(text)


class ResultCache:
    """At most ``max_bytes`` of answers, valid for one graph fingerprint at a time."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.entries: OrderedDict = OrderedDict()     # key → (Reply, bytes counted)
        self.size = 0
        self.graph: str | None = None
        self.hits = self.misses = 0

    @staticmethod
    def key(job: dict) -> tuple:
        """What a query's answer depends on besides the graph."""
        return (job["query"], job.get("accept"), job.get("gzip", False),
                tuple(job.get("default", ())), tuple(job.get("named", ())), job.get("base"))

    def get(self, key: tuple, graph: str | None):
        """A copy of the answer kept for ``key`` from ``graph`` (the graph every worker holds
        now; None when they differ), else None."""
        self._follow(graph)
        entry = self.entries.get(key) if graph is not None else None
        if entry is None:
            self.misses += 1
            return None
        self.hits += 1
        self.entries.move_to_end(key)
        kept = entry[0]         # a new Reply: the server adds headers to the one it sends
        return type(kept)(kept.status, kept.content_type, kept.body, dict(kept.headers),
                          graph=kept.graph)

    def put(self, key: tuple, made_from: str | None, graph: str | None, reply) -> None:
        """Keep a 200 answer made by a worker holding ``made_from`` when every worker holds
        that graph (``graph``); others, spooled and oversized answers are not kept."""
        self._follow(graph)
        if made_from is None or made_from != graph or reply.status != 200 or reply.file:
            return
        texts = [key[0], key[1] or "", key[5] or "", *key[3], *key[4], *reply.headers,
                 *reply.headers.values()]
        cost = ENTRY_OVERHEAD + len(reply.body) + sum(map(_held, texts))
        if cost > self.max_bytes // ENTRY_SHARE:
            return
        if key in self.entries:
            self.size -= self.entries.pop(key)[1]
        self.entries[key] = (replace(reply, headers=dict(reply.headers)), cost)
        self.size += cost
        while self.size > self.max_bytes:
            self.size -= self.entries.popitem(last=False)[1][1]

    def _follow(self, graph: str | None) -> None:
        """Drop every entry when the workers' graph has changed."""
        if graph != self.graph:
            self.entries.clear()
            self.size = 0
            self.graph = graph

    def summary(self) -> str:
        asked = self.hits + self.misses
        rate = f" ({100 * self.hits / asked:.1f}%)" if asked else ""
        return (f"result cache: {self.hits} of {asked} queries answered from it{rate}, "
                f"{len(self.entries)} answers ({self.size >> 10} KB) held")
