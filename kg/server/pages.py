"""What the server shows besides query results: the query page with the competency questions,
the explorer's files (or a small index page), the package's static files and the SPARQL
service description. Everything comes from the package or the project folder; nothing from
the network.

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


def query_page(examples: list[dict]) -> bytes:
    blob = json.dumps(examples, ensure_ascii=False).replace("<", "\\u003c")
    return _package_file("query.html").replace(b"{{EXAMPLES}}", blob.encode())


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


def index_page() -> bytes:
    """The home page when no explorer has been written (``cartkg explore``)."""
    return b"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>cartkg</title>
<link rel="stylesheet" href="/static/query.css"></head>
<body><header><h1>cartkg</h1></header><main>
<p>A knowledge graph of biomarkers, resistance mechanisms and interventions for CD19-directed
immunotherapy. The explorer pages are not written yet (run <code>cartkg explore</code>).</p>
<ul>
<li><a href="/query">SPARQL query page</a> with the competency questions</li>
<li>SPARQL 1.1 Protocol endpoint: <code>/sparql</code></li>
<li><a href="/api/">question API</a>: <a href="/api/lookup?text=Yescarta">/api/lookup?text=</a>,
<a href="/api/strategies?text=CD19-negative%20relapse">/api/strategies?text=</a>,
/api/mechanisms?text=, /api/evidence?source=&amp;about=, /api/biomarkers?outcome=&amp;direction=,
<a href="/api/stats">/api/stats</a></li>
</ul></main></body></html>
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

