"""Find every entity mention in a text: a dictionary tagger over the graph's labels and
synonyms (and the extraction-noise forms the source texts contain), built on an Aho-Corasick
automaton (pyahocorasick). One tagger serves ``cartkg ask`` and the curation assistant.

Matching works on word tokens compared by ``lookup_key`` (case, hyphens and punctuation
ignored) in the singular ("alterations", "therapies", "ORRs" meet their names), keeps the
longest match at each place, never overlaps two mentions, and maps each mention back to its
exact characters in the text. Short upper-case names ("ALL", "CR", "OS")
match only when written in upper case, so the words "all" or "or" are not taken for them.

>>> index = {"e:all": {"label": "B-cell acute lymphoblastic leukaemia", "iri": "e:all",
...                    "category": "disease", "synonyms": ["ALL", "B-ALL"]},
...          "e:cd19": {"label": "CD19", "iri": "e:cd19", "category": "gene", "synonyms": []},
...          "e:neg": {"label": "CD19-negative relapse", "iri": "e:neg",
...                    "category": "outcome", "synonyms": []}}
>>> tagger = Tagger.from_index(index)
>>> [(m.text, m.label) for m in tagger.tag("After all, a CD19 negative relapse of B-ALL.")]
[('CD19 negative relapse', 'CD19-negative relapse'), ('B-ALL', 'B-cell acute lymphoblastic leukaemia')]
>>> [m.text for m in tagger.tag("CDI19 loss in ALL")]
['CDI19', 'ALL']
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

import ahocorasick

from kg.text import lookup_key, singular

_TOKEN = re.compile(r"[^\W_]+|[≥≤<>+−%]", re.UNICODE)   # − (U+2212): "CD19−" is "CD19 neg"
# Extraction noise seen in the PDF texts (shared/README.md): how a name can appear corrupted.
# Each rule rewrites a part of a name into the form the extraction produced.
NOISE_RULES: tuple[tuple[str, str], ...] = (
    ("CD19", "CDI19"), ("IPI", "lPI"), ("≥", "2"), ("TSCM", "Tscys"), ("TSCM", "Tgcps"),
    ("SCM", "scm"),
)
SHORT = 4            # names of at most this many characters must match their upper case
# Loose matching (``Tagger.tag_loose``): words compared by their stem (``word_stem``: the word
# without an inflection or derivation suffix), so "incorporating"/"incorporate" or
# "costimulatory"/"costimulation" meet but "lymphoblastic"/"lymphoma" or
# "immunotherapy"/"immunotoxin" do not (a shared prefix is not a shared word); the words of one
# name must lie within LOOSE_SPAN content words of each other. These words never count:
SUFFIXES = ("ively", "ingly", "ory", "ive", "ing", "ion", "ed", "ly", "es", "ic", "al", "s",
            "e", "y")
IRREGULAR = {"lost": "loss", "lose": "loss", "loses": "loss", "losing": "loss",
             "led": "lead", "leads": "lead", "arisen": "arise", "arose": "arise",
             # nouns whose stem is not their verb's: "expansion"/"expanded", "conversion"/
             # "converting", "persistence"/"persisted", "resistance"/"resisted", "failure"/"failed"
             "expansion": "expand", "conversion": "convert", "persistence": "persist",
             "persistent": "persist", "resistance": "resist", "resistant": "resist",
             "failure": "fail"}
# Words of one sense in loose matching, each read as the word it maps to (after British
# spellings are read as American: "leukaemic" is "leukemic"): an intensity ("heavy load",
# "burden was small", "higher"), a quantity ("tumour mass", "amount of leukaemia"), a duration
# ("lasting responses") and "own" cells (autologous). General English, so loose matching
# meets a name in the words authors vary; never a word that is also a verb of another sense
# ("lower the rate", "more").
SENSES = {**dict.fromkeys("heavy large great greater higher elevated increased raised"
                          .split(), "high"),
          **dict.fromkeys("small smaller reduced decreased diminished fewer".split(), "low"),
          **dict.fromkeys("load mass amount".split(), "burden"),
          **dict.fromkeys("lasting sustained durability".split(), "durable"),
          "own": "autologous", "leukemic": "leukemia"}
BRITISH = ((re.compile(r"ae"), "e"), (re.compile(r"(?<=\w{3})our(s?)$"), r"or\1"),
           (re.compile(r"(?<=[ae])lling$"), "ling"))
LOOSE_SPAN = 2       # content words allowed between the words of a loosely matched name
STEM = 5             # (kept for callers) the shortest stem a suffix may leave
STOPWORDS = frozenset("a an and as at be by for from in into is of on or the to with its their "
                      "than that this via who which ge gt le lt pos neg pct".split())
# Words ``lookup_key`` makes of symbols (≥, >, +, %): a name holding one ("CD19+ relapse") is
# never matched loosely, for the symbol would be the word that tells it apart.
SYMBOL_WORDS = frozenset("ge gt le lt pos neg pct".split())


@dataclass(frozen=True)
class Mention:
    start: int          # character offsets in the tagged text: text[start:end] is the mention
    end: int
    text: str
    iri: str
    label: str
    category: str
    name: str           # the label, synonym or noise form that matched
    loose: bool = False  # found by its words in any order and form (``Tagger.tag_loose``)
    lifted: bool = False  # a broader entity whose name contains the words found (curation)

    @property
    def ident(self) -> str:
        """The entity's id, the last part of its IRI."""
        return self.iri.rsplit("/", 1)[-1]

    def as_json(self) -> dict:
        return {"text": self.text, "start": self.start, "end": self.end, "iri": self.iri,
                "label": self.label, "category": self.category, "matched": self.name}


# An acronym's plural: "ORRs", "CRs", "MDSCs" (upper-case letters and digits, then "s").
_ACRONYM_PLURAL = re.compile(r"^([A-Z][A-Z0-9]*[A-Z])s$")


def _tokens(text: str) -> list[tuple[int, int, str]]:
    """Word tokens of ``text`` as (start, end, key), keys in the singular; tokens without a key
    are dropped."""
    out = []
    for m in _TOKEN.finditer(text):
        key = singular(lookup_key(_ACRONYM_PLURAL.sub(r"\1", m.group())))
        if key:
            out.append((m.start(), m.end(), key))
    return out


def noise_variants(name: str) -> set[str]:
    """The forms ``name`` can take in the extracted texts.

    >>> sorted(noise_variants("CD19 loss"))
    ['CDI19 loss']
    """
    return {name.replace(clean, noisy) for clean, noisy in NOISE_RULES if clean in name}


def _strict(name: str) -> bool:
    """Short all-capital names (ALL, CR, OS) must match their case exactly."""
    compact = re.sub(r"[\W_]+", "", name)
    return len(compact) <= SHORT and compact.isupper()


def word_stem(key: str) -> str:
    """A lower-case word without its inflection or derivation suffix, for loose matching.

    >>> [word_stem(w) for w in ("costimulatory", "costimulation", "lymphoblastic", "lymphoma")]
    ['costimulat', 'costimulat', 'lymphoblast', 'lymphoma']
    >>> word_stem("lost") == word_stem("loss"), word_stem("alternatively") == word_stem("alternative")
    (True, True)
    >>> word_stem("conversion") == word_stem("converting")
    True
    """
    key = IRREGULAR.get(key, key)
    for _ in range(2):                  # "alternatively" -> "alternative" -> "alternat"
        for suffix in SUFFIXES:
            if key.endswith(suffix) and len(key) - len(suffix) >= STEM \
                    and not key.endswith(("ss", "us", "is")):
                key = key[:-len(suffix)]
                break
        else:
            break
    return key


@lru_cache(maxsize=65536)
def sense(key: str) -> str:
    """The word ``key`` stands for in loose matching (SENSES), American spelling.

    >>> [sense(w) for w in ("heavy", "leukaemic", "tumour", "load", "CD19".lower())]
    ['high', 'leukemia', 'tumor', 'burden', 'cd19']
    """
    if not key.isascii() or not key.isalpha():
        return key
    for british, american in BRITISH:
        key = british.sub(american, key)
    return SENSES.get(key, key)


def _stems(tokens: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """(start, end, stem) of the content words among ``tokens`` (``_tokens`` of a text), each
    word read in its sense (``sense``)."""
    return [(a, b, word_stem(sense(key))) for a, b, key in tokens if key not in STOPWORDS]


class Tagger:
    """An automaton over every name of every entity in an ``entity_index``."""

    def __init__(self, automaton, strict: dict[str, set[str]], loose=None):
        self._automaton = automaton
        self._strict = strict         # key -> the exact-case surfaces allowed for that key
        self._loose = loose or {}     # stem -> [(all stems of a name, record, name)]

    @classmethod
    def from_index(cls, index: dict[str, dict]) -> "Tagger":
        names: dict[str, dict[str, tuple]] = {}   # key -> iri -> (record, name)
        strict: dict[str, set[str]] = {}
        for rec in index.values():
            all_names = [rec["label"], *rec.get("synonyms", [])]
            for name in all_names + [v for n in all_names for v in noise_variants(n)]:
                tokens = _tokens(name)
                key = " ".join(t[2] for t in tokens)
                if not key:
                    continue
                names.setdefault(key, {}).setdefault(rec["iri"], (rec, name, tokens))
                if _strict(name):
                    strict.setdefault(key, set()).add(re.sub(r"[\W_]+", "", name))
        automaton = ahocorasick.Automaton()
        for key, by_iri in names.items():
            automaton.add_word(f" {key} ", (key, tuple((r, n) for r, n, _ in by_iri.values())))
        automaton.make_automaton()
        loose: dict[str, list] = {}
        for key, by_iri in names.items():
            for rec, name, tokens in by_iri.values():
                stems = frozenset(stem for _, _, stem in _stems(tokens))
                if len(stems) >= 2 and not any(t[2] in SYMBOL_WORDS for t in tokens):
                    for stem in stems:
                        loose.setdefault(stem, []).append((stems, rec, name))
        return cls(automaton, {k: v for k, v in strict.items()}, loose)

    @classmethod
    def from_store(cls, store) -> "Tagger":
        from kg.answers.lookup import entity_index
        return cls.from_index(entity_index(store))

    def tag(self, text: str) -> list[Mention]:
        """Every mention in ``text``, in order; an ambiguous name gives one mention per entity
        it names, at the same place."""
        tokens = _tokens(text)
        if not tokens:
            return []
        stream, token_at = " ", []          # token_at[i]: token index of stream position i
        for i, (_, _, key) in enumerate(tokens):
            token_at += [i] * (len(key) + 1)
            stream += key + " "
        candidates = []                     # (first token, last token, key, entities)
        for end, (key, entities) in self._automaton.iter(stream):
            last = token_at[end - 1]
            first = last - key.count(" ")
            surface = text[tokens[first][0]:tokens[last][1]]
            if key in self._strict and _ACRONYM_PLURAL.sub(
                    r"\1", re.sub(r"[\W_]+", "", surface)) not in self._strict[key]:
                continue
            candidates.append((first, last, entities))
        candidates.sort(key=lambda c: (c[0], -(c[1] - c[0])))
        mentions, taken_to = [], -1
        for first, last, entities in candidates:
            if first <= taken_to:
                continue
            taken_to = last
            start, end = tokens[first][0], tokens[last][1]
            for rec, name in entities:
                mentions.append(Mention(start, end, text[start:end], rec["iri"], rec["label"],
                                        rec["category"], name))
        return mentions

    def tag_loose(self, text: str, exclude: set[str] = frozenset()) -> list[Mention]:
        """Entities every content word of one of whose names (of two words or more) occurs
        in ``text`` in any order and form ("CD19 is lost" for "loss of CD19"), the words close
        together (at most LOOSE_SPAN other content words among them): one mention per entity
        not in ``exclude``, spanning the first to the last of those words. Looser than
        ``tag``: for proposing, not for answering."""
        words = _stems(_tokens(text))
        places: dict[str, list[int]] = {}          # stem -> indices in ``words``
        for i, (_, _, stem) in enumerate(words):
            places.setdefault(stem, []).append(i)
        found: dict[str, Mention] = {}
        for stem in places:
            for stems, rec, name in self._loose.get(stem, ()):
                if rec["iri"] in exclude or rec["iri"] in found or not stems <= places.keys():
                    continue
                span = _closest(stems, places)
                if span[1] - span[0] + 1 > len(stems) + LOOSE_SPAN:
                    continue                # the words are scattered over the sentence
                start, end = words[span[0]][0], words[span[1]][1]
                if re.search(r"[,;:]", text[start:end]):
                    continue                # the words belong to different clauses
                found[rec["iri"]] = Mention(start, end, text[start:end], rec["iri"],
                                            rec["label"], rec["category"], name, loose=True)
        return sorted(found.values(), key=lambda m: (m.start, m.end))


def _closest(stems: frozenset, places: dict[str, list[int]]) -> tuple[int, int]:
    """The narrowest (first, last) word indices holding one occurrence of every stem."""
    best = None
    for anchor in (i for stem in sorted(stems) for i in places[stem]):   # any order of the set
        lo = hi = anchor
        for stem in stems:
            near = min(places[stem], key=lambda i: abs(i - anchor))
            lo, hi = min(lo, near), max(hi, near)
        if best is None or hi - lo < best[1] - best[0]:
            best = (lo, hi)
    return best
