"""The primary-study register (``ontology/curation/primary-studies.yaml``).

The reviews cite primary studies by number ("Xu 2023 ref 29"). Where the review's own words
identify the study (a named first author, a named trial, or a finding only one study reported),
the register resolves the number to the study: first author, year, title, journal, DOI and PMID
where a public record showed them, the review's words that identify it (``basis``, checked word
for word against the review's text) and where it was checked. One entry per study, linked from
every (review, reference number) that cites it. See ``ontology/curation/README.md``.

>>> from kg.curation.sources import load_curation
>>> cur = load_curation(project_paths())
>>> cur.citations[("xu2023", "29")] == cur.citations[("jacoby2019", "37")] == "ruella2018"
True
>>> cur.primary_studies["ruella2018"].label
'Ruella 2018 (Nat Med)'
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from kg.paths import project_paths  # noqa: F401  (used by the doctest)
from kg.text import normalise_whitespace
from kg.curation.yamlsrc import Items, Node

REGISTER_FILE = "primary-studies.yaml"
DOI = re.compile(r"^10\.\d{4,9}/\S+$")
PMID = re.compile(r"^[1-9]\d{0,8}$")
URL = re.compile(r"^https?://\S+$")
STUDY_FIELDS = {"id", "first_author", "year", "title", "journal", "doi", "pmid", "design",
                "cited_as", "checked", "note"}


@dataclass
class Citation:
    source: str   # review id, e.g. xu2023
    ref: str      # the review's reference number, as text
    basis: str    # the review's words that identify the study (verbatim)


@dataclass
class Check:
    url: str      # address of the public record
    matched: str  # what in it matched (author, year, title, finding)


@dataclass
class PrimaryStudy:
    id: str
    first_author: str
    year: int
    title: str
    journal: str
    doi: str | None
    pmid: str | None
    cited_as: list[Citation]
    checked: list[Check]
    where: str
    note: str | None = None
    design: str | None = None   # the study type its checked record shows (RULEBOOK R4)

    @property
    def label(self) -> str:
        """Short citation, e.g. 'Ruella 2018 (Nat Med)'."""
        return f"{self.first_author} {self.year} ({self.journal})"

    @property
    def url(self) -> str | None:
        """Where a reader clicks through: the DOI resolver, else PubMed, else the first
        public record it was checked in (a study whose record showed no DOI or PMID)."""
        if self.doi:
            return f"https://doi.org/{self.doi}"
        if self.pmid:
            return f"https://pubmed.ncbi.nlm.nih.gov/{self.pmid}/"
        return self.checked[0].url if self.checked else None

    @property
    def publications(self) -> list[str]:
        """CURIEs of the study ('doi:…', 'PMID:…'), for Biolink ``publications``."""
        return ([f"doi:{self.doi}"] if self.doi else []) + ([f"PMID:{self.pmid}"] if self.pmid else [])

    def as_dict(self) -> dict:
        return {"id": self.id, "label": self.label, "doi": self.doi, "pmid": self.pmid,
                "url": self.url}


def _citation(node, study: Node, sources: dict, c) -> Citation | None:
    if not isinstance(node, Node):
        c.add(study, "cited_as", "each cited_as entry must be a mapping",
              "write - {source: xu2023, ref: 29, basis: \"the review's words\"}")
        return None
    source_id, basis = c.text(node, "source"), c.text(node, "basis")
    ref = node.get("ref")
    source = sources.get(source_id) if source_id else None
    if source_id and source is None:
        c.add(node, "source", f"unknown review {source_id!r}",
              f"use the id of a registered source: {', '.join(sorted(sources))}")
    if isinstance(ref, bool) or not isinstance(ref, int):
        c.add(node, "ref", f"reference {ref!r} is not a whole number",
              "write the number printed in the review, e.g. ref: 29")
        ref = None
    elif source is not None and source.reference_count and not 1 <= ref <= source.reference_count:
        c.add(node, "ref", f"reference {ref} is outside 1..{source.reference_count} of {source.id}",
              "use the number printed in the review's text")
        ref = None
    if basis and source is not None and source.normalised_text is not None \
            and normalise_whitespace(basis) not in source.normalised_text:
        c.add(node, "basis", f"basis not found word for word in {source.id}'s text",
              "copy the words that name the study exactly from the review")
        basis = None
    if None in (source, ref, basis):
        return None
    return Citation(source=source.id, ref=str(ref), basis=normalise_whitespace(basis))


def _checks(node: Node, c) -> list[Check]:
    raw = node.get("checked")
    if not isinstance(raw, list) or not raw:
        c.add(node, "checked" if "checked" in node else None,
              "a register entry needs a 'checked' list: where the study's record was checked",
              "add checked: [{url: https://pubmed.ncbi.nlm.nih.gov/N/, matched: \"author, year, "
              "title\"}]")
        return []
    out = []
    for item in raw:
        if not isinstance(item, Node):
            c.add(node, "checked", "each checked entry must be a mapping with url and matched",
                  "write - {url: https://..., matched: \"what in the record matched\"}")
            continue
        url, matched = c.text(item, "url"), c.text(item, "matched")
        if url and not URL.match(url):
            c.add(item, "url", f"url {url!r} is not a web address",
                  "give the address of the public record, starting https://")
        elif url and matched:
            out.append(Check(url, matched))
    return out


def parse_study(node: Node, sources: dict, c) -> PrimaryStudy | None:
    """One register entry; problems go to the collector ``c`` (see kg.curation.sources)."""
    from kg.vocab import ID_PATTERN
    for key in node:
        if key not in STUDY_FIELDS:
            c.add(node, key, f"unknown field {key!r}", f"use one of: {', '.join(sorted(STUDY_FIELDS))}")
    ident = c.text(node, "id")
    if ident is not None and not ID_PATTERN.match(ident):
        c.add(node, "id", f"id {ident!r} is not lower-case words joined by hyphens",
              "write an id like 'ruella2018'")
        ident = None
    author, title, journal = c.text(node, "first_author"), c.text(node, "title"), c.text(node, "journal")
    year = node.get("year")
    if isinstance(year, bool) or not isinstance(year, int) or not 1900 <= year <= 2100:
        c.add(node, "year" if "year" in node else None, f"year {year!r} is not a year",
              "write the year of publication, e.g. year: 2018")
        year = None
    doi, pmid = c.text(node, "doi", False), c.text(node, "pmid", False)
    if doi is not None and not DOI.match(doi):
        c.add(node, "doi", f"doi {doi!r} is not a DOI like 10.NNNN/suffix",
              "write the bare DOI as the record shows it (no https://doi.org/), or leave it out")
        doi = None
    if pmid is not None and not PMID.match(pmid):
        c.add(node, "pmid", f"pmid {pmid!r} is not a PubMed number",
              "write the digits only, e.g. pmid: 29713085, or leave it out")
        pmid = None
    design = _design(node, c)
    raw = node.get("cited_as")
    if not isinstance(raw, Items) or not raw:
        c.add(node, "cited_as" if "cited_as" in node else None,
              "a register entry needs cited_as: the review numbers it resolves",
              "add cited_as: [{source: xu2023, ref: 29, basis: \"the review's words\"}]")
        raw = []
    cited = [x for x in (_citation(n, node, sources, c) for n in raw) if x]
    checked = _checks(node, c)
    if None in (ident, author, title, journal, year) or not cited or not checked:
        return None
    return PrimaryStudy(id=ident, first_author=author, year=year, title=title, journal=journal,
                        doi=doi, pmid=pmid, cited_as=cited, checked=checked, where=node.where(),
                        note=c.text(node, "note", False), design=design)


def _design(node: Node, c) -> str | None:
    """The optional ``design``: a study type of the evidence vocabulary that names a design
    (not a review statement, a mix or the deprecated 'preclinical')."""
    from kg.vocab import CLINICAL_TYPES, PRECLINICAL_TYPES
    design = c.text(node, "design", False)
    allowed = CLINICAL_TYPES + PRECLINICAL_TYPES
    if design is not None and design not in allowed:
        c.add(node, "design", f"design {design!r} is not a study design",
              f"write the design the checked record shows: one of {', '.join(allowed)}")
        return None
    return design


def check_register(studies: dict[str, PrimaryStudy], c, nodes: dict[str, Node]) -> dict:
    """Cross-entry checks; returns {(review id, ref): study id}. A number resolves to one
    study; a study (DOI/PMID) has one entry; two studies with the same first author and year
    cited by one review each need a ``note`` saying why they differ."""
    citations: dict[tuple[str, str], str] = {}
    ids: dict[tuple[str, str], str] = {}
    for s in studies.values():
        for kind, value in (("doi", s.doi and s.doi.lower()), ("pmid", s.pmid)):
            if value and (kind, value) in ids:
                c.add(nodes[s.id], kind, f"{kind} {value} is also the {kind} of {ids[kind, value]}",
                      "keep one entry per study and list every review number in its cited_as")
            elif value:
                ids[kind, value] = s.id
        for cit in s.cited_as:
            key = (cit.source, cit.ref)
            if key in citations and citations[key] != s.id:
                c.add(nodes[s.id], "cited_as", f"{cit.source} ref {cit.ref} is already resolved "
                      f"to {citations[key]}", "a reference number names one study: remove one")
            citations.setdefault(key, s.id)
    by_author_year: dict[tuple, list[PrimaryStudy]] = {}
    for s in studies.values():
        for review in {cit.source for cit in s.cited_as}:
            by_author_year.setdefault((review, s.first_author.lower(), s.year), []).append(s)
    for (review, _, _), group in by_author_year.items():
        if len(group) > 1:
            for s in group:
                if not s.note:
                    others = ", ".join(o.id for o in group if o is not s)
                    c.add(nodes[s.id], "note", f"{s.id} and {others} share first author and "
                          f"year in {review}", "add note: saying how the two studies differ")
    return citations
