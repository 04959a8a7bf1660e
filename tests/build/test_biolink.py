"""The KGX exports as another knowledge graph would merge them, checked offline with the
packaged Biolink Model through bmt (domain and range, canonical direction, id prefixes,
specific categories), the SSSOM mappings with the sssom tool, and the KGX graph summary
against the tables it summarises."""
from __future__ import annotations

import csv
import json
import shutil
from pathlib import Path

import pytest
import rdflib
import yaml

from kg.build import biolink
from kg.curation.sources import load_curation
from kg.paths import project_paths

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def _exports(built_project) -> Path:
    return Path(built_project) / "exports"


def _rows(path: Path) -> list[dict]:
    with open(path, encoding="utf-8", newline="") as fh:
        return list(csv.DictReader(fh, delimiter="\t"))


@pytest.fixture(scope="module")
def toolkit(built_project):
    pytest.importorskip("kgx")
    from kg.build.kgx_check import offline_kgx
    metadata = json.loads((_exports(built_project) / "kgx-graph-metadata.json").read_text())
    offline_kgx(metadata["curie_map"])
    from kgx.validator import Validator
    return Validator.get_toolkit()


def test_bmt_finds_no_domain_range_inverse_prefix_or_category_problem(built_project, toolkit):
    from kg.build.kgx_check import biolink_problems
    assert biolink_problems(_exports(built_project)) == []


def test_bmt_check_catches_each_kind_of_problem(built_project, toolkit, tmp_path):
    """The same check on tables broken on purpose: biomarker_for with a Gene object (its range
    is disease or phenotypic feature), an edge repeated the other way round with the inverse
    predicate, a node with a prefix its category does not allow, a bare NamedThing."""
    from kg.build.kgx_check import biolink_problems
    for name in ("nodes.tsv", "edges.tsv", "kgx-graph-metadata.json"):
        shutil.copy(_exports(built_project) / name, tmp_path / name)
    nodes = _rows(tmp_path / "nodes.tsv")
    edges = _rows(tmp_path / "edges.tsv")
    gene = next(n["id"] for n in nodes if n["category"] == "biolink:Gene")
    causes = next(e for e in edges if e["predicate"] == "biolink:causes")
    edges.append({**causes, "id": "x:1", "subject": gene, "predicate": "biolink:biomarker_for",
                  "object": gene})
    edges.append({**causes, "id": "x:2", "subject": causes["object"],
                  "predicate": "biolink:caused_by", "object": causes["subject"]})
    nodes[0]["id"], nodes[0]["category"] = "MONDO:0000001", "biolink:Cell"
    nodes[1]["category"] = "biolink:NamedThing"
    for name, rows in (("nodes.tsv", nodes), ("edges.tsv", edges)):
        with open(tmp_path / name, "w", encoding="utf-8", newline="") as fh:
            out = csv.DictWriter(fh, fieldnames=list(rows[0]), delimiter="\t",
                                 lineterminator="\n")
            out.writeheader()
            out.writerows(rows)
    found = "\n".join(biolink_problems(tmp_path))
    assert f"object {gene} (biolink:Gene) is not in the range of biolink:biomarker_for" in found
    assert "biolink:caused_by is the inverse of the canonical biolink:causes" in found
    assert f"repeats {causes['subject']} biolink:causes {causes['object']}" in found
    assert "prefix MONDO is not among biolink:Cell's id_prefixes" in found
    assert "is not a specific Biolink class" in found


def test_mapping_tables_agree_with_the_biolink_model(toolkit):
    """ADMITS never admits a category the predicate's domain or range excludes; every predicate
    used is canonical; ID_PREFIXES are Biolink's id_prefixes of each category; INVERSE_OF is
    the ontology's owl:inverseOf."""
    from kg.build.kgx_check import _domain_or_range, category_admitted
    tk = toolkit
    categories = set(biolink.CATEGORIES.values()) | set(biolink.ENTITY_CATEGORIES.values()) \
        | set(biolink.ID_CATEGORIES.values())
    for predicate, (domain, range_) in biolink.ADMITS.items():
        element = tk.get_element(predicate)
        assert not element.mixin and not element.abstract, predicate
        assert not element.inverse or "canonical_predicate" in (element.annotations or {})
        for admitted, which in ((domain, "domain"), (range_, "range")):
            wanted = _domain_or_range(tk, predicate, which)
            for category in categories:
                if admitted is None or category in admitted:
                    assert category_admitted(tk, category, wanted), (predicate, which, category)
    for category, prefixes in biolink.ID_PREFIXES.items():
        allowed = tk.get_element(category).id_prefixes
        assert set(prefixes) <= set(allowed), (category, set(prefixes) - set(allowed))
    for candidates in biolink.PREDICATES.values():
        assert all(p in biolink.ADMITS for p, _ in candidates)
    from kg.vocab import CKG
    onto = rdflib.Graph().parse(project_paths(Path(__file__).parents[2]).ontology)
    inverses = {}
    for a, b in onto.subject_objects(rdflib.OWL.inverseOf):
        inverses[str(b)[len(CKG):]] = str(a)[len(CKG):]
    assert inverses == biolink.INVERSE_OF


def test_every_edge_is_written_once_in_the_canonical_direction(built_project):
    edges = _rows(_exports(built_project) / "edges.tsv")
    triples = [(e["subject"], e["predicate"], e["object"], e["original_predicate"])
               for e in edges]
    assert len(triples) == len(set(triples))
    used = {e["original_predicate"].split(":")[1] for e in edges}
    assert used and not used & set(biolink.INVERSE_OF)
    assert {e["primary_knowledge_source"] for e in edges} == {biolink.INFORES}
    assert set(edges[0]) == set(biolink.EDGE_COLUMNS)


def test_graph_metadata_declares_licence_source_and_prefixes(built_project):
    metadata = json.loads((_exports(built_project) / "kgx-graph-metadata.json").read_text())
    assert metadata["license"] == "https://creativecommons.org/licenses/by-nc/4.0/"
    assert "MIT" in metadata["rights"] and "non-commercial" in metadata["rights"]
    assert biolink.INFORES in metadata["knowledge_sources"]
    assert {p["id"] for p in metadata["publications"]} == {
        "doi:10.2991/chi.d.190219.001", "doi:10.3389/fimmu.2023.1110028"}
    assert biolink.REFS_COLUMN.split(":")[0] in metadata["curie_map"]


def test_graph_summary_matches_kgx_on_the_tables(built_project, toolkit):
    """The summary file's totals and counts are those kgx's own GraphSummary computes when it
    reads nodes.tsv and edges.tsv."""
    from kgx.graph_operations.summarize_graph import GraphSummary
    from kgx.transformer import Transformer
    exports = _exports(built_project)
    ours = yaml.safe_load((exports / "kgx-graph-summary.yaml").read_text(encoding="utf-8"))
    t = Transformer()
    t.transform({"filename": [str(exports / "nodes.tsv"), str(exports / "edges.tsv")],
                 "format": "tsv"})
    kgx = GraphSummary("cartkg").summarize_graph(t.store.graph)
    assert ours["node_stats"]["total_nodes"] == kgx["node_stats"]["total_nodes"]
    assert ours["edge_stats"]["total_edges"] == kgx["edge_stats"]["total_edges"]
    assert ours["node_stats"]["count_by_category"] == {
        c: v["count"] for c, v in kgx["node_stats"]["count_by_category"].items()
        if c != "unknown" and v["count"]}
    assert ours["edge_stats"]["count_by_predicates"] == {
        p: v["count"] for p, v in kgx["edge_stats"]["count_by_predicates"].items()
        if p != "unknown" and v["count"]}


def test_every_void_distribution_has_a_download_url_and_the_licence(built_project):
    from rdflib.namespace import DCAT, DCTERMS
    from kg.build.dataset import release_base
    path = _exports(built_project) / "void.ttl"
    text = path.read_text(encoding="utf-8")
    g = rdflib.Graph().parse(path, format="turtle")
    files = [d for d in g.subjects(rdflib.RDF.type, DCAT.Distribution)
             if g.value(d, DCAT.accessURL) is None]
    assert len(files) >= 12
    version = str(g.value(g.value(predicate=rdflib.RDF.type, object=rdflib.namespace.VOID.Dataset),
                          rdflib.OWL.versionInfo))
    for d in files:
        url = str(g.value(d, DCAT.downloadURL))
        name = url[len(release_base(version)):]
        assert url.startswith(release_base(version)) and (_exports(built_project) / name).exists()
        assert f"<{name}>" in text          # written relative to the release's @base
        assert g.value(d, DCTERMS.license) and g.value(d, DCTERMS.rights)


# ---------------------------------------------------------------- mappings
def test_sssom_file_validates_and_holds_every_checked_xref(built_project):
    pytest.importorskip("sssom")
    from sssom.constants import SchemaValidationType as V
    from sssom.parsers import parse_sssom_table
    from sssom.validators import validate
    path = _exports(built_project) / "mappings.sssom.tsv"
    msdf = parse_sssom_table(path)
    validate(msdf, [V.JsonSchema, V.PrefixMapCompleteness, V.StrictCurieFormat],
             fail_on_error=True)
    cur = load_curation(project_paths(built_project))
    checked = {(f"cartkg:{e.id}", x.curie.upper().split(":")[0] + ":" + x.curie.split(":", 1)[1])
               for e in cur.entities.values() for x in e.xrefs}
    rows = {(r.subject_id, r.object_id) for r in msdf.df.itertuples()}
    assert checked and checked <= rows
    bad = path.read_text(encoding="utf-8").replace("\tHGNC:1633\t", "\tFOO:1633\t")
    (Path(built_project) / "bad.sssom.tsv").write_text(bad, encoding="utf-8")
    with pytest.raises(Exception, match="validation error"):
        validate(parse_sssom_table(Path(built_project) / "bad.sssom.tsv"),
                 [V.PrefixMapCompleteness], fail_on_error=True)


def test_rdf_carries_skos_matches_and_obo_definitions(store):
    rows = store.query("SELECT ?o WHERE { ent:cd19 skos:exactMatch ?o }").rows
    assert [r["o"].value for r in rows] == ["http://identifiers.org/hgnc/1633"]
    missing = store.query(
        "SELECT (COUNT(*) AS ?n) WHERE { ?s skos:definition ?d . "
        "FILTER NOT EXISTS { ?s obo:IAO_0000115 ?d } }").rows
    assert int(missing[0]["n"].value) == 0
    defined = store.query(
        "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { ?s obo:IAO_0000115 ?d }").rows
    assert int(defined[0]["n"].value) > 200


def test_every_standard_entity_has_a_checked_id_or_a_reason(built_project):
    """Genes, diseases, cell types, therapies and trials: each has an xref checked in a
    public record, or says why none was recorded (no_xref_reason)."""
    from kg.build.mappings import STANDARD_TYPES
    cur = load_curation(project_paths(built_project))
    lacking = sorted(e.id for e in cur.entities.values()
                     if e.type in STANDARD_TYPES and not e.xrefs and not e.no_xref_reason)
    assert lacking == []
