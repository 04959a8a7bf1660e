"""The names a curator meets in primary abstracts, derived from each entity's own label and
synonyms for the curation assistant's tagger (``kg.curation.suggest.entity_index``); the graph's
names (the entity files) stay as curated.

Each rule keeps the name's head word and its modifiers, never a shared prefix, and never makes
a generic word alone a specific entity:

- **generic words**: a one-word name such as "resistance", "response" or "myeloid" is dropped,
  unless the entity is that generic concept itself (label "Relapse" keeps "relapse");
- **intensity**: "low X" is also "reduced / decreased / diminished / lower / lowered / dim X",
  "lower X levels", "lower levels of X" (and "high X" "elevated / increased / higher / raised
  X", "higher X levels"; cells also "fewer / more X cells"): "Trogocytosis lowered antigen
  density" names low antigen density;
- **antigen qualifiers**: "CD19-low" is also "CD19lo", "CD19dim", "low CD19"; "CD19-negative"
  also "CD19neg";
- **density words**: "antigen density" is also "site density";
- **the cell words**: a finding named "CAR-T cell fratricide" or "persistence of CAR-T cells" is
  also its head with its own modifiers ("fratricide", "poor persistence") when the head says
  what the cells do (CELL_PROCESSES), never a generic word;
- **states**: "T-cell exhaustion" is also "exhausted T cells", "an exhausted state /
  phenotype" (STATE_ADJECTIVES);
- **British and American spellings** ("tumour burden" / "tumor burden");
- **process nouns**: "exon 2 skipping" is also "skipping of exon 2", "CD19 mutation" also
  "mutation in CD19" and "CD19-mutated", "MLL rearrangement" "MLL-rearranged";
- **relapse with a qualifier**: "CD19-negative relapse" is also "relapse with CD19-negative
  leukaemia", "relapsed with CD19-negative disease", "CD19-negative (immune) escape";
- **prior therapy**: "prior X" is also "previous / earlier X", "prior treatment with X",
  "X-exposed";
- **abbreviations an abstract defines** ("loss of heterozygosity (LOH)"): every name holding the
  long form is also written with the abbreviation, for that abstract (``with_abbreviations``);
- **coordinated names**: "Defective CD19 processing and trafficking" is also each conjunct,
  "defective CD19 processing" and "defective CD19 trafficking" (never a coordination of
  antigens: "CD19 and CD22 targeting" is dual targeting, not CD22 targeting);
- **paraphrased heads** (HEAD_PARAPHRASES, a short curated table): the head word of a name of
  two words or more in the words authors use for it, its modifiers kept ("lineage switch" →
  "lineage change / conversion", "loss of CD19 expression" → "absence of CD19 expression",
  "selection of CD19-negative clones" → "outgrowth of CD19-negative precursors", "defective
  CD19 trafficking" → "impaired CD19 trafficking", "memory gene signature" → "memory
  transcripts");
- **brackets**: "International Prognostic Index (IPI)" is also "International Prognostic
  Index" (a name of two words or more without its bracketed part);
- **responders**: "complete response" is also "complete responder", "non-response"
  "non-responder";
- **dysfunction**: "poor T-cell function" is also "T-cell dysfunction", "dysfunction of T cells";
- **marker cells**: "CD4+Helios+ CAR-T cells" are also "CD4+ CAR-T cells (co-)expressing
  Helios", with or without the other markers' plus signs;
- **marker signs**: "CD22-positive" is also "CD22+" (and "CD19-negative" "CD19−": the tagger
  reads the minus sign as "neg");
- **outcome verbs**: "patients who relapsed" / "whose lymphoma later progressed" / "whose
  treatment failed" name relapse / progressive disease / treatment failure (never "relapsed
  or refractory"); "stayed / remained in remission" durable remission; "lost CD19", "CD19
  was negative / absent" the loss of CD19 expression;
- **context**: "resistance" / "resistant" / "failure" / "fail(ed)" / "escape" in a sentence
  naming a therapy is treatment failure ("may cause CART19 to fail"), and "response(s)" beside a therapy or a marker is objective response
  (``resolved_mentions``); on their own they are nothing.

A derived name that is another entity's own name, or that two entities derive, is dropped:
derivation never overrides or blurs a curated name.

>>> "fratricide" in derived_names("CAR-T cell fratricide", "mechanism")
True
>>> derived_names("T-cell failure", "mechanism")        # "failure" alone says nothing specific
set()
>>> is_generic("resistance"), is_generic("antigen density")
(True, False)
"""
from __future__ import annotations

import dataclasses
import re
from typing import Any

from kg.text import lookup_key, singular

# Words that alone name no specific entity: which resistance, response or relapse is meant
# comes from the words around them.
GENERIC = frozenset("resistance resistant response relapse recurrence remission failure myeloid "
                    "progression escape refractory expansion toxicity survival outcome efficacy "
                    "activity".split())
LOW = ("low", "lower", "lowered", "reduced", "decreased", "diminished", "dim")
HIGH = ("high", "higher", "elevated", "increased", "raised")
ANTIGEN = re.compile(r"^(?:cd\d+[a-z]?|antigen|bcma|her2)$")
ANTIGEN_QUALIFIERS = ({"low", "lo", "dim"}, {"negative", "neg"}, {"positive", "pos"})
CELL_WORDS = (("car", "t", "cell"), ("car", "t"), ("t", "cell"), ("car",))
CELL_CATEGORIES = ("mechanism", "biomarker", "outcome")
# What a finding named after the cells says of them: the head words the cell words may drop.
CELL_PROCESSES = frozenset("persistence exhaustion fratricide expansion failure dysfunction "
                           "fitness senescence proliferation trafficking".split())
# The adjective of a cell process that names the cells' state: "T-cell exhaustion" is also
# "exhausted T cells" and "an exhausted state / phenotype".
STATE_ADJECTIVES = {"exhaustion": "exhausted", "senescence": "senescent",
                    "dysfunction": "dysfunctional"}
STATE_NOUNS = ("state", "phenotype")
# Categories whose names are states with an intensity ("high LDH", "low antigen density"),
# unlike strategies ("higher dose" is an escalation, "high-dose therapy" none).
INTENSITY_CATEGORIES = ("mechanism", "biomarker", "outcome", "cell-population")
PROCESS_NOUNS = frozenset("loss skipping splicing deletion mutation switch modulation "
                          "downmodulation downregulation rearrangement amplification alteration "
                          "concealment masking exhaustion fratricide".split())
PARTICIPLES = {"rearrangement": "rearranged", "mutation": "mutated", "deletion": "deleted",
               "amplification": "amplified", "alteration": "altered"}
RELAPSE_QUALIFIERS = frozenset("negative positive low dim loss".split())
DISEASE_NOUNS = ("leukaemia", "leukemia", "disease", "lymphoma", "blast", "tumour", "tumor")
PRIOR = ("prior", "previous", "earlier", "preceding")
# A generic word read as one entity when the sentence names an entity of these categories:
# "resistance to CART-19", "CTL019 could no longer recognise ..., conferring resistance",
# "failure of axicabtagene ciloleucel", "cause CART19 to fail" (a name holding the word,
# "production failure", "failed to expand", wins);
# "response to tisagenlecleucel", "high LDH predicted poor responses".
# The outcome verbs: "patients who relapsed", "whose lymphoma later progressed" (never the
# adjective of "relapsed or refractory B-ALL"), "whose treatment failed", resolved whatever
# else the sentence names. "Stayed / remained in remission" is durable remission, and
# "lost CD19", "CD19 was negative / absent" the loss of CD19 expression.
VERB_SUBJECT = (r"(?:who|that|which|whose\s+\w+|had|have|has|patients|children|adults|mice|"
                r"them|\d+)")
ADVERBS = r"(?:later|subsequently|eventually|ultimately|then|all)"
RESOLVED_BY_CONTEXT = ((re.compile(r"(?<![\w-])(?:resist(?:ance|ant)|fail(?:ure|s|ed|ing)?|"
                                    r"escape[sd]?)(?![\w-])", re.I),
                        ("therapy",), "treatment-failure"),
                       (re.compile(r"(?<![\w-])respon(?:se|ses|ded|ders?)(?![\w-])", re.I),
                        ("therapy", "biomarker"), "objective-response"),
                       *((re.compile(rf"\b{VERB_SUBJECT}\s+(?:{ADVERBS}\s+)?({verb})\b"
                                     r"(?!\s*(?:or|and|/)\s*refractory)", re.I), None, entity)
                         for verb, entity in (("relapsed", "relapse"),
                                              ("progressed", "progressive-disease"))),
                       (re.compile(r"\b(?:treatment|therapy)\s+(?:had\s+)?(failed)\b", re.I), None,
                        "treatment-failure"),
                       (re.compile(r"\b((?:remain(?:ed|s)?|stay(?:ed|s)?|(?:were|was|are|is)\s+still)"
                                   r"\s+in\s+(?:(?:complete|continuous|ongoing|sustained)\s+)?"
                                   r"remission)\b", re.I), None, "durable-remission"),
                       (re.compile(r"\b(los(?:t|e|es|ing)\s+(?:(?:surface|their|its)\s+)?CD19)\b"
                                   r"|\b(CD19\s+(?:expression\s+)?(?:was|were|had\s+been|became)\s+"
                                   r"(?:\w+\s+)?(?:lost|absent|negative|undetectable))\b"),
                        None, "loss-of-cd19-expression"))
# The words authors use for a name's head word (precision first: each keeps the sense, and the
# name's other words are always kept, so a paraphrase alone is never a name).
HEAD_PARAPHRASES = {"switch": ("switching", "conversion", "change", "shift"),
                    "conversion": ("switch", "change", "shift"),
                    "selection": ("outgrowth",),
                    "clone": ("subclone", "precursor", "progenitor"),
                    "loss": ("absence",),
                    "defective": ("impaired", "disrupted", "aberrant"),
                    "related": ("associated",),
                    "primary": ("initial",)}
# ... and for a head of two words: a gene signature is read in its transcripts.
PHRASE_PARAPHRASES = {"gene signature": ("transcripts", "transcriptional signature", "genes"),
                      "gene expression": ("transcripts", "genes")}
POOR = ("poor", "impaired", "defective", "reduced")
FUNCTION = ("function", "functionality")
# British and American spellings: a name written one way is met written the other.
SPELLINGS = (("tumour", "tumor"), ("leukaemia", "leukemia"), ("leukaemic", "leukemic"),
             ("haematopoietic", "hematopoietic"), ("haematological", "hematological"),
             ("signalling", "signaling"), ("optimise", "optimize"), ("optimising", "optimizing"),
             ("randomised", "randomized"), ("naive", "naïve"))
SPELLING_SWAP = {a: b for pair in SPELLINGS for a, b in (pair, pair[::-1])}
# Categories of findings, whose names say what they involve ("CD19 gene mutation").
FINDINGS = ("mechanism", "biomarker")
Mention = Any            # kg.answers.tagger.Mention


def is_generic(name: str) -> bool:
    """Whether ``name`` is one generic word ("resistance", "responses")."""
    key = lookup_key(name)
    return key in GENERIC or (key.endswith("s") and key[:-1] in GENERIC)


def _intensity(words: list[str]) -> set[str]:
    """"low X" → "reduced X", ..., "lower X levels", "lower levels of X"; "high X" likewise,
    and "more X" / "fewer X" for cells ("increased regulatory T cells" → "more regulatory T
    cells")."""
    for family, count in ((LOW, "fewer"), (HIGH, "more")):
        if words[0] in family and len(words) > 1:
            rest = " ".join(words[1:])
            levels = {f"{w} {rest} levels" for w in family[:2]} \
                | {f"{w} levels of {rest}" for w in family[:2]}
            cells = {f"{count} {rest}"} if words[-1] in ("cell", "cells") else set()
            return {" ".join([w, *words[1:]]) for w in family} | levels | cells
    return set()


def _antigen_qualifiers(words: list[str]) -> set[str]:
    out = set()
    for i in range(len(words) - 1):
        if not ANTIGEN.match(words[i]):
            continue
        rest, antigen = words[i + 2:], words[i]
        for family in ANTIGEN_QUALIFIERS:
            if words[i + 1] in family:
                forms = [f"{antigen}{q}" for q in family] + [f"{antigen} {q}" for q in family]
                if family is ANTIGEN_QUALIFIERS[0]:
                    forms += [f"{q} {antigen}" for q in ("low", "dim")]
                out |= {" ".join([*words[:i], f, *rest]) for f in forms}
    return out


def _density(key: str) -> set[str]:
    return {key.replace("antigen density", "site density")} if "antigen density" in key \
        else set()


def _without_cell_words(words: list[str]) -> set[str]:
    """The name without the longest run of cell words before its head word, or after its
    head as "of CAR-T cells"."""
    words = ["cell" if w == "cells" else w for w in words]
    head = words[-1] if words[-1] in CELL_PROCESSES else None
    for run in CELL_WORDS:                          # longest first
        n = len(run)
        if head and len(words) > n and tuple(words[-n - 1:-1]) == run:
            return {" ".join(words[:-n - 1] + words[-1:])}
        if len(words) > n + 1 and tuple(words[-n:]) == run and words[-n - 1] == "of" \
                and words[-n - 2] in CELL_PROCESSES:
            return {" ".join(words[:-n - 1])}
    return set()


def _state(words: list[str]) -> set[str]:
    """"T-cell exhaustion" → "exhausted T cells", "exhausted state", "exhausted phenotype":
    only a name made of cell words and the process (STATE_ADJECTIVES)."""
    cells = tuple("cell" if w == "cells" else w for w in words[:-1])
    adjective = STATE_ADJECTIVES.get(words[-1])
    if adjective is None or cells not in CELL_WORDS:
        return set()
    return {f"{adjective} {' '.join(words[:-1])}", *(f"{adjective} {n}" for n in STATE_NOUNS)}


def _process_inverted(words: list[str]) -> set[str]:
    """"exon 2 skipping" → "skipping of exon 2"; "CD19 alternative splicing" (an antigen
    first) → "alternative splicing of CD19" too."""
    if not 2 <= len(words) <= 4 or words[-1] not in PROCESS_NOUNS or words[0] in LOW + HIGH:
        return set()
    splits = [(words[-1:], words[:-1])]
    if len(words) >= 3 and ANTIGEN.match(words[0]):
        splits.append((words[1:], words[:1]))
    return {f"{' '.join(head)} {link} {' '.join(rest)}" for head, rest in splits
            for link in ("of", "of the", "in")}


def _participle(words: list[str]) -> set[str]:
    """"MLL rearrangement" → "MLL-rearranged", "TP53 mutation" → "TP53-mutated"."""
    if len(words) == 2 and words[-1] in PARTICIPLES:
        return {f"{words[0]} {PARTICIPLES[words[-1]]}"}
    return set()


def _relapse(words: list[str]) -> set[str]:
    if len(words) < 2 or words[-1] != "relapse" or not RELAPSE_QUALIFIERS & set(words[:-1]):
        return set()
    q = " ".join(words[:-1])
    return {f"{verb} with {q} {noun}" for verb in ("relapse", "relapsed")
            for noun in DISEASE_NOUNS} | {f"{q} escape", f"{q} immune escape",
                                         f"{q} recurrence"}


def _conjuncts(name: str, words: list[str]) -> set[str]:
    """"defective CD19 processing and trafficking" → each conjunct with the shared words; not
    for lists ("A, B and C"), nor antigens or numbers coordinated."""
    if words.count("and") != 1 or "," in name:
        return set()
    i = words.index("and")
    if not 0 < i < len(words) - 1 or len(words) < 4:
        return set()
    a, b = words[i - 1], words[i + 1]
    if any(ANTIGEN.match(w) or w.isdigit() for w in (a, b)):
        return set()
    return {" ".join([*words[:i - 1], w, *words[i + 2:]]) for w in (a, b)}


def _head_paraphrases(words: list[str]) -> set[str]:
    """Each word of HEAD_PARAPHRASES (and phrase of PHRASE_PARAPHRASES) in a name of two words
    or more replaced by its paraphrases (one or two at once), the other words kept."""
    if len(words) < 2:
        return set()
    key = f" {' '.join(words)} "
    out = [words] + [f"{key.replace(f' {phrase} ', f' {alt} ')}".split()
                     for phrase, alternatives in PHRASE_PARAPHRASES.items()
                     if f" {phrase} " in key and key.strip() != phrase for alt in alternatives]
    for i, w in enumerate(words):
        alternatives = HEAD_PARAPHRASES.get(w) or HEAD_PARAPHRASES.get(w[:-1], ())
        out += [[*form[:i], alt, *form[i + 1:]] for form in list(out) for alt in alternatives]
    return {" ".join(form) for form in out[1:]}


def _marker_cells(words: list[str]) -> set[str]:
    """"CD4+Helios+ CAR-T cells (at day 7)" → "CD4+ CAR-T cells (co-)expressing Helios (at day
    7)" and "CD4 CAR-T cells ...": cells of two markers or more, one of them written as what
    the cells express, the others with or without their plus sign."""
    markers, i = [], 0
    while i + 1 < len(words) and words[i + 1] == "pos":
        markers.append(words[i])
        i += 2
    cell = next((j for j in range(i, min(i + 3, len(words))) if words[j] in ("cell", "cells")),
                None)
    if len(markers) < 2 or cell is None:
        return set()
    cells, tail = " ".join(words[i:cell + 1]), " ".join(words[cell + 1:])
    out = set()
    for k, expressed in enumerate(markers):
        others = markers[:k] + markers[k + 1:]
        for sign in (" pos", ""):
            head = " ".join(f"{m}{sign}" for m in others)
            out |= {f"{head} {cells} {verb} {expressed} {tail}".strip()
                    for verb in ("expressing", "co expressing")}
    return out


def _responder(words: list[str]) -> set[str]:
    """"complete response" → "complete responder", "non-response" → "non-responder"."""
    return {" ".join([*words[:-1], "responder"])} \
        if len(words) >= 2 and words[-1] == "response" else set()


def _dysfunction(words: list[str]) -> set[str]:
    """"poor T-cell function" / "poor functionality of T cells" → "T-cell dysfunction",
    "dysfunction of T cells"."""
    if len(words) < 3 or words[0] not in POOR:
        return set()
    if words[-1] in FUNCTION:
        rest = words[1:-1]
    elif words[1] in FUNCTION and words[2] == "of" and len(words) > 3:
        rest = words[3:]
    else:
        return set()
    return {f"{' '.join(rest)} dysfunction", f"dysfunction of {' '.join(rest)}"}


def _spelling(words: list[str]) -> set[str]:
    if not any(w in SPELLING_SWAP for w in words):
        return set()
    return {" ".join(SPELLING_SWAP.get(w, w) for w in words)}


def _prior(words: list[str]) -> set[str]:
    if len(words) < 2 or words[0] not in PRIOR:
        return set()
    rest = " ".join(words[1:])
    return ({f"{p} {rest}" for p in PRIOR} | {f"{p} {how} {rest}" for p in PRIOR
                                             for how in ("treatment with", "exposure to")}
            | {f"{rest} exposed", f"{rest} pretreated"})


def _without_brackets(name: str) -> set[str]:
    """"International Prognostic Index (IPI)" → "International Prognostic Index"; "High
    disease burden (>15% leukaemic blasts)" → "High disease burden": a bracketed part says
    what the name stands for or how it is measured, and the text may leave it out."""
    bare = re.sub(r"\s*\([^()]*\)", " ", name).strip()
    return {bare} if bare != name and len(lookup_key(bare).split()) >= 2 else set()


def derived_names(name: str, category: str) -> set[str]:
    """The further forms of one entity name (lookup keys), by the rules above; none is a
    generic word alone, none the name itself."""
    key = lookup_key(name)
    words = key.split()
    if not words:
        return set()
    out = _antigen_qualifiers(words) | _density(key) | _relapse(words) | _prior(words) \
        | _process_inverted(words) | _participle(words) | _conjuncts(name, words) \
        | _head_paraphrases(words) | _responder(words) | _dysfunction(words) \
        | _marker_cells(words)
    if category in INTENSITY_CATEGORIES:
        out |= _intensity(words)
    if category in CELL_CATEGORIES:
        out |= _without_cell_words(words) | _state(words)
    out |= {d for k in list(out) for d in _density(k)}
    out |= {d for k in list(out) for d in _head_paraphrases(k.split())}
    out |= {d for k in [key, *out] for d in _spelling(k.split())}
    out |= {d for bare in _without_brackets(name)
            for d in {lookup_key(bare), *derived_names(bare, category)}}
    return {d for d in out if d != key and d.strip() and not is_generic(d)
            and any(len(w) >= 4 for w in d.split())}


def _singular(key: str) -> str:
    """A name's key with each word in the singular, as the tagger compares them."""
    return " ".join(singular(w) for w in key.split())


def surface_index(index: dict[str, dict]) -> dict[str, dict]:
    """``index`` (entity records as the tagger reads them) with generic one-word names dropped
    (but an entity's generic label) and the derived names added where no other entity has or
    derives the same name."""
    own = {iri: {_singular(lookup_key(n)) for n in [r["label"], *r.get("synonyms", ())]}
           for iri, r in index.items()}
    claimed: dict[str, set[str]] = {}
    for iri, keys in own.items():
        for k in keys:
            claimed.setdefault(k, set()).add(iri)
    derived: dict[str, set[str]] = {}
    for iri, rec in index.items():
        for name in [rec["label"], *rec.get("synonyms", ())]:
            for d in derived_names(name, rec["category"]):
                derived.setdefault(_singular(d), set()).add(iri)
    extra: dict[str, list[str]] = {}
    for d, owners in derived.items():
        if len(owners) == 1 and claimed.get(d, owners) == owners:
            iri = next(iter(owners))
            if d not in own[iri]:
                extra.setdefault(iri, []).append(d)
    out = {}
    for iri, rec in index.items():
        label_generic = is_generic(rec["label"])
        kept = [s for s in rec.get("synonyms", ()) if label_generic or not is_generic(s)]
        out[iri] = {**rec, "synonyms": kept + sorted(extra.get(iri, ()))}
    return out


# "long form (SF)": a short form of 2-10 letters, digits or hyphens in brackets
_SHORT_FORM = re.compile(r"\(\s*([A-Za-z][A-Za-z0-9-]{1,9})\s*\)")


def _long_form(before: str, short: str) -> str | None:
    """The words ending ``before`` that the letters of ``short`` abbreviate, the first letter
    starting a word (Schwartz and Hearst's rule), or None."""
    words = before.split()[-(min(len(short) + 5, 2 * len(short))):]
    letters = [c.lower() for c in short if c.isalnum()]
    text = " ".join(words)
    i, j = len(text) - 1, len(letters) - 1
    while j >= 0:
        c = letters[j]
        while i >= 0 and (text[i].lower() != c or (j == 0 and i > 0 and text[i - 1].isalnum())):
            i -= 1
        if i < 0:
            return None
        i -= 1
        j -= 1
    start = text.rfind(" ", 0, i + 1) + 1
    long_form = text[start:].strip(" ,;")
    return long_form if len(long_form.split()) >= 2 else None


def abbreviations(text: str) -> dict[str, str]:
    """Short form -> long form for each abbreviation ``text`` defines: "loss of
    heterozygosity (LOH)" gives {"LOH": "loss of heterozygosity"}.

    >>> abbreviations("loss of heterozygosity (LOH) and CD19 (n = 4)")
    {'LOH': 'loss of heterozygosity'}
    """
    out = {}
    for m in _SHORT_FORM.finditer(text):
        short = m.group(1)
        if not any(c.isupper() for c in short) or short in out:
            continue
        sentence_start = max(text.rfind(". ", 0, m.start()) + 1, 0)
        long_form = _long_form(text[sentence_start:m.start()], short)
        if long_form:
            out[short] = long_form
    return out


def with_abbreviations(index: dict[str, dict], text: str) -> dict[str, dict]:
    """``index`` where each name holding a long form ``text`` defines an abbreviation for is
    also written with the abbreviation ("CD19 loss of heterozygosity" → "CD19 LOH")."""
    defined = {short: lookup_key(long) for short, long in abbreviations(text).items()}
    if not defined:
        return index
    out = {}
    for iri, rec in index.items():
        extra = []
        for name in [rec["label"], *rec.get("synonyms", ())]:
            key = f" {lookup_key(name)} "
            for short, long in defined.items():
                if f" {long} " in key:
                    extra.append(key.replace(f" {long} ", f" {short} ").strip())
        out[iri] = {**rec, "synonyms": [*rec.get("synonyms", ()), *extra]} if extra else rec
    return out


def resolved_mentions(raw: str, mentions: list[Mention], index: dict[str, dict],
                      offset: int = 0) -> list[Mention]:
    """``mentions`` of the sentence ``raw`` (at ``offset`` in the text) and a mention of the
    entity each generic word resolves to where the sentence names what resolves it
    (RESOLVED_BY_CONTEXT; an outcome verb whatever the sentence names), at the word's place
    unless a mention covers it already."""
    out = list(mentions)
    for pattern, categories, entity in RESOLVED_BY_CONTEXT:
        anchor = next((m for m in mentions if (categories is None or m.category in categories)
                       and not m.loose), None)
        if anchor is None or not pattern.search(raw):
            continue
        rec = next((r for iri, r in index.items() if iri.rsplit("/", 1)[-1] == entity), None)
        if rec is None or any(m.iri == rec["iri"] for m in mentions):
            continue
        for hit in pattern.finditer(raw):
            word = hit.lastindex or 0               # the verb's group, else the whole match
            start, end = hit.start(word) + offset, hit.end(word) + offset
            if any(m.start <= start and end <= m.end for m in mentions):
                continue
            out.append(dataclasses.replace(anchor, start=start, end=end, text=hit.group(word),
                                           iri=rec["iri"], label=rec["label"],
                                           category=rec["category"], name=hit.group(word)))
            break
    return out


def inner_mentions(tagger, mentions: list[Mention], category: str = "gene") -> list[Mention]:
    """The ``category`` entities (genes) named inside the text of a finding's exact mention
    (FINDINGS: "mutations in CD19", "loss of heterozygosity at the CD19 locus"), which the
    tagger's longest match hides: a finding's name says what it involves (a therapy's, "CD19
    CAR T cells", says only what it targets)."""
    named = {m.iri for m in mentions}
    out = []
    for m in mentions:
        if m.loose or m.category not in FINDINGS or m.start == m.end:
            continue
        starts = [w.start() for w in re.finditer(r"(?<![^\W_])[^\W_]", m.text)]
        ends = [w.end() for w in re.finditer(r"[^\W_](?![^\W_])", m.text)]
        if len(starts) < 2:
            continue                                # one word: nothing inside it
        for at in starts:                           # the words from each word start ...
            for end in [e for e in ends if e > at][:3]:     # ... up to three words long
                if at == 0 and end == len(m.text):
                    continue
                g = next((g for g in tagger.tag(m.text[at:end])
                          if g.start == 0 and g.end == end - at), None)
                if g is not None and g.category == category and g.iri not in named:
                    named.add(g.iri)
                    out.append(dataclasses.replace(g, start=m.start + at, end=m.start + end))
    return out
