"""The ``cartkg`` command line. Imports stay inside the command functions so that quick
commands such as ``cartkg lookup`` start without loading rdflib or the reasoner.

Exit codes: 0 success; 1 no match, invalid data or failed validation; 2 usage error or
runtime failure. With ``--json`` exactly one JSON document goes to stdout; messages go to
stderr.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from kg.errors import EXIT_INVALID, EXIT_OK, EXIT_RUNTIME, KgError, NoMatch


def _emit(obj) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


def _store(args):
    if getattr(args, "endpoint", None):
        from kg.store.remote import RemoteStore
        return RemoteStore(args.endpoint)
    from kg.store.local import open_store
    return open_store(getattr(args, "store", None))


def cmd_build(args) -> int:
    from kg.build.pipeline import build
    from kg.paths import project_paths
    report = build(project_paths(), reasoner=args.reasoner, quiet=args.quiet,
                   figures=not args.no_figures)
    for note in report.notes:
        print(f"[build] note: {note}", file=sys.stderr)
    total = sum(report.timings.values())
    print(f"[build] ok: {report.triples} triples ({report.inferred} inferred by "
          f"{report.reasoner or 'no reasoner'}) in {total:.1f} s → exports/", file=sys.stderr)
    if args.json:
        _emit({"triples": report.triples, "inferred": report.inferred,
               "reasoner": report.reasoner, "timings": report.timings, "notes": report.notes})
    return EXIT_OK


def cmd_sparql(args) -> int:
    from kg.store.results import render
    text = args.query
    path = Path(text)
    if len(text) < 4096 and "{" not in text and path.exists():
        text = path.read_text(encoding="utf-8")
    sys.stdout.write(render(_store(args).query(text), args.format))
    return EXIT_OK


def _no_match(exc: NoMatch, as_json: bool, empty) -> int:
    if as_json:
        _emit(empty)
    hint = f"; closest: {', '.join(exc.candidates)}" if exc.candidates else ""
    print(f"{exc}{hint}", file=sys.stderr)
    return EXIT_INVALID


def cmd_lookup(args) -> int:
    from kg.answers.lookup import closest_names, lookup
    from kg.store.results import text_table
    store = _store(args)
    matches = lookup(store, args.text)
    if not matches:
        return _no_match(NoMatch(f"no entity matches {args.text!r}",
                                 closest_names(store, args.text)), args.json, [])
    if args.json:
        _emit(matches)
    else:
        sys.stdout.write(text_table(["label", "category", "score", "iri"],
                                    [[m["label"], m["category"], str(m["score"]), m["iri"]]
                                     for m in matches]))
    return EXIT_OK


def _relation(item) -> str:
    """The relation in words; a negated item's reads "does NOT improve" and the like."""
    from kg.vocab import relation_words
    return relation_words(item["predicate"]["iri"].rsplit("/", 1)[-1], item.get("negated", False),
                          item["predicate"]["label"])


def _level(item) -> str:
    return (item.get("evidence_level") or {}).get("level") or "unrated"


def _weight(item) -> str:
    """Level, certainty (a hedge stays visible) and directness of an item, in brief."""
    parts = [f"level {_level(item)}", item.get("certainty") or "certainty ?"]
    if item.get("directness") == "extrapolated":
        parts.append("extrapolated")
    return " · ".join(parts)


def _evidence_rows(items) -> list[list[str]]:
    return [[i["subject"]["label"], _relation(i), i["object"]["label"],
             ",".join(i["refs"]) or "-", _level(i), i.get("certainty") or "-", i["quote"]]
            for i in items]


def cmd_evidence(args) -> int:
    from kg.answers.evidence import evidence_items
    from kg.answers.lookup import resolve
    from kg.store.results import text_table
    store = _store(args)
    about = None
    if args.about:
        try:
            about = resolve(store, args.about)["iri"]
        except NoMatch as exc:
            return _no_match(exc, args.json, [])
    items = evidence_items(store, source=args.source, about_iri=about,
                           include_drafts=args.include_drafts)
    if args.json:
        _emit(items)
    else:
        sys.stdout.write(text_table(["subject", "relation", "object", "refs", "level",
                                     "certainty", "quote"], _evidence_rows(items)))
    if not items:
        print("no evidence items match", file=sys.stderr)
        return EXIT_INVALID
    return EXIT_OK


def cmd_stats(args) -> int:
    from kg.answers.stats import graph_stats
    stats = graph_stats(_store(args))
    if args.json:
        _emit(stats)
        return EXIT_OK
    for key, value in stats.items():
        if isinstance(value, dict):
            print(f"{key}:")
            for k, v in value.items():
                print(f"  {k:<28} {v}")
        else:
            print(f"{key:<30} {value}")
    return EXIT_OK


def _print_explained(records: list[dict], name_key: str) -> None:
    for rank, r in enumerate(records, 1):
        extra = f"  (addresses: {'; '.join(r['addresses'])})" if "addresses" in r else ""
        print(f"{rank}. {r[name_key]}{extra}")
        for step in r["explanation"]:
            print(f"     {step['from']} --{step['relation']}--> {step['to']}")
        for e in r["evidence"][:3]:
            refs = ",".join(e["refs"]) or "review"
            negated = (f" · NOT: {e['subject']['label']} {_relation(e)} {e['object']['label']}"
                       if e.get("negated") else "")
            print(f"     [{e['source']} ref {refs} · {_weight(e)}{negated}] "
                  f"\"{e['quote'][:140]}\"")
        if len(r["evidence"]) > 3:
            print(f"     … {len(r['evidence']) - 3} more evidence items (--json shows all)")


def _explained_question(question: str, name_key: str):
    """A command answering ``kg.answers.questions.<question>(store, TEXT)`` with explanations."""
    def run(args) -> int:
        from kg.answers import questions
        try:
            answer = getattr(questions, question)(_store(args), args.text,
                                                  include_drafts=args.include_drafts)
        except NoMatch as exc:
            return _no_match(exc, args.json, [])
        if args.json:
            _emit(answer)
        else:
            _print_explained(answer, name_key)
        return EXIT_OK if answer else EXIT_INVALID
    return run


cmd_strategies = _explained_question("strategies", "strategy")
cmd_mechanisms = _explained_question("mechanisms", "mechanism")


def cmd_assess(args) -> int:
    from kg.answers.questions import assess
    from kg.store.results import text_table
    try:
        answer = assess(_store(args), args.finding, include_drafts=args.include_drafts)
    except NoMatch as exc:
        return _no_match(exc, args.json, {})
    if args.json:
        _emit(answer)
        return EXIT_OK
    print("Findings: " + "; ".join(f"{f['label']} ({f['category']})" for f in answer["findings"]))
    print("\nRisk factors")
    sys.stdout.write(text_table(["biomarker", "outcome", "direction", "statistics", "refs"], [
        [b["biomarker"], b["outcome"], b["direction"] or "-",
         "; ".join(s["text"] for s in b["statistics"]) or "-",
         ",".join(sorted({r for e in b["evidence"] for r in e["refs"]}, key=int)) or "-"]
        for b in answer["risk_factors"]]))
    print("\nMechanisms")
    sys.stdout.write(text_table(["mechanism", "from findings"], [
        [m["mechanism"], "; ".join(m["findings"])] for m in answer["mechanisms"]]))
    print("\nStrategies (ranked)")
    sys.stdout.write(text_table(["#", "strategy", "for findings", "addresses", "evidence"], [
        [str(i), a["strategy"], "; ".join(a["findings"]), "; ".join(a["addresses"]),
         str(len(a["evidence"]))] for i, a in enumerate(answer["strategies"], 1)]))
    return EXIT_OK


def cmd_biomarkers(args) -> int:
    from kg.answers.questions import biomarkers
    from kg.store.results import text_table
    answer = biomarkers(_store(args), args.outcome, args.direction, args.include_drafts)
    if args.json:
        _emit(answer)
    else:
        sys.stdout.write(text_table(
            ["biomarker", "outcome", "direction", "best level", "statistics"],
            [[b["biomarker"], b["outcome"], b["direction"] or "-",
              min((_level(e) for e in b["evidence"]), default="-"),
              "; ".join(s["text"] for s in b["statistics"]) or "-"] for b in answer]))
    return EXIT_OK if answer else EXIT_INVALID


def cmd_cq(args) -> int:
    from kg.answers.cq import load_cqs, run_cq
    from kg.paths import project_paths
    from kg.store.results import text_table
    cqs = load_cqs(project_paths())
    if args.name is None:
        listing = [{"name": c.name, "question": c.question, "params": c.params}
                   for c in cqs.values()]
        if args.json:
            _emit(listing)
        else:
            for c in listing:
                print(f"{c['name']:<44} {c['question']}")
        return EXIT_OK
    if args.name not in cqs:
        raise NoMatch(f"no competency question {args.name!r}", sorted(cqs))
    values = {}
    for pair in args.param or []:
        key, sep, value = pair.partition("=")
        if not sep:
            print(f"cartkg cq: --param takes NAME=TEXT, got {pair!r}", file=sys.stderr)
            return EXIT_RUNTIME
        values[key] = value
    try:
        rows = run_cq(_store(args), cqs[args.name], values)
    except NoMatch as exc:
        return _no_match(exc, args.json, [])
    if args.json:
        _emit(rows)
    else:
        columns = list(dict.fromkeys(k for r in rows for k in r))
        sys.stdout.write(text_table(columns, [[r.get(c, "") for c in columns] for r in rows]))
    return EXIT_OK


def cmd_coverage(args) -> int:
    from kg.curation.coverage import coverage
    from kg.paths import project_paths
    report = coverage(project_paths(), args.source)
    if not report:
        print(f"no registered source with a full text matches {args.source!r}", file=sys.stderr)
        if args.json:
            _emit([])
        return EXIT_INVALID
    if args.json:
        _emit(report)
        return EXIT_OK
    for r in report:
        print(f"{r['source']}: {r['cited']}/{r['mentioning']} sentences that mention the graph "
              f"are cited ({r['percent']}%)")
        for kind, c in r["by_kind"].items():
            print(f"  {kind:<10} {c['cited']:>4}/{c['mentioning']:<4} {c['percent']}%")
        for u in r["uncited"]:
            print(f"  to do [{u['section']}] {u['sentence']}")
    return EXIT_OK


def cmd_reason(args) -> int:
    from kg.build.compile import compile_graph
    from kg.curation.sources import load_curation
    from kg.paths import project_paths
    from kg.build.reason import reason
    paths = project_paths()
    result = reason(compile_graph(paths, load_curation(paths)), args.engine)
    report = {"engine": result.engine, "consistent": result.consistent,
              "unsatisfiable": result.unsatisfiable,
              "inferred_subclass_axioms": [list(a) for a in result.subclass_axioms],
              "inferred_facts": len(result.inferred), "message": result.message}
    if args.json:
        _emit(report)
    else:
        print(f"engine: {result.engine}\nconsistent: {result.consistent}\n"
              f"unsatisfiable classes: {', '.join(result.unsatisfiable) or 'none'}\n"
              f"inferred facts: {len(result.inferred)}")
        for sub, sup in result.subclass_axioms:
            print(f"  {sub.rsplit('/', 1)[-1]} ⊑ {sup.rsplit('/', 1)[-1]}")
        if result.message:
            print(result.message, file=sys.stderr)
    return EXIT_OK if result.consistent and not result.unsatisfiable else EXIT_INVALID


def cmd_diff(args) -> int:
    from kg.build.diff import changelog_entry, diff, open_build
    from kg.paths import project_paths
    paths = project_paths()
    d = diff(open_build(args.old, paths), open_build(args.new, paths), paths)
    if args.json:
        _emit(d)
    else:
        sys.stdout.write(changelog_entry(d, f"{args.old} → {args.new}"))
    return EXIT_OK


def _curator_args(c) -> None:
    c.add_argument("--curator", metavar="ORCID", help="the curator's ORCID iD")


def _ask(args, name: str, prompt: str):
    """The value of a required option, asked for when running in a terminal."""
    value = getattr(args, name)
    if value in (None, []) and sys.stdin.isatty():
        value = input(f"{prompt}: ").strip() or None
        setattr(args, name, value)
    if value in (None, []):
        from kg.errors import RuntimeProblem
        raise RuntimeProblem(f"--{name.replace('_', '-')} is required (usage error)")
    return value


def cmd_curate_add_source(args) -> int:
    from kg.curation.write import add_source
    from kg.paths import project_paths
    for name, prompt in (("id", "short id (e.g. smith2024)"), ("title", "title"),
                         ("year", "year"), ("journal", "journal"), ("licence", "licence")):
        _ask(args, name, prompt)
    if not (args.doi or args.pmid):
        _ask(args, "doi", "DOI")
    path = add_source(project_paths(), ident=args.id, title=args.title, year=int(args.year),
                      journal=args.journal, licence=args.licence, doi=args.doi, pmid=args.pmid,
                      authors=[a.strip() for a in (args.authors or "").split(";") if a.strip()],
                      text=args.text, reference_count=args.reference_count)
    print(f"registered {path}", file=sys.stderr)
    return EXIT_OK


def _new_entities(args) -> dict:
    from kg.curation.write import NewEntity
    out = {}
    for role in ("subject", "object"):
        category = getattr(args, f"new_{role}")
        if category:
            out[role] = NewEntity(getattr(args, role), category,
                                  getattr(args, f"{role}_definition") or "")
    return out


def cmd_curate_add(args) -> int:
    from kg.curation.write import add_evidence
    from kg.paths import project_paths
    for name, prompt in (("source", "source (DOI or id)"), ("subject", "subject"),
                         ("predicate", "relation"), ("object", "object"),
                         ("quote", "quote (word for word)"), ("refs", "reference numbers")):
        _ask(args, name, prompt)
    try:
        refs = [int(r) for r in str(args.refs).replace(" ", "").split(",") if r]
    except ValueError:
        print(f"cartkg curate add: --refs takes numbers like 59 or 21,23", file=sys.stderr)
        return EXIT_INVALID
    notes: list[str] = []
    try:
        ident = add_evidence(project_paths(), source=args.source, subject=args.subject,
                             predicate=args.predicate, object=args.object, quote=args.quote,
                             refs=refs, statistics=args.statistic or [],
                             context=args.context or [], curator=args.curator,
                             section=args.section, direction=args.direction, level=args.level,
                             new_entities=_new_entities(args), ident=args.id,
                             certainty=args.certainty, certainty_note=args.certainty_note,
                             directness=args.directness, directness_note=args.directness_note,
                             study_type=args.study_type, notes=notes)
    finally:
        for note in notes:
            print(note, file=sys.stderr)
    if args.json:
        _emit({"id": ident})
    print(f"added {ident} (status: draft; review it with 'cartkg curate review')",
          file=sys.stderr)
    return EXIT_OK


def cmd_curate_import(args) -> int:
    from kg.curation.write import import_tsv
    from kg.paths import project_paths
    notes: list[str] = []
    try:
        ids = import_tsv(project_paths(), Path(args.file), notes)
    finally:
        for note in notes:
            print(note, file=sys.stderr)
    if args.json:
        _emit({"added": ids})
    print(f"imported {len(ids)} evidence items", file=sys.stderr)
    return EXIT_OK


def cmd_curate_review(args) -> int:
    from kg.curation.write import review
    from kg.paths import project_paths
    review(project_paths(), args.id, args.status, args.curator, args.comment)
    print(f"{args.id}: {args.status}", file=sys.stderr)
    return EXIT_OK


def cmd_curate_validate(args) -> int:
    from kg.build.pipeline import prepare
    from kg.paths import project_paths
    cur, _, _, report = prepare(project_paths(), reasoner=args.reasoner, quiet=True,
                                strict=args.strict)
    message = (f"ok: {len(cur.entities)} entities, {len(cur.evidence)} evidence items, "
               f"{len(cur.sources)} sources; SHACL, QC queries and reasoning passed")
    if args.json:
        _emit({"ok": True, "problems": [], "entities": len(cur.entities),
               "evidence_items": len(cur.evidence)})
    print(message, file=sys.stderr)
    return EXIT_OK


def cmd_serve(args) -> int:
    import os
    from kg.paths import project_paths
    from kg.server.protocol import Settings
    from kg.server.run import serve
    if args.endpoint:
        print("cartkg serve: --endpoint is not supported; serve answers from the local store",
              file=sys.stderr)
        return EXIT_RUNTIME
    workers = max(2, min(4, os.cpu_count() or 2)) if args.workers is None else args.workers
    if min(args.timeout, args.max_rows, workers, args.max_connections) <= 0 \
            or args.memory_limit < 0:
        print("cartkg serve: --timeout, --max-rows, --workers and --max-connections must be "
              "positive, --memory-limit not negative", file=sys.stderr)
        return EXIT_RUNTIME
    settings = Settings(timeout=args.timeout, max_rows=args.max_rows,
                        allow_update=args.allow_update, workers=workers,
                        memory_limit=args.memory_limit << 20,
                        max_connections=args.max_connections, verbose=True)
    return serve(project_paths(), settings, args.host, args.port, args.store)


def cmd_push(args) -> int:
    from kg.paths import project_paths
    from kg.store.push import push_graph
    return push_graph(args.endpoint, project_paths().exports / "cartkg.nt")


def cmd_explore(args) -> int:
    from kg.answers.lookup import resolve
    from kg.explorer.graph import write_explorer
    from kg.paths import project_paths
    store = _store(args)
    focus = None
    if args.focus:
        try:
            focus = resolve(store, args.focus)["iri"]
        except NoMatch as exc:
            return _no_match(exc, False, None)
    if args.output:
        site, figures = Path(args.output), Path(args.output) / "figures"
    else:
        site, figures = project_paths().exports / "explorer", project_paths().exports / "figures"
    pages, pictures = write_explorer(store, site, figures, focus, args.depth)
    print(f"[explore] wrote {len(pages)} pages to {site} and {len(pictures)} figures to "
          f"{figures}; open {site / 'index.html'}", file=sys.stderr)
    return EXIT_OK


def parser() -> argparse.ArgumentParser:
    from kg.vocab import CERTAINTIES, DIRECTNESS, STUDY_TYPES
    p = argparse.ArgumentParser(
        prog="cartkg",
        description="Knowledge graph of biomarkers, resistance mechanisms and interventions "
                    "for CD19-directed immunotherapy (CAR-T cells, blinatumomab).",
        epilog="Exit codes: 0 ok; 1 no match, invalid data or failed validation; "
               "2 usage error or runtime failure.")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, fn, help_text, json_flag=True, store=True, drafts=False):
        c = sub.add_parser(name, help=help_text, description=help_text)
        c.set_defaults(func=fn)
        if json_flag:
            c.add_argument("--json", action="store_true", help="print one JSON document")
        if store:
            c.add_argument("--store", metavar="SETTING",
                           help="oxigraph (default, on disk), oxigraph-memory or rdflib; "
                                "default from $CARTKG_STORE")
            c.add_argument("--endpoint", metavar="URL",
                           help="query a remote SPARQL 1.1 endpoint instead of the local store")
        if drafts:
            c.add_argument("--include-drafts", action="store_true",
                           help="also use evidence not (yet) accepted by review")
        return c

    c = command("build", cmd_build, "compile ontology + curation sources into the store and "
                "exports/", store=False)
    c.add_argument("--reasoner", default="auto", choices=["auto", "hermit", "owlrl", "none"],
                   help="auto: HermiT when Java is present, else pure-Python OWL RL")
    c.add_argument("--quiet", action="store_true", help="no progress on stderr")
    c.add_argument("--no-figures", action="store_true",
                   help="skip redrawing exports/figures/*.png")

    c = command("sparql", cmd_sparql, "run a SPARQL query (text or file)", json_flag=False)
    c.add_argument("query", metavar="QUERY_OR_FILE")
    c.add_argument("--format", default="table", choices=["json", "csv", "tsv", "table"])

    c = command("lookup", cmd_lookup, "find entities by label or synonym")
    c.add_argument("text")

    c = command("evidence", cmd_evidence, "list evidence items", drafts=True)
    c.add_argument("--source", metavar="DOI", help="only evidence from this source")
    c.add_argument("--about", metavar="TEXT", help="only evidence whose subject or object "
                   "this text names")

    command("stats", cmd_stats, "counts of entities, evidence and triples")

    c = command("strategies", cmd_strategies, "strategies that apply to a relapse phenotype, "
                "mechanism or finding, with explanation and evidence", drafts=True)
    c.add_argument("text")
    c = command("mechanisms", cmd_mechanisms, "mechanisms a text names, and all beneath or "
                "linked to them", drafts=True)
    c.add_argument("text")
    c = command("biomarkers", cmd_biomarkers, "biomarkers predicting outcome", drafts=True)
    c.add_argument("--outcome", choices=["response", "long-term"])
    c.add_argument("--direction", choices=["favourable", "unfavourable"])

    c = command("assess", cmd_assess, "a patient-profile question: risk factors, mechanisms "
                "and ranked strategies for a set of findings", drafts=True)
    c.add_argument("--finding", action="append", required=True, metavar="TEXT",
                   help="a finding, phenotype, biomarker or mechanism (repeatable)")

    c = command("cq", cmd_cq, "list the competency questions, or run one by name")
    c.add_argument("name", nargs="?", help="a question's name (see 'cartkg cq')")
    c.add_argument("--param", action="append", metavar="NAME=TEXT",
                   help="a parameter, resolved like lookup (repeatable)")

    c = command("diff", cmd_diff, "what changed between two builds or git revisions "
                "(entities, evidence, competency-question answers)", store=False)
    c.add_argument("old", metavar="OLD", help="exports folder, graph file or git revision")
    c.add_argument("new", metavar="NEW")

    c = command("coverage", cmd_coverage, "per source text: sentences that mention the "
                "graph, which are cited, and the uncited ones as a to-do list", store=False)
    c.add_argument("--source", metavar="DOI", help="only this source (DOI, PMID or id)")

    c = command("reason", cmd_reason, "run the reasoner on a copy of the graph: consistency, "
                "unsatisfiable classes, inferred hierarchy", store=False)
    c.add_argument("--engine", default="auto", choices=["auto", "hermit", "owlrl"])

    c = command("serve", cmd_serve, "serve SPARQL 1.1 Protocol at /sparql, "
                "the explorer at / and the question API at /api/ (read-only by default)",
                json_flag=False, store=False)
    c.add_argument("--store", metavar="SETTING",
                   help="oxigraph-memory (default): each worker holds the graph in memory, "
                        "loaded from exports/cartkg.nt; oxigraph: answer from the on-disk "
                        "store, for a graph larger than memory ($CARTKG_STORE is not read)")
    c.add_argument("--endpoint", help=argparse.SUPPRESS)
    c.add_argument("--host", default="127.0.0.1",
                   help="address to bind (default 127.0.0.1; requests must then name a "
                        "local Host, against DNS rebinding)")
    c.add_argument("--port", type=int, default=8000)
    c.add_argument("--allow-update", action="store_true",
                   help="accept SPARQL Update (for a local curation server); off by default")
    c.add_argument("--timeout", type=float, default=10.0, help="per-query timeout in seconds")
    c.add_argument("--max-rows", type=int, default=10000, help="result-row cap")
    c.add_argument("--workers", type=int, help="query worker processes, each holding a copy "
                   "of the store (default: the number of CPUs, 2 to 4; 1 with --allow-update)")
    c.add_argument("--memory-limit", type=int, default=2048, metavar="MB",
                   help="address space per worker; a query needing more is stopped "
                        "(default 2048; 0: no limit)")
    c.add_argument("--max-connections", type=int, default=64, metavar="N",
                   help="open client connections at once; more are closed with 503 "
                        "(default 64)")

    c = command("push", cmd_push, "load the built graph into a remote "
                "SPARQL store (Graph Store Protocol or batched SPARQL Update)", store=False)
    c.add_argument("--endpoint", metavar="URL", required=True)

    c = command("explore", cmd_explore, "write the explorer's interactive "
                "HTML pages", json_flag=False)
    c.add_argument("--focus", metavar="TEXT", help="also write a page around this entity")
    c.add_argument("--depth", type=int, default=2, help="neighbourhood depth for --focus")
    c.add_argument("--output", metavar="DIR", help="default: exports/explorer")

    curate = sub.add_parser("curate", help="curation commands",
                            description="curation commands").add_subparsers(
        dest="curate_command", required=True, metavar="SUBCOMMAND")
    c = curate.add_parser("add-source", help="register a paper (DOI and/or PMID, title, ...)")
    c.set_defaults(func=cmd_curate_add_source)
    c.add_argument("--id", help="short id for the paper, e.g. smith2024")
    c.add_argument("--doi")
    c.add_argument("--pmid")
    c.add_argument("--title")
    c.add_argument("--authors", help="'First Last; First Last'")
    c.add_argument("--year")
    c.add_argument("--journal")
    c.add_argument("--licence", help="e.g. CC BY 4.0")
    c.add_argument("--text", metavar="FILE", help="full text (plain) for quote checks")
    c.add_argument("--reference-count", type=int, help="entries in its reference list")

    c = curate.add_parser("add", help="add one evidence item (status draft)")
    c.set_defaults(func=cmd_curate_add)
    c.add_argument("--json", action="store_true")
    c.add_argument("--source", metavar="DOI")
    c.add_argument("--subject", metavar="TEXT")
    c.add_argument("--predicate", metavar="TEXT")
    c.add_argument("--object", metavar="TEXT")
    c.add_argument("--quote", metavar="TEXT")
    c.add_argument("--refs", metavar="N[,N...]")
    c.add_argument("--statistic", action="append", metavar="M=V",
                   help="HR=4.35, rate=65%%/34%%, p=0.02, n=275 (repeatable)")
    c.add_argument("--context", action="append", metavar="K=V",
                   help="disease=, product=, trial=, study_type=, population=, modality=, "
                   "setting= (repeatable)")
    c.add_argument("--section")
    c.add_argument("--direction", choices=["favourable", "unfavourable", "neutral"])
    c.add_argument("--level", choices=["primary-study", "review-statement"])
    c.add_argument("--certainty", choices=list(CERTAINTIES),
                   help="default: suggested from the quote's hedge words")
    c.add_argument("--certainty-note", metavar="TEXT",
                   help="why 'stated' stands although the quote has a hedge word")
    c.add_argument("--directness", choices=list(DIRECTNESS), help="default: direct")
    c.add_argument("--directness-note", metavar="TEXT",
                   help="what extrapolated evidence comes from")
    c.add_argument("--study-type", choices=list(STUDY_TYPES), metavar="TYPE",
                   help="one of: " + ", ".join(STUDY_TYPES) + " (default: suggested from the "
                   "quote)")
    c.add_argument("--id", help="evidence id (default: derived from the claim)")
    for role in ("subject", "object"):
        c.add_argument(f"--new-{role}", metavar="CATEGORY",
                       help=f"create the {role} as a new entity of this category")
        c.add_argument(f"--{role}-definition", metavar="TEXT")
    _curator_args(c)

    c = curate.add_parser("import", help="add every row of a TSV file, or none")
    c.set_defaults(func=cmd_curate_import)
    c.add_argument("file", metavar="FILE.tsv")
    c.add_argument("--json", action="store_true")

    c = curate.add_parser("review", help="review an evidence item")
    c.set_defaults(func=cmd_curate_review)
    c.add_argument("id")
    c.add_argument("--status", required=True, choices=["accepted", "rejected", "needs-work"])
    c.add_argument("--curator", required=True, metavar="ORCID")
    c.add_argument("--comment")

    c = curate.add_parser("validate", help="validate the curation sources (exit 0 clean, "
                          "1 problems)")
    c.set_defaults(func=cmd_curate_validate)
    c.add_argument("--json", action="store_true")
    c.add_argument("--reasoner", default="auto", choices=["auto", "hermit", "owlrl", "none"])
    c.add_argument("--strict", action="store_true", help="also enforce the lints "
                   "ontology/curation/lints.yaml lists as pending")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        return args.func(args)
    except KgError as exc:
        if getattr(args, "json", False) and exc.exit_code == EXIT_INVALID \
                and args.command == "curate":
            problems = [p.as_dict() for p in getattr(exc, "problems", [])]
            _emit({"ok": False, "problems": problems or [{"problem": str(exc)}]})
        print(f"cartkg {args.command}: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return EXIT_RUNTIME
    except BrokenPipeError:
        return EXIT_OK


if __name__ == "__main__":
    raise SystemExit(main())
