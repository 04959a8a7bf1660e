"""The question API (``/api/NAME?param=…``): the CLI's questions, answered with exactly the JSON
that ``cartkg NAME … --json`` prints. No match answers 404 with ``{"error", "candidates"}``;
a bad parameter answers 400 the same way.

>>> from kg.store.local import open_store
>>> s = open_store("oxigraph-memory")
>>> answer(s, "lookup", {"text": "Yescarta"})[1][0]["label"]
'Axicabtagene ciloleucel'
>>> status, body = answer(s, "lookup", {"text": "Kymriah zzz"})
>>> status, body["error"], body["candidates"][:1]
(404, "no entity matches 'Kymriah zzz'", ['Kymriah'])
"""
from __future__ import annotations

from kg.errors import NoMatch

OUTCOMES, DIRECTIONS = ("response", "long-term"), ("favourable", "unfavourable")
ACTIONS = ("prevention", "monitoring", "treatment", "product-design")
SCOPE = ("disease", "therapy", "population", "after")
FLAGS = {"": False, "0": False, "false": False, "no": False, "off": False,
         "1": True, "true": True, "yes": True, "on": True}


class BadParameter(ValueError):
    def __init__(self, message: str, candidates: list[str]):
        super().__init__(message)
        self.candidates = candidates


def _flag(params: dict, name: str) -> bool:
    value = params.get(name, "").lower()
    if value not in FLAGS:
        raise BadParameter(f"{name} must be true or false, not {value!r}", ["true", "false"])
    return FLAGS[value]


def _choice(params: dict, name: str, allowed: tuple[str, ...]) -> str | None:
    value = params.get(name) or None
    if value is not None and value not in allowed:
        raise BadParameter(f"{name} must be one of {', '.join(allowed)}", list(allowed))
    return value


def _lookup(store, p):
    from kg.answers.lookup import closest_names, lookup
    matches = lookup(store, p["text"])
    if not matches:
        raise NoMatch(f"no entity matches {p['text']!r}", closest_names(store, p["text"]))
    return matches


def _scope(p) -> dict:
    return {k: p.get(k) or None for k in SCOPE}


def _evidence(store, p):
    from kg.answers.evidence import evidence_items
    from kg.answers.lookup import entity_index, resolve
    from kg.answers.scope import Scope
    about = resolve(store, p["about"])["iri"] if p.get("about") else None
    items = evidence_items(store, source=p.get("source") or None, about_iri=about,
                           include_drafts=_flag(p, "include_drafts"))
    if any(_scope(p).values()):
        scope = Scope.build(store, entity_index(store), **_scope(p))
        items = [scope.annotate(i) for i in items]
    if not items:
        sources = sorted({i["source"] for i in evidence_items(store) if i["source"]})
        raise NoMatch("no evidence items match", sources if p.get("source") else [])
    return items


def _question(name: str):
    def run(store, p):
        from kg.answers import questions
        extra = {"action": _choice(p, "action", ACTIONS)} if name == "strategies" else {}
        answer = getattr(questions, name)(store, p["text"],
                                          include_drafts=_flag(p, "include_drafts"),
                                          **_scope(p), **extra)
        if not answer:
            raise NoMatch(f"no {name} found for {p['text']!r}: ask /api/evidence?about= for "
                          "what the graph says about it")
        return answer
    return run


def _ask(store, p):
    from kg.answers.ask import ask
    return ask(store, p["text"], include_drafts=_flag(p, "include_drafts"), **_scope(p))


def _assess(store, p):
    from kg.answers.questions import assess
    findings = [f.strip() for f in p["findings"].split(";") if f.strip()]
    return assess(store, findings, include_drafts=_flag(p, "include_drafts"), **_scope(p))


def _biomarkers(store, p):
    from kg.answers.questions import biomarkers
    answer = biomarkers(store, _choice(p, "outcome", OUTCOMES),
                        _choice(p, "direction", DIRECTIONS), _flag(p, "include_drafts"),
                        **_scope(p))
    if not answer:
        raise NoMatch("no biomarkers match")
    return answer


def _references(store, p):
    from kg.answers.references import references
    answer = references(store, p["text"])
    if not answer["studies"]:
        raise NoMatch(f"no resolved primary study behind {p['text']!r}")
    return answer


def _stats(store, p):
    from kg.answers.stats import graph_stats
    return graph_stats(store)


# name → (handler, required parameters, optional parameters)
ENDPOINTS = {
    "lookup": (_lookup, ("text",), ()),
    "evidence": (_evidence, (), ("source", "about", "include_drafts", *SCOPE)),
    "strategies": (_question("strategies"), ("text",), ("include_drafts", "action", *SCOPE)),
    "mechanisms": (_question("mechanisms"), ("text",), ("include_drafts", *SCOPE)),
    "biomarkers": (_biomarkers, (), ("outcome", "direction", "include_drafts", *SCOPE)),
    "assess": (_assess, ("findings",), ("include_drafts", *SCOPE)),
    "ask": (_ask, ("text",), ("include_drafts", *SCOPE)),
    "references": (_references, ("text",), ()),
    "stats": (_stats, (), ()),
}


def _usage() -> dict:
    return {f"/api/{name}": {"required": list(req), "optional": list(opt)}
            for name, (_, req, opt) in ENDPOINTS.items()}


def answer(store, name: str, params: dict[str, str]) -> tuple[int, object]:
    """``(HTTP status, JSON-ready answer)`` for ``/api/NAME?params``."""
    if name == "":
        return 200, _usage()
    if name not in ENDPOINTS:
        return 404, {"error": f"no API endpoint /api/{name}", "candidates": list(_usage())}
    handler, required, optional = ENDPOINTS[name]
    unknown = sorted(set(params) - set(required) - set(optional))
    missing = [p for p in required if not params.get(p)]
    if unknown or missing:
        what = f"unknown parameter {unknown[0]!r}" if unknown else f"{missing[0]} is required"
        return 400, {"error": f"/api/{name}: {what}", "candidates": [*required, *optional]}
    try:
        return 200, handler(store, params)
    except BadParameter as exc:
        return 400, {"error": str(exc), "candidates": exc.candidates}
    except NoMatch as exc:
        return 404, {"error": str(exc), "candidates": exc.candidates}
