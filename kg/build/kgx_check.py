"""Validate the KGX exports with the KGX validator (``kgx validate``), offline.

kgx and bmt fetch the Biolink schema, its predicate mappings and the JSON-LD prefix contexts
from the internet when imported or run. Here they are given the files the ``biolink-model``
and ``prefixmaps`` packages ship instead, before kgx is imported, plus the prefixes of the
project's own ids that ``kgx-graph-metadata.json`` declares (its ``curie_map``).
"""
from __future__ import annotations

import json
from pathlib import Path


def _biolink_files() -> Path:
    import biolink_model
    return Path(list(biolink_model.__path__)[0])


def offline_kgx(curie_map: dict[str, str]) -> None:
    """Point bmt and kgx at the packaged Biolink schema and prefix maps; declare ``curie_map``."""
    import bmt.toolkit
    import prefixmaps
    schema = _biolink_files() / "schema" / "biolink_model.yaml"
    bmt.toolkit.Toolkit.__init__.__defaults__ = (str(schema), {"predicate mappings": []})
    import kgx.config
    kgx.config.get_config()
    biolink = json.loads((_biolink_files() / "prefixmaps" / "biolink-model-prefix-map.json")
                         .read_text(encoding="utf-8"))
    kgx.config.jsonld_context_map["biolink"] = {**biolink.get("@context", biolink), **curie_map}
    kgx.config.jsonld_context_map["monarch_context"] = \
        prefixmaps.load_context("merged.monarch").as_dict()
    kgx.config.jsonld_context_map["obo_context"] = prefixmaps.load_context("obo").as_dict()


def kgx_errors(exports: Path, fmt: str = "tsv") -> dict:
    """``kgx validate`` on ``exports/nodes.<fmt>`` and ``edges.<fmt>``: the validator's
    errors, ``{message level: {error type: {message: [records]}}}``; ``{}`` when clean."""
    import os
    metadata = json.loads((exports / "kgx-graph-metadata.json").read_text(encoding="utf-8"))
    offline_kgx(metadata["curie_map"])
    from kgx.cli.cli_utils import validate
    return validate([str(exports / f"nodes.{fmt}"), str(exports / f"edges.{fmt}")],
                    fmt, None, os.devnull)


def _domain_or_range(tk, predicate: str, which: str) -> str | None:
    """The nearest domain (or range) declared on a Biolink predicate or its ancestors."""
    for name in tk.get_ancestors(predicate, reflexive=True, formatted=True, mixin=False):
        value = getattr(tk.get_element(name), which, None)
        if value:
            return tk.get_element(value).name
    return None


def category_admitted(tk, category: str, wanted: str | None) -> bool:
    """Whether Biolink ``category`` is (a descendant of, or has the mixin) ``wanted``."""
    return wanted is None or wanted in {tk.get_element(a).name for a in tk.get_ancestors(
        category, reflexive=True, formatted=True, mixin=True)}


def biolink_problems(exports: Path) -> list[str]:
    """What bmt finds wrong with the KGX tables beyond ``kgx validate``, one line each; [] when
    none: an edge whose subject or object category its predicate's domain or range does not
    admit, a non-canonical predicate where Biolink has a canonical inverse, an edge repeating
    another the other way round (through an inverse or a symmetric predicate), a node id whose
    prefix its category's ``id_prefixes`` (or the metadata's curie_map) does not allow, a node
    without a category more specific than NamedThing."""
    import csv
    metadata = json.loads((exports / "kgx-graph-metadata.json").read_text(encoding="utf-8"))
    offline_kgx(metadata["curie_map"])
    from kgx.validator import Validator
    tk = Validator.get_toolkit()

    def rows(name: str) -> list[dict]:
        with open(exports / name, encoding="utf-8", newline="") as fh:
            return list(csv.DictReader(fh, delimiter="\t"))
    problems = []
    category = {}
    for n in rows("nodes.tsv"):
        category[n["id"]] = c = n["category"].split("|")[0]
        prefix = n["id"].split(":")[0]
        if c in ("biolink:NamedThing", "biolink:Entity") or not tk.is_category(c):
            problems.append(f"node {n['id']}: category {c} is not a specific Biolink class")
        elif prefix not in metadata["curie_map"] and \
                prefix not in (tk.get_element(c).id_prefixes or []):
            problems.append(f"node {n['id']}: prefix {prefix} is not among {c}'s id_prefixes")
    seen = set()
    edges = rows("edges.tsv")
    for e in edges:
        s, p, o = e["subject"], e["predicate"], e["object"]
        element = tk.get_element(p)
        for end, node, which in (("subject", s, "domain"), ("object", o, "range")):
            wanted = _domain_or_range(tk, p, which)
            if not category_admitted(tk, category.get(node, ""), wanted):
                problems.append(f"edge {e['id']}: {end} {node} ({category.get(node)}) is not "
                                f"in the {which} of {p} ({wanted})")
        if element.inverse and "canonical_predicate" not in (element.annotations or {}):
            problems.append(f"edge {e['id']}: {p} is the inverse of the canonical "
                            f"{tk.get_element(element.inverse).slot_uri}")
        seen.add((s, p, o))
    for s, p, o in sorted(seen):
        element = tk.get_element(p)
        inverse = tk.get_element(element.inverse).slot_uri if element.inverse else None
        if inverse and (o, inverse, s) in seen:
            problems.append(f"edge {s} {p} {o} repeats {o} {inverse} {s}")
        if element.symmetric and s < o and (o, p, s) in seen:
            problems.append(f"edge {s} {p} {o} repeats {o} {p} {s}")
    return problems
