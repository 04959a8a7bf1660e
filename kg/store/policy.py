r"""What the server lets a SPARQL request do, decided on a real parse before Oxigraph sees it.

Oxigraph would evaluate ``SERVICE`` (an HTTP request from the server) and ``LOAD`` (a read of
any URL or file), so both are refused, and so is nesting deep enough to exhaust a parser's
stack. The decision is made on rdflib's parse of the whole text (its syntax tree, where a
``SERVICE`` is a ``ServiceGraphPattern`` node whatever escapes, strings or comments surround
it), not on a scan for keywords; a text rdflib cannot parse is refused as a syntax error.
A text with more than ``MAX_OPENERS`` characters that can open a nesting level (``{ ( [ !``)
is refused before any parse: counted on the raw text, no escape can hide one, and Oxigraph's
parser meets no deeper nesting than that (it overflows its stack past about 2,000 levels).
A text that cannot name SERVICE or LOAD at all (ASCII, no ``\u`` escape, not the letters
"service" or "load" in any case) needs no rdflib parse; any other is parsed, with a bounded
Python stack, so nesting past about ``MAX_DEPTH`` levels ends the parse with "nests too
deeply". The query workers cannot open network connections at all (``kg.server.sandbox``), so
a form that slipped past this check would still reach nothing.

Oxigraph also evaluates long operator chains recursively: ``1+1+…+1`` with 7,000 terms, 10,000
``||``, ``&&``, ``;``, ``,`` or ``.`` or 3,000 ``BIND`` s in a row overflow its stack and kill
the process. So the structure of the text (its tokens, with strings, IRIs and comments read as
such and ``\u`` escapes decoded first, brackets matched) gives a bound on the depth of the
engine's tree: along any path of nested groups, the operators (``+ - * / | & ; , . ^ !``) and
groups at each level, summed (``chain_depth``); past ``MAX_CHAIN`` the text is refused before
the engine — or rdflib, whose parse of such a chain takes half a minute — sees it. Ground data
(``INSERT DATA``/``DELETE DATA`` blocks, flat lists Oxigraph stores without recursion) is not
counted. A text with at most ``MAX_CHAIN`` of those characters cannot go past the bound and
is not tokenised.

>>> check_query('SELECT * WHERE { ?s ?p "SERVICE" }')
>>> check_query("SELECT * WHERE { FILTER(1 != ent:a\\') SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }")
Traceback (most recent call last):
...
kg.store.policy.PolicyError: SERVICE (federated query) is refused: it would make this computer send a request to the address it names
>>> add_using("INSERT { ?s a ?t } WHERE { ?s a ?t }", ["http://g"], [])
'INSERT { ?s a ?t } USING <http://g> WHERE { ?s a ?t }'
"""
from __future__ import annotations

import re
import sys
from collections import OrderedDict

MAX_DEPTH = 64          # bracket levels (the parse stops a little past this)
MAX_OPENERS = 1000      # characters among { ( [ ! in one request's text
MAX_CHAIN = 1000        # operators and groups in a row (chain_depth); Oxigraph fails past ~3,000
CHAIN_CHARS = "+-*/|&;,.^!{(["
CODEPOINT = re.compile(r"\\u([0-9A-Fa-f]{4})|\\U([0-9A-Fa-f]{8})")
PARSE_STACK = 4000      # Python frames the parse may use: about MAX_DEPTH levels of nesting
OPENERS = "{([!"

TOKEN = re.compile(r"""
    (?P<string>'''(?:[^'\\]|\\.|'(?!''))*'''|\"\"\"(?:[^"\\]|\\.|"(?!""))*\"\"\"
              |'(?:[^'\\\n\r]|\\.)*'|"(?:[^"\\\n\r]|\\.)*")
  | (?P<iri><[^<>"{}|^`\\\x00-\x20]*>)
  | (?P<comment>\#[^\n\r]*)
  | (?P<var>[?$]\w+)
  | (?P<bnode>_:[\w.\-]*)
  | (?P<pname>(?:[^\W\d_][\w.\-]*)?:(?:(?:[\w:]|%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?\#@%])
                (?:(?:[\w.\-:]|%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?\#@%])*
                   (?:[\w\-:]|%[0-9A-Fa-f]{2}|\\[_~.\-!$&'()*+,;=/?\#@%]))?)?)
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


def decode_codepoints(text: str) -> str:
    r"""``text`` with SPARQL's ``\uXXXX``/``\UXXXXXXXX`` escapes decoded, as the grammar
    reads them (one that names no character stays as it is).

    >>> decode_codepoints(r"1 \u002B 1")
    '1 + 1'
    """
    def char(m):
        code = int(m.group(1) or m.group(2), 16)
        return chr(code) if code <= 0x10FFFF else m.group()
    return CODEPOINT.sub(char, text)


def chain_depth(text: str) -> int:
    """A bound on the depth of the tree Oxigraph builds for ``text``: the most operators and
    groups met along one path of nested groups, each level's own count added to its deepest
    group's (PolicyError past MAX_DEPTH levels of brackets).

    >>> chain_depth("SELECT (1+1+1 AS ?x) WHERE { ?s ?p '+++' }")
    4
    >>> chain_depth("INSERT DATA { <a> <b> 1 . <a> <b> 2 . <a> <b> 3 }")
    1
    """
    levels = [[0, 0, False]]     # per open group: operators and groups, deepest group, data
    data_next = False
    for kind, value, _, _ in tokens(decode_codepoints(text)):
        if kind == "word":
            data_next = value.upper() == "DATA"
            continue
        if kind != "other":
            data_next = False
            continue
        if value in OPEN:
            levels.append([0, 0, data_next or levels[-1][2]])
        elif value in CLOSE and len(levels) > 1:
            count, deepest, data = levels.pop()
            levels[-1][0] += 1
            levels[-1][1] = max(levels[-1][1], 0 if data else count + deepest)
        elif value in CHAIN_CHARS and not levels[-1][2]:
            levels[-1][0] += 1
        data_next = False
    return max(count + deepest for count, deepest, _ in levels)


FORBIDDEN = {"ServiceGraphPattern": "SERVICE (federated query) is refused: it would make this "
                                    "computer send a request to the address it names",
             "Load": "LOAD is refused: it would make this computer read the URL or file it names"}


def _forbidden_nodes(tree) -> set[str]:
    """The names of the syntax-tree nodes of ``tree`` that FORBIDDEN lists."""
    from pyparsing import ParseResults
    from rdflib.plugins.sparql.parserutils import CompValue
    found, todo = set(), [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, CompValue):
            if node.name in FORBIDDEN:
                found.add(node.name)
            todo.extend(node.values())
        elif isinstance(node, (list, tuple, ParseResults)):
            todo.extend(node)
    return found


def _parse(text: str, update: bool):
    """rdflib's syntax tree of ``text``, parsed with the stack bounded to PARSE_STACK frames;
    PolicyError when it nests too deeply or is not SPARQL rdflib can read."""
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(PARSE_STACK)
    try:
        return (parseUpdate if update else parseQuery)(text)
    except RecursionError:
        raise PolicyError(f"the request nests brackets more than about {MAX_DEPTH} deep") \
            from None
    except ParseBaseException as exc:
        raise SyntaxError(f"error at {exc.lineno}:{exc.col}: {exc.msg}, found "
                          f"{exc.line[exc.col - 1:exc.col + 19]!r}") from None
    finally:
        sys.setrecursionlimit(limit)


def could_name_forbidden(text: str) -> bool:
    """False only when ``text`` cannot contain a SERVICE or LOAD keyword whatever its tokens:
    it is ASCII, has no ``\\u``/``\\U`` escape (which SPARQL expands before parsing) and
    not the letters "service" or "load" in any case. Such a text needs no parse.

    >>> could_name_forbidden("SELECT * WHERE { ?s ?p ?o }")
    False
    >>> [could_name_forbidden(t) for t in ("sErViCe", "\\u0053ERVICE", "ſERVICE", "Load")]
    [True, True, True, True]
    """
    if not text.isascii() or "\\u" in text or "\\U" in text:
        return True
    lower = text.lower()
    return "service" in lower or "load" in lower


class Verdicts:
    """The latest ``size`` decisions, by text: a parse costs milliseconds, a lookup nothing.
    Texts over ``longest`` characters are decided each time, so the cache stays small."""

    def __init__(self, size: int = 1024, longest: int = 16384):
        self._seen: OrderedDict = OrderedDict()
        self._size, self._longest = size, longest

    def check(self, text: str, update: bool) -> None:
        key = (text, update)
        if len(text) > self._longest:
            refusal = _verdict(text, update)
            if refusal is not None:
                raise refusal[0](refusal[1])
            return
        if key in self._seen:
            self._seen.move_to_end(key)
        else:
            self._seen[key] = _verdict(text, update)
            if len(self._seen) > self._size:
                self._seen.popitem(last=False)
        refusal = self._seen[key]
        if refusal is not None:
            raise refusal[0](refusal[1])


def check_depth(text: str) -> None:
    """PolicyError when ``text`` nests or chains deeper than the engine can evaluate (more
    than MAX_OPENERS brackets, MAX_DEPTH levels or a ``chain_depth`` past MAX_CHAIN)."""
    openers = sum(map(text.count, OPENERS))
    if openers > MAX_OPENERS:
        raise PolicyError(f"the request nests too deeply: it has {openers} of the "
                          f"characters {' '.join(OPENERS)}; the limit is {MAX_OPENERS}")
    if sum(map(text.count, CHAIN_CHARS)) > MAX_CHAIN or "\\u" in text or "\\U" in text:
        depth = chain_depth(text)
        if depth > MAX_CHAIN:
            raise PolicyError(f"the request nests or chains too deeply for the engine: {depth} "
                              f"operators (+ - * / | & ; , . ^ !) and groups in a row; the "
                              f"limit is {MAX_CHAIN}")


def _verdict(text: str, update: bool) -> tuple[type, str] | None:
    """None when ``text`` may run, else the exception class and message that refuse it."""
    try:
        check_depth(text)
    except PolicyError as exc:
        return PolicyError, str(exc)
    if not could_name_forbidden(text):
        return None
    try:
        found = _forbidden_nodes(_parse(text, update))
    except (PolicyError, SyntaxError) as exc:
        return type(exc), str(exc)
    for name in FORBIDDEN:
        if name in found:
            return PolicyError, FORBIDDEN[name]
    return None


_verdicts = Verdicts()


def check_query(text: str) -> None:
    """PolicyError (SyntaxError) unless ``text`` is a query this endpoint may evaluate."""
    _verdicts.check(text, False)


def check_update(text: str) -> None:
    """PolicyError (SyntaxError) unless ``text`` is an update this endpoint may apply."""
    _verdicts.check(text, True)


def read_query_file(path) -> str:
    """The text of one of the project's own query files (competency questions, QC checks,
    report queries), refused like a request to the endpoint when it would make this computer
    fetch (SERVICE, LOAD) or nests past what the engine survives: a cloned project's files run
    by ``cartkg build`` or ``cartkg cq`` get no more than a stranger's query does."""
    from kg.errors import CurationError
    text = path.read_text(encoding="utf-8")
    try:
        check_query(text)
    except (PolicyError, SyntaxError) as exc:
        raise CurationError(str(path), 0, "", f"refused: {exc}",
                            "a project query reads only the graph: remove SERVICE/LOAD or the "
                            "deep nesting (or restore the file from the project's release)") \
            from None
    return text


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
