"""``cartkg serve`` and ``cartkg push``.

``serve`` answers the SPARQL 1.1 Protocol at ``/sparql`` (read-only unless ``--allow-update``),
the ask page at ``/``, the query page at ``/query``, the question API at ``/api/…`` and the
explorer at ``/explorer/`` (its pages written in the background when missing or drawn from
another graph: ``write_explorer_soon``), bound to 127.0.0.1 by default. Every query runs in
one of ``--workers`` processes, each holding the graph in memory (``--store oxigraph``: read
from the on-disk store), killed when it passes ``--timeout`` or ``--memory-limit``; answers
stop at ``--max-rows`` (``X-Result-Truncated: true``) or ``--max-bytes``. Queries can neither fetch (SERVICE, LOAD are refused on the parse, and
the workers have no network) nor read files (FROM names only graphs in the store).

``push`` loads the built graph into a remote SPARQL store (``kg.store.push``).

``start`` runs a server in a background thread, for tests and embedding:

>>> import urllib.request
>>> with start(StoreSpec()) as server:     # an empty store in memory
...     urllib.request.urlopen(server.endpoint + "?query=ASK%7B?s%20?p%20?o%7D").read()
b'{"head": {}, "boolean": false}'
"""
from __future__ import annotations

import signal
import sys
import threading

from kg.errors import EXIT_OK, RuntimeProblem
from kg.paths import ProjectPaths, project_paths
from kg.server.protocol import Settings, SparqlServer
from kg.server.pool import WorkerPool
from kg.server.worker import StoreSpec

__all__ = ["RunningServer", "Settings", "StoreSpec", "serve", "start", "store_spec"]


def store_spec(setting: str | None, paths: ProjectPaths) -> StoreSpec:
    """The data a ``--store`` setting names, for the server's workers to open. By default
    (``oxigraph-memory``) each worker loads ``exports/cartkg.nt`` into memory, which answers
    3–4× faster than ``oxigraph``, the on-disk store (for graphs larger than memory)."""
    from kg.store.local import STORE_SETTINGS, ensure_disk_store
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
        self.writer = None              # the process writing the explorer's pages, if any

    def close(self) -> None:
        if self.writer is not None and self.writer.poll() is None:
            self.writer.terminate()
            self.writer.wait()
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
                      settings.max_rows, settings.allow_update, settings.memory_limit,
                      settings.max_bytes, settings.long_after, settings.long_slots,
                      settings.client_jobs)
    try:
        httpd = SparqlServer((host, port), pool, settings, paths.competency,
                             paths.exports / "explorer")
    except OSError as exc:
        pool.close()
        raise RuntimeProblem(f"cannot listen on {host}:{port}: {exc}") from exc
    if paths.packaged:                    # never inside the installed package
        from kg.explorer.site import explorer_folder
        httpd.explorer = explorer_folder(paths)
    return RunningServer(httpd)


def _stop(signum, frame) -> None:
    raise KeyboardInterrupt


def write_explorer_soon(paths: ProjectPaths, server: RunningServer):
    """Write the explorer's pages (served at /explorer/) when they are missing or drawn from
    another graph than the one served, in a process beside the server (``kg.explorer.site``;
    stopped with it); until they are there /explorer/ says they are being written, so a
    stale page is never shown. Returns that process, or None when the pages are current."""
    import subprocess
    from kg.explorer.site import current
    from kg.store.local import graph_fingerprint
    folder = server.httpd.explorer
    server.httpd.explorer_graph = fingerprint = graph_fingerprint(paths.graph)
    if current(folder, fingerprint):
        return None
    server.writer = subprocess.Popen([sys.executable, "-m", "kg.explorer.site",
                                      str(paths.graph), str(folder)], stdin=subprocess.DEVNULL,
                                     stdout=subprocess.DEVNULL)
    return server.writer


def serve(paths: ProjectPaths, settings: Settings, host: str = "127.0.0.1", port: int = 8000,
          store_setting: str | None = None) -> int:
    """Serve until Ctrl+C or SIGTERM; ``settings`` bound what each query may spend."""
    signal.signal(signal.SIGTERM, _stop)          # from the start: a stop while starting too
    server = start(store_spec(store_setting, paths), host, port, settings, paths)
    try:
        _announce(server, settings, host, store_setting)
        write_explorer_soon(paths, server)
        while server.thread.is_alive():
            server.thread.join(0.5)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    if server.httpd.cache is not None:
        print(f"[serve] {server.httpd.cache.summary()}", file=sys.stderr)
    print("[serve] stopped", file=sys.stderr)
    return EXIT_OK


def _announce(server: RunningServer, settings: Settings, host: str, store_setting) -> None:
    if host not in ("127.0.0.1", "localhost", "::1"):
        print(f"[serve] warning: listening on {host}, reachable from other machines",
              file=sys.stderr)
    mode = "updates allowed (kept in memory)" if settings.allow_update else "read-only"
    where = "from disk" if store_setting == "oxigraph" and not settings.allow_update \
        else "graph in memory"
    print(f"[serve] ask page {server.url}/ ; SPARQL endpoint {server.endpoint} ({mode}, "
          f"{where}, {settings.workers} workers; {settings.timeout:g} s per query, "
          f"{settings.max_rows} rows); query page {server.url}/query; explorer "
          f"{server.url}/explorer/ ({server.httpd.explorer}); API {server.url}/api/; Ctrl+C "
          "stops", file=sys.stderr)
    print(f"[serve] query workers' network access: cut off by {server.httpd.pool.isolation}"
          if server.httpd.pool.isolation != "none" else
          "[serve] warning: query workers could not be cut off from the network (no network "
          "namespace or seccomp); SERVICE and LOAD are still refused by the parser",
          file=sys.stderr)
