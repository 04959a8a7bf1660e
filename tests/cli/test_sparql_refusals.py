"""``cartkg sparql`` refuses what the server refuses (issue 27): SERVICE and LOAD (unless
``--allow-service``), and texts that chain or nest deeper than the engine's stack, with a
clear message and exit 1; run as a real subprocess against a loopback listener that must
receive nothing."""
from __future__ import annotations

import socket
import threading

import pytest

from projectcopy import run_cli


class Listener:
    """A TCP listener on 127.0.0.1 that counts the connections made to it."""

    def __init__(self):
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.hits = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.hits += 1
            conn.close()


@pytest.fixture
def listener():
    one = Listener()
    yield one
    one.sock.close()


def test_service_is_refused_and_never_connects(built_project, listener):
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/sparql> {{ ?s ?p ?o }} }}"
    for text in (query, query.replace("SERVICE", "s\\u0045rvice")):
        r = run_cli("sparql", text, home=built_project)
        assert r.returncode == 1, r.stderr
        assert "SERVICE" in r.stderr and "--allow-service" in r.stderr, r.stderr
        assert "Traceback" not in r.stderr and "permissions" not in r.stderr
    assert listener.hits == 0


def test_allow_service_lets_it_fetch_and_a_failure_is_named_honestly(built_project, listener):
    query = f"SELECT * WHERE {{ SERVICE <http://127.0.0.1:{listener.port}/sparql> {{ ?s ?p ?o }} }}"
    r = run_cli("sparql", query, "--allow-service", home=built_project)
    assert listener.hits >= 1
    assert r.returncode == 1 and "evaluation failed" in r.stderr, r.stderr
    assert "permissions" not in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("text", [
    "SELECT (1" + "+1" * 9999 + " AS ?x) WHERE {}",
    "SELECT * WHERE { FILTER(true" + " || true" * 10000 + ") }",
    "SELECT * WHERE { FILTER(true" + " && true" * 10000 + ") }",
    "SELECT * WHERE { ?s <http://e/p> ?o" + " ; <http://e/p> ?o" * 10000 + " }",
    "SELECT * WHERE { ?s <http://e/p>" + "/<http://e/p>" * 10000 + " ?o }",
    "SELECT * WHERE " + "{" * 2500 + "}" * 2500,
])
def test_deep_chains_and_nesting_exit_1_without_a_crash(built_project, tmp_path, text):
    query = tmp_path / "deep.rq"
    query.write_text(text)
    for extra in ((), ("--allow-service",)):
        r = run_cli("sparql", str(query), *extra, home=built_project)
        assert r.returncode == 1, (r.returncode, r.stderr[-500:])
        assert "too deeply" in r.stderr and "Traceback" not in r.stderr
