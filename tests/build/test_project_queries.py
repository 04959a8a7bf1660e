"""A cloned project's own query files (QC checks, competency questions) get no more than a
stranger's query at the endpoint: SERVICE or LOAD in one is refused before anything runs,
with the file named, and the address it names receives nothing."""
from __future__ import annotations

import socket
import threading

from projectcopy import run_cli


def _listener():
    """A loopback listener and a list that records every connection it accepts."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    sock.settimeout(0.2)
    contacts, stop = [], threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = sock.accept()
            except OSError:
                continue
            contacts.append(conn.recv(1024))
            conn.close()
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return sock.getsockname()[1], contacts, lambda: (stop.set(), thread.join(), sock.close())


def test_a_check_query_with_service_stops_the_build_and_fetches_nothing(project_copy):
    port, contacts, close = _listener()
    check = project_copy / "queries" / "checks" / "planted-violation.rq"
    check.write_text(f"# planted\nSELECT ?s WHERE {{ SERVICE <http://127.0.0.1:{port}/sparql> "
                     "{ ?s ?p ?o } }\n", encoding="utf-8")
    try:
        r = run_cli("build", "--reasoner", "none", "--no-figures", "--no-readme",
                    home=project_copy)
    finally:
        close()
    assert r.returncode == 1, r.stderr
    assert "planted-violation.rq" in r.stderr and "SERVICE" in r.stderr
    assert "Traceback" not in r.stderr
    assert contacts == []


def test_a_competency_question_with_load_is_refused(project_copy):
    port, contacts, close = _listener()
    cq = project_copy / "queries" / "cq" / "planted.rq"
    cq.write_text(f"# Q: planted\nLOAD <http://127.0.0.1:{port}/data.ttl>\n", encoding="utf-8")
    try:
        r = run_cli("cq", "planted", home=project_copy)
    finally:
        close()
    assert r.returncode == 1, r.stderr
    assert "planted.rq" in r.stderr and "Traceback" not in r.stderr
    assert contacts == []
