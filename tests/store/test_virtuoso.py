"""A second real engine: OpenLink Virtuoso (Debian package ``virtuoso-opensource``), started here
on 127.0.0.1 on free ports with a temporary database, loaded with ``cartkg push`` and asked every
competency question and the question commands with ``--endpoint``; the answers must equal the
local store's.

Virtuoso's default graph is the union of all its graphs, its own system graphs included, so
the graph is pushed into a named graph, named by the endpoint URL's ``default-graph-uri``
parameter; the same URL then confines every query to it. Its SPARQL endpoint accepts SPARQL
Update once the ``SPARQL`` user is granted ``SPARQL_UPDATE`` (done here through ``isql-vt``,
as the administrator of the temporary database).
"""
from __future__ import annotations

import json
import shutil
import subprocess
import time
import urllib.parse
import urllib.request

import pytest

from projectcopy import REPO, run_cli
from test_remote import assert_cq_agrees, free_port

from kg.store.remote import RemoteStore

CQ_FILES = sorted((REPO / "queries" / "cq").glob("*.rq"))
GRAPH = "https://w3id.org/cartkg/graph"
START_TIMEOUT_S = 90

INI = """[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
ErrorLogLevel = 7
FileExtend = 200
MaxCheckpointRemap = 2000
Striping = 0
TempStorage = TempDatabase

[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
MaxCheckpointRemap = 2000
Striping = 0

[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
DirsAllowed = ., {d}
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
CheckpointInterval = 0
MaxQueryMem = 500M

[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
MaxClientConnections = 4
ServerThreads = 4

[SPARQL]
ResultSetMaxRows = 1000000
MaxQueryExecutionTime = 60
"""


def _wait(url: str, proc: subprocess.Popen, log) -> None:
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"virtuoso-t exited with {proc.returncode}: {log.read_text()[-2000:]}")
        try:
            urllib.request.urlopen(url + "?query=" + urllib.parse.quote("ASK {}"), timeout=2).read()
            return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"Virtuoso did not answer within {START_TIMEOUT_S} s")


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory, built_project):
    """A real Virtuoso on 127.0.0.1 with a fresh database, the built graph pushed into it."""
    binary, isql = shutil.which("virtuoso-t"), shutil.which("isql-vt")
    if binary is None or isql is None:
        pytest.skip("Virtuoso is not installed (Debian: apt-get install virtuoso-opensource)")
    folder = tmp_path_factory.mktemp("virtuoso")
    sql, http = free_port(), free_port()
    (folder / "virtuoso.ini").write_text(INI.format(d=folder, sql=sql, http=http))
    log = folder / "console.txt"
    proc = subprocess.Popen([binary, "+foreground", "+configfile", str(folder / "virtuoso.ini")],
                            cwd=folder, stdout=open(log, "w"), stderr=subprocess.STDOUT)
    try:
        sparql = f"http://127.0.0.1:{http}/sparql"
        _wait(sparql, proc, log)
        grant = subprocess.run([isql, f"127.0.0.1:{sql}", "dba", "dba",
                                'exec=GRANT SPARQL_UPDATE TO "SPARQL";'],
                               capture_output=True, text=True, timeout=60)
        assert grant.returncode == 0, grant.stdout + grant.stderr
        endpoint = f"{sparql}?default-graph-uri={urllib.parse.quote(GRAPH, safe='')}"
        pushed = run_cli("push", "--endpoint", endpoint, home=built_project)
        yield endpoint, pushed
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(10)


def test_push_into_virtuoso(virtuoso, store):
    endpoint, pushed = virtuoso
    assert pushed.returncode == 0, pushed.stderr[-2000:]
    assert "SPARQL Update" in pushed.stderr and f"graph <{GRAPH}>" in pushed.stderr
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    local = int(store.query(count).rows[0]["n"].value)
    assert int(RemoteStore(endpoint).query(count).rows[0]["n"].value) == local


def test_push_into_virtuoso_again_replaces_the_graph(virtuoso, built_project, store):
    endpoint, _ = virtuoso
    again = run_cli("push", "--endpoint", endpoint, home=built_project)
    assert again.returncode == 0, again.stderr[-2000:]


@pytest.mark.parametrize("path", CQ_FILES, ids=[p.stem for p in CQ_FILES])
def test_competency_questions_on_virtuoso(virtuoso, store, built_project, path):
    assert_cq_agrees(store, RemoteStore(virtuoso[0]), built_project, path)


@pytest.mark.parametrize("args", [
    ["lookup", "Yescarta"],
    ["lookup", "CD19-negative relapse"],
    ["strategies", "CD19-negative relapse"],
    ["strategies", "primary T-cell failure"],
    ["evidence", "--about", "TMTV > 80 mL"],
    ["evidence", "--source", "10.2991/chi.d.190219.001"],
    ["mechanisms", "CD19-negative relapse"],
    ["mechanisms", "primary T-cell failure"],
    ["biomarkers"],
    ["biomarkers", "--outcome", "long-term", "--direction", "unfavourable"],
    ["assess", "--finding", "Elevated LDH", "--finding", "CD19-negative relapse"],
    ["stats"],
])
def test_question_commands_on_virtuoso(virtuoso, built_project, args):
    embedded = run_cli(*args, "--json", home=built_project)
    remote = run_cli(*args, "--json", "--endpoint", virtuoso[0], home=built_project)
    assert embedded.returncode == remote.returncode == 0, remote.stderr[-2000:]
    assert json.loads(remote.stdout) == json.loads(embedded.stdout)
