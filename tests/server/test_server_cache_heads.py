"""The result cache's request heads (kg.server.cache aliases): a request whose head is byte for
byte one already answered from the cache gets the same answer without being parsed again —
the same bytes but the Date line, in order when pipelined, 304 and HEAD kept apart — while a
head differing in any byte is parsed and checked as any request, a refused one is never
remembered, and the heads count in the cache's bytes. Real servers on 127.0.0.1."""
from __future__ import annotations

import socket
from urllib.parse import quote, urlsplit

from kg.server.cache import HEADS_PER_ENTRY
from kg.server.run import Settings, StoreSpec, start

COUNT = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def _graph(path, triples: int) -> StoreSpec:
    path.write_text("".join(f"<http://e/s{n}> <http://e/p> \"{n}\" .\n" for n in range(triples)))
    return StoreSpec(graphs=((str(path), None),))


def _head(base: str, query: str = COUNT, method: str = "GET", extra: str = "",
          host: str | None = None) -> bytes:
    u = urlsplit(base)
    return (f"{method} /sparql?query={quote(query)} HTTP/1.1\r\nHost: {host or u.netloc}\r\n"
            f"Accept: application/sparql-results+json\r\n{extra}\r\n").encode()


def _answers(sock: socket.socket, n: int, heads_only: bool = False) -> list[bytes]:
    """The next ``n`` answers on ``sock``, each as its bytes (head and body)."""
    data, out = b"", []
    while len(out) < n:
        end = data.find(b"\r\n\r\n")
        if end >= 0:
            head = data[:end + 4]
            length = 0 if heads_only or head.startswith(b"HTTP/1.1 304") else next(
                int(line.split(b":")[1]) for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:"))
            if len(data) >= end + 4 + length:
                out.append(data[:end + 4 + length])
                data = data[end + 4 + length:]
                continue
        chunk = sock.recv(65536)
        assert chunk, f"the connection closed after {len(out)} answers"
        data += chunk
    assert data == b""
    return out


def _without_date(answer: bytes) -> bytes:
    return b"\r\n".join(line for line in answer.split(b"\r\n") if not line.startswith(b"Date:"))


def _connect(base: str) -> socket.socket:
    u = urlsplit(base)
    return socket.create_connection((u.hostname, u.port), timeout=30)


def test_a_repeated_head_gets_the_same_answer_one_at_a_time_and_pipelined(tmp_path):
    with start(_graph(tmp_path / "g.nt", 5), settings=Settings(workers=1)) as srv:
        cache, head = srv.httpd.cache, _head(srv.url)
        with _connect(srv.url) as sock:
            answers = []
            for _ in range(3):
                sock.sendall(head)
                answers += _answers(sock, 1)
            sock.sendall(head * 3)              # pipelined: three answers, in order
            answers += _answers(sock, 3)
        assert answers[0].startswith(b"HTTP/1.1 200 OK\r\n")
        assert b'"value":"5"' in answers[0].replace(b" ", b"")
        assert {_without_date(a) for a in answers} == {_without_date(answers[0])}
        for field in (b"Access-Control-Allow-Origin: *", b"Vary: Accept-Encoding, Accept",
                      b"ETag: ", b"X-Content-Type-Options: nosniff"):
            assert field in answers[-1]
        assert list(cache.aliases) == [head]
        assert (cache.hits, cache.misses) == (5, 1)


def test_a_head_differing_in_any_byte_is_parsed_and_checked_again(tmp_path):
    with start(_graph(tmp_path / "g.nt", 5), settings=Settings(workers=1)) as srv:
        cache = srv.httpd.cache
        with _connect(srv.url) as sock:
            sock.sendall(_head(srv.url) * 2)        # kept, then a hit: its head is kept
            first = _answers(sock, 2)[0]
            etag = next(line for line in first.split(b"\r\n") if line.startswith(b"ETag:"))
            match = _head(srv.url, extra=f"If-None-Match: {etag[6:].decode()}\r\n")
            head = _head(srv.url, method="HEAD")
            for _ in range(2):                  # parsed the first time, an alias the second
                sock.sendall(match)
                assert _answers(sock, 1)[0].startswith(b"HTTP/1.1 304 Not Modified\r\n")
                sock.sendall(head)
                answer = _answers(sock, 1, heads_only=True)[0]
                assert answer.startswith(b"HTTP/1.1 200 OK\r\n") and b"Content-Length: " \
                    in answer
            for _ in range(2):                  # a Host this server does not answer for
                sock.sendall(_head(srv.url, host="attacker.example"))
                assert _answers(sock, 1)[0].startswith(b"HTTP/1.1 403 ")
            sock.sendall(_head(srv.url, extra="Connection: close\r\n") + _head(srv.url))
            last = _answers(sock, 1)[0]
            assert last.startswith(b"HTTP/1.1 200 OK\r\n") and b"Connection: close" in last
            assert sock.recv(65536) == b""      # closed: the request after it is not answered
        assert set(cache.aliases) == {_head(srv.url), match, head,
                                      _head(srv.url, extra="Connection: close\r\n")}


def test_a_refused_or_failed_request_leaves_no_head(tmp_path):
    with start(_graph(tmp_path / "g.nt", 2), settings=Settings(workers=1)) as srv:
        with _connect(srv.url) as sock:
            for query in ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
                          "SELECT * WHERE { ?s ?p"):
                for _ in range(2):
                    sock.sendall(_head(srv.url, query))
                    assert _answers(sock, 1)[0].startswith(b"HTTP/1.1 400 ")
        assert srv.httpd.cache.aliases == {} and srv.httpd.cache.size == 0


def test_heads_count_in_the_cache_bytes_and_one_answer_keeps_a_few(tmp_path):
    cap = 64 << 10
    with start(_graph(tmp_path / "g.nt", 5), settings=Settings(workers=1, cache_bytes=cap)) \
            as srv:
        cache = srv.httpd.cache
        with _connect(srv.url) as sock:
            padding = "x" * 2000
            for n in range(100):                # 100 heads of ~2 KB: more than the cap holds
                sock.sendall(_head(srv.url, f"{COUNT} LIMIT {n % 2 + 1}",
                                   extra=f"X-Padding-{n}: {padding}\r\n"))
                assert _answers(sock, 1)[0].startswith(b"HTTP/1.1 200 OK\r\n")
                assert cache.size <= cap
                assert cache.size >= sum(len(head) for head in cache.aliases)
        assert 0 < len(cache.aliases) < 2 * HEADS_PER_ENTRY and cache.entries
    with start(_graph(tmp_path / "g.nt", 5), settings=Settings(workers=1)) as srv:
        with _connect(srv.url) as sock:
            for n in range(2 * HEADS_PER_ENTRY):
                sock.sendall(_head(srv.url, extra=f"X-N: {n}\r\n"))
                assert _answers(sock, 1)[0].startswith(b"HTTP/1.1 200 OK\r\n")
        assert len(srv.httpd.cache.aliases) == HEADS_PER_ENTRY
        assert srv.httpd.cache.hits == 2 * HEADS_PER_ENTRY - 1


def test_an_answer_from_a_head_is_logged_like_any(tmp_path, capsys):
    with start(_graph(tmp_path / "g.nt", 2), settings=Settings(workers=1, verbose=True)) as srv:
        head = _head(srv.url, "ASK { ?s ?p \"\x1b[2J\" }")
        with _connect(srv.url) as sock:
            sock.sendall(head * 3)              # kept, a hit, then answered from its head
            assert all(a.startswith(b"HTTP/1.1 200 OK\r\n") for a in _answers(sock, 3))
        assert list(srv.httpd.cache.aliases) == [head]
    line = head.split(b"\r\n")[0].decode()
    logged = [entry for entry in capsys.readouterr().err.splitlines() if "/sparql?query=" in entry]
    assert logged == [f'[serve] 127.0.0.1 "{line}" 200 -'] * 3, logged
