"""Content negotiation and the result formats the SPARQL endpoint speaks.

Query results (SELECT, ASK): SPARQL 1.1 JSON, XML, CSV and TSV. Graphs (CONSTRUCT, DESCRIBE,
the service description): Turtle, N-Triples, JSON-LD and RDF/XML. ``negotiate`` honours
q-values and picks the most specific matching range for each offer.

>>> negotiate("text/csv;q=0.5, application/sparql-results+xml", RESULT_TYPES)
'application/sparql-results+xml'
>>> negotiate("text/*", RESULT_TYPES)
'text/csv'
>>> negotiate("image/png", RESULT_TYPES) is None
True
"""
from __future__ import annotations

from functools import lru_cache
from xml.sax.saxutils import escape, quoteattr

from kg.store.results import to_csv, to_json, to_tsv
from kg.store.local import Result

SPARQL_XML_NS = "http://www.w3.org/2005/sparql-results#"


def _xml(result: Result) -> str:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n', f'<sparql xmlns="{SPARQL_XML_NS}">\n']
    if result.kind == "ask":
        out.append(f"<head/>\n<boolean>{'true' if result.boolean else 'false'}</boolean>\n")
        return "".join(out) + "</sparql>\n"
    out.append("<head>" + "".join(f"<variable name={quoteattr(v)}/>" for v in result.variables)
               + "</head>\n<results>\n")
    for row in result.rows:
        out.append("<result>")
        for name, term in row.items():
            if term.type == "uri":
                value = f"<uri>{escape(term.value)}</uri>"
            elif term.type == "bnode":
                value = f"<bnode>{escape(term.value)}</bnode>"
            else:
                attrs = f" xml:lang={quoteattr(term.lang)}" if term.lang else \
                    (f" datatype={quoteattr(term.datatype)}" if "datatype" in term.as_json() else "")
                value = f"<literal{attrs}>{escape(term.value)}</literal>"
            out.append(f"<binding name={quoteattr(name)}>{value}</binding>")
        out.append("</result>\n")
    return "".join(out) + "</results>\n</sparql>\n"


# media type → serializer of a Result, in the server's order of preference
RESULT_FORMATS = {
    "application/sparql-results+json": to_json,
    "application/sparql-results+xml": _xml,
    "text/csv": to_csv,
    "text/tab-separated-values": to_tsv,
    "application/json": to_json,
    "application/xml": _xml,
    "text/xml": _xml,
}
RESULT_TYPES = list(RESULT_FORMATS)
# media type → (pyoxigraph QueryResultsFormat name, fewest bytes a result row takes in it)
NATIVE_RESULTS = {
    "application/sparql-results+json": ("JSON", 3),     # {} and a comma
    "application/sparql-results+xml": ("XML", 17),      # <result></result>
    "text/csv": ("CSV", 2),                             # an empty line
    "text/tab-separated-values": ("TSV", 1),
    "application/json": ("JSON", 3),
    "application/xml": ("XML", 17),
    "text/xml": ("XML", 17),
}
# media type → pyoxigraph RdfFormat name
GRAPH_FORMATS = {
    "text/turtle": "TURTLE",
    "application/n-triples": "N_TRIPLES",
    "application/ld+json": "JSON_LD",
    "application/rdf+xml": "RDF_XML",
    "text/plain": "N_TRIPLES",
}
GRAPH_TYPES = list(GRAPH_FORMATS)


def content_type(media_type: str) -> str:
    """The Content-Type header for a media type (UTF-8 made explicit for text)."""
    textual = media_type.startswith("text/") or media_type.endswith(("json", "xml"))
    return f"{media_type}; charset=utf-8" if textual else media_type


def parse_accept(header: str | None) -> list[tuple[str, str, float]]:
    """``(type, subtype, q)`` for each media range of an Accept header."""
    ranges = []
    for part in (header or "").split(","):
        fields = [f.strip() for f in part.split(";")]
        if "/" not in fields[0]:
            continue
        main, sub = fields[0].lower().split("/", 1)
        q = 1.0
        for param in fields[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(value)))
                except ValueError:
                    q = 0.0
        ranges.append((main, sub, q))
    return ranges


def _quality(ranges, offer: str) -> float:
    main, sub = offer.split("/", 1)
    best, best_rank = 0.0, -1
    for r_main, r_sub, q in ranges:
        if r_main == main and r_sub == sub:
            rank = 2
        elif r_main == main and r_sub == "*":
            rank = 1
        elif r_main == "*" and r_sub == "*":
            rank = 0
        else:
            continue
        if rank > best_rank:
            best, best_rank = q, rank
    return best


def negotiate(header: str | None, offers: list[str]) -> str | None:
    """The offer the client prefers (ties go to the earlier offer); the first offer when
    there is no Accept header; None when the client accepts none of them."""
    return _negotiate(header, tuple(offers))


@lru_cache(maxsize=256)     # clients send the same few Accept headers again and again
def _negotiate(header: str | None, offers: tuple[str, ...]) -> str | None:
    ranges = parse_accept(header)
    if not ranges:
        return offers[0]
    scored = [(_quality(ranges, o), -i, o) for i, o in enumerate(offers)]
    q, _, offer = max(scored)
    return offer if q > 0 else None


def serialize_graph(triples, media_type: str, prefixes: dict[str, str] | None = None) -> bytes:
    """pyoxigraph triples in the RDF format named by ``media_type``."""
    import pyoxigraph as ox
    fmt = getattr(ox.RdfFormat, GRAPH_FORMATS[media_type])
    return ox.serialize(triples, format=fmt,
                        prefixes=prefixes if fmt == ox.RdfFormat.TURTLE else None)
