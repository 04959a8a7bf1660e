"""The entities' checked cross-references as an SSSOM mapping set (``exports/mappings.sssom.tsv``):
a YAML metadata block (``#`` lines: curie_map, mapping set id, version, licence) and one TSV row
per mapping, ``skos:exactMatch``/``closeMatch``/... as curated (``match`` of an xref in
``ontology/curation/entities/*.yaml``), justified by manual curation, with where the id was
checked as the comment. An entity of a category that standard vocabularies cover (genes,
diseases, cell types, therapies, trials) without an id gets a ``sssom:NoTermFound`` row that
gives its ``no_xref_reason``.

The same mappings are in the RDF graph as ``skos:<match>Match`` (kg.build.compile).
"""
from __future__ import annotations

import csv
import io

from kg.curation.sources import Curation
from kg.vocab import BASE, ENT, XREF_IRIS

LICENCE = "https://creativecommons.org/licenses/by/4.0/"   # the curated data's licence
COLUMNS = ["subject_id", "subject_label", "subject_category", "predicate_id", "object_id",
           "mapping_justification", "comment"]
# Entity classes whose members standard vocabularies name (a test asks each for an id or a
# recorded reason).
STANDARD_TYPES = {"GeneOrProtein", "Disease", "CellPopulation", "CarTCellTherapy",
                  "BispecificAntibody", "Drug", "ClinicalTrial"}


def _block(version: str) -> str:
    curie_map = {"cartkg": str(ENT), "skos": "http://www.w3.org/2004/02/skos/core#",
                 "semapv": "https://w3id.org/semapv/vocab/",
                 "sssom": "https://w3id.org/sssom/", **XREF_IRIS}
    lines = ["curie_map:"] + [f"  {k}: {v}" for k, v in sorted(curie_map.items())] + [
        f"mapping_set_id: {BASE}release/{version}/mappings.sssom.tsv",
        f"mapping_set_version: '{version}'",
        "mapping_set_title: cartkg entities mapped to standard identifiers",
        f"license: {LICENCE}"]
    return "".join(f"# {line}\n" for line in lines)


def sssom_tsv(cur: Curation, version: str) -> str:
    """The SSSOM TSV text for the curated entities' xrefs."""
    buf = io.StringIO()
    out = csv.writer(buf, delimiter="\t", lineterminator="\n")
    out.writerow(COLUMNS)
    for e in sorted(cur.entities.values(), key=lambda e: e.id):
        subject = [f"cartkg:{e.id}", e.label, e.type]
        for x in e.xrefs:
            prefix, _, local = x.curie.partition(":")
            out.writerow(subject + [f"skos:{x.match}Match", f"{prefix.upper()}:{local}",
                                    "semapv:ManualMappingCuration", f"checked: {x.checked}"])
        if not e.xrefs and e.type in STANDARD_TYPES:
            out.writerow(subject + ["skos:exactMatch", "sssom:NoTermFound",
                                    "semapv:ManualMappingCuration",
                                    f"no xref: {e.no_xref_reason or 'not yet checked'}"])
    return _block(version) + buf.getvalue()
