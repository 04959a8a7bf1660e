"""The curation assistant (``cartkg curate suggest``): candidate evidence items from a
registered source's text, for a curator to accept, correct or reject.

Each sentence (syntok, exact spans) is tagged with the shared dictionary tagger over the
entities' names and the surface forms abstracts write them in (kg.curation.surface:
``sentence_mentions``), and in a review each name is also read as the broader entities whose
names contain it (``with_broader``); every claim
whose subject and object fit a relation's domain and range is scored by a logistic model of
its features (``claim_features``, ``WEIGHTS``; in a primary study, a sentence naming only a
mechanism is also read against the resistance outcome the abstract is about, ``with_topic``),
and each pair of entities keeps its likeliest claim, with that probability as ``confidence``;
``negated`` and ``certainty`` come from the negation and hedge cues (kg.curation.cues),
references and statistics from the sentence's own words (kg.curation.numbers). A candidate
whose triple an existing item of the source states from an overlapping quote is marked
``duplicate_of``; the rest are ranked by ``confidence``.

The tagger is handed in by the caller (``Tagger.from_index`` of kg.answers.tagger): curation
sits upstream of answers, so this module does not import it. Mentions are that tagger's
``Mention`` records.

>>> from kg.answers.tagger import Tagger
>>> result = suggest(project_paths(), "xu2023", Tagger.from_index)
>>> all(c.quote in result.normalised_text for c in result.candidates)
True
"""
from __future__ import annotations

import csv
import dataclasses
from collections import Counter
import io
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from kg.curation.anaphora import with_antecedents
from kg.curation.cues import suggest_certainty, suggest_study_type
from kg.curation.design import population, sentence_study_type, study_design
from kg.curation.learned import Learned, load_learned
from kg.curation.lints import PRECLINICAL_TYPES, STRUCTURAL, UNTYPED, section_kind
from kg.curation.numbers import parse_refs, parse_statistics, statistic_spec
from kg.curation.prior import RelationPrior, relation_prior
from kg.curation.scope import certainty_between, figures_for, negated_between, segments
from kg.curation.surface import inner_mentions, is_generic, resolved_mentions, \
    surface_index, with_abbreviations
from kg.curation.schema import Relation, load_schema
from kg.curation.sentences import Sentence, locate, normalised_with_offsets, split_sentences, \
    with_sections
from kg.curation.sources import Curation, Source, load_curation
from kg.curation.write import TSV_COLUMNS, CurationInput
from kg.paths import ProjectPaths, project_paths  # noqa: F401
from kg.text import lookup_key, normalise_whitespace

# Words that signal a relation (matched case-insensitively at word starts anywhere in the
# sentence).
CUES: dict[str, str] = {
    "predicts": r"predict|prognos|associat|correlat|risk|surviv|outcome|inferior|superior|"
                r"poor|better|worse|higher|lower|elevated",
    "leadsTo": r"lead|led to|result|cause|responsible|relapse|failure|resist|escape|aris|"
               r"associat|permit|allow",
    "addresses": r"overcom|address|prevent|counter|solution|reduc|strateg|avoid|combat|"
                 r"mitigat|rescue|restor|revers",
    "improves": r"improv|enhanc|increas|boost|augment|better|prolong",
    "indicates": r"indicat|sign of|reflect|marker|suggest|detect",
    "contributesTo": r"contribut|driv|promot|mediat|induc|involved in|role in|underl",
    "involves": r"mutat|express|loss|gene|delet|splic|variant|alter|downregul|upregul|"
                r"exon|epitope",
    "involvesCells": r"macrophag|lymphocyt|memory|naive|subset|populat|phenotyp|CD4|CD8",
    "targets": r"target|directed|anti-|against|bispecific|dual|recogni",
    "usesTherapy": r"combin|using|use of|sequential|with",
    "evaluatedIn": r"trial|evaluat|tested|study",
    "achieves": r"achiev|rate|respon|remission|durab",
    "treats": r"treat|approv|indicated|patients with|therapy for",
    "kindOf": r"such as|including|kind of|type of|subtype|one of|form of|i\.e\.|e\.g\.",
}
CUE_PATTERNS = {name: re.compile(rf"(?<!\w)(?:{cue})", re.I) for name, cue in CUES.items()}
# Relations the schema leaves open on the subject side, held to the subjects their definitions
# name (ontology/cartkg.ttl): a gene "takes part in the mechanism, is measured by the biomarker
# or is acted on by the strategy" (and marks a cell population); cells take part in the
# mechanism or are measured by the biomarker; what contributes to a mechanism is another
# mechanism, a gene, a therapy or a biomarker.
DEFINED_SUBJECTS = {"involves": {"mechanism", "biomarker", "strategy", "cell-population",
                                 "other"},
                    "involvesCells": {"mechanism", "biomarker"},
                    "contributesTo": {"mechanism", "gene", "therapy", "biomarker", "other"}}
# Where a sentence turns to another claim: a semicolon or colon, or a contrasting conjunction.
CLAUSE_BREAK = re.compile(r"[;:]|\b(?:while|whereas|but|however|although)\b", re.I)
# Claims less likely than this are not shown (on xu2023 they hold 3% of the right ones),
# but for the likeliest of their sentence, so every sentence relating two entities is shown.
MIN_CONFIDENCE = 0.02
# At most this many claims per sentence, the likeliest first: a curator reads the sentence once
# and picks among a few (``suggest(per_sentence=None)`` keeps them all, the generator's ceiling).
PER_SENTENCE = 3
# Claims at least this likely are ``proposed`` (the assistant's own threshold: the lowest at
# which the fitted review's precision reaches 50%, benchmarks/bench_suggest.py).
PROPOSE_AT = 0.35
# Relations that say what a study did rather than what it found (figures go to findings first).
STUDY_RELATIONS = ("treats", "evaluatedIn")
# Counts and rates of patients, and the relations saying what those patients reached.
COUNTS, OUTCOME_RELATIONS = ("count", "rate", "proportion"), ("achieves", "leadsTo")
# A name contained in more entity names than this (CD19, T cells) says too little to propose them.
MAX_BROADER = 10
# Only names of these categories are read as the broader findings that contain them ("IL-6" →
# "Elevated IL-6"); an outcome word ("relapse", "response") is too generic to lift.
LIFT_FROM = ("gene", "cell-population")
# Categories whose names may hold an outcome's words that are no outcome of the sentence.
PARTS_OF = ("biomarker", "mechanism", "strategy")
# Relations whose object is often named inside the subject's own name ("loss of CD19").
PART_RELATIONS = ("involves", "involvesCells", "targets", "usesTherapy")
# The weights of a logistic model of "a curator would state this claim", one per feature of
# ``claim_features`` (with the relation prior's, kg.curation.prior); fitted on xu2023's
# accepted items and the 33 fitted primary-study abstracts of benchmarks/primary/ by
# benchmarks/fit_suggest.py (which prints this table; jacoby2019's items reach neither the fit
# nor the prior it uses), so the figures for jacoby2019 and the held-out abstracts are held
# out. A candidate's confidence is the model's probability.
WEIGHTS = {"bias": -3.07,
           "broader mentions": -1.01,
           "cites references": 0.68,
           "clause break between": -1.19,
           "cue between": 0.78,
           "cue between, achieves": -0.47,
           "cue between, addresses": 0.52,
           "cue between, contributesTo": 0.6,
           "cue between, evaluatedIn": 0.47,
           "cue between, improves": 0.66,
           "cue between, indicates": -0.05,
           "cue between, involves": -0.2,
           "cue between, involvesCells": -0.15,
           "cue between, kindOf": -0.09,
           "cue between, leadsTo": 0.46,
           "cue between, predicts": -0.58,
           "cue between, targets": 0.21,
           "cue between, treats": -0.16,
           "cue between, usesTherapy": -0.44,
           "cue in sentence": 0.65,
           "cue in the names": 0.62,
           "curated elsewhere": 0.99,
           "entities between": 0.03,
           "entities in sentence": -0.54,
           "implicit object": -1.11,
           "implicit subject": -0.39,
           "loose mentions": 0.04,
           "object inside subject": 0.09,
           "object inside subject (part relation)": 0.22,
           "overlapping": -0.56,
           "relation achieves": -0.47,
           "relation addresses": 1.17,
           "relation contributesTo": -0.54,
           "relation evaluatedIn": 1.37,
           "relation improves": -1.58,
           "relation indicates": 0.73,
           "relation involves": 0.2,
           "relation involvesCells": -0.89,
           "relation kindOf": -1.96,
           "relation leadsTo": 0.33,
           "relation predicts": 2.49,
           "relation prior": 0.26,
           "relation targets": -0.83,
           "relation treats": 0.9,
           "relation usesTherapy": -0.92,
           "subject first": 0.41,
           "subject inside object": -0.09,
           "subject lifted from object": 1.61,
           "subject opens the sentence": 0.42,
           "subject outside definition": -3.1,
           "words apart": -0.37}
# cartkg's scope: CAR T cells an abstract gives without naming their target are CD19-directed.
SCOPE_CELLS, SCOPE_THERAPY = "CAR-T cells", "CD19-directed CAR-T cell therapy"
CONTEXT_ROLES = {"disease": "disease", "therapy": "product", "trial": "trial"}
# The outcomes a resistance study is about (entity types): the one its abstract names most is
# its topic, which a sentence naming only a mechanism explains ("A switch to the myeloid lineage
# was not seen" in an abstract about CD19-negative relapse).
TOPIC_TYPES = ("RelapsePhenotype", "TreatmentFailurePhenotype")
# How many sentences back "these cells" or "this pathway" may point (kg.curation.anaphora).
ANTECEDENT_SENTENCES = 2
# Words saying patients were given the study's intervention.
TREATED = re.compile(r"\b(?:treated|infused|enrolled|received|dosed)\b", re.I)
GENE_LIKE = re.compile(r"(?<![\w-])(?:[A-Z][A-Z0-9]{1,6}[0-9][A-Z0-9]*|[A-Z]{2,}[0-9]+[a-z]?"
                       r"|[a-z]{2,}[0-9]+)(?![\w-])")
DRUG_LIKE = re.compile(r"(?<![\w-])[A-Za-z]{4,}(?:mab|nib|cel|leucel|lisib|mide|platin|"
                       r"rubicin|stat)(?![\w-])")
Mention = Any            # kg.answers.tagger.Mention: start, end, text, iri, label, category, name
TSV_EXTRA = ("statistics", "context", "section", "level", "negated", "certainty",
             "certainty_note")


@dataclass
class Candidate:
    quote: str
    start: int
    end: int
    subject: Mention
    predicate: Relation
    object: Mention
    refs: list[str]
    statistics: list[dict]
    negated: bool
    certainty: str
    section: str
    confidence: float
    context: dict = field(default_factory=dict)
    duplicate_of: str | None = None
    level: str = "review-statement"     # primary-study: the source's own result, or cited refs
    certainty_note: str = ""            # why "stated" although the sentence hedges elsewhere

    @property
    def proposed(self) -> bool:
        return self.confidence >= PROPOSE_AT

    def as_json(self) -> dict:
        def ent(m: Mention) -> dict:
            return {"label": m.label, "iri": m.iri, "id": m.ident,
                    "category": m.category, "text": m.text}
        return {"quote": self.quote, "start": self.start, "end": self.end,
                "subject": ent(self.subject),
                "predicate": {"label": self.predicate.label, "name": self.predicate.name},
                "object": ent(self.object), "refs": self.refs,
                "statistics": self.statistics, "negated": self.negated,
                "certainty": self.certainty, "certainty_note": self.certainty_note,
                "section": self.section,
                "confidence": self.confidence, "proposed": self.proposed,
                "level": self.level, "study_type": self.context.get("study_type"),
                "context": self.context, "duplicate_of": self.duplicate_of}


@dataclass
class Suggestions:
    source: Source
    text: str
    candidates: list[Candidate]
    sentences: list[tuple[Sentence, list[Mention]]]
    new_entities: list[dict]
    design: dict = field(default_factory=dict)     # primary studies: study_type, population, ...
    choices: dict = field(default_factory=dict)    # entities and relations a curator may pick

    @property
    def normalised_text(self) -> str:
        return normalise_whitespace(self.text)

    def as_json(self) -> dict:
        return {"source": self.source.doi or self.source.id, "id": self.source.id,
                "kind": self.source.kind, "design": self.design,
                "sentences": len(self.sentences),
                "candidates": [c.as_json() for c in self.candidates],
                "duplicates": sum(1 for c in self.candidates if c.duplicate_of),
                "new_entities": self.new_entities}


def find_source(cur: Curation, source: str) -> Source:
    for s in cur.sources.values():
        if source in (s.id, s.doi, s.pmid, s.pmcid):
            return s
    raise CurationInput(f"source {source!r} is not registered: register it with 'cartkg curate "
                        f"add-source' (known: {', '.join(sorted(cur.sources))})")


def read_text(source: Source) -> str:
    """The source's full text, or exit 1 saying why it cannot be used."""
    if source.text_path is None:
        raise CurationInput(f"source {source.id} has no full text: add 'text: PATH' to its "
                            f"source entry ({source.where})")
    try:
        data = source.text_path.read_bytes()
    except OSError as exc:
        raise CurationInput(f"{source.text_path}: cannot read the full text of {source.id} "
                            f"({exc.strerror})") from exc
    if b"\x00" in data:
        raise CurationInput(f"{source.text_path}: the text of {source.id} is binary, not a "
                            "plain-text extraction")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CurationInput(f"{source.text_path}: the text of {source.id} is not UTF-8 "
                            f"(byte {exc.start})") from exc
    if not re.search(r"[^\W\d_]{2,}", text):
        raise CurationInput(f"{source.text_path}: the text of {source.id} is empty")
    return text


def entity_index(cur: Curation, paths: ProjectPaths,
                 learned: Learned | None = None) -> dict[str, dict]:
    """The curation's entities as the records the tagger reads (no built store needed), with
    the surface texts curators tied to them on the review page (``learned``) and the forms
    primary abstracts write their names in (kg.curation.surface: no generic word alone)."""
    schema = load_schema(paths.ontology)
    taught = learned.names() if learned else {}
    return surface_index({e.iri: {"label": e.label, "iri": str(e.iri),
                                  "synonyms": [*e.synonyms, *taught.get(e.id, ())],
                                  "category": schema.category_of(e.type) or "other",
                                  "type": e.type}
                          for e in cur.entities.values()})


def pair_features(a: Mention, b: Mention, raw: str, offset: int,
                  others: list[Mention]) -> tuple[dict[str, float], str]:
    """What speaks for any claim with subject ``a`` and object ``b`` in the sentence ``raw``
    (starting at ``offset``) naming ``others`` too: word order, one name inside the other, how
    far apart they are, a clause break between them, how crowded the sentence is, and whether
    either was found only loosely or lifted to a broader entity (``fitting_claims`` adds whether
    the sentence cites references); and the text between them."""
    lo, hi = sorted((a.end, b.start) if a.start < b.start else (b.end, a.start))
    between = raw[max(0, lo - offset):max(0, hi - offset)]
    f = {"bias": 1.0, "subject first": float(a.start < b.start),
         "implicit subject": float(a.start == a.end),
         "implicit object": float(b.start == b.end),
         "clause break between": float(bool(CLAUSE_BREAK.search(between))),
         "loose mentions": float(a.loose + b.loose),
         "broader mentions": float(a.lifted + b.lifted),
         "entities in sentence": len(others) / 10}
    if a.lifted and (a.start, a.end) == (b.start, b.end) and not b.lifted:
        f["subject lifted from object"] = 1.0     # "IL-6" read as "Elevated IL-6" involves IL-6
    elif a.start <= b.start and b.end <= a.end:
        f["object inside subject"] = 1.0
    elif b.start <= a.start and a.end <= b.end:
        f["subject inside object"] = 1.0
    elif a.start < b.end and b.start < a.end:
        f["overlapping"] = 1.0
    else:
        f["words apart"] = len(re.findall(r"\w+", between)) / 10
        f["entities between"] = float(sum(1 for m in others if lo <= m.start and m.end <= hi))
    return f, between


def claim_features(a: Mention, rel: Relation, b: Mention, pair: dict[str, float], between: str,
                   cue_in_sentence: bool) -> dict[str, float]:
    """The pair's features (``pair_features``) with the relation's: which relation, its cue
    words between the mentions, in the names themselves ("CD22-targeted CAR") or elsewhere in
    the sentence, its object named inside its subject, a subject its definition does not
    name."""
    cue = bool(CUE_PATTERNS[rel.name].search(between))
    named = bool(CUE_PATTERNS[rel.name].search(f"{a.text} {b.text}"))
    f = {**pair, f"relation {rel.name}": 1.0, "cue between": float(cue),
         "cue in the names": float(named),
         f"cue between, {rel.name}": float(cue), "cue in sentence": float(cue_in_sentence),
         "subject outside definition": float(rel.name in DEFINED_SUBJECTS
                                             and a.category not in DEFINED_SUBJECTS[rel.name])}
    if "object inside subject" in pair and rel.name in PART_RELATIONS:
        f["object inside subject (part relation)"] = f.pop("object inside subject")
    return f


def confidence(features: dict[str, float]) -> float:
    """The model's probability for a claim with these features (WEIGHTS)."""
    z = sum(WEIGHTS.get(k, 0.0) * v for k, v in features.items())
    return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


def distinct_entities(mentions: list[Mention]) -> list[Mention]:
    """The first mention of each entity, in order."""
    distinct: dict[str, Mention] = {}
    for m in mentions:
        distinct.setdefault(m.iri, m)
    return list(distinct.values())


def nearest_pair(first: list[Mention], second: list[Mention]) -> tuple[Mention, Mention]:
    """The mention of each list that read together make the claim: exact before loose, then
    the closest, then the first before the second."""
    def gap(x: Mention, y: Mention) -> int:
        return max(0, max(x.start, y.start) - min(x.end, y.end))
    return min(((x, y) for x in first for y in second),
               key=lambda p: (p[0].loose + p[1].loose, gap(*p), p[0].start > p[1].start,
                              p[0].start))


def fitting_claims(mentions: list[Mention], raw: str, offset: int, relations: list[Relation],
                   prior: RelationPrior | None = None):
    """Every (subject, relation, object, features) the schema allows among the entities
    ``mentions`` of one sentence name: the relation's domain and range fit, kindOf within one
    category; each pair is read at its nearest mentions (``nearest_pair``); with the curated
    items' ``prior`` (kg.curation.prior) when given."""
    in_sentence = {rel.name: bool(CUE_PATTERNS[rel.name].search(raw)) for rel in relations}
    cites = float(bool(parse_refs(raw, None)))
    ents = distinct_entities(mentions)
    places: dict[str, list[Mention]] = {}
    for m in mentions:
        places.setdefault(m.iri, []).append(m)
    opening = min((m for m in mentions if m.start < m.end), key=lambda m: m.start, default=None)
    for a0 in ents:
        for b0 in ents:
            if a0.iri == b0.iri:
                continue
            a, b = nearest_pair(places[a0.iri], places[b0.iri])
            pair = None
            for rel in relations:
                if rel.domain and a.category not in rel.domain \
                        or rel.range and b.category not in rel.range \
                        or rel.name == "kindOf" and a.category != b.category:
                    continue
                if pair is None:
                    pair = pair_features(a, b, raw, offset, ents)
                    pair[0]["cites references"] = cites
                    pair[0]["subject opens the sentence"] = float(
                        opening is not None and a.iri == opening.iri)
                f = claim_features(a, rel, b, *pair, in_sentence[rel.name])
                if prior is not None:
                    f.update(prior.features(a.ident, rel.name, b.ident))
                yield a, rel, b, f


def broader_names(index: dict[str, dict]) -> dict[str, list[dict]]:
    """For each entity, the entities of another category one of whose names contains one of
    its names as whole words ("IL-6" → "Elevated IL-6", "CD19" → "Loss of CD19 expression"):
    the abstract findings a sentence naming only the gene, cell or measure may state."""
    def keys(rec: dict) -> set[str]:
        return {k for n in [rec["label"], *rec.get("synonyms", [])] if (k := lookup_key(n))}
    grams: dict[str, set[str]] = {}          # word n-gram of a name -> entities having it
    for iri, rec in index.items():
        for key in keys(rec):
            words = key.split()
            for i in range(len(words)):
                for j in range(i + 1, len(words) + 1):
                    if j - i < len(words):
                        grams.setdefault(" ".join(words[i:j]), set()).add(iri)
    out: dict[str, list[dict]] = {}
    for iri, rec in index.items():
        found = {p for key in keys(rec) for p in grams.get(key, ())
                 if p != iri and index[p]["category"] != rec["category"]}
        if found:
            out[iri] = [index[p] for p in sorted(found)]
    return out


def with_broader(mentions: list[Mention], broader: dict[str, list[dict]]) -> list[Mention]:
    """``mentions`` and, at the place of each exact mention of a gene or cell population
    (LIFT_FROM) whose name is contained in at most MAX_BROADER others, a ``lifted`` mention of
    each of those broader entities the sentence does not name itself."""
    named = {m.iri for m in mentions}
    out = list(mentions)
    for m in mentions:
        parents = broader.get(m.iri, ())
        if m.loose or m.category not in LIFT_FROM or len(parents) > MAX_BROADER:
            continue
        for rec in parents:
            if rec["iri"] not in named:
                named.add(rec["iri"])
                out.append(dataclasses.replace(m, iri=rec["iri"], label=rec["label"],
                                               category=rec["category"], name=rec["label"],
                                               loose=True, lifted=True))
    return out


def claim_mentions(mentions: list[Mention], broader: dict, study: dict | None,
                   at: int, raw: str = "", kinds: dict[str, set[str]] | None = None
                   ) -> list[Mention]:
    """What a sentence's claims may relate: its mentions and, in a review, the broader
    findings of its genes and cells (``with_broader``: a review's sentence summarises
    findings by the gene they concern), or in a primary study (``study``), which states its
    findings in full, its implicit intervention, topic outcome and mechanism
    (``with_intervention``, ``with_topic``, ``with_mechanism``; ``at``: the sentence start,
    ``raw`` its text); never the parts of another finding's words nor a class set beside its
    product (``own_mentions``; ``kinds``: entity id -> the ids it is a kind of)."""
    mentions = own_mentions(mentions, kinds or {})
    if study is None:
        return with_broader(mentions, broader)
    return with_mechanism(with_topic(with_disease(with_intervention(mentions, study, at, raw),
                                                  study, at, raw), study, at), study, at)


def own_mentions(mentions: list[Mention], kinds: dict[str, set[str]]) -> list[Mention]:
    """``mentions`` but an outcome named inside the words of a finding or strategy ("an
    earlier failure to respond to blinatumomab" is prior blinatumomab, not non-response) and a
    therapy class beside one of its products ("axicabtagene ciloleucel, an anti-CD19 CAR
    T-cell product": the product)."""
    products = {k for m in mentions if m.category == "therapy" for k in kinds.get(m.ident, ())}
    return [m for m in mentions
            if not (m.category == "therapy" and m.ident in products)
            and not (m.category == "outcome" and m.start < m.end and any(
                o.category in PARTS_OF for o in mentions
                if o.iri != m.iri and o.start <= m.start and m.end <= o.end
                and (o.start, o.end) != (m.start, m.end)))]


def _study_type(sentence: str, refs: list[str]) -> str:
    """The design a review sentence's words name (the same cues as the lints), else the
    review's own statement when nothing is cited, else mixed."""
    named, _ = suggest_study_type(sentence)
    return named or ("review statement" if not refs else "mixed")


def study_context(source: Source, text: str, tagger, index: dict[str, dict] | None = None
                  ) -> dict:
    """A primary study's design, population, diseases, intervention and (given the entity
    ``index``) topic outcome (``_topic``), read from its whole text; {} for a review (whose
    sentences each report other studies)."""
    if not source.primary:
        return {}
    design, words = study_design(text)
    mentions = tagger.tag(text)
    diseases = [m.ident for m in distinct_entities(mentions)
                if m.category == "disease"]
    therapies = [m for m in mentions if m.category == "therapy"] or _scope_therapy(mentions,
                                                                                    tagger)
    counts = {m.iri: sum(t.iri == m.iri for t in therapies) for m in therapies}
    treated = max(therapies, key=lambda m: counts[m.iri], default=None)  # first of the most named
    return {k: v for k, v in (("study_type", design), ("design_words", words),
                              ("population", population(text)), ("disease", diseases),
                              ("intervention", treated and treated.ident))
            if v} | ({"_intervention": treated} if treated else {}) \
        | ({"_topic": topic} if (topic := _topic(mentions, index or {})) else {}) \
        | ({"_disease": disease} if (disease := _most_named(mentions, "disease")) else {}) \
        | ({"_mechanism": mech, "_index": index or {}}
           if (mech := _most_named(mentions, "mechanism")) else {})


def _scope_therapy(mentions: list[Mention], tagger) -> list[Mention]:
    """An abstract naming no therapy but the CAR T cells it gave: within cartkg's scope
    (CD19-directed immunotherapy) they are the CD19-directed CAR-T cell therapy."""
    given = [m for m in mentions if m.category == "cell-population"
             and lookup_key(m.label) == lookup_key(SCOPE_CELLS)]
    therapy = next((m for m in tagger.tag(SCOPE_THERAPY) if m.category == "therapy"), None)
    if not given or therapy is None:
        return []
    return [dataclasses.replace(m, iri=therapy.iri, label=therapy.label, category="therapy",
                                name=m.name) for m in given]


def with_topic(mentions: list[Mention], study: dict | None, at: int) -> list[Mention]:
    """A primary study's sentence naming a mechanism but no outcome may explain the outcome
    the abstract is about (``study["_topic"]``): an implicit, zero-width mention of it at the
    sentence start (``at``) is added."""
    topic = (study or {}).get("_topic")
    if topic is None or any(m.category == "outcome" for m in mentions) \
            or not any(m.category == "mechanism" for m in mentions):
        return mentions
    return [*mentions, dataclasses.replace(topic, start=at, end=at, text="")]


def with_mechanism(mentions: list[Mention], study: dict | None, at: int) -> list[Mention]:
    """A primary study's sentence naming a strategy or a resistance outcome (TOPIC_TYPES) but
    no mechanism or biomarker may be about the mechanism the abstract studies
    (``study["_mechanism"]``: "Cooperative killing and combinatorial targeting counteracted
    these effects", "Defects in this pathway may thus cause CART19 to fail"): an implicit,
    zero-width mention of it at the sentence start (``at``) is added."""
    mechanism = (study or {}).get("_mechanism")
    index = (study or {}).get("_index", {})
    if mechanism is None or any(m.category in ("mechanism", "biomarker") for m in mentions) \
            or not any(m.category == "strategy" and m.start < m.end
                       or index.get(m.iri, {}).get("type") in TOPIC_TYPES for m in mentions):
        return mentions
    return [dataclasses.replace(mechanism, start=at, end=at, text=""), *mentions]


def kinds_of(cur: Curation) -> dict[str, set[str]]:
    """Entity id -> every entity it is a kind of (``kind_of``, transitively)."""
    def up(ident: str, seen: set[str]) -> set[str]:
        for parent in cur.entities[ident].kind_of if ident in cur.entities else ():
            if parent not in seen:
                seen.add(parent)
                up(parent, seen)
        return seen
    return {ident: up(ident, set()) for ident in cur.entities}


def _most_named(mentions: list[Mention], category: str) -> Mention | None:
    """The entity of ``category`` the text names most often (the first of those named as
    often); None when it names none."""
    counts = Counter(m.iri for m in mentions if m.category == category)
    return max((m for m in mentions if m.iri in counts), key=lambda m: counts[m.iri],
               default=None)


def _topic(mentions: list[Mention], index: dict[str, dict]) -> Mention | None:
    """The specific resistance outcome (TOPIC_TYPES, not a generic word) the text names most
    often, the first of those named as often; None when it names none."""
    named = [m for m in mentions if index.get(m.iri, {}).get("type") in TOPIC_TYPES
             and not is_generic(m.label)]
    counts = Counter(m.iri for m in named)
    return max(named, key=lambda m: counts[m.iri], default=None)


def with_intervention(mentions: list[Mention], study: dict | None, at: int,
                      raw: str = "") -> list[Mention]:
    """A primary study's sentence reporting an outcome, or patients with a disease being
    treated (TREATED), without naming what was given ("All 7 patients reached complete
    remission", "53 adults with relapsed B-ALL were infused with their own engineered T
    cells") is about the study's intervention: an implicit, zero-width mention of it at the
    sentence start (``at``) is added."""
    treated = (study or {}).get("_intervention")
    reports = any(m.category == "outcome" for m in mentions) \
        or any(m.category == "disease" for m in mentions) and TREATED.search(raw)
    if treated is None or not reports \
            or any(m.category in ("therapy", "strategy") for m in mentions):
        return mentions
    return [dataclasses.replace(treated, start=at, end=at, text=""), *mentions]


def with_disease(mentions: list[Mention], study: dict | None, at: int,
                 raw: str = "") -> list[Mention]:
    """A primary study's sentence saying patients were given a therapy it names (TREATED)
    without naming their disease ("In 143 patients treated with tisagenlecleucel") is about
    the disease the abstract names most (``study["_disease"]``): an implicit, zero-width
    mention of it at the sentence start (``at``) is added."""
    disease = (study or {}).get("_disease")
    if disease is None or not TREATED.search(raw) \
            or any(m.category == "disease" for m in mentions) \
            or not any(m.category in ("therapy", "strategy") and m.start < m.end
                       for m in mentions):
        return mentions
    return [*mentions, dataclasses.replace(disease, start=at, end=at, text="")]


def sentence_mentions(raw: str, offset: int, tagger, index: dict[str, dict]) -> list[Mention]:
    """The entities the sentence ``raw`` (at ``offset`` in the text) names: the tagger's exact
    mentions, the genes named inside them, its loose mentions but those whose first and last
    words exact ones hold, and the generic words the sentence's context resolves
    (kg.curation.surface)."""
    exact = tagger.tag(raw)
    loose = [m for m in tagger.tag_loose(raw, exclude={m.iri for m in exact})
             if not (_covered(m.start, exact) and _covered(m.end - 1, exact))]
    exact += inner_mentions(tagger, exact)
    return resolved_mentions(raw, [dataclasses.replace(m, start=m.start + offset,
                                                       end=m.end + offset)
                                   for m in exact + loose], index, offset)


def _covered(at: int, mentions: list[Mention]) -> bool:
    """Whether character ``at`` lies inside one of ``mentions``: a loose mention whose first
    and last words both belong to exact mentions takes words already spoken for."""
    return any(m.start <= at < m.end for m in mentions)


def _candidates_in(sentence: Sentence, text: str, mentions: list[Mention],
                   relations: list[Relation], reference_count: int | None,
                   study: dict | None = None, per_sentence: int | None = PER_SENTENCE,
                   prior: RelationPrior | None = None, said: set | None = None
                   ) -> list[Candidate]:
    """The likeliest claims of one sentence (at most ``per_sentence``), each with the
    negation, certainty and figures in its own scope (kg.curation.scope). ``study``: the
    design of a primary study (``study_context``), or None for a review. ``said``: the
    claims whose object the subject's own name holds ("CD19 gene mutation involves CD19")
    already offered in an earlier sentence of a primary study, not offered again (and this
    sentence's added)."""
    raw = text[sentence.start:sentence.end]
    ents = distinct_entities(mentions)
    if len(ents) < 2:
        return []
    primary = study is not None
    refs = [] if primary else parse_refs(raw, reference_count)
    statistics = parse_statistics(raw)
    at = [raw.find(s["text"]) for s in statistics]
    segs = segments(raw)
    hedge, cue = suggest_certainty(raw)
    if primary:
        context: dict = {"study_type": sentence_study_type(raw, study.get("study_type"))}
        if study.get("population"):
            context["population"] = study["population"]
    else:
        context = {"study_type": _study_type(raw, refs)}
    for m in ents:
        if m.category in CONTEXT_ROLES:
            context.setdefault(CONTEXT_ROLES[m.category], []).append(m.ident)
    if primary and "disease" not in context and study.get("disease"):
        context["disease"] = list(study["disease"])
    if primary and "product" in context and study.get("intervention") in context["product"]:
        context["product"] = [study["intervention"]]
    best: dict[frozenset, tuple] = {}    # one claim per pair: its likeliest relation and direction
    for a, rel, b, features in fitting_claims(mentions, raw, sentence.start, relations, prior):
        part = "object inside subject (part relation)" in features
        if part and said is not None and (a.iri, rel.name, b.iri) in said:
            continue                     # "CD19 mutation involves CD19" is offered once
        score = confidence(features)
        pair = frozenset((a.iri, b.iri))
        if pair not in best or score > best[pair][0]:
            best[pair] = (score, a, rel, b, part)
    scored = sorted(best.values(), key=lambda x: -x[0])
    scored = scored[:1] + [x for x in scored[1:] if x[0] >= MIN_CONFIDENCE]
    out = []
    for score, a, rel, b, part in scored[:per_sentence]:
        if part and said is not None:
            said.add((a.iri, rel.name, b.iri))
        x = (a.start - sentence.start, a.end - sentence.start)
        y = (b.start - sentence.start, b.end - sentence.start)
        certainty = certainty_between(raw, x, y, segs)
        note = f"the hedge {cue!r} qualifies another clause of the sentence" \
            if certainty == "stated" and hedge != "stated" else ""
        out.append(Candidate(
            quote=normalise_whitespace(raw), start=sentence.start, end=sentence.end,
            subject=a, predicate=rel, object=b, refs=refs,
            statistics=[{k: v for k, v in st.items()}
                        for st in figures_for(statistics, at, x, y, segs)],
            negated=negated_between(raw, x, y, segs), certainty=certainty, certainty_note=note,
            section=sentence.section, confidence=round(score, 3), context=context,
            level="primary-study" if primary or refs else "review-statement"))
    return out


def _new_entities(text: str, known_spans: list[tuple[int, int]]) -> list[dict]:
    """Gene-like tokens and drug names no entity covers, that occur at least twice."""
    covered = bytearray(len(text))
    for a, b in known_spans:
        covered[a:b] = b"\x01" * (b - a)
    counts: dict[str, dict] = {}
    for kind, pattern in (("gene-like", GENE_LIKE), ("drug name", DRUG_LIKE)):
        for m in pattern.finditer(text):
            if any(covered[m.start():m.end()]):
                continue
            rec = counts.setdefault(m.group(), {"text": m.group(), "kind": kind,
                                                "occurrences": 0, "first": m.start()})
            rec["occurrences"] += 1
    return sorted((r for r in counts.values() if r["occurrences"] >= 2),
                  key=lambda r: (-r["occurrences"], r["first"]))


def _existing(cur: Curation, source: Source, text: str) -> dict[tuple, list[tuple[int, int, str]]]:
    """The source's curated items by (subject, relation, object): where each quotes, its id."""
    flat = normalised_with_offsets(text)
    out: dict[tuple, list[tuple[int, int, str]]] = {}
    for ev in cur.evidence:
        if ev.source != source.id:
            continue
        span = locate(text, ev.quote, flat)
        if span:
            out.setdefault((ev.subject, ev.predicate, ev.object), []).append((*span, ev.id))
            out.setdefault((ev.subject, "*", ev.object), []).append((*span, ev.id))
    return out


def _typed_studies(cur: Curation, source: Source) -> dict[str, str]:
    """Reference number -> the study type the curated items give the one study it cites (the
    patients' part), so a candidate types that study the same way (RULEBOOK R4)."""
    counts: dict[str, Counter] = {}
    for ev in cur.evidence:
        if ev.source == source.id and ev.level == "primary-study" and len(ev.refs) == 1 \
                and ev.study_type not in UNTYPED + PRECLINICAL_TYPES:
            counts.setdefault(ev.refs[0], Counter())[ev.study_type] += 1
    return {ref: c.most_common(1)[0][0] for ref, c in counts.items()}


def _house_rules(c: "Candidate", source: Source, typed: dict[str, str]) -> None:
    """A review candidate takes its source's disease scope when its section is in it, and the
    study type its one cited study already has (RULEBOOK R4, R5)."""
    lab = c.context.get("study_type") in PRECLINICAL_TYPES
    context = dict(c.context)
    if len(c.refs) == 1 and c.refs[0] in typed and not lab:
        context["study_type"] = typed[c.refs[0]]
    scope = source.disease_scope
    if scope and "disease" not in context and not lab and c.predicate.name not in STRUCTURAL \
            and section_kind(c.section, source.sections) in scope["kinds"]:
        context["disease"] = list(scope["disease"])
    c.context = context


def suggest(paths: ProjectPaths, source: str, make_tagger: Callable[[dict], Any],
            section: str | None = None, cur: Curation | None = None,
            per_sentence: int | None = PER_SENTENCE, learned: Learned | None = None
            ) -> Suggestions:
    """Candidate evidence items for registered source ``source`` (DOI, PMID or id), only in
    sections whose title contains ``section`` when given, at most ``per_sentence`` per
    sentence (None: all); ``make_tagger`` builds the tagger from an entity index
    (``Tagger.from_index``). What curators taught on the review page (``learned``, by default
    the project's kg.curation.learned file) adds names and drops rejected candidates."""
    cur = cur or load_curation(paths)
    src = find_source(cur, source)
    text = read_text(src)
    learned = load_learned(paths) if learned is None else learned
    rejected = learned.rejected_keys()
    index = with_abbreviations(entity_index(cur, paths, learned), text)
    tagger, broader = make_tagger(index), broader_names(index)
    study = study_context(src, text, tagger, index) if src.primary else None
    relations = [r for r in load_schema(paths.ontology).relations.values()
                 if r.name != "conflictsWith"]
    sentences = with_sections(text, split_sentences(text), src.sections)
    if section is not None:
        wanted = section.strip().lower()
        kept = [s for s in sentences if wanted and wanted in s.section.lower()]
        if not kept:
            titles = sorted({s.section for s in sentences if s.section})
            raise CurationInput(f"section {section!r} is not in {src.id} (sections: "
                                f"{'; '.join(titles) or 'none registered'})")
        sentences = kept
    existing = _existing(cur, src, text)
    prior = relation_prior(cur, exclude=(src.id,)) if src.primary else None
    kinds = kinds_of(cur)
    said: set | None = set() if src.primary else None
    typed = {} if src.primary else _typed_studies(cur, src)
    tagged, candidates, spans, seen = [], [], [], set()
    for s in sentences:
        mentions = sentence_mentions(text[s.start:s.end], s.start, tagger, index)
        if src.primary:                  # "these cells": what an earlier sentence named
            mentions = with_antecedents(mentions, text[s.start:s.end], s.start,
                                        [ms for _, ms in tagged[-ANTECEDENT_SENTENCES:]])
        spans += [(m.start, m.end) for m in mentions if not m.loose]
        tagged.append((s, mentions))
        for c in _candidates_in(s, text, claim_mentions(mentions, broader, study, s.start,
                                                        text[s.start:s.end], kinds),
                                relations, src.reference_count, study, per_sentence, prior,
                                said):
            triple = (c.subject.ident, c.object.ident)
            claim = (triple, c.predicate.name, c.quote)
            if claim in seen or (src.id, c.quote, triple[0], c.predicate.name, triple[1]) \
                    in rejected:    # a repeated line (a table cell) is one piece of evidence
                continue
            seen.add(claim)
            c.duplicate_of = next((ident for key in ((triple[0], c.predicate.name, triple[1]),
                                                     (triple[0], "*", triple[1]))
                                   for a, b, ident in existing.get(key, ())
                                   if a < c.end and c.start < b), None)
            if not src.primary:
                _house_rules(c, src, typed)
            candidates.append(c)
    candidates.sort(key=lambda c: (c.duplicate_of is not None, -c.confidence, c.start))
    _one_claim_per_figure(candidates, {e.quote for e in cur.evidence if e.statistics})
    choices = {"entities": sorted(({"id": r["iri"].rsplit("/", 1)[-1], "label": r["label"],
                                    "category": r["category"]} for r in index.values()),
                                  key=lambda e: e["label"].lower()),
               "relations": [{"id": r.name, "label": r.label} for r in relations]}
    return Suggestions(src, text, candidates, tagged, _new_entities(text, spans),
                       {k: v for k, v in (study or {}).items() if not k.startswith("_")},
                       choices)


def _one_claim_per_figure(candidates: list[Candidate], quotes_with_figures: set[str]) -> None:
    """A figure measures one claim: it stays on the candidate of its sentence that carries it
    and ranks first by ``_figure_rank`` then confidence ("10 of 16 patients treated with CAR T
    cells had low CD19" counts the finding; "We treated 7 patients with MLL-rearranged ..." the
    treated, not the gene's involvement; "complete remission in all 5 patients with CD19-dim
    leukaemia" the remission), and on others about the same subject, and is taken off the rest,
    and off every candidate whose quote a curated item already carries figures for (the
    shared-statistic lint's rule)."""
    owner: dict[tuple[str, str], tuple] = {}
    carrying = [c for c in candidates if c.statistics and not c.duplicate_of]
    for c in carrying:
        if c.quote in quotes_with_figures:
            c.statistics = []
    for rank, c in enumerate(carrying):                 # candidates come by confidence
        for st in c.statistics:
            key, mine = (c.quote, st["text"]), (_figure_rank(c, st), rank, c.subject.iri)
            owner[key] = min(owner.get(key, mine), mine)
    for c in carrying:
        c.statistics = [st for st in c.statistics
                        if owner[(c.quote, st["text"])][2] == c.subject.iri]


def _figure_rank(c: Candidate, figure: dict) -> float:
    """The order in which the claims of a sentence take one of its figures: a finding (0), a
    count or rate of patients first on what they reached or developed (OUTCOME_RELATIONS)
    before another finding (0.5), then what the study did (treats, evaluatedIn: 1), then a
    structural claim (2)."""
    name = c.predicate.name
    if name in STRUCTURAL:
        return 2
    if name in STUDY_RELATIONS:
        return 1
    return 0.5 if figure["measure"] in COUNTS and name not in OUTCOME_RELATIONS else 0


TSV_MENTIONS = ("subject_text", "object_text", "suggested_subject", "suggested_object")


def candidate_row(source: str, c: Candidate) -> list:
    """One candidate as a row of ``to_tsv`` (TSV_COLUMNS, TSV_EXTRA, confidence, TSV_MENTIONS)."""
    context = [f"{k}={v}" for k, vals in c.context.items()
               for v in (vals if isinstance(vals, list) else [vals])]
    subject, obj = (m.ident for m in (c.subject, c.object))
    return [source, subject, c.predicate.name, obj, c.quote, ",".join(c.refs),
            ";".join(spec for s in c.statistics for spec in statistic_spec(s)),
            ";".join(context), c.section, c.level, "true" if c.negated else "false",
            c.certainty, c.certainty_note, c.confidence, c.subject.text, c.object.text, subject,
            obj]


def to_tsv(result: Suggestions) -> str:
    """The candidates that duplicate nothing, as rows ``cartkg curate import`` accepts."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(TSV_COLUMNS + TSV_EXTRA + ("confidence",) + TSV_MENTIONS)
    for c in result.candidates:
        if not c.duplicate_of:
            writer.writerow(candidate_row(result.source.doi or result.source.id, c))
    return out.getvalue()
