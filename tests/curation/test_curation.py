"""Loading the curation sources: real files validate; each kind of mistake is reported with
file, line, field and a fix, and exits 1 from the CLI."""
from __future__ import annotations

import re

import pytest

from projectcopy import run_cli
from kg.curation.sources import load_curation
from kg.errors import CurationErrors
from kg.paths import project_paths
from kg.curation.yamlsrc import load_text


def test_line_aware_yaml_reports_lines_and_duplicate_keys():
    doc = load_text("a: 1\nb:\n  - x\n  - y\n", "t.yaml")
    assert (doc.line_of("b"), doc["b"].line_of(1)) == (2, 4)
    with pytest.raises(Exception, match=r"t.yaml:2: field a: duplicate key"):
        load_text("a: 1\na: 2\n", "t.yaml")


def test_yaml_syntax_errors_keep_their_line_and_wording():
    """libyaml parses; a failure is re-parsed by PyYAML's own parser for its message."""
    with pytest.raises(Exception, match=r"t.yaml:2: YAML syntax error: mapping values are not "
                                        r"allowed here"):
        load_text("a: 1\n b: 2\n", "t.yaml")


def test_fixture_loads(mini_project):
    cur = load_curation(project_paths(mini_project))
    assert set(cur.entities) >= {"mini-mechanism", "mini-strategy"}
    assert [e.id for e in cur.evidence] == ["mini2024-tmtv", "mini2024-dual", "mini2024-kind"]
    assert cur.evidence[0].statistics[0].value == 4.35


def _break(project, old, new, file="ontology/curation/sources/mini2024.yaml"):
    path = project / file
    text = path.read_text()
    assert old in text, old
    path.write_text(text.replace(old, new, 1))


MISTAKES = [
    # (file, old, new, expected line, field, words in the message)
    ("sources", "  subject: mini-biomarker\n", "", 13, "", "missing field 'subject'"),
    ("sources", "subject: mini-strategy", "subject: mini-strategi", 27, "subject",
     "unknown entity 'mini-strategi'"),
    ("sources", "refs: [7]", "refs: [70]", 17, "refs", "outside 1..10"),
    ("sources", "- id: mini2024-dual", "- id: mini2024-tmtv", 26, "id", "duplicate id"),
    ("sources", "with a hazard ratio", "with an hazard ratio", 18, "quote",
     "not found word for word"),
    ("sources", "value: 4.35", "value: four", 20, "value", "is not a number"),
    ("sources", "predicate: predicts", "predicate: cures", 15, "predicate", "unknown relation"),
    ("sources", "subject: mini-strategy", "subject: mini-outcome", 27, "subject",
     "addresses needs a subject of category strategy"),
    ("entities", "type: CarDesignStrategy", "type: Strategyy", 14, "type", "not a class"),
    ("entities", "synonyms: [mini loss]", "synonyms: [Mini TMTV]", 18, "synonyms",
     "is also a name of"),
]


@pytest.mark.parametrize("where,old,new,line,field,words", MISTAKES,
                         ids=[m[5] for m in MISTAKES])
def test_each_mistake_names_file_line_field_and_fix(mini_project, where, old, new, line,
                                                    field, words):
    file = {"sources": "ontology/curation/sources/mini2024.yaml",
            "entities": "ontology/curation/entities/entities.yaml"}[where]
    _break(mini_project, old, new, file)
    with pytest.raises(CurationErrors) as info:
        load_curation(project_paths(mini_project))
    problems = [p for p in info.value.problems if words in p.problem]
    assert problems, str(info.value)
    p = problems[0]
    assert (p.path, p.line, p.field) == (file, line, field), p.render()
    assert p.fix
    result = run_cli("curate", "validate", "--reasoner", "none", home=mini_project)
    assert result.returncode == 1
    assert re.search(rf"{re.escape(file)}:{line}:", result.stderr), result.stderr


def test_real_sources_validate():
    cur = load_curation(project_paths())
    assert len(cur.evidence) >= 69
    assert {"xu2023", "jacoby2019"} <= set(cur.sources)
