"""``cartkg serve``: real servers on 127.0.0.1 started here, real HTTP requests.

- the W3C SPARQL 1.1 Protocol and Service Description tests, driven from the manifest in
  shared/, against a read-only server and one that accepts updates;
- hostile requests (SERVICE, FROM/LOAD of a file, a runaway query, deep nesting, a 10 MB body,
  invalid UTF-8, wrong content types, repeated parameters), each refused or inert in bounded
  time while the server keeps answering;
- content negotiation, the row cap, the query page, the explorer, the question API (the same
  JSON as the CLI) and a 20 s load test with 16 concurrent clients.
"""
from __future__ import annotations

import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest
import rdflib
from rdflib.collection import Collection

from projectcopy import REPO, SHARED, run_cli

from kg.paths import project_paths
from kg.server.run import Settings, StoreSpec, start, store_spec

W3C = SHARED / "w3c-sparql-protocol"
MF = rdflib.Namespace("http://www.w3.org/2001/sw/DataAccess/tests/test-manifest#")
HT = rdflib.Namespace("http://www.w3.org/2011/http#")
CNT = rdflib.Namespace("http://www.w3.org/2011/content#")
UT = rdflib.Namespace("http://www.w3.org/2009/sparql/tests/test-update#")
SD = rdflib.Namespace("http://www.w3.org/ns/sparql-service-description#")
RESULT_TYPES = ("application/sparql-results+json", "application/sparql-results+xml",
                "text/csv", "text/tab-separated-values")
RDF_TYPES = {"text/turtle": "TURTLE", "application/n-triples": "N_TRIPLES",
             "application/ld+json": "JSON_LD", "application/rdf+xml": "RDF_XML"}


def request(base: str, method: str, path: str, headers: dict | None = None,
            body: bytes | None = None, timeout: float = 30):
    """``(status, headers with lower-case names, body)`` of one request on a new connection."""
    u = urlsplit(base)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=timeout)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        resp = conn.getresponse()
        return resp.status, {k.lower(): v for k, v in resp.getheaders()}, resp.read()
    finally:
        conn.close()


def ask(base: str, query: str = "ASK {}", **kw):
    return request(base, "POST", "/sparql", {"Content-Type": "application/sparql-query"},
                   query.encode(), **kw)


def assert_alive(base: str) -> None:
    started = time.monotonic()
    status, _, body = ask(base, timeout=10)
    assert status == 200 and json.loads(body)["boolean"] is True
    assert time.monotonic() - started < 5


# --- the W3C manifest -----------------------------------------------------------------------
def _manifest():
    g = rdflib.Graph().parse(W3C / "manifest.ttl", format="turtle")
    root = next(g.subjects(MF.entries, None))
    tests = []
    for test in Collection(g, g.value(root, MF.entries)):
        requests = []
        for r in Collection(g, g.value(g.value(test, MF.action), HT.requests)):
            body = g.value(r, HT.body)
            headers = {str(g.value(h, HT.fieldName)): str(g.value(h, HT.fieldValue))
                       for h in Collection(g, g.value(r, HT.headers) or rdflib.RDF.nil)}
            resp = g.value(r, HT.resp)
            requests.append({
                "method": str(g.value(r, HT.methodName)),
                "path": "/sparql" + str(g.value(r, HT.absolutePath))[len("/sparql/"):],
                "headers": headers,
                "body": None if body is None else str(g.value(body, CNT.chars)).encode(
                    str(g.value(body, CNT.characterEncoding) or "UTF-8")),
                "status": {int(str(s)[-3]) for s in g.objects(resp, MF.expectedStatus)},
                "format": g.value(resp, MF.expectedFormat),
                "boolean": g.value(resp, MF.expectedBoolean),
            })
        data = {str(g.value(d, rdflib.RDFS.label)): Path(str(g.value(d, UT.graph))[7:])
                for d in g.objects(test, UT.graphData)}
        tests.append((str(test).rsplit("#", 1)[-1], data, requests))
    return tests


MANIFEST = _manifest()
QUERY_TESTS = [t for t in MANIFEST if not t[0].startswith(("update_", "bad_update_"))]
UPDATE_TESTS = [t for t in MANIFEST if t[0].startswith(("update_", "bad_update_"))]


def _boolean(headers: dict, body: bytes) -> bool:
    ctype = headers["content-type"]
    if "json" in ctype:
        return json.loads(body)["boolean"]
    assert "xml" in ctype, ctype
    return b"<boolean>true</boolean>" in body


def check_response(req: dict, status: int, headers: dict, body: bytes) -> None:
    assert status // 100 in req["status"], (status, body[:300])
    ctype = headers.get("content-type", "").split(";")[0]
    if req["format"] is not None and str(req["format"]) == "tabular":
        assert ctype in RESULT_TYPES
    elif req["format"] is not None and str(req["format"]) == "boolean":
        assert ctype in RESULT_TYPES[:2]
    elif req["format"] is not None:
        import pyoxigraph as ox
        assert ctype in RDF_TYPES
        list(ox.parse(body, format=getattr(ox.RdfFormat, RDF_TYPES[ctype])))
    if req["boolean"] is not None:
        assert _boolean(headers, body) is req["boolean"].toPython()


def w3c_spec() -> StoreSpec:
    graphs = {name: path for _, data, _ in MANIFEST for name, path in data.items()}
    return StoreSpec(graphs=tuple((str(p), name) for name, p in sorted(graphs.items())),
                     prefixes=False)


@pytest.fixture(scope="module")
def w3c_server():
    with start(w3c_spec(), settings=Settings(timeout=5)) as server:
        yield server.url


@pytest.fixture(scope="module")
def w3c_writable():
    with start(w3c_spec(), settings=Settings(timeout=5, allow_update=True)) as server:
        yield server.url


@pytest.mark.parametrize("name,data,requests", QUERY_TESTS, ids=[t[0] for t in QUERY_TESTS])
def test_w3c_protocol_query(w3c_server, name, data, requests):
    for req in requests:
        check_response(req, *request(w3c_server, req["method"], req["path"], req["headers"],
                                     req["body"]))


@pytest.mark.parametrize("name,data,requests", UPDATE_TESTS, ids=[t[0] for t in UPDATE_TESTS])
def test_w3c_protocol_update_refused_when_read_only(w3c_server, name, data, requests):
    req = requests[0]
    status, _, body = request(w3c_server, req["method"], req["path"], req["headers"],
                              req["body"])
    assert 400 <= status < 500, body
    assert_alive(w3c_server)


@pytest.mark.parametrize("name,data,requests", UPDATE_TESTS, ids=[t[0] for t in UPDATE_TESTS])
def test_w3c_protocol_update_allowed(w3c_writable, name, data, requests):
    for req in requests:
        check_response(req, *request(w3c_writable, req["method"], req["path"], req["headers"],
                                     req["body"]))


@pytest.mark.parametrize("accept", ["text/turtle", "application/n-triples",
                                    "application/ld+json", "application/rdf+xml"])
def test_w3c_service_description(w3c_server, w3c_writable, accept):
    """returns-rdf, has-endpoint-triple, conforms-to-schema (each format, both modes)."""
    for base, update in ((w3c_server, False), (w3c_writable, True)):
        status, headers, body = request(base, "GET", "/sparql", {"Accept": accept})
        assert status == 200 and headers["content-type"].startswith(accept)
        g = rdflib.Graph().parse(data=body, format={"text/turtle": "turtle",
                                                    "application/n-triples": "nt",
                                                    "application/ld+json": "json-ld",
                                                    "application/rdf+xml": "xml"}[accept])
        service = g.value(None, SD.endpoint, rdflib.URIRef(base + "/sparql"))
        assert service is not None
        assert (service, rdflib.RDF.type, SD.Service) in g
        languages = set(g.objects(service, SD.supportedLanguage))
        assert SD.SPARQL11Query in languages
        assert (SD.SPARQL11Update in languages) is update
        assert all(isinstance(f, rdflib.URIRef) for f in g.objects(service, SD.resultFormat))
        dataset = g.value(service, SD.defaultDataset)
        assert (dataset, rdflib.RDF.type, SD.Dataset) in g


# --- a server over the built project --------------------------------------------------------
@pytest.fixture(scope="module")
def server(built_project):
    paths = project_paths(built_project)
    settings = Settings(timeout=2, max_rows=100)
    with start(store_spec("oxigraph", paths), settings=settings, paths=paths) as running:
        yield running.url


@pytest.fixture
def listener():
    """A TCP port on 127.0.0.1 that records whether anything connected to it."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(5)
    sock.settimeout(0.5)
    yield sock
    sock.close()


def test_service_clause_is_refused_and_never_connects(server, listener):
    port = listener.getsockname()[1]
    for query in (f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> {{ ?s ?p ?o }} }}",
                  f"SELECT * WHERE {{ ?x ?y ?z sErViCe SILENT <http://127.0.0.1:{port}/> {{}} }}",
                  f"ASK {{ ?s ?p 1SERVICE <http://127.0.0.1:{port}/> {{}} }}"):
        status, _, body = ask(server, query)
        assert status == 400 and b"SERVICE" in body
    with pytest.raises(socket.timeout):
        listener.accept()
    assert_alive(server)


@pytest.mark.parametrize("query", [
    "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }",
    "SELECT * FROM NAMED <file:///etc/passwd> WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT * WHERE { GRAPH <file:///etc/passwd> { ?s ?p ?o } }",
])
def test_file_graphs_are_inert(server, query):
    status, _, body = ask(server, query)
    assert status == 200 and json.loads(body)["results"]["bindings"] == []
    assert b"root:" not in body


def test_default_graph_uri_of_a_file_is_inert(server):
    path = "/sparql?query=" + quote("SELECT * WHERE { ?s ?p ?o }") + \
        "&default-graph-uri=" + quote("file:///etc/passwd", safe="")
    status, _, body = request(server, "GET", path)
    assert status == 200 and json.loads(body)["results"]["bindings"] == []


def test_load_is_refused(server, w3c_writable, listener):
    port = listener.getsockname()[1]
    for update in ("LOAD <file:///etc/passwd>", f"LOAD <http://127.0.0.1:{port}/x.ttl>"):
        for base, expected in ((server, 403), (w3c_writable, 400)):
            status, _, body = request(base, "POST", "/sparql",
                                      {"Content-Type": "application/sparql-update"},
                                      update.encode())
            assert status == expected, body
    with pytest.raises(socket.timeout):
        listener.accept()


def test_runaway_query_is_stopped_and_others_go_on(server):
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    answers = {}

    def slow():
        t = time.monotonic()
        answers["runaway"] = ask(server, runaway), time.monotonic() - t

    thread = threading.Thread(target=slow)
    thread.start()
    time.sleep(0.3)
    assert_alive(server)               # the other worker answers meanwhile
    thread.join(15)
    (status, headers, body), seconds = answers["runaway"]
    assert status == 503 and b"time limit" in body
    assert seconds < 6
    assert_alive(server)
    time.sleep(1.5)                    # the killed worker has been replaced
    for _ in range(4):
        assert_alive(server)


def test_memory_hungry_query_is_stopped(built_project):
    paths = project_paths(built_project)
    settings = Settings(timeout=20, memory_limit=1 << 30, workers=1)
    with start(store_spec("oxigraph", paths), settings=settings, paths=paths) as running:
        started = time.monotonic()
        status, _, body = ask(running.url, "SELECT * WHERE { ?a ?b ?c . ?d ?e ?f } ORDER BY ?a ?f")
        assert status == 503 and b"memory limit" in body
        assert time.monotonic() - started < 15
        for _ in range(20):             # a replacement worker takes over
            try:
                assert_alive(running.url)
                break
            except AssertionError:
                time.sleep(0.5)
        assert_alive(running.url)


def test_deep_nesting_is_refused_quickly(server):
    for depth, open_, close in ((10000, "{", "}"), (100000, "(", ")")):
        query = "SELECT * WHERE " + "{" + open_ * depth + "?s ?p ?o" + close * depth + "}"
        started = time.monotonic()
        status, _, body = ask(server, query)
        assert status == 400 and b"nests" in body
        assert time.monotonic() - started < 5
    assert_alive(server)


def test_oversized_body_gets_413(server):
    body = b"query=" + b"A" * (10 << 20)
    status, headers, text = request(server, "POST", "/sparql",
                                    {"Content-Type": "application/x-www-form-urlencoded"}, body)
    assert status == 413 and b"limit" in text
    assert_alive(server)


@pytest.mark.parametrize("method,path,headers,body,expected", [
    ("POST", "/sparql", {"Content-Type": "application/sparql-query"}, b"ASK { \xff\xfe }", 400),
    ("POST", "/sparql", {"Content-Type": "application/x-www-form-urlencoded"},
     b"query=ASK%20%7B%FF%7D", 400),
    ("POST", "/sparql", {"Content-Type": "application/x-www-form-urlencoded"},
     b"query=ASK \xc3\x28", 400),
    ("GET", "/sparql?query=ASK%20%7B%C3%28%7D", {}, None, 400),
    ("POST", "/sparql", {"Content-Type": "application/sparql-query; charset=latin-1"},
     b"ASK {}", 415),
    ("POST", "/sparql", {"Content-Type": "text/plain"}, b"ASK {}", 415),
    ("POST", "/sparql", {"Content-Type": "application/json"}, b'{"query": "ASK {}"}', 415),
    ("POST", "/sparql", {}, b"ASK {}", 415),
    ("GET", "/sparql?query=ASK%20%7B%7D&query=ASK%20%7B%7D", {}, None, 400),
    ("POST", "/sparql?query=ASK%20%7B%7D", {"Content-Type": "application/sparql-query"},
     b"ASK {}", 400),
    ("GET", "/sparql?query=SELECT%20*%20WHERE%20%7B", {}, None, 400),
    ("GET", "/sparql?query=ASK%7B%7D&default-graph-uri=not%20an%20iri", {}, None, 400),
    ("DELETE", "/sparql", {}, None, 405),
    ("POST", "/sparql", {"Content-Type": "application/sparql-query",
                         "Transfer-Encoding": "chunked"}, b"zz\r\nASK {}\r\n0\r\n\r\n", 400),
    ("POST", "/sparql", {"Content-Type": "application/sparql-query",
                         "Transfer-Encoding": "gzip"}, b"ASK {}", 501),
])
def test_malformed_requests_get_4xx(server, method, path, headers, body, expected):
    started = time.monotonic()
    status, _, text = request(server, method, path, headers, body)
    assert status == expected, text
    assert time.monotonic() - started < 5
    assert_alive(server)


def test_syntax_error_carries_the_parser_message(server):
    status, _, body = ask(server, "SELECT ?x WHERE { ?x ckg:nope }")
    assert status == 400 and body.startswith(b"SPARQL syntax error: error at 1:")


# --- formats and limits ---------------------------------------------------------------------
SELECT = "SELECT ?e ?label WHERE { ?e a ckg:Therapy ; rdfs:label ?label } ORDER BY ?label LIMIT 5"


@pytest.mark.parametrize("accept,expected", [
    (None, "application/sparql-results+json"),
    ("application/sparql-results+json", "application/sparql-results+json"),
    ("application/sparql-results+xml", "application/sparql-results+xml"),
    ("text/csv", "text/csv"),
    ("text/tab-separated-values", "text/tab-separated-values"),
    ("text/csv;q=0.2, application/sparql-results+xml;q=0.9, */*;q=0.1",
     "application/sparql-results+xml"),
    ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", "application/xml"),
])
def test_select_negotiation(server, accept, expected):
    status, headers, body = request(server, "GET", "/sparql?query=" + quote(SELECT),
                                    {"Accept": accept} if accept else {})
    assert status == 200 and headers["content-type"].split(";")[0] == expected
    assert b"Axicabtagene ciloleucel" in body
    assert {v.strip() for v in headers["vary"].split(",")} == {"Accept", "Accept-Encoding"}


@pytest.mark.parametrize("accept", list(RDF_TYPES))
def test_construct_negotiation(server, store, accept):
    import pyoxigraph as ox
    query = "CONSTRUCT { ?e rdfs:label ?l } WHERE { ?e a ckg:Therapy ; rdfs:label ?l }"
    status, headers, body = request(server, "GET", "/sparql?query=" + quote(query),
                                    {"Accept": accept})
    assert status == 200 and headers["content-type"].startswith(accept)
    triples = list(ox.parse(body, format=getattr(ox.RdfFormat, RDF_TYPES[accept])))
    assert len(triples) == len(store.query(query).triples) > 10


def test_not_acceptable(server):
    status, _, _ = request(server, "GET", "/sparql?query=ASK%7B%7D", {"Accept": "image/png"})
    assert status == 406


def test_row_cap_is_signalled(server):
    status, headers, body = ask(server, "SELECT * WHERE { ?s ?p ?o }")
    assert status == 200 and headers["x-result-truncated"] == "true"
    assert len(json.loads(body)["results"]["bindings"]) == 100
    status, headers, body = ask(server, SELECT)
    assert "x-result-truncated" not in headers


@pytest.mark.parametrize("accept", RESULT_TYPES)
def test_row_cap_counts_rows_in_every_format(server, accept):
    """Oxigraph serialises answers that cannot exceed the cap; 101 empty rows (1 byte each in
    TSV) are still cut at 100 and flagged."""
    import pyoxigraph as ox
    fmt = {"application/sparql-results+json": "JSON", "application/sparql-results+xml": "XML",
           "text/csv": "CSV", "text/tab-separated-values": "TSV"}[accept]
    for rows, filler in ((100, "UNDEF"), (101, "UNDEF"), (101, "1")):
        query = f"SELECT ?x WHERE {{ VALUES ?x {{ {' '.join([filler] * rows)} }} }}"
        status, headers, body = request(server, "GET", "/sparql?query=" + quote(query),
                                        {"Accept": accept})
        assert status == 200 and headers["content-type"].startswith(accept)
        assert ("x-result-truncated" in headers) is (rows > 100)
        if fmt == "CSV":               # Oxigraph does not parse CSV (it is lossy)
            header, *lines = body.decode().split("\r\n")
            assert header == "x" and lines[-1] == "" and len(lines) == 101
            continue
        parsed = ox.parse_query_results(body, getattr(ox.QueryResultsFormat, fmt))
        assert [v.value for v in parsed.variables] == ["x"]
        assert len(list(parsed)) == 100


def test_native_results_match_the_stores_answer(server, store):
    status, _, body = request(server, "GET", "/sparql?query=" + quote(SELECT))
    got = json.loads(body)
    assert got["head"]["vars"] == ["e", "label"]
    assert got["results"]["bindings"] == [{k: v.as_json() for k, v in row.items()}
                                          for row in store.query(SELECT).rows]


# --- connections ----------------------------------------------------------------------------
# an HTTP/1.1 request without a Host header is a 400 (RFC 9112 §3.2; issue 27)
@pytest.mark.parametrize("host,expected", [
    (None, 400), ("localhost", 200), ("127.0.0.1", 200), ("LOCALHOST:{port}", 200),
    ("127.0.0.1:{port}", 200), ("[::1]:{port}", 200),
    ("evil.example", 403), ("evil.example:{port}", 403), ("localhost.evil.example", 403),
    ("127.0.0.1.nip.io:{port}", 403),
])
def test_host_header_must_be_local(server, host, expected):
    """DNS rebinding: a page on another name re-pointed to 127.0.0.1 cannot use the server."""
    u = urlsplit(server)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=10)
    try:
        conn.putrequest("GET", "/sparql?query=ASK%7B%7D", skip_host=True)
        if host is not None:
            conn.putheader("Host", host.format(port=u.port))
        conn.endheaders()
        resp = conn.getresponse()
        assert resp.status == expected, resp.read()
    finally:
        conn.close()
    status, _, body = request(server, "GET", "/api/stats", {"Host": "evil.example"})
    assert status == 403 and "error" in json.loads(body)


def test_connections_beyond_the_cap_get_503(built_project):
    """A connection past the cap closes the one waiting longest on its client (idle here);
    when every connection has a request being answered, the newcomer gets 503."""
    runaway = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    paths = project_paths(built_project)
    with start(store_spec(None, paths), settings=Settings(max_connections=2, timeout=3),
               paths=paths) as running:
        u = urlsplit(running.url)
        idle = socket.create_connection((u.hostname, u.port))
        time.sleep(0.2)
        assert ask(running.url)[0] == 200 and ask(running.url)[0] == 200
        assert idle.recv(4096) == b""           # closed to make room
        busy = [socket.create_connection((u.hostname, u.port)) for _ in range(2)]
        body = runaway.encode()
        try:
            for s in busy:
                s.sendall(b"POST /sparql HTTP/1.1\r\nHost: localhost\r\nContent-Type: "
                          b"application/sparql-query\r\nContent-Length: %d\r\n\r\n%s"
                          % (len(body), body))
            time.sleep(0.5)
            extra = socket.create_connection((u.hostname, u.port), timeout=10)
            answer = extra.recv(4096)
            extra.close()
            assert answer.startswith(b"HTTP/1.1 503 ") and b"too many" in answer
        finally:
            for s in busy + [idle]:
                s.close()
        for _ in range(50):             # the two slots are free again
            try:
                assert_alive(running.url)
                break
            except (AssertionError, OSError):
                time.sleep(0.1)
        assert ask(running.url)[0] == 200


# --- pages, explorer and API ----------------------------------------------------------------
@pytest.fixture
def site(tmp_path, built_project):
    """A project folder with its own competency questions and explorer, over the built store."""
    (tmp_path / "queries" / "cq").mkdir(parents=True)
    (tmp_path / "queries" / "cq" / "cq01-therapies.rq").write_text(
        "# Which CAR-T products are in the graph?\n# (a test question)\n\n"
        "SELECT ?t WHERE { ?t a ckg:CarTCellTherapy }\n")
    (tmp_path / "queries" / "cq" / "cq02-leads-to.rq").write_text(
        "# Question: Which mechanisms lead to a phenotype?\n"
        "# param phenotype: CD19-negative relapse\n"
        "SELECT ?m WHERE { ?m ckg:leadsTo ?phenotype }\n")
    spec = store_spec("oxigraph", project_paths(built_project))
    with start(spec, settings=Settings(timeout=5), paths=project_paths(tmp_path)) as running:
        yield tmp_path, running.url


def test_query_page_lists_competency_questions_read_at_request_time(site):
    root, base = site
    status, headers, body = request(base, "GET", "/query")
    assert status == 200 and headers["content-type"].startswith("text/html")
    assert "Which CAR-T products are in the graph? (a test question)" in body.decode()
    page, prefixes = body.split(b'<script type="application/json" id="prefixes">')
    assert b"http://" not in page.replace(b"http://www.w3.org", b"")   # nothing from outside
    from kg.vocab import PREFIXES                        # namespaces to shorten results with
    assert json.loads(prefixes.split(b"</script>")[0]) == {k: str(v) for k, v in PREFIXES.items()}
    examples = json.loads(body.decode().split('id="examples">')[1].split("</script>")[0])
    leads_to = examples[1]
    assert leads_to["question"] == "Which mechanisms lead to a phenotype?"
    assert "WHERE {\nVALUES (?phenotype) { (<https://w3id.org/cartkg/entity/" \
           "cd19-negative-relapse>) }\n" in leads_to["query"]
    status, _, answer = ask(base, leads_to["query"])
    assert status == 200 and len(json.loads(answer)["results"]["bindings"]) >= 3
    (root / "queries" / "cq" / "cq03-new.rq").write_text("# A question added later?\nASK {}\n")
    status, _, body = request(base, "GET", "/sparql", {"Accept": "text/html"})
    assert status == 200 and "A question added later?" in body.decode()
    status, headers, js = request(base, "GET", "/static/query.js")
    assert status == 200 and "javascript" in headers["content-type"] and b"fetch(" in js


def test_home_is_the_ask_page_and_the_explorer_lives_beneath(site):
    root, base = site
    status, _, body = request(base, "GET", "/")
    assert status == 200 and b"Ask in plain words" in body and b'href="/query"' in body
    assert b'<table class="levels">' in body                       # the legend of the levels
    status, _, body = request(base, "GET", "/explorer/")
    assert status == 200 and b"being written" in body              # not written yet
    explorer = root / "exports" / "explorer"
    (explorer / "entity").mkdir(parents=True)
    (explorer / "index.html").write_text("<html>explorer home</html>")
    (explorer / "entity" / "cd19.html").write_text("<html>CD19</html>")
    assert b"Ask in plain words" in request(base, "GET", "/")[2]
    assert request(base, "GET", "/explorer/")[2] == b"<html>explorer home</html>"
    assert request(base, "GET", "/explorer/entity/cd19.html")[2] == b"<html>CD19</html>"
    assert request(base, "GET", "/entity/cd19.html")[2] == b"<html>CD19</html>"   # old address
    assert request(base, "GET", "/favicon.ico")[0] == 200
    for path in ("/../../etc/passwd", "/%2e%2e/%2e%2e/etc/passwd", "/entity/../../x",
                 "/nothing.html", "/explorer/../../etc/passwd", "/explorer/%2e%2e/x.html"):
        assert request(base, "GET", path)[0] == 404


@pytest.mark.parametrize("api,cli", [
    ("/api/lookup?text=Yescarta", ["lookup", "Yescarta"]),
    ("/api/strategies?text=" + quote("CD19-negative relapse"),
     ["strategies", "CD19-negative relapse"]),
    ("/api/evidence?about=" + quote("TMTV > 80 mL"), ["evidence", "--about", "TMTV > 80 mL"]),
    ("/api/mechanisms?text=" + quote("primary T-cell failure"),
     ["mechanisms", "primary T-cell failure"]),
    ("/api/biomarkers?outcome=long-term&direction=unfavourable",
     ["biomarkers", "--outcome", "long-term", "--direction", "unfavourable"]),
    ("/api/stats", ["stats"]),
    ("/api/references?text=" + quote("Lineage switch"), ["references", "Lineage switch"]),
    ("/api/ask?text=" + quote("patient relapsed CD19-negative after tisa-cel, what options?"),
     ["ask", "patient relapsed CD19-negative after tisa-cel, what options?"]),
    ("/api/ask?text=" + quote("Which strategies apply to CD19-negative relapse?")
     + "&population=adult&disease=DLBCL",
     ["ask", "Which strategies apply to CD19-negative relapse?", "--population", "adult",
      "--disease", "DLBCL"]),
    ("/api/strategies?text=" + quote("CD19-negative relapse") + "&therapy=blinatumomab&disease=DLBCL",
     ["strategies", "CD19-negative relapse", "--therapy", "blinatumomab", "--disease", "DLBCL"]),
    ("/api/assess?findings=" + quote("TP53; tisa-cel"),
     ["assess", "--finding", "TP53", "--finding", "tisa-cel"]),
])
def test_api_gives_the_cli_json(server, built_project, api, cli):
    status, headers, body = request(server, "GET", api)
    done = run_cli(*cli, "--json", home=built_project)
    assert done.returncode == 0, done.stderr
    assert status == 200 and headers["content-type"].startswith("application/json")
    assert body.decode() == done.stdout


def test_api_no_match_and_bad_parameters(server):
    status, _, body = request(server, "GET", "/api/lookup?text=" + quote("Yescarta zzz qqq"))
    assert status == 404 and set(json.loads(body)) == {"error", "candidates"}
    status, _, body = request(server, "GET", "/api/strategies?text=" + quote("CD19-negativ relaps"))
    assert status in (200, 404)
    for path in ("/api/lookup", "/api/lookup?text=a&text=b", "/api/lookup?text=x&bogus=1",
                 "/api/biomarkers?outcome=soon"):
        status, _, body = request(server, "GET", path)
        assert status == 400, path
        assert "error" in json.loads(body)
    status, _, body = request(server, "GET", "/api/nothing")
    assert status == 404 and "/api/lookup" in json.loads(body)["candidates"]


# --- load ----------------------------------------------------------------------------------
def test_load_16_clients_for_20_seconds(server):
    """16 concurrent keep-alive clients for 20 s on loopback: no errors at all."""
    paths = ["/sparql?query=" + quote(SELECT), "/sparql?query=" + quote("ASK { ?s a ckg:Strategy }"),
             "/api/lookup?text=Yescarta"]
    deadline = time.monotonic() + 20
    counts, errors = [0] * 16, []

    def client(i: int) -> None:
        u = urlsplit(server)
        conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
        n = 0
        try:
            while time.monotonic() < deadline:
                path = paths[n % len(paths)]
                conn.request("GET", path, headers={"Accept": "text/csv"} if n % 2 else {})
                resp = conn.getresponse()
                body = resp.read()
                if resp.status != 200 or not body:
                    errors.append((path, resp.status, body[:200]))
                n += 1
        except OSError as exc:
            errors.append(("connection", repr(exc)))
        finally:
            conn.close()
            counts[i] = n

    threads = [threading.Thread(target=client, args=(i,)) for i in range(16)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    elapsed = time.monotonic() - started
    total = sum(counts)
    print(f"\nload: {total} requests in {elapsed:.1f} s = {total / elapsed:.0f} requests/s, "
          f"{len(errors)} errors")
    assert not errors, errors[:5]
    assert min(counts) > 0 and total > 200
    assert_alive(server)


# --- the CLI ------------------------------------------------------------------------------------
def _cmdline(pid: str) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:                                     # it has ended meanwhile
        return b""


def _worker_limits(pid: int) -> list[str]:
    """The 'Max address space' line of each worker process of server ``pid``."""
    children = [c for task in Path(f"/proc/{pid}/task").iterdir()   # any thread's children
                for c in (task / "children").read_text().split()
                if b"kg.server.worker" in _cmdline(c)]          # not the explorer's writer
    return [line for c in children for line in Path(f"/proc/{c}/limits").read_text().splitlines()
            if line.startswith("Max address space")]


@pytest.mark.parametrize("options,store_dir,workers,limit", [
    ([], False, 2, str(2048 << 20)),
    (["--store", "oxigraph", "--workers", "1", "--memory-limit", "0"], True, 1, "unlimited"),
])
def test_cartkg_serve_command(tmp_path, built_project, options, store_dir, workers, limit):
    """By default each worker holds the graph in memory (no on-disk store is opened or
    made); ``--store oxigraph`` answers from disk."""
    import shutil
    home = tmp_path / "home"
    shutil.copytree(built_project, home, ignore=shutil.ignore_patterns("store"))
    assert not (home / "exports" / "store").exists()
    (home / "exports" / "explorer").mkdir(exist_ok=True)
    (home / "exports" / "explorer" / "index.html").write_text("<html>explorer</html>")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--port", str(port),
                             "--timeout", "3", *options], cwd=REPO, stderr=subprocess.PIPE,
                            text=True, env={**os.environ, "CARTKG_HOME": str(home),
                                            "CARTKG_STORE": "oxigraph"})
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                status, _, body = ask(base, "ASK { ?s a ckg:Strategy }", timeout=5)
                break
            except OSError:
                time.sleep(0.2)
        assert status == 200 and json.loads(body)["boolean"] is True
        status, _, _ = request(base, "POST", "/sparql",
                               {"Content-Type": "application/sparql-update"}, b"CLEAR ALL")
        assert status == 403
        assert (home / "exports" / "store").exists() is store_dir
        expected = [[limit, limit]] * (workers + 1)     # and the spare (kg.server.pool)
        for _ in range(100):                            # the spare may still be starting
            if [line.split()[3:5] for line in _worker_limits(proc.pid)] == expected:
                break
            time.sleep(0.1)
        assert [line.split()[3:5] for line in _worker_limits(proc.pid)] == expected
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert f"http://127.0.0.1:{port}/sparql" in err and "read-only" in err
    assert ("from disk" if store_dir else "graph in memory") in err


def test_access_log_keeps_every_request_in_order_and_is_written_promptly(capsys):
    """Lines are batched (one write per 0.2 s or 256 lines) but none is lost or reordered, a
    lone request is logged within a second, and what is waiting is written at shutdown."""
    with start(StoreSpec(), settings=Settings(verbose=True, workers=1)) as server:
        for n in range(300):
            status, _, _ = request(server.url, "GET", f"/sparql?query=ASK%7B%7D&n={n}")
            assert status == 200
        time.sleep(1)
        lines = [line for line in capsys.readouterr().err.splitlines() if "/sparql?" in line]
        assert [line.split("&n=")[1].split()[0] for line in lines] == [str(n) for n in range(300)]
        request(server.url, "GET", "/sparql?query=ASK%7B%7D&n=lone")
        time.sleep(1)
        assert "&n=lone HTTP/1.1\" 200 -" in capsys.readouterr().err
        request(server.url, "GET", "/sparql?query=ASK%7B%7D&n=last")
    assert "&n=last HTTP/1.1\" 200 -" in capsys.readouterr().err


def test_store_spec_defaults_to_memory(built_project):
    paths = project_paths(built_project)
    assert store_spec(None, paths) == StoreSpec(graphs=((str(paths.exports / "cartkg.nt"), None),))
    assert store_spec("oxigraph", paths) == StoreSpec(path=str(paths.store))


# --- the HTTP layer on raw sockets ------------------------------------------------------------
def _raw(base: str, data: bytes, until_closed: bool = True, timeout: float = 10) -> bytes:
    u = urlsplit(base)
    with socket.create_connection((u.hostname, u.port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        while True:
            try:
                chunk = s.recv(65536)
            except socket.timeout:
                assert not until_closed, out
                return out
            if not chunk:
                return out
            out += chunk


def test_pipelined_requests_are_answered_in_order(server):
    ask_ = "GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: localhost\r\n\r\n"
    post = ("POST /sparql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/sparql-query"
            "\r\nContent-Length: 30\r\n\r\nASK { ?s a ckg:NothingAtAll }\n")
    out = _raw(server, (ask_ + post + ask_.replace("1.1\r\n", "1.1\r\nConnection: close\r\n"))
               .encode())
    answers = out.split(b"HTTP/1.1 ")[1:]
    assert [a[:3] for a in answers] == [b"200"] * 3
    assert [json.loads(a.split(b"\r\n\r\n", 1)[1])["boolean"] for a in answers] == \
        [True, False, True]
    assert answers[-1].count(b"Connection: close") == 1


@pytest.mark.parametrize("head,status", [
    (b"GARBAGE\r\n\r\n", 400), (b"GET /sparql HTTP/2.0\r\n\r\n", 505),
    (b"GET /sparql HTTP/x.y\r\n\r\n", 400), (b"BREW /sparql HTTP/1.1\r\n\r\n", 501),
    (b"GET /sparql HTTP/1.1\r\nno colon here\r\n\r\n", 400),
    (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\n\r\n", 414),
])
def test_unparsable_requests_are_answered_and_closed(server, head, status):
    out = _raw(server, head)
    assert out.startswith(b"HTTP/1.1 %d " % status) and b"Connection: close" in out
    assert_alive(server)


def test_http_10_closes_and_expect_continue_and_drained_413_keep_alive(server):
    out = _raw(server, b"GET /sparql?query=ASK%7B%7D HTTP/1.0\r\n\r\n")
    assert out.startswith(b"HTTP/1.1 200 ") and out.endswith(b"}")
    u = urlsplit(server)
    with socket.create_connection((u.hostname, u.port), timeout=10) as s:
        s.sendall(b"POST /sparql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/"
                  b"sparql-query\r\nContent-Length: 6\r\nExpect: 100-continue\r\n\r\n")
        assert s.recv(100) == b"HTTP/1.1 100 Continue\r\n\r\n"
        s.sendall(b"ASK {}")
        first = s.recv(4096)
        assert first.startswith(b"HTTP/1.1 200 ") and b"Connection: close" not in first
        big = (1 << 20) + 10          # over the 1 MB cap, dropped; the connection goes on
        s.sendall(b"POST /sparql HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/"
                  b"sparql-query\r\nContent-Length: %d\r\n\r\n" % big + b" " * big +
                  b"GET /sparql?query=ASK%7B%7D HTTP/1.1\r\nHost: localhost\r\n"
                  b"Connection: close\r\n\r\n")
        out = b""
        while chunk := s.recv(65536):
            out += chunk
    assert out.startswith(b"HTTP/1.1 413 ") and b"HTTP/1.1 200 " in out
