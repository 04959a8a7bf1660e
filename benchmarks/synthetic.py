"""Synthetic cartkg graphs of any size, streamed to N-Triples.

The graphs follow ``ontology/cartkg.ttl`` and look like a built graph (``cartkg build`` with the
reasoner), so every competency question in ``queries/cq/`` runs on them and finds answers:

- the ontology's own triples (classes, properties, the defined mechanism classes);
- the anchor entities the questions and their default parameters name (both reviews'
  mechanism groups, the two reviews, CD19-negative relapse, B-ALL, lineage switch…);
- entities of every category with labels, synonyms and definitions, typed by a category
  subclass and every superclass up to ``ckg:Entity`` (as the reasoner materialises them);
- ``kindOf`` hierarchies within mechanisms, outcomes, diseases and biomarkers, stored with their
  transitive closure and ``hasKind`` inverses; mechanisms carry the defined classes of the
  review groups above them and inherit their groups' ``leadsTo`` outcomes (the property chain);
- relations with the schema's domains and ranges (addresses strategy→mechanism, predicts
  biomarker→outcome, involves …→gene, evaluatedIn therapy→trial …) and their inverses,
  with endpoints drawn by preferential attachment, so degrees are heavy-tailed;
- evidence items for the relations with quotes, sections, reference numbers, review status,
  context (disease, product, trial), direction, negation, ``conflictsWith`` links and
  statistics (counts, rates with both arms, cut-offs, p-values, HR, OR… in the proportions of
  the built graph, with cohort sizes);
- the summaries the build derives from the evidence (``ckg:mentionedIn``,
  ``ckg:predictsFavourable``/``predictsUnfavourable``, each publication's
  ``ckg:evidenceItemCount`` and ``ckg:citedReferenceCount``) and the reasoner's
  ``ckg:AddressedMechanism`` classification.

Nothing is held in memory but entity ids and the hierarchy, so 5 million triples stream out in
well under a minute. Output is deterministic for a size and seed.

    python benchmarks/synthetic.py --triples 100000 --out /tmp/synthetic-100k.nt
"""
from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass, field
from pathlib import Path

ENT = "https://w3id.org/cartkg/entity/"
EVI = "https://w3id.org/cartkg/evidence/"
V = "https://w3id.org/cartkg/vocab/"
RDF_TYPE = "<http://www.w3.org/1999/02/22-rdf-syntax-ns#type>"
LABEL = "<http://www.w3.org/2000/01/rdf-schema#label>"
ALT = "<http://www.w3.org/2004/02/skos/core#altLabel>"
DEFINITION = "<http://www.w3.org/2004/02/skos/core#definition>"
XREF = "<http://www.geneontology.org/formats/oboInOwl#hasDbXref>"
INDIVIDUAL = "<http://www.w3.org/2002/07/owl#NamedIndividual>"
XSD = "http://www.w3.org/2001/XMLSchema#"

ROOT = Path(__file__).resolve().parent.parent
TRIPLES_PER_ENTITY = 60          # one entity per ~60 triples, as in the built graph (13k / 302)

# Each parameter of queries/cq/*.rq bound to the anchor its default text names (checked against
# kg.answers.cq.bindings_for by the benchmark on the smallest graph).
PARAMETERS = {
    "disease": ENT + "b-all", "group": ENT + "t-cell-failure",
    "root": ENT + "cd19-negative-relapse", "phenotype": ENT + "cd19-negative-relapse",
    "entity": ENT + "lineage-switch", "mechanism": ENT + "primary-t-cell-failure",
}

# category → (subclasses, chain above each subclass up to Entity), relative frequency as built
CATEGORIES = {
    "mechanism": (["ResistanceMechanism"], 40),
    "strategy": (["CarDesignStrategy", "CombinationTherapyStrategy", "ManufacturingStrategy",
                  "ClinicalManagementStrategy", "MonitoringStrategy"], 37),
    "biomarker": (["BaselineClinicalCharacteristic", "PrognosticScore", "TumourGeneticMarker",
                   "ImagingMarker", "CirculatingMarker", "CarTCellFeature",
                   "MicrobiomeOrExposure"], 92),
    "therapy": (["CarTCellTherapy", "BispecificAntibody", "Drug", "Procedure"], 28),
    "gene": (["GeneOrProtein"], 51),
    "disease": (["Disease"], 9),
    "trial": (["ClinicalTrial"], 4),
    "cell-population": (["CellPopulation"], 18),
    "outcome": (["ShortTermOutcome", "LongTermOutcome", "RelapsePhenotype",
                 "TreatmentFailurePhenotype"], 18),
    "publication": (["Publication"], 2),
    "other": (["OtherEntity"], 3),
}
SUPER = {  # direct superclass of each class below Entity
    **{c: "Strategy" for c in CATEGORIES["strategy"][0]},
    **{c: "Biomarker" for c in CATEGORIES["biomarker"][0]},
    **{c: "Therapy" for c in CATEGORIES["therapy"][0]},
    "ShortTermOutcome": "Outcome", "LongTermOutcome": "Outcome",
    "RelapsePhenotype": "LongTermOutcome", "TreatmentFailurePhenotype": "Outcome",
}
# probability that a new entity of the category is placed under an earlier one (kindOf)
HIERARCHY = {"mechanism": 0.97, "outcome": 0.5, "disease": 0.5, "biomarker": 0.25}

# relation, domain categories, range categories, inverse, weight (≈ counts in the built graph)
RELATIONS = [
    ("predicts", ["biomarker"], ["outcome"], "predictedBy", 113),
    ("involves", ["mechanism", "biomarker", "strategy"], ["gene"], "involvedIn", 87),
    ("addresses", ["strategy"], ["mechanism"], "addressedBy", 53),
    ("involvesCells", ["mechanism", "biomarker"], ["cell-population"], None, 28),
    ("usesTherapy", ["strategy"], ["therapy"], None, 22),
    ("contributesTo", ["mechanism", "biomarker", "gene", "therapy"], ["mechanism"],
     "hasContributor", 21),
    ("targets", ["therapy", "strategy"], ["gene"], None, 14),
    ("indicates", ["biomarker"], ["mechanism"], "indicatedBy", 14),
    ("improves", ["strategy", "therapy"], ["outcome", "biomarker"], None, 14),
    ("achieves", ["therapy"], ["outcome"], None, 14),
    ("treats", ["therapy"], ["disease"], None, 12),
    ("evaluatedIn", ["therapy"], ["trial"], "evaluates", 6),
]

GROUPS = [  # (id, label, source, parent group, defined class, outcomes it leads to)
    ("antigen-positive-relapse-mechanisms", "Antigen-positive relapse mechanisms", "xu2023",
     None, "AntigenPositiveRelapseMechanism", ["cd19-positive-relapse"]),
    ("antigen-negative-relapse-mechanisms", "Antigen-negative relapse mechanisms", "xu2023",
     None, "AntigenNegativeRelapseMechanism", ["cd19-negative-relapse"]),
    ("other-resistance-mechanisms", "Other resistance mechanisms", "xu2023", None,
     "OtherRelapseMechanism", ["relapse"]),
    ("hostile-tumour-microenvironment", "Hostile tumour microenvironment", "xu2023", None, None,
     ["treatment-failure"]),
    ("t-cell-failure", "T-cell failure", "jacoby2019", None, "TCellFailureMechanism",
     ["treatment-failure"]),
    ("production-failure", "Production failure", "jacoby2019", "t-cell-failure",
     "ProductionFailureMechanism", ["failed-production"]),
    ("primary-t-cell-failure", "Primary T-cell failure", "jacoby2019", "t-cell-failure",
     "PrimaryTCellFailureMechanism", ["primary-non-response"]),
    ("secondary-t-cell-failure", "Secondary T-cell failure", "jacoby2019", "t-cell-failure",
     "SecondaryTCellFailureMechanism", ["relapse"]),
    ("target-antigen-modulation", "Target-antigen modulation", "jacoby2019", None,
     "TargetAntigenModulationMechanism", ["relapse"]),
    ("loss-of-cd19-expression", "Loss of CD19 expression", "jacoby2019",
     "target-antigen-modulation", "CD19LossMechanism", ["cd19-negative-relapse"]),
    ("cd22-down-modulation", "CD22 down-modulation", "jacoby2019", "target-antigen-modulation",
     "CD22DownModulationMechanism", ["relapse"]),
]
DEFINED = {g[0]: g[4] for g in GROUPS if g[4]}
OUTCOMES = [  # (id, class, label, parent)
    ("relapse", "LongTermOutcome", "Relapse", None),
    ("cd19-negative-relapse", "RelapsePhenotype", "CD19-negative relapse", "relapse"),
    ("cd19-positive-relapse", "RelapsePhenotype", "CD19-positive relapse", "relapse"),
    ("treatment-failure", "TreatmentFailurePhenotype", "Treatment failure", None),
    ("primary-non-response", "TreatmentFailurePhenotype", "Primary non-response",
     "treatment-failure"),
    ("failed-production", "TreatmentFailurePhenotype", "Failed CAR-T production",
     "treatment-failure"),
    ("complete-response", "ShortTermOutcome", "Complete response", None),
    ("overall-survival", "LongTermOutcome", "Overall survival", None),
]
PUBLICATIONS = [("xu2023", "Xu et al. 2023", "10.3389/fimmu.2023.1110028"),
                ("jacoby2019", "Jacoby 2019", "10.2991/chi.d.190219.001")]

WORDS = {
    "mechanism": ["antigen", "epitope", "exhaustion", "trogocytosis", "splicing", "checkpoint",
                  "apoptosis", "signalling", "persistence", "masking", "lineage", "suppression"],
    "strategy": ["dual-targeted", "sequential", "humanised", "consolidative", "armoured",
                 "bridging", "lymphodepleting", "combination", "monitoring", "selection"],
    "biomarker": ["LDH", "CRP", "ferritin", "TMTV", "ctDNA", "IL-6", "expansion", "CD4:CD8",
                  "Deauville", "IPI", "microbiome", "antibiotic"],
    "therapy": ["ciloleucel", "maraleucel", "blinatumomab", "ibrutinib", "pembrolizumab",
                "lenalidomide", "transplantation", "inotuzumab"],
    "gene": ["CD19", "CD22", "PD-L1", "TP53", "BCL2", "MYC", "PAX5", "CD81", "IL-15", "TET2"],
    "disease": ["leukaemia", "lymphoma", "DLBCL", "mantle-cell", "follicular", "B-ALL"],
    "trial": ["ZUMA", "JULIET", "ELIANA", "TRANSCEND", "TOWER"],
    "cell-population": ["naive T cells", "memory T cells", "Tregs", "MDSC", "NK cells"],
    "outcome": ["response", "survival", "remission", "relapse", "failure", "progression"],
    "publication": ["review", "cohort", "trial report"],
    "other": ["microorganism", "technique", "assay"],
}
# statistic measure → its count among the 92 statistics of the built graph (2026-11-21)
MEASURES = {"count": 33, "cut-off": 14, "rate": 14, "range": 8, "proportion": 8, "median": 7,
            "p-value": 4, "fold change": 2, "OR": 1, "HR": 1}
DIRECTED = {"favourable": "predictsFavourable", "unfavourable": "predictsUnfavourable"}
STUDY_TYPES = ["clinical trial", "retrospective cohort", "prospective cohort",
               "observational study", "case report", "preclinical", "in vitro"]


@dataclass
class Summary:
    triples: int = 0
    entities: dict[str, int] = field(default_factory=dict)
    evidence: int = 0
    statistics: int = 0
    relations: int = 0
    max_degree: int = 0
    median_degree: float = 0.0


class _Writer:
    """Buffered N-Triples output that counts lines."""

    def __init__(self, out):
        self.out, self.buf, self.count = out, [], 0

    def t(self, s: str, p: str, o: str) -> None:
        self.buf.append(f"{s} {p} {o} .\n")
        if len(self.buf) >= 20000:
            self.flush()

    def flush(self) -> None:
        self.count += len(self.buf)
        self.out.writelines(self.buf)
        self.buf.clear()

    @property
    def lines(self) -> int:
        return self.count + len(self.buf)


def _iri(base: str, local: str) -> str:
    return f"<{base}{local}>"


def _lit(text: str, datatype: str | None = None) -> str:
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"^^<{XSD}{datatype}>' if datatype else f'"{text}"'


def ontology_lines() -> list[str]:
    """The schema's triples as N-Triples lines."""
    import pyoxigraph as ox
    quads = ox.parse(path=str(ROOT / "ontology" / "cartkg.ttl"), format=ox.RdfFormat.TURTLE)
    blank: dict[str, str] = {}      # parser's random blank node ids → b0, b1… (determinism)

    def term(t) -> str:
        if isinstance(t, ox.BlankNode):
            return blank.setdefault(t.value, f"_:b{len(blank)}")
        return str(t)
    return [f"{term(q.subject)} {q.predicate} {term(q.object)} .\n" for q in quads]


class Generator:
    def __init__(self, target: int, seed: int = 42):
        self.target, self.rnd = target, random.Random(seed)
        self.summary = Summary()
        self.pool: dict[str, list[str]] = {c: [] for c in CATEGORIES}   # preferential attachment
        self.label: dict[str, str] = {}
        self.ancestors: dict[str, frozenset[str]] = {}
        self.leads: dict[str, frozenset[str]] = {}      # mechanism → outcomes incl. inherited
        self.degree: dict[str, int] = {}
        self.seen_edges: set[tuple[str, str, str]] = set()
        self.predict_evidence: list[str] = []
        self.n_evidence = 0
        self.mentioned: set[tuple[str, str]] = set()      # (entity, publication)
        self.directed: set[tuple[str, str, str]] = set()  # (biomarker, property, outcome)
        self.items: dict[str, int] = {}                    # publication → evidence items
        self.cited: dict[str, set[str]] = {}               # publication → reference numbers
        self.addressed: set[str] = set()                   # mechanisms a strategy addresses
        self.mechanisms: list[str] = []

    # ------------------------------------------------------------------ entities
    def pick(self, category: str) -> str:
        return self.rnd.choice(self.pool[category])

    def _touch(self, node: str, category: str) -> None:
        self.pool[category].append(node)
        self.degree[node] = self.degree.get(node, 0) + 1

    def entity(self, w: _Writer, local: str, category: str, cls: str, label: str,
               synonyms: list[str], definition: str | None) -> str:
        s = _iri(ENT, local)
        w.t(s, RDF_TYPE, INDIVIDUAL)
        w.t(s, RDF_TYPE, _iri(V, "Entity"))
        c = cls
        while c:
            w.t(s, RDF_TYPE, _iri(V, c))
            c = SUPER.get(c)
        w.t(s, LABEL, _lit(label))
        for syn in synonyms:
            w.t(s, ALT, _lit(syn))
        if definition:
            w.t(s, DEFINITION, _lit(definition))
        self.label[local] = label
        self.pool[category].append(local)
        if category == "mechanism":
            self.mechanisms.append(local)
        self.degree.setdefault(local, 0)
        self.summary.entities[category] = self.summary.entities.get(category, 0) + 1
        return s

    def hierarchy(self, w: _Writer, local: str, parents: list[str]) -> frozenset[str]:
        """kindOf to each parent and every ancestor (the transitive closure), with inverses."""
        anc = set(parents)
        for p in parents:
            anc |= self.ancestors.get(p, frozenset())
        anc.discard(local)
        for a in sorted(anc):
            w.t(_iri(ENT, local), _iri(V, "kindOf"), _iri(ENT, a))
            w.t(_iri(ENT, a), _iri(V, "hasKind"), _iri(ENT, local))
        self.ancestors[local] = frozenset(anc)
        return self.ancestors[local]

    def mechanism_types(self, w: _Writer, local: str, ancestors: frozenset[str]) -> None:
        for a in sorted(ancestors):
            if a in DEFINED:
                w.t(_iri(ENT, local), RDF_TYPE, _iri(V, DEFINED[a]))

    def leads_to(self, w: _Writer, local: str, own: list[str], parents: list[str]) -> None:
        """Own leadsTo outcomes (with evidence) plus those inherited from the parents."""
        outs = set(own)
        for p in parents:
            outs |= self.leads.get(p, frozenset())
        for o in sorted(outs):
            w.t(_iri(ENT, local), _iri(V, "leadsTo"), _iri(ENT, o))
            w.t(_iri(ENT, o), _iri(V, "resultsFrom"), _iri(ENT, local))
        for o in own:
            self.evidence(w, local, "leadsTo", o)
            self._touch(o, "outcome")
        self.leads[local] = frozenset(outs)

    def anchors(self, w: _Writer) -> None:
        for local, label, doi in PUBLICATIONS:
            s = self.entity(w, local, "publication", "Publication", label, [],
                            f"The review {label}.")
            w.t(s, _iri(V, "doi"), _lit(doi))
        for local, cls, label, parent in OUTCOMES:
            self.entity(w, local, "outcome", cls, label, [label.lower() + " (synonym)"],
                        f"{label} after CD19-directed immunotherapy.")
            self.hierarchy(w, local, [parent] if parent else [])
        self.entity(w, "b-all", "disease", "Disease", "B-cell acute lymphoblastic leukaemia",
                    ["B-ALL", "acute lymphoblastic leukemia"],
                    "Acute leukaemia of B-cell precursors.")
        self.hierarchy(w, "b-all", [])
        for local, label, source, parent, _, outs in GROUPS:
            s = self.entity(w, local, "mechanism", "ResistanceMechanism", label,
                            [label.lower() + " group"], f"A mechanism group of {source}.")
            w.t(s, _iri(V, "classificationFrom"), _iri(ENT, source))
            parents = [parent] if parent else []
            self.mechanism_types(w, local, self.hierarchy(w, local, parents))
            self.leads_to(w, local, outs, parents)
        self.entity(w, "lineage-switch", "mechanism", "ResistanceMechanism", "Lineage switch",
                    ["myeloid lineage switch"],
                    "Conversion of B-lineage leukaemia into a myeloid phenotype.")
        parents = ["antigen-negative-relapse-mechanisms", "loss-of-cd19-expression"]
        self.mechanism_types(w, "lineage-switch", self.hierarchy(w, "lineage-switch", parents))
        self.leads_to(w, "lineage-switch", ["cd19-negative-relapse"], parents)
        for p in parents:
            self.evidence(w, "lineage-switch", "kindOf", p)

    def new_entity(self, w: _Writer, n: int, category: str) -> None:
        rnd = self.rnd
        classes, _ = CATEGORIES[category]
        cls = rnd.choice(classes)
        words = WORDS[category]
        label = f"{rnd.choice(words).capitalize()} {rnd.choice(words)} {category} {n}"
        synonyms = [f"{rnd.choice(words)} {category} {n}-{k}"
                    for k in range(min(4, int(rnd.expovariate(0.7))))]
        definition = (f"A synthetic {category} ({rnd.choice(words)}, {rnd.choice(words)}) "
                      f"generated for benchmarking, number {n}.") if rnd.random() < 0.8 else None
        local = f"syn-{category}-{n}"
        parents = []
        if category in HIERARCHY and self.pool[category] and rnd.random() < HIERARCHY[category]:
            parents.append(self.pick(category))
            if category == "mechanism" and rnd.random() < 0.3:
                parents.append(self.pick(category))
            parents = sorted(set(parents))
        s = self.entity(w, local, category, cls, label, synonyms, definition)
        if category == "biomarker":
            before = "true" if rnd.random() < 0.7 else "false"
            w.t(s, _iri(V, "measuredBeforeInfusion"), _lit(before, "boolean"))
        elif category == "gene":
            w.t(s, XREF, _lit(f"HGNC:{100000 + n}"))
        elif category == "publication":
            w.t(s, _iri(V, "doi"), _lit(f"10.5555/synthetic.{n}"))
            w.t(s, _iri(V, "year"), _lit(str(2000 + n % 25), "integer"))
        if category not in HIERARCHY:
            return
        anc = self.hierarchy(w, local, parents)
        for p in parents:
            self._touch(p, category)
            self.evidence(w, local, "kindOf", p)
        if category == "mechanism":
            self.mechanism_types(w, local, anc)
            own = [self.pick("outcome")] if rnd.random() < 0.4 else []
            self.leads_to(w, local, own, parents)

    # ------------------------------------------------------------------ evidence
    def evidence(self, w: _Writer, s: str, rel: str, o: str) -> None:
        rnd = self.rnd
        for _ in range(1 + (rnd.random() < 0.2)):
            self.n_evidence += 1
            e = _iri(EVI, f"syn-{self.n_evidence}")
            src = self.pick("publication")
            self._touch(src, "publication")
            w.t(e, RDF_TYPE, INDIVIDUAL)
            w.t(e, RDF_TYPE, _iri(V, "EvidenceItem"))
            w.t(e, LABEL, _lit(f"{self.label[s]} {rel} {self.label[o]} ({src})"))
            w.t(e, _iri(V, "evidenceSubject"), _iri(ENT, s))
            w.t(e, _iri(V, "evidenceObject"), _iri(ENT, o))
            w.t(e, _iri(V, "assertsRelation"), _iri(V, rel))
            w.t(e, _iri(V, "fromSource"), _iri(ENT, src))
            quote = (f"In this cohort {self.label[s].lower()} was reported to be linked with "
                     f"{self.label[o].lower()} ({rnd.randint(1, 120)}).")
            w.t(e, _iri(V, "quote"), _lit(quote))
            section = f"Section {rnd.randint(1, 9)} > Part {rnd.randint(1, 5)}"
            w.t(e, _iri(V, "section"), _lit(section))
            refs = sorted({rnd.randint(1, 120) for _ in range(1 + int(rnd.expovariate(1.2)))})
            for ref in refs:
                w.t(e, _iri(V, "refNumber"), _lit(str(ref)))
            self.items[src] = self.items.get(src, 0) + 1
            self.cited.setdefault(src, set()).update(map(str, refs))
            for entity in (s, o):
                if (entity, src) not in self.mentioned:
                    self.mentioned.add((entity, src))
                    w.t(_iri(ENT, entity), _iri(V, "mentionedIn"), _iri(ENT, src))
            status = rnd.choices(["accepted", "draft", "needs-work"], [93, 5, 2])[0]
            w.t(e, _iri(V, "reviewStatus"), _lit(status))
            level = rnd.choice(["primary-study", "review-statement"])
            w.t(e, _iri(V, "knowledgeLevel"), _lit(level))
            if rnd.random() < 0.3:
                w.t(e, _iri(V, "studyType"), _lit(rnd.choice(STUDY_TYPES)))
            direction = None
            if rel == "predicts" or rnd.random() < 0.1:
                direction = rnd.choice(["favourable", "unfavourable"])
                w.t(e, _iri(V, "direction"), _lit(direction))
            for prop, cat, p in (("aboutDisease", "disease", 0.27),
                                 ("aboutProduct", "therapy", 0.25), ("aboutTrial", "trial", 0.04)):
                if self.pool[cat] and rnd.random() < p:
                    w.t(e, _iri(V, prop), _iri(ENT, self.pick(cat)))
            if rnd.random() < 0.01:
                w.t(e, _iri(V, "population"), _lit(rnd.choice(["paediatric", "adult", "mixed"])))
            negated = rnd.random() < 0.02
            if negated:
                w.t(e, _iri(V, "negated"), _lit("true", "boolean"))
            if rel == "predicts" and direction and status == "accepted" and not negated:
                edge = (s, DIRECTED[direction], o)
                if edge not in self.directed:
                    self.directed.add(edge)
                    w.t(_iri(ENT, s), _iri(V, edge[1]), _iri(ENT, o))
            if rnd.random() < 0.16:
                for pos in range(1, 2 + (rnd.random() < 0.3)):
                    self.statistic(w, e, f"syn-{self.n_evidence}-stat-{pos}", pos)
            if rel == "predicts":
                if self.predict_evidence and rnd.random() < 0.05:
                    other = rnd.choice(self.predict_evidence)
                    w.t(e, _iri(V, "conflictsWith"), other)
                    w.t(other, _iri(V, "conflictsWith"), e)
                self.predict_evidence.append(e)
        self.summary.evidence = self.n_evidence

    def statistic(self, w: _Writer, e: str, local: str, pos: int) -> None:
        rnd = self.rnd
        st = _iri(EVI, local)
        measure = rnd.choices(list(MEASURES), list(MEASURES.values()))[0]
        value = round(rnd.lognormvariate(0.5, 0.8), 2)
        w.t(e, _iri(V, "hasStatistic"), st)
        w.t(st, RDF_TYPE, INDIVIDUAL)
        w.t(st, RDF_TYPE, _iri(V, "Statistic"))
        w.t(st, _iri(V, "measure"), _lit(measure))
        w.t(st, _iri(V, "value"), _lit(f"{value}", "decimal"))
        w.t(st, _iri(V, "position"), _lit(str(pos), "integer"))
        w.t(st, _iri(V, "statisticText"), _lit(f"a {measure} of {value}"))
        if rnd.random() < 0.5:
            w.t(st, _iri(V, "unit"), _lit(rnd.choice(["%", "mL", "months", "days"])))
        if rnd.random() < 0.3:
            w.t(st, _iri(V, "arm"), _lit("patients with the marker"))
            w.t(st, _iri(V, "comparatorArm"), _lit("patients without it"))
            w.t(st, _iri(V, "comparatorValue"), _lit(f"{round(rnd.uniform(1, 90), 1)}", "decimal"))
        if rnd.random() < 0.3:
            w.t(st, _iri(V, "pValue"), _lit(f"{round(rnd.uniform(0.0001, 0.2), 4)}", "decimal"))
            w.t(st, _iri(V, "pQualifier"), _lit(rnd.choice(["<", "="])))
        if rnd.random() < 0.3:
            w.t(st, _iri(V, "cohortSize"), _lit(str(rnd.randint(10, 900)), "integer"))
        self.summary.statistics += 1

    # ------------------------------------------------------------------ relations
    def relation(self, w: _Writer) -> None:
        rnd = self.rnd
        rel, domains, ranges, inverse, _ = rnd.choices(RELATIONS, self._rel_weights)[0]
        dcat, rcat = rnd.choice(domains), rnd.choice(ranges)
        s, o = self.pick(dcat), self.pick(rcat)
        if s == o or (s, rel, o) in self.seen_edges:
            return
        self.seen_edges.add((s, rel, o))
        self._touch(s, dcat)
        self._touch(o, rcat)
        w.t(_iri(ENT, s), _iri(V, rel), _iri(ENT, o))
        if rel == "addresses":
            self.addressed.add(o)
        if inverse:
            w.t(_iri(ENT, o), _iri(V, inverse), _iri(ENT, s))
        self.summary.relations += 1
        if rnd.random() < 0.9:
            self.evidence(w, s, rel, o)

    def summaries(self, w: _Writer) -> None:
        """What the build derives once all evidence is in: per-publication counts, and the
        reasoner's AddressedMechanism (addressed itself, or a kind of an addressed mechanism)."""
        for src in sorted(set(self.pool["publication"])):
            w.t(_iri(ENT, src), _iri(V, "evidenceItemCount"),
                _lit(str(self.items.get(src, 0)), "integer"))
            w.t(_iri(ENT, src), _iri(V, "citedReferenceCount"),
                _lit(str(len(self.cited.get(src, ()))), "integer"))
        for m in sorted(self.mechanisms):
            if m in self.addressed or self.ancestors.get(m, frozenset()) & self.addressed:
                w.t(_iri(ENT, m), RDF_TYPE, _iri(V, "AddressedMechanism"))

    def run(self, out) -> Summary:
        w = _Writer(out)
        for line in ontology_lines():
            w.buf.append(line)
        self.anchors(w)
        n_entities = max(60, self.target // TRIPLES_PER_ENTITY)
        names, weights = zip(*((c, wt) for c, (_, wt) in CATEGORIES.items()))
        order = self.rnd.choices(names, weights, k=n_entities)
        # outcomes, diseases, publications… first so that mechanisms can point at them
        order.sort(key=lambda c: c == "mechanism")
        for n, category in enumerate(order):
            self.new_entity(w, n, category)
        self._rel_weights = [r[4] for r in RELATIONS]
        guard = 50 * self.target
        while w.lines < self.target and guard:
            self.relation(w)
            guard -= 1
        self.summaries(w)
        w.flush()
        degrees = sorted(self.degree.values())
        self.summary.triples = w.lines
        self.summary.max_degree = degrees[-1]
        self.summary.median_degree = float(degrees[len(degrees) // 2])
        return self.summary


def generate(target: int, path: Path, seed: int = 42) -> Summary:
    """Write a synthetic graph of about ``target`` triples (at least) to ``path``."""
    with open(path, "w", encoding="utf-8") as out:
        return Generator(target, seed).run(out)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--triples", type=int, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--seed", type=int, default=42)
    args = ap.parse_args(argv)
    s = generate(args.triples, args.out, args.seed)
    print(f"{s.triples} triples, {sum(s.entities.values())} entities, {s.evidence} evidence "
          f"items, {s.statistics} statistics, {s.relations} relations; degree median "
          f"{s.median_degree:g}, max {s.max_degree}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
