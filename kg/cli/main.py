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
from kg.errors import ValidationFailed


def _emit(obj) -> None:
    sys.stdout.write(json.dumps(obj, indent=2, ensure_ascii=False) + "\n")


def _store(args):
    if getattr(args, "endpoint", None):
        from kg.store.remote import RemoteStore
        return RemoteStore(args.endpoint)
    from kg.store.local import open_store
    return open_store(getattr(args, "store", None), args.paths)


def cmd_build(args) -> int:
    from kg.build.pipeline import build
    report = build(args.paths, reasoner=args.reasoner, quiet=args.quiet,
                   figures="always" if args.redraw_figures else not args.no_figures)
    for note in report.notes:
        print(f"[build] note: {note}", file=sys.stderr)
    print(f"[build] ok: {report.triples} triples ({report.inferred} inferred by "
          f"{report.reasoner or 'no reasoner'}) in {report.seconds:.1f} s → {args.paths.exports}",
          file=sys.stderr)
    from kg.cli.readme import update_readme
    if not args.no_readme and update_readme(args.paths.root, main, force=args.redraw_figures):
        print("[build] README.md: generated figures and examples updated", file=sys.stderr)
    if args.json:
        _emit({"triples": report.triples, "inferred": report.inferred,
               "reasoner": report.reasoner, "timings": report.timings, "seconds": report.seconds,
               "notes": report.notes})
    return EXIT_OK


def query_argument(text: str) -> str:
    """The query QUERY_OR_FILE names: a file's content when it names a file (an error when it
    looks like a file name but names none), else the text itself."""
    from kg.errors import RuntimeProblem
    looks_like_file = "{" not in text and "\n" not in text and (
        text.endswith((".rq", ".sparql", ".txt")) or "/" in text and " " not in text.strip())
    path = Path(text)
    if len(text) < 4096 and "{" not in text and (path.exists() or looks_like_file):
        if path.is_dir():
            raise RuntimeProblem(f"{text} is a folder: give a query file (.rq) or query text")
        if not path.exists():
            raise RuntimeProblem(f"{text}: no such query file (give an existing .rq file, or "
                                 "the query text itself in quotes)")
        try:
            return path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise RuntimeProblem(f"cannot read query file {text}: {exc}") from exc
    return text


def cmd_sparql(args) -> int:
    from kg.store.results import render
    fmt = "json" if args.json else args.format
    text = query_argument(args.query)
    if not getattr(args, "endpoint", None):     # a remote endpoint decides for itself
        refuse_unsafe_query(text, args.allow_service)
    sys.stdout.write(render(_store(args).query(text), fmt))
    return EXIT_OK


def refuse_unsafe_query(text: str, allow_service: bool) -> None:
    """QueryError (exit 1) when the local engine must not run ``text``: SERVICE or LOAD
    (decided on the same parse as the server's; unless ``allow_service``), or nesting and
    operator chains deep enough to overflow the engine's stack (always)."""
    from kg.store.policy import PolicyError, check_depth, check_query
    from kg.store.local import QueryError
    try:
        check_depth(text) if allow_service else check_query(text)
    except PolicyError as exc:
        fetch = "SERVICE" in str(exc) or "LOAD" in str(exc)
        raise QueryError(f"{exc}" + ("; give --allow-service to let this query fetch from the "
                                     "addresses it names" if fetch else "")) from None
    except SyntaxError as exc:
        raise QueryError(f"SPARQL syntax error: {exc}") from None


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


def _entity_iri(store, text: str | None) -> str | None:
    """The IRI of the entity ``text`` names (None without text); NoMatch when none."""
    from kg.answers.lookup import resolve
    return resolve(store, text)["iri"] if text else None


def cmd_evidence(args) -> int:
    from kg.answers.evidence import evidence_items
    store = _store(args)
    try:
        about = _entity_iri(store, args.about)
    except NoMatch as exc:
        return _no_match(exc, args.json, [])
    items = evidence_items(store, source=args.source, about_iri=about,
                           include_drafts=args.include_drafts)
    if args.disease or args.therapy or args.population or args.after:
        from kg.answers.lookup import entity_index
        from kg.answers.scope import Scope
        try:
            scope = Scope.build(store, entity_index(store), **_scope(args))
        except NoMatch as exc:
            return _no_match(exc, args.json, [])
        items = [scope.annotate(i) for i in items]
    if args.json:
        _emit(items)
    else:
        from kg.cli.render import evidence_block
        sys.stdout.write("".join(line + "\n" for line in evidence_block(items, "")))
    if not items:
        print("no evidence items match", file=sys.stderr)
        return EXIT_INVALID
    return EXIT_OK


def cmd_references(args) -> int:
    from kg.answers.references import references
    try:
        answer = references(_store(args), args.text)
    except NoMatch as exc:
        return _no_match(exc, args.json, {"resolved": None, "studies": [], "unresolved_refs": []})
    if args.json:
        _emit(answer)
    else:
        what = answer["resolved"].get("label") or answer["resolved"]["id"]
        print(f"primary studies behind {answer['resolved']['kind']} {what!r}:")
        for s in answer["studies"]:
            ids = ", ".join(x for x in (s["doi"] and f"doi:{s['doi']}", s["pmid"] and f"PMID:{s['pmid']}") if x)
            print(f"  {s['label']}  {s['url'] or ''}")
            print(f"     {s['title']}" + (f" [{ids}]" if ids else ""))
            print(f"     cited as {'; '.join(s['cited_as'])} by {len(s['evidence'])} evidence item(s)")
        if answer["unresolved_refs"]:
            print("not (yet) resolved: " + "; ".join(
                f"{u['source']} ref {u['ref']}" for u in answer["unresolved_refs"]))
    if not answer["studies"]:
        print("no resolved primary study behind this answer", file=sys.stderr)
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


def _scope(args) -> dict:
    return {"disease": args.disease, "therapy": args.therapy, "population": args.population,
            "after": args.after}


def _nothing_found(what: str, answer_for: str) -> str:
    return (f"no {what} found for {answer_for}: ask 'cartkg evidence --about \"{answer_for}\"' "
            f"for what the graph says about it, or 'cartkg ask' with a relapse phenotype or "
            f"mechanism")


def cmd_strategies(args) -> int:
    from kg.answers.questions import strategy_answer
    try:
        answer = strategy_answer(_store(args), args.text, args.include_drafts,
                                 action=args.action, **_scope(args))
    except NoMatch as exc:
        return _no_match(exc, args.json, [])
    if args.json:
        _emit(answer["strategies"])
    else:
        from kg.cli.render import strategy_text
        sys.stdout.write(strategy_text(answer, args.explain))
    if not answer["strategies"]:
        print(_nothing_found("strategies", answer["resolved"]["label"]), file=sys.stderr)
        return EXIT_INVALID
    return EXIT_OK


def cmd_mechanisms(args) -> int:
    from kg.answers.questions import mechanism_answer
    try:
        full = mechanism_answer(_store(args), args.text, args.include_drafts, **_scope(args))
    except NoMatch as exc:
        return _no_match(exc, args.json, [])
    answer = full["mechanisms"]
    if args.json:
        _emit(answer)
    else:
        from kg.cli.render import mechanism_text
        sys.stdout.write(mechanism_text(full, args.explain))
    if not answer:
        print(_nothing_found("mechanisms", args.text), file=sys.stderr)
        return EXIT_INVALID
    return EXIT_OK


def cmd_ask(args) -> int:
    from kg.answers.ask import ask
    try:
        doc = ask(_store(args), args.text, args.include_drafts, disease=args.disease,
                  therapy=args.therapy, population=args.population, after=args.after)
    except NoMatch as exc:
        return _no_match(exc, args.json, {})
    if args.json:
        _emit(doc)
        return EXIT_OK
    import kg.cli.render as render
    seen = "; ".join(f"{m['text']} → {m['label']} ({m['category']})" for m in doc["recognised"])
    print(f"Recognised: {seen or 'no entity'}")
    print(f"Question: {doc['question_type']}")
    kind = doc["question_type"]
    if kind in ("strategies", "monitoring"):
        sys.stdout.write(render.strategy_text({"resolved": doc["resolved"], "scope": doc["scope"],
                                               "strategies": doc["answer"],
                                               "withheld": doc["withheld"]}, args.explain))
    elif kind in ("mechanisms", "explain"):
        sys.stdout.write(render.mechanism_text({"resolved": doc["resolved"],
                                                "scope": doc["scope"],
                                                "mechanisms": doc["answer"],
                                                "withheld": doc["withheld"]}, args.explain))
    elif kind == "evaluate":
        sys.stdout.write(render.evaluation_text(doc, args.explain))
    elif kind == "assess":
        _print_assessment(doc["answer"])
    elif kind == "biomarkers":
        _print_biomarkers(doc["answer"])
    else:
        sys.stdout.write("".join(line + "\n" for line in render.evidence_block(doc["answer"],
                                                                              "  ")))
    return EXIT_OK


def cmd_assess(args) -> int:
    from kg.answers.questions import assess
    try:
        answer = assess(_store(args), args.finding, include_drafts=args.include_drafts,
                        **_scope(args))
    except NoMatch as exc:
        return _no_match(exc, args.json, {})
    if args.json:
        _emit(answer)
        return EXIT_OK
    _print_assessment(answer)
    return EXIT_OK


def _print_assessment(answer: dict) -> None:
    from kg.store.results import text_table
    print("Findings: " + "; ".join(f"{f['label']} ({f['category']}: {', '.join(f['used_as'])})"
                                   for f in answer["findings"]))
    print("\nRisk factors")
    sys.stdout.write(text_table(["biomarker", "outcome", "direction", "statistics", "refs"], [
        [b["biomarker"], b["outcome"], ("NOT " if b["negated"] else "") + (b["direction"] or "-"),
         "; ".join(s["text"] for s in b["statistics"]) or "-",
         ",".join(sorted({r for e in b["evidence"] for r in e["refs"]}, key=int)) or "-"]
        for b in answer["risk_factors"]]))
    for note in answer.get("risk_notes", []):
        print(f"Note: {note}")
    print("\nMechanisms")
    sys.stdout.write(text_table(["mechanism", "from findings"], [
        [m["mechanism"], "; ".join(m["findings"])] for m in answer["mechanisms"]]))
    print("\nStrategies (ranked)")
    sys.stdout.write(text_table(["#", "strategy", "action", "level", "marks", "for findings",
                                 "addresses"], [
        [str(i), a["strategy"], ",".join(a["action"]) or "-",
         a["rank_basis"]["best_level"] or "-",
         ", ".join(m for m, on in (("contested", a["contested"]),
                                   ("inherited", bool(a["inherited"]))) if on) or "-",
         "; ".join(a["findings"]), "; ".join(a["addresses"])]
        for i, a in enumerate(answer["strategies"], 1)]))


def _print_biomarkers(answer: list[dict]) -> None:
    from kg.store.results import text_table
    sys.stdout.write(text_table(
        ["biomarker", "outcome", "direction", "contested", "statistics", "scope"],
        [[b["biomarker"], b["outcome"], ("NOT " if b["negated"] else "") + (b["direction"] or "-"),
          "CONTESTED" if b.get("contested") else "-",
          "; ".join(s["text"] for s in b["statistics"]) or "-",
          ("extrapolated: " if b["extrapolated"] else "")
          + (", ".join(b["scope"]["disease"] + b["scope"]["modality"]) or "-")]
         for b in answer]))


def cmd_biomarkers(args) -> int:
    from kg.answers.questions import biomarkers
    try:
        answer = biomarkers(_store(args), args.outcome, args.direction, args.include_drafts,
                            **_scope(args))
    except NoMatch as exc:
        return _no_match(exc, args.json, [])
    if args.json:
        _emit(answer)
    else:
        _print_biomarkers(answer)
    return EXIT_OK if answer else EXIT_INVALID


def cmd_cq(args) -> int:
    from kg.answers.cq import load_cqs, run_cq
    from kg.store.results import text_table
    cqs = load_cqs(args.paths)
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
    report = coverage(args.paths, args.source)
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
        ref = r["references"]
        print(f"  primary studies: {ref['resolved']}/{ref['cited']} cited reference numbers "
              f"resolved; {ref['named_resolved']}/{ref['named']} of those the text names by "
              f"author or trial")
        for u in ref["unresolved_named"]:
            print(f"  to do [ref {u['ref']}, named by {u['named_by']} {u['name']}] {u['words']}")
    return EXIT_OK


def cmd_reason(args) -> int:
    from kg.build.compile import compile_graph
    from kg.curation.sources import load_curation
    from kg.build.reason import reason
    paths = args.paths
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


def cmd_report(args) -> int:
    from kg.build.report import dl_profile_violations, report_problems
    paths = args.paths
    problems = report_problems(_store(args), paths)
    profile = [] if args.no_profile else dl_profile_violations(paths.exports / "cartkg.owl")
    if args.json:
        _emit({"report": [{"check": p.check, "focus": p.focus, "message": p.message}
                          for p in problems],
               "owl2_dl_profile": None if args.no_profile else profile})
    else:
        for p in problems:
            print(p.render())
        for line in profile:
            print(f"owl2-dl-profile: {line}")
        print(f"{len(problems)} report problems; "
              + ("OWL 2 DL profile not checked" if args.no_profile
                 else f"{len(profile)} OWL 2 DL profile violations"), file=sys.stderr)
    return EXIT_INVALID if problems or profile else EXIT_OK


def cmd_diff(args) -> int:
    from kg.build.diff import changelog_entry, diff, open_build
    paths = args.paths
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
    for name, prompt in (("id", "short id (e.g. smith2024)"), ("title", "title"),
                         ("year", "year"), ("journal", "journal"), ("licence", "licence")):
        _ask(args, name, prompt)
    if not (args.doi or args.pmid) and args.kind == "review":
        _ask(args, "doi", "DOI")
    if not str(args.year).strip().isdigit():
        from kg.errors import RuntimeProblem
        raise RuntimeProblem(f"--year takes a year such as 2024, not {args.year!r} (usage error)")
    path = add_source(args.paths, ident=args.id, title=args.title, year=int(args.year),
                      journal=args.journal, licence=args.licence, doi=args.doi, pmid=args.pmid,
                      authors=[a.strip() for a in (args.authors or "").split(";") if a.strip()],
                      text=args.text, reference_count=args.reference_count, kind=args.kind)
    if args.json:
        _emit({"id": args.id, "file": str(path), "kind": args.kind})
    print(f"registered {path} (project {args.paths.root})", file=sys.stderr)
    return EXIT_OK


def cmd_curate_add_study(args) -> int:
    from kg.curation.write import add_primary_study, parse_check, parse_citation
    if not args.cite or not args.checked:
        print("cartkg curate add-study: give at least one --cite REVIEW:REF=WORDS and one "
              "--checked URL=WHAT MATCHED (where the study's public record was checked)",
              file=sys.stderr)
        return EXIT_INVALID
    ident = add_primary_study(args.paths, ident=args.id, first_author=args.first_author,
                              year=args.year, title=args.title, journal=args.journal,
                              doi=args.doi, pmid=args.pmid, note=args.note,
                              cited_as=[parse_citation(c) for c in args.cite],
                              checked=[parse_check(c) for c in args.checked])
    if args.json:
        _emit({"id": ident})
    print(f"added primary study {ident}", file=sys.stderr)
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
    for name, prompt in (("source", "source (DOI or id)"), ("subject", "subject"),
                         ("predicate", "relation"), ("object", "object"),
                         ("quote", "quote (word for word)")):
        _ask(args, name, prompt)
    if args.refs is None and sys.stdin.isatty():    # none for a primary study's own result
        args.refs = input("reference numbers (empty for a primary study): ").strip()
    try:
        refs = [int(r) for r in str(args.refs or "").replace(" ", "").split(",") if r]
    except ValueError:
        print(f"cartkg curate add: --refs takes numbers like 59 or 21,23", file=sys.stderr)
        return EXIT_INVALID
    notes: list[str] = []
    try:
        ident = add_evidence(args.paths, source=args.source, subject=args.subject,
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
    print(f"added {ident} to {args.paths.curation} (status: draft; review it with "
          "'cartkg curate review')", file=sys.stderr)
    return EXIT_OK


def input_file(name: str, what: str) -> Path:
    """The path of a file the user gave, which must exist and be a file (exit 2 otherwise)."""
    from kg.errors import RuntimeProblem
    path = Path(name)
    if not path.exists():
        raise RuntimeProblem(f"{name}: no such file (give the path of an existing {what})")
    if not path.is_file():
        raise RuntimeProblem(f"{name} is not a file (give the path of a {what})")
    return path


def cmd_curate_import(args) -> int:
    from kg.curation.write import import_tsv
    path = input_file(args.file, "tab-separated file of evidence items")
    notes: list[str] = []
    try:
        ids = import_tsv(args.paths, path, notes)
    except UnicodeDecodeError as exc:
        raise ValidationFailed(f"{args.file} is not UTF-8 text ({exc.reason} at byte "
                               f"{exc.start}): save it as UTF-8") from exc
    finally:
        for note in notes:
            print(note, file=sys.stderr)
    if args.json:
        _emit({"added": ids})
    print(f"imported {len(ids)} evidence items into {args.paths.curation}", file=sys.stderr)
    return EXIT_OK


def cmd_curate_suggest(args) -> int:
    from kg.answers.tagger import Tagger
    from kg.curation.suggest import suggest, to_tsv
    from kg.curation.suggest_page import review_page
    result = suggest(args.paths, args.source, Tagger.from_index, args.section)
    files = {}
    if args.out:
        files[Path(args.out)] = to_tsv(result)
        files.setdefault(Path(args.out).with_suffix(".html"), review_page(result))
    if args.html:
        files[Path(args.html)] = review_page(result)
    if files:
        from kg.errors import RuntimeProblem
        from kg.files import write_atomically
        for path, content in files.items():
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                write_atomically(path, content)
            except OSError as exc:
                raise RuntimeProblem(f"cannot write {path}: {exc.strerror} (give a file in a "
                                     "folder you can write to)") from exc
        if args.out:
            print(f"[suggest] wrote {args.out} (import it with 'cartkg curate import "
                  f"{args.out}')", file=sys.stderr)
        print(f"[suggest] review page: {', '.join(str(p) for p in files if p.suffix != '.tsv')}"
              " (open it in a browser; 'Save TSV' writes the rows to import)", file=sys.stderr)
    if args.json:
        _emit(result.as_json())
    elif not files:
        for c in result.candidates[:args.limit]:
            mark = f" (duplicates {c.duplicate_of})" if c.duplicate_of else ""
            print(f"{c.confidence:.2f}  {c.subject.label} — {c.predicate.label}"
                  f"{' (NOT)' if c.negated else ''} — {c.object.label}{mark}\n      "
                  f"\"{c.quote[:160]}{'…' if len(c.quote) > 160 else ''}\"")
    dups = sum(1 for c in result.candidates if c.duplicate_of)
    print(f"[suggest] {len(result.candidates)} candidates ({dups} duplicate curated items) from "
          f"{len(result.sentences)} sentences; {len(result.new_entities)} candidate new entities",
          file=sys.stderr)
    return EXIT_OK


def cmd_curate_review(args) -> int:
    from kg.curation.write import review
    review(args.paths, args.id, args.status, args.curator, args.comment)
    if args.json:
        _emit({"id": args.id, "status": args.status})
    print(f"{args.id}: {args.status} (in {args.paths.curation})", file=sys.stderr)
    return EXIT_OK


def cmd_curate_recover(args) -> int:
    from kg.curation.sources import curation_lock
    with curation_lock(args.paths) as lock:
        written = lock.recovered
    if args.json:
        _emit({"completed": written > 0, "files": written})
    print(f"completed an interrupted change ({written} files)" if written else
          "no interrupted change was pending", file=sys.stderr)
    return EXIT_OK


def cmd_curate_validate(args) -> int:
    from kg.build.pipeline import prepare
    cur, _, _, report = prepare(args.paths, reasoner=args.reasoner, quiet=True,
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
    from kg.server.protocol import Settings
    from kg.server.run import serve
    if args.endpoint:
        print("cartkg serve: --endpoint is not supported; serve answers from the local store",
              file=sys.stderr)
        return EXIT_RUNTIME
    if not 0 <= args.port <= 65535:
        print(f"cartkg serve: --port takes 0 to 65535 (0: any free port), not {args.port}",
              file=sys.stderr)
        return EXIT_RUNTIME
    workers = max(2, min(4, os.cpu_count() or 2)) if args.workers is None else args.workers
    if min(args.timeout, args.max_rows, workers, args.max_connections, args.max_bytes) <= 0 \
            or min(args.memory_limit, args.result_cache) < 0:
        print("cartkg serve: --timeout, --max-rows, --max-bytes, --workers and "
              "--max-connections must be positive, --memory-limit and --result-cache not "
              "negative",
              file=sys.stderr)
        return EXIT_RUNTIME
    settings = Settings(timeout=args.timeout, max_rows=args.max_rows,
                        allow_update=args.allow_update, workers=workers,
                        memory_limit=args.memory_limit << 20,
                        max_connections=args.max_connections, verbose=True,
                        max_bytes=args.max_bytes << 20, cache_bytes=args.result_cache << 20)
    return serve(args.paths, settings, args.host, args.port, args.store)


def cmd_push(args) -> int:
    from kg.store.push import push_graph
    return push_graph(args.endpoint, args.paths.exports / "cartkg.nt")


def cmd_explore(args) -> int:
    from kg.explorer.site import write_explorer
    store = _store(args)
    try:
        focus = _entity_iri(store, args.focus)
    except NoMatch as exc:
        return _no_match(exc, False, None)
    if args.output:
        site, figures = Path(args.output), Path(args.output) / "figures"
        try:
            site.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            from kg.errors import RuntimeProblem
            raise RuntimeProblem(f"cannot write the explorer to {site}: {exc.strerror} (give "
                                 "a folder you can write to with --output)") from exc
    else:
        from kg.files import check_inside
        site, figures = (check_inside(args.paths.root, args.paths.exports / name)
                         for name in ("explorer", "figures"))
    from kg.store.local import graph_fingerprint
    graph = args.paths.graph
    drawn_from = graph_fingerprint(graph) if graph.exists() and not args.endpoint else None
    pages, pictures = write_explorer(store, site, figures, focus, args.depth, drawn_from)
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
    from kg import __version__
    p.add_argument("--version", action="version", version=f"cartkg {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--project", metavar="DIR",
                        help="the project folder (default: $CARTKG_HOME, else the nearest "
                             "folder at or above the current one holding ontology/cartkg.ttl; "
                             "reading commands fall back to the graph built into the package)")
    sub = p.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def command(name, fn, help_text, json_flag=True, store=True, drafts=False, project=READ,
                scope=False, explain=False, **extra):
        c = sub.add_parser(name, help=help_text, description=help_text, parents=[common],
                           **extra)
        c.set_defaults(func=fn, project_mode=project)
        if scope:
            c.add_argument("--disease", metavar="TEXT", help="the patient's disease: evidence "
                           "from another disease is marked extrapolated")
            c.add_argument("--therapy", metavar="TEXT", help="the therapy considered (CAR-T, "
                           "blinatumomab or a named product): strategies for another therapy "
                           "are withheld, evidence from another is marked extrapolated")
            c.add_argument("--population", metavar="TEXT", help="paediatric or adult")
            c.add_argument("--after", metavar="THERAPY", help="the therapy the patient already "
                           "had and failed: never withholds an option of another modality")
        if json_flag:
            c.add_argument("--json", action="store_true", help="print one JSON document")
        if explain:
            c.add_argument("--explain", action="store_true", help="below each line: the "
                           "chain, the quotes and the references")
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
                "exports/", store=False, project=WRITE)
    c.add_argument("--reasoner", default="auto", choices=["auto", "hermit", "owlrl", "none"],
                   help="auto: HermiT when Java is present, else pure-Python OWL RL")
    c.add_argument("--quiet", action="store_true", help="no progress on stderr")
    c.add_argument("--no-figures", action="store_true",
                   help="skip redrawing exports/figures/*.png and rewriting the explorer's "
                        "pages (exports/explorer/)")
    c.add_argument("--no-readme", action="store_true",
                   help="leave README.md's generated blocks as they are (by default they are "
                        "redrawn from the commands when the graph changed)")
    c.add_argument("--redraw-figures", action="store_true",
                   help="redraw exports/figures/*.png and README's generated blocks even when "
                        "the graph did not change (by default they are redrawn only when it "
                        "did)")

    c = command("sparql", cmd_sparql, "run a SPARQL query (text or file)",
                epilog=prefix_epilog(), formatter_class=argparse.RawDescriptionHelpFormatter)
    c.add_argument("query", metavar="QUERY_OR_FILE",
                   help="the query text, or a file holding it (.rq)")
    c.add_argument("--format", default="table", choices=["json", "csv", "tsv", "table"],
                   help="json: W3C SPARQL 1.1 Query Results JSON (same as --json)")
    c.add_argument("--allow-service", action="store_true",
                   help="let the query use SERVICE (fetch from other SPARQL endpoints); refused "
                        "by default, as the server refuses it")

    c = command("lookup", cmd_lookup, "find entities by label or synonym")
    c.add_argument("text")

    c = command("evidence", cmd_evidence, "list evidence items", drafts=True, scope=True)
    c.add_argument("--source", metavar="DOI", help="only evidence from this source")
    c.add_argument("--about", metavar="TEXT", help="only evidence whose subject or object "
                   "this text names")

    c = command("references", cmd_references, "the primary studies (DOI, PMID, link) behind "
                "the evidence about an entity, or behind one evidence item")
    c.add_argument("text", metavar="ENTITY-or-EVIDENCE")

    command("stats", cmd_stats, "counts of entities, evidence and triples")

    c = command("strategies", cmd_strategies, "strategies that apply to a relapse phenotype, "
                "mechanism or finding, with explanation and evidence", drafts=True, scope=True,
                explain=True)
    c.add_argument("text")
    c.add_argument("--action", choices=["prevention", "monitoring", "treatment",
                                        "product-design"],
                   help="only strategies of this kind of action")
    c = command("mechanisms", cmd_mechanisms, "mechanisms a text names, and all beneath or "
                "linked to them", drafts=True, scope=True, explain=True)
    c.add_argument("text")
    c = command("ask", cmd_ask, "a question in plain words: recognised entities, question "
                "type and the answer (--disease, --therapy, --population, --after replace what "
                "the words set)", drafts=True, explain=True, scope=True)
    c.add_argument("text")
    c = command("biomarkers", cmd_biomarkers, "biomarkers predicting outcome", drafts=True,
                scope=True)
    c.add_argument("--outcome", choices=["response", "long-term"])
    c.add_argument("--direction", choices=["favourable", "unfavourable"])

    c = command("assess", cmd_assess, "a patient-profile question: risk factors, mechanisms "
                "and ranked strategies for a set of findings", drafts=True, scope=True)
    c.add_argument("--finding", action="append", required=True, metavar="TEXT",
                   help="a finding, phenotype, biomarker or mechanism (repeatable)")

    c = command("cq", cmd_cq, "list the competency questions, or run one by name")
    c.add_argument("name", nargs="?", help="a question's name (see 'cartkg cq')")
    c.add_argument("--param", action="append", metavar="NAME=TEXT",
                   help="a parameter, resolved like lookup (repeatable)")

    c = command("diff", cmd_diff, "what changed between two builds or git revisions "
                "(entities, evidence, competency-question answers)", store=False, project=PROJECT)
    c.add_argument("old", metavar="OLD", help="exports folder, graph file or git revision")
    c.add_argument("new", metavar="NEW")

    c = command("coverage", cmd_coverage, "per source text: sentences that mention the "
                "graph, which are cited, and the uncited ones as a to-do list", store=False, project=PROJECT)
    c.add_argument("--source", metavar="DOI", help="only this source (DOI, PMID or id)")

    c = command("reason", cmd_reason, "run the reasoner on a copy of the graph: consistency, "
                "unsatisfiable classes, inferred hierarchy", store=False, project=PROJECT)
    c.add_argument("--engine", default="auto", choices=["auto", "hermit", "owlrl"])

    c = command("serve", cmd_serve, "serve SPARQL 1.1 Protocol at /sparql, the ask page "
                "at /, the explorer at /explorer/ and the question API at /api/ (read-only "
                "by default)",
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
    c.add_argument("--max-bytes", type=int, default=32, metavar="MB",
                   help="result-size cap per answer (default 32); past it the answer is "
                        "cut as past --max-rows (X-Result-Truncated: true)")
    c.add_argument("--workers", type=int, help="query worker processes, each holding a copy "
                   "of the store (default: the number of CPUs, 2 to 4; 1 with --allow-update)")
    c.add_argument("--memory-limit", type=int, default=2048, metavar="MB",
                   help="address space per worker; a query needing more is stopped "
                        "(default 2048; 0: no limit)")
    c.add_argument("--max-connections", type=int, default=64, metavar="N",
                   help="open client connections at once; more are closed with 503 "
                        "(default 64)")
    c.add_argument("--result-cache", type=int, default=16, metavar="MB",
                   help="answers of repeated queries kept in memory, for a read-only server "
                        "(default 16; 0: none)")

    c = command("report", cmd_report, "ROBOT-style quality report of the built graph "
                "(queries/report/*.rq) and its OWL 2 DL profile (OWL API; needs Java); "
                "exit 0 clean, 1 problems found", project=PROJECT)
    c.add_argument("--no-profile", action="store_true",
                   help="skip the OWL 2 DL profile check (which needs Java)")

    c = command("push", cmd_push, "load the built graph into a remote "
                "SPARQL store (Graph Store Protocol or batched SPARQL Update)", store=False)
    c.add_argument("--endpoint", metavar="URL", required=True)

    c = command("explore", cmd_explore, "write the explorer's interactive "
                "HTML pages", json_flag=False, project=WRITE_UNLESS_OUTPUT)
    c.add_argument("--focus", metavar="TEXT", help="also write a page around this entity")
    c.add_argument("--depth", type=int, default=2, help="neighbourhood depth for --focus")
    c.add_argument("--output", metavar="DIR", help="default: exports/explorer")

    curate = sub.add_parser("curate", help="curation commands", parents=[common],
                            description="curation commands").add_subparsers(
        dest="curate_command", required=True, metavar="SUBCOMMAND")
    c = curate.add_parser("add-source", help="register a paper (DOI and/or PMID, title, ...)",
                          parents=[common])
    c.set_defaults(func=cmd_curate_add_source, project_mode=WRITE)
    c.add_argument("--json", action="store_true")
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
    c.add_argument("--kind", choices=["review", "primary-study"], default="review",
                   help="review (default): its items cite studies by reference number; "
                   "primary-study: its items report its own results (level primary-study, no "
                   "reference numbers; DOI optional)")

    c = curate.add_parser("add", help="add one evidence item (status draft)", parents=[common])
    c.set_defaults(func=cmd_curate_add, project_mode=WRITE)
    c.add_argument("--json", action="store_true")
    c.add_argument("--source", metavar="DOI")
    c.add_argument("--subject", metavar="TEXT")
    c.add_argument("--predicate", metavar="TEXT")
    c.add_argument("--object", metavar="TEXT")
    c.add_argument("--quote", metavar="TEXT")
    c.add_argument("--refs", metavar="N[,N...]", help="the review's reference numbers (none "
                   "for a primary-study source)")
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

    c = curate.add_parser("add-study", help="resolve review reference numbers to a primary "
                          "study in the register (DOI/PMID only as seen in a public record)",
                          parents=[common])
    c.set_defaults(func=cmd_curate_add_study, project_mode=WRITE)
    c.add_argument("--json", action="store_true")
    c.add_argument("--id", required=True, help="short id, e.g. ruella2018")
    c.add_argument("--first-author", required=True, help="surname, e.g. Ruella")
    c.add_argument("--year", required=True, type=int)
    c.add_argument("--title", required=True)
    c.add_argument("--journal", required=True, help="abbreviated, e.g. Nat Med")
    c.add_argument("--doi", help="bare DOI as the record shows it, e.g. 10.1038/...")
    c.add_argument("--pmid", help="PubMed id, digits only")
    c.add_argument("--cite", action="append", metavar="REVIEW:REF=WORDS",
                   help="a review number it resolves and the review's words naming the study, "
                        "e.g. xu2023:29=\"Ruella et al. (29) found\" (repeatable)")
    c.add_argument("--checked", action="append", metavar="URL=WHAT MATCHED",
                   help="where the record was checked and what matched (repeatable)")
    c.add_argument("--note", help="why two studies with one first author and year differ, "
                   "or any caveat")

    c = curate.add_parser("import", help="add every row of a TSV file, or none", parents=[common])
    c.set_defaults(func=cmd_curate_import, project_mode=WRITE)
    c.add_argument("file", metavar="FILE.tsv")
    c.add_argument("--json", action="store_true")

    c = curate.add_parser("suggest", help="candidate evidence items from a registered source's "
                          "text, ranked, for review (nothing written without --out)",
                          parents=[common])
    c.set_defaults(func=cmd_curate_suggest, project_mode=PROJECT)
    c.add_argument("--source", required=True, metavar="DOI|ID")
    c.add_argument("--section", metavar="TEXT", help="only sections whose title contains TEXT")
    c.add_argument("--json", action="store_true")
    c.add_argument("--out", metavar="FILE.tsv", help="write the candidates that duplicate no "
                   "item as a TSV for 'cartkg curate import', and the review page FILE.html")
    c.add_argument("--html", metavar="FILE.html", help="write the review page: accept, edit "
                   "or reject each candidate, then save the TSV for 'cartkg curate import'")
    c.add_argument("--limit", type=int, default=30, metavar="N",
                   help="candidates printed without --json or --out (default 30)")

    c = curate.add_parser("review", help="review an evidence item", parents=[common])
    c.set_defaults(func=cmd_curate_review, project_mode=WRITE)
    c.add_argument("--json", action="store_true")
    c.add_argument("id")
    c.add_argument("--status", required=True, choices=["accepted", "rejected", "needs-work"])
    c.add_argument("--curator", required=True, metavar="ORCID")
    c.add_argument("--comment")

    c = curate.add_parser("recover", help="complete a change to the curation sources that "
                          "was interrupted midway (the journal this project's own writer left)",
                          parents=[common])
    c.set_defaults(func=cmd_curate_recover, project_mode=WRITE)
    c.add_argument("--json", action="store_true")

    c = curate.add_parser("validate", help="validate the curation sources (exit 0 clean, "
                          "1 problems)", parents=[common])
    c.set_defaults(func=cmd_curate_validate, project_mode=PROJECT)
    c.add_argument("--json", action="store_true")
    c.add_argument("--reasoner", default="auto", choices=["auto", "hermit", "owlrl", "none"])
    c.add_argument("--strict", action="store_true", help="also enforce the lints "
                   "ontology/curation/lints.yaml lists as pending")
    return p


READ, PROJECT, WRITE, WRITE_UNLESS_OUTPUT = "read", "project", "write", "write-unless-output"


def prefix_epilog() -> str:
    from kg.vocab import PREFIXES
    width = max(map(len, PREFIXES))
    return ("Declared prefixes (usable without PREFIX lines; error positions count your own "
            "lines):\n" + "\n".join(f"  {p + ':':<{width + 1}} <{iri}>"
                                    for p, iri in PREFIXES.items()))


def locate(args) -> None:
    """Set ``args.paths``: the project the command works on (see kg.paths)."""
    from kg.paths import find_project, packaged_project, require_project
    found = find_project(getattr(args, "project", None))
    mode = getattr(args, "project_mode", READ)
    if mode == WRITE_UNLESS_OUTPUT:
        mode = READ if getattr(args, "output", None) else WRITE
    if mode in (WRITE, PROJECT):
        name = args.command + (f" {args.curate_command}" if args.command == "curate" else "")
        args.paths = require_project(found, name)
    elif found is not None or getattr(args, "endpoint", None):
        args.paths = found or packaged_project()
    else:
        args.paths = packaged_project()
        print(f"cartkg: no project here; answering from the graph built into the package "
              f"({args.paths.graph})", file=sys.stderr)


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    try:
        locate(args)
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
    except UnicodeDecodeError as exc:
        print(f"cartkg {args.command}: a file is not UTF-8 text ({exc.reason} at byte "
              f"{exc.start}): save it as UTF-8", file=sys.stderr)
        return EXIT_INVALID
    except OSError as exc:
        where = f": {exc.filename}" if exc.filename else ""
        print(f"cartkg {args.command}: {exc.strerror or exc}{where} (check the path and its "
              "permissions)", file=sys.stderr)
        return EXIT_RUNTIME
    except Exception as exc:    # the last resort: a line, never a traceback (CARTKG_DEBUG shows it)
        import os
        if os.environ.get("CARTKG_DEBUG"):
            raise
        print(f"cartkg {args.command}: unexpected error ({type(exc).__name__}: "
              f"{str(exc)[:300]}). This is a bug in cartkg: set "
              "CARTKG_DEBUG=1 to see where, and report it with the command you ran",
              file=sys.stderr)
        return EXIT_RUNTIME


if __name__ == "__main__":
    raise SystemExit(main())
