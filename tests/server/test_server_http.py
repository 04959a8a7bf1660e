"""``cartkg serve`` as an HTTP/1.1 server (issue 27), real servers on 127.0.0.1 and raw
sockets, curl and a real browser: strict Content-Length and Host, absolute-form targets, HEAD,
chunked request bodies, gzip, CORS for read-only queries (never for updates), ETag and 304,
and request lines cut short in the access log."""
from __future__ import annotations

import gzip
import http.client
import http.server
import json
import shutil
import socket
import subprocess
import threading
import time
from urllib.parse import quote, urlencode, urlsplit

import pytest

from test_server import _raw, ask, assert_alive, request

from kg.paths import project_paths
from kg.server.run import Settings, StoreSpec, start, store_spec

SELECT = "SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 200"


@pytest.fixture(scope="module")
def server(built_project):
    paths = project_paths(built_project)
    with start(store_spec(None, paths), settings=Settings(timeout=10), paths=paths) as running:
        yield running.url


@pytest.fixture(scope="module")
def writable():
    with start(StoreSpec(), settings=Settings(allow_update=True, timeout=5)) as running:
        yield running.url


def _status(out: bytes) -> int:
    return int(out.split(b" ", 2)[1])


# --- framing ------------------------------------------------------------------------------------
@pytest.mark.parametrize("headers", [
    "Content-Length: +6", "Content-Length: 0_6", "Content-Length: 6\r\nContent-Length: 7",
    "Content-Length: 6, 6", "Content-Length : 6", "Content-Length: 6\r\nTransfer-Encoding: chunked",
    "Content-Length: -6",
])
def test_content_length_must_be_plain_digits_and_one(server, headers):
    head = (f"POST /sparql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/sparql-query"
            f"\r\n{headers}\r\n\r\nASK {{}}")
    out = _raw(server, head.encode())
    assert _status(out) == 400 and b"Connection: close" in out, out[:300]
    assert_alive(server)


def test_a_repeated_identical_content_length_is_accepted(server):
    out = _raw(server, b"POST /sparql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/"
                       b"sparql-query\r\nContent-Length: 6\r\nContent-Length: 6\r\n"
                       b"Connection: close\r\n\r\nASK {}")
    assert _status(out) == 200, out[:300]


@pytest.mark.parametrize("head,status", [
    (b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: localhost\r\nHost: evil.example\r\n", 400),
    (b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: localhost\r\nHost: localhost\r\n", 400),
    (b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\n", 400),                       # no Host
    (b"GET sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: localhost\r\n", 400),     # not a path
    (b"GET * HTTP/1.1\r\nHost: localhost\r\n", 400),
    (b"GET ftp://localhost/sparql HTTP/1.1\r\nHost: localhost\r\n", 400),
    (b"GET http://user@localhost/sparql HTTP/1.1\r\nHost: localhost\r\n", 400),
    # absolute form: the target's host is the one checked, the Host header is ignored
    (b"GET http://evil.example/sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: localhost\r\n", 403),
    (b"GET http://localhost/sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: evil.example\r\n", 200),
    (b"GET HTTP://127.0.0.1?query=ASK%7B%7D HTTP/1.1\r\nHost: localhost\r\n", 200),
    (b"GET /sparql?query=ASK%7B%7D HTTP/1.0\r\n", 200),                       # 1.0: no Host
])
def test_host_and_request_target(server, head, status):
    out = _raw(server, head + b"Connection: close\r\n\r\n")
    assert _status(out) == status, out[:300]


def test_head_on_get_routes_gives_the_get_headers_without_a_body(server):
    for path in ("/sparql?query=" + quote(SELECT), "/query", "/", "/api/stats"):
        get = request(server, "GET", path)
        head = request(server, "HEAD", path)
        assert head[0] == get[0] == 200, (path, head[0])
        assert head[2] == b""
        assert head[1]["content-length"] == str(len(get[2]))
        assert head[1]["content-type"] == get[1]["content-type"]


# --- chunked request bodies ---------------------------------------------------------------------
def test_curl_sends_a_chunked_query(server, tmp_path):
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed")
    query = tmp_path / "q.rq"
    query.write_text("ASK { ?s a ckg:Strategy }\n" + "# padding\n" * 5000)
    out = subprocess.run(["curl", "-sS", "--data-binary", f"@{query}", "-H",
                          "Transfer-Encoding: chunked", "-H",
                          "Content-Type: application/sparql-query", server + "/sparql"],
                         capture_output=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["boolean"] is True


def test_chunked_bodies_in_pieces_pipelined_and_over_the_cap(server):
    u = urlsplit(server)
    body = b"ASK { ?s a ckg:Strategy }"
    chunks = b"".join(b"%x;ext=1\r\n%s\r\n" % (len(body[i:i + 5]), body[i:i + 5])
                      for i in range(0, len(body), 5))
    request_ = (b"POST /sparql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/"
                b"sparql-query\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks +
                b"0\r\nX-Trailer: yes\r\n\r\n")
    with socket.create_connection((u.hostname, u.port), timeout=10) as s:
        data = request_ + request_.replace(b"Host: localhost", b"Host: localhost\r\n"
                                                                b"Connection: close")
        for i in range(0, len(data), 7):                       # arriving a few bytes at a time
            s.sendall(data[i:i + 7])
            time.sleep(0.001)
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    answers = out.split(b"HTTP/1.1 ")[1:]
    assert [a[:3] for a in answers] == [b"200", b"200"], out[:500]
    assert all(json.loads(a.split(b"\r\n\r\n", 1)[1])["boolean"] is True for a in answers)
    big = b"%x\r\n%s\r\n" % (1 << 20, b" " * (1 << 20)) + b"10\r\n" + b" " * 16 + b"\r\n0\r\n\r\n"
    out = _raw(server, b"POST /sparql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/"
                       b"sparql-query\r\nTransfer-Encoding: chunked\r\n\r\n" + big)
    assert _status(out) == 413, out[:300]
    assert_alive(server)


# --- gzip, ETag ---------------------------------------------------------------------------------
def test_gzip_when_asked_for_small_and_spooled_answers(server):
    big = "SELECT ?s ?p ?o WHERE { ?s ?p ?o }"        # 10,000 rows: spooled by the worker
    for query in (SELECT, big):
        path = "/sparql?" + urlencode({"query": query})
        plain = request(server, "GET", path, {"Accept": "text/csv"})
        packed = request(server, "GET", path, {"Accept": "text/csv",
                                               "Accept-Encoding": "br, gzip;q=0.8"})
        assert plain[0] == packed[0] == 200
        assert "content-encoding" not in plain[1]
        assert packed[1]["content-encoding"] == "gzip"
        assert gzip.decompress(packed[2]) == plain[2]
        assert len(packed[2]) < len(plain[2]) / 3
        assert "Accept-Encoding" in packed[1]["vary"]
        assert plain[1]["etag"] != packed[1]["etag"]
    refused = request(server, "GET", path, {"Accept-Encoding": "gzip;q=0"})
    assert "content-encoding" not in refused[1]


def test_etag_and_if_none_match(server, writable):
    path = "/sparql?" + urlencode({"query": SELECT})
    status, headers, body = request(server, "GET", path)
    etag = headers["etag"]
    assert request(server, "GET", path)[1]["etag"] == etag          # unchanged graph
    status, headers, body = request(server, "GET", path, {"If-None-Match": f'"x", {etag}'})
    assert status == 304 and body == b"" and headers["etag"] == etag
    assert request(server, "GET", path, {"If-None-Match": '"other"'})[0] == 200
    page = request(server, "GET", "/query")
    assert request(server, "GET", "/query", {"If-None-Match": page[1]["etag"]})[0] == 304
    # a changed graph changes the tag
    count = "/sparql?" + urlencode({"query": "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"})
    before = request(writable, "GET", count)[1]["etag"]
    assert request(writable, "POST", "/sparql", {"Content-Type": "application/sparql-update"},
                   b"INSERT DATA { <http://e/s> <http://e/p> 1 }")[0] == 204
    status, headers, _ = request(writable, "GET", count, {"If-None-Match": before})
    assert status == 200 and headers["etag"] != before


# --- CORS ---------------------------------------------------------------------------------------
def test_cors_for_read_only_queries_never_for_updates_or_credentials(server, writable):
    origin = {"Origin": "https://yasgui.example"}
    status, headers, _ = request(server, "GET", "/sparql?query=ASK%7B%7D", origin)
    assert status == 200 and headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-credentials" not in headers
    status, headers, _ = request(server, "OPTIONS", "/sparql", {
        **origin, "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert status == 204 and headers["access-control-allow-origin"] == "*"
    assert "POST" in headers["access-control-allow-methods"]
    assert "content-type" in headers["access-control-allow-headers"].lower()
    assert "access-control-allow-credentials" not in headers
    status, headers, _ = request(server, "POST", "/sparql", {
        **origin, "Content-Type": "application/sparql-update"}, b"CLEAR ALL")
    assert status == 403 and "access-control-allow-origin" not in headers
    # a server that accepts updates answers no other origin at all
    for method, body in (("GET", None), ("OPTIONS", None)):
        status, headers, _ = request(writable, method, "/sparql?query=ASK%7B%7D", origin, body)
        assert "access-control-allow-origin" not in headers, (method, status)
    status, headers, _ = request(writable, "POST", "/sparql", {
        **origin, "Content-Type": "application/sparql-update"}, b"CLEAR ALL")
    assert status == 403 and "access-control-allow-origin" not in headers


def test_a_page_on_another_origin_runs_a_read_only_query(server, browser):  # noqa: F811
    """A real browser on a page served from another port (another origin) fetches a query
    with a preflight (Content-Type application/sparql-query) and reads the answer."""
    script = (f"<script>fetch({json.dumps(server + '/sparql')}, {{method: 'POST', headers: "
              "{'Content-Type': 'application/sparql-query', 'Accept': "
              "'application/sparql-results+json'}, body: 'ASK { ?s a ckg:Strategy }'})"
              ".then(r => r.json()).then(j => { document.title = 'answer:' + j.boolean })"
              ".catch(e => { document.title = 'failed:' + e })</script>").encode()

    class Page(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(script)))
            self.end_headers()
            self.wfile.write(script)

        def log_message(self, *args):
            pass

    other = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    threading.Thread(target=other.serve_forever, daemon=True).start()
    page = browser.new_page()
    try:
        page.goto(f"http://127.0.0.1:{other.server_address[1]}/")
        page.wait_for_function("document.title.includes(':')", timeout=15000)
        assert page.title() == "answer:true"
    finally:
        page.close()
        other.shutdown()
        other.server_close()


# --- the access log -----------------------------------------------------------------------------
def test_long_request_lines_are_cut_in_the_log(capsys):
    with start(StoreSpec(), settings=Settings(verbose=True, workers=1)) as srv:
        status, _, _ = request(srv.url, "GET", "/sparql?query=ASK%7B%7D&pad=" + "x" * 20000)
        assert status == 200
        time.sleep(0.5)
    line = next(line for line in capsys.readouterr().err.splitlines() if "pad=" in line)
    assert len(line) < 400 and "characters)" in line, line[:500]
