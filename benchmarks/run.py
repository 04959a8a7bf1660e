"""cartkg's benchmark suite: every figure with its baseline measured in the same run.

    python benchmarks/run.py [--quick] [--json] [--only GROUP,...] [--results FILE] [--merge]

Groups, in order: cq (competency questions, Oxigraph vs rdflib), coldstart (four commands),
build (with and without the reasoner, on a temp copy of the project), scale (synthetic graphs
of 10k…5M triples), endpoint (cartkg serve vs rdflib-endpoint vs the Oxigraph server),
explorer (whole-graph page in headless Chromium), suggest (the curation assistant against
the hand-curated evidence items, and its speed), ask (p95 of the ask page's /api/ask against
the same questions through the CLI). ``--quick`` stops the scale group at 100k
and shortens the loops (about 3 minutes; the full run takes about 10).

Prints a table (figure, value, unit, baseline, ratio, target, met?) or, with ``--json``, one
JSON object mapping each figure's name to {"value", "unit", "baseline", "ratio", "target", …}.
A full run also writes benchmarks/RESULTS.md (a quick one only with ``--results``);
``--only GROUPS --merge`` replaces only those groups' figures and details in it. Nothing in
the repository is written but that file: builds and stores live in a temp dir.
"""
from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import bench_ask  # noqa: E402
import bench_build  # noqa: E402
import bench_coldstart  # noqa: E402
import bench_cq  # noqa: E402
import bench_endpoint  # noqa: E402
import bench_explorer  # noqa: E402
import bench_scale  # noqa: E402
import bench_setup  # noqa: E402
import bench_suggest  # noqa: E402
import explanations  # noqa: E402
import profiles  # noqa: E402
import report  # noqa: E402
from figures import Figure, text_table  # noqa: E402
from project_copy import make_copy  # noqa: E402

GROUPS = ("cq", "coldstart", "build", "scale", "endpoint", "explorer", "suggest", "ask", "setup")


def log(msg: str) -> None:
    print(msg, file=sys.stderr, flush=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="smaller sizes, shorter loops (~3 min)")
    ap.add_argument("--json", action="store_true", help="print one JSON object")
    ap.add_argument("--only", help=f"comma-separated groups of: {', '.join(GROUPS)}")
    ap.add_argument("--results", type=Path, help="write RESULTS.md here (full runs: "
                    "benchmarks/RESULTS.md unless --only is given)")
    ap.add_argument("--merge", action="store_true", help="with --only: replace those groups' "
                    "figures and details in benchmarks/RESULTS.md, keeping the other groups'")
    args = ap.parse_args(argv)
    only = set(args.only.split(",")) if args.only else set(GROUPS)
    if only - set(GROUPS):
        ap.error(f"unknown group(s): {', '.join(sorted(only - set(GROUPS)))}")
    if args.merge and (not args.only or args.quick or args.results):
        ap.error("--merge needs --only, and neither --quick nor --results")
    results = args.results or (HERE / "RESULTS.md" if not args.quick and (not args.only
                                                                          or args.merge) else None)

    started, t0 = report.now(), time.perf_counter()
    figs: list[Figure] = []
    details: list[str] = []
    by_group: dict[str, list[Figure]] = {}
    seconds: dict[str, float] = {}
    from kg.paths import project_paths
    with tempfile.TemporaryDirectory(prefix="cartkg-bench-") as tmp:
        work = Path(tmp)
        project = make_copy(work)
        paths = project_paths(project)
        runs = {
            "cq": lambda d: bench_cq.run(paths, d, args.quick),
            "coldstart": lambda d: bench_coldstart.run(project),
            "build": lambda d: bench_build.run(project),
            "scale": lambda d: bench_scale.run(paths, d, args.quick, log),
            "endpoint": lambda d: bench_endpoint.run(paths, project, d, args.quick, log),
            "explorer": lambda d: bench_explorer.run(project, d, args.quick, log),
            "suggest": lambda d: bench_suggest.run(paths),
            "ask": lambda d: bench_ask.run(project, args.quick, log),
            "setup": lambda d: bench_setup.run(HERE.parent, d),
        }
        for group in GROUPS:
            if group not in only:
                continue
            log(f"[bench] {group}…")
            start = time.perf_counter()
            scratch = work / group
            scratch.mkdir()
            try:
                g_figs, g_details = runs[group](scratch)
            except Exception as exc:                                     # noqa: BLE001
                traceback.print_exc()
                g_figs, g_details = [Figure(group, None, "", note=f"failed: {exc}")], []
            seconds[group] = time.perf_counter() - start
            log(f"[bench] {group} done in {seconds[group]:.0f} s")
            by_group[group] = g_figs
            figs += g_figs
            details += g_details
        missed = missed_sections(by_group, paths, project) if results else []
    total = time.perf_counter() - t0

    if args.json:
        print(json.dumps({f.name: f.as_json() for f in figs}, indent=1, ensure_ascii=False))
    else:
        print(text_table(figs))
        print(f"\n{sum(f.met is True for f in figs)} targets met, "
              f"{sum(f.met is False for f in figs)} missed; {total / 60:.1f} min")
    if results:
        text = (report.merged_results(results.read_text(encoding="utf-8"), figs, details,
                                      missed, only, started) if args.merge else
                report.results_markdown(figs, details, missed, args.quick, started, total,
                                        seconds))
        results.write_text(text, encoding="utf-8")
        log(f"[bench] wrote {results}")
        if results == HERE / "RESULTS.md":
            from kg.cli.main import main as cartkg
            from kg.cli.readme import update_readme
            if update_readme(HERE.parent, cartkg, only={"benchmarks", "suggest-evaluation", "setup-time"}):
                log("[bench] README.md: benchmark figures updated")
    return 0


def missed_sections(by_group: dict[str, list[Figure]], paths, project: Path) -> list[str]:
    """For each group with a missed target: why (explanations) and a measured profile. The
    build profile rewrites the copy's exports without inferences, so it runs last."""
    profilers = {
        "cq": lambda: profiles.cq_profile(paths, bench_cq.question_specs(paths)),
        "coldstart": lambda: profiles.import_profile(project,
                                                     bench_coldstart.COMMANDS["strategies"]),
        "build": lambda: profiles.build_profile(project),
    }
    out = []
    for group in sorted(by_group, key=lambda g: g == "build"):
        missed = [f.name for f in by_group[group] if f.met is False]
        if not missed:
            continue
        log(f"[bench] profiling {group}…")
        section = [f"### {group}: {', '.join(missed)}", "", explanations.why(group)]
        if group in profilers:
            try:
                section += ["", profilers[group]()]
            except Exception as exc:                                     # noqa: BLE001
                section += ["", f"(profile failed: {exc})"]
        out.append("\n".join(section) + "\n")
    return out


if __name__ == "__main__":
    sys.exit(main())
