"""The dataset description (``exports/void.ttl``): VoID + DCAT, written by the build and served
by ``cartkg serve`` at ``/.well-known/void`` and inside the SPARQL service description.

It says what the graph is (title, description, version, issued and modified dates), who made
it (creator; the curators and reviewers named in the evidence as contributors), where it comes
from (both reviews, with their DOIs and licences), how big it is (triples, entities, classes,
properties), where to get it (each file a ``dcat:Distribution`` with its media type, licence,
rights and a ``dcat:downloadURL`` under the release's base, ``release_base``; void.ttl writes
them relative to its ``@base``), where to query it, and under which terms: code MIT, schema and curated data
CC BY 4.0, each quote under its source's licence — Jacoby 2019's CC BY-NC 4.0 makes the whole
graph non-commercial (``dcterms:license``), as the ontology header's ``dcterms:rights`` says.
"""
from __future__ import annotations

import rdflib
from rdflib import Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, OWL, RDF, VOID, XSD

from kg.curation.sources import Curation
from kg.vocab import BASE, CKG, ENT, ONTOLOGY_IRI

DATASET = URIRef(BASE + "dataset")
DCAT_VERSION = URIRef(str(DCAT) + "version")        # DCAT 3; not in rdflib's DCAT namespace
MAINTAINERS = URIRef(BASE + "maintainers")
DEFAULT_ENDPOINT = "http://127.0.0.1:8000/sparql"     # where `cartkg serve` answers by default
LICENCES = {"CC BY 4.0": "https://creativecommons.org/licenses/by/4.0/",
            "CC BY-NC 4.0": "https://creativecommons.org/licenses/by-nc/4.0/"}
MEDIA_TYPES = {"cartkg.ttl": "text/turtle", "cartkg.nt": "application/n-triples",
               "cartkg.jsonld": "application/ld+json", "cartkg.owl": "application/rdf+xml",
               "nodes.tsv": "text/tab-separated-values",
               "edges.tsv": "text/tab-separated-values",
               "nodes.jsonl": "application/jsonl", "edges.jsonl": "application/jsonl",
               "cartkg.graphml": "application/graphml+xml",
               "inferred.ttl": "text/turtle", "void.ttl": "text/turtle",
               "kgx-graph-metadata.json": "application/json",
               "kgx-graph-summary.yaml": "application/yaml",
               "mappings.sssom.tsv": "text/tab-separated-values"}


PREFIXES = {"void": str(VOID), "dcat": str(DCAT), "dcterms": str(DCTERMS), "foaf": str(FOAF),
            "owl": str(OWL), "xsd": str(XSD), "ckg": str(CKG), "ent": str(ENT)}


def release_base(version: str) -> str:
    """Where the files of a release lie: every distribution's ``dcat:downloadURL`` is this
    plus the file's name, and ``void.ttl`` writes them relative to it (its ``@base``)."""
    return f"{BASE}release/{version}/"


def source_records(cur: Curation) -> list[dict]:
    """The reviews as {"id": DOI CURIE (else the source id), "title", "license"}."""
    return [{"id": f"doi:{s.doi}" if s.doi else f"cartkg:{s.id}", "title": s.title,
             "license": LICENCES.get(s.licence, s.licence)}
            for s in sorted(cur.sources.values(), key=lambda s: s.id)]


def header(graph: rdflib.Graph) -> dict:
    """The ontology header's title, description, version, issued date, licence and rights."""
    onto = URIRef(ONTOLOGY_IRI)
    value = lambda p: graph.value(onto, p)  # noqa: E731
    return {"title": str(value(DCTERMS.title) or "cartkg"),
            "description": value(DCTERMS.description), "version": str(value(OWL.versionInfo)),
            "issued": value(DCTERMS.issued), "license": value(DCTERMS.license),
            "rights": value(DCTERMS.rights)}


def _modified(head: dict, cur: Curation) -> str:
    dates = [head["version"]] + [ev.added for ev in cur.evidence if ev.added] + \
        [r["date"] for ev in cur.evidence for r in ev.reviews if r.get("date")]
    return max(str(d) for d in dates if d)


def _contributors(cur: Curation) -> list[str]:
    orcids = {ev.curator for ev in cur.evidence if ev.curator}
    orcids |= {r["curator"] for ev in cur.evidence for r in ev.reviews if r.get("curator")}
    return sorted(f"https://orcid.org/{o}" for o in orcids)


def description(graph: rdflib.Graph, cur: Curation, files: list[str],
                endpoint: str = DEFAULT_ENDPOINT) -> rdflib.Graph:
    """The VoID + DCAT description of ``graph`` (the full built graph)."""
    head = header(graph)
    g = rdflib.Graph()
    d = DATASET
    g.add((d, RDF.type, VOID.Dataset))
    g.add((d, RDF.type, DCAT.Dataset))
    g.add((d, DCTERMS.title, Literal(head["title"], lang="en")))
    if head["description"] is not None:
        g.add((d, DCTERMS.description, head["description"]))
    g.add((d, DCAT_VERSION, Literal(head["version"])))
    g.add((d, OWL.versionInfo, Literal(head["version"])))
    if head["issued"] is not None:
        g.add((d, DCTERMS.issued, Literal(str(head["issued"]), datatype=XSD.date)))
    g.add((d, DCTERMS.modified, Literal(_modified(head, cur), datatype=XSD.date)))
    g.add((d, DCTERMS.creator, MAINTAINERS))
    g.add((MAINTAINERS, RDF.type, FOAF.Organization))
    g.add((MAINTAINERS, FOAF.name, Literal("cartkg maintainers")))
    for orcid in _contributors(cur):
        g.add((d, DCTERMS.contributor, URIRef(orcid)))
    if head["license"] is not None:
        g.add((d, DCTERMS.license, head["license"]))
    if head["rights"] is not None:
        g.add((d, DCTERMS.rights, head["rights"]))
    g.add((d, VOID.sparqlEndpoint, URIRef(endpoint)))
    g.add((d, VOID.uriSpace, Literal(str(ENT))))
    g.add((d, VOID.vocabulary, URIRef(str(CKG))))
    g.add((d, VOID.triples, Literal(len(graph))))
    g.add((d, VOID.entities, Literal(len(cur.entities) + len(cur.sources))))
    g.add((d, VOID.classes, Literal(len(set(graph.objects(None, RDF.type))))))
    g.add((d, VOID.properties, Literal(len(set(graph.predicates())))))
    g.add((d, VOID.distinctSubjects, Literal(len(set(graph.subjects())))))
    g.add((d, VOID.distinctObjects, Literal(len(set(graph.objects())))))
    for s in sorted(cur.sources.values(), key=lambda s: s.id):
        src = URIRef(f"https://doi.org/{s.doi}") if s.doi else URIRef(ENT[s.id])
        g.add((d, DCTERMS.source, src))
        g.add((src, RDF.type, DCTERMS.BibliographicResource))
        g.add((src, DCTERMS.title, Literal(s.title)))
        if s.doi:
            g.add((src, DCTERMS.identifier, Literal(f"doi:{s.doi}")))
        if s.pmid:
            g.add((src, DCTERMS.identifier, Literal(f"PMID:{s.pmid}")))
        g.add((src, DCTERMS.issued, Literal(str(s.year), datatype=XSD.gYear)))
        if s.licence in LICENCES:
            g.add((src, DCTERMS.license, URIRef(LICENCES[s.licence])))
        elif s.licence:
            g.add((src, DCTERMS.rights, Literal(s.licence)))
    for name in files:
        if name in MEDIA_TYPES:
            dist = URIRef(f"{BASE}dataset/distribution/{name}")
            g.add((d, DCAT.distribution, dist))
            g.add((dist, RDF.type, DCAT.Distribution))
            g.add((dist, DCTERMS.title, Literal(f"exports/{name}")))
            g.add((dist, DCAT.mediaType, URIRef(
                f"https://www.iana.org/assignments/media-types/{MEDIA_TYPES[name]}")))
            g.add((dist, DCAT.downloadURL, URIRef(release_base(head["version"]) + name)))
            if head["license"] is not None:
                g.add((dist, DCTERMS.license, head["license"]))
            if head["rights"] is not None:
                g.add((dist, DCTERMS.rights, head["rights"]))
            if name == "cartkg.nt":
                g.add((d, VOID.dataDump, dist))
    query = URIRef(f"{BASE}dataset/distribution/sparql")
    g.add((d, DCAT.distribution, query))
    g.add((query, RDF.type, DCAT.Distribution))
    g.add((query, DCAT.accessURL, URIRef(endpoint)))
    g.add((query, DCTERMS.title, Literal("SPARQL 1.1 endpoint (cartkg serve)")))
    if head["license"] is not None:
        g.add((query, DCTERMS.license, head["license"]))
    return g
