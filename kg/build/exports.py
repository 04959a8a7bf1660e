"""Write the built graph to ``exports/`` in every format, deterministically.

Blank nodes (only in OWL axioms) get canonical labels and triples are written in sorted order,
so two builds of the same sources give byte-identical files.

Files: cartkg.ttl, cartkg.nt, cartkg.jsonld (compact, kg.build.jsonld), cartkg.owl (RDF/XML),
inferred.ttl, cartkg.graphml, the Biolink/KGX tables nodes.tsv, edges.tsv, nodes.jsonl,
edges.jsonl and kgx-graph-metadata.json (kg.build.biolink), the dataset description void.ttl
(kg.build.dataset), README.md.
"""
from __future__ import annotations

import csv
import io
import json

import rdflib
from rdflib.compare import to_canonical_graph

from kg.build import biolink, dataset, mappings
from kg.build.jsonld import compact_jsonld
from kg.curation.sources import Curation
from kg.curation.schema import load_schema
from kg.paths import ProjectPaths
from kg.vocab import CKG, ENT, PREFIXES, curie

FILES = {
    "cartkg.ttl": "The whole graph (ontology, entities, evidence, asserted and inferred edges), Turtle.",
    "cartkg.nt": "The same graph as sorted N-Triples; loaded into the store.",
    "cartkg.jsonld": "The same graph as compact JSON-LD with an embedded @context "
                     "(prefixes, property names), @type for classes, @graph.",
    "cartkg.owl": "The same graph as OWL in RDF/XML, for Protégé and OWL tools.",
    "inferred.ttl": "Only the reasoner's inferences that the answers use.",
    "cartkg.graphml": "Entities and their relations as a GraphML network (networkx), with "
                      "the licence and rights as graph data.",
    "nodes.tsv": "KGX node table (Biolink categories; ids from checked xrefs, else `cartkg:`).",
    "edges.tsv": "KGX edge table, one edge per relation in Biolink's canonical direction "
                 "(Biolink predicates whose domain and range fit, the project's relation as "
                 "original_predicate, knowledge level, agent type, infores:cartkg as knowledge "
                 "source, the reviews' DOIs and the primary studies as publications, evidence "
                 "ids, the reviews' reference numbers).",
    "void.ttl": "Dataset description (VoID + DCAT): title, version, dates, creators, both "
                "reviews with their DOIs and licences, counts, endpoint, licence statement.",
    "nodes.jsonl": "The KGX nodes as KGX JSON Lines.",
    "edges.jsonl": "The KGX edges as KGX JSON Lines.",
    "kgx-graph-metadata.json": "KGX graph metadata: licence and rights, the knowledge source "
                               "(infores:cartkg) and the reviews, the prefixes of the "
                               "project's own ids (curie_map), the Biolink version, the "
                               "category and predicate mappings.",
    "kgx-graph-summary.yaml": "KGX graph summary: nodes and edges by category, id prefix, "
                              "predicate, knowledge source and subject-predicate-object.",
    "mappings.sssom.tsv": "SSSOM mappings of the entities to HGNC, MONDO, CL, NCIt, ChEBI and "
                          "ClinicalTrials.gov ids (each checked in a public record), with "
                          "their metadata block.",
}


def _lines(graph: rdflib.Graph) -> set[str]:
    return set(graph.serialize(format="nt", encoding="utf-8").decode("utf-8").splitlines())


def _graph_of(triples) -> rdflib.Graph:
    graph = rdflib.Graph()
    for t in triples:
        graph.add(t)
    return graph


def canonical_ntriples(graph: rdflib.Graph) -> str:
    """The graph's N-Triples lines, sorted and unique, with canonical blank-node labels.
    rdflib.compare labels each blank node from the triples that hold blank nodes alone, so
    only those few triples (OWL axioms) are canonicalised, and their lines swapped in."""
    blank = rdflib.Graph()
    for t in graph:
        if any(isinstance(x, rdflib.BNode) for x in t):
            blank.add(t)
    lines = _lines(graph) - _lines(blank) | _lines(to_canonical_graph(blank))
    return "\n".join(sorted(line for line in lines if line.strip())) + "\n"


def _parse(ntriples: str) -> list:
    import pyoxigraph as ox
    return list(ox.parse(ntriples.encode("utf-8"), format=ox.RdfFormat.N_TRIPLES))


def _oxigraph_text(triples: list, fmt: str, prefixes: dict | None = None,
                   base: str | None = None) -> str:
    """Serialise sorted triples (``_parse``) with Oxigraph, which writes them in the order
    given (rdflib's Turtle/RDF-XML writers iterate sets, so their order depends on the hash
    seed); IRIs under ``base`` are written relative to it."""
    import pyoxigraph as ox
    kind = {"turtle": ox.RdfFormat.TURTLE, "xml": ox.RdfFormat.RDF_XML,
            "json-ld": ox.RdfFormat.JSON_LD}[fmt]
    prefixes = (prefixes or dict(PREFIXES)) if fmt != "json-ld" else None
    return ox.serialize(triples, format=kind, prefixes=prefixes, base_iri=base).decode("utf-8")


def _rdflib_terms():
    """A converter from Oxigraph terms to rdflib terms that makes each distinct term once."""
    import pyoxigraph as ox
    made: dict = {}

    def convert(term):
        if term not in made:
            if isinstance(term, ox.NamedNode):
                made[term] = rdflib.URIRef(term.value)
            elif isinstance(term, ox.BlankNode):
                made[term] = rdflib.BNode(term.value)
            else:
                made[term] = rdflib.Literal(term.value, lang=term.language,
                                            datatype=None if term.language
                                            else rdflib.URIRef(term.datatype.value))
        return made[term]
    return convert


def _jsonld(triples: list) -> str:
    """Compact JSON-LD with an embedded context (kg.build.jsonld), blank-node labels kept
    from the canonical N-Triples."""
    term = _rdflib_terms()
    doc = compact_jsonld(((term(t.subject), term(t.predicate), term(t.object)) for t in triples),
                         {p: str(ns) for p, ns in PREFIXES.items()})
    return json.dumps(doc, indent=1, ensure_ascii=False) + "\n"


def _edges(cur: Curation, inferred: set) -> list[dict]:
    """Entity-to-entity edges with their evidence (asserted) or 'inferred'. A negated item
    asserts no edge (as in the RDF graph)."""
    by_edge: dict[tuple, list] = {}
    for ev in cur.evidence:
        if ev.status == "accepted" and not ev.negated:
            by_edge.setdefault((ENT[ev.subject], CKG[ev.predicate], ENT[ev.object]), []).append(ev)
    for e in cur.entities.values():
        for parent in e.kind_of:
            by_edge.setdefault((ENT[e.id], CKG["kindOf"], ENT[parent]), [])
    rows = []
    for (s, p, o), evs in sorted(by_edge.items()):
        rows.append({"subject": s, "predicate": p, "object": o, "knowledge_level": "asserted",
                     "negated": bool(evs) and all(e.negated for e in evs),
                     "sources": sorted({cur.sources[e.source].doi or e.source for e in evs}),
                     "refs": sorted({f"{e.source}:{r}" for e in evs for r in e.refs}),
                     "evidence": sorted(e.id for e in evs)})
    for s, p, o in sorted(inferred, key=lambda t: tuple(map(str, t))):
        s, p, o = str(s), str(p), str(o)
        if s.startswith(ENT) and o.startswith(ENT) and p.startswith(CKG) \
                and (s, p, o) not in by_edge:
            rows.append({"subject": s, "predicate": p, "object": o, "knowledge_level": "inferred",
                         "negated": False,
                         "sources": [], "refs": [], "evidence": []})
    return rows


def _nodes(cur: Curation, paths: ProjectPaths) -> list[dict]:
    schema = load_schema(paths.ontology)
    rows = [{"id": ENT[e.id], "category": schema.category_of(e.type), "type": CKG[e.type],
             "name": e.label, "synonym": e.synonyms, "description": e.definition,
             "xref": [x.curie for x in e.xrefs],
             "exact": [x.curie for x in e.xrefs if x.match == "exact"]}
            for e in cur.entities.values()]
    rows += [{"id": ENT[s.id], "category": "publication", "type": CKG["Publication"],
              "name": s.title, "synonym": [], "description": f"doi:{s.doi}" if s.doi else "",
              "xref": [x for x in (f"DOI:{s.doi}" if s.doi else "",
                                   f"PMID:{s.pmid}" if s.pmid else "") if x]}
             for s in cur.sources.values()]
    return sorted(rows, key=lambda r: r["id"])


def _tsv(rows: list[dict], columns: list[str]) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter="\t", lineterminator="\n")
    w.writerow(columns)
    for r in rows:
        w.writerow(["|".join(curie(x) if x.startswith("http") else x for x in r[c])
                    if isinstance(r[c], list) else curie(r[c]) if str(r[c]).startswith("http")
                    else r[c] for c in columns])
    return buf.getvalue()


GRAPHML_KEYS = {"graph": (("license", "string"), ("rights", "string")),
               "node": (("label", "string"), ("category", "string"), ("type", "string")),
                "edge": (("predicate", "string"), ("knowledge_level", "string"),
                         ("evidence_count", "long"), ("evidence", "string"))}
GRAPHML_ROOT = {"xmlns": "http://graphml.graphdrawing.org/xmlns",
                "xmlns:xsi": "http://www.w3.org/2001/XMLSchema-instance",
                "xsi:schemaLocation": "http://graphml.graphdrawing.org/xmlns "
                                      "http://graphml.graphdrawing.org/xmlns/1.0/graphml.xsd"}


def _graphml(nodes: list[dict], edges: list[dict], terms: dict[str, str]) -> str:
    """The entity network as GraphML, written as networkx writes a MultiDiGraph, without
    importing networkx and numpy (a quarter of a build without reasoner): the graph's licence
    and rights (``terms``) as graph data, nodes in order, then edges grouped by source node,
    target and key in first-seen order."""
    from xml.etree import ElementTree as ET

    data = {curie(n["id"]): {"label": n["name"], "category": n["category"],
                             "type": curie(n["type"])} for n in nodes}
    adj: dict[str, dict] = {node: {} for node in data}    # source -> target -> key -> data
    for e in edges:
        s, o, key = curie(e["subject"]), curie(e["object"]), curie(e["predicate"])
        adj.setdefault(s, {})
        adj.setdefault(o, {})
        adj[s].setdefault(o, {})[key] = {
            "predicate": key, "knowledge_level": e["knowledge_level"],
            "evidence_count": len(e["evidence"]), "evidence": "|".join(e["evidence"])}
    root = ET.Element("graphml", GRAPHML_ROOT)
    graph = ET.SubElement(root, "graph", edgedefault="directed")
    keys: dict[str, str] = {}
    for scope, used in (("graph", terms), ("node", nodes), ("edge", edges)):
        for name, kind in GRAPHML_KEYS[scope] if used else ():
            keys[name] = f"d{len(keys)}"
            root.insert(0, ET.Element("key", {"id": keys[name], "for": scope,
                                              "attr.name": name, "attr.type": kind}))

    def add(tag: str, attrs: dict, values: dict, parent=graph) -> None:
        element = ET.SubElement(parent, tag, attrs) if tag else parent
        for name, value in values.items():
            ET.SubElement(element, "data", key=keys[name]).text = str(value)

    add("", {}, terms)

    for node in adj:
        add("node", {"id": node}, data.get(node, {}))
    for s, targets in adj.items():
        for o, by_key in targets.items():
            for key, values in by_key.items():
                add("edge", {"source": s, "target": o, "id": key}, values)
    ET.indent(root)
    root.tail = "\n"
    return ET.tostring(root, encoding="utf-8", xml_declaration=True).decode("utf-8")


def _readme(sizes: dict[str, str]) -> str:
    lines = ["# exports/", "",
             "Generated by `cartkg build` from `ontology/` — do not edit; rebuild instead.",
             "A test checks that these files match their sources.", "",
             "| file | contents | size |", "| --- | --- | --- |"]
    lines += [f"| `{name}` | {FILES[name]} | {sizes[name]} |" for name in FILES]
    lines += ["", "The Oxigraph store (`store/`) is built here too but not committed; it is "
              "recreated from `cartkg.nt` when missing.", ""]
    return "\n".join(lines)


def render_exports(full: rdflib.Graph, inferred: set, cur: Curation,
                   paths: ProjectPaths, asserted_ntriples: str = "") -> dict[str, str]:
    """All export files as name -> text, ready to be written. ``asserted_ntriples``: the
    canonical N-Triples of ``full`` without ``inferred``, when already made (the inferred
    triples hold no blank node, so the two sets of lines together are ``full``'s)."""
    inferred_nt = canonical_ntriples(_graph_of(inferred))     # no blank nodes in it
    nodes, edges = _nodes(cur, paths), _edges(cur, inferred)
    kgx_nodes, ids = biolink.kgx_nodes(nodes, curie)
    kgx_edges = biolink.kgx_edges(edges, ids, {n["id"]: n["category"][0] for n in kgx_nodes},
                                  {e.id: cur.sources[e.source].doi for e in cur.evidence
                                   if e.source in cur.sources},
                                  biolink.referenced_publications(full), curie)
    if asserted_ntriples:
        lines = set(asserted_ntriples.splitlines()) | set(inferred_nt.splitlines())
        nt = "\n".join(sorted(line for line in lines if line.strip())) + "\n"
    else:
        nt = canonical_ntriples(full)
    triples = _parse(nt)
    head = dataset.header(full)
    void = dataset.description(full, cur, list(FILES))
    terms = {"license": str(head["license"] or ""), "rights": str(head["rights"] or "")}
    out = {
        "cartkg.ttl": _oxigraph_text(triples, "turtle"),
        "cartkg.nt": nt,
        "cartkg.jsonld": _jsonld(triples),
        "cartkg.owl": _oxigraph_text(triples, "xml"),
        "inferred.ttl": _oxigraph_text(_parse(inferred_nt), "turtle"),
        "cartkg.graphml": _graphml(nodes, edges, terms),
        "nodes.tsv": _tsv(kgx_nodes, biolink.NODE_COLUMNS),
        "edges.tsv": _tsv(kgx_edges, biolink.EDGE_COLUMNS),
        "nodes.jsonl": biolink.jsonl(kgx_nodes),
        "edges.jsonl": biolink.jsonl(kgx_edges),
        "kgx-graph-metadata.json": biolink.graph_metadata(
            head["version"], head["title"], terms, dataset.source_records(cur)),
        "kgx-graph-summary.yaml": biolink.graph_summary(kgx_nodes, kgx_edges),
        "mappings.sssom.tsv": mappings.sssom_tsv(cur, head["version"]),
        "void.ttl": _oxigraph_text(_parse(canonical_ntriples(void)), "turtle", dataset.PREFIXES,
                                   base=dataset.release_base(head["version"])),
    }
    counts = {"cartkg.nt": f"{out['cartkg.nt'].count(chr(10))} triples",
              "inferred.ttl": f"{len(inferred)} triples",
              "nodes.tsv": f"{len(kgx_nodes)} nodes", "edges.tsv": f"{len(kgx_edges)} edges",
              "cartkg.graphml": f"{len(nodes)} nodes, {len(edges)} edges"}
    out["README.md"] = _readme({n: counts.get(n, f"{len(out[n].encode()) // 1024} KiB")
                                for n in FILES})
    return out
