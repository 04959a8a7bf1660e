"""Remote engines: ``cartkg push`` into a real Oxigraph server (the ``oxigraph`` package's
binary, started here on 127.0.0.1), then every competency question and the CLI's questions
answered remotely (``--endpoint``) exactly as embedded; bindings sent as safe VALUES blocks;
push by SPARQL Update into ``cartkg serve --allow-update``.
"""
from __future__ import annotations

import json
import socket
import subprocess
import time
import urllib.request
from collections import Counter
from pathlib import Path

import pytest

from projectcopy import REPO, run_cli

from kg.paths import project_paths
from kg.store.remote import RemoteStore
from kg.server.run import Settings, StoreSpec, start, store_spec
from kg.store.local import QueryError, Term
from kg.vocab import ENT

CQ_FILES = sorted((REPO / "queries" / "cq").glob("*.rq"))


def assert_cq_agrees(store, remote: RemoteStore, project: Path, path: Path) -> None:
    """The competency question in ``path`` gives the same rows (as a multiset) from
    ``remote`` as from the local ``store``, and some rows."""
    from kg.answers import cq
    question = cq.load_cqs(project_paths(project)).get(path.stem)
    if question is None:
        pytest.skip(f"{path.name} was added after this test session built the project")
    local = cq.run_cq(store, question)
    assert local
    canon = lambda rows: Counter(json.dumps(r, sort_keys=True) for r in rows)  # noqa: E731
    assert canon(cq.run_cq(remote, question)) == canon(local)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def oxigraph(tmp_path_factory, built_project):
    """A real Oxigraph server holding the built graph, pushed with ``cartkg push``."""
    from kg.paths import installed_tool
    binary = installed_tool("oxigraph")      # a test dependency: missing is a failure
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    proc = subprocess.Popen([binary, "serve", "--location", str(tmp_path_factory.mktemp("oxi")),
                             "--bind", f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE)
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(base + "/query?query=ASK%7B%7D", timeout=2).read()
                break
            except OSError:
                time.sleep(0.1)
        pushed = run_cli("push", "--endpoint", base, home=built_project)
        yield base, pushed
    finally:
        proc.terminate()
        proc.wait(10)


def _key(term: Term) -> str:
    """A term as SPARQL JSON, blank nodes made anonymous (their labels are the store's own)
    and the datatype of language-tagged strings left implicit as the format has it."""
    if term.type == "bnode":
        return "_:"
    as_json = term.as_json()
    if "xml:lang" in as_json:
        as_json.pop("datatype", None)
    return json.dumps(as_json, sort_keys=True)


def _rows(result) -> Counter:
    return Counter(tuple(sorted((k, _key(v)) for k, v in row.items())) for row in result.rows)


def test_push_loads_every_triple(oxigraph, store):
    base, pushed = oxigraph
    assert pushed.returncode == 0, pushed.stderr
    assert "[push]" in pushed.stderr and "ok:" in pushed.stderr
    local = int(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0]["n"].value)
    remote = RemoteStore(base + "/query").query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(remote.rows[0]["n"].value) == local


def test_push_again_replaces_rather_than_adds(oxigraph, built_project):
    base, _ = oxigraph
    again = run_cli("push", "--endpoint", base + "/query", home=built_project)
    assert again.returncode == 0, again.stderr


def test_push_to_an_unreachable_endpoint_exits_2(built_project):
    done = run_cli("push", "--endpoint", f"http://127.0.0.1:{free_port()}", home=built_project)
    assert done.returncode == 2 and "cannot reach" in done.stderr


@pytest.mark.parametrize("path", CQ_FILES or [None], ids=[p.stem for p in CQ_FILES] or ["none"])
def test_competency_questions_remote_as_embedded(oxigraph, store, built_project, path):
    """Each competency question, its parameters bound to their default entities (a VALUES
    block remotely, substitution embedded), gives the same rows."""
    if path is None:
        pytest.skip("no competency questions in queries/cq yet")
    assert_cq_agrees(store, RemoteStore(oxigraph[0] + "/query"), built_project, path)


@pytest.mark.parametrize("args", [
    ["lookup", "Yescarta"],
    ["lookup", "CD19-negative relapse"],
    ["strategies", "CD19-negative relapse"],
    ["evidence", "--about", "TMTV > 80 mL"],
    ["mechanisms", "primary T-cell failure"],
    ["stats"],
])
def test_cli_questions_remote_as_embedded(oxigraph, built_project, args):
    base, _ = oxigraph
    embedded = run_cli(*args, "--json", home=built_project)
    remote = run_cli(*args, "--json", "--endpoint", base + "/query", home=built_project)
    assert embedded.returncode == remote.returncode == 0, remote.stderr
    assert json.loads(remote.stdout) == json.loads(embedded.stdout)


def test_bindings_are_sent_as_values(oxigraph, store):
    remote = RemoteStore(oxigraph[0] + "/query")
    query = "SELECT ?label WHERE { ?e rdfs:label ?label }"
    binding = {"e": Term.iri(ENT["cd19"])}
    assert remote.query(query, binding).values("label") == ["CD19"]   # ?e not projected
    projected = "SELECT ?e ?label WHERE { ?e rdfs:label ?label }"
    assert _rows(remote.query(projected, binding)) == _rows(store.query(projected, binding))
    hostile = Term.literal('x" } } ; DROP ALL ; SELECT * { "', lang="en")
    echo = remote.query("SELECT ?x WHERE {}", {"x": hostile})
    assert echo.rows == [{"x": hostile}]
    for name, term in (("e", Term.iri("http://x> } ; DROP ALL ; <y")),
                       ("e", Term.literal("x", lang="en } DROP ALL")),
                       ("e", Term("bnode", "b0")), ("e } DROP ALL", Term.iri("http://x"))):
        with pytest.raises(QueryError, match="cannot bind"):
            remote.query(query, {name: term})
    triples = remote.query("CONSTRUCT { ?e rdfs:label ?l } WHERE { ?e rdfs:label ?l }",
                           binding).triples
    assert [t[2].value for t in triples] == ["CD19"]


def test_remote_cli_against_cartkg_serve(built_project):
    """``--endpoint`` works against this project's own server too."""
    paths = project_paths(built_project)
    with start(store_spec("oxigraph", paths), paths=paths) as server:
        embedded = run_cli("lookup", "Yescarta", "--json", home=built_project)
        remote = run_cli("lookup", "Yescarta", "--json", "--endpoint", server.endpoint,
                         home=built_project)
    assert remote.returncode == 0, remote.stderr
    assert remote.stdout == embedded.stdout


def test_push_by_sparql_update_into_cartkg_serve(built_project, store):
    """A server without a Graph Store (``cartkg serve --allow-update``): batched updates."""
    settings = Settings(timeout=30, allow_update=True)
    with start(StoreSpec(prefixes=False), settings=settings,
               paths=project_paths(built_project)) as server:
        done = run_cli("push", "--endpoint", server.endpoint, home=built_project)
        count = RemoteStore(server.endpoint).query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert done.returncode == 0, done.stderr
    assert "SPARQL Update" in done.stderr
    local = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0]["n"].value
    assert count.rows[0]["n"].value == local


def test_blank_node_groups_stay_in_one_batch(built_project):
    import pyoxigraph as ox
    from kg.store.push import batches
    triples = list(ox.parse(path=str(Path(built_project) / "exports" / "cartkg.nt"),
                            format=ox.RdfFormat.N_TRIPLES))
    where: dict[str, set[int]] = {}
    parts = batches(triples, 300)
    for i, part in enumerate(parts):
        for t in part:
            for term in (t.subject, t.object):
                if isinstance(term, ox.BlankNode):
                    where.setdefault(term.value, set()).add(i)
    assert len(parts) > 10 and sum(map(len, parts)) == len(triples)
    assert where and all(len(batch) == 1 for batch in where.values())
