"""``cartkg explore``: the explorer's interactive pages and the static figures.

The pages show the entity graph (entities and the relations between them, not the evidence or
statistic nodes): every asserted edge, i.e. each relation an accepted evidence item states plus
the curated ``kindOf`` hierarchy (the transitive reduction of ``kindOf``, so the reasoner's
closure does not clutter the picture). Pages written to ``exports/explorer`` (or ``--output``):

- ``index.html``: links to every page, an entity search and the question forms;
- ``overview.html``: the whole graph (``overview.html#ID`` focuses one entity);
- ``ID.html`` for each mechanism family (entities with ``ckg:classificationFrom``) and each
  relapse or failure phenotype (finding → mechanisms → strategies, from the questions);
- ``focus-ID.html`` for ``--focus TEXT``: the entity's neighbourhood to ``--depth``.

PNG figures (overview and one per relapse phenotype) go to ``exports/figures`` (or
``DIR/figures`` with ``--output DIR``). Output is deterministic for the same graph.

Example (on the real graph; checked by tests/explorer/test_examples.py)::

    from kg.store.local import open_store
    g = ExplorerGraph(open_store("oxigraph-memory"))
    page = phenotype_page(g, "cd19-negative-relapse")
    page.name, "dual-multi-targeted-car-t" in page.nodes      # ('cd19-negative-relapse', True)
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from kg.answers.evidence import evidence_items
from kg.answers.lookup import entity_index

KIND_OF = "SELECT ?s ?o WHERE { ?s ckg:kindOf ?o }"
FAMILIES = "SELECT DISTINCT ?e WHERE { ?e ckg:classificationFrom ?paper }"
PHENOTYPES = """
SELECT DISTINCT ?e WHERE {
  VALUES ?type { ckg:RelapsePhenotype ckg:TreatmentFailurePhenotype } ?e a ?type }"""
RELAPSE = "SELECT DISTINCT ?e WHERE { ?e a ckg:RelapsePhenotype }"

Edge = tuple[str, str, str]          # (subject id, relation name, object id)
RELATION_WORDS = {"kindOf": "is a kind of"}   # the curated hierarchy has no evidence item

# category → (colour, vis-network shape, matplotlib marker); shared by pages and figures
CATEGORY_STYLE = {
    "mechanism": ("#d62728", "diamond", "D"),
    "strategy": ("#2ca02c", "square", "s"),
    "biomarker": ("#1f77b4", "dot", "o"),
    "therapy": ("#9467bd", "triangle", "^"),
    "gene": ("#ff7f0e", "hexagon", "h"),
    "disease": ("#8c564b", "triangleDown", "v"),
    "trial": ("#e377c2", "square", "s"),
    "cell-population": ("#17becf", "hexagon", "h"),
    "outcome": ("#e6b800", "star", "*"),
    "publication": ("#7f7f7f", "triangleDown", "v"),
    "other": ("#b0b0b0", "dot", "o"),
}


def slug(iri: str) -> str:
    """An entity's id: the IRI's last path segment, made safe as a file name.

    >>> slug("https://w3id.org/cartkg/entity/cd19-negative-relapse")
    'cd19-negative-relapse'
    >>> slug("https://example.org/x/a b<c>")
    'a_b_c_'
    """
    return re.sub(r"[^A-Za-z0-9._-]", "_", iri.rstrip("/").rsplit("/", 1)[-1]) or "_"


@dataclass
class Page:
    """One explorer page: which entities and edges it shows and how they are laid out."""

    name: str                        # file stem
    title: str
    kind: str                        # overview, family, phenotype or focus
    nodes: list[str]                 # entity ids
    edges: list[Edge]
    layers: dict[str, int] | None = None   # column per node for a layered layout
    description: str = ""
    focus: str | None = None
    positions: dict[str, tuple[float, float]] = field(default_factory=dict)


class ExplorerGraph:
    """Entities, asserted entity edges and evidence, keyed by entity id."""

    def __init__(self, store):
        self.store = store
        self.index = index = entity_index(store)
        self.entities = {slug(iri): rec for iri, rec in sorted(index.items())}
        self.id_of = {iri: slug(iri) for iri in index}
        self.evidence = {i["id"]: i for i in evidence_items(store)}
        self.edge_evidence: dict[Edge, list[str]] = {}
        self.node_evidence: dict[str, list[str]] = {}
        self.relation_labels = dict(RELATION_WORDS)
        for ev_id, item in sorted(self.evidence.items()):
            s, o = self.id_of.get(item["subject"]["iri"]), self.id_of.get(item["object"]["iri"])
            if s is None or o is None:
                continue
            rel = item["predicate"]["iri"].rsplit("/", 1)[-1]
            self.relation_labels.setdefault(rel, item["predicate"]["label"])
            self.edge_evidence.setdefault((s, rel, o), []).append(ev_id)
            for node in sorted({s, o}):
                self.node_evidence.setdefault(node, []).append(ev_id)
        # An edge is drawn when an item asserts it; a negated item ("X does NOT improve Y")
        # asserts none, so it shows in its nodes' evidence and beside any asserting item only.
        edges = {e for e, ids in self.edge_evidence.items()
                 if any(not self.evidence[i]["negated"] for i in ids)}
        edges |= {(s, "kindOf", o) for s, o in self._kind_of_reduction()}
        self.edges: list[Edge] = sorted(edges)
        self.adjacent: dict[str, list[Edge]] = {}
        for e in self.edges:
            self.adjacent.setdefault(e[0], []).append(e)
            self.adjacent.setdefault(e[2], []).append(e)

    def _kind_of_reduction(self) -> list[tuple[str, str]]:
        import networkx as nx
        g = nx.DiGraph()
        for r in self.store.query(KIND_OF).rows:
            s, o = self.id_of.get(r["s"].value), self.id_of.get(r["o"].value)
            if s and o and s != o:
                g.add_edge(s, o)
        if not nx.is_directed_acyclic_graph(g):
            return sorted(g.edges)
        return sorted(nx.transitive_reduction(g).edges)

    def ids(self, query: str) -> list[str]:
        return sorted({self.id_of[v] for v in self.store.query(query).values("e")
                       if v in self.id_of})

    def relation_words(self, relation: str) -> str:
        """A relation in words ("leads to", "is a kind of"): the ontology's label."""
        return self.relation_labels.get(relation, relation)

    def support(self, node: str) -> int:
        """Number of evidence items whose subject or object is the entity."""
        return len(self.node_evidence.get(node, ()))

    def label(self, node: str) -> str:
        return self.entities[node]["label"]

    def neighbourhood(self, start: str, depth: int) -> set[str]:
        seen, frontier = {start}, [start]
        for _ in range(max(depth, 0)):
            nxt = []
            for node in frontier:
                for s, _, o in self.adjacent.get(node, ()):
                    for other in (s, o):
                        if other not in seen:
                            seen.add(other)
                            nxt.append(other)
            frontier = sorted(nxt)
        return seen

    def induced(self, nodes: set[str]) -> list[Edge]:
        return [e for e in self.edges if e[0] in nodes and e[2] in nodes]


def overview_page(g: ExplorerGraph) -> Page:
    return Page("overview", "All entities and their relations", "overview",
                sorted(g.entities), list(g.edges),
                description="Every entity of the graph and every asserted relation between "
                            "them (evidence-backed edges and the curated kindOf hierarchy).")


def family_page(g: ExplorerGraph, group: str) -> Page:
    """A mechanism family: the group, the mechanisms beneath or linked to it, and their
    direct neighbours (strategies addressing them, outcomes they lead to, genes, cells…)."""
    from kg.answers.questions import mechanism_iris
    core = {g.id_of[i] for i in mechanism_iris(g.store, g.entities[group]) if i in g.id_of}
    core.add(group)
    nodes = set(core)
    for node in core:
        nodes |= g.neighbourhood(node, 1)
    return Page(group, f"Mechanism family: {g.label(group)}", "family", sorted(nodes),
                g.induced(nodes), focus=group,
                description=f"{g.label(group)}, the {len(core) - 1} mechanism(s) beneath or "
                            "linked to it, and everything directly related to them.")


PHENOTYPE_LAYER = {"outcome": 0, "mechanism": 2, "strategy": 4}


def phenotype_page(g: ExplorerGraph, phenotype: str) -> Page:
    """A relapse or failure phenotype: the finding, the mechanisms behind it and the strategies
    addressing them, with the explanation chains of ``cartkg mechanisms``/``strategies``."""
    from kg.answers.questions import mechanisms, strategies
    iri = g.entities[phenotype]["iri"]
    text = g.label(phenotype)
    nodes, edges = {phenotype}, set()
    answers = [(a["iri"], a["explanation"]) for a in mechanisms(g.store, text, index=g.index)]
    answers += [(a["iri"], a["explanation"])
                for a in strategies(g.store, text, index=g.index)]
    for answer_iri, steps in answers:
        nodes.add(g.id_of[answer_iri])
        for step in steps:
            s, o = g.id_of.get(step["from_iri"]), g.id_of.get(step["to_iri"])
            if s and o:
                nodes |= {s, o}
                edges.add((s, step["relation"], o))
    layers = {}
    for node in nodes:
        cat = g.entities[node]["category"]
        layer = PHENOTYPE_LAYER.get(cat, 1)
        if cat == "mechanism" and any(e[1] == "kindOf" and e[2] == node for e in edges):
            layer = 1                    # mechanism groups sit between finding and members
        layers[node] = 0 if node == phenotype else layer
    kind = "relapse" if iri in g.store.query(RELAPSE).values("e") else "failure"
    return Page(phenotype, f"{text}: mechanisms and strategies", "phenotype", sorted(nodes),
                sorted(edges), layers=layers, focus=phenotype,
                description=f"The {kind} phenotype {text}, the mechanisms beneath or linked to "
                            "it, and the strategies that address them (the answers of "
                            f"'cartkg mechanisms' and 'cartkg strategies' for {text!r}).")


def focus_page(g: ExplorerGraph, node: str, depth: int) -> Page:
    nodes = g.neighbourhood(node, depth)
    return Page(f"focus-{node}", f"{g.label(node)}: neighbourhood (depth {depth})", "focus",
                sorted(nodes), g.induced(nodes), focus=node,
                description=f"Entities within {depth} relations of {g.label(node)}.")


def all_pages(g: ExplorerGraph, focus: str | None = None, depth: int = 2) -> list[Page]:
    """The overview, one page per mechanism family and phenotype, and the focus page."""
    pages = [overview_page(g)]
    pages += [family_page(g, f) for f in g.ids(FAMILIES)]
    pages += [phenotype_page(g, p) for p in g.ids(PHENOTYPES)]
    if focus is not None:
        pages.append(focus_page(g, focus, depth))
    from kg.explorer.layout import layout
    for page in pages:
        page.positions = layout(page, {n: g.label(n) for n in page.nodes})
    return pages
