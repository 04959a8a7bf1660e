"""The explorer's pages belong to one graph: ``cartkg build`` rewrites them when the graph
changes (and leaves them when it does not), and the server shows them only while they were
drawn from the graph it serves."""
from __future__ import annotations

from kg.build.pipeline import build
from kg.explorer.site import current
from kg.paths import project_paths
from kg.server.pages import site_file
from kg.store.local import graph_fingerprint
from projectcopy import FIXTURE, make_project


def test_build_rewrites_the_explorer_when_the_graph_changes(tmp_path):
    root = make_project(tmp_path, FIXTURE / "curation")
    paths = project_paths(root)
    build(paths, reasoner="owlrl", quiet=True)
    explorer = root / "exports" / "explorer"
    assert current(explorer, graph_fingerprint(paths.graph))
    assert "Mini mechanism group" in (explorer / "overview.html").read_text(encoding="utf-8")
    entities = root / "ontology" / "curation" / "entities" / "entities.yaml"
    entities.write_text(entities.read_text(encoding="utf-8").replace(
        "label: Mini mechanism group", "label: Mini renamed group"), encoding="utf-8")
    build(paths, reasoner="owlrl", quiet=True)
    overview = (explorer / "overview.html").read_text(encoding="utf-8")
    assert "Mini renamed group" in overview and "Mini mechanism group" not in overview
    assert current(explorer, graph_fingerprint(paths.graph))
    again = build(paths, reasoner="owlrl", quiet=True)
    assert any("explorer unchanged" in note for note in again.notes)
    assert sorted(p.name for p in explorer.parent.iterdir() if p.name.startswith(".explorer")) \
        == []                                             # no half-written folder left


def test_the_server_shows_the_explorer_only_for_the_graph_it_serves(tmp_path):
    folder = tmp_path / "explorer"
    folder.mkdir()
    (folder / "index.html").write_text("<html>pages of graph aaa</html>")
    (folder / "graph.sha256").write_text("aaa\n")
    assert site_file("/explorer/", folder, "aaa")[0] == b"<html>pages of graph aaa</html>"
    pending, kind = site_file("/explorer/", folder, "bbb")
    assert kind.startswith("text/html") and b"being written" in pending
    assert b"being written" in site_file("/explorer/", tmp_path / "missing", None)[0]
    assert site_file("/explorer/../explorer/index.html", folder, "aaa") is None
    assert site_file("/", folder, "bbb")[0].startswith(b"<!DOCTYPE html>")   # the ask page
    assert site_file("/favicon.ico", folder, "bbb")[1] in ("image/vnd.microsoft.icon",
                                                           "image/x-icon")
