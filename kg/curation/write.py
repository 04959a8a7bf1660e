"""Curation commands that write the curation sources: register a paper, add evidence (one item
or a TSV of them), review an item.

Every operation holds the curation folder's lock (``kg.files.project_lock``) from reading the
sources to writing them, so concurrent writers queue instead of losing each other's updates;
builds the proposed file contents in memory, validates the whole curation with them
(``load_curation(overrides=...)``: schema, references, quotes, statistics), and only then
writes all the files it changes as one change (``kg.files.write_together``: a writer killed
midway leaves the old files or the new ones, never an entity without its evidence item). A
rejected input writes nothing. Ids must match ``ID_PATTERN`` and every path written stays in
the curation folder.

>>> parse_statistic("rate=65%/34%", "CR rates by Day 90 of 65% versus 34% in favor")
{'measure': 'rate', 'value': 65, 'comparator': 34, 'unit': '%', 'text': '65%'}
"""
from __future__ import annotations

import csv
import datetime
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from kg.curation.cues import cited_numbers, suggest_certainty, suggest_study_type
from kg.curation.lints import lint_problems
from kg.curation.sources import (CERTAINTIES, DIRECTNESS, ID_PATTERN, MEASURES, MODALITIES,
                                 POPULATIONS, STUDY_TYPES, Curation, check_text_file,
                                 curation_lock, load_curation, text_roots)
from kg.errors import CurationError, CurationErrors, KgError
from kg.files import LockHeld, write_together
from kg.paths import ProjectPaths
from kg.curation.schema import CLASS_OF_CATEGORY, load_schema
from kg.text import lookup_key, normalise_whitespace

ORCID = re.compile(r"^(?:https://orcid\.org/)?(\d{4}-\d{4}-\d{4}-\d{3}[\dX])$")
MEASURE_ALIASES = {"hr": "HR", "or": "OR", "auc": "AUC", "cutoff": "cut-off"}
NUMBER = r"[-+]?\d+(?:\.\d+)?"


class CurationInput(KgError):
    """Input that cannot be resolved or parsed (exit 1), with suggestions; ``column``: the
    input field it concerns (a TSV column), when known."""

    exit_code = 1

    def __init__(self, message: str, column: str | None = None):
        super().__init__(message)
        self.column = column


class _Column:
    """``with _Column("subject"): ...`` marks a CurationInput raised inside as about that
    column (unless it names one already)."""

    def __init__(self, name: str):
        self.name = name

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if isinstance(exc, CurationInput) and exc.column is None:
            exc.column = self.name
        return False


def orcid(text: str) -> str:
    """The bare ORCID iD, checked with its ISO 7064 11,2 check digit.

    >>> orcid("https://orcid.org/0000-0002-1825-0097")
    '0000-0002-1825-0097'
    """
    m = ORCID.match(text.strip())
    if not m:
        raise CurationInput(f"curator {text!r} is not an ORCID iD like 0000-0002-1825-0097")
    digits = m.group(1).replace("-", "")
    total = 0
    for d in digits[:-1]:
        total = (total + int(d)) * 2
    check = (12 - total % 11) % 11
    if digits[-1] != ("X" if check == 10 else str(check)):
        raise CurationInput(f"curator {text!r}: the ORCID check digit is wrong")
    return m.group(1)


def _number(text: str):
    value = float(text)
    return int(value) if value.is_integer() and "." not in text else value


def parse_statistic(spec: str, quote: str) -> dict:
    """``MEASURE=VALUE[unit][/COMPARATOR]`` (e.g. HR=4.35, rate=65%/34%, median=2.1/1.6days,
    cut-off=80mL) into a statistic; ``text`` is the value as it appears in the quote."""
    measure, sep, value = spec.partition("=")
    measure = MEASURE_ALIASES.get(measure.strip().lower(), measure.strip())
    if not sep or measure not in MEASURES:
        raise CurationInput(f"statistic {spec!r}: write MEASURE=VALUE with MEASURE one of "
                            f"{', '.join(MEASURES)} (e.g. HR=4.35, rate=65%/34%)")
    m = re.fullmatch(rf"\s*({NUMBER})\s*([^/\d\s][^/]*)?(?:/\s*({NUMBER})\s*([^/\d\s].*)?)?\s*",
                     value)
    if not m:
        raise CurationInput(f"statistic {spec!r}: the value must be a number, optionally with "
                            "a unit and /comparator (e.g. 65%/34%)")
    out = {"measure": measure, "value": _number(m.group(1))}
    if m.group(3):
        out["comparator"] = _number(m.group(3))
    unit = (m.group(2) or m.group(4) or "").strip()
    if unit:
        out["unit"] = unit
    shown = m.group(1) + (unit if unit == "%" else "")
    if shown not in quote:
        shown = m.group(1)
    if shown not in quote:
        raise CurationInput(f"statistic {spec!r}: {m.group(1)} does not appear in the quote")
    out["text"] = shown
    return out


def apply_p_and_n(stats: list[dict], spec: str) -> bool:
    """``p=0.02``, ``p<0.001``, ``n=275`` and ``arm=TEXT`` (the group or dose measured)
    qualify the statistic before them."""
    arm = re.fullmatch(r"\s*arm\s*=\s*(.+?)\s*", spec, re.IGNORECASE | re.DOTALL)
    m = re.fullmatch(rf"\s*(p|n)\s*([=<>])\s*({NUMBER})\s*", spec, re.IGNORECASE)
    if not m and not arm:
        return False
    if not stats:
        raise CurationInput(f"{spec!r} must follow the statistic it qualifies")
    if arm:
        stats[-1]["arm"] = arm.group(1)
        return True
    if m.group(1).lower() == "p":
        stats[-1]["p_value"] = float(m.group(3))
        stats[-1]["p_qualifier"] = m.group(2)
    else:
        stats[-1]["n"] = int(float(m.group(3)))
    return True


@dataclass
class NewEntity:
    text: str
    category: str
    definition: str


MAX_TSV_BYTES = 64 << 20


def checked_id(ident: str, what: str) -> str:
    """``ident`` when it matches ID_PATTERN (so it names no path), else CurationInput."""
    if not isinstance(ident, str) or not ID_PATTERN.match(ident) or len(ident) > 100:
        raise CurationInput(f"{what} {ident!r} is not an id: write lower-case letters and "
                            "digits in words joined by hyphens, e.g. smith2024")
    return ident


def _inside(paths: ProjectPaths, path: Path) -> Path:
    """``path`` resolved, when it lies in the curation folder; else CurationInput."""
    resolved = path.resolve()
    if not resolved.is_relative_to(paths.curation.resolve()):
        raise CurationInput(f"{path} is outside {paths.curation}: nothing is written there")
    return resolved


@dataclass
class Proposal:
    """Proposed new contents of curation files, validated before any write. Blocks appended
    to a file are kept in a list and joined once (appending stays linear in the blocks); the
    ids of the evidence items proposed are kept in ``ids``."""

    paths: ProjectPaths
    replaced: dict[Path, str] = field(default_factory=dict)
    ids: set[str] = field(default_factory=set)
    suffixes: dict[str, int] = field(default_factory=dict)
    _parts: dict[Path, list[str]] = field(default_factory=dict)
    _inside: dict[Path, Path] = field(default_factory=dict)     # path given → checked path
    new_items: set[str] = field(default_factory=set)   # evidence ids this proposal adds

    @property
    def files(self) -> dict[Path, str]:
        out = dict(self.replaced)
        for path, parts in self._parts.items():
            out[path] = "".join(parts)
        return out

    def append(self, path: Path, block: str, header: str = "") -> None:
        """Add ``block`` at the end of ``path`` (a new or empty file starts with ``header``)."""
        if path not in self._inside:
            self._inside[path] = _inside(self.paths, path)
        path = self._inside[path]
        parts = self._parts.get(path)
        if parts is None:
            old = self.replaced.pop(path, None)
            if old is None:
                old = path.read_text(encoding="utf-8") if path.exists() else ""
            parts = self._parts[path] = [old.rstrip("\n") + "\n\n" if old.strip() else header]
        elif parts[-1]:
            parts.append("\n")
        parts.append(block)

    def replace(self, path: Path, text: str) -> None:
        self.replaced[_inside(self.paths, path)] = text

    def validate(self) -> Curation:
        """The curation with the proposed files; new evidence items must pass every lint."""
        cur = load_curation(self.paths, overrides=self.files)
        problems = lint_problems(cur, only=self.new_items) if self.new_items else []
        if problems:
            raise CurationErrors(problems)
        return cur

    def write(self, lock: LockHeld) -> list[Path]:
        """Validate, then write every file as one change; nothing is written when invalid.
        ``lock``: the ``curation_lock(paths)`` the caller holds."""
        self.validate()
        files = self.files
        write_together(lock, files)
        return sorted(files)


def _dump(item: dict) -> str:
    return yaml.safe_dump([item], sort_keys=False, allow_unicode=True, width=100000)


class Resolver:
    """Entity ids from ids, IRIs, labels or synonyms of the curation sources."""

    def __init__(self, cur: Curation):
        self.cur = cur
        self.names: dict[str, set[str]] = {}
        for e in cur.entities.values():
            for name in [e.id, e.label, *e.synonyms]:
                self.names.setdefault(lookup_key(name), set()).add(e.id)

    def __call__(self, text: str, what: str, can_create: bool = True) -> str:
        text = text.strip()
        ident = text.rsplit("/", 1)[-1] if text.startswith("http") else text
        if ident in self.cur.entities:
            return ident
        hits = self.names.get(lookup_key(text), set())
        if len(hits) == 1:
            return next(iter(hits))
        import difflib
        close = difflib.get_close_matches(lookup_key(text), list(self.names), 5, 0.6)
        names = sorted({self.cur.entities[i].label for k in close for i in self.names[k]})
        problem = "is ambiguous" if hits else "matches no entity"
        hint = f"; did you mean: {', '.join(names)}" if names else ""
        create = (f"create it with --new-{what} CATEGORY and --{what}-definition TEXT"
                  if can_create else "add it to ontology/curation/entities/ first")
        raise CurationInput(f"{what} {text!r} {problem}{hint} (or {create})")


def _entity_block(paths: ProjectPaths, ident: str, new: NewEntity) -> tuple[Path, str]:
    schema = load_schema(paths.ontology)
    cls = CLASS_OF_CATEGORY.get(new.category, new.category)
    if schema.category_of(cls) is None:
        raise CurationInput(f"category {new.category!r} is unknown: use one of "
                            f"{', '.join(CLASS_OF_CATEGORY)} or a class name")
    if not new.definition.strip():
        raise CurationInput(f"new entity {new.text!r} needs a definition")
    folder = {"mechanism": "mechanisms", "strategy": "strategies", "biomarker": "biomarkers",
              "therapy": "therapies", "gene": "genes", "disease": "diseases",
              "trial": "trials", "cell-population": "cell-populations", "outcome": "outcomes",
              "other": "other"}[schema.category_of(cls)]
    block = _dump({"id": ident, "type": cls, "label": new.text.strip(),
                   "definition": new.definition.strip()})
    return paths.curation / "entities" / f"{folder}.yaml", block


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "item"


def _source_file(paths: ProjectPaths, cur: Curation, source: str) -> tuple[str, Path]:
    for s in cur.sources.values():
        if source in (s.id, s.doi, s.pmid):
            return s.id, paths.root / s.where.rsplit(":", 1)[0]
    raise CurationInput(f"source {source!r} is not registered: use 'cartkg curate add-source' "
                        f"first (known: {', '.join(sorted(cur.sources))})", "source")


def propose_evidence(paths: ProjectPaths, cur: Curation, proposal: Proposal, *, source: str,
                     subject: str, predicate: str, object: str, quote: str, refs: list[int],
                     statistics: list[str] = (), context: list[str] = (),
                     curator: str | None = None, section: str | None = None,
                     direction: str | None = None, level: str | None = None,
                     new_entities: dict[str, NewEntity] | None = None,
                     ident: str | None = None, resolve: "Resolver | None" = None,
                     negated: bool = False, certainty: str | None = None,
                     certainty_note: str | None = None, directness: str | None = None,
                     directness_note: str | None = None, study_type: str | None = None,
                     notes: list[str] | None = None) -> str:
    """Add one evidence item (and any new entities) to ``proposal``; returns its id.
    ``resolve``: a Resolver of ``cur`` to reuse (an import adds many items). Certainty, study
    type and directness not given are suggested from the quote (and used); the suggestions
    and warnings are appended to ``notes`` for the curator to read."""
    notes = [] if notes is None else notes
    new_entities = new_entities or {}
    resolve = resolve or Resolver(cur)
    if ident is not None:
        checked_id(ident, "evidence id")
    source_id, source_path = _source_file(paths, cur, source)
    ids = {}
    for role, text in (("subject", subject), ("object", object)):
        with _Column(role):
            if role in new_entities:
                ids[role] = _slug(text)
                path, block = _entity_block(paths, ids[role], new_entities[role])
                proposal.append(path, block)
            else:
                ids[role] = resolve(text, role)
    rel = load_schema(paths.ontology).relation(predicate)
    if rel is None or rel.name == "conflictsWith":
        raise CurationInput(f"predicate {predicate!r} is not a relation: use one of "
                            + ", ".join(r for r in load_schema(paths.ontology).relations
                                        if r != "conflictsWith"), "predicate")
    stats: list[dict] = []
    with _Column("statistics"):
        for spec in statistics:
            if not apply_p_and_n(stats, spec):
                stats.append(parse_statistic(spec, quote))
    ctx: dict = {}
    keys = ("disease", "product", "trial", "study_type", "population", "modality", "setting")
    with _Column("context"):
        _parse_context(context, keys, ctx, resolve)
    with _Column("context"):
        weight = _weigh(quote, level, ctx, notes, certainty=certainty, directness=directness,
                        study_type=study_type, design=_design(cur, source_id))
    return _add_item(paths, cur, proposal, source_id, source_path, ids, rel, refs, quote, stats,
                     ctx, weight, notes, ident=ident, level=level, section=section,
                     direction=direction, negated=negated, certainty_note=certainty_note,
                     directness_note=directness_note, curator=curator)


def _parse_context(context, keys, ctx: dict, resolve) -> None:
    """``KEY=VALUE`` pairs into ``ctx`` (entities resolved, choices checked)."""
    for pair in context:
        key, sep, value = pair.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or key not in keys:
            raise CurationInput(f"context {pair!r}: write KEY=VALUE with KEY one of "
                                + ", ".join(keys))
        if key in ("study_type", "population"):
            _check_choice(f"context {key}", value.strip(),
                          STUDY_TYPES if key == "study_type" else POPULATIONS)
            ctx[key] = value.strip()
        elif key == "modality":
            ctx.setdefault(key, []).append(_check_choice("context modality", value.strip(),
                                                         MODALITIES))
        elif key == "setting":
            ctx.setdefault(key, []).append(value.strip())
        else:
            ctx.setdefault(key, []).append(resolve(value, key, can_create=False))


def _add_item(paths, cur, proposal, source_id, source_path, ids, rel, refs, quote, stats, ctx,
              weight, notes, *, ident, level, section, direction, negated, certainty_note,
              directness_note, curator) -> str:
    """Append the evidence item to ``proposal``; returns its id."""
    _warn_refs(cur, source_id, quote, refs, notes)
    existing = proposal.ids or {e.id for e in cur.evidence}
    proposal.ids = existing
    base = ident or f"{source_id}-{_slug(ids['subject'])}-{rel.name.lower()}-{_slug(ids['object'])}"
    ident, n = base, proposal.suffixes.get(base, 2)
    while ident in existing:
        ident, n = f"{base}-{n}", n + 1
    proposal.suffixes[base] = n             # the next free suffix: linear for repeated claims
    item = {"id": ident, "subject": ids["subject"], "predicate": rel.name,
            "object": ids["object"], "refs": [int(r) for r in refs]}
    if level:
        item["level"] = level
    if section:
        item["section"] = section
    item["quote"] = quote
    if stats:
        item["statistics"] = stats
    if ctx:
        item["context"] = ctx
    if direction:
        item["direction"] = direction
    if negated:
        item["negated"] = True
    item["certainty"] = weight["certainty"]
    if certainty_note:
        item["certainty_note"] = certainty_note
    item["directness"] = weight["directness"]
    if directness_note:
        item["directness_note"] = directness_note
    item["status"] = "draft"
    if curator:
        item["curator"] = orcid(curator)
    item["added"] = datetime.date.today().isoformat()
    proposal.append(source_path, _dump(item))
    existing.add(ident)
    proposal.new_items.add(ident)
    return ident


def _check_choice(what: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise CurationInput(f"{what} {value!r}: use one of {', '.join(allowed)}")
    return value


def _design(cur: Curation, source_id: str) -> str | None:
    """A primary study's design read from its text (kg.curation.design); None for a review."""
    from kg.curation.design import study_design
    source = cur.sources[source_id]
    text = source.normalised_text if source.primary else None
    return study_design(text)[0] if text else None


def _weigh(quote: str, level: str | None, ctx: dict, notes: list[str], *,
           certainty: str | None, directness: str | None, study_type: str | None,
           design: str | None = None) -> dict:
    """Certainty, directness and study type (into ``ctx``): as given, else suggested from the
    quote (for a primary study of ``design``: the quote's own system, else the design), with a
    note saying so. A given value that contradicts the quote is left for the lints to reject
    (e.g. certainty stated while the quote says 'may')."""
    if study_type and ctx.get("study_type") and study_type != ctx["study_type"]:
        raise CurationInput(f"--study-type {study_type!r} and context study_type="
                            f"{ctx['study_type']!r} disagree: give one", "study_type")
    study_type = study_type or ctx.get("study_type")
    if study_type is None and design is not None:
        from kg.curation.design import sentence_study_type
        study_type = sentence_study_type(quote, design)
        notes.append(f"suggested study type: {study_type} (the primary study's design, or the "
                     "quote's own system; --study-type to change)")
    if study_type is None:
        suggested, cue = ("review statement", "level review-statement") \
            if level == "review-statement" else suggest_study_type(quote)
        if suggested:
            notes.append(f"suggested study type: {suggested} (quote says {cue!r}; "
                         "--study-type to change)")
            study_type = suggested
    if study_type is None:
        raise CurationInput("the quote names no study design: give --study-type (study_type "
                            "in a TSV), one of " + ", ".join(STUDY_TYPES), "study_type")
    with _Column("study_type"):
        ctx["study_type"] = _check_choice("study type", study_type, STUDY_TYPES)
    if certainty is None:
        certainty, cue = suggest_certainty(quote)
        why = f"quote says {cue!r}" if cue else "no hedge word in the quote"
        notes.append(f"suggested certainty: {certainty} ({why}; --certainty to change)")
    if directness is None:
        directness = "direct"
        notes.append("suggested directness: direct (--directness extrapolated when the "
                     "evidence comes from another disease, product or setting)")
    with _Column("certainty"):
        certainty = _check_choice("certainty", certainty, CERTAINTIES)
    with _Column("directness"):
        return {"certainty": certainty,
                "directness": _check_choice("directness", directness, DIRECTNESS)}


def _warn_refs(cur: Curation, source_id: str, quote: str, refs: list[int],
               notes: list[str]) -> None:
    """Warn about reference numbers cited neither in the quote nor just after it."""
    text = cur.sources[source_id].normalised_text
    quote = normalise_whitespace(quote)
    at = text.find(quote) if text else -1
    if at < 0 or not refs:
        return
    near = set(cited_numbers(text[max(at - 40, 0):at + len(quote) + 80]))
    missing = [r for r in refs if int(r) not in near]
    if missing:
        notes.append(f"warning: refs {', '.join(map(str, missing))} are not cited in or next "
                     "to the quote; check the numbers against the review's text")


def add_source(paths: ProjectPaths, *, ident: str, title: str, year: int, journal: str,
               licence: str, doi: str | None = None, pmid: str | None = None,
               authors: list[str] = (), text: str | None = None,
               reference_count: int | None = None, kind: str = "review") -> Path:
    """Register a paper in ``sources/<id>.yaml`` (validated, then written atomically).
    ``kind``: ``review`` (its items cite primary studies by reference number) or
    ``primary-study`` (its items report its own results; a DOI or PMID is optional).
    ``text``: the full text, a regular file (a symlink is resolved and its target recorded)
    within the size limit of ``check_text_file``."""
    import os
    path = paths.curation / "sources" / f"{checked_id(ident, 'source id')}.yaml"
    meta = {"id": ident, "kind": kind if kind != "review" else None, "doi": doi,
            "pmid": str(pmid) if pmid else None, "title": title,
            "authors": list(authors), "year": year, "journal": journal, "licence": licence}
    if text:
        target = Path(text).resolve()
        problem = check_text_file(target, roots=text_roots(paths))
        if problem:
            raise CurationInput(f"--text {text}: {problem}")
        if target != Path(text).absolute():
            print(f"cartkg curate add-source: --text {text} is a link; recording its target "
                  f"{target}", file=sys.stderr)
        meta["text"] = os.path.relpath(target, paths.root)
    if reference_count:
        meta["reference_count"] = reference_count
    meta = {k: v for k, v in meta.items() if v not in (None, [], "")}
    body = yaml.safe_dump({"source": meta}, sort_keys=False, allow_unicode=True, width=100000)
    with curation_lock(paths) as lock:
        if path.exists():
            raise CurationInput(f"{path.relative_to(paths.root)} already exists")
        proposal = Proposal(paths)
        proposal.replace(path, body + "\nevidence:\n")
        proposal.write(lock)
    return path


REGISTER_HEADER = ("# The primary-study register: see ontology/curation/README.md (Primary studies).\n"
                   "primary_studies:\n")


def parse_citation(spec: str) -> dict:
    """``REVIEW:REF=WORDS`` (e.g. ``xu2023:29=Ruella et al. (29) found ...``) into a cited_as
    entry; the words must be the review's own, checked word for word on validation.

    >>> parse_citation("xu2023:29=Ruella et al. (29) found")
    {'source': 'xu2023', 'ref': 29, 'basis': 'Ruella et al. (29) found'}
    """
    m = re.fullmatch(r"\s*([a-z0-9-]+)\s*:\s*(\d+)\s*=\s*(.+?)\s*", spec, re.DOTALL)
    if not m:
        raise CurationInput(f"--cite {spec!r}: write REVIEW:REF=WORDS, e.g. "
                            "xu2023:29=\"Ruella et al. (29) found ...\"")
    return {"source": m.group(1), "ref": int(m.group(2)), "basis": m.group(3)}


def parse_check(spec: str) -> dict:
    """``URL=WHAT MATCHED`` into a checked entry.

    The address ends at the last "=" before the first space, so an address may hold "=":

    >>> parse_check("https://pubmed.ncbi.nlm.nih.gov/1/=author, year")
    {'url': 'https://pubmed.ncbi.nlm.nih.gov/1/', 'matched': 'author, year'}
    >>> parse_check("https://example.org/a?dopt=Abstract=first author, year")["url"]
    'https://example.org/a?dopt=Abstract'
    """
    head = spec.strip().split(None, 1)[0] if spec.strip() else ""
    cut = head.rfind("=")
    url, sep, matched = (spec.strip()[:cut], "=", spec.strip()[cut + 1:]) if cut > 0 \
        else ("", "", "")
    if not sep or not matched.strip():
        raise CurationInput(f"--checked {spec!r}: write URL=WHAT MATCHED, e.g. "
                            "https://pubmed.ncbi.nlm.nih.gov/29713085/=\"first author, year, title\"")
    return {"url": url.strip(), "matched": matched.strip()}


def add_primary_study(paths: ProjectPaths, *, ident: str, first_author: str, year: int,
                      title: str, journal: str, cited_as: list[dict], checked: list[dict],
                      doi: str | None = None, pmid: str | None = None,
                      note: str | None = None) -> str:
    """Add one entry to the primary-study register (validated with the whole curation: DOI and
    PMID form, review and reference range, basis word for word, a checked address; then written
    atomically under the curation lock, or nothing is written)."""
    from kg.curation.references import REGISTER_FILE
    path = paths.curation / REGISTER_FILE
    item = {"id": ident, "first_author": first_author, "year": year, "title": title,
            "journal": journal, "doi": doi, "pmid": str(pmid) if pmid else None,
            "cited_as": cited_as, "checked": checked, "note": note}
    item = {k: v for k, v in item.items() if v not in (None, "")}
    block = "".join(f"  {line}" if line else line for line in _dump(item).splitlines(True))
    with curation_lock(paths) as lock:
        proposal = Proposal(paths)
        proposal.append(path, block, REGISTER_HEADER)
        proposal.write(lock)
    return ident


def add_evidence(paths: ProjectPaths, **kwargs) -> str:
    with curation_lock(paths) as lock:
        cur = load_curation(paths)
        proposal = Proposal(paths)
        ident = propose_evidence(paths, cur, proposal, **kwargs)
        proposal.write(lock)
    return ident


TSV_COLUMNS = ("source", "subject", "predicate", "object", "quote", "refs")


def _flag(text: str | None) -> bool:
    value = (text or "").strip().lower()
    if value not in ("", "true", "false", "yes", "no"):
        raise CurationInput(f"negated {text!r}: write true or false")
    return value in ("true", "yes")


WEIGHT_COLUMNS = ("certainty", "certainty_note", "directness", "directness_note", "study_type")


DECISIONS = ("accepted", "edited", "rejected")    # the review page's ``decision`` column
# Fields of a staged evidence item (and of its statistics and context) -> the TSV column
# they come from, so a problem found when the whole curation is validated names the column.
FIELD_COLUMNS = {**{k: "statistics" for k in ("measure", "value", "text", "comparator", "arm",
                                              "comparator_arm", "unit", "p_value",
                                              "p_qualifier", "n")},
                 **{k: "context" for k in ("disease", "product", "trial", "population",
                                           "modality", "setting")},
                 "study_type": "study_type"}


def import_tsv(paths: ProjectPaths, tsv: Path, notes: list[str] | None = None) -> list[str]:
    """Add every row of ``tsv`` or none: each bad row is reported with its line number and
    column. Columns: source, subject, predicate, object, quote, refs (comma-separated), and
    optionally statistics and context (';'-separated), curator, section, direction, level,
    negated (true/false), certainty, certainty_note, directness, directness_note, study_type;
    from the review page also ``decision`` (accepted, edited or rejected: rejected rows are not
    imported) and subject_text/object_text with suggested_subject/suggested_object (an entity
    the curator changed teaches the assistant that surface text, kg.curation.learned); other
    columns (e.g. suggest's confidence) are ignored. Suggestions and warnings are appended to
    ``notes``. The file must be a regular file of at most MAX_TSV_BYTES; the work is linear
    in rows."""
    notes = [] if notes is None else notes
    problem = check_text_file(Path(tsv).resolve(), MAX_TSV_BYTES)
    if problem:
        raise CurationErrors([CurationError(str(tsv), 0, "", problem)])
    with curation_lock(paths) as lock:
        return _import_rows(paths, lock, tsv, notes)


def _tsv_rows(fh, tsv: Path):
    """(line, row) of each row of the TSV open in ``fh``; CurationErrors naming the line when
    columns are missing or a row cannot be read (a field over the csv module's limit, a NUL)."""
    reader = csv.DictReader(fh, delimiter="\t")
    try:
        missing = [c for c in TSV_COLUMNS if c not in (reader.fieldnames or [])]
        if missing:
            raise CurationErrors([CurationError(str(tsv), 1, ",".join(missing),
                                                "missing columns", "header needs: "
                                                + "\t".join(TSV_COLUMNS))])
        for row in reader:
            yield reader.line_num, row
    except csv.Error as exc:
        raise CurationErrors([CurationError(
            str(tsv), reader.reader.line_num, "", f"cannot be read as tab-separated values ({exc})",
            f"keep each field under {csv.field_size_limit()} characters (a quote is the "
            "sentence or two the claim rests on) and the file free of NUL bytes")]) from None


def _import_rows(paths: ProjectPaths, lock: LockHeld, tsv: Path, notes: list[str]) -> list[str]:
    from kg.curation.learned import learned_path, load_learned
    cur = load_curation(paths)
    proposal = Proposal(paths)
    resolve = Resolver(cur)
    learned = load_learned(paths)
    problems, ids, rows_of, taught = [], [], {}, 0
    with open(tsv, encoding="utf-8-sig", newline="") as fh:     # a byte-order mark is skipped
        for line, row in _tsv_rows(fh, tsv):
            row_notes = []
            decision = (row.get("decision") or "").strip().lower()
            if decision and decision not in DECISIONS:
                problems.append(CurationError(str(tsv), line, "decision",
                                              f"decision {decision!r} is not one of "
                                              f"{', '.join(DECISIONS)}", "leave it empty to import"))
                continue
            try:
                if decision == "rejected":
                    taught += learned.add_rejected({k: (row.get(k) or "").strip() for k in
                                                    ("quote", "subject", "predicate", "object")}
                                                   | {"source": _source_file(
                                                       paths, cur, row["source"])[0]})
                    continue
                refs = [int(r) for r in re.split(r"[,\s]+", row["refs"] or "") if r]
                ident = propose_evidence(
                    paths, cur, proposal, source=row["source"], subject=row["subject"],
                    predicate=row["predicate"], object=row["object"], quote=row["quote"],
                    refs=refs,
                    statistics=[s for s in (row.get("statistics") or "").split(";") if s.strip()],
                    context=[c for c in (row.get("context") or "").split(";") if c.strip()],
                    curator=row.get("curator") or None, section=row.get("section") or None,
                    direction=row.get("direction") or None, level=row.get("level") or None,
                    resolve=resolve, negated=_flag(row.get("negated")), notes=row_notes,
                    **{k: row.get(k) or None for k in WEIGHT_COLUMNS})
                ids.append(ident)
                rows_of[ident] = line
                taught += _teach(learned, row, resolve, _source_file(paths, cur, row["source"])[0])
                notes.extend(f"{tsv}:{line}: {n}" for n in row_notes)
            except ValueError as exc:
                problems.append(CurationError(str(tsv), line, "refs", str(exc),
                                              "refs are whole numbers separated by commas"))
            except CurationInput as exc:
                problems.append(CurationError(str(tsv), line, exc.column or "", str(exc)))
    if problems:
        raise CurationErrors(problems)
    if taught:
        proposal.replace(learned_path(paths), learned.dump())
        notes.append(f"{tsv}: {len(learned.synonyms)} learned names and {len(learned.rejected)} "
                     f"rejected candidates now in {learned_path(paths)}")
    try:
        proposal.write(lock)
    except CurationErrors as exc:
        raise CurationErrors([_row_problem(paths, proposal, tsv, rows_of, p)
                              for p in exc.problems]) from exc
    return ids


def _teach(learned, row: dict, resolve: "Resolver", source_id: str) -> int:
    """Record each entity the curator changed on the review page: the text the assistant had
    tagged (``subject_text``) now names the entity chosen. Returns how many were new."""
    new = 0
    for role in ("subject", "object"):
        text, suggested = (row.get(f"{role}_text") or "").strip(), \
            (row.get(f"suggested_{role}") or "").strip()
        if text and suggested:
            chosen = resolve(row[role], role, can_create=False)
            if chosen != suggested:
                new += learned.add_synonym(text, chosen, source_id)
    return new


def _row_problem(paths: ProjectPaths, proposal: Proposal, tsv: Path, rows_of: dict[str, int],
                 problem: CurationError) -> CurationError:
    """A problem found in a staged item, told as the TSV row and column it came from."""
    staged = proposal.files.get((paths.root / problem.path).resolve())
    ident = None
    if staged is not None and problem.line:
        for text in reversed(staged.splitlines()[:problem.line]):
            if m := re.match(r"^- id: (\S+)", text):
                ident = m.group(1)
                break
    if ident not in rows_of:
        return CurationError(str(tsv), 0, "", f"rejected by validation: {problem.render()}")
    column = FIELD_COLUMNS.get(problem.field, problem.field)
    return CurationError(str(tsv), rows_of[ident], column, problem.problem, problem.fix)


def review(paths: ProjectPaths, ident: str, status: str, curator: str,
           comment: str | None = None, date: str | None = None) -> Path:
    """Record a review of evidence item ``ident`` and set its status."""
    if status not in ("accepted", "rejected", "needs-work"):
        raise CurationInput(f"status {status!r}: use accepted, rejected or needs-work")
    who = orcid(curator)
    with curation_lock(paths) as lock:
        return _review(paths, lock, ident, status, who, comment, date)


def _review(paths: ProjectPaths, lock: LockHeld, ident: str, status: str, who: str,
            comment: str | None, date: str | None) -> Path:
    cur = load_curation(paths)
    item = next((e for e in cur.evidence if e.id == ident), None)
    if item is None:
        raise CurationInput(f"no evidence item {ident!r}")
    path = paths.root / item.where.rsplit(":", 1)[0]
    text = path.read_text(encoding="utf-8")
    m = re.search(rf"(?m)^- id: {re.escape(ident)}\n(?:(?!- id: ).*\n?)*", text)
    block = m.group(0).rstrip("\n")
    block = re.sub(r"(?m)^  status: .*$\n?", "", block)
    entry = {"curator": who, "status": status,
             "date": date or datetime.date.today().isoformat()}
    if comment:
        entry["comment"] = comment
    line = "    - " + yaml.safe_dump(entry, default_flow_style=True, allow_unicode=True,
                                     width=100000).strip()
    if re.search(r"(?m)^  reviews:", block):
        block = block + "\n" + line
    else:
        block = block + "\n  reviews:\n" + line
    block = block.replace("\n  reviews:", f"\n  status: {status}\n  reviews:", 1)
    new_text = text[:m.start()] + block + "\n" + ("\n" if text[m.end():].strip() else "") \
        + text[m.end():].lstrip("\n")
    proposal = Proposal(paths)
    proposal.replace(path, new_text)
    proposal.write(lock)
    return path
