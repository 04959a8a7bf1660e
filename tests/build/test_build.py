"""The build: deterministic exports that match the committed ones, atomic on failure."""
from __future__ import annotations

import filecmp

from projectcopy import REPO, make_project, run_cli
from kg.build.pipeline import build, prepare
from kg.build.exports import FILES, render_exports
from kg.paths import project_paths


def test_two_builds_give_identical_exports(tmp_path):
    """One build in this process, one in a fresh process (another hash seed)."""
    a, b = make_project(tmp_path / "a"), make_project(tmp_path / "b")
    build(project_paths(a), quiet=True, figures=False)
    result = run_cli("build", "--quiet", "--no-figures", home=b,
                     env={"PYTHONHASHSEED": "12345"})
    assert result.returncode == 0, result.stderr
    names = [*FILES, "README.md"]
    match, mismatch, errors = filecmp.cmpfiles(a / "exports", b / "exports", names, shallow=False)
    assert not mismatch and not errors and sorted(match) == sorted(names)
    assert (a / "exports" / "store").is_dir()


def test_committed_exports_match_their_sources():
    """If this fails, run `cartkg build` and commit exports/ with the source change."""
    paths = project_paths(REPO)
    cur, graph, inferred, _ = prepare(paths, quiet=True)
    for name, text in render_exports(graph, inferred, cur, paths).items():
        committed = (REPO / "exports" / name).read_text(encoding="utf-8")
        assert committed == text, f"exports/{name} is stale: run 'cartkg build'"


def test_invalid_sources_exit_1_and_leave_exports_and_store_intact(tmp_path):
    root = make_project(tmp_path)
    build(project_paths(root), quiet=True, figures=False)
    before = {p.name: p.read_bytes() for p in (root / "exports").iterdir() if p.is_file()}
    store_files = sorted(p.name for p in (root / "exports" / "store").iterdir())
    src = root / "ontology" / "curation" / "sources" / "xu2023.yaml"
    src.write_text(src.read_text().replace("refs: [59", "refs: [5900", 1)
                   .replace("subject: immune-pressure", "subject: no-such-entity", 1))
    result = run_cli("build", home=root)
    assert result.returncode == 1
    assert "no-such-entity" in result.stderr
    after = {p.name: p.read_bytes() for p in (root / "exports").iterdir() if p.is_file()}
    assert after == before
    assert sorted(p.name for p in (root / "exports" / "store").iterdir()) == store_files


def test_store_is_recreated_from_committed_ntriples(project_copy):
    assert not (project_copy / "exports" / "store").exists()
    result = run_cli("lookup", "CD19", "--json", home=project_copy)
    assert result.returncode == 0, result.stderr
    assert (project_copy / "exports" / "store").is_dir()


def test_owl_export_loads_in_owlready2(built_project):
    import owlready2
    world = owlready2.World()
    onto = world.get_ontology((built_project / "exports" / "cartkg.owl").as_uri()).load()
    assert any(c.name == "ResistanceMechanism" for c in onto.classes())
    assert len(list(onto.individuals())) > 100


def test_graphml_export_reads_back_in_networkx():
    import networkx as nx
    exports = REPO / "exports"
    g = nx.read_graphml(exports / "cartkg.graphml", force_multigraph=True)
    rows = {name: (exports / name).read_text(encoding="utf-8").count("\n") - 1
            for name in ("nodes.tsv", "edges.tsv")}
    publications = [n for n, d in g.nodes(data=True) if d["category"] == "publication"]
    # KGX has no publication nodes (edges cite them by DOI) and merges each inverse edge into
    # the edge it inverts; the GraphML network keeps both
    assert g.number_of_nodes() == rows["nodes.tsv"] + len(publications) and publications
    inverses = [e for e in g.edges(keys=True) if e[2] in ("ckg:hasKind", "ckg:resultsFrom")]
    assert rows["edges.tsv"] < g.number_of_edges() and inverses
    assert g.graph["license"] == "https://creativecommons.org/licenses/by-nc/4.0/"
    assert "CC BY-NC 4.0" in g.graph["rights"]
    assert g.nodes["ent:cd19"]["label"] == "CD19"
    assert all(isinstance(d["evidence_count"], int) for _, _, d in g.edges(data=True))
