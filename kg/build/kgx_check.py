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
