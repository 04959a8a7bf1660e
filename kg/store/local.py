"""The graph store behind every query, picked by a descriptor string.

- ``oxigraph`` (default): Oxigraph on disk at ``exports/store``; created from the committed
  ``exports/cartkg.nt`` on first use, so a fresh clone answers without a build.
- ``oxigraph-memory``: Oxigraph in memory, loaded from ``exports/cartkg.nt``.
- ``rdflib``: rdflib's in-memory graph, loaded from ``exports/cartkg.nt``.

The setting comes from ``--store`` or the CARTKG_STORE environment variable. Results are
backend-neutral ``Result`` objects whose terms follow the W3C SPARQL JSON results format.
Parameters are bound as terms (a checked VALUES block for Oxigraph, initBindings for rdflib),
never by formatting raw strings into the query.

Example (on the real graph; checked by tests/store/test_examples.py)::

    s = open_store("oxigraph-memory")
    r = s.query("SELECT ?e ?l WHERE { ?e rdfs:label ?l }", {"e": Term.iri(ENT["cd19"])})
    r.rows[0]["l"].value      # 'CD19'
"""
from __future__ import annotations

import json
import os
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

from kg.errors import KgError, RuntimeProblem
from kg.files import check_inside, write_atomically
from kg.paths import ProjectPaths, project_paths
from kg.vocab import PREFIXES

STORE_SETTINGS = ("oxigraph", "oxigraph-memory", "rdflib")


class QueryError(KgError):
    """A malformed or failing SPARQL query (exit 1: the query is what is invalid)."""

    exit_code = 1


@dataclass(frozen=True)
class Term:
    type: str                   # "uri", "literal" or "bnode"
    value: str
    datatype: str | None = None
    lang: str | None = None

    @classmethod
    def iri(cls, value: str) -> "Term":
        return cls("uri", value)

    @classmethod
    def literal(cls, value: str, datatype: str | None = None, lang: str | None = None) -> "Term":
        return cls("literal", value, datatype, lang)

    def as_json(self) -> dict:
        out = {"type": self.type, "value": self.value}
        if self.datatype and self.datatype != "http://www.w3.org/2001/XMLSchema#string":
            out["datatype"] = self.datatype
        if self.lang:
            out["xml:lang"] = self.lang
        return out

    def n3(self) -> str:
        if self.type == "uri":
            return f"<{self.value}>"
        if self.type == "bnode":
            return f"_:{self.value}"
        text = self.value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") \
            .replace("\r", "\\r")
        if self.lang:
            return f'"{text}"@{self.lang}'
        if self.datatype and self.datatype != "http://www.w3.org/2001/XMLSchema#string":
            return f'"{text}"^^<{self.datatype}>'
        return f'"{text}"'


@dataclass
class Result:
    kind: str                                   # "select", "ask" or "graph"
    variables: list[str] = field(default_factory=list)
    rows: list[dict[str, Term]] = field(default_factory=list)
    boolean: bool | None = None
    triples: list[tuple[Term, Term, Term]] = field(default_factory=list)

    def values(self, var: str) -> list[str]:
        return [r[var].value for r in self.rows if var in r]


IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^<>\"{}|^`\\\x00-\x20]*$")
LANG = re.compile(r"^[A-Za-z]+(-[A-Za-z0-9]+)*$")
VARNAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _checked(name: str, term: Term) -> str:
    problem = None
    if not VARNAME.match(name):
        problem = "not a plain variable name"
    elif term.type == "bnode":
        problem = "a blank node cannot be bound by value"
    elif term.type == "uri" and not IRI.match(term.value):
        problem = f"{term.value!r} is not a valid IRI"
    elif term.type == "literal" and term.lang and not LANG.match(term.lang):
        problem = f"{term.lang!r} is not a language tag"
    elif term.type == "literal" and term.datatype and not IRI.match(term.datatype):
        problem = f"datatype {term.datatype!r} is not a valid IRI"
    if problem:
        raise QueryError(f"cannot bind ?{name}: {problem}")
    return term.n3()


def values_block(bindings: dict[str, Term] | None) -> str:
    """A VALUES clause binding each variable to its term (empty without bindings); a term
    that cannot be written safely is refused. ``with_values`` places it in a query.

    >>> values_block({"e": Term.iri("https://w3id.org/cartkg/entity/cd19")}).strip()
    'VALUES (?e) { (<https://w3id.org/cartkg/entity/cd19>) }'
    """
    if not bindings:
        return ""
    terms = [_checked(name, term) for name, term in bindings.items()]
    names = " ".join(f"?{name}" for name in bindings)
    return f"\nVALUES ({names}) {{ ({' '.join(terms)}) }}\n"


WHERE_OPEN = re.compile(r"\bWHERE\s*\{", re.IGNORECASE)


def with_values(query: str, bindings: dict[str, Term] | None) -> str:
    r"""``query`` with its parameters bound by a VALUES block placed first in the outer WHERE
    group, where Oxigraph joins it before the patterns (a trailing VALUES block is joined
    after them in some plans: 6 ms against 475 ms on a 1M-triple graph); a trailing block
    when the query has no WHERE keyword outside comment lines.

    >>> with_values("SELECT ?l WHERE { ?e rdfs:label ?l }",
    ...             {"e": Term.iri("https://w3id.org/cartkg/entity/cd19")}).split("\n")
    ['SELECT ?l WHERE {', 'VALUES (?e) { (<https://w3id.org/cartkg/entity/cd19>) }', ' ?e rdfs:label ?l }']
    >>> with_values("# WHERE {\nASK {}", {"e": Term.iri("urn:x")}).endswith("(<urn:x>) }\n")
    True
    """
    block = values_block(bindings)
    if not block:
        return query
    for match in WHERE_OPEN.finditer(query):
        line_start = query.rfind("\n", 0, match.start()) + 1
        if not query[line_start:match.start()].lstrip().startswith("#"):
            return query[:match.end()] + block + query[match.end():]
    return query + block


def query_text(sparql: str, bindings: dict[str, Term] | None = None) -> str:
    """The text an engine is given for ``sparql``: the parameters bound by ``with_values``
    and the project's prefixes declared.

    >>> text = query_text("ASK { ?e a ckg:Strategy }", {"e": Term.iri("urn:x")})
    >>> text.startswith("PREFIX"), text.splitlines()[-2:]
    (True, ['ASK { ?e a ckg:Strategy }', 'VALUES (?e) { (<urn:x>) }'])
    """
    return _with_prefixes(with_values(sparql, bindings))


_POSITION = re.compile(r"\b(at |line )(\d+):(\d+)")


def user_position(message: str, sparql: str, bindings: dict[str, Term] | None = None) -> str:
    """An engine's error message with its "line:column" counted in the user's own text
    rather than in the text the engine was given (declared prefixes come first).

    >>> hidden = len(PREFIXES)                    # one PREFIX line each comes first
    >>> user_position(f"error at {hidden + 2}:2: expected", "ASK {" + chr(10) + "?s ?p ?o")
    'error at 2:2: expected'
    """
    hidden = query_text(sparql, bindings).count("\n") - sparql.count("\n")

    def shift(m: re.Match) -> str:
        line = int(m.group(2)) - hidden
        return f"{m.group(1)}{line}:{m.group(3)}" if line >= 1 else m.group(0)
    return _POSITION.sub(shift, message)


def _with_prefixes(query: str) -> str:
    """Prepend the project's PREFIX lines unless the query declares a prefix itself."""
    declared = {line.split()[1].rstrip(":") for line in query.splitlines()
                if line.strip().upper().startswith("PREFIX") and len(line.split()) > 1}
    return "".join(f"PREFIX {p}: <{iri}>\n" for p, iri in PREFIXES.items()
                   if p not in declared) + query


_TERMS: dict = {}          # pyoxigraph term -> Term, emptied when it reaches _TERMS_MAX
_TERMS_MAX = 100_000


class OxigraphStore:
    """Oxigraph, on disk (read-only) or in memory."""

    name = "oxigraph"

    def __init__(self, store):
        self._store = store
        # set by open_store for the project's on-disk store: where answers derived from it
        # may be kept (``derived``), and the fingerprint of the graph it holds
        self.derived_dir: Path | None = None
        self.fingerprint: str | None = None

    @classmethod
    def open(cls, path: Path) -> "OxigraphStore":
        import pyoxigraph as ox
        try:
            return cls(ox.Store.read_only(str(path)))
        except OSError as exc:
            raise RuntimeProblem(f"cannot open the store at {path}: {exc}; run 'cartkg build'") \
                from exc

    @classmethod
    def in_memory(cls, ntriples: Path) -> "OxigraphStore":
        import pyoxigraph as ox
        store = ox.Store()
        store.bulk_load(path=str(ntriples), format=ox.RdfFormat.N_TRIPLES)
        return cls(store)

    @classmethod
    def from_bytes(cls, data: bytes, turtle: bool = False) -> "OxigraphStore":
        """An in-memory store of N-Triples (or Turtle) ``data``; SyntaxError when malformed."""
        import pyoxigraph as ox
        store = ox.Store()
        store.load(data, format=ox.RdfFormat.TURTLE if turtle else ox.RdfFormat.N_TRIPLES)
        return cls(store)

    @staticmethod
    def create(path: Path, ntriples: Path) -> None:
        """Write a new on-disk store at ``path`` from an N-Triples file."""
        import pyoxigraph as ox
        store = ox.Store(str(path))
        store.bulk_load(path=str(ntriples), format=ox.RdfFormat.N_TRIPLES)
        store.flush()
        store.optimize()
        del store

    @staticmethod
    def term(t) -> Term:
        """A pyoxigraph term as a backend-neutral Term (remembered: answers repeat terms, and
        building a Term costs more than the lookup).

        >>> import pyoxigraph as ox
        >>> OxigraphStore.term(ox.Literal("CD19", language="en"))
        Term(type='literal', value='CD19', datatype=None, lang='en')
        """
        known = _TERMS.get(t)
        if known is None:
            if len(_TERMS) >= _TERMS_MAX:
                _TERMS.clear()
            known = _TERMS[t] = OxigraphStore._convert(t)
        return known

    @staticmethod
    def _convert(t) -> Term:
        import pyoxigraph as ox
        if isinstance(t, ox.NamedNode):
            return Term.iri(t.value)
        if isinstance(t, ox.BlankNode):
            return Term("bnode", t.value)
        if t.language:  # SPARQL JSON: xml:lang, and no rdf:langString datatype
            return Term.literal(t.value, None, t.language)
        return Term.literal(t.value, t.datatype.value if t.datatype else None)

    def query(self, sparql: str, bindings: dict[str, Term] | None = None) -> Result:
        try:
            # A VALUES block of serialised terms at the head of WHERE: Oxigraph joins it
            # first, where `substitutions` are applied after the join (5-11x slower).
            return self._result(self._store.query(query_text(sparql, bindings)))
        except SyntaxError as exc:
            raise QueryError("SPARQL syntax error: "
                             + user_position(str(exc), sparql, bindings)) from exc
        except (OSError, RuntimeError, ValueError) as exc:   # also while the rows are read
            raise QueryError(f"SPARQL evaluation failed: {exc}") from exc

    def _result(self, res) -> Result:
        import pyoxigraph as ox
        if isinstance(res, (bool, ox.QueryBoolean)):
            return Result("ask", boolean=bool(res))
        if isinstance(res, ox.QuerySolutions):
            names = [v.value for v in res.variables]
            term = self.term
            rows = [{n: term(v) for n, v in zip(names, sol) if v is not None} for sol in res]
            return Result("select", variables=names, rows=rows)
        return Result("graph", triples=[(self.term(t.subject), self.term(t.predicate),
                                         self.term(t.object)) for t in res])


class RdflibStore:
    """rdflib's in-memory graph: the slow, pure-Python embedded option."""

    name = "rdflib"

    def __init__(self, graph):
        self._graph = graph

    @classmethod
    def in_memory(cls, ntriples: Path) -> "RdflibStore":
        import rdflib
        return cls(rdflib.Graph().parse(ntriples, format="nt"))

    @staticmethod
    def _term(t) -> Term:
        import rdflib
        if isinstance(t, rdflib.URIRef):
            return Term.iri(str(t))
        if isinstance(t, rdflib.BNode):
            return Term("bnode", str(t))
        return Term.literal(str(t), str(t.datatype) if t.datatype else None, t.language)

    @staticmethod
    def _native(t: Term):
        import rdflib
        if t.type == "uri":
            return rdflib.URIRef(t.value)
        return rdflib.Literal(t.value, lang=t.lang,
                              datatype=rdflib.URIRef(t.datatype) if t.datatype else None)

    def query(self, sparql: str, bindings: dict[str, Term] | None = None) -> Result:
        try:
            res = self._graph.query(_with_prefixes(sparql),
                                    initBindings={k: self._native(v) for k, v in (bindings or {}).items()})
        except Exception as exc:  # rdflib raises pyparsing and other errors for bad queries
            raise QueryError(f"SPARQL error: {exc}") from exc
        if res.type == "ASK":
            return Result("ask", boolean=bool(res.askAnswer))
        if res.type == "SELECT":
            names = [str(v) for v in res.vars]
            rows = [{n: self._term(row[i]) for i, n in enumerate(names) if row[i] is not None}
                    for row in res]
            return Result("select", variables=names, rows=rows)
        return Result("graph", triples=[tuple(self._term(x) for x in t) for t in res])


def graph_fingerprint(nt: Path) -> str:
    """What the on-disk store was made from: the SHA-256 of the N-Triples file."""
    import hashlib
    return hashlib.sha256(nt.read_bytes()).hexdigest()


def fingerprint_file(paths: ProjectPaths) -> Path:
    return paths.exports / "store.fingerprint"


def make_disk_store(paths: ProjectPaths, nt: Path | None = None) -> Path:
    """(Re)make the on-disk store from ``nt`` (default exports/cartkg.nt), swapping it in by
    renaming so that a reader never sees half a store, and record its fingerprint."""
    nt = nt or paths.graph
    tmp = check_inside(paths.root, paths.exports / f"store.tmp-{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    OxigraphStore.create(tmp, nt)
    old = paths.exports / f"store.old-{os.getpid()}"
    if paths.store.exists():
        os.rename(paths.store, old)
    try:
        os.rename(tmp, paths.store)
    except OSError:  # another process made it first
        shutil.rmtree(tmp, ignore_errors=True)
    shutil.rmtree(old, ignore_errors=True)
    write_atomically(fingerprint_file(paths), graph_fingerprint(nt) + "\n", inside=paths.root)
    return paths.store


def ensure_disk_store(paths: ProjectPaths) -> Path:
    """The on-disk store, made from ``exports/cartkg.nt`` when it is missing or was made
    from another version of that file (after a ``git pull``, say)."""
    nt = paths.graph
    if not nt.exists():
        if paths.store.exists():
            return paths.store
        raise RuntimeProblem(f"no store and no {nt}: run 'cartkg build' first")
    recorded = fingerprint_file(paths)
    if paths.store.exists() and recorded.exists() \
            and recorded.read_text(encoding="utf-8").strip() == graph_fingerprint(nt):
        return paths.store
    if paths.store.exists():
        print(f"[store] {nt} changed since the store in {paths.store} was made: reloading it",
              file=sys.stderr)
    return make_disk_store(paths, nt)


def open_store(setting: str | None = None, paths: ProjectPaths | None = None):
    """Open the store named by ``setting`` (default: $CARTKG_STORE, else ``oxigraph``)."""
    paths = paths or project_paths()
    setting = setting or os.environ.get("CARTKG_STORE") or "oxigraph"
    if paths.packaged and setting == "oxigraph":
        setting = "oxigraph-memory"         # the packaged graph is read-only: no disk store
    nt = paths.graph
    if setting == "oxigraph":
        store = OxigraphStore.open(ensure_disk_store(paths))
        recorded = fingerprint_file(paths)
        if recorded.exists():
            store.derived_dir = paths.exports
            store.fingerprint = recorded.read_text(encoding="utf-8").strip()
        return store
    if setting in ("oxigraph-memory", "rdflib"):
        if not nt.exists():
            raise RuntimeProblem(f"{nt} is missing: run 'cartkg build' first")
        return (OxigraphStore if setting == "oxigraph-memory" else RdflibStore).in_memory(nt)
    raise RuntimeProblem(f"unknown store {setting!r}: use one of {', '.join(STORE_SETTINGS)}")


def derived(store, name: str, make: Callable[[], Any]) -> Any:
    """What ``make()`` returns (JSON data), kept beside the project's on-disk store in
    ``exports/store.derived-NAME.json`` and reused while the store holds the same graph (its
    fingerprint is recorded in the file). Other stores, and a file that is missing, stale or
    unreadable, call ``make``; a folder that cannot be written is not an error."""
    folder, fingerprint = getattr(store, "derived_dir", None), getattr(store, "fingerprint", None)
    if folder is None or not fingerprint:
        return make()
    path = folder / f"store.derived-{name}.json"
    try:
        kept = json.loads(path.read_text(encoding="utf-8"))
        if kept.get("graph") == fingerprint:
            return kept["value"]
    except (OSError, ValueError, KeyError, AttributeError):
        pass
    value = make()
    try:
        write_atomically(path, json.dumps({"graph": fingerprint, "value": value},
                                          ensure_ascii=False))
    except OSError:
        pass
    return value
