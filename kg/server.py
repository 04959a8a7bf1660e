"""``cartkg serve`` and ``cartkg push``.

``serve`` answers the SPARQL 1.1 Protocol at ``/sparql`` (read-only unless ``--allow-update``),
the query page at ``/query``, the question API at ``/api/…`` and the explorer at ``/``, bound
to 127.0.0.1 by default. Every query runs in one of ``--workers`` processes, each holding the
graph in memory (``--store oxigraph``: read from the on-disk store), killed when it passes
``--timeout`` or ``--memory-limit``; answers stop at ``--max-rows`` (``X-Result-Truncated:
true``). Queries can neither fetch (SERVICE, LOAD are refused) nor read files (FROM names only
graphs in the store).

``push`` loads the built graph into a remote SPARQL store (``kg.server_push``).

``start`` runs a server in a background thread, for tests and embedding:

>>> import urllib.request
>>> with start(StoreSpec()) as server:     # an empty store in memory
...     urllib.request.urlopen(server.endpoint + "?query=ASK%7B?s%20?p%20?o%7D").read()
b'{"head": {}, "boolean": false}'
"""
from __future__ import annotations

import os
import signal
import sys
import threading

from kg.errors import EXIT_OK, EXIT_RUNTIME, RuntimeProblem
from kg.paths import ProjectPaths, project_paths
from kg.server_http import Settings, SparqlServer
from kg.server_pool import WorkerPool
from kg.server_worker import StoreSpec

__all__ = ["RunningServer", "Settings", "StoreSpec", "push", "serve", "start", "store_spec"]


def store_spec(setting: str | None, paths: ProjectPaths) -> StoreSpec:
    """The data a ``--store`` setting names, for the server's workers to open. By default
    (``oxigraph-memory``) each worker loads ``exports/cartkg.nt`` into memory, which answers
    3–4× faster than ``oxigraph``, the on-disk store (for graphs larger than memory)."""
    from kg.store import STORE_SETTINGS, ensure_disk_store
    setting = setting or "oxigraph-memory"
    if setting == "oxigraph":
        return StoreSpec(path=str(ensure_disk_store(paths)))
    nt = paths.exports / "cartkg.nt"
    if setting in ("oxigraph-memory", "rdflib"):   # the server always evaluates with Oxigraph
        if not nt.exists():
            raise RuntimeProblem(f"{nt} is missing: run 'cartkg build' first")
        return StoreSpec(graphs=((str(nt), None),))
    raise RuntimeProblem(f"unknown store {setting!r}: use one of {', '.join(STORE_SETTINGS)}")


class RunningServer:
    """A server answering on a background thread; ``close()`` stops it and its workers."""

    def __init__(self, httpd: SparqlServer):
        self.httpd = httpd
        host, port = httpd.server_address[:2]
        self.url = f"http://{host}:{port}"
        self.endpoint = self.url + "/sparql"
        self.thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join()

    def __enter__(self) -> "RunningServer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def start(spec: StoreSpec | None = None, host: str = "127.0.0.1", port: int = 0,
          settings: Settings | None = None, paths: ProjectPaths | None = None) -> RunningServer:
    """Serve ``spec`` (default: the project's store) on ``host:port`` (0: any free port)."""
    paths = paths or project_paths()
    settings = settings or Settings()
    pool = WorkerPool(spec or store_spec(None, paths), settings.workers, settings.timeout,
                      settings.max_rows, settings.allow_update, settings.memory_limit)
    try:
        httpd = SparqlServer((host, port), pool, settings, paths.competency,
                             paths.exports / "explorer")
    except OSError as exc:
        pool.close()
        raise RuntimeProblem(f"cannot listen on {host}:{port}: {exc}") from exc
    return RunningServer(httpd)


def _stop(signum, frame) -> None:
    raise KeyboardInterrupt


def ensure_explorer(paths, store_setting=None) -> None:
    """Write the explorer pages (served at /) when they are missing, e.g. on a fresh clone."""
    site = paths.exports / "explorer"
    if (site / "index.html").exists():
        return
    from kg.explore import ExplorerGraph, all_pages
    from kg.explore_html import write_site
    from kg.store import open_store
    print("[serve] writing the explorer pages (first run)…", file=sys.stderr)
    graph = ExplorerGraph(open_store(store_setting, paths))
    write_site(graph, all_pages(graph), site)


def serve(args) -> int:
    if getattr(args, "endpoint", None):
        print("cartkg serve: --endpoint is not supported; serve answers from the local store",
              file=sys.stderr)
        return EXIT_RUNTIME
    workers = max(2, min(4, os.cpu_count() or 2)) if args.workers is None else args.workers
    if min(args.timeout, args.max_rows, workers, args.max_connections) <= 0 \
            or args.memory_limit < 0:
        print("cartkg serve: --timeout, --max-rows, --workers and --max-connections must be "
              "positive, --memory-limit not negative", file=sys.stderr)
        return EXIT_RUNTIME
    paths = project_paths()
    ensure_explorer(paths, args.store)
    settings = Settings(timeout=args.timeout, max_rows=args.max_rows,
                        allow_update=args.allow_update, workers=workers,
                        memory_limit=args.memory_limit << 20,
                        max_connections=args.max_connections, verbose=True)
    server = start(store_spec(args.store, paths), args.host, args.port, settings, paths)
    if args.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"[serve] warning: listening on {args.host}, reachable from other machines",
              file=sys.stderr)
    mode = "updates allowed (kept in memory)" if args.allow_update else "read-only"
    where = "from disk" if args.store == "oxigraph" and not args.allow_update \
        else "graph in memory"
    print(f"[serve] SPARQL endpoint {server.endpoint} ({mode}, {where}, {workers} workers; "
          f"{args.timeout:g} s per query, {args.max_rows} rows); query page {server.url}/query; "
          f"API {server.url}/api/; Ctrl+C stops", file=sys.stderr)
    signal.signal(signal.SIGTERM, _stop)
    try:
        while server.thread.is_alive():
            server.thread.join(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    print("[serve] stopped", file=sys.stderr)
    return EXIT_OK


def push(args) -> int:
    from kg.server_push import push_graph
    return push_graph(args.endpoint, project_paths().exports / "cartkg.nt")
