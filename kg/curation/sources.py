"""Load and validate the curation sources (``ontology/curation/``).

Layout: ``entities/*.yaml`` hold entities (lists of mappings), ``sources/*.yaml`` hold one paper
each (``source:`` metadata and ``evidence:`` items). See ``ontology/curation/README.md``.
Every problem is reported with file, line, field and a fix; all problems are collected before
failing so a curator sees the whole list at once.

>>> cur = load_curation(project_paths())
>>> cur.entities["cd19"].label, cur.sources["xu2023"].doi
('CD19', '10.3389/fimmu.2023.1110028')
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path

from kg.errors import CurationError, CurationErrors
from kg.files import pending_change, project_lock
from kg.paths import ProjectPaths, project_paths  # noqa: F401
from kg.curation.schema import Schema, load_schema
from kg.curation.references import DOI, REGISTER_FILE, check_register, parse_study
from kg.text import lookup_key, normalise_whitespace
from kg.vocab import ID_PATTERN
from kg.curation.yamlsrc import Items, Node, load_file, load_text
from kg.vocab import CAVEAT_KINDS, CERTAINTIES, DIRECTNESS, MODALITIES, STUDY_TYPES  # noqa: F401

CURIE_PREFIXES = ("HGNC", "NCIT", "MONDO", "CL", "CHEBI", "NCT", "DOID", "UBERON", "PR", "EFO",
                  "DRUGBANK", "UNII")
XREF_PATTERN = re.compile(r"^(?P<prefix>[A-Za-z]+):(?P<local>[A-Za-z0-9_.-]+)$")
DIRECTIONS = ("favourable", "unfavourable", "neutral")
LEVELS = ("primary-study", "review-statement")
SOURCE_KINDS = ("review", "primary-study")   # a review cites studies; a primary study is one
POPULATIONS = ("paediatric", "adult", "mixed")
ACTIONS = ("prevention", "monitoring", "treatment", "product-design")
MEASURES = ("HR", "OR", "rate", "median", "ratio", "count", "cut-off", "p-value", "proportion",
            "AUC", "fold change", "mean", "range", "score")
STATUSES = ("accepted", "draft", "needs-work", "rejected")
SECTION_KINDS = ("biomarker", "mechanism", "strategy", "other")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ORCID_ID = re.compile(r"^\d{4}-\d{4}-\d{4}-\d{3}[\dX]$")


XREF_MATCHES = ("exact", "close", "broad", "narrow", "related")   # SKOS mapping relations


@dataclass
class Xref:
    curie: str
    checked: str
    match: str = "exact"          # the SKOS mapping relation: skos:<match>Match


@dataclass
class Entity:
    id: str
    type: str
    label: str
    definition: str
    synonyms: list[str]
    kind_of: list[str]
    xrefs: list[Xref]
    where: str
    before_infusion: bool | None = None
    classification_from: str | None = None
    action: list[str] = field(default_factory=list)       # strategies: when it applies
    action_from: str | None = None                        # where the review says so
    modality: list[str] = field(default_factory=list)     # strategies: car-t | blinatumomab | other
    withhold_inherited: list[str] = field(default_factory=list)  # mechanisms: strategy ids
    withhold_because: str | None = None                   # the evidence id that says why
    no_xref_reason: str | None = None                     # why no standard id was recorded

    @property
    def iri(self) -> str:
        from kg.vocab import ENT
        return ENT[self.id]


@dataclass
class Statistic:
    measure: str
    value: float
    text: str
    comparator: float | None = None
    arm: str | None = None
    comparator_arm: str | None = None
    unit: str | None = None
    p_value: float | None = None
    p_qualifier: str | None = None
    n: int | None = None


@dataclass
class Evidence:
    id: str
    source: str
    subject: str
    predicate: str
    object: str
    refs: list[str]
    quote: str
    section: str
    level: str
    direction: str | None
    statistics: list[Statistic]
    disease: list[str]
    product: list[str]
    trial: list[str]
    study_type: str | None
    population: str | None
    conflicts_with: list[str]
    status: str
    curator: str | None
    where: str
    negated: bool = False
    added: str | None = None
    reviews: list[dict] = field(default_factory=list)   # {curator, status, date, comment}
    certainty: str | None = None           # stated | hedged | hypothesis | not-yet-observed
    certainty_note: str | None = None      # why 'stated' stands although the quote hedges
    directness: str | None = None          # direct | extrapolated
    directness_note: str | None = None     # what the evidence is extrapolated from
    conflict_reason: str | None = None     # why it conflicts with conflicts_with
    caveat: dict | None = None             # {text, kind}: a qualification in the same sentence
    modality: list[str] = field(default_factory=list)   # car-t | blinatumomab | other
    setting: list[str] = field(default_factory=list)    # e.g. "after blinatumomab"
    lines: dict[str, int] = field(default_factory=dict, repr=False)  # field -> line in file

    @property
    def iri(self) -> str:
        from kg.vocab import EVIDENCE
        return EVIDENCE[self.id]

    @property
    def path(self) -> str:
        return self.where.rsplit(":", 1)[0]

    def line_of(self, key: str) -> int:
        """The line of field ``key`` (``context.study_type`` for a context field), or of the
        item when the field is absent."""
        return self.lines.get(key) or int(self.where.rsplit(":", 1)[1])


@dataclass
class Source:
    id: str
    doi: str | None
    pmid: str | None
    pmcid: str | None
    title: str
    authors: list[str]
    year: int
    journal: str
    licence: str
    text_path: Path | None
    reference_count: int | None
    where: str
    sections: list[dict] = field(default_factory=list)   # {starts, kind, title}
    disease_scope: dict | None = None    # {disease: [ids], kinds: [section kinds]} (RULEBOOK R5)
    kind: str = "review"                                  # one of SOURCE_KINDS

    @property
    def primary(self) -> bool:
        """Whether the paper reports its own study (its items need no reference numbers)."""
        return self.kind == "primary-study"

    @cached_property
    def normalised_text(self) -> str | None:
        if self.text_path is None or not self.text_path.exists():
            return None
        return normalise_whitespace(self.text_path.read_text(encoding="utf-8"))


MAX_TEXT_BYTES = 32 << 20      # a paper's full text


def text_roots(paths: ProjectPaths) -> tuple[Path, Path]:
    """Where a paper's full text may be: the project, or the ``shared`` folder beside it."""
    return paths.root, paths.root.parent / "shared"


def writes_folder(paths: ProjectPaths) -> Path:
    """Where curation writers keep their lock and journal (``kg.files``): beside the curation
    folder, not in it, so the sources folder holds only sources."""
    return paths.curation.parent


def curation_lock(paths: ProjectPaths):
    """The curation writers' lock (``kg.files.project_lock``): held, it completes a change a
    killed writer left, and lets ``write_together`` write in the curation folder only."""
    return project_lock(writes_folder(paths), paths.curation)


def check_text_file(path: Path, limit: int = MAX_TEXT_BYTES,
                    roots: tuple[Path, ...] = ()) -> str | None:
    """Why ``path`` (resolved) cannot be read as a text file: outside every folder of
    ``roots`` (when given), not a regular file (a device, a FIFO, a folder) or over ``limit``
    bytes; None when it can."""
    import stat
    if roots and not any(path.is_relative_to(r.resolve()) for r in roots):
        return f"is outside {' and '.join(str(r) for r in roots)}"
    try:
        info = path.stat()
    except OSError as exc:
        return f"cannot be read ({exc.strerror})"
    if not stat.S_ISREG(info.st_mode):
        return "is not a regular file"
    if info.st_size > limit:
        return f"is {info.st_size} bytes; the limit is {limit}"
    return None


@dataclass
class Curation:
    entities: dict[str, Entity] = field(default_factory=dict)
    sources: dict[str, Source] = field(default_factory=dict)
    evidence: list[Evidence] = field(default_factory=list)
    primary_studies: dict = field(default_factory=dict)   # id -> references.PrimaryStudy
    citations: dict = field(default_factory=dict)         # (review id, ref) -> study id

    def studies_for(self, ev: Evidence) -> list:
        """The primary studies an evidence item's reference numbers resolve to, in ref order."""
        found = [self.citations.get((ev.source, r)) for r in ev.refs]
        return [self.primary_studies[i] for i in dict.fromkeys(f for f in found if f)]


class _Collector:
    """Collects problems so one run reports them all."""

    def __init__(self):
        self.problems: list[CurationError] = []

    def add(self, node: Node | Items, key, problem: str, fix: str = "") -> None:
        line = node.line_of(key) if key is not None else node.line
        self.problems.append(CurationError(node.path, line, "" if key is None else str(key),
                                           problem, fix))

    def text(self, node: Node, key: str, required: bool = True) -> str | None:
        value = node.get(key)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.add(node, None, f"missing field {key!r}", f"add '{key}: ...' to this entry")
            return None
        if not isinstance(value, (str, int, float)) or isinstance(value, bool):
            self.add(node, key, f"{key} must be text, not {type(value).__name__}",
                     f"write {key}: \"...\"")
            return None
        return str(value).strip()

    def text_list(self, node: Node, key: str) -> list[str]:
        value = node.get(key)
        if value is None:
            return []
        if isinstance(value, str):
            return [value]
        if not isinstance(value, list) or not all(isinstance(v, (str, int)) for v in value):
            self.add(node, key, f"{key} must be a list of texts", f"write {key}: [a, b]")
            return []
        return [str(v).strip() for v in value]

    def choice(self, node: Node, key: str, allowed: tuple[str, ...], required: bool = False):
        value = self.text(node, key, required)
        if value is not None and value not in allowed:
            self.add(node, key, f"{key} {value!r} is not one of {', '.join(allowed)}",
                     f"use one of: {', '.join(allowed)}")
            return None
        return value


def _relative(path: Path, root: Path) -> str:
    try:
        return str(path.relative_to(root))
    except ValueError:
        return str(path)


def _mapping_items(doc, path: str, c: _Collector, what: str) -> list[Node]:
    if doc is None:
        return []
    if not isinstance(doc, Items):
        c.problems.append(CurationError(path, 1, "", f"expected a list of {what}",
                                        "start each entry with '- id: ...'"))
        return []
    out = []
    for i, item in enumerate(doc):
        if isinstance(item, Node):
            out.append(item)
        else:
            c.problems.append(CurationError(path, doc.line_of(i), "", f"entry is not a mapping",
                                            "write the entry as 'key: value' lines"))
    return out


def _parse_entity(node: Node, schema: Schema, c: _Collector) -> Entity | None:
    known = {"id", "type", "label", "definition", "synonyms", "kind_of", "xrefs",
             "before_infusion", "classification_from", "comment", "action", "action_from",
             "modality", "withhold_inherited", "withhold_because", "no_xref_reason"}
    for key in node:
        if key not in known:
            c.add(node, key, f"unknown field {key!r}", f"use one of: {', '.join(sorted(known))}")
    ident, typ = c.text(node, "id"), c.text(node, "type")
    label, definition = c.text(node, "label"), c.text(node, "definition")
    if ident is not None and not ID_PATTERN.match(ident):
        c.add(node, "id", f"id {ident!r} is not lower-case words joined by hyphens",
              "write an id like 'cd19-gene-mutation'")
        ident = None
    if typ is not None and schema.category_of(typ) is None:
        c.add(node, "type", f"type {typ!r} is not a class of ontology/cartkg.ttl",
              "use a class local name such as ResistanceMechanism, Strategy, Biomarker, "
              "GeneOrProtein, Outcome")
        typ = None
    xrefs = []
    for i, x in enumerate(node.get("xrefs") or []):
        if not isinstance(x, Node) or "id" not in x:
            c.add(node, "xrefs", f"xref {i + 1} must be a mapping with id and checked",
                  "write '- {id: HGNC:1633, checked: \"where it was checked\"}'")
            continue
        curie, checked = c.text(x, "id"), c.text(x, "checked")
        m = XREF_PATTERN.match(curie or "")
        if curie and (not m or m.group("prefix").upper() not in CURIE_PREFIXES):
            c.add(x, "id", f"xref {curie!r} is not a CURIE with a known prefix",
                  f"use one of the prefixes {', '.join(CURIE_PREFIXES)}")
        elif curie and checked:
            match = c.text(x, "match", required=False) or "exact"
            if match not in XREF_MATCHES:
                c.add(x, "match", f"match {match!r} is not a SKOS mapping relation",
                      f"use one of: {', '.join(XREF_MATCHES)}")
            xrefs.append(Xref(curie, checked, match))
    before = node.get("before_infusion")
    if before is not None and not isinstance(before, bool):
        c.add(node, "before_infusion", "before_infusion must be true or false",
              "write before_infusion: true")
        before = None
    action = [a for a in c.text_list(node, "action") if _known(c, node, "action", a, ACTIONS)]
    modality = [m for m in c.text_list(node, "modality")
                if _known(c, node, "modality", m, MODALITIES)]
    action_from = c.text(node, "action_from", required=bool(action))
    withhold = c.text_list(node, "withhold_inherited")
    withhold_because = c.text(node, "withhold_because", required=bool(withhold))
    if None in (ident, typ, label, definition):
        return None
    return Entity(id=ident, type=typ, label=label, definition=definition,
                  synonyms=c.text_list(node, "synonyms"), kind_of=c.text_list(node, "kind_of"),
                  xrefs=xrefs, where=node.where(), before_infusion=before,
                  classification_from=c.text(node, "classification_from", required=False),
                  action=action, action_from=action_from, modality=modality,
                  withhold_inherited=withhold, withhold_because=withhold_because,
                  no_xref_reason=c.text(node, "no_xref_reason", required=False))


def _parse_number(c: _Collector, node: Node, key: str, required: bool = False):
    value = node.get(key)
    if value is None:
        if required:
            c.add(node, None, f"missing field {key!r}", f"add '{key}: <number>'")
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        c.add(node, key, f"{key} {value!r} is not a number",
              f"write {key} as a plain number, e.g. {key}: 4.35 (put '%' in unit)")
        return None
    return value


def _parse_statistic(node, quote: str, c: _Collector) -> Statistic | None:
    if not isinstance(node, Node):
        return None
    known = {"measure", "value", "text", "comparator", "arm", "comparator_arm", "unit",
             "p_value", "p_qualifier", "n"}
    for key in node:
        if key not in known:
            c.add(node, key, f"unknown statistic field {key!r}",
                  f"use one of: {', '.join(sorted(known))}")
    measure = c.choice(node, "measure", MEASURES, required=True)
    value = _parse_number(c, node, "value", required=True)
    text = c.text(node, "text")
    if text and normalise_whitespace(text) not in normalise_whitespace(quote):
        c.add(node, "text", f"statistic text {text!r} is not part of the quote",
              "copy the words that state the figure from the quote")
    n = _parse_number(c, node, "n")
    if n is not None and (not isinstance(n, int) or n <= 0):
        c.add(node, "n", f"n {n!r} is not a positive whole number", "write n: 275")
        n = None
    p = _parse_number(c, node, "p_value")
    if p is not None and not 0 <= p <= 1:
        c.add(node, "p_value", f"p_value {p} is not between 0 and 1", "write p_value: 0.02")
        p = None
    if None in (measure, value, text):
        return None
    return Statistic(measure=measure, value=value, text=text,
                     comparator=_parse_number(c, node, "comparator"),
                     arm=c.text(node, "arm", False), comparator_arm=c.text(node, "comparator_arm", False),
                     unit=c.text(node, "unit", False), p_value=p,
                     p_qualifier=c.choice(node, "p_qualifier", ("<", "=", ">")), n=n)


EVIDENCE_FIELDS = {"id", "subject", "predicate", "object", "refs", "quote", "section", "level",
                   "direction", "statistics", "context", "conflicts_with", "status", "curator",
                   "negated", "comment", "added", "reviews", "certainty", "certainty_note",
                   "directness", "directness_note", "conflict_reason", "caveat"}


CONTEXT_FIELDS = ("disease", "product", "trial", "study_type", "population", "modality",
                  "setting")


def _parse_evidence(node: Node, source: Source, schema: Schema, c: _Collector) -> Evidence | None:
    for key in node:
        if key not in EVIDENCE_FIELDS:
            c.add(node, key, f"unknown field {key!r}",
                  f"use one of: {', '.join(sorted(EVIDENCE_FIELDS))}")
    ident = c.text(node, "id")
    if ident is not None and not ID_PATTERN.match(ident):
        c.add(node, "id", f"id {ident!r} is not lower-case words joined by hyphens",
              f"write an id like '{source.id}-tmtv-early-resistance'")
        ident = None
    subject, obj = c.text(node, "subject"), c.text(node, "object")
    predicate_text = c.text(node, "predicate")
    predicate = None
    if predicate_text is not None:
        rel = schema.relation(predicate_text)
        if rel is None or rel.name == "conflictsWith":
            c.add(node, "predicate", f"unknown relation {predicate_text!r}",
                  "use one of: " + ", ".join(r for r in schema.relations if r != "conflictsWith"))
        else:
            predicate = rel.name
    quote = c.text(node, "quote")
    if quote is not None and len(normalise_whitespace(quote)) < schema.quote_min_length:
        c.add(node, "quote", f"quote {quote!r} is shorter than {schema.quote_min_length} "
              "characters (the rule of ontology/shapes.ttl)",
              "quote the whole sentence or clause that states the claim")
    if quote is not None and source.normalised_text is not None \
            and normalise_whitespace(quote) not in source.normalised_text:
        c.add(node, "quote", "quote not found word for word in the source text "
              f"({source.text_path})",
              "copy the sentence exactly from the text, keeping its spelling and hyphenation")
    level = c.choice(node, "level", LEVELS) or "primary-study"
    refs: list[str] = []
    raw_refs = node.get("refs")
    if raw_refs is None:
        raw_refs = []
    if not isinstance(raw_refs, list):
        raw_refs = [raw_refs]
    for r in raw_refs:
        if isinstance(r, bool) or not isinstance(r, int):
            c.add(node, "refs", f"reference {r!r} is not a whole number",
                  "list the review's reference numbers, e.g. refs: [59] or refs: [21, 23, 24, 25]")
        elif source.reference_count and not 1 <= r <= source.reference_count:
            c.add(node, "refs", f"reference {r} is outside 1..{source.reference_count} of "
                  f"{source.id}", "use the number printed in the review's text")
        else:
            refs.append(str(r))
    if not refs and level != "review-statement" and not raw_refs and not source.primary:
        c.add(node, "refs", "no reference numbers",
              "add refs: [N, ...], or set level: review-statement if the review says it itself")
    if source.primary and (refs or level == "review-statement"):
        c.add(node, "refs" if refs else "level", f"{source.id} is a primary study: its items "
              "report its own results, with no reference numbers and level primary-study",
              "remove refs and level, or register the paper with --kind review")
    ctx = node.get("context") or Node(node.path, node.line)
    if not isinstance(ctx, Node):
        c.add(node, "context", "context must be a mapping",
              "write context: {disease: [lbcl], study_type: retrospective cohort}")
        ctx = Node(node.path, node.line)
    for key in ctx:
        if key not in CONTEXT_FIELDS:
            c.add(ctx, key, f"unknown context field {key!r}",
                  "use one of: " + ", ".join(CONTEXT_FIELDS))
    statistics = []
    for i, s in enumerate(node.get("statistics") or []):
        if not isinstance(s, Node):
            c.add(node, "statistics", f"statistic {i + 1} is not a mapping",
                  "write '- {measure: HR, value: 4.35, text: \"hazard ratio of 4.35\"}'")
            continue
        stat = _parse_statistic(s, quote or "", c)
        if stat:
            statistics.append(stat)
    status = c.choice(node, "status", STATUSES) or "accepted"
    curator = c.text(node, "curator", False)
    if curator is not None and not ORCID_ID.match(curator):
        c.add(node, "curator", f"curator {curator!r} is not an ORCID iD",
              "write curator: 0000-0002-1825-0097")
    negated = node.get("negated", False)
    if not isinstance(negated, bool):
        c.add(node, "negated", "negated must be true or false",
              "write negated: true when the quote says the relation does not hold")
        negated = False
    added = c.text(node, "added", False)
    if added is not None and not DATE.match(added):
        c.add(node, "added", f"added {added!r} is not a date", "write added: 2026-11-21")
    reviews = []
    for i, r in enumerate(node.get("reviews") or []):
        if not isinstance(r, Node) or not DATE.match(str(r.get("date", ""))) \
                or r.get("status") not in STATUSES or not ORCID_ID.match(str(r.get("curator", ""))):
            c.add(node, "reviews", f"review {i + 1} needs curator (ORCID), status and date",
                  "write - {curator: 0000-0002-1825-0097, status: accepted, date: 2026-11-21}")
            continue
        reviews.append({k: str(r[k]) for k in ("curator", "status", "date", "comment") if k in r})
    if None in (ident, subject, predicate, obj, quote):
        return None
    return Evidence(added=added, reviews=reviews, 
        id=ident, source=source.id, subject=subject, predicate=predicate, object=obj, refs=refs,
        quote=normalise_whitespace(quote), section=c.text(node, "section", False) or "",
        level=level, direction=c.choice(node, "direction", DIRECTIONS), statistics=statistics,
        disease=c.text_list(ctx, "disease"), product=c.text_list(ctx, "product"),
        trial=c.text_list(ctx, "trial"), study_type=c.choice(ctx, "study_type", STUDY_TYPES),
        population=c.choice(ctx, "population", POPULATIONS),
        conflicts_with=c.text_list(node, "conflicts_with"), status=status,
        curator=c.text(node, "curator", False), where=node.where(), negated=negated,
        certainty=c.choice(node, "certainty", CERTAINTIES),
        certainty_note=c.text(node, "certainty_note", False),
        directness=c.choice(node, "directness", DIRECTNESS),
        directness_note=c.text(node, "directness_note", False),
        conflict_reason=c.text(node, "conflict_reason", False),
        caveat=_parse_caveat(node, c),
        modality=[m for m in c.text_list(ctx, "modality") if _known(c, ctx, "modality", m, MODALITIES)],
        setting=c.text_list(ctx, "setting"),
        lines={**{k: node.line_of(k) for k in node},
               **{f"context.{k}": ctx.line_of(k) for k in ctx}})


def _parse_caveat(node: Node, c: _Collector) -> dict | None:
    """``caveat: {text, kind}``: what the claim's own sentence says to qualify it."""
    raw = node.get("caveat")
    if raw is None:
        return None
    fix = ('write caveat: {text: "so far showed limited durability", kind: limited durability}'
           f" (kind one of: {', '.join(CAVEAT_KINDS)})")
    if not isinstance(raw, Node):
        c.add(node, "caveat", "caveat must be a mapping with text and kind", fix)
        return None
    text, kind = c.text(raw, "text", False), c.choice(raw, "kind", CAVEAT_KINDS)
    if not text or not kind:
        c.add(node, "caveat", "caveat needs both text and kind", fix)
        return None
    return {"text": text, "kind": kind}


def _known(c: _Collector, node: Node, key: str, value: str, allowed: tuple[str, ...]) -> bool:
    """Whether ``value`` is one of ``allowed``; records the problem when not."""
    if value in allowed:
        return True
    c.add(node, key, f"{key} {value!r} is not one of {', '.join(allowed)}",
          f"use one of: {', '.join(allowed)}")
    return False


def _parse_source(doc: Node, path: str, root: Path, c: _Collector) -> Source | None:
    meta = doc.get("source")
    if not isinstance(meta, Node):
        c.problems.append(CurationError(path, 1, "source", "missing 'source:' metadata mapping",
                                        "start the file with source: {id: ..., doi: ...}"))
        return None
    ident = c.text(meta, "id")
    if ident is not None and not ID_PATTERN.match(ident):
        c.add(meta, "id", f"id {ident!r} is not lower-case words joined by hyphens",
              "write an id like 'xu2023'")
        ident = None
    doi, pmid = c.text(meta, "doi", False), c.text(meta, "pmid", False)
    kind = c.choice(meta, "kind", SOURCE_KINDS) or "review"
    if doi is None and pmid is None and kind == "review":
        c.add(meta, None, "a review source needs a doi or a pmid",
              "add doi: 10.xxxx/... or pmid: N (only a primary-study source may have neither)")
    if doi is not None and not DOI.match(doi):
        c.add(meta, "doi", f"doi {doi!r} does not look like 10.NNNN/suffix",
              "write the bare DOI without https://doi.org/")
    if pmid is not None and not pmid.isdigit():
        c.add(meta, "pmid", f"pmid {pmid!r} is not a number", "write pmid: 34595414")
    text = c.text(meta, "text", False)
    text_path = (root / text).resolve() if text else None
    if text_path is not None and not text_path.exists():
        c.add(meta, "text", f"full text {text} not found", "give a path relative to the project root")
    elif text_path is not None and (
            problem := check_text_file(text_path, roots=text_roots(ProjectPaths(root)))):
        c.add(meta, "text", f"full text {text}: {problem}",
              "point text: at the plain-text file of the paper, in the project or ../shared")
        text_path = None
    year = _parse_number(c, meta, "year", required=True)
    refcount = _parse_number(c, meta, "reference_count")
    title, journal = c.text(meta, "title"), c.text(meta, "journal")
    licence = c.text(meta, "licence")
    sections = []
    for i, sec in enumerate(meta.get("sections") or []):
        if not isinstance(sec, Node) or not all(isinstance(sec.get(k), str)
                                                for k in ("starts", "kind", "title")):
            c.add(meta, "sections", f"section {i + 1} needs starts, kind and title",
                  "write - {starts: \"first words\", kind: biomarker, title: ...}")
            continue
        if sec["kind"] not in SECTION_KINDS:
            c.add(sec, "kind", f"section kind {sec['kind']!r} is not one of "
                  f"{', '.join(SECTION_KINDS)}", f"use one of: {', '.join(SECTION_KINDS)}")
        sections.append(dict(sec))
    if None in (ident, title, journal, licence, year):
        return None
    return Source(sections=sections, disease_scope=_parse_disease_scope(meta, c), kind=kind, id=ident, doi=doi, pmid=pmid, pmcid=c.text(meta, "pmcid", False), title=title,
                  authors=c.text_list(meta, "authors"), year=int(year), journal=journal,
                  licence=licence, text_path=text_path,
                  reference_count=int(refcount) if refcount else None, where=meta.where())


def _parse_disease_scope(meta: Node, c: _Collector) -> dict | None:
    """``disease_scope: {disease: [b-cell-nhl], kinds: [biomarker, mechanism]}``: the disease a
    review is about, which items of those section kinds must name (RULEBOOK R5)."""
    raw = meta.get("disease_scope")
    if raw is None:
        return None
    disease = c.text_list(raw, "disease") if isinstance(raw, Node) else []
    kinds = c.text_list(raw, "kinds") if isinstance(raw, Node) else []
    if not disease or not kinds or not set(kinds) <= set(SECTION_KINDS):
        c.add(meta, "disease_scope", "disease_scope needs disease (entity ids) and kinds "
              f"(section kinds: {', '.join(SECTION_KINDS)})",
              "write disease_scope: {disease: [b-cell-nhl], kinds: [biomarker, mechanism]}")
        return None
    return {"disease": disease, "kinds": kinds}


def _check_references(cur: Curation, schema: Schema, c: _Collector,
                      ev_nodes: dict[str, Node]) -> None:
    """Cross-file checks: unknown ids, categories, duplicate names."""
    ents = cur.entities
    cat = {i: schema.category_of(e.type) for i, e in ents.items()}
    for s in cur.sources.values():
        cat[s.id] = "publication"
    names: dict[str, str] = {}
    for e in ents.values():
        node = e.where
        for name in [e.label, *e.synonyms]:
            key = lookup_key(name)
            other = names.get(key)
            if other and other != e.id:
                path, line = node.rsplit(":", 1)
                c.problems.append(CurationError(path, int(line), "synonyms",
                                                f"name {name!r} of {e.id} is also a name of {other}",
                                                "give each entity its own names, or merge them"))
            names[key] = e.id
        for parent in e.kind_of:
            path, line = node.rsplit(":", 1)
            if parent not in ents:
                c.problems.append(CurationError(path, int(line), "kind_of",
                                                f"unknown entity {parent!r}",
                                                "use the id of an entity in ontology/curation/entities/"))
            elif cat[parent] != cat[e.id]:
                c.problems.append(CurationError(path, int(line), "kind_of",
                                                f"{e.id} ({cat[e.id]}) cannot be a kind of "
                                                f"{parent} ({cat[parent]})",
                                                "kind_of links entities of one category"))
        if e.classification_from and e.classification_from not in cur.sources:
            path, line = node.rsplit(":", 1)
            c.problems.append(CurationError(path, int(line), "classification_from",
                                            f"unknown source {e.classification_from!r}",
                                            "use a source id such as xu2023"))
    ev_ids = {ev.id for ev in cur.evidence}
    for e in cur.entities.values():
        path, line = e.where.rsplit(":", 1)
        for sid in e.withhold_inherited:
            if cat.get(sid) != "strategy":
                c.problems.append(CurationError(path, int(line), "withhold_inherited",
                                                f"{sid!r} is not a strategy id",
                                                "list ids from entities/strategies.yaml"))
        if e.withhold_because and e.withhold_because not in ev_ids:
            c.problems.append(CurationError(path, int(line), "withhold_because",
                                            f"unknown evidence id {e.withhold_because!r}",
                                            "name the evidence item whose quote says why"))
    for ev in cur.evidence:
        node = ev_nodes[ev.id]
        rel = schema.relations[ev.predicate]
        for key, ref in (("subject", ev.subject), ("object", ev.object)):
            if ref not in cat:
                c.add(node, key, f"unknown entity {ref!r}",
                      "use the id of an entity in ontology/curation/entities/ "
                      "(or add the entity there first)")
        if ev.subject in cat and rel.domain and cat[ev.subject] not in rel.domain:
            c.add(node, "subject", f"{rel.name} needs a subject of category "
                  f"{'/'.join(sorted(rel.domain))}, but {ev.subject} is a {cat[ev.subject]}",
                  "swap subject and object or choose another relation")
        if ev.object in cat and rel.range and cat[ev.object] not in rel.range:
            c.add(node, "object", f"{rel.name} needs an object of category "
                  f"{'/'.join(sorted(rel.range))}, but {ev.object} is a {cat[ev.object]}",
                  "swap subject and object or choose another relation")
        for key, attr, want in (("context", "disease", "disease"), ("context", "product", "therapy"),
                                ("context", "trial", "trial")):
            for ref in getattr(ev, attr):
                if cat.get(ref) != want:
                    c.add(node, key, f"context {attr} {ref!r} is not a known {want} entity",
                          f"use the id of a {want} entity")
        for other in ev.conflicts_with:
            if other not in ev_ids:
                c.add(node, "conflicts_with", f"unknown evidence id {other!r}",
                      "use the id of another evidence item")


def _load_register(cur: Curation, path: Path, read, root: Path, c: _Collector) -> None:
    """The primary-study register, when the file exists (or is proposed)."""
    shown = _relative(path, root)
    try:
        doc = read(path, shown)
    except FileNotFoundError:
        return
    except CurationError as exc:
        c.problems.append(exc)
        return
    items = doc.get("primary_studies") if isinstance(doc, Node) else None
    if doc is not None and items is None:
        c.problems.append(CurationError(shown, 1, "primary_studies",
                                        "expected 'primary_studies:' and a list of studies",
                                        "see ontology/curation/README.md"))
        return
    nodes: dict[str, Node] = {}
    for item in _mapping_items(items, shown, c, "primary studies"):
        study = parse_study(item, cur.sources, c)
        if study and study.id in nodes:
            c.add(item, "id", f"duplicate id {study.id!r}", "give this entry its own id")
        elif study:
            nodes[study.id] = item
            cur.primary_studies[study.id] = study
    cur.citations = check_register(cur.primary_studies, c, nodes)


def load_curation(paths: ProjectPaths, overrides: dict[Path, str] | None = None) -> Curation:
    """Load every curation file; raise CurationErrors listing all problems. ``overrides``
    maps curation file paths to proposed contents, read instead of the disk (new files
    included), so a change can be validated before anything is written."""
    overrides = {Path(k).resolve(): v for k, v in (overrides or {}).items()}
    pending_change(writes_folder(paths))    # waits for a writer at work; never replays

    def read(path: Path, shown: str):
        path = path.resolve()
        if path in overrides:
            return load_text(overrides[path], shown)
        return load_file(path, shown)

    def files(folder: str) -> list[Path]:
        found = {p.resolve() for p in (paths.curation / folder).glob("*.yaml")}
        found |= {p for p in overrides if p.parent == (paths.curation / folder).resolve()}
        return sorted(found)

    schema = load_schema(paths.ontology)
    c, cur, root = _Collector(), Curation(), paths.root
    seen_ids: dict[str, str] = {}

    def claim(ident: str, where: str, node: Node) -> bool:
        if ident in seen_ids:
            c.add(node, "id", f"duplicate id {ident!r} (first at {seen_ids[ident]})",
                  "give this entry its own id")
            return False
        seen_ids[ident] = where
        return True

    ev_nodes: dict[str, Node] = {}
    # Pass 1: a file whose 'source:' is a mapping defines a paper; pass 2: every file's
    # evidence, including part files whose 'source:' names a paper defined elsewhere.
    def documents(kind: str):
        """(shown path, parsed document) of each file of ``kind``; unreadable ones noted."""
        for path in files(kind):
            shown = _relative(path, root)
            try:
                yield shown, read(path, shown)
            except CurationError as exc:
                c.problems.append(exc)

    docs: list[tuple[str, Node]] = []
    for shown, doc in documents("sources"):
        if not isinstance(doc, Node) or "source" not in doc:
            c.problems.append(CurationError(shown, 1, "source", "expected 'source:' and 'evidence:'",
                                            "see ontology/curation/README.md"))
            continue
        docs.append((shown, doc))
        if isinstance(doc["source"], Node):
            source = _parse_source(doc, shown, root, c)
            if source is not None and claim(source.id, source.where, doc["source"]):
                cur.sources[source.id] = source
    for shown, doc in docs:
        ref = doc["source"]
        source = cur.sources.get(ref["id"] if isinstance(ref, Node) else str(ref))
        if source is None:
            if not isinstance(ref, Node):
                c.add(doc, "source", f"unknown source {ref!r}",
                      "name the id of a paper defined in another file, e.g. source: xu2023")
            continue
        for item in _mapping_items(doc.get("evidence"), shown, c, "evidence items"):
            ev = _parse_evidence(item, source, schema, c)
            if ev and claim(ev.id, ev.where, item):
                cur.evidence.append(ev)
                ev_nodes[ev.id] = item
    for shown, doc in documents("entities"):
        for item in _mapping_items(doc, shown, c, "entities"):
            ent = _parse_entity(item, schema, c)
            if ent and claim(ent.id, ent.where, item):
                cur.entities[ent.id] = ent
    _check_references(cur, schema, c, ev_nodes)
    _load_register(cur, paths.curation / REGISTER_FILE, read, root, c)
    if c.problems:
        raise CurationErrors(c.problems)
    return cur


def main() -> int:
    """``python -m kg.curation.sources``: validate the curation sources, print problems, exit 0/1."""
    import sys
    from kg.errors import KgError
    try:
        cur = load_curation(project_paths())
    except KgError as exc:
        print(exc, file=sys.stderr)
        return exc.exit_code
    print(f"ok: {len(cur.entities)} entities, {len(cur.evidence)} evidence items, "
          f"{len(cur.sources)} sources", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
