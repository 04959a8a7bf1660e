"""What the server shows besides query results: the ask page at ``/``, the query page with the
competency questions, the explorer's files at ``/explorer/``, the package's static files and
the SPARQL service description. Everything comes from the package or the project folder;
nothing from the network.

>>> examples = competency_examples(Path("/nonexistent"))
>>> examples
[]
>>> b"cartkg" in query_page(examples)
True
"""
from __future__ import annotations

import json
import mimetypes
import re
from importlib import resources
from pathlib import Path
from urllib.parse import unquote

from kg.server.formats import content_type, serialize_graph

STATIC_NAME = re.compile(r"^[A-Za-z0-9_\-]+\.[A-Za-z0-9]+$")
SD = "http://www.w3.org/ns/sparql-service-description#"
FORMATS = "http://www.w3.org/ns/formats/"
RESULT_FORMATS = ("SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV",
                  "SPARQL_Results_TSV", "Turtle", "N-Triples", "JSON-LD", "RDF_XML")


def competency_examples(folder: Path) -> list[dict]:
    """Each ``*.rq`` in ``folder`` (read now: the folder may grow while the server runs) as
    ``{"name", "question", "query", "params"}``: the question is the header's ``# Question:``
    line (else its comment lines), ``params`` the ``# param NAME: default text`` lines."""
    from kg.answers.cq import parse_header
    out = []
    for path in sorted(folder.glob("*.rq")) if folder.is_dir() else []:
        text = path.read_text(encoding="utf-8", errors="replace")
        question, params, comments = parse_header(text)
        out.append({"name": path.stem, "question": question or " ".join(filter(None, comments))
                    or path.stem, "query": text, "params": params})
    return out


def _package_file(name: str) -> bytes:
    return resources.files("kg").joinpath("static", name).read_bytes()


def _script_json(obj) -> bytes:
    return json.dumps(obj, ensure_ascii=False).replace("<", "\\u003c").encode()


def query_page(examples: list[dict]) -> bytes:
    """The query page with the competency questions and the predeclared prefixes (results
    are shown shortened to them, as the CLI prints them)."""
    from kg.vocab import PREFIXES
    prefixes = {name: str(iri) for name, iri in PREFIXES.items()}
    return _package_file("query.html").replace(b"{{EXAMPLES}}", _script_json(examples)) \
        .replace(b"{{PREFIXES}}", _script_json(prefixes))


def static_file(name: str) -> tuple[bytes, str] | None:
    """A file of ``kg/static`` by bare name, with its content type; None if there is none."""
    if not STATIC_NAME.match(name) or name.endswith(".html"):
        return None
    try:
        return _package_file(name), _guess_type(name)
    except (FileNotFoundError, IsADirectoryError):
        return None


def _guess_type(name: str) -> str:
    return content_type(mimetypes.guess_type(name)[0] or "application/octet-stream")


def explorer_file(root: Path, url_path: str) -> tuple[bytes, str] | None:
    """The file under ``root`` that ``url_path`` names (a folder gives its index.html); None
    when there is none or the path would leave ``root``."""
    parts = [p for p in unquote(url_path).split("/") if p]
    if any(p in ("..", ".") or "\\" in p or "\x00" in p for p in parts):
        return None
    base = root.resolve()
    target = base.joinpath(*parts)
    try:                                  # OSError too: a name too long for the file system
        if target.is_dir():
            target = target / "index.html"
        resolved = target.resolve(strict=True)
    except OSError:
        return None
    if not resolved.is_relative_to(base) or not resolved.is_file():
        return None
    return resolved.read_bytes(), _guess_type(resolved.name)


HTML = "text/html; charset=utf-8"
EXPLORER = "/explorer"


def site_file(path: str, explorer: Path, graph: str | None = None) -> tuple[bytes, str] | None:
    """What a GET of ``path`` shows besides queries and the API: the ask page at ``/``, the
    favicon, the package's static files at ``/static/NAME`` and the explorer's pages at
    ``/explorer/…`` from the folder ``explorer`` — while they were drawn from the graph
    ``graph`` (its SHA-256) being served; else a page saying they are being written."""
    if path in ("/", "/index.html"):
        return ask_page(), HTML
    if path == "/favicon.ico":
        return static_file("favicon.ico")
    if path.startswith("/static/"):
        return static_file(path[len("/static/"):])
    if path == EXPLORER:                    # the pages' relative links need the slash
        return b'<!DOCTYPE html><meta http-equiv="refresh" content="0; url=/explorer/">' \
               b'<a href="/explorer/">explorer</a>', HTML
    from kg.explorer.site import current
    fresh = explorer.is_dir() and (graph is None or current(explorer, graph))
    if path.startswith(EXPLORER + "/"):
        return explorer_file(explorer, path[len(EXPLORER):]) if fresh else \
            (explorer_pending(), HTML)
    if fresh and path.endswith(".html"):     # the explorer's pages where they used to be
        return explorer_file(explorer, path)
    return None


def ask_page() -> bytes:
    """The ask page, with the legend of the evidence levels drawn from kg.curation.levels."""
    return _package_file("ask.html").replace(b"{{LEVELS}}", levels_legend().encode())


def levels_legend() -> str:
    """The evidence levels A–E in words: the study types each starts from (kg.curation.levels)
    and the steps that move an item up or down (README's rubric)."""
    from html import escape

    from kg.curation.levels import LEVELS, SIGNIFICANT, SMALL_COHORT, STUDY_TYPE_LEVEL
    rows = []
    for level in LEVELS:
        types = [t for t, lv in STUDY_TYPE_LEVEL.items() if lv == level and t != "preclinical"]
        rows.append(f'<tr><th scope="row"><span class="level level-{level}">{level}</span></th>'
                    f"<td>{escape(', '.join(types))}</td></tr>")
    steps = [f"a retrospective cohort, observational study or mixed item with p &lt; "
             f"{SIGNIFICANT:g}: one level up",
             f"a clinical item (A–C) whose largest stated cohort has n &lt; {SMALL_COHORT}: one "
             "level down",
             "hedged wording: one level down; a hypothesis, or something not yet observed: E",
             "extrapolated from another disease, product or setting: one level down"]
    return ('<table class="levels"><caption>Where an item starts: its study type</caption>'
            "<tbody>" + "".join(rows) + "</tbody></table><p>Then:</p><ul>"
            + "".join(f"<li>{s}</li>" for s in steps) + "</ul><p>Never above A nor below E; an "
            "item whose study type, certainty or directness is missing is not rated.</p>")


def explorer_pending() -> bytes:
    """The explorer's place while its pages are (re)written for the graph being served."""
    return b"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta http-equiv="refresh" content="3">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>cartkg explorer</title><link rel="stylesheet" href="/static/ask.css"></head>
<body><header><h1><a href="/">cartkg</a></h1></header><main>
<p role="status">The explorer's pages are being written from the graph this server answers
from (this takes a few seconds; <code>cartkg build</code> writes them ahead). This page reloads
by itself.</p><p><a href="/">Ask a question</a> meanwhile.</p></main></body></html>
"""


VOID = "http://rdfs.org/ns/void#"
DATASET_PREFIXES = {"sd": SD, "formats": FORMATS, "void": VOID, "dcat": "http://www.w3.org/ns/dcat#",
                    "dcterms": "http://purl.org/dc/terms/", "foaf": "http://xmlns.com/foaf/0.1/",
                    "xsd": "http://www.w3.org/2001/XMLSchema#"}


def dataset_triples(void_file: Path | None, endpoint: str) -> list:
    """The build's dataset description (``exports/void.ttl``) as pyoxigraph triples, with the
    default endpoint it names replaced by ``endpoint``; [] when there is none."""
    import pyoxigraph as ox
    from kg.build.dataset import DEFAULT_ENDPOINT
    if void_file is None or not void_file.is_file():
        return []
    swap = lambda t: ox.NamedNode(endpoint) if t == ox.NamedNode(DEFAULT_ENDPOINT) else t  # noqa
    return [ox.Triple(t.subject, t.predicate, swap(t.object))
            for t in ox.parse(path=str(void_file), format=ox.RdfFormat.TURTLE)]


def dataset_description(void_file: Path | None, endpoint: str, media_type: str) -> bytes | None:
    """The dataset description served at ``/.well-known/void``; None when it was not built."""
    from kg.server.formats import serialize_graph
    triples = dataset_triples(void_file, endpoint)
    return serialize_graph(triples, media_type, DATASET_PREFIXES) if triples else None


def service_description(endpoint: str, allow_update: bool, media_type: str,
                        void_file: Path | None = None) -> bytes:
    """The SPARQL 1.1 Service Description of the endpoint at ``endpoint``: its default
    dataset is the dataset the build describes (``void_file``, VoID + DCAT), whose default
    graph carries the VoID counts."""
    import pyoxigraph as ox
    sd = lambda name: ox.NamedNode(SD + name)  # noqa: E731
    void = lambda name: ox.NamedNode(VOID + name)  # noqa: E731
    a = ox.NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    described = dataset_triples(void_file, endpoint)
    datasets = [t.subject for t in described if t.predicate == a and t.object == void("Dataset")]
    service, graph = ox.BlankNode(), ox.BlankNode()
    dataset = datasets[0] if datasets else ox.BlankNode()
    triples = [ox.Triple(service, a, sd("Service")),
               ox.Triple(service, sd("endpoint"), ox.NamedNode(endpoint)),
               ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Query")),
               ox.Triple(service, sd("defaultDataset"), dataset),
               ox.Triple(dataset, a, sd("Dataset")),
               ox.Triple(dataset, sd("defaultGraph"), graph),
               ox.Triple(graph, a, sd("Graph"))]
    triples += [ox.Triple(graph, t.predicate, t.object) for t in described
                if t.subject == dataset and t.predicate in (void("triples"), void("entities"),
                                                            void("classes"), void("properties"))]
    if described:
        triples.append(ox.Triple(graph, a, void("Dataset")))
    if allow_update:
        triples.append(ox.Triple(service, sd("supportedLanguage"), sd("SPARQL11Update")))
        triples.append(ox.Triple(service, sd("feature"), sd("EmptyGraphs")))
    triples += [ox.Triple(service, sd("resultFormat"), ox.NamedNode(FORMATS + f))
                for f in RESULT_FORMATS]
    return serialize_graph(triples + described, media_type, DATASET_PREFIXES)


def curate_page(root: Path, source: str) -> tuple[int, bytes]:
    """``/curate/SOURCE``: the review page of ``cartkg curate suggest`` for registered source
    SOURCE (id, DOI or PMID) of the project at ``root``, as (status, HTML); 404 with the
    reason when the source is unknown or its text unusable. The page is a read-only view: its
    decisions are saved as a file the curator imports (``cartkg curate import``)."""
    from html import escape

    from kg.answers.tagger import Tagger
    from kg.curation.suggest import suggest
    from kg.curation.suggest_page import review_page
    from kg.errors import KgError
    from kg.paths import ProjectPaths
    try:
        page = review_page(suggest(ProjectPaths(root), source, Tagger.from_index))
    except KgError as exc:
        return 404, (f"<!DOCTYPE html><meta charset=\"utf-8\"><title>No review page</title>"
                     f"<p>No review page for {escape(source)}: {escape(str(exc))}</p>").encode()
    return 200, page.encode()

