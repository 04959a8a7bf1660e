"""The patient an answer is for, its parts kept apart: disease, population, the therapy the
patient already had and failed (``after``), the therapy being considered (``therapy``: CAR-T,
blinatumomab or a named product), and where each evidence item comes from relative to them.

``after`` never withholds an option: the next step after a failed therapy may well be another
modality. It scopes only the question of *why* that therapy failed (``failed_modality``).

Every evidence item in an answer gets ``scope`` — the diseases, modalities, products and
population its context states (``[]``/``None`` when the item does not say) — and
``extrapolated``: true when the item states a disease, modality or population outside the
asked scope (``extrapolated_because`` says which). An item that does not state one is not
counted as outside it. Diseases match up and down the ``kindOf`` hierarchy (DLBCL evidence
answers for LBCL and the reverse).

>>> from kg.store.local import open_store
>>> from kg.answers.lookup import entity_index
>>> s = open_store("oxigraph-memory")
>>> scope = Scope.build(s, entity_index(s), disease="DLBCL", therapy="blinatumomab")
>>> scope.as_json()["modality"], scope.as_json()["disease"]
('blinatumomab', 'Diffuse large B-cell lymphoma')
>>> item = {"context": {"disease": ["B-cell acute lymphoblastic leukaemia"], "product": [],
...                     "population": None}}
>>> scope.annotate(item)["extrapolated"], item["extrapolated_because"]
(True, ['disease: B-cell acute lymphoblastic leukaemia'])
"""
from __future__ import annotations

from dataclasses import dataclass, field

from kg.errors import NoMatch

MODALITY_OF_TYPE = {"CarTCellTherapy": "car-t", "BispecificAntibody": "blinatumomab"}
POPULATION_WORDS = {"paediatric": "paediatric", "pediatric": "paediatric", "child": "paediatric",
                    "children": "paediatric", "childhood": "paediatric",
                    "adolescent": "paediatric", "adolescents": "paediatric",
                    "adult": "adult", "adults": "adult"}
DISEASE_TREE = """
SELECT ?d ?up WHERE { ?d ckg:kindOf ?up . ?d a ckg:Disease . ?up a ckg:Disease }"""


def modality_of(record: dict) -> str:
    """The modality of a therapy entity record: car-t, blinatumomab or other."""
    for typ in record.get("types", []):
        if typ in MODALITY_OF_TYPE:
            return MODALITY_OF_TYPE[typ]
    return "other"


def population_of(text: str) -> str:
    key = text.strip().lower()
    if key not in POPULATION_WORDS:
        raise NoMatch(f"population {text!r} is not known; ask for paediatric or adult",
                      ["paediatric", "adult"])
    return POPULATION_WORDS[key]


@dataclass
class Scope:
    """The asked scope; every field None when not asked."""
    by_label: dict[str, dict]
    disease: dict | None = None
    therapy: dict | None = None
    population: str | None = None
    after: dict | None = None
    explaining: bool = False          # a why-question: evidence is judged by failed_modality
    diseases: set[str] = field(default_factory=set)     # labels that match the disease

    @classmethod
    def build(cls, store, index: dict, disease: str | None = None, therapy: str | None = None,
              population: str | None = None, after: str | None = None) -> "Scope":
        from kg.answers.lookup import resolve
        scope = cls({r["label"]: r for r in index.values()})
        if disease:
            scope.disease = resolve(store, disease, {"disease"}, index=index)
            related = {scope.disease["iri"]}
            edges = [(r["d"].value, r["up"].value) for r in store.query(DISEASE_TREE).rows]
            related |= {up for d, up in edges if d == scope.disease["iri"]}
            related |= {d for d, up in edges if up == scope.disease["iri"]}
            scope.diseases = {index[i]["label"] for i in related if i in index}
        if therapy:
            scope.therapy = resolve(store, therapy, {"therapy"}, index=index)
        if population:
            scope.population = population_of(population)
        if after:
            scope.after = resolve(store, after, {"therapy"}, index=index)
        return scope

    @property
    def active(self) -> bool:
        return bool(self.disease or self.therapy or self.population or self.after)

    @property
    def modality(self) -> str | None:
        return modality_of(self.therapy) if self.therapy else None

    @property
    def failed_modality(self) -> str | None:
        """The modality whose failure is explained: the considered therapy's, else the failed
        one's."""
        return self.modality or (modality_of(self.after) if self.after else None)

    def as_json(self) -> dict:
        return {"disease": self.disease["label"] if self.disease else None,
                "therapy": self.therapy["label"] if self.therapy else None,
                "modality": self.modality, "population": self.population,
                "after": self.after["label"] if self.after else None,
                "after_modality": modality_of(self.after) if self.after else None}

    def item_modalities(self, item: dict) -> list[str]:
        context = item.get("context") or {}
        if context.get("modality"):
            return sorted(set(context["modality"]))
        return sorted({modality_of(self.by_label[p]) for p in context.get("product", [])
                       if p in self.by_label})

    def outside(self, item: dict) -> list[str]:
        """Why ``item`` lies outside the asked scope ([] when inside or unstated)."""
        context, why = item.get("context") or {}, []
        diseases = context.get("disease") or []
        if self.disease and diseases and not set(diseases) & self.diseases:
            why.append("disease: " + ", ".join(diseases))
        modalities = self.item_modalities(item)
        modality = self.failed_modality if self.explaining else self.modality
        if modality and modalities and modality not in modalities:
            why.append("therapy: " + ", ".join(context.get("product") or modalities))
        pop = context.get("population")
        if self.population and pop and pop not in (self.population, "mixed"):
            why.append(f"population: {pop}")
        return why

    def annotate(self, item: dict) -> dict:
        """Add ``scope``, ``extrapolated`` and ``extrapolated_because`` to ``item``; return it."""
        context = item.get("context") or {}
        item["scope"] = {"disease": list(context.get("disease") or []),
                         "modality": self.item_modalities(item),
                         "product": list(context.get("product") or []),
                         "population": context.get("population")}
        item["extrapolated_because"] = self.outside(item)
        item["extrapolated"] = bool(item["extrapolated_because"]) \
            or item.get("directness") == "extrapolated"
        return item
