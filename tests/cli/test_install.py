"""A non-editable install (a wheel built from this checkout) answers questions from any folder,
from the graph built into the package, and refuses to write outside a project."""
from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile

import pytest

from projectcopy import REPO

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The wheel of this checkout, unpacked into a folder of its own (its dependencies are
    the ones this interpreter has)."""
    tmp = tmp_path_factory.mktemp("install")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w",
                    str(tmp / "wheel"), str(REPO)], check=True, capture_output=True, timeout=600)
    wheel = next((tmp / "wheel").glob("cartkg-*.whl"))
    subprocess.run([sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target",
                    str(tmp / "site"), str(wheel)], check=True, capture_output=True, timeout=600)
    return tmp, wheel


def _cartkg(tmp, *args):
    env = {k: v for k, v in os.environ.items() if k not in ("CARTKG_HOME", "CARTKG_STORE")}
    env["PYTHONPATH"] = str(tmp / "site")
    elsewhere = tmp / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    return subprocess.run([sys.executable, "-m", "kg", *args], cwd=elsewhere, env=env,
                          capture_output=True, text=True, timeout=300)


def test_the_wheel_carries_the_built_graph_and_what_questions_need(installed):
    _, wheel = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    assert "kg/packaged/exports/cartkg.nt" in names
    assert "kg/packaged/queries/cq/strategies-for-phenotype.rq" in names
    assert "kg/static/explorer/explorer.js" in names
    licence = [n for n in names if n.startswith("cartkg-") and n.endswith("/LICENSE")]
    assert licence, "the wheel carries no LICENSE"
    text = zipfile.ZipFile(wheel).read(licence[0]).decode("utf-8")
    assert text.startswith("MIT License") and "CC BY-NC 4.0" in text


def test_installed_package_answers_outside_any_checkout(installed):
    tmp, _ = installed
    out = _cartkg(tmp, "strategies", "CD19-negative relapse", "--json")
    assert out.returncode == 0, out.stderr
    assert "graph built into the package" in out.stderr
    answer = json.loads(out.stdout)
    assert answer and all(row["category"] == "strategy" for row in answer)
    where = _cartkg(tmp, "sparql", "ASK { ?s ?p ?o }", "--json")
    assert json.loads(where.stdout)["boolean"] is True
    code = "import kg, sys; print(kg.__file__)"
    env = {**os.environ, "PYTHONPATH": str(tmp / "site")}
    loaded = subprocess.run([sys.executable, "-c", code], cwd=tmp, env=env, capture_output=True,
                            text=True).stdout
    assert loaded.startswith(str(tmp / "site")), "the test must run the installed copy"


def test_installed_package_refuses_to_write_outside_a_project(installed):
    tmp, _ = installed
    out = _cartkg(tmp, "build")
    assert out.returncode == 2 and "--project" in out.stderr and "Traceback" not in out.stderr


def _files(folder):
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*")
                  if "__pycache__" not in p.parts)


def test_installed_serve_writes_the_explorer_to_the_user_cache_not_the_package(installed,
                                                                                 tmp_path):
    import socket
    import time
    import urllib.request
    tmp, _ = installed
    before = _files(tmp / "site")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {k: v for k, v in os.environ.items() if k not in ("CARTKG_HOME", "CARTKG_STORE")}
    env.update(PYTHONPATH=str(tmp / "site"), XDG_CACHE_HOME=str(tmp_path / "cache"),
               PYTHONDONTWRITEBYTECODE="1")
    (tmp / "elsewhere").mkdir(exist_ok=True)
    proc = subprocess.Popen([sys.executable, "-m", "kg", "serve", "--port", str(port),
                             "--workers", "1"], cwd=tmp / "elsewhere", env=env,
                            stderr=subprocess.PIPE, text=True)
    base, page = f"http://127.0.0.1:{port}", b""
    try:
        for _ in range(600):
            try:
                with urllib.request.urlopen(base + "/explorer/", timeout=5) as r:
                    page = r.read()
                if b"being written" not in page:
                    break
            except OSError:
                pass
            time.sleep(0.5)
        assert b"cartkg explorer" in page
        with urllib.request.urlopen(base + "/", timeout=5) as r:
            assert b"Ask in plain words" in r.read()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    assert _files(tmp / "site") == before
    assert list((tmp_path / "cache" / "cartkg" / "explorer").glob("*/index.html"))
