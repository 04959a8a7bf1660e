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
from functools import lru_cache
from typing import Iterable

from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, XSD

KEYWORD_LIKE = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")


@lru_cache(maxsize=1 << 16)
def _compact(iri: str, prefixes: tuple[tuple[str, str], ...]) -> str:
    """``iri`` as prefix:name by the longest matching namespace (``prefixes``: (prefix, IRI)
    pairs, hashable so that the answers are remembered: a graph repeats its IRIs)."""
    best = ""
    for prefix, ns in prefixes:
        if iri.startswith(ns) and len(ns) > len(best) and not iri[len(ns):].startswith("//"):
            best = ns
            name = f"{prefix}:{iri[len(ns):]}"
    return name if best else iri


def _local(iri: str) -> str:
    return re.split(r"[/#]", iri)[-1]


def _terms(triples: list, prefixes: dict[str, str]) -> dict[str, dict]:
    """Property IRI -> {"name", "coerce"}: a short name where the local name is unique, a valid
    JSON-LD term and not a prefix; ``coerce`` when every value of the property is an IRI."""
    iri_only: dict[str, bool] = {}
    for _, p, o in triples:
        if p != RDF.type:
            iri_only[str(p)] = iri_only.get(str(p), True) and isinstance(o, URIRef)
    names: dict[str, int] = {}
    for p in iri_only:
        names[_local(p)] = names.get(_local(p), 0) + 1
    out = {}
    for p, coerce in iri_only.items():
        name = _local(p)
        unique = names[name] == 1 and KEYWORD_LIKE.match(name) and name not in prefixes
        out[p] = {"name": name if unique else _compact(p, tuple(prefixes.items())),
                  "term": bool(unique),
                  "coerce": coerce}
    return out


def _value(o, coerce: bool, prefixes: tuple[tuple[str, str], ...]):
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


def compact_jsonld(triples: Iterable[tuple], prefixes: dict[str, str]) -> dict:
    """``triples`` (rdflib terms; an ``rdflib.Graph`` will do) as one compact JSON-LD document
    (``@context`` and ``@graph``)."""
    triples = list(dict.fromkeys(triples))     # a set's semantics, in a stable order
    terms = _terms(triples, prefixes)
    pairs = tuple(prefixes.items())
    context: dict = dict(sorted(prefixes.items()))
    for iri, t in sorted(terms.items(), key=lambda kv: kv[1]["name"]):
        if t["term"]:
            context[t["name"]] = {"@id": _compact(iri, pairs), "@type": "@id"} \
                if t["coerce"] else _compact(iri, pairs)
    nodes: dict = {}
    rdf_type = RDF.type
    for s, p, o in triples:
        sid = f"_:{s}" if isinstance(s, BNode) else _compact(str(s), pairs)
        node = nodes.setdefault(sid, {"@id": sid})
        if p == rdf_type and isinstance(o, URIRef):
            node.setdefault("@type", []).append(_compact(str(o), pairs))
            continue
        t = terms.get(str(p)) or {"name": _compact(str(p), pairs), "term": False,
                                  "coerce": False}
        node.setdefault(t["name"], []).append(_value(o, t["term"] and t["coerce"], pairs))
    out = []
    for sid in sorted(nodes):
        node = nodes[sid]
        for key in node:
            if key != "@id":
                values = sorted(node[key], key=_sort_key)
                node[key] = values[0] if len(values) == 1 else values
        out.append(dict(sorted(node.items())))
    return {"@context": context, "@graph": out}
