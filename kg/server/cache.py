"""Answers of a read-only graph kept in the main process, so a repeated query is answered
without a worker: by (query text, Accept, gzip, default and named graphs, base IRI) and the
fingerprint of the graph the answering worker holds (``kg.server.pool``). An entry is served
only while every worker holds that same graph, and all entries go when that changes, so an
answer from another graph is never served. Only answers a worker gave with 200 — after the
policy check allowed the query — are kept, and only those held whole (spooled ones are not);
a server that accepts updates keeps none. At most ``max_bytes`` bytes (bodies, headers,
keys and ``ENTRY_OVERHEAD`` each) are held, one answer at most ``max_bytes // ENTRY_SHARE``,
least recently used first out; these bytes are part of ``kg.server.protocol.memory_bound``.

A request answered from the cache (a query asked at least twice) also leaves its *head* — the
request line and header fields, byte for byte — as an alias of the entry, with the bytes of
the answer's head after its Date line: a later request whose head is the very same bytes
(and has no body) would parse to the same request, pass the same checks and get the same
answer, so ``answer`` gives that answer without parsing it. An alias lasts as long as its
entry and counts in the bytes held like one; an entry has at most ``HEADS_PER_ENTRY``.

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
HEADS_PER_ENTRY = 16        # request heads kept as aliases of one answer, at most


def _held(text: str) -> int:
    """Bytes a string's characters take in memory, at most (4 each unless it is ASCII)."""
    return len(text) if text.isascii() else 4 * len(text)


class ResultCache:
    """At most ``max_bytes`` of answers, valid for one graph fingerprint at a time."""

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        self.entries: OrderedDict = OrderedDict()     # key → (Reply, bytes counted)
        self.aliases: dict[bytes, tuple] = {}       # request head → (key, answer head, …)
        self._aliases_of: dict[tuple, list[bytes]] = {}     # key → its aliases
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
            self._drop(key)
        self.entries[key] = (replace(reply, headers=dict(reply.headers)), cost)
        self.size += cost
        self._shrink()

    def alias(self, head: bytes, key: tuple, status: int, answer_head: bytes, body: bool,
              close: bool) -> None:
        """Let requests whose head is ``head`` be answered from ``key``'s entry: ``status``,
        then ``answer_head`` (the answer's header fields after Date, up to the blank line),
        then the entry's body when ``body``; the connection closes after it when ``close``."""
        if key not in self.entries or head in self.aliases or \
                len(self._aliases_of.get(key, ())) >= HEADS_PER_ENTRY:
            return
        cost = ENTRY_OVERHEAD + len(head) + len(answer_head)
        if cost > self.max_bytes // ENTRY_SHARE:
            return
        self.aliases[head] = (key, status, answer_head, body, close, cost)
        self._aliases_of.setdefault(key, []).append(head)
        self.size += cost
        self._shrink()

    def answer(self, head: bytes, graph: str | None):
        """``(status, answer head, body, close)`` for a request whose head is an alias of an
        entry kept from ``graph`` (the graph every worker holds now), else None."""
        found = self.aliases.get(head)
        if found is None:
            return None
        self._follow(graph)
        key, status, answer_head, body, close, _ = found
        entry = self.entries.get(key) if graph is not None else None
        if entry is None:
            return None
        self.hits += 1
        self.entries.move_to_end(key)
        return status, answer_head, entry[0].body if body else b"", close

    def _drop(self, key: tuple) -> None:
        """Forget ``key``'s entry and its aliases."""
        self.size -= self.entries.pop(key)[1]
        for head in self._aliases_of.pop(key, ()):
            self.size -= self.aliases.pop(head)[-1]

    def _shrink(self) -> None:
        """Drop the least recently used entries until at most ``max_bytes`` are held."""
        while self.size > self.max_bytes and self.entries:
            self._drop(next(iter(self.entries)))

    def _follow(self, graph: str | None) -> None:
        """Drop every entry when the workers' graph has changed."""
        if graph != self.graph:
            self.entries.clear()
            self.aliases.clear()
            self._aliases_of.clear()
            self.size = 0
            self.graph = graph

    def summary(self) -> str:
        asked = self.hits + self.misses
        rate = f" ({100 * self.hits / asked:.1f}%)" if asked else ""
        return (f"result cache: {self.hits} of {asked} queries answered from it{rate}, "
                f"{len(self.entries)} answers and {len(self.aliases)} request heads "
                f"({self.size >> 10} KB) held")
