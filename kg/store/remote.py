"""A remote SPARQL 1.1 endpoint as a store (``--endpoint URL``), over the SPARQL Protocol.

Bindings are sent as a VALUES block of serialised terms (``Term.n3()``), never spliced into
the query text; a term that cannot be written safely (an IRI with characters IRIs may not
hold, a malformed language tag, a blank node, a bad variable name) is refused. The block is
placed first in the outer WHERE group (``kg.store.local.with_values``), so a bound variable must be
in scope there: not one hidden inside a sub-query.

>>> values_block({"e": Term.iri("https://w3id.org/cartkg/entity/cd19"),
...               "l": Term.literal('say "hi"', lang="en")})
'\\nVALUES (?e ?l) { (<https://w3id.org/cartkg/entity/cd19> "say \\\\"hi\\\\""@en) }\\n'
>>> values_block({"e": Term.iri("http://x> } ; DROP ALL ; <y")})
Traceback (most recent call last):
...
kg.store.local.QueryError: cannot bind ?e: 'http://x> } ; DROP ALL ; <y' is not a valid IRI
"""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from kg.errors import RuntimeProblem
from kg.store.local import QueryError, Result, Term, query_text, values_block  # noqa: F401

ACCEPT = "application/sparql-results+json, application/n-triples;q=0.9"


class RemoteStore:
    name = "remote"

    def __init__(self, endpoint: str, timeout: float = 30.0):
        if not endpoint.startswith(("http://", "https://")):
            raise RuntimeProblem(f"endpoint {endpoint!r} is not an http(s) URL")
        self.endpoint, self.timeout = endpoint, timeout

    @staticmethod
    def _term(j: dict) -> Term:
        kind = {"uri": "uri", "bnode": "bnode"}.get(j["type"], "literal")
        return Term(kind, j["value"], j.get("datatype"), j.get("xml:lang"))

    def query(self, sparql: str, bindings: dict[str, Term] | None = None) -> Result:
        text = query_text(sparql, bindings)
        body = urllib.parse.urlencode({"query": text}).encode()
        req = urllib.request.Request(self.endpoint, data=body, headers={
            "Content-Type": "application/x-www-form-urlencoded", "Accept": ACCEPT})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                ctype = resp.headers.get("Content-Type", "")
                data = resp.read()
        except urllib.error.HTTPError as exc:
            raise QueryError(f"{self.endpoint} answered {exc.code}: "
                             f"{exc.read().decode('utf-8', 'replace')[:500]}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise RuntimeProblem(f"cannot reach {self.endpoint}: {exc}") from exc
        if ctype.startswith(("application/n-triples", "text/plain")):
            return self._graph(data)
        try:
            doc = json.loads(data.decode("utf-8"))
        except (UnicodeDecodeError, ValueError) as exc:
            raise QueryError(f"{self.endpoint} did not answer SPARQL JSON ({ctype})") from exc
        if "boolean" in doc:
            return Result("ask", boolean=bool(doc["boolean"]))
        variables = doc["head"].get("vars", [])
        rows = [{k: self._term(v) for k, v in b.items()} for b in doc["results"]["bindings"]]
        return Result("select", variables=variables, rows=rows)

    @staticmethod
    def _graph(data: bytes) -> Result:
        import pyoxigraph as ox
        from kg.store.local import OxigraphStore
        triples = ox.parse(data, format=ox.RdfFormat.N_TRIPLES)
        return Result("graph", triples=[(OxigraphStore.term(t.subject),
                                         OxigraphStore.term(t.predicate),
                                         OxigraphStore.term(t.object)) for t in triples])
