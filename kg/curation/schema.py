"""The ontology's classes and relations, read from ``ontology/cartkg.ttl``.

Curation sources name classes and relations by local name or label; this module tells which
exist, what category a class belongs to and which categories a relation connects.

Example (on the real graph; checked by tests/curation/test_examples.py)::

    s = load_schema(project_paths().ontology)
    s.category_of("CarTCellTherapy"), s.relation("possible solution for").name      # ('therapy', 'addresses')
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from kg.text import lookup_key
from kg.vocab import CKG

# Top-level classes and the category name INTERFACE.md uses for their members.
CATEGORY_OF_CLASS = {
    "ResistanceMechanism": "mechanism", "Strategy": "strategy", "Biomarker": "biomarker",
    "Therapy": "therapy", "GeneOrProtein": "gene", "Disease": "disease",
    "ClinicalTrial": "trial", "CellPopulation": "cell-population", "Outcome": "outcome",
    "Publication": "publication", "OtherEntity": "other",
}
CLASS_OF_CATEGORY = {v: k for k, v in CATEGORY_OF_CLASS.items()}


@dataclass(frozen=True)
class Relation:
    name: str
    label: str
    synonyms: tuple[str, ...]
    domain: frozenset[str]  # categories allowed as subject (empty: any)
    range: frozenset[str]   # categories allowed as object (empty: any)


@dataclass
class Schema:
    classes: dict[str, str] = field(default_factory=dict)      # local name -> category
    relations: dict[str, Relation] = field(default_factory=dict)
    labels: dict[str, str] = field(default_factory=dict)       # local name -> label
    quote_min_length: int = 1   # sh:minLength of ckg:quote in shapes.ttl: the one rule

    def category_of(self, class_name: str) -> str | None:
        return self.classes.get(class_name)

    def relation(self, text: str) -> Relation | None:
        """A relation by local name, label or synonym (case/punctuation-insensitive)."""
        if text in self.relations:
            return self.relations[text]
        key = lookup_key(text)
        for rel in self.relations.values():
            if key in {lookup_key(rel.name), lookup_key(rel.label), *map(lookup_key, rel.synonyms)}:
                return rel
        return None


# Relations curators may assert between entities (evidence-backed edges).
ENTITY_RELATIONS = ("kindOf", "addresses", "leadsTo", "predicts", "indicates", "contributesTo",
                    "involves", "involvesCells", "targets", "usesTherapy", "evaluatedIn",
                    "achieves", "treats", "improves")


@lru_cache(maxsize=4)
def load_schema(path: Path) -> Schema:
    import rdflib
    from rdflib.namespace import OWL, RDFS, SKOS

    g = rdflib.Graph().parse(path, format="turtle")
    schema = Schema()

    def local(iri) -> str:
        return str(iri)[len(str(CKG)):]

    def categories(expr) -> frozenset[str]:
        """Categories named by a class IRI or an owl:unionOf of class IRIs."""
        if expr is None:
            return frozenset()
        members = list(rdflib.collection.Collection(g, g.value(expr, OWL.unionOf))) \
            if g.value(expr, OWL.unionOf) else [expr]
        return frozenset(schema.classes[local(m)] for m in members
                         if str(m).startswith(str(CKG)) and local(m) in schema.classes)

    for cls in g.subjects(rdflib.RDF.type, OWL.Class):
        if not str(cls).startswith(str(CKG)):
            continue
        schema.labels[local(cls)] = str(g.value(cls, RDFS.label))
        # Walk up told superclasses and equivalent intersections to a top-level category.
        todo, seen = [cls], set()
        while todo:
            c = todo.pop()
            if c in seen:
                continue
            seen.add(c)
            if str(c).startswith(str(CKG)) and local(c) in CATEGORY_OF_CLASS:
                schema.classes[local(cls)] = CATEGORY_OF_CLASS[local(c)]
                break
            todo.extend(g.objects(c, RDFS.subClassOf))
            for eq in g.objects(c, OWL.equivalentClass):
                todo.extend(rdflib.collection.Collection(g, g.value(eq, OWL.intersectionOf))
                            if g.value(eq, OWL.intersectionOf) else [])
    for name in ENTITY_RELATIONS + ("conflictsWith",):
        prop = rdflib.URIRef(CKG[name])
        if (prop, rdflib.RDF.type, OWL.ObjectProperty) not in g:
            raise ValueError(f"{path}: relation {name} is not declared")
        schema.relations[name] = Relation(
            name=name, label=str(g.value(prop, RDFS.label)),
            synonyms=tuple(sorted(str(s) for s in g.objects(prop, SKOS.altLabel))),
            domain=categories(g.value(prop, RDFS.domain)),
            range=categories(g.value(prop, RDFS.range)))
    schema.quote_min_length = _quote_min_length(path.with_name("shapes.ttl"))
    return schema


def _quote_min_length(shapes: Path) -> int:
    """The shortest quote the build accepts: ``sh:minLength`` of the ``ckg:quote`` property
    shape in ``shapes.ttl`` (1 when there is none), so curation commands apply the same rule."""
    import rdflib
    from rdflib.namespace import SH

    if not shapes.exists():
        return 1
    g = rdflib.Graph().parse(shapes, format="turtle")
    lengths = [int(g.value(shape, SH.minLength)) for shape in
               g.subjects(SH.path, rdflib.URIRef(CKG["quote"])) if g.value(shape, SH.minLength)]
    return max(lengths, default=1)
