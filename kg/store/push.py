"""``cartkg push --endpoint URL``: load the built graph (``exports/cartkg.nt``) into the default
graph of a remote store, then check that the store holds as many triples.

The Graph Store Protocol is tried first (PUT, then POST of further batches, to the store URL:
``…/store`` beside ``…/query`` or ``…/sparql``, or the URL itself when it ends in ``/store``);
when the endpoint has none, batched SPARQL Update (``CLEAR SILENT DEFAULT``, ``INSERT DATA``).

An endpoint URL with a ``default-graph-uri`` parameter (``…/sparql?default-graph-uri=G``) names
a graph to load instead of the default graph: for stores whose default graph is the union of
all graphs, such as Virtuoso, which also holds its own system graphs there. The graph is then
replaced by ``?graph=G`` or ``CLEAR SILENT GRAPH <G>`` + ``INSERT DATA { GRAPH <G> {…} }``
(the update goes to the URL without the parameter), and the triples are counted through the
URL as given, so in G alone; every query command given the same URL reads G alone too.
Triples sharing a blank node always travel in the same batch, so blank nodes keep their
identity. Exit 0 when the counts match, 1 when they do not (or the store refused the data),
2 when the endpoint cannot be reached.

>>> endpoint_urls("http://127.0.0.1:7878")
('http://127.0.0.1:7878/query', 'http://127.0.0.1:7878/update', 'http://127.0.0.1:7878/store')
>>> endpoint_urls("http://h/ds/sparql")
('http://h/ds/sparql', 'http://h/ds/sparql', 'http://h/ds/store')
>>> target_graph("http://h:8890/sparql?default-graph-uri=https%3A%2F%2Fw3id.org%2Fcartkg%2Fgraph")
'https://w3id.org/cartkg/graph'
"""
from __future__ import annotations

import sys
import urllib.error
import urllib.request
from pathlib import Path
from urllib.parse import quote, urlsplit, urlunsplit

from kg.errors import EXIT_INVALID, EXIT_OK, EXIT_RUNTIME, KgError
from kg.store.local import IRI

BATCH_TRIPLES = 2000
BLANK_BATCH_TRIPLES = 100
NO_GRAPH_STORE = (400, 404, 405, 415, 501)   # statuses meaning "no Graph Store here"


class Unreachable(Exception):
    pass


def endpoint_urls(endpoint: str) -> tuple[str, str, str]:
    """``(query URL, update URL, graph store URL)`` for an endpoint or server URL."""
    split = urlsplit(endpoint)
    path = split.path.rstrip("/")
    base, _, last = path.rpartition("/")
    at = lambda p: urlunsplit((split.scheme, split.netloc, p, "", ""))  # noqa: E731
    if not path:
        return at("/query"), at("/update"), at("/store")
    if last in ("query", "update", "store"):
        return at(base + "/query"), at(base + "/update"), at(base + "/store") + \
            (f"?{split.query}" if last == "store" and split.query else "")
    return endpoint, endpoint, at(base + "/store")


def target_graph(endpoint: str) -> str | None:
    """The graph the endpoint URL's ``default-graph-uri`` parameter names, if any (checked
    by ``push_graph`` to be an IRI before it is written into an update)."""
    from urllib.parse import parse_qs
    graphs = parse_qs(urlsplit(endpoint).query).get("default-graph-uri", [])
    return graphs[0] if graphs else None


def batches(triples: list, size: int = BATCH_TRIPLES) -> list[list]:
    """``triples`` cut into batches of about ``size``; those sharing a blank node stay together."""
    import pyoxigraph as ox
    parent: dict[str, str] = {}

    def find(x: str) -> str:
        while parent.setdefault(x, x) != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    nodes = [[t.value for t in (tr.subject, tr.object) if isinstance(t, ox.BlankNode)]
             for tr in triples]
    for bn in nodes:
        for other in bn[1:]:
            parent[find(bn[0])] = find(other)
    groups: dict[object, list] = {}
    for i, (tr, bn) in enumerate(zip(triples, nodes)):
        groups.setdefault(find(bn[0]) if bn else i, []).append(tr)
    out: list[list] = [[]]
    for group in groups.values():
        if out[-1] and len(out[-1]) + len(group) > size:
            out.append([])
        out[-1].extend(group)
    return [b for b in out if b]


def upload_batches(triples: list) -> list[list]:
    """Batches to upload: triples without blank nodes in batches of BATCH_TRIPLES, then those
    with blank nodes (a few OWL axioms) in batches of BLANK_BATCH_TRIPLES, small enough for
    the template inserts they need (Virtuoso compiles a template to SQL of bounded length)."""
    import pyoxigraph as ox
    blank = [t for t in triples if isinstance(t.subject, ox.BlankNode)
             or isinstance(t.object, ox.BlankNode)]
    plain = [t for t in triples if not (isinstance(t.subject, ox.BlankNode)
                                        or isinstance(t.object, ox.BlankNode))]
    return batches(plain) + batches(blank, BLANK_BATCH_TRIPLES)


def _send(url: str, method: str, body: bytes, ctype: str) -> int:
    req = urllib.request.Request(url, data=body, method=method, headers={"Content-Type": ctype})
    try:
        with urllib.request.urlopen(req, timeout=120) as resp:
            resp.read()
            return resp.status
    except urllib.error.HTTPError as exc:
        detail = exc.read().decode("utf-8", "replace").strip()[:300]
        print(f"[push] {method} {url}: {exc.code} {detail}", file=sys.stderr)
        return exc.code
    except (urllib.error.URLError, OSError) as exc:
        raise Unreachable(f"cannot reach {url}: {getattr(exc, 'reason', exc)}") from exc


def _upload(parts: list[list], total: int, send) -> bool:
    """Send each batch with ``send(batch, n-triples bytes)``; False when one is refused."""
    import pyoxigraph as ox
    done = 0
    for part in parts:
        status = send(part, ox.serialize(part, format=ox.RdfFormat.N_TRIPLES))
        if status >= 300:
            return False
        done += len(part)
        print(f"[push] {done}/{total} triples", file=sys.stderr)
    return True


def push_graph(endpoint: str, nt: Path) -> int:
    import pyoxigraph as ox
    if not nt.exists():
        print(f"cartkg push: {nt} is missing: run 'cartkg build' first", file=sys.stderr)
        return EXIT_RUNTIME
    triples = list(dict.fromkeys(ox.parse(path=str(nt), format=ox.RdfFormat.N_TRIPLES)))
    parts = upload_batches(triples)
    graph = target_graph(endpoint)
    if graph is not None and not (graph.startswith(("http://", "https://")) and IRI.match(graph)):
        print(f"cartkg push: default-graph-uri {graph!r} is not an http(s) IRI", file=sys.stderr)
        return EXIT_RUNTIME
    plain = urlunsplit(urlsplit(endpoint)._replace(query="")) if graph else endpoint
    _, update_url, store_url = endpoint_urls(plain)
    query_url = endpoint_urls(endpoint)[0] if not graph else endpoint
    graph_url = store_url + ("&" if "?" in store_url else "?") + \
        (f"graph={quote(graph, safe='')}" if graph else "default")
    target = f"GRAPH <{graph}>" if graph else "DEFAULT"

    def wrap(part: list, data: bytes) -> bytes:
        """The update that inserts one batch. A batch holding blank nodes is inserted by a
        template (``INSERT {…} WHERE {}``): Virtuoso refuses blank nodes in INSERT DATA, and
        one template instantiation keeps each blank node one node within the batch."""
        body = b"GRAPH <" + graph.encode() + b"> {\n" + data + b"}" if graph else data
        blank = any(isinstance(t.subject, ox.BlankNode) or isinstance(t.object, ox.BlankNode)
                    for t in part)
        return b"INSERT {\n" + body + b"\n} WHERE {}" if blank \
            else b"INSERT DATA {\n" + body + b"\n}"
    try:
        print(f"[push] {len(triples)} triples from {nt.name} → {graph_url} "
              "(Graph Store Protocol)", file=sys.stderr)
        first = _send(graph_url, "PUT", b"", "application/n-triples")
        if first in NO_GRAPH_STORE:
            print(f"[push] no Graph Store there; SPARQL Update to {update_url}", file=sys.stderr)
            ok = _send(update_url, "POST", f"CLEAR SILENT {target}".encode(),
                       "application/sparql-update") < 300 and \
                _upload(parts, len(triples), lambda part, data: _send(
                    update_url, "POST", wrap(part, data), "application/sparql-update"))
        else:
            ok = first < 300 and _upload(parts, len(triples), lambda part, data: _send(
                graph_url, "POST", data, "application/n-triples"))
        if not ok:
            print("cartkg push: the store refused the data", file=sys.stderr)
            return EXIT_INVALID
        from kg.store.remote import RemoteStore
        count = RemoteStore(query_url).query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
        remote = int(count.rows[0]["n"].value)
    except Unreachable as exc:
        print(f"cartkg push: {exc}", file=sys.stderr)
        return EXIT_RUNTIME
    except KgError as exc:
        print(f"cartkg push: counting the remote triples failed: {exc}", file=sys.stderr)
        return exc.exit_code
    if remote != len(triples):
        print(f"cartkg push: the store holds {remote} triples in "
              f"{f'graph <{graph}>' if graph else 'its default graph'}, "
              f"expected {len(triples)}", file=sys.stderr)
        return EXIT_INVALID
    print(f"[push] ok: {remote} triples in "
          f"{f'graph <{graph}>' if graph else 'the default graph'} of {endpoint}", file=sys.stderr)
    return EXIT_OK
