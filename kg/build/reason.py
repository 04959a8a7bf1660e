"""Reasoning over a copy of the compiled graph: consistency, unsatisfiable classes, the inferred
class hierarchy, and the inferred facts the question commands use (mechanism classification,
transitive ``kindOf``, ``leadsTo`` inherited through ``kindOf``, inverse relations).

HermiT (through owlready2, needs Java) is the default; ``owlrl`` is the pure-Python OWL 2 RL
path used when Java is missing or when asked. Both reason over the ontology and the curated
entities; evidence items and statistics (checked by the loader and SHACL, and feeding no
inference the answers use) are left out, which keeps reasoning time flat as curation grows. Both return only the inferences that matter to
answers, filtered to the project's namespaces, so their outputs can be compared.

Example (on the real graph; checked by tests/build/test_examples.py)::

    from kg.build.compile import compile_graph
    from kg.curation.sources import load_curation
    p = project_paths()
    r = reason(compile_graph(p, load_curation(p)), engine="owlrl")
    r.consistent, r.engine      # (True, 'owlrl')
"""
from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import rdflib
from rdflib import URIRef
from rdflib.namespace import OWL, RDF, RDFS

from kg.errors import RuntimeProblem
from kg.vocab import CKG, ENT, EVIDENCE


@dataclass
class Reasoning:
    engine: str
    consistent: bool
    unsatisfiable: list[str] = field(default_factory=list)
    inferred: set[tuple] = field(default_factory=set)          # rdflib triples
    subclass_axioms: list[tuple[str, str]] = field(default_factory=list)  # inferred (sub, super)
    message: str = ""


def java_available() -> bool:
    return shutil.which("java") is not None


def _keep(triple) -> bool:
    """Inferences worth materialising: types, relations and subsumptions in our namespaces."""
    s, p, o = triple
    if not isinstance(s, URIRef) or not isinstance(o, URIRef):
        return False
    s, p, o = str(s), str(p), str(o)
    ours = (str(ENT), str(EVIDENCE))
    if p == str(RDF.type):
        return s.startswith(ours) and o.startswith(str(CKG))
    if p == str(RDFS.subClassOf):
        return s.startswith(str(CKG)) and o.startswith(str(CKG)) and s != o
    return p.startswith(str(CKG)) and s.startswith(ours) and o.startswith(ours)


def _finish(engine: str, before: rdflib.Graph, after) -> Reasoning:
    inferred = {t for t in after if _keep(t) and t not in before}
    # Close types over the class hierarchy so every engine reports the same memberships.
    supers: dict = {}
    for s, _, o in [*before.triples((None, RDFS.subClassOf, None)),
                    *(t for t in inferred if t[1] == RDFS.subClassOf)]:
        if isinstance(s, URIRef) and isinstance(o, URIRef):
            supers.setdefault(s, set()).add(o)
    typed = [(s, o) for s, p, o in [*before.triples((None, RDF.type, None)), *inferred]
             if p == RDF.type]
    for s, cls in typed:
        todo = list(supers.get(cls, ()))
        while todo:
            c = todo.pop()
            t = (s, RDF.type, c)
            if t not in inferred and t not in before and _keep(t):
                inferred.add(t)
                todo.extend(supers.get(c, ()))
            elif t in before or t in inferred:
                todo.extend(c2 for c2 in supers.get(c, ()) if (s, RDF.type, c2) not in inferred)
    axioms = sorted((str(s), str(o)) for s, p, o in inferred if p == RDFS.subClassOf)
    return Reasoning(engine=engine, consistent=True, inferred=inferred, subclass_axioms=axioms)


# HermiT runs a few seconds in a fresh JVM, too short for the optimising JIT compiler to pay
# off: the quick compiler alone halves its time (3.3 -> 1.7 s). Options the user sets win.
JVM_OPTIONS = "-XX:TieredStopAtLevel=1"


@contextmanager
def _java_tool_options(options: str):
    """Set JAVA_TOOL_OPTIONS (which owlready2's java picks up) for the duration."""
    old = os.environ.get("JAVA_TOOL_OPTIONS")
    os.environ["JAVA_TOOL_OPTIONS"] = f"{options} {old}" if old else options
    try:
        yield
    finally:
        if old is None:
            del os.environ["JAVA_TOOL_OPTIONS"]
        else:
            os.environ["JAVA_TOOL_OPTIONS"] = old


def view_ntriples(ntriples: str) -> bytes:
    """The reasoning view (see ``reasoning_view``) of a graph's N-Triples: every line but
    those of evidence items and statistics; quicker than copying the graph.

    >>> view_ntriples(f"<{EVIDENCE}x> <urn:p> <urn:o> .\\n<urn:a> <urn:p> <urn:b> .\\n")
    b'<urn:a> <urn:p> <urn:b> .\\n'
    """
    skip = f"<{EVIDENCE}"
    return "".join(line + "\n" for line in ntriples.splitlines()
                   if not line.startswith(skip)).encode("utf-8")


def _reason_hermit(graph: rdflib.Graph, view: bytes | None = None) -> Reasoning:
    """HermiT over the reasoning view of ``graph`` (the whole compiled graph), or over
    ``view``, that view's N-Triples when the caller has them."""
    import owlready2

    with tempfile.TemporaryDirectory(prefix="cartkg-reason-") as tmp:
        path = Path(tmp) / "graph.nt"
        path.write_bytes(view if view is not None else
                         view_ntriples(graph.serialize(format="nt", encoding="utf-8").decode()))
        world = owlready2.World()
        onto = world.get_ontology(path.as_uri()).load(format="ntriples")
        try:
            with onto, _java_tool_options(JVM_OPTIONS):
                owlready2.sync_reasoner_hermit(world, infer_property_values=True, debug=0)
        except owlready2.OwlReadyInconsistentOntologyError:
            return Reasoning(engine="hermit", consistent=False,
                             message="HermiT: the ontology with its individuals is inconsistent")
        except owlready2.OwlReadyJavaError as exc:
            raise RuntimeProblem(f"HermiT failed to run: {exc}") from exc
        unsat = sorted(c.iri for c in world.inconsistent_classes())
        result = _finish("hermit", graph, world.as_rdflib_graph().triples((None, None, None)))
        result.unsatisfiable = unsat
        result.consistent = not unsat or all(not u.startswith(str(CKG)) for u in unsat)
        return result


def _reason_owlrl(graph: rdflib.Graph) -> Reasoning:
    import owlrl

    work = rdflib.Graph()
    for t in graph:
        work.add(t)
    owlrl.DeductiveClosure(owlrl.OWLRL_Semantics, axiomatic_triples=False,
                           datatype_axioms=False).expand(work)
    # OWL 2 RL signals inconsistency with owl:Nothing memberships and rdfs:comment errors.
    clashes = sorted(str(s) for s in work.subjects(RDF.type, OWL.Nothing))
    result = _finish("owlrl", graph, work)
    if clashes:
        result.consistent = False
        result.message = "OWL RL: individuals in owl:Nothing: " + ", ".join(clashes)
    unsat = sorted(str(c) for c in work.subjects(RDFS.subClassOf, OWL.Nothing)
                   if isinstance(c, URIRef) and c != OWL.Nothing)
    result.unsatisfiable = unsat
    return result


def reasoning_view(graph: rdflib.Graph) -> rdflib.Graph:
    """A copy of ``graph`` without the evidence items and statistics."""
    view = rdflib.Graph()
    for t in graph:
        if not str(t[0]).startswith(str(EVIDENCE)):
            view.add(t)
    return view


def resolved_engine(engine: str) -> str:
    """The engine ``engine`` names: auto is HermiT when Java is on the PATH, else OWL RL."""
    if engine == "auto":
        return "hermit" if java_available() else "owlrl"
    return engine


def reason(graph: rdflib.Graph, engine: str = "auto", view: bytes | None = None) -> Reasoning:
    """Reason over a copy of ``graph`` (see ``reasoning_view``; ``view``: its N-Triples, if
    already made). ``engine``: hermit, owlrl, or auto (HermiT when Java is on the PATH,
    otherwise OWL RL with a note in ``message``)."""
    if engine == "auto" and resolved_engine(engine) == "owlrl":
        result = _reason_owlrl(reasoning_view(graph))
        result.message = (result.message + " " if result.message else "") + \
            "Java not found: used the pure-Python OWL RL reasoner instead of HermiT."
        return result
    engine = resolved_engine(engine)
    if engine == "hermit":
        if not java_available():
            raise RuntimeProblem("HermiT needs Java, which is not on the PATH: install a JRE "
                                 "(e.g. apt-get install default-jre-headless) or use --engine owlrl")
        return _reason_hermit(graph, view)
    if engine == "owlrl":
        return _reason_owlrl(reasoning_view(graph))
    raise RuntimeProblem(f"unknown reasoner {engine!r}: use hermit, owlrl or auto")
