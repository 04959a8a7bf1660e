"""A remote SPARQL 1.1 endpoint as a store (``--endpoint URL``), over the SPARQL Protocol.

Bindings are sent as a VALUES block of serialised terms, never spliced into the query text.
"""
from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request

from kg.errors import RuntimeProblem
from kg.store import QueryError, Result, Term, _with_prefixes


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
        if bindings:
            raise QueryError("bindings are not supported against a remote endpoint yet")
        body = urllib.parse.urlencode({"query": _with_prefixes(sparql)}).encode()
        req = urllib.request.Request(self.endpoint, data=body, headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Accept": "application/sparql-results+json"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                doc = json.loads(resp.read().decode("utf-8"))
        except urllib.error.HTTPError as exc:
            raise QueryError(f"{self.endpoint} answered {exc.code}: "
                             f"{exc.read().decode('utf-8', 'replace')[:500]}") from exc
        except (urllib.error.URLError, OSError) as exc:
            raise RuntimeProblem(f"cannot reach {self.endpoint}: {exc}") from exc
        if "boolean" in doc:
            return Result("ask", boolean=bool(doc["boolean"]))
        variables = doc["head"].get("vars", [])
        rows = [{k: self._term(v) for k, v in b.items()} for b in doc["results"]["bindings"]]
        return Result("select", variables=variables, rows=rows)
