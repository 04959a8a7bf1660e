"""The evidence lints: each one broken on purpose on a copy of the mini fixture fails
`cartkg curate validate` (and so the build) with file:line, field and fix; pending lints of
the real data are listed in ontology/curation/lints.yaml and still find something."""
from __future__ import annotations

import re

import pytest

from projectcopy import REPO, run_cli
from kg.curation.lints import LINTS, lint_problems, pending_lints
from kg.curation.sources import load_curation
from kg.paths import project_paths

SOURCE = "ontology/curation/sources/mini2024.yaml"
DUAL = '''  quote: "Dual-targeted CAR-T cells may prevent antigen-negative relapse (8)."
  context: {study_type: single-arm trial}
'''
DUPLICATE = '''
- id: mini2024-dual-again
  subject: mini-strategy
  predicate: addresses
  object: mini-mechanism
  refs: [7, 8]
  quote: "Dual-targeted CAR-T cells may prevent antigen-negative relapse (8)."
  context: {study_type: single-arm trial}
  certainty: hedged
  directness: direct
'''
STAT = '  statistics: [{measure: proportion, value: 8, text: "relapse (8)"}]\n'
MOUSE = "In a xenograft mouse model, trogocytosis lowered antigen density (9)."
IN_MICE = f'''
- id: mini2024-mouse
  subject: mini-biomarker
  predicate: indicates
  object: mini-mechanism
  refs: [9]
  quote: "{MOUSE}"
  context: {{study_type: single-arm trial}}
  certainty: stated
  directness: direct
'''
SAME_STUDY = '''
- id: mini2024-tmtv-mechanism
  subject: mini-biomarker
  predicate: indicates
  object: mini-mechanism
  refs: [7]
  quote: "High total metabolic tumor volume at infusion was predictive of early resistance, with a hazard ratio of 4.35 (7)."
  context: {study_type: case report}
  certainty: stated
  directness: direct
'''
REFUTED = '''
- id: mini2024-dual-refuted
  negated: true
  subject: mini-strategy
  predicate: addresses
  object: mini-mechanism
  refs: [8]
  quote: "Dual-targeted CAR-T cells may prevent antigen-negative relapse (8)."
  context: {study_type: single-arm trial}
  certainty: hedged
  directness: direct
'''
TMTV_END = "  certainty: stated\n  directness: direct\n\n- id: mini2024-dual"
SCOPED = ("  reference_count: 10\n  disease_scope: {disease: [mini-disease], kinds: [biomarker]}\n"
          "  sections:\n    - {starts: \"High total\", kind: biomarker, title: Results}\n")

REGISTER = """primary_studies:
  - id: tester2023
    first_author: Tester
    year: 2023
    title: Tumour volume before CAR-T cells
    journal: Journal of Fixtures
    design: randomised controlled trial
    cited_as:
      - {source: mini2024, ref: 7, basis: "High total metabolic tumor volume at infusion"}
    checked:
      - {url: "https://example.org/record", matched: "Tester first author; a randomised trial"}
"""

# lint -> (old text, new text, line of the problem, field); None: append new text
BREAKS = {
    "missing-evidence-fields": ("  certainty: hedged\n", "", 26, "certainty"),
    "deprecated-study-type": ("study_type: retrospective cohort", "study_type: preclinical",
                              22, "context.study_type"),
    "predicate-direction": (DUAL, DUAL + "  direction: unfavourable\n", 33, "direction"),
    "hedge-stated": ("  certainty: hedged\n", "  certainty: stated\n", 33, "certainty"),
    "shared-statistic": ("  level: review-statement\n", "  level: review-statement\n" + STAT,
                         42, "statistics"),
    "duplicate-claim": (None, DUPLICATE, 52, "quote"),
    "negation-without-cue": (TMTV_END, TMTV_END.replace("direct\n\n", "direct\n  negated: true\n\n"),
                             25, "negated"),
    "design-words": (None, IN_MICE, 53, "context.study_type"),
    "review-statement-level": ("  context: {study_type: single-arm trial}\n  certainty: hedged",
                               "  context: {study_type: review statement}\n  certainty: hedged",
                               32, "context.study_type"),
    "study-typed-twice": (None, SAME_STUDY, 53, "context.study_type"),
    "registered-design": (None, "", 22, "context.study_type"),  # the register says otherwise
    "contradicts-own-sentence": (None, REFUTED, 48, "negated"),
    "scope-disease": ("  reference_count: 10\n\nevidence:\n- id: mini2024-tmtv\n",
                      SCOPED + "\nevidence:\n- id: mini2024-tmtv\n  section: Results\n", 16,
                      "context.disease"),
}


def _break(root, old, new):
    if MOUSE in new:                     # the fixture text gains the sentence it quotes
        with (root / "fixtures" / "text.txt").open("a", encoding="utf-8") as text:
            text.write(f" {MOUSE}\n")
    path = root / SOURCE
    text = path.read_text(encoding="utf-8")
    if old is None:
        path.write_text(text + new, encoding="utf-8")
        return
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_every_lint_has_a_break():
    assert set(BREAKS) == set(LINTS)


def test_the_fixture_passes_every_lint(mini_project):
    assert lint_problems(load_curation(project_paths(mini_project))) == []


@pytest.mark.parametrize("lint", sorted(BREAKS))
def test_each_lint_fails_validation_with_file_line_field_and_fix(mini_project, lint):
    old, new, line, field = BREAKS[lint]
    if lint == "shared-statistic":     # the same figure on two claims about different subjects
        _break(mini_project, DUAL, DUAL + STAT)
    if lint == "registered-design":    # ref 7's checked record shows another design
        (mini_project / "ontology" / "curation" / "primary-studies.yaml").write_text(REGISTER)
    _break(mini_project, old, new)
    r = run_cli("curate", "validate", "--reasoner", "none", home=mini_project)
    assert r.returncode == 1, r.stderr
    hits = [ln for ln in r.stderr.splitlines() if f"[{lint}]" in ln]
    assert hits, r.stderr
    assert re.search(rf"{re.escape(SOURCE)}:{line}: field {re.escape(field)}: .*\(fix: .+\)",
                     hits[0]), hits[0]
    assert "Traceback" not in r.stderr


def test_a_pending_lint_is_not_enforced_and_unknown_names_are_refused(mini_project):
    _break(mini_project, "  certainty: hedged\n", "  certainty: stated\n")
    lints_yaml = mini_project / "ontology" / "curation" / "lints.yaml"
    lints_yaml.write_text("pending: [hedge-stated]\n")
    assert run_cli("curate", "validate", "--reasoner", "none", home=mini_project).returncode == 0
    r = run_cli("curate", "validate", "--strict", "--reasoner", "none", home=mini_project)
    assert r.returncode == 1 and "[hedge-stated]" in r.stderr
    for text, words in (("pending: [no-such-lint]\n", "lints.yaml:1: field pending: unknown lints"),
                        ("pending: hedge-stated\n", "lints.yaml:1: field pending: expected a list"),
                        ("pending: [a\n", "lints.yaml:2: YAML syntax error")):
        lints_yaml.write_text(text)
        r = run_cli("curate", "validate", "--reasoner", "none", home=mini_project)
        assert r.returncode == 1 and words in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_statistic_text_outside_its_own_quote_is_refused(mini_project):
    _break(mini_project, 'text: "hazard ratio of 4.35"', 'text: "relapse (8)"')
    r = run_cli("curate", "validate", "--reasoner", "none", home=mini_project)
    assert r.returncode == 1
    assert re.search(rf"{re.escape(SOURCE)}:20: field text: statistic text 'relapse \(8\)' is "
                     r"not part of the quote \(fix: ", r.stderr), r.stderr


def test_a_quote_shorter_than_the_shape_allows_is_refused_by_the_loader(mini_project):
    _break(mini_project, 'quote: "High total metabolic tumor volume at infusion was predictive '
           'of early resistance, with a hazard ratio of 4.35 (7)."', 'quote: "ratio of"')
    r = run_cli("curate", "validate", "--reasoner", "none", home=mini_project)
    assert r.returncode == 1
    assert re.search(rf"{re.escape(SOURCE)}:18: field quote: quote 'ratio of' is shorter than "
                     r"10 characters", r.stderr), r.stderr


def test_pending_lints_of_the_real_data_still_find_problems():
    """Once the curators' fixes make a pending lint pass, it must be enforced: remove it
    from ontology/curation/lints.yaml."""
    paths = project_paths(REPO)
    pending = pending_lints(paths.curation)
    cur = load_curation(paths)
    found = {p.problem.rsplit("[", 1)[1].rstrip("]") for p in lint_problems(cur)}
    assert pending <= found, f"enforce {sorted(pending - found)}: they pass on the data now"
    assert lint_problems(cur, pending) == []


def test_a_registered_design_outside_the_vocabulary_is_refused(mini_project):
    register = mini_project / "ontology" / "curation" / "primary-studies.yaml"
    register.write_text(REGISTER.replace("randomised controlled trial", "big study"))
    r = run_cli("curate", "validate", "--reasoner", "none", home=mini_project)
    assert r.returncode == 1 and "Traceback" not in r.stderr
    assert re.search(r"primary-studies.yaml:7: field design: design 'big study' is not a study "
                     r"design \(fix: .*retrospective cohort", r.stderr), r.stderr


def test_a_laboratory_item_of_a_registered_clinical_study_passes(mini_project):
    (mini_project / "ontology" / "curation" / "primary-studies.yaml").write_text(
        REGISTER.replace("randomised controlled trial", "retrospective cohort"))
    _break(mini_project, None, SAME_STUDY.replace("case report", "in vitro"))
    assert [p for p in lint_problems(load_curation(project_paths(mini_project)))
            if "registered-design" in p.problem] == []


GENE_EXPERIMENT = ("The inhibition of the MINI1 gene raised exon skipping, and lower MINI1 levels were "
                   "found in patients who relapsed (7).")


@pytest.mark.parametrize("quote, flagged", [
    (GENE_EXPERIMENT, False),            # a gene experiment beside patients: laboratory part kept
    ("Lower MINI1 levels were found in patients who relapsed (7).", True),
])
def test_a_gene_experiment_is_laboratory_work_beside_patients(mini_project, quote, flagged):
    with (mini_project / "fixtures" / "text.txt").open("a", encoding="utf-8") as text:
        text.write(f" {quote}\n")
    _break(mini_project, None, SAME_STUDY.replace("mini2024-tmtv-mechanism", "mini2024-gene")
           .replace("case report", "in vitro").split("  quote:")[0]
           + f'  quote: "{quote}"\n  context: {{study_type: in vitro}}\n'
           + "  certainty: stated\n  directness: direct\n")
    found = [p for p in lint_problems(load_curation(project_paths(mini_project)))
             if "design-words" in p.problem and "mini2024-gene" in p.problem]
    assert bool(found) == flagged, found
