"""What the server lets a SPARQL request do, checked on the text before Oxigraph sees it.

Oxigraph would evaluate ``SERVICE`` (an HTTP request from the server) and ``LOAD`` (a read of
any URL or file), so both are refused; so is nesting deep enough to exhaust the parser's
stack. The text is split into tokens the way the SPARQL grammar does (strings, IRIs, comments,
variables and prefixed names are single tokens), so a keyword inside a string or IRI is not
mistaken for one, and one outside them is never missed.

>>> check_query('SELECT * WHERE { ?s ?p "SERVICE" }')
>>> check_query("SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }")
Traceback (most recent call last):
...
kg.server.policy.PolicyError: SERVICE (federated query) is not allowed on this endpoint
>>> add_using("INSERT { ?s a ?t } WHERE { ?s a ?t }", ["http://g"], [])
'INSERT { ?s a ?t } USING <http://g> WHERE { ?s a ?t }'
"""
from __future__ import annotations

import re

MAX_DEPTH = 64

TOKEN = re.compile(r"""
    (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<comment>\#[^\n\r]*)
  | (?P<var>[?$]\w+)
  | (?P<bnode>_:[\w.\-]*)
  | (?P<pname>(?:[^\W\d_][\w.\-]*)?:(?:[\w:%](?:[\w.\-:%]*[\w\-:%])?)?)
  | (?P<number>\d+)
  | (?P<word>[^\W\d_]+)
  | (?P<space>\s+)
  | (?P<other>.)
""", re.VERBOSE | re.DOTALL)
OPEN, CLOSE = "{([", "})]"


class PolicyError(ValueError):
    """The request asks for something this endpoint does not do (answered with 400)."""


def tokens(text: str) -> list[tuple[str, str, int, int]]:
    """``(kind, text, start, depth)`` for every significant token; ``depth`` counts the
    brackets open before it."""
    out, depth = [], 0
    for m in TOKEN.finditer(text):
        kind, value = m.lastgroup, m.group()
        if kind in ("space", "comment"):
            continue
        if kind == "other" and value in CLOSE:
            depth -= 1
        out.append((kind, value, m.start(), depth))
        if kind == "other" and value in OPEN:
            depth += 1
            if depth > MAX_DEPTH:
                raise PolicyError(f"the request nests brackets more than {MAX_DEPTH} deep")
    return out


def _refuse(text: str, keywords: dict[str, str]) -> None:
    """PolicyError when ``text`` nests too deep or uses one of ``keywords``; the tokens are
    only read when the text has that many brackets or a keyword's letters at all."""
    lower = text.lower()
    if sum(map(text.count, OPEN)) <= MAX_DEPTH and not any(k.lower() in lower for k in keywords):
        return
    for kind, value, _, _ in tokens(text):
        if kind == "word" and value.upper() in keywords:
            raise PolicyError(keywords[value.upper()])


FORBIDDEN = {"SERVICE": "SERVICE (federated query) is not allowed on this endpoint"}
FORBIDDEN_UPDATE = {**FORBIDDEN, "LOAD": "LOAD is not allowed on this endpoint"}


def check_query(text: str) -> None:
    """PolicyError unless ``text`` is a query this endpoint may evaluate."""
    _refuse(text, FORBIDDEN)


def check_update(text: str) -> None:
    """PolicyError unless ``text`` is an update this endpoint may apply."""
    _refuse(text, FORBIDDEN_UPDATE)


def add_using(update: str, using: list[str], using_named: list[str]) -> str:
    """The update with the protocol's ``using-graph-uri``/``using-named-graph-uri`` written as
    USING clauses before each operation's WHERE (the IRIs must already be validated);
    PolicyError when the update names its own dataset (USING or WITH)."""
    if not using and not using_named:
        return update
    toks = tokens(update)
    if any(k == "word" and v.upper() in ("USING", "WITH") and d == 0 for k, v, _, d in toks):
        raise PolicyError("the request gives using-graph-uri/using-named-graph-uri and the "
                          "update has its own USING or WITH clause")
    clause = "".join(f"USING <{g}> " for g in using) + \
        "".join(f"USING NAMED <{g}> " for g in using_named)
    cuts = [start for i, (kind, value, start, depth) in enumerate(toks)
            if kind == "word" and value.upper() == "WHERE" and depth == 0 and i
            and toks[i - 1][1] == "}"]
    for start in reversed(cuts):
        update = update[:start] + clause + update[start:]
    return update
