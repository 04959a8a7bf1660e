"""The graph as compact JSON-LD: one document with an embedded ``@context`` (the prefixes, and a
short name for each property whose local name is unambiguous), ``@type`` for classes and every
resource a node of ``@graph``, sorted, so two builds give the same file.

Values are written so that they expand to exactly the triples of the graph: IRIs as compact
IRIs (by a term that coerces ``@id``, or as ``{"@id": ...}``), plain strings as strings,
language-tagged and typed literals as value objects (numbers stay their lexical form, so
``4.35`` keeps its ``xsd:decimal`` type).

>>> import rdflib
>>> g = rdflib.Graph().parse(data='<https://w3id.org/cartkg/entity/a> a <https://w3id.org/cartkg/vocab/Gene> ; '
...     '<http://www.w3.org/2000/01/rdf-schema#label> "A" .', format="turtle")
>>> doc = compact_jsonld(g, {"ent": "https://w3id.org/cartkg/entity/",
...                          "ckg": "https://w3id.org/cartkg/vocab/",
...                          "rdfs": "http://www.w3.org/2000/01/rdf-schema#"})
>>> doc["@graph"]
[{'@id': 'ent:a', '@type': 'ckg:Gene', 'label': 'A'}]
"""
from __future__ import annotations

import re

import rdflib
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, XSD

KEYWORD_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


def _compact(iri: str, prefixes: dict[str, str]) -> str:
    best = ""
    for prefix, ns in prefixes.items():
        if iri.startswith(ns) and len(ns) > len(best) and not iri[len(ns):].startswith("//"):
            best = ns
            name = f"{prefix}:{iri[len(ns):]}"
    return name if best else iri


def _local(iri: str) -> str:
    return re.split(r"[/#]", iri)[-1]


def _terms(graph: rdflib.Graph, prefixes: dict[str, str]) -> dict[str, dict]:
    """Property IRI -> {"name", "coerce"}: a short name where the local name is unique, a valid
    JSON-LD term and not a prefix; ``coerce`` when every value of the property is an IRI."""
    predicates = {p for p in graph.predicates() if p != RDF.type}
    names: dict[str, list] = {}
    for p in predicates:
        names.setdefault(_local(str(p)), []).append(p)
    out = {}
    for p in predicates:
        name = _local(str(p))
        unique = len(names[name]) == 1 and KEYWORD_LIKE.match(name) and name not in prefixes
        out[str(p)] = {"name": name if unique else _compact(str(p), prefixes),
                       "term": bool(unique),
                       "coerce": all(isinstance(o, URIRef) for o in graph.objects(None, p))}
    return out


def _value(o, coerce: bool, prefixes: dict[str, str]):
    if isinstance(o, URIRef):
        iri = _compact(str(o), prefixes)
        return iri if coerce else {"@id": iri}
    if isinstance(o, BNode):
        return {"@id": f"_:{o}"}
    assert isinstance(o, Literal)
    if o.language:
        return {"@value": str(o), "@language": o.language}
    if o.datatype is None or o.datatype == XSD.string:
        return str(o)
    return {"@value": str(o), "@type": _compact(str(o.datatype), prefixes)}


def _sort_key(value) -> str:
    import json
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def compact_jsonld(graph: rdflib.Graph, prefixes: dict[str, str]) -> dict:
    """``graph`` as one compact JSON-LD document (``@context`` and ``@graph``)."""
    terms = _terms(graph, prefixes)
    context: dict = dict(sorted(prefixes.items()))
    for iri, t in sorted(terms.items(), key=lambda kv: kv[1]["name"]):
        if t["term"]:
            context[t["name"]] = {"@id": _compact(iri, prefixes), "@type": "@id"} \
                if t["coerce"] else _compact(iri, prefixes)
    nodes: dict = {}
    for s, p, o in graph:
        sid = f"_:{s}" if isinstance(s, BNode) else _compact(str(s), prefixes)
        node = nodes.setdefault(sid, {"@id": sid})
        if p == RDF.type and isinstance(o, URIRef):
            node.setdefault("@type", []).append(_compact(str(o), prefixes))
            continue
        t = terms.get(str(p)) or {"name": _compact(str(p), prefixes), "term": False,
                                  "coerce": False}
        node.setdefault(t["name"], []).append(_value(o, t["term"] and t["coerce"], prefixes))
    out = []
    for sid in sorted(nodes):
        node = nodes[sid]
        for key in node:
            if key != "@id":
                values = sorted(node[key], key=_sort_key)
                node[key] = values[0] if len(values) == 1 else values
        out.append(dict(sorted(node.items())))
    return {"@context": context, "@graph": out}
