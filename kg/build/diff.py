"""``cartkg diff OLD NEW``: what changed between two builds — entities and evidence added,
removed and changed, and how the answers to the competency questions changed.

OLD and NEW are each an exports folder, an N-Triples/Turtle file, or a git revision (whose
committed ``exports/cartkg.nt`` is read with ``git show``).
"""
from __future__ import annotations

import datetime
import subprocess
from pathlib import Path

from kg.errors import RuntimeProblem, ValidationFailed
from kg.paths import ProjectPaths
from kg.store.local import OxigraphStore

ENTITIES = """
SELECT ?e ?label ?definition (GROUP_CONCAT(DISTINCT ?syn; separator="|") AS ?synonyms) WHERE {
  ?e a ?t ; rdfs:label ?label . ?t rdfs:subClassOf* ckg:Entity .
  OPTIONAL { ?e skos:definition ?definition }
  OPTIONAL { ?e skos:altLabel ?syn }
} GROUP BY ?e ?label ?definition"""
EVIDENCE = """
SELECT ?ev ?s ?p ?o ?quote ?status (GROUP_CONCAT(DISTINCT ?ref; separator=",") AS ?refs) WHERE {
  ?ev a ckg:EvidenceItem ; ckg:evidenceSubject ?s ; ckg:assertsRelation ?p ;
      ckg:evidenceObject ?o ; ckg:quote ?quote ; ckg:reviewStatus ?status .
  OPTIONAL { ?ev ckg:refNumber ?ref }
} GROUP BY ?ev ?s ?p ?o ?quote ?status"""


def open_build(spec: str, paths: ProjectPaths) -> OxigraphStore:
    """An in-memory store of the build named by ``spec`` (folder, file or git revision)."""
    path = Path(spec)
    if path.is_dir():
        path = path / "cartkg.nt"
    if path.is_file():
        try:
            return OxigraphStore.from_bytes(path.read_bytes(), turtle=path.suffix == ".ttl")
        except SyntaxError as exc:
            raise ValidationFailed(f"{spec} is not a valid graph file ({exc}): give an exports "
                                   "folder, its cartkg.nt, or a git revision") from exc
    try:
        data = subprocess.run(["git", "show", f"{spec}:exports/cartkg.nt"], cwd=paths.root,
                              capture_output=True, check=True).stdout
    except (subprocess.CalledProcessError, FileNotFoundError) as exc:
        raise RuntimeProblem(f"{spec!r} is neither an exports folder, a graph file nor a git "
                             "revision with exports/cartkg.nt") from exc
    return OxigraphStore.from_bytes(data)


def _table(store, query: str, key: str) -> dict[str, dict]:
    return {r[key].value: {k: v.value for k, v in r.items() if k != key}
            for r in store.query(query).rows}


def _compare(old: dict, new: dict) -> dict:
    changed = {k: sorted(f for f in set(old[k]) | set(new[k]) if old[k].get(f) != new[k].get(f))
               for k in set(old) & set(new) if old[k] != new[k]}
    return {"added": sorted(set(new) - set(old)), "removed": sorted(set(old) - set(new)),
            "changed": dict(sorted(changed.items()))}


def _answers(store, paths: ProjectPaths) -> dict[str, set[str]]:
    import json
    from kg.answers.cq import load_cqs, run_cq
    out = {}
    for name, cq in load_cqs(paths).items():
        try:
            out[name] = {json.dumps(r, sort_keys=True) for r in run_cq(store, cq)}
        except Exception as exc:  # a parameter may not resolve in an older graph
            out[name] = {f"error: {exc}"}
    return out


def diff(old, new, paths: ProjectPaths) -> dict:
    """Differences between two stores, as a JSON-ready dict."""
    answers_old, answers_new = _answers(old, paths), _answers(new, paths)
    questions = {}
    for name in sorted(set(answers_old) | set(answers_new)):
        a, b = answers_old.get(name, set()), answers_new.get(name, set())
        if a != b:
            questions[name] = {"rows_added": len(b - a), "rows_removed": len(a - b)}
    return {"entities": _compare(_table(old, ENTITIES, "e"), _table(new, ENTITIES, "e")),
            "evidence": _compare(_table(old, EVIDENCE, "ev"), _table(new, EVIDENCE, "ev")),
            "competency_questions": questions}


def is_empty(d: dict) -> bool:
    return not d["competency_questions"] and all(
        not d[k][part] for k in ("entities", "evidence") for part in ("added", "removed", "changed"))


def changelog_entry(d: dict, date: str | None = None) -> str:
    """A Markdown CHANGELOG entry for diff ``d``."""
    short = lambda iri: iri.rsplit("/", 1)[-1]
    lines = [f"## {date or datetime.date.today().isoformat()}", ""]
    for kind in ("entities", "evidence"):
        part = d[kind]
        lines.append(f"- {kind}: {len(part['added'])} added, {len(part['removed'])} removed, "
                     f"{len(part['changed'])} changed")
        for verb in ("added", "removed"):
            if part[verb]:
                shown = ", ".join(short(x) for x in part[verb][:20])
                more = f" … and {len(part[verb]) - 20} more" if len(part[verb]) > 20 else ""
                lines.append(f"  - {verb}: {shown}{more}")
        for iri, fields in list(part["changed"].items())[:20]:
            lines.append(f"  - changed {short(iri)}: {', '.join(fields)}")
    for name, change in d["competency_questions"].items():
        lines.append(f"- answers to `{name}`: +{change['rows_added']} / "
                     f"-{change['rows_removed']} rows")
    return "\n".join(lines) + "\n"
