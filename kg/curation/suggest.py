"""The curation assistant (``cartkg curate suggest``): candidate evidence items from a
registered source's text, for a curator to accept, correct or reject.

Each sentence (syntok, exact spans) is tagged with the shared dictionary tagger; every pair of
mentioned entities whose categories fit a relation becomes a candidate, the relation chosen by
the relation's cue words in the sentence; ``negated`` and ``certainty`` come from the
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
import re
from dataclasses import dataclass, field
from typing import Any, Callable

from kg.curation.cues import negation_cues, suggest_certainty
from kg.curation.numbers import parse_refs, parse_statistics, statistic_spec
from kg.curation.schema import Relation, load_schema
from kg.curation.sentences import Sentence, locate, normalised_with_offsets, split_sentences, \
    with_sections
from kg.curation.sources import Curation, Source, load_curation
from kg.curation.write import TSV_COLUMNS, CurationInput
from kg.paths import ProjectPaths, project_paths  # noqa: F401
from kg.text import normalise_whitespace

# Words that signal a relation (matched case-insensitively at word starts anywhere in the
# sentence), and how likely the relation is for a fitting pair when no cue is present.
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
# How likely a relation is for a pair whose categories fit it, before any cue: narrow
# domain-and-range relations first, open-domain ones (any subject) lower, kindOf only with a cue.
PRIOR = {"predicts": 0.5, "leadsTo": 0.4, "addresses": 0.45, "improves": 0.3,
         "indicates": 0.3, "contributesTo": 0.2, "involves": 0.3, "involvesCells": 0.2,
         "targets": 0.3, "usesTherapy": 0.35, "evaluatedIn": 0.45, "achieves": 0.3,
         "treats": 0.35, "kindOf": 0.0}
CUE_BETWEEN, CUE_IN_SENTENCE, SUBJECT_FIRST = 0.25, 0.1, 0.1
OVERLAP_PENALTY, RANK_PENALTY = 0.1, 0.04
# relations whose object is often named inside the subject's own name
PART_RELATIONS, PART_BONUS = ("involves", "involvesCells", "targets", "usesTherapy"), 0.2   # rank: place among the sentence's candidates
MIN_SCORE = 0.0        # pairs scoring below this (kindOf without a cue, found loosely) are dropped
LOOSE_PENALTY = 0.1     # per mention found by its words rather than its name
CONTEXT_ROLES = {"disease": "disease", "therapy": "product", "trial": "trial"}
STUDY_TYPE_CUES = (("preclinical animal model", r"\bmice\b|\bmouse\b|murine|xenograft"),
                   ("in vitro", r"in vitro|cell lines?\b"),
                   ("retrospective cohort", r"retrospective"),
                   ("prospective cohort", r"prospective"),
                   ("case report", r"case report|a patient\b"),
                   ("clinical trial", r"\btrial\b|phase (?:1|2|I|II)\b"))
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


def _relation_for(a: Mention, b: Mention, raw: str, offset: int, relations: list[Relation],
                  cues: dict[str, re.Pattern]) -> tuple[Relation, float] | None:
    """The best relation with ``a`` as subject and ``b`` as object, and its score: the
    relation's prior, raised by its cue words in the sentence (more between the two mentions),
    and when the subject comes first (active voice)."""
    lo, hi = sorted((a.end, b.start) if a.start < b.start else (b.end, a.start))
    between = raw[max(0, lo - offset):max(0, hi - offset)]
    best = None
    for rel in relations:
        if rel.domain and a.category not in rel.domain or rel.range and b.category not in rel.range:
            continue
        if rel.name == "kindOf" and a.category != b.category:
            continue
        score = PRIOR[rel.name]
        if cues[rel.name].search(between):
            score += CUE_BETWEEN
        elif cues[rel.name].search(raw):
            score += CUE_IN_SENTENCE
        if best is None or score > best[1]:
            best = (rel, score)
    if best and a.start < b.start:
        best = (best[0], best[1] + SUBJECT_FIRST)
    return best


def _study_type(sentence: str, refs: list[str]) -> str:
    for name, pattern in STUDY_TYPE_CUES:
        if re.search(pattern, sentence, re.I):
            return name
    return "review statement" if not refs else "mixed"


def _candidates_in(sentence: Sentence, text: str, mentions: list[Mention],
                   relations: list[Relation], reference_count: int | None,
                   loose: set[str]) -> list[Candidate]:
    raw = text[sentence.start:sentence.end]
    distinct = {}
    for m in mentions:
        distinct.setdefault(m.iri, m)
    ents = list(distinct.values())
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
    scored = []
    for a in ents:
        for b in ents:
            if a.iri == b.iri:
                continue
            found = _relation_for(a, b, raw, sentence.start, relations, CUE_PATTERNS)
            if found is None:
                continue
            rel, score = found
            score -= LOOSE_PENALTY * ((a.iri in loose) + (b.iri in loose))
            if a.start <= b.start and b.end <= a.end and rel.name in PART_RELATIONS:
                score += PART_BONUS            # "loss of CD19" involves CD19
            elif a.start < b.end and b.start < a.end:
                score -= OVERLAP_PENALTY       # one phrase read as two entities
            if score >= MIN_SCORE:
                scored.append((score, a, rel, b))
    scored.sort(key=lambda x: -x[0])
    out = []
    for rank, (score, a, rel, b) in enumerate(scored):
        confidence = round(max(0.0, min(1.0, score - RANK_PENALTY * rank)), 3)
        out.append(Candidate(
            quote=normalise_whitespace(raw), start=sentence.start, end=sentence.end,
            subject=a, predicate=rel, object=b, refs=refs,
            statistics=[dict(s) for s in statistics], negated=negated, certainty=certainty,
            section=sentence.section, confidence=confidence, context=context))
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


def _existing(cur: Curation, source: Source, text: str) -> list[tuple[int, int, tuple, str]]:
    flat = normalised_with_offsets(text)
    out = []
    for ev in cur.evidence:
        if ev.source != source.id:
            continue
        span = locate(text, ev.quote, flat)
        if span:
            out.append((*span, (ev.subject, ev.predicate, ev.object), ev.id))
    return out


def suggest(paths: ProjectPaths, source: str, make_tagger: Callable[[dict], Any],
            section: str | None = None, cur: Curation | None = None) -> Suggestions:
    """Candidate evidence items for registered source ``source`` (DOI, PMID or id), only in
    sections whose title contains ``section`` when given; ``make_tagger`` builds the tagger
    from an entity index (``Tagger.from_index``)."""
    cur = cur or load_curation(paths)
    src = find_source(cur, source)
    text = read_text(src)
    tagger = make_tagger(entity_index(cur, paths))
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
        for c in _candidates_in(s, text, mentions, relations, src.reference_count,
                                {m.iri for m in loose}):
            triple = tuple(x.rsplit("/", 1)[-1] for x in (c.subject.iri, c.object.iri))
            claim = (triple, c.predicate.name, c.quote)
            if claim in seen:       # a repeated line (a table cell) is one piece of evidence
                continue
            seen.add(claim)
            c.duplicate_of = next((ident for a, b, t, ident in existing
                                   if a < c.end and c.start < b
                                   and t == (triple[0], c.predicate.name, triple[1])), None)
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
