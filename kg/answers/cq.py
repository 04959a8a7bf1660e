"""Competency questions: SPARQL files in ``queries/cq/`` whose header comments give the
question (``# Question: ...``) and parameters (``# param NAME: default text``). A parameter's
text is resolved to an entity like ``lookup`` and bound as an IRI term — never formatted
into the query. The expected answers live in ``queries/cq/manifest.yaml``.

Example (on the real graph; checked by tests/answers/test_examples.py)::

    from kg.store.local import open_store
    cqs = load_cqs(project_paths())
    len(cqs) >= 20, "strategies-for-phenotype" in cqs      # (True, True)
    rows = run_cq(open_store("oxigraph-memory"), cqs["strategies-for-phenotype"])
    "Dual/multi-targeted CAR-T cells" in [r["strategyLabel"] for r in rows]      # True
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from kg.errors import NoMatch
from kg.paths import ProjectPaths
from kg.store.local import Term

PARAM = re.compile(r"^#\s*param\s+(\w+)\s*:\s*(.+?)\s*$")
QUESTION = re.compile(r"^#\s*Question:\s*(.+?)\s*$", re.IGNORECASE)


def parse_header(text: str) -> tuple[str, dict[str, str], list[str]]:
    """The leading comment block of a query file: its ``# Question:`` line, its
    ``# param NAME: default text`` lines and its other comment lines.

    >>> parse_header("# Question: Which?\\n# param e: CD19\\n# note\\nSELECT * {}")
    ('Which?', {'e': 'CD19'}, ['note'])
    """
    question, params, comments = "", {}, []
    for line in (raw.strip() for raw in text.splitlines()):
        if not line.startswith("#"):
            if line:
                break
        elif m := QUESTION.match(line):
            question = m.group(1)
        elif m := PARAM.match(line):
            params[m.group(1)] = m.group(2)
        else:
            comments.append(line.lstrip("#").strip())
    return question, params, comments


@dataclass
class CompetencyQuestion:
    name: str
    question: str
    query: str
    params: dict[str, str] = field(default_factory=dict)   # name -> default text
    path: Path | None = None


def load_cqs(paths: ProjectPaths) -> dict[str, CompetencyQuestion]:
    out = {}
    from kg.store.policy import read_query_file
    for path in sorted(paths.competency.glob("*.rq")):
        text = read_query_file(path)
        question, params, _ = parse_header(text)
        out[path.stem] = CompetencyQuestion(path.stem, question, text, params, path)
    return out


def bindings_for(store, cq: CompetencyQuestion, values: dict[str, str] | None = None) -> dict:
    """Resolve each parameter's text (given or default) to an entity IRI term."""
    from kg.answers.lookup import resolve
    values = values or {}
    unknown = set(values) - set(cq.params)
    if unknown:
        raise NoMatch(f"{cq.name} has no parameter {', '.join(sorted(unknown))}",
                      sorted(cq.params))
    return {name: Term.iri(resolve(store, values.get(name, default))["iri"])
            for name, default in cq.params.items()}


def run_cq(store, cq: CompetencyQuestion, values: dict[str, str] | None = None) -> list[dict]:
    """Rows of the answer as {variable: value} dicts (values as plain strings)."""
    result = store.query(cq.query, bindings_for(store, cq, values))
    if result.kind == "ask":
        return [{"answer": str(result.boolean).lower()}]
    return [{v: row[v].value for v in result.variables if v in row} for row in result.rows]
