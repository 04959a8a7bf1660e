"""Checks on the curated knowledge itself, read independently of the loader."""
from __future__ import annotations

import re

import pytest

from projectcopy import SHARED
from kg.curation.sources import load_curation
from kg.paths import project_paths
from kg.text import lookup_key

CUR = load_curation(project_paths())
TEXTS = {s.id: re.sub(r"\s+", " ", s.text_path.read_text(encoding="utf-8"))
         for s in CUR.sources.values()}
XU_TABLE1 = {  # Xu Table 1: mechanism row -> its possible solution(s)
    "costimulatory-domain": {"incorporate-4-1bb-costimulation"},
    "anti-car-immune-response": {"human-derived-scfv"},
    "patient-age-car-t-quality": {"universal-car-t-in-elderly"},
    "t-cell-exhaustion": {"checkpoint-blockade-combination"},
    "antigen-epitope-alteration": {"dual-multi-targeted-car-t", "sequential-car-t-infusion"},
    "defective-cd19-processing": {"dual-multi-targeted-car-t", "sequential-car-t-infusion"},
    "epitope-concealment": {"optimise-production-process"},
    "immune-pressure": {"dual-multi-targeted-car-t", "sequential-car-t-infusion"},
    "cytokine-induced-myeloid-differentiation": {"crs-control"},   # the 6th solution, row by row
    "trogocytosis": {"dual-multi-targeted-car-t", "sequential-car-t-infusion"},
    "inhibitory-ligand-expression": {"checkpoint-blockade-combination"},
    "apoptosis-resistance": {"proapoptotic-agent-combination"},
}


def test_texts_are_the_shared_seeds():
    assert all(str(s.text_path).startswith(str(SHARED)) for s in CUR.sources.values())


@pytest.mark.parametrize("ev", CUR.evidence, ids=lambda e: e.id)
def test_quote_is_verbatim_and_item_is_sourced(ev):
    assert ev.quote in TEXTS[ev.source]
    assert ev.refs or ev.level == "review-statement"
    for st in ev.statistics:
        assert isinstance(st.value, (int, float)) and st.measure and st.text in ev.quote


def test_no_two_entities_share_a_name():
    seen = {}
    for e in CUR.entities.values():
        for name in [e.label, *e.synonyms]:
            assert seen.setdefault(lookup_key(name), e.id) == e.id, name


@pytest.mark.parametrize("mechanism,solutions", sorted(XU_TABLE1.items()))
def test_xu_table1_row_has_group_solution_and_refs(mechanism, solutions):
    items = [e for e in CUR.evidence if e.source == "xu2023"]
    groups = {e.object for e in items if e.subject == mechanism and e.predicate == "kindOf"}
    assert groups, mechanism
    got = {e.subject for e in items if e.object == mechanism and e.predicate == "addresses"}
    assert solutions <= got
    assert all(e.refs for e in items if e.object == mechanism and e.section == "Table 1")


def test_jacoby_table1_rows_all_curated():
    import csv
    rows = list(csv.DictReader(open(SHARED / "references" /
                                    "jacoby2019_table1_resistance_mechanisms.tsv"),
                               delimiter="\t"))
    names = {lookup_key(n): e.id for e in CUR.entities.values() for n in [e.label, *e.synonyms]}
    kinds = {(e.subject, tuple(e.refs)) for e in CUR.evidence
             if e.source == "jacoby2019" and e.predicate == "kindOf"}
    for row in rows:
        entity = names.get(lookup_key(row["mechanism"]))
        assert entity, row["mechanism"]
        refs = tuple(r for r in row["refs_expanded"].split(",") if r)
        assert any(s == entity and (not refs or r == refs) for s, r in kinds), row["mechanism"]


def test_mechanisms_described_by_both_reviews_are_one_node():
    for mech in ("cd19-gene-mutation", "lineage-switch", "t-cell-exhaustion",
                 "costimulatory-domain", "anti-car-immune-response", "epitope-concealment"):
        assert {e.source for e in CUR.evidence if e.subject == mech} == {"xu2023", "jacoby2019"}


def test_xrefs_carry_where_checked():
    for e in CUR.entities.values():
        for x in e.xrefs:
            assert x.checked.strip(), (e.id, x.curie)
