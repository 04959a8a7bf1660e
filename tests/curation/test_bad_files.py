"""Curation files that are hostile or merely odd (issue 27): a list nested 100,000 deep, a TSV
field of 200 KB, a TSV saved with a byte-order mark. Real ``cartkg`` processes on a project
copy: a clear error naming the file and line (or a clean import), never a traceback."""
from __future__ import annotations

import json

import pytest

from projectcopy import run_cli
from test_curate import register_paper2, snapshot

HEADER = "source\tsubject\tpredicate\tobject\tquote\tstudy_type\trefs\n"
ROW = ("10.5555/second.2025\tMini dual CAR\taddresses\tmini loss\t"
       "Dual-targeted CAR-T cells reduced relapse (4).\tsingle-arm trial\t4\n")


@pytest.mark.parametrize("text", ["[" * 100_000 + "]" * 100_000 + "\n",
                                  "- " * 100_000 + "x\n",
                                  "".join("  " * i + "-\n" for i in range(3000))])
def test_deeply_nested_yaml_is_an_error_naming_the_file(mini_project, text):
    (mini_project / "ontology" / "curation" / "entities" / "deep.yaml").write_text(text)
    r = run_cli("curate", "validate", "--reasoner", "none", home=mini_project)
    assert r.returncode == 1, r.stderr
    assert "entities/deep.yaml:" in r.stderr and "fix:" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr and "RecursionError" not in r.stderr


def test_a_200_kb_tsv_field_is_an_error_naming_the_line(mini_project, tmp_path):
    assert register_paper2(mini_project).returncode == 0
    tsv = tmp_path / "long.tsv"
    tsv.write_text(HEADER + ROW + ROW.replace("Dual-targeted", "x" * 200_000))
    before = snapshot(mini_project)
    r = run_cli("curate", "import", str(tsv), home=mini_project)
    assert r.returncode == 1, r.stderr
    assert f"{tsv}:3:" in r.stderr and "fix:" in r.stderr, r.stderr
    assert "Traceback" not in r.stderr
    assert snapshot(mini_project) == before


def test_a_tsv_with_a_byte_order_mark_is_read(mini_project, tmp_path):
    assert register_paper2(mini_project).returncode == 0
    tsv = tmp_path / "bom.tsv"
    tsv.write_bytes(b"\xef\xbb\xbf" + (HEADER + ROW).encode("utf-8"))
    r = run_cli("curate", "import", str(tsv), "--json", home=mini_project)
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)["added"]) == 1
