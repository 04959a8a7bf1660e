"""``cartkg serve`` under attack (issue 18): real servers and processes on 127.0.0.1.

Each test reproduces one attack of the hostile-input probe and asserts the defence: no query
form reaches a canary HTTP listener (the parser refuses it, and a worker has no network even
when the parser is bypassed), nesting hidden by escapes, the main process's memory under
pipelining and a huge row, line-break floods, slowloris, runaway queries, and the small cases
(long paths, failing updates, log lines, CSP, the update log).
"""
from __future__ import annotations

import collections
import http.client
import http.server
import json
import os
import random
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlencode, urlsplit

import pytest

from projectcopy import REPO
from test_server import ask, assert_alive, request

from kg.paths import project_paths
from kg.server.run import Settings, StoreSpec, start, store_spec

CANARY = "canary-answer-from-127.0.0.1"


class Canary:
    """An HTTP server on 127.0.0.1 that answers any request with a SPARQL result naming
    CANARY (and Turtle for LOAD), and counts the connections it accepted."""

    def __init__(self):
        canary = self
        self.hits = 0

        class Handler(http.server.BaseHTTPRequestHandler):
            def _answer(self):
                canary.hits += 1
                body = json.dumps({"head": {"vars": ["x"]}, "results": {"bindings": [
                    {"x": {"type": "literal", "value": CANARY}}]}}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/sparql-results+json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = _answer

            def log_message(self, *args):
                pass

        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/sparql"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def canary():
    c = Canary()
    yield c
    c.close()


@pytest.fixture(scope="module")
def server(built_project):
    paths = project_paths(built_project)
    with start(store_spec(None, paths), settings=Settings(timeout=10, max_rows=100),
               paths=paths) as running:
        yield running.url


@pytest.fixture(scope="module")
def writable():
    with start(StoreSpec(), settings=Settings(allow_update=True, timeout=3)) as running:
        yield running


def service_forms(url: str) -> list[str]:
    """SERVICE hidden every way the probe found, and more."""
    s = f"SERVICE <{url}> {{ ?x ?y ?z }}"
    return [
        f"SELECT ?x WHERE {{ {s} }}",
        f"SELECT ?x WHERE {{ FILTER(1 != ent:a\\') {s} FILTER(1 != '') }}",
        f"SELECT ?x WHERE {{ FILTER(1 != ent:a\\\") {s} FILTER(1 != \"\") }}",
        f"SELECT ?x WHERE {{ FILTER(1 != ent:a\\#) {s} }}",
        f"SELECT ?x WHERE {{ ?a ?b ent:x\\'y. {s} ?c ?d 'q' }}",
        f"SELECT ?x WHERE {{ SERVICE SILENT <{url}> {{ ?x ?y ?z }} }}",
        f"SELECT ?x WHERE {{ {{ SELECT ?x WHERE {{ {s} }} }} }}",
        f"SELECT ?x WHERE {{ OPTIONAL {{ {s} }} }}",
        f"SELECT ?x WHERE {{ sErViCe <{url}> {{ ?x ?y ?z }} }}",
        f"SELECT ?x WHERE {{ \\u0053ERVICE <{url}> {{ ?x ?y ?z }} }}",
        f"SELECT ?x WHERE {{ SERVICE <http://127.0.0.1:\\u0030{url.split(':')[2]}> {{ ?x ?y ?z }} }}",
        f"ASK {{ FILTER EXISTS {{ {s} }} }}",
        f"CONSTRUCT {{ ?x ?y ?z }} WHERE {{ {s} }}",
        f"SELECT ?x WHERE {{ # }}\n {s} }}",
        f"SELECT ?x WHERE {{ ?a ?b '''x\\''' . {s} }}",
        f"SELECT ?x WHERE {{ ?a ?b \"\"\"x\\\"\"\"\" . {s} }}",
        f"PREFIX p: <{url.rsplit('/', 1)[0]}/> SELECT ?x WHERE {{ SERVICE p:sparql {{ ?x ?y ?z }} }}",
    ]


EDGES = ["'", '"', "\\'", '\\"', "#", "<", ">", "ent:a\\'", "ent:a%27", "ent:a\\%", "'''",
         '"""', "\\u0027", "\\u0022", "_:b\\'", "?v\\'", "ent:\\'\\'", "1\\'", "^^", "@en",
         "ent:a.", "{", "}", "(", ")", "\\\\", "\n", "ent:a\\'\n#", "<'>", "\"'\""]


def fuzzed_forms(url: str, n: int = 60) -> list[str]:
    """Tokenizer edge cases placed around a SERVICE clause (a fixed seed: the same each run)."""
    rnd = random.Random(18)
    out = []
    for _ in range(n):
        before = " ".join(rnd.choice(EDGES) for _ in range(rnd.randint(1, 3)))
        after = " ".join(rnd.choice(EDGES) for _ in range(rnd.randint(0, 2)))
        out.append(f"SELECT ?x WHERE {{ FILTER(1 != {before}) SERVICE <{url}> {{ ?x ?y ?z }} "
                   f"FILTER(1 != {after}) }}")
    return out


def _send_every_way(base: str, query: str) -> list[tuple[int, bytes]]:
    """The query by GET, by POST (form and direct) and as a cross-origin HTML form would."""
    form = urlencode({"query": query}).encode()
    return [request(base, "GET", "/sparql?" + urlencode({"query": query}))[::2],
            request(base, "POST", "/sparql", {"Content-Type": "application/sparql-query"},
                    query.encode())[::2],
            request(base, "POST", "/sparql", {"Content-Type":
                                              "application/x-www-form-urlencoded",
                                              "Origin": "http://evil.example"}, form)[::2]]


def test_no_service_form_reaches_the_canary(server, canary):
    for query in service_forms(canary.url):
        for status, body in _send_every_way(server, query):
            assert status == 400, (query, body)
            assert CANARY.encode() not in body
    assert canary.hits == 0
    assert_alive(server)


def test_fuzzed_tokenizer_edge_cases_never_reach_the_canary(server, canary):
    statuses = set()
    for query in fuzzed_forms(canary.url):
        status, _, body = ask(server, query)
        statuses.add(status)
        assert CANARY.encode() not in body, query
    assert canary.hits == 0
    assert 200 not in statuses, statuses
    assert_alive(server)


def test_load_is_refused_on_a_writable_server_and_never_fetches(writable, canary):
    for update in (f"LOAD <{canary.url}>", f"LOAD SILENT <{canary.url}> INTO GRAPH <http://g>",
                   f"INSERT DATA {{ <a:b> <a:c> ent:a\\' }} ; LOAD <{canary.url}>",
                   f"INSERT DATA {{ <a:b> <a:c> 'x' }} ; lOaD <{canary.url}>",
                   f"DELETE WHERE {{ ?s ?p ent:a\\' }} ; LOAD <{canary.url}>"):
        status, _, body = request(writable.url, "POST", "/sparql",
                                  {"Content-Type": "application/sparql-update"},
                                  update.encode())
        assert status == 400, (update, body)
    assert canary.hits == 0
    assert ask(writable.url, "ASK { ?s ?p ?o }")[0] == 200


def _worker_without_the_parser_check(canary: Canary, sandbox: bool):
    """A real worker process (``kg.server.worker.main``) whose parser check is switched off,
    and the socket to it; ``sandbox=False`` switches the network isolation off too (the
    control showing the canary would be reached)."""
    from kg.server.worker import Frames
    ours, theirs = socket.socketpair()
    code = ("import sys, kg.server.worker as w, kg.server.sandbox as s\n"
            "w.check_query = lambda text: None\n"
            + ("" if sandbox else "w.isolate_network = lambda: 'none'\n")
            + "sys.exit(w.main(['worker', sys.argv[1]]))\n")
    proc = subprocess.Popen([sys.executable, "-c", code, str(theirs.fileno())],
                            pass_fds=(theirs.fileno(),), cwd=REPO,
                            env={**os.environ, "PYTHONPATH": str(REPO)})
    theirs.close()
    frames = Frames(ours)
    frames.send((StoreSpec(), False, 100, 0, 1 << 20, None))
    return proc, ours, frames


def test_a_service_that_slips_past_the_parser_still_cannot_connect(canary):
    query = f"SELECT ?x WHERE {{ SERVICE <{canary.url}> {{ ?x ?y ?z }} }}"
    for sandbox in (False, True):
        proc, sock, frames = _worker_without_the_parser_check(canary, sandbox)
        try:
            status, isolation = frames.recv()
            assert status == "ready"
            frames.send({"op": "query", "query": query, "accept": None})
            reply = frames.recv()
        finally:
            sock.close()
            proc.wait(10)
        if not sandbox:                   # the control: this query does reach the listener
            assert canary.hits == 1 and CANARY.encode() in reply.body
            continue
        assert isolation in ("network namespace", "user and network namespace",
                             "seccomp filter"), isolation
        assert reply.status != 200 and CANARY.encode() not in reply.body, reply
        assert canary.hits == 1, "the isolated worker reached the canary"


@pytest.mark.parametrize("method", ["_seccomp", "isolate_network"])
def test_each_isolation_method_stops_connections(canary, method):
    """The seccomp fallback alone, and the method a worker picks: a process that applied it
    can still use its socket pair but cannot connect to the canary."""
    code = ("import socket, sys, kg.server.sandbox as s\n"
            f"assert s.{method}() not in (False, 'none')\n"
            "a, b = socket.socketpair(); a.sendall(b'x'); assert b.recv(1) == b'x'\n"
            "try:\n"
            f"    socket.create_connection(('127.0.0.1', {canary.port}), timeout=5)\n"
            "except OSError as exc:\n"
            "    print('refused:', exc)\n"
            "else:\n"
            "    sys.exit('connected')\n")
    r = subprocess.run([sys.executable, "-c", code], cwd=REPO, capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=60)
    assert r.returncode == 0 and "refused:" in r.stdout, r.stderr
    assert canary.hits == 0


def test_nesting_hidden_by_escapes_is_refused_without_a_crash(server):
    for query in ("SELECT * WHERE { FILTER(1 != ent:a\\') " + "{" * 6000 + "?s ?p ?o"
                  + "}" * 6000 + " FILTER(1 != '') }",
                  "SELECT * WHERE { FILTER(" + "!" * 20000 + "true) }",
                  "SELECT * WHERE { FILTER(1 != ent:a\\') " + "{" * 200 + "?s ?p ?o"
                  + "}" * 200 + " FILTER(?o != 'service') }"):
        started = time.monotonic()
        status, _, body = ask(server, query)
        assert status == 400 and b"nest" in body, body[:200]
        assert time.monotonic() - started < 5
    deep_but_allowed = "SELECT * WHERE " + "{" * 30 + "?s ?p ?o" + "}" * 30
    assert ask(server, deep_but_allowed)[0] == 200
    assert_alive(server)


# --- memory of the main process ---------------------------------------------------------------
def _rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


def _serve_process(built_project, *options: str, new_session: bool = False):
    """``cartkg serve OPTIONS`` as its own process, answering; ``(process, base URL)``."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--port", str(port), *options],
                            cwd=REPO, stderr=subprocess.PIPE, text=True,
                            start_new_session=new_session,
                            env={**os.environ, "CARTKG_HOME": str(built_project),
                                 "PYTHONPATH": str(REPO)})
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if ask(base, timeout=5)[0] == 200:
                break
        except OSError:
            time.sleep(0.2)
    return proc, base


def _stopped(proc) -> str:
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=30)
    assert "network" in err and "cut off by" in err, err[-2000:]
    return err


@pytest.fixture(scope="module")
def served(built_project):
    """``cartkg serve`` as its own process (so its memory can be read), and its base URL."""
    proc, base = _serve_process(built_project, "--timeout", "20", "--max-bytes", "8",
                                "--workers", "2")
    yield proc, base
    _stopped(proc)


def test_pipelined_requests_from_a_client_that_never_reads_keep_memory_bounded(served):
    proc, base = served
    before = _rss_mb(proc.pid)
    construct = "CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }"     # ~1 MB an answer
    one = (f"GET /sparql?{urlencode({'query': construct})} HTTP/1.1\r\nHost: localhost\r\n"
           "Accept: application/n-triples\r\n\r\n").encode()
    u = urlsplit(base)
    sock = socket.create_connection((u.hostname, u.port))
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    sock.setblocking(False)
    sent, peak, stop = 0, before, time.monotonic() + 20
    data = one * 1500
    while sent < len(data) and time.monotonic() < stop:
        try:
            sent += sock.send(data[sent:sent + 65536])
        except BlockingIOError:           # the server stopped reading: back-pressure
            time.sleep(0.05)
        peak = max(peak, _rss_mb(proc.pid))
    for _ in range(20):
        time.sleep(0.1)
        peak = max(peak, _rss_mb(proc.pid))
    status, _, _ = ask(base, timeout=10)    # others are still answered meanwhile
    sock.close()
    assert status == 200
    assert peak - before < 100, f"main process grew {peak - before:.0f} MB"


def test_a_huge_row_is_cut_at_the_byte_cap_and_memory_stays_bounded(served):
    proc, base = served
    before = _rss_mb(proc.pid)
    binds = "BIND('xxxxxxxxxxxxxxxx' AS ?v0) " + " ".join(
        f"BIND(CONCAT(?v{i}, ?v{i}) AS ?v{i + 1})" for i in range(22))   # 16 B × 2^22 = 64 MB
    peak, result = before, {}

    def run():
        result["answer"] = ask(base, f"SELECT ?v22 WHERE {{ {binds} }}", timeout=60)

    t = threading.Thread(target=run)
    t.start()
    while t.is_alive():
        peak = max(peak, _rss_mb(proc.pid))
        time.sleep(0.05)
    status, headers, body = result["answer"]
    assert status == 200 and headers.get("x-result-truncated") == "true"
    assert headers["x-result-byte-limit"] == str(8 << 20)
    assert len(body) < 9 << 20 and json.loads(body)["results"]["bindings"] == []
    assert peak - before < 100, f"main process grew {peak - before:.0f} MB"


# --- availability -----------------------------------------------------------------------------
def _timed_asks(base: str, seconds: float) -> list[float]:
    """Latencies of fresh-connection ASKs sent one after the other for ``seconds``."""
    out, stop = [], time.monotonic() + seconds
    while time.monotonic() < stop:
        t = time.monotonic()
        status, _, body = ask(base, "ASK { ?s ?p ?o }", timeout=10)
        assert status == 200, body
        out.append(time.monotonic() - t)
        time.sleep(0.05)
    return out


def _flood(base: str, stop: threading.Event, payload: bytes, pause: float) -> None:
    u = urlsplit(base)
    while not stop.is_set():
        try:
            with socket.create_connection((u.hostname, u.port), timeout=2) as s:
                while not stop.is_set():
                    s.sendall(payload)
                    if pause:
                        stop.wait(pause)
        except OSError:
            stop.wait(0.01)


def test_line_break_floods_do_not_slow_other_requests(server):
    stop = threading.Event()
    floods = [threading.Thread(target=_flood, args=(server, stop, b"\r\n" * 4096, 0))
              for _ in range(8)]
    for t in floods:
        t.start()
    try:
        latencies = _timed_asks(server, 5)
    finally:
        stop.set()
        for t in floods:
            t.join(10)
    assert max(latencies) < 1.0, max(latencies)


def test_slowloris_cannot_fill_the_connection_cap(built_project):
    """64 connections dribbling one header byte a second against a cap of 16 (the probe's
    attack): every normal request is still answered within 1 s, and a dribbler gets 408 at
    the request deadline."""
    with start(StoreSpec(), settings=Settings(max_connections=16, request_seconds=3)) as srv:
        stop = threading.Event()
        u = urlsplit(srv.url)
        socks = []
        for _ in range(64):
            s = socket.create_connection((u.hostname, u.port))
            s.sendall(b"GET /sparql HTTP/1.1\r\n")
            socks.append(s)

        def dribble():
            while not stop.is_set():
                for s in socks:
                    try:
                        s.sendall(b"X")
                    except OSError:
                        pass
                stop.wait(1)

        t = threading.Thread(target=dribble)
        t.start()
        try:
            time.sleep(1)
            latencies = _timed_asks(srv.url, 6)
        finally:
            stop.set()
            t.join(10)
            for s in socks:
                s.close()
        assert max(latencies) < 1.0, max(latencies)
        s = socket.create_connection((u.hostname, u.port), timeout=10)
        s.sendall(b"GET /sparql HTTP/1.1\r\nX-Slow: ")
        started, answer = time.monotonic(), b""
        s.settimeout(0.2)
        while not answer and time.monotonic() - started < 8:
            try:
                s.sendall(b"x")             # every byte arrives, the deadline still holds
                answer = s.recv(4096)
            except socket.timeout:
                pass
            except OSError:
                break
        s.close()
        assert time.monotonic() - started < 5
        assert answer.startswith(b"HTTP/1.1 408 "), answer


@pytest.mark.slow
def test_runaway_queries_do_not_starve_short_ones(built_project):
    """One 3-way cross product a second from another client (source address 127.0.0.2) among
    16 keep-alive clients asking short questions: the short questions keep being answered
    every second, p99 under 2 s."""
    paths = project_paths(built_project)
    settings = Settings(timeout=8, workers=2)
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"
    short = "/sparql?query=" + quote("ASK { ?s a ckg:Strategy }")
    with start(store_spec(None, paths), settings=settings, paths=paths) as srv:
        u = urlsplit(srv.url)
        stop = time.monotonic() + 12
        done, errors, attacks, lock = [], [], [], threading.Lock()

        def client():
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
            while time.monotonic() < stop:
                t = time.monotonic()
                conn.request("GET", short)
                resp = conn.getresponse()
                resp.read()
                with lock:
                    (done if resp.status == 200 else errors).append((t, time.monotonic() - t))
            conn.close()

        def one_runaway():
            conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30,
                                              source_address=("127.0.0.2", 0))
            try:
                conn.request("POST", "/sparql", runaway,
                             {"Content-Type": "application/sparql-query"})
                attacks.append(conn.getresponse().status)
            except (ConnectionError, http.client.HTTPException):
                attacks.append("closed")    # the server shut down under a late runaway
            finally:
                conn.close()

        def attacker():
            while time.monotonic() < stop:
                threading.Thread(target=one_runaway, daemon=True).start()
                time.sleep(1)

        threads = [threading.Thread(target=client) for _ in range(16)]
        threads.append(threading.Thread(target=attacker))
        began = time.monotonic()
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert not errors, errors[:3]
        per_second = [sum(1 for t, _ in done if began + i <= t < began + i + 1)
                      for i in range(11)]
        latencies = sorted(lat for _, lat in done)
        p99 = latencies[int(len(latencies) * 0.99)]
        print(f"\nshort questions per second under runaway load: {per_second}, p99 {p99:.2f} s;"
              f" the runaways were answered {sorted(map(str, attacks))}")
        assert min(per_second) > 0, per_second
        assert p99 < 2.0


def test_a_client_past_its_job_cap_gets_503_at_once(built_project):
    """Two runaway queries waiting or running from one address: a third gets 503 at once,
    while another address is still answered."""
    paths = project_paths(built_project)
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    with start(store_spec(None, paths), settings=Settings(timeout=4, workers=2, client_jobs=2),
               paths=paths) as srv:
        threads = [threading.Thread(target=ask, args=(srv.url, runaway), kwargs={"timeout": 30})
                   for _ in range(2)]
        for t in threads:
            t.start()
        time.sleep(0.5)
        started = time.monotonic()
        status, _, body = ask(srv.url, runaway)
        assert status == 503 and b"already has 2 requests" in body, body
        assert time.monotonic() - started < 1
        u = urlsplit(srv.url)
        other = http.client.HTTPConnection(u.hostname, u.port, timeout=10,
                                           source_address=("127.0.0.2", 0))
        other.request("POST", "/sparql", "ASK { ?s ?p ?o }",
                      {"Content-Type": "application/sparql-query"})
        assert other.getresponse().status == 200
        other.close()
        for t in threads:
            t.join(30)


# --- the small cases --------------------------------------------------------------------------
def test_a_very_long_path_gets_404_without_the_servers_paths(server, built_project):
    status, _, body = request(server, "GET", "/" + "a" * 65000)
    assert status == 404 and str(built_project).encode() not in body
    assert b"/" + b"a" * 100 in body or b"nothing at" in body


def test_a_failing_multi_operation_update_gets_400(writable):
    status, _, body = request(writable.url, "POST", "/sparql",
                              {"Content-Type": "application/sparql-update"},
                              b"CREATE GRAPH <http://e/g1> ; CREATE GRAPH <http://e/g1>")
    assert status == 400 and b"already exists" in body, body


def test_access_log_escapes_terminal_bytes(capsys):
    with start(StoreSpec(), settings=Settings(verbose=True, workers=1)) as srv:
        u = urlsplit(srv.url)
        with socket.create_connection((u.hostname, u.port), timeout=10) as s:
            s.sendall(b"GET /\x1b[2J\x1b]0;owned\x07\" HTTP/1.1\r\nHost: localhost\r\n"
                      b"Connection: close\r\n\r\n")
            while s.recv(4096):
                pass
        time.sleep(0.5)
    err = capsys.readouterr().err
    line = next(line for line in err.splitlines() if "owned" in line)
    assert "\x1b" not in line and "\x07" not in line
    assert '"GET /\\x1b[2J\\x1b]0;owned\\x07\\x22 HTTP/1.1" 404' in line


@pytest.mark.parametrize("path", ["/", "/query", "/sparql"])
def test_every_page_carries_a_csp_that_forbids_framing(server, path):
    status, headers, _ = request(server, "GET", path, {"Accept": "text/html"})
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    assert headers["x-frame-options"] == "DENY"


def test_query_page_links_only_web_iris(server, browser):
    """In a real browser, under the page's CSP: a javascript: IRI in the results is text, an
    http IRI a link."""
    page = browser.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(server + "/query")
        page.fill("#query", "SELECT ?x WHERE { VALUES ?x { <javascript:alert(1)> "
                            "<http://example.org/a> } }")
        page.click("#run")
        page.wait_for_selector("#results td")
        cells = page.eval_on_selector_all(
            "#results td", "tds => tds.map(td => [td.textContent, "
                           "td.querySelector('a') && td.querySelector('a').href])")
    finally:
        page.close()
    assert ["javascript:alert(1)", None] in cells
    assert ["http://example.org/a", "http://example.org/a"] in cells
    assert not errors, errors


def _values_kept(url: str) -> int:
    """How many values <http://e/s> <http://e/p> has, once a replacement worker answers."""
    count = "SELECT (COUNT(*) AS ?n) WHERE { <http://e/s> <http://e/p> ?o }"
    for _ in range(100):
        status, _, body = ask(url, count)
        if status == 200:
            break
        time.sleep(0.2)
    return int(json.loads(body)["results"]["bindings"][0]["n"]["value"])


def test_update_log_is_bounded_and_a_replacement_keeps_every_update():
    from kg.server.pool import UPDATE_LOG_MAX
    with start(StoreSpec(), settings=Settings(allow_update=True, timeout=3)) as srv:
        for n in range(3 * UPDATE_LOG_MAX + 5):
            status, _, _ = request(srv.url, "POST", "/sparql",
                                   {"Content-Type": "application/sparql-update"},
                                   f"INSERT DATA {{ <http://e/s> <http://e/p> {n} }}".encode())
            assert status == 204
        assert len(srv.httpd.pool._updates) <= UPDATE_LOG_MAX
        runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
        assert ask(srv.url, runaway)[0] == 503             # the worker is killed and replaced
        assert _values_kept(srv.url) == 3 * UPDATE_LOG_MAX + 5


# --- issue 27: operator chains, connection shares, memory, HTTP/1.1 ---------------------------
CHAINS = ["SELECT (1" + "+1" * 9999 + " AS ?x) WHERE {}",
          "SELECT * WHERE { FILTER(true" + "||true" * 10000 + ") }",
          "SELECT * WHERE { FILTER(true" + "&&true" * 10000 + ") }",
          "SELECT * WHERE { ?s <http://e/p> ?o" + ";<http://e/p> ?o" * 10000 + " }",
          "SELECT * WHERE { ?s <http://e/p>" + "/<http://e/p>" * 10000 + " ?o }",
          "SELECT * WHERE { ?s <http://e/p>" + "|<http://e/p>" * 10000 + " ?o }",
          "SELECT * WHERE " + "{" * 2500 + "}" * 2500]


def _worker_pids(running) -> set[int]:
    return {w.proc.pid for w in running.httpd.pool._live}


def test_operator_chains_get_400_before_the_engine_and_no_worker_dies(writable):
    """The probe's 20 KB GET (10,000 '+' terms) and its kin, on a server that accepts updates
    (where a dead worker would mean replaying the update log): 400 at once, same workers."""
    assert request(writable.url, "POST", "/sparql", {"Content-Type": "application/sparql-update"},
                   b"INSERT DATA { <http://e/s> <http://e/p> 1 }")[0] == 204
    workers = _worker_pids(writable)
    for query in CHAINS:
        started = time.monotonic()
        target = "/sparql?" + urlencode({"query": query})
        status, _, body = request(writable.url, "GET", target) if len(target) < 60000 \
            else ask(writable.url, query)
        assert status == 400 and b"too deeply" in body, (status, body[:300])
        assert time.monotonic() - started < 5
    assert _worker_pids(writable) == workers
    status, _, body = ask(writable.url, "ASK { <http://e/s> <http://e/p> 1 }")
    assert status == 200 and json.loads(body)["boolean"] is True


def test_ctrl_c_stops_serve_cleanly(built_project):
    """Ctrl+C in a terminal sends SIGINT to the whole process group (server and workers): the
    server stops its workers and exits 0, and nothing prints a traceback."""
    proc, base = _serve_process(built_project, new_session=True)
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0 and "Traceback" not in err, err[-3000:]
    assert "[serve] stopped" in err


MODERATE = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o . ?o ?q ?r }"


def _hog(url: str, stop: threading.Event, statuses: list, fresh: bool) -> None:
    """One of the probe's 64 connections from 127.0.0.1 asking MODERATE in a loop (on one
    keep-alive connection, or a new connection per request), reconnecting when closed."""
    u = urlsplit(url)
    conn = None
    while not stop.is_set():
        try:
            if conn is None:
                conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
            conn.request("POST", "/sparql", MODERATE, {"Content-Type": "application/sparql-query"})
            resp = conn.getresponse()
            resp.read()
            statuses.append(resp.status)
            if fresh or resp.status != 200:
                conn.close()
                conn = None
        except (OSError, http.client.HTTPException):
            statuses.append("closed")
            if conn is not None:
                conn.close()
            conn = None
    if conn is not None:
        conn.close()


def _other_client(url: str, n: int) -> list:
    """``n`` requests from 127.0.0.2, a new connection each: a query and the home page."""
    u = urlsplit(url)
    out = []
    for i in range(n):
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30,
                                          source_address=("127.0.0.2", 0))
        try:
            if i % 2:
                conn.request("GET", "/")
            else:
                conn.request("POST", "/sparql", "ASK { ?s ?p ?o }",
                             {"Content-Type": "application/sparql-query"})
            resp = conn.getresponse()
            out.append((resp.status, resp.read()[:80]))
        except (OSError, http.client.HTTPException) as exc:     # e.g. a 503 and close
            out.append(("failed", repr(exc)))
        finally:
            conn.close()
    return out


@pytest.mark.parametrize("fresh", [False, True], ids=["keep-alive", "new-connection-each"])
def test_one_address_holding_every_slot_leaves_another_answered(built_project, fresh):
    """64 connections from 127.0.0.1 looping a moderate query (the probe's attack; on one
    connection each, or a new one per request) against a cap of 64: every request from
    127.0.0.2 — queries and the home page, a new connection each — is answered 200."""
    paths = project_paths(built_project)
    with start(store_spec(None, paths), settings=Settings(timeout=10, workers=2),
               paths=paths) as srv:
        stop, statuses = threading.Event(), []
        hogs = [threading.Thread(target=_hog, args=(srv.url, stop, statuses, fresh))
                for _ in range(64)]
        for t in hogs:
            t.start()
        try:
            time.sleep(2)
            answers = _other_client(srv.url, 30)
        finally:
            stop.set()
            for t in hogs:
                t.join(60)
        print(f"\nthe 64 looping connections got {len(statuses)} answers: "
              f"{sorted(collections.Counter(map(str, statuses)).items())}")
        assert [s for s, _ in answers] == [200] * 30, answers
        assert statuses.count(200) > 64


def _doubling(n: int) -> str:
    """A query whose one answer is a 16 B × 2^n literal (2^18: 4 MB)."""
    binds = "BIND('xxxxxxxxxxxxxxxx' AS ?v0) " + " ".join(
        f"BIND(CONCAT(?v{i}, ?v{i}) AS ?v{i + 1})" for i in range(n))
    return f"SELECT ?v{n} WHERE {{ {binds} }}"


def _never_reading(base: str, query: str, n: int) -> list[socket.socket]:
    """``n`` connections that each ask ``query`` as CSV and never read."""
    u = urlsplit(base)
    head = (f"GET /sparql?{urlencode({'query': query})} HTTP/1.1\r\nHost: localhost\r\n"
            "Accept: text/csv\r\n\r\n").encode()
    socks = []
    for _ in range(n):
        s = socket.socket()
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        s.connect((u.hostname, u.port))
        s.sendall(head)
        socks.append(s)
    return socks


def test_clients_that_never_read_large_answers_keep_memory_under_the_bound(built_project):
    """The probe's 60 connections asking for a large CSV (8 MB each here) and never reading:
    the main process of a server with the default settings stays under its documented bound
    (kg.server.protocol.memory_bound), keeps answering others, and is back near where it
    began once they have gone."""
    from kg.server.protocol import memory_bound
    proc, base = _serve_process(built_project)
    try:
        bound_mb = memory_bound(Settings()) / (1 << 20)
        before = peak = _rss_mb(proc.pid)
        socks = _never_reading(base, _doubling(19), 60)
        try:
            stop = time.monotonic() + 20
            while time.monotonic() < stop:
                peak = max(peak, _rss_mb(proc.pid))
                time.sleep(0.1)
            other = _other_client(base, 2)
        finally:
            for s in socks:
                s.close()
        time.sleep(3)
        after = _rss_mb(proc.pid)
    finally:
        _stopped(proc)
    print(f"\nmain process: {before:.0f} MB before, {peak:.0f} MB at the peak, {after:.0f} MB after"
          f" (bound {bound_mb:.0f} MB above the start)")
    assert peak - before < bound_mb, f"main process grew {peak - before:.0f} MB"
    assert after - before < 30, f"{after - before:.0f} MB not returned"
    assert [status for status, _ in other] == [200, 200], other


def test_a_connection_with_an_unread_answer_still_obeys_the_idle_limit():
    """A client that asks for a 4 MB answer and reads none of it is closed after
    ``idle_seconds`` like any silent client: reading later gets a part, then the end."""
    with start(StoreSpec(), settings=Settings(idle_seconds=2, workers=1)) as srv:
        s = _never_reading(srv.url, _doubling(18), 1)[0]
        time.sleep(5)
        got = 0
        s.settimeout(5)
        try:
            while chunk := s.recv(65536):
                got += len(chunk)
        except ConnectionResetError:
            pass
        finally:
            s.close()
        assert 0 < got < 4 << 20, got
        assert ask(srv.url)[0] == 200


def test_a_worker_crash_starts_one_replacement_and_one_replay(capsys):
    """A worker that dies mid-query on a server accepting updates (killed here, as a crash
    would end it): the request gets 500, one replacement is started with the update log
    replayed once (the log says so, once), and every update is still there."""
    with start(StoreSpec(), settings=Settings(allow_update=True, timeout=10)) as srv:
        for n in range(5):
            assert request(srv.url, "POST", "/sparql", {"Content-Type": "application/sparql-update"},
                           f"INSERT DATA {{ <http://e/s> <http://e/p> {n} }}".encode())[0] == 204
        (pid,) = _worker_pids(srv)
        numbers = " ".join(map(str, range(300)))
        runaway = "SELECT (COUNT(*) AS ?n) WHERE { " + " ".join(
            f"VALUES ?{v} {{ {numbers} }}" for v in "abcd") + " }"      # 8·10^9 rows
        result = {}
        t = threading.Thread(target=lambda: result.setdefault("r", ask(srv.url, runaway)))
        t.start()
        time.sleep(0.5)
        os.kill(pid, signal.SIGKILL)
        t.join(30)
        assert result["r"][0] == 500
        assert _values_kept(srv.url) == 5
        time.sleep(1)
        pids = _worker_pids(srv)
        assert len(pids) == 1 and pid not in pids
    err = capsys.readouterr().err
    assert err.count("one replacement is started, replaying 5 updates") == 1, err[-2000:]
