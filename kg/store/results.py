"""Serialise query results: W3C SPARQL 1.1 JSON, CSV and TSV results formats, and a text table.

>>> from kg.store.local import Result, Term
>>> r = Result("select", ["x"], [{"x": Term.literal("a,b")}])
>>> to_csv(r)
'x\\r\\n"a,b"\\r\\n'
"""
from __future__ import annotations

import csv
import io
import json

from kg.store.local import Result


def to_json(result: Result) -> str:
    if result.kind == "ask":
        return json.dumps({"head": {}, "boolean": result.boolean})
    return json.dumps({"head": {"vars": result.variables},
                       "results": {"bindings": [{k: v.as_json() for k, v in row.items()}
                                                for row in result.rows]}}, ensure_ascii=False)


def to_csv(result: Result) -> str:
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    if result.kind == "ask":
        w.writerow(["_askResult"])
        w.writerow(["true" if result.boolean else "false"])
        return buf.getvalue()
    w.writerow(result.variables)
    for row in result.rows:
        w.writerow([row[v].value if v in row else "" for v in result.variables])
    return buf.getvalue()


def to_tsv(result: Result) -> str:
    if result.kind == "ask":
        return "?_askResult\n" + ("true" if result.boolean else "false") + "\n"
    lines = ["\t".join(f"?{v}" for v in result.variables)]
    lines += ["\t".join(row[v].n3() if v in row else "" for v in result.variables)
              for row in result.rows]
    return "\n".join(lines) + "\n"


def to_table(result: Result) -> str:
    if result.kind == "ask":
        return "yes\n" if result.boolean else "no\n"
    from kg.vocab import curie
    cells = [[curie(row[v].value) if v in row else "" for v in result.variables]
             for row in result.rows]
    return text_table(result.variables, cells) + f"({len(cells)} rows)\n"


def text_table(header: list[str], rows: list[list[str]], width: int = 60) -> str:
    """A plain aligned table; cells longer than ``width`` are cut with an ellipsis."""
    cut = [[c if len(c) <= width else c[: width - 1] + "…" for c in r] for r in rows]
    widths = [max([len(h)] + [len(r[i]) for r in cut]) for i, h in enumerate(header)]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    out = [fmt.format(*header), fmt.format(*("-" * w for w in widths))]
    out += [fmt.format(*r) for r in cut]
    return "\n".join(line.rstrip() for line in out) + "\n"


def to_ntriples(result: Result) -> str:
    return "".join(f"{s.n3()} {p.n3()} {o.n3()} .\n" for s, p, o in result.triples)


FORMATS = {"json": to_json, "csv": to_csv, "tsv": to_tsv, "table": to_table}


def render(result: Result, fmt: str) -> str:
    if result.kind == "graph":
        return to_ntriples(result)
    return FORMATS[fmt](result)
