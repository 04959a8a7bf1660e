"""No traceback ever reaches a user: every command, given bad arguments or files, exits 1 or 2
with a message that names what to fix; and every fix hint names a flag or command that exists.
"""
from __future__ import annotations

import ast
import os
import re
import subprocess
import sys

import pytest

from kg.files import LOCK_NAME
from projectcopy import REPO

# (arguments, what the message must name); {tmp} is a scratch folder, {proj} the project copy
CASES = [
    (["curate", "import", "missing.tsv"], "missing.tsv"),
    (["curate", "import", "{tmp}"], "{tmp}"),
    (["curate", "import", "{tmp}/binary.tsv"], "UTF-8"),
    (["curate", "import", "{tmp}/malformed.tsv"], "malformed.tsv"),
    (["sparql", "{tmp}"], "folder"),
    (["sparql", "missing.rq"], "missing.rq"),
    (["sparql", "{tmp}/binary.rq"], "binary.rq"),
    (["sparql", "SELECT * WHERE { ?s ?p"], "syntax error"),
    (["sparql", "ASK {}", "--endpoint", "http://127.0.0.1:9/sparql"], "127.0.0.1:9"),
    (["explore", "--output", "/proc/nope"], "/proc/nope"),
    (["explore", "--focus", "no such thing at all", "--output", "{tmp}/site"], "no entity"),
    (["curate", "add-source", "--id", "x1", "--doi", "10.1/x", "--title", "t", "--year", "abc",
      "--journal", "j", "--licence", "l"], "--year"),
    (["curate", "add-source", "--id", "x2", "--doi", "10.1/x", "--title", "t", "--year", "2020",
      "--journal", "j", "--licence", "l", "--text", "missing.txt"], "missing.txt"),
    (["curate", "add", "--source", "nope", "--subject", "CD19", "--predicate", "predicts",
      "--object", "complete response", "--quote", "x", "--refs", "1"], "nope"),
    (["curate", "add", "--source", "xu2023", "--subject", "CD19", "--predicate", "predicts",
      "--object", "complete response", "--quote", "x", "--refs", "a,b"], "--refs"),
    (["curate", "review", "nope", "--status", "accepted", "--curator", "0000-0002-1825-0097"],
     "nope"),
    (["diff", "{tmp}/garbage.nt", "exports"], "garbage.nt"),
    (["diff", "missing", "exports"], "missing"),
    (["diff", "HEAD~99999", "exports"], "HEAD~99999"),
    (["evidence", "--about", "no such thing at all"], "no entity"),
    (["cq", "nope"], "nope"),
    (["cq", "hazard-ratios", "--param", "bad"], "--param"),
    (["cq", "hazard-ratios", "--param", "x=y"], "x"),
    (["strategies", "zzzzqqqq"], "zzzzqqqq"),
    (["mechanisms", "zzzzqqqq"], "zzzzqqqq"),
    (["lookup", "CD19", "--store", "bogus"], "bogus"),
    (["lookup", "CD19", "--project", "{tmp}"], "--project"),
    (["serve", "--port", "-1"], "--port"),
    (["serve", "--timeout", "0"], "--timeout"),
    (["push", "--endpoint", "http://127.0.0.1:9/sparql"], "127.0.0.1:9"),
    (["coverage", "--source", "nope"], "nope"),
    (["curate", "suggest", "--source", "nope"], "nope"),
    (["curate", "suggest", "--source", "xu2023", "--section", "nope"], "nope"),
    (["curate", "suggest", "--source", "xu2023", "--out", "/proc/nope/s.tsv"], "/proc/nope"),
    (["biomarkers", "--outcome", "sideways"], "--outcome"),
    (["nosuchcommand"], "nosuchcommand"),
]


@pytest.fixture(scope="module")
def scratch(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("bad")
    from kg.paths import project_paths
    project = project_paths(REPO).copy_to(tmp / "project").root
    if not (tmp / "shared").exists():
        (tmp / "shared").symlink_to((REPO.parent / "shared").resolve())
    (tmp / "binary.tsv").write_bytes(b"x\xff\xfe\x00\n")
    (tmp / "binary.rq").write_bytes(b"\xff\xfeSELECT")
    (tmp / "malformed.tsv").write_text("just one column\nand another line\n")
    (tmp / "garbage.nt").write_text("this is not N-Triples\n")
    return tmp, project


@pytest.mark.parametrize("args,named", CASES, ids=[" ".join(c[0])[:60] for c in CASES])
def test_bad_input_gets_a_message_and_an_exit_code_never_a_traceback(scratch, args, named):
    tmp, project = scratch
    fill = lambda s: s.replace("{tmp}", str(tmp)).replace("{proj}", str(project))  # noqa: E731
    env = {k: v for k, v in os.environ.items() if k not in ("CARTKG_HOME", "CARTKG_STORE")}
    sources = lambda: {p: p.read_bytes() for p in (project / "ontology").rglob("*")  # noqa: E731
                       if p.is_file() and p.name != LOCK_NAME}      # the lock file is not data
    before = sources()
    out = subprocess.run([sys.executable, "-m", "kg", *map(fill, args)], cwd=project, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode in (1, 2), out.stderr
    assert "Traceback" not in out.stderr + out.stdout
    assert fill(named) in out.stderr, out.stderr
    assert sources() == before, "a rejected command changed the curation sources"


def _parser_vocabulary():
    """Every command path and every option string the real parser knows."""
    from kg.cli.main import parser
    import argparse
    commands, flags = set(), set()

    def walk(p: argparse.ArgumentParser, prefix: str):
        for action in p._actions:
            flags.update(s for s in action.option_strings if s.startswith("--"))
            if isinstance(action, argparse._SubParsersAction):
                for name, child in action.choices.items():
                    commands.add(f"{prefix} {name}".strip())
                    walk(child, f"{prefix} {name}")
    walk(parser(), "")
    return commands, flags


def _strings_in_package():
    for path in sorted((REPO / "kg").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                yield path, node.value


def test_every_hint_names_flags_and_commands_that_exist():
    commands, flags = _parser_vocabulary()
    flags |= {f for path in (REPO / "kg" / "cli").glob("*.py")      # the package's other tools
              for f in re.findall(r"add_argument\(\s*\"(--[a-z-]+)\"", path.read_text())}
    words = {c.split()[0] for c in commands}
    bad = []
    for path, text in _strings_in_package():
        if re.fullmatch(r"--[a-z][a-z-]*", text):     # an argument handed to another program
            continue
        for cmd in re.findall(r"'cartkg ([a-z][a-z-]*(?: [a-z][a-z-]*)?)", text):
            first, *rest = cmd.split()
            if first not in words or (first == "curate" and rest and cmd not in commands):
                bad.append(f"{path.name}: command 'cartkg {cmd}'")
        for flag in re.findall(r"(?<![\w-])(--[a-z][a-z-]*[a-z])(?![\w-])", text):
            if flag not in flags and not flag.startswith("--new-") \
                    and not flag.endswith("-definition"):
                bad.append(f"{path.name}: flag {flag}")
    assert bad == []


def test_templated_creation_hints_name_real_flags():
    """The hint built from a role ('--new-subject', '--object-definition') exists for every
    role it is built for, and no hint is built for context keys."""
    _, flags = _parser_vocabulary()
    for role in ("subject", "object"):
        assert {f"--new-{role}", f"--{role}-definition"} <= flags


def test_syntax_errors_count_lines_in_the_users_own_text(scratch):
    tmp, project = scratch
    query = tmp / "broken.rq"
    text = "SELECT ?s\nWHERE {\n  ?s a <urn:x> .\n  FILTER(\n}"
    query.write_text(text)
    import pyoxigraph
    with pytest.raises(SyntaxError) as direct:          # the engine, given the text alone
        pyoxigraph.Store().query(text)
    where = re.search(r"at (\d+:\d+)", str(direct.value)).group(1)
    assert where.startswith("5:")
    out = subprocess.run([sys.executable, "-m", "kg", "sparql", str(query)], cwd=project,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 1
    assert f"at {where}:" in out.stderr, out.stderr


def test_sparql_help_lists_the_declared_prefixes():
    from kg.vocab import PREFIXES
    out = subprocess.run([sys.executable, "-m", "kg", "sparql", "--help"], capture_output=True,
                         text=True, timeout=60)
    assert all(f"{p}:" in out.stdout and iri in out.stdout for p, iri in PREFIXES.items())
