"""The curation assistant (``cartkg curate suggest``): candidate evidence items from a
registered source's text, for a curator to accept, correct or reject.

Each sentence (syntok, exact spans) is tagged with the shared dictionary tagger, and each name
is also read as the broader entities whose names contain it (``with_broader``); every claim
whose subject and object fit a relation's domain and range is scored by a logistic model of
its features (``claim_features``, ``WEIGHTS``), and each pair of entities keeps its likeliest
claim, with that probability as ``confidence``; ``negated`` and ``certainty`` come from the
negation and hedge cues (kg.curation.cues), references and statistics from the sentence's own
words (kg.curation.numbers). A candidate whose triple an existing item of the source states from
an overlapping quote is marked ``duplicate_of``; the rest are ranked by ``confidence``.

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
import io
import math
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from kg.curation.cues import negation_cues, suggest_certainty, suggest_study_type
from kg.curation.numbers import parse_refs, parse_statistics, statistic_spec
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
    "leadsTo": r"lead|led to|result|cause|responsible|relapse|failure|resist|escape",
    "addresses": r"overcom|address|prevent|counter|solution|reduc|strateg|avoid|combat|"
                 r"mitigat|rescue|restor|revers",
    "improves": r"improv|enhanc|increas|boost|augment|better|prolong",
    "indicates": r"indicat|sign of|reflect|marker|suggest|detect",
    "contributesTo": r"contribut|driv|promot|mediat|induc|involved in|role in|underl",
    "involves": r"mutat|express|loss|gene|delet|splic|variant|alter|downregul|upregul|"
                r"exon|epitope",
    "involvesCells": r"macrophag|lymphocyt|memory|naive|subset|populat|phenotyp|CD4|CD8",
    "targets": r"target|directed|anti-|against|bispecific|dual",
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
# Claims less likely than this are not proposed (on xu2023 they hold 3% of the right ones),
# but for the likeliest of their sentence, so every sentence relating two entities is shown.
MIN_CONFIDENCE = 0.02
# A name contained in more entity names than this (CD19, T cells) says too little to propose them.
MAX_BROADER = 10
# Relations whose object is often named inside the subject's own name ("loss of CD19").
PART_RELATIONS = ("involves", "involvesCells", "targets", "usesTherapy")
# The weights of a logistic model of "a curator would state this claim", one per feature of
# ``claim_features``; fitted on xu2023's accepted items by benchmarks/fit_suggest.py (which
# prints this table), so the figures for jacoby2019 are held out. A candidate's confidence is
# the model's probability.
WEIGHTS = {"bias": -2.37,
           "broader mentions": -1.66,
           "cites references": 0.26,
           "clause break between": -0.9,
           "cue between": 0.58,
           "cue between, achieves": -0.33,
           "cue between, addresses": 1.46,
           "cue between, contributesTo": 0.49,
           "cue between, evaluatedIn": 0.0,
           "cue between, improves": -0.02,
           "cue between, indicates": 0.2,
           "cue between, involves": -0.46,
           "cue between, involvesCells": 0.35,
           "cue between, kindOf": -0.26,
           "cue between, leadsTo": 0.58,
           "cue between, predicts": -0.35,
           "cue between, targets": 0.34,
           "cue between, treats": -0.5,
           "cue between, usesTherapy": -0.93,
           "cue in sentence": 0.48,
           "entities between": -0.02,
           "entities in sentence": -0.65,
           "loose mentions": -0.57,
           "object inside subject": 0.17,
           "object inside subject (part relation)": 0.86,
           "overlapping": -0.11,
           "relation achieves": -1.07,
           "relation addresses": 1.26,
           "relation contributesTo": -0.88,
           "relation evaluatedIn": 0.49,
           "relation improves": -1.91,
           "relation indicates": 0.3,
           "relation involves": 0.86,
           "relation involvesCells": -0.37,
           "relation kindOf": -1.54,
           "relation leadsTo": -0.26,
           "relation predicts": 2.04,
           "relation targets": -0.6,
           "relation treats": 1.14,
           "relation usesTherapy": 0.54,
           "subject first": 0.66,
           "subject inside object": -0.8,
           "subject lifted from object": 0.65,
           "subject outside definition": -3.35,
           "words apart": -0.08}
CONTEXT_ROLES = {"disease": "disease", "therapy": "product", "trial": "trial"}
GENE_LIKE = re.compile(r"(?<![\w-])(?:[A-Z][A-Z0-9]{1,6}[0-9][A-Z0-9]*|[A-Z]{2,}[0-9]+[a-z]?"
                       r"|[a-z]{2,}[0-9]+)(?![\w-])")
DRUG_LIKE = re.compile(r"(?<![\w-])[A-Za-z]{4,}(?:mab|nib|cel|leucel|lisib|mide|platin|"
                       r"rubicin|stat)(?![\w-])")
Mention = Any            # kg.answers.tagger.Mention: start, end, text, iri, label, category, name
TSV_EXTRA = ("statistics", "context", "section", "level", "negated", "certainty")


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

    def as_json(self) -> dict:
        def ent(m: Mention) -> dict:
            return {"label": m.label, "iri": m.iri, "id": m.iri.rsplit("/", 1)[-1],
                    "category": m.category, "text": m.text}
        return {"quote": self.quote, "start": self.start, "end": self.end,
                "subject": ent(self.subject),
                "predicate": {"label": self.predicate.label, "name": self.predicate.name},
                "object": ent(self.object), "refs": self.refs,
                "statistics": self.statistics, "negated": self.negated,
                "certainty": self.certainty, "section": self.section,
                "confidence": self.confidence, "context": self.context,
                "duplicate_of": self.duplicate_of}


@dataclass
class Suggestions:
    source: Source
    text: str
    candidates: list[Candidate]
    sentences: list[tuple[Sentence, list[Mention]]]
    new_entities: list[dict]

    @property
    def normalised_text(self) -> str:
        return normalise_whitespace(self.text)

    def as_json(self) -> dict:
        return {"source": self.source.doi or self.source.id, "id": self.source.id,
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


def entity_index(cur: Curation, paths: ProjectPaths) -> dict[str, dict]:
    """The curation's entities as the records the tagger reads (no built store needed)."""
    schema = load_schema(paths.ontology)
    return {e.iri: {"label": e.label, "iri": str(e.iri), "synonyms": e.synonyms,
                    "category": schema.category_of(e.type) or "other"}
            for e in cur.entities.values()}


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
    words between the mentions or elsewhere in the sentence, its object named inside its
    subject, a subject its definition does not name."""
    cue = bool(CUE_PATTERNS[rel.name].search(between))
    f = {**pair, f"relation {rel.name}": 1.0, "cue between": float(cue),
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


def fitting_claims(ents: list[Mention], raw: str, offset: int, relations: list[Relation]):
    """Every (subject, relation, object, features) the schema allows among the distinct
    entities ``ents`` of one sentence: the relation's domain and range fit, kindOf within one
    category."""
    in_sentence = {rel.name: bool(CUE_PATTERNS[rel.name].search(raw)) for rel in relations}
    cites = float(bool(parse_refs(raw, None)))
    for a in ents:
        for b in ents:
            if a.iri == b.iri:
                continue
            pair = None
            for rel in relations:
                if rel.domain and a.category not in rel.domain \
                        or rel.range and b.category not in rel.range \
                        or rel.name == "kindOf" and a.category != b.category:
                    continue
                if pair is None:
                    pair = pair_features(a, b, raw, offset, ents)
                    pair[0]["cites references"] = cites
                yield a, rel, b, claim_features(a, rel, b, *pair, in_sentence[rel.name])


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
    """``mentions`` and, at the place of each exact mention of a name contained in at most
    MAX_BROADER others, a ``lifted`` mention of each of those broader entities the sentence
    does not name itself."""
    named = {m.iri for m in mentions}
    out = list(mentions)
    for m in mentions:
        parents = broader.get(m.iri, ())
        if m.loose or len(parents) > MAX_BROADER:
            continue
        for rec in parents:
            if rec["iri"] not in named:
                named.add(rec["iri"])
                out.append(dataclasses.replace(m, iri=rec["iri"], label=rec["label"],
                                               category=rec["category"], name=rec["label"],
                                               loose=True, lifted=True))
    return out


def _study_type(sentence: str, refs: list[str]) -> str:
    """The design the sentence's words name (the same cues as the lints), else a review's own
    statement when nothing is cited, else mixed."""
    named, _ = suggest_study_type(sentence)
    return named or ("review statement" if not refs else "mixed")


def _candidates_in(sentence: Sentence, text: str, mentions: list[Mention],
                   relations: list[Relation], reference_count: int | None,
                   ) -> list[Candidate]:
    raw = text[sentence.start:sentence.end]
    ents = distinct_entities(mentions)
    if len(ents) < 2:
        return []
    refs = parse_refs(raw, reference_count)
    statistics = parse_statistics(raw)
    negated = bool(negation_cues(raw))
    certainty = suggest_certainty(raw)[0]
    context: dict = {"study_type": _study_type(raw, refs)}
    for m in ents:
        if m.category in CONTEXT_ROLES:
            context.setdefault(CONTEXT_ROLES[m.category], []).append(m.iri.rsplit("/", 1)[-1])
    best: dict[frozenset, tuple] = {}    # one claim per pair: its likeliest relation and direction
    for a, rel, b, features in fitting_claims(ents, raw, sentence.start, relations):
        score = confidence(features)
        pair = frozenset((a.iri, b.iri))
        if pair not in best or score > best[pair][0]:
            best[pair] = (score, a, rel, b)
    scored = sorted(best.values(), key=lambda x: -x[0])
    scored = scored[:1] + [x for x in scored[1:] if x[0] >= MIN_CONFIDENCE]
    out = []
    for score, a, rel, b in scored:
        out.append(Candidate(
            quote=normalise_whitespace(raw), start=sentence.start, end=sentence.end,
            subject=a, predicate=rel, object=b, refs=refs,
            statistics=[dict(s) for s in statistics], negated=negated, certainty=certainty,
            section=sentence.section, confidence=round(score, 3), context=context))
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
    return out


def suggest(paths: ProjectPaths, source: str, make_tagger: Callable[[dict], Any],
            section: str | None = None, cur: Curation | None = None) -> Suggestions:
    """Candidate evidence items for registered source ``source`` (DOI, PMID or id), only in
    sections whose title contains ``section`` when given; ``make_tagger`` builds the tagger
    from an entity index (``Tagger.from_index``)."""
    cur = cur or load_curation(paths)
    src = find_source(cur, source)
    text = read_text(src)
    index = entity_index(cur, paths)
    tagger, broader = make_tagger(index), broader_names(index)
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
    tagged, candidates, spans, seen = [], [], [], set()
    for s in sentences:
        raw = text[s.start:s.end]
        exact = tagger.tag(raw)
        spans += [(m.start + s.start, m.end + s.start) for m in exact]
        loose = tagger.tag_loose(raw, exclude={m.iri for m in exact})
        mentions = [dataclasses.replace(m, start=m.start + s.start, end=m.end + s.start)
                    for m in exact + loose]
        tagged.append((s, mentions))
        for c in _candidates_in(s, text, with_broader(mentions, broader), relations,
                                src.reference_count):
            triple = tuple(x.rsplit("/", 1)[-1] for x in (c.subject.iri, c.object.iri))
            claim = (triple, c.predicate.name, c.quote)
            if claim in seen:       # a repeated line (a table cell) is one piece of evidence
                continue
            seen.add(claim)
            c.duplicate_of = next((ident for a, b, ident in
                                   existing.get((triple[0], c.predicate.name, triple[1]), ())
                                   if a < c.end and c.start < b), None)
            candidates.append(c)
    candidates.sort(key=lambda c: (c.duplicate_of is not None, -c.confidence, c.start))
    _one_claim_per_figure(candidates, {e.quote for e in cur.evidence if e.statistics})
    return Suggestions(src, text, candidates, tagged, _new_entities(text, spans))


def _one_claim_per_figure(candidates: list[Candidate], quotes_with_figures: set[str]) -> None:
    """A sentence's figures measure one claim: they stay on its best-ranked candidate (and
    others about the same subject) and are taken off the rest, and off every candidate whose
    quote a curated item already carries figures for (the shared-statistic lint's rule)."""
    owner: dict[str, str] = {}
    for c in candidates:
        if not c.statistics or c.duplicate_of:
            continue
        first = owner.setdefault(c.quote, c.subject.iri)
        if c.quote in quotes_with_figures or c.subject.iri != first:
            c.statistics = []


def to_tsv(result: Suggestions) -> str:
    """The candidates that duplicate nothing, as rows ``cartkg curate import`` accepts."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(TSV_COLUMNS + TSV_EXTRA + ("confidence",))
    for c in result.candidates:
        if c.duplicate_of:
            continue
        context = [f"{k}={v}" for k, vals in c.context.items()
                   for v in (vals if isinstance(vals, list) else [vals])]
        writer.writerow([result.source.doi or result.source.id, c.subject.iri.rsplit("/", 1)[-1],
                         c.predicate.name, c.object.iri.rsplit("/", 1)[-1], c.quote,
                         ",".join(c.refs),
                         ";".join(spec for s in c.statistics for spec in statistic_spec(s)),
                         ";".join(context), c.section,
                         "primary-study" if c.refs else "review-statement",
                         "true" if c.negated else "false", c.certainty, c.confidence])
    return out.getvalue()
