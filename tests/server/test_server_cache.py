"""The result cache of a read-only server (kg.server.cache): a repeated query is answered with
the very bytes and headers a worker gave, never from another graph, never on a server that
accepts updates, never for a refused query, and within the bytes memory_bound counts."""
from __future__ import annotations

import json
import os
import signal
import time
from urllib.parse import urlencode

from test_server import ask, request

from kg.server.protocol import memory_bound
from kg.server.run import Settings, StoreSpec, start

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
JSON = {"Accept": "application/sparql-results+json"}


def _get(base: str, query: str, headers: dict | None = None):
    return request(base, "GET", "/sparql?" + urlencode({"query": query}), headers or JSON)


def _count(base: str) -> int:
    status, _, body = _get(base, COUNT)
    assert status == 200, body
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def _graph(path, triples: int) -> StoreSpec:
    path.write_text("".join(f"<http://e/s{n}> <http://e/p> \"{n}\" .\n" for n in range(triples)))
    return StoreSpec(graphs=((str(path), None),))


def test_a_hit_returns_the_same_bytes_and_headers_and_304(tmp_path):
    with start(_graph(tmp_path / "g.nt", 5), settings=Settings(workers=1)) as srv:
        first = _get(srv.url, COUNT)
        second = _get(srv.url, COUNT)
        assert srv.httpd.cache.hits == 1
        assert first[0] == second[0] == 200
        assert second[2] == first[2] and json.loads(first[2])["results"]["bindings"]
        drop = lambda headers: {k: v for k, v in headers.items() if k != "date"}  # noqa: E731
        assert drop(second[1]) == drop(first[1])
        status, headers, body = _get(srv.url, COUNT, dict(JSON, **{
            "If-None-Match": first[1]["etag"]}))
        assert (status, body, headers["etag"]) == (304, b"", first[1]["etag"])
        csv = _get(srv.url, COUNT, {"Accept": "text/csv"})       # another format, another entry
        assert csv[0] == 200 and csv[1]["content-type"].startswith("text/csv")
        assert csv[2].decode().split() == ["n", "5"]


def test_a_changed_graph_is_never_answered_from_the_cache(tmp_path):
    spec = _graph(tmp_path / "g.nt", 3)
    with start(spec, settings=Settings(workers=1, timeout=5)) as srv:
        assert _count(srv.url) == 3 and _count(srv.url) == 3
        assert srv.httpd.cache.hits == 1
        _graph(tmp_path / "g.nt", 7)                  # the file changes under the server…
        for w in list(srv.httpd.pool._live):          # …and every worker is replaced
            os.kill(w.proc.pid, signal.SIGKILL)
        deadline = time.monotonic() + 60
        while srv.httpd.pool.graph in (None, srv.httpd.cache.graph) and \
                time.monotonic() < deadline:
            time.sleep(0.2)
        assert _count(srv.url) == 7
        assert _count(srv.url) == 7 and srv.httpd.cache.hits == 2


def test_a_server_accepting_updates_keeps_no_answers():
    assert memory_bound(Settings(allow_update=True)) == \
        memory_bound(Settings(allow_update=True, cache_bytes=0))
    with start(StoreSpec(), settings=Settings(allow_update=True)) as srv:
        assert srv.httpd.cache is None
        assert _count(srv.url) == 0
        assert request(srv.url, "POST", "/sparql", {"Content-Type": "application/sparql-update"},
                       b"INSERT DATA { <http://e/s> <http://e/p> 1 }")[0] == 204
        assert _count(srv.url) == 1


def test_a_refused_query_is_never_kept(tmp_path):
    with start(_graph(tmp_path / "g.nt", 2), settings=Settings(workers=1)) as srv:
        for query in ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
                      "SELECT * WHERE { ?s ?p", "SELECT (1" + "+1" * 2000 + " AS ?x) {}"):
            for _ in range(2):
                status, _, body = _get(srv.url, query)
                assert status == 400, body
        assert srv.httpd.cache.hits == 0 and srv.httpd.cache.size == 0
        assert _get(srv.url, "ASK {}")[0] == 200           # an allowed query is kept
        assert [key[0] for key in srv.httpd.cache.entries] == ["ASK {}"]


def test_the_cache_holds_no_more_than_its_bytes_and_they_count_in_the_memory_bound(tmp_path):
    cap = 64 << 10
    assert memory_bound(Settings(cache_bytes=cap)) - memory_bound(Settings(cache_bytes=0)) == cap
    with start(_graph(tmp_path / "g.nt", 200), settings=Settings(workers=1, cache_bytes=cap)) \
            as srv:
        cache = srv.httpd.cache
        for n in range(1, 60):          # answers of ~1.5 KB to ~3.5 KB
            assert _get(srv.url, f"SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT {n + 20}")[0] == 200
            assert cache.size <= cap
        assert 0 < len(cache.entries) < 59 and cache.size > cap // 2
        assert _get(srv.url, "SELECT ?s WHERE { ?s ?p ?o }")[0] == 200    # over cap/16: not kept
        assert cache.key({"query": "SELECT ?s WHERE { ?s ?p ?o }", "accept": JSON["Accept"],
                          "gzip": False, "default": [], "named": [],
                          "base": srv.endpoint}) not in cache.entries


def test_a_negative_result_cache_is_a_usage_error():
    import subprocess
    import sys
    done = subprocess.run([sys.executable, "-m", "kg", "serve", "--port", "0", "--result-cache",
                           "-1"], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "--result-cache not negative" in done.stderr, done.stderr
    assert "Traceback" not in done.stderr
