"""Compile the ontology and the curation sources into one RDF graph.

Every evidence item becomes an ``ckg:EvidenceItem`` individual with its quote, references,
statistics and context; every accepted evidence item also asserts its edge
``subject predicate object`` between the entities, so SPARQL users can query the plain graph
and follow ``ckg:evidenceSubject``/``ckg:evidenceObject`` to the evidence behind an edge.
A few summaries of the evidence are derived here too (``_add_summaries``), so that questions
over large graphs look them up instead of scanning every evidence item.
IRIs are derived from curated ids only, so two builds give the same graph.

>>> g = compile_graph(project_paths(), load_curation(project_paths()))
>>> from rdflib import URIRef
>>> (URIRef(ENT["cd19-gene-mutation"]), URIRef(CKG["kindOf"]), URIRef(ENT["antigen-epitope-alteration"])) in g
True
>>> int(g.value(URIRef(ENT["xu2023"]), URIRef(CKG["evidenceItemCount"]))) > 300
True
"""
from __future__ import annotations

from decimal import Decimal

import rdflib
from rdflib import Literal, URIRef
from rdflib.namespace import OWL, RDF, RDFS, SKOS, XSD

from kg.curation.levels import evidence_level
from kg.curation.sources import Curation, Evidence, load_curation  # noqa: F401
from kg.paths import ProjectPaths, project_paths  # noqa: F401
from kg.vocab import (CKG, DCTERMS, ENT, EVIDENCE, OBO, OIO, PREFIXES, PROV, STUDY, claim_text,
                      xref_iri)


def _decimal(value: float) -> Literal:
    """A plain xsd:decimal literal (no exponent), e.g. 0.00136 -> "0.00136"."""
    return Literal(format(Decimal(repr(value)), "f"), datatype=XSD.decimal)


def _ckg(name: str) -> URIRef:
    return URIRef(CKG[name])


def _add_entities(g: rdflib.Graph, cur: Curation) -> None:
    """Each entity with its label, definition, synonyms, kinds and checked xrefs. A definition
    two entities share word for word (e.g. "CD19-directed CAR-T product.") is written with the
    entity's label appended, so that definitions stay distinct (ROBOT's duplicate-definition
    check) without changing the curated text."""
    seen: dict[str, int] = {}
    for e in cur.entities.values():
        seen[e.definition] = seen.get(e.definition, 0) + 1
    shared = {d for d, n in seen.items() if n > 1}
    for e in cur.entities.values():
        node = URIRef(e.iri)
        g.add((node, RDF.type, OWL.NamedIndividual))
        g.add((node, RDF.type, _ckg(e.type)))
        g.add((node, RDFS.label, Literal(e.label)))
        g.add((node, SKOS.definition, Literal(
            f"{e.definition} ({e.label})" if e.definition in shared else e.definition)))
        for s in e.synonyms:
            g.add((node, SKOS.altLabel, Literal(s)))
        for parent in e.kind_of:
            g.add((node, _ckg("kindOf"), URIRef(ENT[parent])))
        for x in e.xrefs:
            g.add((node, URIRef(OIO["hasDbXref"]), Literal(x.curie)))
            g.add((node, SKOS[f"{x.match}Match"], URIRef(xref_iri(x.curie))))
            g.add((node, _ckg("xrefCheck"), Literal(f"{x.curie}: {x.checked}")))
        if e.before_infusion is not None:
            g.add((node, _ckg("measuredBeforeInfusion"), Literal(e.before_infusion)))
        if e.classification_from:
            g.add((node, _ckg("classificationFrom"), URIRef(ENT[e.classification_from])))
        for action in e.action:
            g.add((node, _ckg("actionKind"), Literal(action)))
        if e.action_from:
            g.add((node, _ckg("actionKindSource"), Literal(e.action_from)))
        for modality in e.modality:
            g.add((node, _ckg("appliesToModality"), Literal(modality)))
        for strategy in e.withhold_inherited:
            g.add((node, _ckg("withholdsInherited"), URIRef(ENT[strategy])))
        if e.withhold_because:
            g.add((node, _ckg("withholdingEvidence"), URIRef(EVIDENCE[e.withhold_because])))


def _add_sources(g: rdflib.Graph, cur: Curation) -> None:
    for s in cur.sources.values():
        node = URIRef(ENT[s.id])
        first = s.authors[0].split()[-1] if s.authors else s.id
        label = f"{first}{' et al.' if len(s.authors) > 1 else ''} {s.year}"
        g.add((node, RDF.type, OWL.NamedIndividual))
        g.add((node, RDF.type, _ckg("Publication")))
        g.add((node, RDFS.label, Literal(label)))
        g.add((node, SKOS.definition, Literal(f"Source paper: {s.title}")))
        g.add((node, URIRef(DCTERMS["title"]), Literal(s.title)))
        for a in s.authors:
            g.add((node, URIRef(DCTERMS["creator"]), Literal(a)))
        for prop, value in (("doi", s.doi), ("pmid", s.pmid), ("pmcid", s.pmcid),
                            ("journal", s.journal), ("licence", s.licence)):
            if value:
                g.add((node, _ckg(prop), Literal(value)))
        g.add((node, _ckg("year"), Literal(s.year)))
        g.add((node, _ckg("sourceKind"), Literal(s.kind)))
        if s.reference_count:
            g.add((node, _ckg("referenceCount"), Literal(s.reference_count)))


def evidence_label(ev: Evidence, labels: dict[str, str]) -> str:
    """The item's label: its claim in words (NOT for a negated item) and its id, which keeps
    labels unique when a review states the same claim in several places (ROBOT's
    duplicate-label check)."""
    return claim_text(labels.get(ev.subject, ev.subject), ev.predicate,
                      labels.get(ev.object, ev.object), ev.negated) + f" ({ev.id})"


def eco_classes(g: rdflib.Graph) -> dict[str, URIRef]:
    """Study type -> ECO class, from ``ckg:forStudyType`` on the ECO classes of the ontology."""
    return {str(study): cls for cls, study in g.subject_objects(_ckg("forStudyType"))}


def level_of(ev: Evidence) -> tuple[str | None, str]:
    """The computed evidence level of ``ev`` and its basis (kg.curation.levels)."""
    return evidence_level(ev.study_type, ev.certainty, ev.directness,
                          [(st.n, st.p_value, st.p_qualifier) for st in ev.statistics])


def _add_weight(g: rdflib.Graph, node: URIRef, ev: Evidence, eco: dict[str, URIRef]) -> None:
    """What a reader needs to weigh the item: certainty, directness, modality, setting, the
    conflict reason, the ECO class of its study type and the computed evidence level."""
    for prop, value in (("certainty", ev.certainty), ("certaintyNote", ev.certainty_note),
                        ("directness", ev.directness), ("directnessNote", ev.directness_note),
                        ("conflictReason", ev.conflict_reason)):
        if value:
            g.add((node, _ckg(prop), Literal(value)))
    if ev.caveat:
        g.add((node, _ckg("caveat"), Literal(ev.caveat["text"])))
        g.add((node, _ckg("caveatKind"), Literal(ev.caveat["kind"])))
    for prop, values in (("modality", ev.modality), ("setting", ev.setting)):
        for value in values:
            g.add((node, _ckg(prop), Literal(value)))
    if ev.study_type in eco:
        g.add((node, _ckg("evidenceType"), eco[ev.study_type]))
    level, basis = level_of(ev)
    if level:
        g.add((node, _ckg("evidenceLevel"), Literal(level)))
    g.add((node, _ckg("evidenceLevelBasis"), Literal(basis)))


def _add_evidence(g: rdflib.Graph, cur: Curation) -> None:
    labels = {i: e.label for i, e in cur.entities.items()}
    eco = eco_classes(g)
    for ev in cur.evidence:
        node = URIRef(ev.iri)
        g.add((node, RDF.type, OWL.NamedIndividual))
        g.add((node, RDF.type, _ckg("EvidenceItem")))
        g.add((node, RDFS.label, Literal(evidence_label(ev, labels))))
        _add_weight(g, node, ev, eco)
        g.add((node, _ckg("evidenceSubject"), URIRef(ENT[ev.subject])))
        g.add((node, _ckg("assertsRelation"), _ckg(ev.predicate)))
        g.add((node, _ckg("evidenceObject"), URIRef(ENT[ev.object])))
        g.add((node, _ckg("fromSource"), URIRef(ENT[ev.source])))
        g.add((node, _ckg("quote"), Literal(ev.quote)))
        g.add((node, _ckg("knowledgeLevel"), Literal(ev.level)))
        g.add((node, _ckg("reviewStatus"), Literal(ev.status)))
        for r in ev.refs:
            g.add((node, _ckg("refNumber"), Literal(r)))
        for prop, value in (("section", ev.section), ("direction", ev.direction),
                            ("studyType", ev.study_type), ("population", ev.population),
                            ("curator", ev.curator)):
            if value:
                g.add((node, _ckg(prop), Literal(value)))
        for prop, ids in (("aboutDisease", ev.disease), ("aboutProduct", ev.product),
                          ("aboutTrial", ev.trial)):
            for i in ids:
                g.add((node, _ckg(prop), URIRef(ENT[i])))
        for other in ev.conflicts_with:
            g.add((node, _ckg("conflictsWith"), URIRef(EVIDENCE[other])))
            g.add((URIRef(EVIDENCE[other]), _ckg("conflictsWith"), node))
        for pos, st in enumerate(ev.statistics, start=1):
            snode = URIRef(f"{ev.iri}-stat-{pos}")
            g.add((node, _ckg("hasStatistic"), snode))
            g.add((snode, RDF.type, OWL.NamedIndividual))
            g.add((snode, RDF.type, _ckg("Statistic")))
            g.add((snode, RDFS.label, Literal(
                f"{st.measure}: {st.text} (statistic {pos} of {ev.id})")))
            g.add((snode, _ckg("position"), Literal(pos)))
            g.add((snode, _ckg("measure"), Literal(st.measure)))
            g.add((snode, _ckg("value"), _decimal(st.value)))
            g.add((snode, _ckg("statisticText"), Literal(st.text)))
            if st.comparator is not None:
                g.add((snode, _ckg("comparatorValue"), _decimal(st.comparator)))
            if st.p_value is not None:
                g.add((snode, _ckg("pValue"), _decimal(st.p_value)))
                g.add((snode, _ckg("pQualifier"), Literal(st.p_qualifier or "=")))
            if st.n is not None:
                g.add((snode, _ckg("cohortSize"), Literal(st.n)))
            for prop, value in (("arm", st.arm), ("comparatorArm", st.comparator_arm),
                                ("unit", st.unit)):
                if value:
                    g.add((snode, _ckg(prop), Literal(value)))
        if ev.negated:
            g.add((node, _ckg("negated"), Literal(True)))
        _add_provenance(g, node, ev)
        if ev.status == "accepted" and not ev.negated:
            g.add((URIRef(ENT[ev.subject]), _ckg(ev.predicate), URIRef(ENT[ev.object])))


def _add_primary_studies(g: rdflib.Graph, cur: Curation) -> None:
    """Each register entry as a ``ckg:PrimaryStudy`` with its identifiers (``dcterms:identifier``
    'doi:…'/'PMID:…'), how it was identified and where it was checked; each evidence item and
    each review ``dcterms:references`` the primary studies its reference numbers resolve to."""
    references = URIRef(DCTERMS["references"])
    for s in cur.primary_studies.values():
        node = URIRef(STUDY[s.id])
        g.add((node, RDF.type, OWL.NamedIndividual))
        g.add((node, RDF.type, _ckg("PrimaryStudy")))
        g.add((node, RDFS.label, Literal(s.label)))
        g.add((node, URIRef(DCTERMS["title"]), Literal(s.title)))
        g.add((node, _ckg("firstAuthor"), Literal(s.first_author)))
        g.add((node, URIRef(DCTERMS["date"]), Literal(str(s.year), datatype=XSD.gYear)))
        g.add((node, URIRef(DCTERMS["isPartOf"]), Literal(s.journal)))
        for curie in s.publications:
            g.add((node, URIRef(DCTERMS["identifier"]), Literal(curie)))
        if s.url:
            g.add((node, RDFS.seeAlso, URIRef(s.url)))
        for cit in s.cited_as:
            g.add((node, _ckg("citedAs"), Literal(f"{cit.source} ref {cit.ref}")))
            g.add((node, _ckg("identificationBasis"),
                   Literal(f"{cit.source} ref {cit.ref}: {cit.basis}")))
            g.add((URIRef(ENT[cit.source]), references, node))
        for check in s.checked:
            g.add((node, _ckg("recordCheck"), Literal(f"{check.url}: {check.matched}")))
        if s.note:
            g.add((node, RDFS.comment, Literal(s.note)))
    for ev in cur.evidence:
        for s in cur.studies_for(ev):
            g.add((URIRef(ev.iri), references, URIRef(STUDY[s.id])))


DIRECTED = {"favourable": "predictsFavourable", "unfavourable": "predictsUnfavourable"}


def _add_summaries(g: rdflib.Graph, cur: Curation) -> None:
    """Facts derived from the evidence items, each defined in the ontology as derived:

    - ``entity ckg:mentionedIn publication`` for the subject and object of every item;
    - ``biomarker ckg:predictsFavourable|predictsUnfavourable outcome`` for accepted, not
      negated ``predicts`` items with that direction;
    - ``publication ckg:evidenceItemCount n ; ckg:citedReferenceCount k``.
    """
    items: dict[str, int] = {s: 0 for s in cur.sources}
    refs: dict[str, set[str]] = {s: set() for s in cur.sources}
    for ev in cur.evidence:
        items[ev.source] = items.get(ev.source, 0) + 1
        refs.setdefault(ev.source, set()).update(ev.refs)
        for entity in (ev.subject, ev.object):
            g.add((URIRef(ENT[entity]), _ckg("mentionedIn"), URIRef(ENT[ev.source])))
        if ev.predicate == "predicts" and ev.direction in DIRECTED and \
                ev.status == "accepted" and not ev.negated:
            g.add((URIRef(ENT[ev.subject]), _ckg(DIRECTED[ev.direction]), URIRef(ENT[ev.object])))
    for source, n in items.items():
        g.add((URIRef(ENT[source]), _ckg("evidenceItemCount"), Literal(n)))
        g.add((URIRef(ENT[source]), _ckg("citedReferenceCount"), Literal(len(refs[source]))))


def _add_provenance(g: rdflib.Graph, node: URIRef, ev: Evidence) -> None:
    """PROV-O: who added the item and when; each review as a prov:Activity that used it."""
    if ev.curator:
        g.add((node, URIRef(PROV["wasAttributedTo"]), URIRef(f"https://orcid.org/{ev.curator}")))
    if ev.added:
        g.add((node, URIRef(PROV["generatedAtTime"]), Literal(ev.added, datatype=XSD.date)))
    for n, r in enumerate(ev.reviews, start=1):
        act = URIRef(f"{ev.iri}-review-{n}")
        g.add((act, RDF.type, URIRef(PROV["Activity"])))
        g.add((act, RDFS.label, Literal(f"review {n} of {ev.id}: {r['status']}")))
        g.add((act, URIRef(PROV["used"]), node))
        g.add((act, URIRef(PROV["wasAssociatedWith"]),
               URIRef(f"https://orcid.org/{r['curator']}")))
        g.add((act, URIRef(PROV["endedAtTime"]), Literal(r["date"], datatype=XSD.date)))
        g.add((act, _ckg("reviewDecision"), Literal(r["status"])))
        if r.get("comment"):
            g.add((act, RDFS.comment, Literal(r["comment"])))


def _add_obo_definitions(g: rdflib.Graph) -> None:
    """Every skos:definition also as IAO:0000115, the definition property OBO tools (ROBOT,
    OBO-Edit, ontology browsers) read, so the text is curated once."""
    for node, definition in list(g.subject_objects(SKOS.definition)):
        g.add((node, URIRef(OBO["IAO_0000115"]), definition))


def new_graph() -> rdflib.Graph:
    g = rdflib.Graph()
    for prefix, iri in PREFIXES.items():
        g.bind(prefix, iri, override=True)
    return g


def compile_graph(paths: ProjectPaths, cur: Curation) -> rdflib.Graph:
    """The asserted graph: ontology + entities + sources + evidence + evidence-backed edges,
    and the summaries derived from the evidence."""
    g = new_graph()
    g.parse(paths.ontology, format="turtle")
    _add_entities(g, cur)
    _add_sources(g, cur)
    _add_evidence(g, cur)
    _add_primary_studies(g, cur)
    _add_summaries(g, cur)
    _add_obo_definitions(g)
    return g
