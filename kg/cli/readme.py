"""README's figures and examples come from the commands, never typed by hand.

A generated block sits between ``<!-- generated: SPEC -->`` and ``<!-- /generated -->``:

- ``cartkg ARGS | lines=N`` — a console block: the command and its output (the first N lines,
  then "…"), run in-process against the project's graph;
- ``graph-contents`` — entities per category and counts of evidence, statistics, relations and
  triples (``cartkg stats``);
- ``relation-counts`` — what each count of relations the project shows counts (the graph's
  entity-to-entity triples, the explorer overview's edges, the GraphML and KGX edges);
- ``coverage`` — the table of ``cartkg coverage``;
- ``primary-studies`` — how many cited reference numbers resolve to primary studies;
- ``benchmarks`` — the figures table of benchmarks/RESULTS.md, written by benchmarks/run.py;
- ``suggest-evaluation`` — the curation assistant's tables from benchmarks/RESULTS.md;
- ``setup-time`` — how long README's set-up command took, from benchmarks/RESULTS.md;
- ``screenshots`` — the pictures of the ask page in exports/screenshots/, taken by
  ``python -m kg.cli.screenshots`` (which rewrites this block).

``cartkg build`` rewrites the blocks; a test checks that README matches the commands.

>>> [s for s, _ in blocks("a\\n<!-- generated: coverage -->\\nold\\n<!-- /generated -->\\n")]
['coverage']
"""
from __future__ import annotations

import contextlib
import io
import re
import shlex
from functools import lru_cache
from pathlib import Path

STAMP = re.compile(r"<!-- generated blocks drawn from exports/cartkg.nt sha256:(\w*) -->")
BLOCK = re.compile(r"(<!-- generated: (?P<spec>.+?) -->\n)(?P<body>.*?)(<!-- /generated -->)",
                   re.DOTALL)


def blocks(text: str) -> list[tuple[str, str]]:
    """(spec, current body) of every generated block."""
    return [(m.group("spec").strip(), m.group("body")) for m in BLOCK.finditer(text)]


def run_command(main, argv: list[str], root: Path) -> str:
    """What ``cartkg ARGV`` prints on stdout, run in-process by ``main`` (kg.cli.main.main)
    on the project at ``root``."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(io.StringIO()):
        main([*argv, "--project", str(root)])
    return out.getvalue()


def _console(spec: str, root: Path, main) -> str:
    command, _, option = spec.partition("|")
    limit = int(option.split("=", 1)[1]) if option.strip().startswith("lines=") else None
    argv = shlex.split(command)[1:]
    lines = run_command(main, argv, root).rstrip("\n").splitlines()
    if limit is not None and len(lines) > limit:
        lines = lines[:limit] + ["…"]
    return "```console\n$ " + command.strip() + "\n" + "\n".join(lines) + "\n```\n"


def _graph_contents(root: Path, main) -> str:
    import json
    stats = json.loads(run_command(main, ["stats", "--json"], root))
    rows = ["| category | entities |", "| --- | --- |"]
    rows += [f"| {k} | {v} |" for k, v in stats["entities"].items()]
    by_source = ", ".join(f"{n} from doi:{doi}" for doi, n in
                          sorted(stats.get("evidence_by_source", {}).items()))
    counts = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in stats.items()
                       if isinstance(v, int))
    return "\n".join(rows) + f"\n\nCounts: {counts}.\nEvidence items by source: {by_source}.\n"


def _relation_counts(root: Path, main) -> str:
    import json
    from kg.explorer.graph import ExplorerGraph, overview_page
    from kg.paths import project_paths
    from kg.store.local import open_store
    stats = json.loads(run_command(main, ["stats", "--json"], root))
    exports = root / "exports"
    overview = overview_page(ExplorerGraph(open_store("oxigraph", project_paths(root))))
    graphml = (exports / "cartkg.graphml").read_text(encoding="utf-8").count("<edge ")
    kgx = (exports / "edges.tsv").read_text(encoding="utf-8").count("\n") - 1
    return "\n".join([
        "| count | what it counts | where |", "| --- | --- | --- |",
        f"| {stats['relations']} | every triple of an object property between two entities: "
        "the GraphML edges below, plus each ckg:mentionedIn link (an entity to the review that "
        "mentions it) and each predictsFavourable/predictsUnfavourable triple (predicts edges "
        "again, split by direction) | `cartkg stats`, \"Counts\" above |",
        f"| {len(overview.edges)} | the relations the explorer's overview draws: one per "
        "relation an accepted, non-negated evidence item asserts, and the curated kindOf "
        "hierarchy without the links implied by transitivity | explorer overview, "
        "`exports/figures/overview.png` |",
        f"| {graphml} | the GraphML network's edges: the evidence-backed relations and every "
        "curated kindOf link, plus each relation between entities the reasoner inferred (the "
        "inverse of every edge, kindOf links implied by transitivity) | "
        "`exports/cartkg.graphml` |",
        f"| {kgx} | the KGX edges: the GraphML's, with each inverse edge merged into the edge "
        "it inverts (Biolink's one canonical direction) | `exports/edges.tsv` |"]) + "\n"


@lru_cache(maxsize=1)
def _coverage_report(root: Path) -> list[dict]:
    """``cartkg coverage``'s report, computed once for the two blocks drawn from it (the cache
    is emptied at the start of every rendering)."""
    from kg.curation.coverage import coverage
    from kg.paths import project_paths
    return coverage(project_paths(root))


def _coverage(root: Path, main) -> str:
    report = _coverage_report(root)
    kinds = ("biomarker", "mechanism", "strategy")
    rows = ["| source | biomarker sections | mechanism sections | guidance sections | all |",
            "| --- | --- | --- | --- | --- |"]
    for r in report:
        cells = []
        for kind in kinds:
            c = r["by_kind"].get(kind)
            cells.append(f"{c['cited']}/{c['mentioning']} ({c['percent']}%)"
                         if c and c["mentioning"] else "–")
        rows.append(f"| doi:{r['source']} | " + " | ".join(cells)
                    + f" | {r['cited']}/{r['mentioning']} ({r['percent']}%) |")
    return "\n".join(rows) + "\n"


def _primary_studies(root: Path, main) -> str:
    from kg.curation.coverage import references_markdown
    return references_markdown(_coverage_report(root))


RESULTS = Path("benchmarks") / "RESULTS.md"


def _results(root: Path) -> str:
    """benchmarks/RESULTS.md as written by benchmarks/run.py ("" before any run)."""
    path = root / RESULTS
    return path.read_text(encoding="utf-8") if path.exists() else ""


def _sections(text: str, heading: str) -> list[tuple[str, str]]:
    """(the rest of the heading line, the body up to the next heading) of each section of
    RESULTS.md whose heading starts with ``heading``."""
    sections = []
    for part in text.split(heading)[1:]:
        title, body = part.split("\n", 1)
        sections.append((title, body.split("\n### ", 1)[0].split("\n## ", 1)[0].strip("\n")))
    return sections


def _benchmarks(root: Path, main) -> str:
    text = _results(root)
    if not text:
        return "No benchmark run recorded yet: run `python benchmarks/run.py`.\n"
    written = next((line for line in text.splitlines() if line.startswith("Written by")), "")
    table = text.split("## Figures", 1)[1].split("\n\n", 2)[2].split("\n\n", 1)[0]
    header, rule, *rows = table.splitlines()
    with_target = [r for r in rows if r.split("|")[-3].strip() not in ("–", "")]
    return (f"The figures with a target, from benchmarks/RESULTS.md ({written[len('Written by '):]})"
            f"\n\n" + "\n".join([header, rule, *with_target]) + "\n")


def _suggest_evaluation(root: Path, main) -> str:
    # each "### Curation assistant …" section (reviews, primary studies)
    sections = _sections(_results(root), "### Curation assistant")
    if not sections:
        return "Not measured yet: run `python benchmarks/run.py`.\n"
    return "\n\n".join(body if n == 0 else f"**Curation assistant{title}**\n\n{body}"
                       for n, (title, body) in enumerate(sections)) + "\n"


def _setup_time(root: Path, main) -> str:
    sections = _sections(_results(root), "### Set-up")
    if not sections:
        return "Not measured yet: run the setup group of `python benchmarks/run.py`.\n"
    return ("Measured by the setup group of `python benchmarks/run.py` (benchmarks/RESULTS.md): "
            f"{sections[0][1]}\n")


SCREENSHOT_FOLDER = Path("exports") / "screenshots"
SCREENSHOTS = {
    "ask.png": "The ask page: the mission's question in plain words, what was understood, and "
               "the answer cards with their evidence levels",
    "ask-card.png": "An answer card opened on its evidence: the chain in words, the quote, the "
                    "source and its reference numbers, the primary studies",
    "ask-phone.png": "The same answer at phone width"}


def _screenshots(root: Path, main) -> str:
    shown = [f"![{caption}]({(SCREENSHOT_FOLDER / name).as_posix()})"
             for name, caption in SCREENSHOTS.items() if (root / SCREENSHOT_FOLDER / name).exists()]
    if not shown:
        return "No screenshots yet: run `python -m kg.cli.screenshots`.\n"
    return "\n\n".join(shown) + "\n"


def render(spec: str, root: Path, main) -> str:
    """The body of the block ``spec``; ``main`` runs a cartkg command line."""
    if spec.startswith("cartkg "):
        return _console(spec, root, main)
    makers = {"graph-contents": _graph_contents, "relation-counts": _relation_counts,
              "coverage": _coverage,
              "primary-studies": _primary_studies, "benchmarks": _benchmarks,
              "suggest-evaluation": _suggest_evaluation, "screenshots": _screenshots,
              "setup-time": _setup_time}
    if spec not in makers:
        raise ValueError(f"unknown generated block {spec!r}")
    return makers[spec](root, main)


def rendered_readme(root: Path, main, only: set[str] | None = None) -> tuple[str, str]:
    """(README as it is, README with every block, or those named in ``only``, rendered)."""
    text = (root / "README.md").read_text(encoding="utf-8")
    _coverage_report.cache_clear()

    def fill(m: re.Match) -> str:
        spec = m.group("spec").strip()
        if only is not None and spec not in only:
            return m.group(0)
        return m.group(1) + render(spec, root, main) + m.group(4)
    return text, BLOCK.sub(fill, text)


def drawn_from(text: str) -> str | None:
    """The fingerprint of the graph README's blocks were last drawn from (its stamp line)."""
    m = STAMP.search(text)
    return m.group(1) if m else None


def update_readme(root: Path, main, only: set[str] | None = None, force: bool = False) -> bool:
    """Rewrite README's generated blocks (or those named in ``only``) from the commands, when
    they were drawn from another graph than exports/cartkg.nt (or ``force``); True when README
    changed. The stamp line records which graph they were drawn from."""
    from kg.files import write_atomically
    from kg.store.local import graph_fingerprint
    readme = root / "README.md"
    if not readme.exists():
        return False
    fingerprint = graph_fingerprint(root / "exports" / "cartkg.nt")
    if not force and only is None and drawn_from(readme.read_text(encoding="utf-8")) == fingerprint:
        return False
    old, new = rendered_readme(root, main, only)
    if only is None:
        new = STAMP.sub(f"<!-- generated blocks drawn from exports/cartkg.nt sha256:{fingerprint} -->",
                        new)
    if new != old:
        write_atomically(root / "README.md", new, inside=root)
    return new != old
