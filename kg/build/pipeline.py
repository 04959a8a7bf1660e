"""``cartkg build``: curation sources + ontology → validate → reason → exports/ and the store.

Nothing is written until every check has passed; then export files are replaced one by one
atomically and the new store is swapped in by renaming, so a failed build leaves the previous
store and exports as they were.
"""
from __future__ import annotations

import shutil
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import ValidationFailed
from kg.paths import ProjectPaths


@dataclass
class BuildReport:
    timings: dict[str, float] = field(default_factory=dict)   # per stage; reasoning overlaps
    seconds: float = 0.0        # the whole build, wall clock (less than the stages' sum)
    # what the build writes beside the exports (name -> text), and the asserted graph's
    # canonical N-Triples, made once for the reasoning key and the exports
    extra_files: dict[str, str] = field(default_factory=dict, repr=False)
    asserted_ntriples: str = field(default="", repr=False)
    triples: int = 0
    inferred: int = 0
    reasoner: str = ""
    notes: list[str] = field(default_factory=list)
    changed: bool = True        # whether the graph differs from the previous build's


class _Stages:
    """Times each stage and reports progress on stderr."""

    def __init__(self, report: BuildReport, quiet: bool):
        self.report, self.quiet = report, quiet

    def run(self, name: str, fn, *args):
        if not self.quiet:
            print(f"[build] {name}…", file=sys.stderr, flush=True)
        start = time.perf_counter()
        out = fn(*args)
        self.report.timings[name] = round(time.perf_counter() - start, 3)
        return out

    def start(self, pool, name: str, fn, *args):
        """Run a stage in ``pool`` (a thread) while the caller goes on; returns its future."""
        return pool.submit(self.run, name, fn, *args)


def prepare(paths: ProjectPaths, reasoner: str = "auto", quiet: bool = False,
            strict: bool = False):
    """Everything short of writing: returns (curation, full graph, inferred, report).
    Raises CurationErrors (also for failed lints, kg.curation.lints) or ValidationFailed
    (exit 1) when the sources are invalid. ``strict`` enforces the lints that
    ``ontology/curation/lints.yaml`` lists as pending too."""
    from kg.build.compile import compile_graph
    from kg.curation.lints import lint_problems, pending_lints
    from kg.curation.sources import load_curation
    from kg.errors import CurationErrors
    from kg.build import reason_cache
    from kg.build.exports import canonical_ntriples
    from kg.build.reason import reason, resolved_engine, view_ntriples
    from kg.build.validate import qc_problems, shacl_problems

    report = BuildReport()
    st = _Stages(report, quiet)
    cur = st.run("load curation", load_curation, paths)
    pending = set() if strict else pending_lints(paths.curation)
    lint = st.run("lints", lint_problems, cur, pending)
    if lint:
        raise CurationErrors(lint)
    graph = st.run("compile", compile_graph, paths, cur)
    report.asserted_ntriples = st.run("canonical n-triples", canonical_ntriples, graph)
    result, reasoning = None, None
    if reasoner != "none":
        view = view_ntriples(report.asserted_ntriples)
        key = reason_cache.input_key(view, f"{reasoner}->{resolved_engine(reasoner)}")
        result = reason_cache.cached(paths.exports / reason_cache.CACHE_NAME, key)
        if result is not None:
            report.notes.append("reasoning reused: the ontology and entities it reasons over "
                                "are unchanged since the last build")
    # HermiT spends most of its time in its own JVM, so it runs beside the checks; the
    # graph is only read until both are done.
    with ThreadPoolExecutor(max_workers=1) as pool:
        if reasoner != "none" and result is None:
            reasoning = st.start(pool, f"reason ({reasoner})", reason, graph, reasoner, view)
        problems = st.run("shacl", shacl_problems, graph, paths)
        problems += st.run("qc queries", qc_problems, graph, paths)
        if problems:
            raise ValidationFailed("validation failed:\n" + "\n".join(p.render() for p in problems))
        if reasoning is not None:
            result = reasoning.result()
            cache = reason_cache.entry(key, result)
            if cache is not None:
                report.extra_files[reason_cache.CACHE_NAME] = cache
    inferred: set = set()
    if result is not None:
        report.reasoner = result.engine
        if result.message:
            report.notes.append(result.message)
        if not result.consistent:
            raise ValidationFailed(result.message or "the graph is inconsistent")
        if result.unsatisfiable:
            raise ValidationFailed("unsatisfiable classes: " + ", ".join(result.unsatisfiable))
        inferred = result.inferred
        for t in inferred:
            graph.add(t)
    else:
        report.notes.append("reasoning skipped: inferred facts are missing from this build")
    report.triples, report.inferred = len(graph), len(inferred)
    return cur, graph, inferred, report


def _changelog(paths: ProjectPaths, new_nt: Path) -> str | None:
    """The new text of exports/CHANGELOG.md, or None when nothing changed."""
    from kg.build.diff import ENTITIES, EVIDENCE, changelog_entry, diff, is_empty, open_build
    path = paths.exports / "CHANGELOG.md"
    header = ("# Changelog of the built graph\n\nWritten by `cartkg build` from `cartkg diff` "
              "between the previous and the new build.\n\n")
    old_nt = paths.exports / "cartkg.nt"
    if path.exists() and old_nt.exists() and old_nt.read_bytes() == new_nt.read_bytes():
        return None     # the same graph: no need to compare the answers
    new = open_build(str(new_nt), paths)
    if not path.exists() or not old_nt.exists():
        counts = {k: len(new.query(q).rows) for k, q in (("entities", ENTITIES),
                                                          ("evidence items", EVIDENCE))}
        return header + f"## baseline\n\n- " + ", ".join(
            f"{v} {k}" for k, v in counts.items()) + "\n"
    old_text = path.read_text(encoding="utf-8")
    d = diff(open_build(str(old_nt), paths), new, paths)
    if is_empty(d):
        return None
    body = old_text[len(header):] if old_text.startswith(header) else old_text
    return header + changelog_entry(d) + "\n" + body


def build(paths: ProjectPaths, reasoner: str = "auto", quiet: bool = False,
          write_store: bool = True, figures: bool | str = True) -> BuildReport:
    """Build into ``paths``. ``figures``: True redraws exports/figures/ and rewrites the
    explorer's pages (exports/explorer/) when the graph they show changed, "always" redraws
    them, False never."""
    from kg.build.exports import render_exports
    from kg.files import check_inside, write_atomically
    from kg.store.local import OxigraphStore, fingerprint_file, graph_fingerprint

    started = time.perf_counter()
    cur, graph, inferred, report = prepare(paths, reasoner, quiet)
    st = _Stages(report, quiet)
    files = st.run("render exports", render_exports, graph, inferred, cur, paths,
                   report.asserted_ntriples)
    staging = check_inside(paths.root, paths.exports / ".staging")
    paths.exports.mkdir(parents=True, exist_ok=True)
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    try:
        nt = staging / "cartkg.nt"
        nt.write_text(files["cartkg.nt"], encoding="utf-8")
        if write_store:
            st.run("load store", OxigraphStore.create, staging / "store", nt)

        changelog = st.run("changelog", _changelog, paths, nt)
        report.changed = not paths.graph.exists() or paths.graph.read_bytes() != nt.read_bytes()

        def publish():
            for name, text in {**files, **report.extra_files}.items():
                write_atomically(paths.exports / name, text, inside=paths.root)
            if changelog is not None:
                write_atomically(paths.exports / "CHANGELOG.md", changelog, inside=paths.root)
            if write_store:
                old = paths.exports / "store.old"
                shutil.rmtree(old, ignore_errors=True)
                if paths.store.exists():
                    paths.store.rename(old)
                (staging / "store").rename(paths.store)
                shutil.rmtree(old, ignore_errors=True)
                write_atomically(fingerprint_file(paths), graph_fingerprint(paths.graph) + "\n",
                                 inside=paths.root)
        st.run("write exports", publish)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    if write_store and figures:
        redraw = figures == "always" or not figures_current(paths)
        if redraw or not explorer_current(paths):
            st.run("figures and explorer", _pictures, paths, redraw)
        else:
            report.notes.append("figures and explorer unchanged: the graph they show did not "
                                "change")
    report.seconds = round(time.perf_counter() - started, 3)
    return report


def figures_current(paths: ProjectPaths) -> bool:
    """Whether exports/figures/ was drawn from the graph now in exports/cartkg.nt."""
    from kg.store.local import graph_fingerprint
    drawn_from = paths.exports / "figures" / "graph.sha256"
    return drawn_from.exists() and paths.graph.exists() and \
        drawn_from.read_text(encoding="utf-8").strip() == graph_fingerprint(paths.graph)


def explorer_current(paths: ProjectPaths) -> bool:
    """Whether exports/explorer/ holds the pages of the graph now in exports/cartkg.nt."""
    from kg.explorer.site import current
    from kg.store.local import graph_fingerprint
    return paths.graph.exists() and current(paths.exports / "explorer",
                                            graph_fingerprint(paths.graph))


def _pictures(paths: ProjectPaths, figures: bool) -> None:
    """Rewrite the explorer's pages (exports/explorer/) and, when ``figures``, redraw
    exports/figures/*.png (shown in README), from one layout of the new store."""
    import logging
    logging.getLogger("matplotlib").setLevel(logging.ERROR)
    from kg.explorer.figures import write_figures
    from kg.explorer.graph import ExplorerGraph, all_pages
    from kg.explorer.site import publish
    from kg.files import write_atomically
    from kg.store.local import graph_fingerprint, open_store
    graph = ExplorerGraph(open_store("oxigraph", paths))
    pages = all_pages(graph)
    fingerprint = graph_fingerprint(paths.graph)
    publish(graph, pages, paths.exports / "explorer", fingerprint, inside=paths.root)
    if figures:
        write_figures(graph, pages, paths.exports / "figures")
        write_atomically(paths.exports / "figures" / "graph.sha256", fingerprint + "\n",
                         inside=paths.root)
