"""The surface forms the curation assistant recognises in primary abstracts
(kg.curation.surface), on the project's real entity dictionary and the shared tagger: each
rule finds the entity a sentence names, and a generic word alone proposes nothing specific."""
from __future__ import annotations

import pytest

from kg.answers.tagger import Tagger
from kg.curation.learned import Learned
from kg.curation.sources import load_curation
from kg.curation.suggest import entity_index, sentence_mentions
from kg.curation.surface import (abbreviations, derived_names, is_generic, surface_index,
                                 with_abbreviations)
from kg.paths import project_paths


@pytest.fixture(scope="module")
def index():
    paths = project_paths()
    return entity_index(load_curation(paths), paths, Learned())


def named(index, sentence: str, text: str | None = None) -> dict[str, str]:
    """Entity id -> the words naming it in ``sentence`` (``text``: the abstract, for the
    abbreviations it defines)."""
    index = with_abbreviations(index, text or sentence)
    return {m.iri.rsplit("/", 1)[-1]: m.text
            for m in sentence_mentions(sentence, 0, Tagger.from_index(index), index)}


def assert_named(index, *cases: tuple[str, str, str]) -> None:
    """Each (sentence, entity id, words): the sentence names the entity with those words."""
    for sentence, entity, words in cases:
        assert named(index, sentence).get(entity) == words, (sentence, entity)


def test_generic_words_alone_name_nothing_specific(index):
    for sentence in ("Resistance remains a problem.", "The response was assessed at day 28.",
                     "Some tumours escape.", "Myeloid cells were counted.",
                     "Remission lasted a year.", "Failure was frequent."):
        found = named(index, sentence)
        assert not set(found) - {"relapse"}, (sentence, found)
    # the generic entity keeps its own generic name
    assert named(index, "Relapse occurred in four patients.") == {"relapse": "Relapse"}
    assert is_generic("responses") and not is_generic("antigen density")


def test_generic_word_resolved_by_the_sentence(index):
    found = named(index, "Resistance to tisagenlecleucel was frequent.")
    assert found["treatment-failure"] == "Resistance"
    found = named(index, "The masked epitope made CTL019 useless and conferred resistance.")
    assert found["treatment-failure"] == "resistance"
    found = named(index, "High LDH predicted poor responses.")
    assert found["objective-response"] == "responses"
    assert named(index, "It predicted failure of axicabtagene ciloleucel.")[
        "treatment-failure"] == "failure"
    # no therapy or marker in the sentence: nothing resolves the generic word
    assert "treatment-failure" not in named(index, "This mechanism conferred resistance.")
    assert "objective-response" not in named(index, "Tumour responses improved.")
    # a name holding the word wins over the context ("production failure")
    found = named(index, "Production failure prevented tisagenlecleucel infusion.")
    assert "production-failure" in found and "treatment-failure" not in found


def test_learned_generic_synonym_is_not_used():
    paths = project_paths()
    taught = Learned(synonyms=[{"text": "resistance", "entity": "treatment-failure"},
                               {"text": "CD19-dark blasts", "entity": "low-cd19-antigen-density"}])
    index = entity_index(load_curation(paths), paths, taught)
    by_id = {iri.rsplit("/", 1)[-1]: rec for iri, rec in index.items()}
    assert "resistance" not in by_id["treatment-failure"]["synonyms"]
    assert "CD19-dark blasts" in by_id["low-cd19-antigen-density"]["synonyms"]
    # nor is a curator's edit of a generic word recorded
    learned = Learned()
    assert not learned.add_synonym("Resistance", "treatment-failure", "x")
    assert learned.add_synonym("CD19-dark blasts", "low-cd19-antigen-density", "x")
    assert [s["text"] for s in learned.synonyms] == ["CD19-dark blasts"]


def test_intensity_words_and_density(index):
    assert named(index, "Trogocytosis lowered antigen density.")["low-antigen-density"] \
        == "lowered antigen density"
    assert named(index, "Relapses showed reduced CD19 site density.")[
        "low-cd19-antigen-density"] == "reduced CD19 site density"
    assert "low-antigen-density" not in named(index, "Antigen levels were measured.")
    assert named(index, "Higher levels of LDH predicted relapse.")["elevated-ldh"] \
        == "Higher levels of LDH"
    assert named(index, "LDH levels were higher in them.")["elevated-ldh"] \
        == "LDH levels were higher"
    assert named(index, "Non-responders had more regulatory T cells.")[
        "increased-regulatory-t-cells"] == "more regulatory T cells"
    # levels, or "more" of anything, alone are no finding
    assert not named(index, "Levels were higher in the cohort with more patients.")
    # a strategy's words are no intensity: "high dose" is not "higher dose" (an escalation)
    assert "high dose" not in derived_names("higher dose", "strategy")


def test_antigen_qualifiers_fused_and_reversed(index):
    for words in ("CD19lo", "CD19-dim", "low CD19"):
        assert named(index, f"Five patients had {words} leukaemia.")[
            "low-cd19-antigen-density"] == words
    assert "low-cd19-antigen-density" not in named(index, "Five patients had CD19+ leukaemia.")


def test_head_word_without_cell_words(index):
    found = named(index, "Trogocytosis promoted fratricide and exhaustion.")
    assert found["car-t-fratricide"] == "fratricide"
    assert found["t-cell-exhaustion"] == "exhaustion"
    assert named(index, "4-1BB CARs showed poor persistence.")["poor-car-t-persistence"] \
        == "poor persistence"
    # "T-cell failure" without its cell words is the generic "failure": not derived; nor is a
    # head that says nothing the cells do ("CAR-T early" is not "early", nor "low T-cell
    # count" "low count")
    assert not derived_names("T-cell failure", "mechanism")
    assert not derived_names("CAR-T early", "biomarker")
    assert "low count" not in derived_names("low T-cell count", "mechanism")
    assert "early-car-t-timing" not in named(index, "Early B-cell recovery was seen.")
    assert "t-cell-failure" not in named(index, "Failure of the graft was rare.")


def test_process_noun_inverted(index):
    assert named(index, "Skipping of exon 2 yielded a truncated protein.")[
        "cd19-alternative-splicing"] == "Skipping of exon 2"
    found = named(index, "The leukaemia carried a rearrangement of the MLL gene.")
    assert found["mll-rearrangement"] == "rearrangement of the MLL"
    assert named(index, "Alternative splicing of CD19 was found.")[
        "cd19-alternative-splicing"] == "Alternative splicing of CD19"
    assert named(index, "Infants with KMT2A-rearranged B-ALL relapsed.")[
        "mll-rearrangement"] == "KMT2A-rearranged"
    # a gene alone is the gene, not its rearrangement
    assert "mll-rearrangement" not in named(index, "KMT2A was expressed.")


def test_relapse_with_a_qualifier(index):
    assert named(index, "Two patients relapsed with CD19-negative leukaemia.")[
        "cd19-negative-relapse"] == "relapsed with CD19-negative leukaemia"
    assert named(index, "It is a new route of CD19-negative immune escape.")[
        "cd19-negative-relapse"] == "CD19-negative immune escape"
    # a relapse without the qualifier is the generic relapse, not an antigen-negative one
    found = named(index, "Two patients relapsed with leukaemia after infusion.")
    assert "cd19-negative-relapse" not in found


def test_prior_therapy(index):
    found = named(index, "Earlier treatment with blinatumomab predicted relapse.")
    assert found["sequential-antibody-and-car-therapy"] == "Earlier treatment with blinatumomab"
    found = named(index, "Patients received blinatumomab after relapse.")
    assert "sequential-antibody-and-car-therapy" not in found and "blinatumomab" in found


def test_abbreviation_defined_in_the_abstract(index):
    text = ("CAR T cells entered T-cell exhaustion (TEX) in vivo. "
            "TEX limited their activity.")
    assert named(index, "TEX limited their activity.", text)["t-cell-exhaustion"] == "TEX"
    # undefined, or defined by letters the long form does not spell: nothing
    assert "t-cell-exhaustion" not in named(index, "TEX limited their activity.")
    assert abbreviations("T-cell exhaustion (XQ) was seen; CD19 (n = 4)") == {}


def test_spelling_variants():
    assert "tumor burden" in derived_names("tumour burden", "biomarker")
    assert "leukaemia relapse" in derived_names("leukemia relapse", "outcome")


def test_gene_named_inside_a_finding(index):
    found = named(index, "At relapse we found mutations in CD19 and CD19 LOH.")
    assert {"cd19-gene-mutation", "cd19", "cd19-loss-of-heterozygosity"} <= set(found)
    # a loose match made of words exact mentions already hold is not added
    found = named(index, "We identified mutations in CD19 together with loss of "
                         "heterozygosity at the CD19 locus.")
    assert "loss-of-cd19-expression" not in found


def test_derived_name_never_overrides_another_entity():
    index = {"e:a": {"iri": "e:a", "label": "Low X density", "category": "biomarker",
                     "synonyms": []},
             "e:b": {"iri": "e:b", "label": "Reduced X density", "category": "mechanism",
                     "synonyms": []}}
    out = surface_index(index)
    assert "reduced x density" not in out["e:a"]["synonyms"]     # e:b's own name
    assert "low x density" not in out["e:b"]["synonyms"]
    assert "diminished x density" not in out["e:a"]["synonyms"]  # derived by both: ambiguous


def test_each_conjunct_of_a_coordinated_name(index):
    # "Defective CD19 processing and trafficking": each conjunct, its words in any order
    assert named(index, "Impaired trafficking of CD19 to the surface was found.")[
        "defective-cd19-processing"] == "Impaired trafficking of CD19"
    assert named(index, "Defective CD19 processing was seen.")[
        "defective-cd19-processing"] == "Defective CD19 processing"
    # the head without its modifier, or the modifier alone, is not the finding
    assert "defective-cd19-processing" not in named(index, "CD19 trafficking was normal.")
    assert "defective-cd19-processing" not in named(index, "Defective cells were removed.")
    # coordinated antigens stay together: dual targeting is not the targeting of one
    assert not derived_names("CD19 and CD22 targeting", "strategy")
    assert not derived_names("Exhaustion, glycolysis and apoptosis genes", "biomarker")


def test_paraphrased_head_keeps_its_modifiers(index):
    assert_named(
        index,
        ("The leukaemia switched lineage after infusion.", "lineage-switch", "switched lineage"),
        ("Mice relapsed after a change of lineage.", "lineage-switch", "change of lineage"),
        ("Blasts at relapse showed complete absence of CD19.", "loss-of-cd19-expression",
         "absence of CD19"),
        ("Outgrowth of CD19-negative subclones followed infusion.", "immune-pressure",
         "Outgrowth of CD19-negative subclones"),
        ("Responders carried memory-associated transcripts.", "memory-gene-signature-car-t",
         "memory-associated transcripts"))
    # the paraphrase alone, or with other words, names nothing
    for sentence in ("The lineage of the blasts was recorded.", "A change in dosing was made.",
                     "Transcripts were sequenced.",
                     "Absence of fever was noted.", "Outgrowth of the graft was seen."):
        assert not named(index, sentence), sentence


def test_responders_and_dysfunction(index):
    assert_named(
        index,
        ("Non-responders had fewer memory cells.", "primary-non-response", "Non-responders"),
        ("Complete responders had more naive T cells.", "complete-response",
         "Complete responders"),
        ("Dysfunction of autologous T cells limited expansion.",
         "poor-autologous-t-cell-function", "Dysfunction of autologous T cells"))
    # "responders" alone says not which response; another organ's dysfunction is no T cell's
    assert not named(index, "Responders were younger.")
    assert not named(index, "Cardiac dysfunction occurred in two patients.")


def test_marker_signs(index):
    assert named(index, "Two patients had a CD19− relapse.") == {
        "cd19-negative-relapse": "CD19− relapse"}
    assert named(index, "A CD19+ relapse followed.") == {"cd19-positive-relapse": "CD19+ relapse"}
    assert "cd22 pos relapse" in derived_names("CD22-positive relapse", "outcome")
    # the minus sign is read, so a CD19− marker is never the CD19-positive finding
    assert "cd19-positive-relapse" not in named(index, "Two patients had a CD19− relapse.")


def test_escape_from_a_therapy_is_treatment_failure(index):
    assert named(index, "Leukaemic cells escaped tisagenlecleucel.")[
        "treatment-failure"] == "escaped"
    assert "treatment-failure" not in named(index, "Some tumours escape.")


def test_cell_state_adjective(index):
    assert named(index, "Exhausted T cells were frequent.") == {
        "t-cell-exhaustion": "Exhausted T cells"}
    assert named(index, "Their CAR T cells had an exhausted phenotype.")[
        "t-cell-exhaustion"] == "exhausted phenotype"
    # the adjective alone is no state of T cells; a name another entity owns stays its own
    assert not named(index, "The patients were exhausted.")
    assert "t-cell-exhaustion" not in named(index, "Exhausted CAR T cells were frequent.")


def test_outcome_verbs(index):
    assert named(index, "Patients who relapsed had lower CAR-T expansion.")["relapse"] \
        == "relapsed"
    assert named(index, "Patients who progressed had elevated LDH.")["progressive-disease"] \
        == "progressed"
    assert named(index, "Elevated LDH was frequent in patients whose leukaemia later "
                        "relapsed.")["relapse"] == "relapsed"
    # the adjective of the disease is no outcome
    for sentence in ("We treated 20 patients with relapsed or refractory B-ALL.",
                     "Relapsed B-ALL was treated with tisagenlecleucel."):
        assert "relapse" not in named(index, sentence), sentence


def test_verb_forms_of_a_nouns_name(index):
    # "myeloid conversion" met as "converted to a myeloid phenotype"; "CAR-T expansion" as
    # "CAR T cells expanded"
    assert named(index, "The leukaemia converted to a myeloid phenotype.")[
        "lineage-switch"] == "converted to a myeloid"
    assert named(index, "CAR T cells expanded poorly.")["car-t-expansion"] \
        == "CAR T cells expanded"
    # the verb alone is no finding
    assert not named(index, "The assay converted the signal.")
    assert "car-t-expansion" not in named(index, "The cohort expanded to 40 patients.")


def test_marker_cells_written_as_what_they_express(index):
    assert named(index, "CD4+ CAR T cells co-expressing Helios were counted.")[
        "car-treg-cells"] == "CD4+ CAR T cells co-expressing Helios"
    # one of the markers is not the population
    assert "car-treg-cells" not in named(index, "CAR T cells expressing CD4 were counted.")
    assert "car-treg-cells" not in named(index, "CAR T cells expressing Helios were counted.")


def test_primary_as_initial(index):
    assert named(index, "An initial failure of CAR T cells was seen.")[
        "primary-t-cell-failure"] == "initial failure of CAR T cells"
    assert named(index, "Initial non-responders were younger.")[
        "primary-non-response"] == "Initial non-responders"
    assert not named(index, "The initial dose was low.")


def test_words_of_one_sense_in_loose_matching(index):
    # an intensity, a quantity, a duration or "own" cells in the words authors vary
    assert_named(
        index,
        ("Relapse was linked to a heavy leukaemic load.", "high-disease-burden",
         "heavy leukaemic load"),
        ("Response depended on the tumour mass before treatment.", "high-tumour-burden",
         "tumour mass"),
        ("It gave frequent and lasting responses.", "durable-remission", "lasting responses"),
        ("Survival was better when the leukaemia burden was small.", "low-disease-burden",
         "leukaemia burden was small"),
        ("Dysfunction of the patient's own T cells limited it.",
         "poor-autologous-t-cell-function", "Dysfunction of the patient's own T cells"))
    # a verb of another sense, or a quantity alone, names nothing
    found = named(index, "Trials should lower the rate of CD19-negative relapse.")
    assert "low-cd19-antigen-density" not in found
    assert not named(index, "Patients with a large spleen had more visits.")


def test_name_without_its_bracketed_part(index):
    assert named(index, "Stage and the International Prognostic Index predicted little.")[
        "ipi"] == "International Prognostic Index"
    assert "international prognostic index" in derived_names(
        "International Prognostic Index (IPI)", "biomarker")
    assert not derived_names("CD19 (B4)", "gene")         # one word left: not a name


def test_failing_therapy_is_treatment_failure(index):
    assert named(index, "Defects in this pathway may cause CART19 to fail.")[
        "treatment-failure"] == "fail"
    # a name holding the verb wins; no therapy named, no treatment failure
    found = named(index, "After tisagenlecleucel, CAR T cells failed to expand.")
    assert "primary-t-cell-failure" in found and "treatment-failure" not in found
    assert "treatment-failure" not in named(index, "The assay failed twice.")
    # the outcome verb names it whatever else the sentence names
    assert named(index, "None of the patients whose treatment failed had lost CD19.")[
        "treatment-failure"] == "failed"


def test_remission_and_cd19_loss_verbs(index):
    assert_named(index,
                 ("After tisagenlecleucel, patients stayed in remission longer.",
                  "durable-remission", "stayed in remission"),
                 ("Eight children given blinatumomab remained in complete remission.",
                  "durable-remission", "remained in complete remission"),
                 ("One patient relapsed with blasts that had lost CD19.",
                  "loss-of-cd19-expression", "lost CD19"),
                 ("CD19 was negative in 35% of the relapses.",
                  "loss-of-cd19-expression", "CD19 was negative"))
    # remission alone, or CD19 merely measured, is neither
    assert "durable-remission" not in named(index, "Remission after blinatumomab was assessed.")
    assert "loss-of-cd19-expression" not in named(index, "CD19 was measured by flow cytometry.")
