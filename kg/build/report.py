"""``cartkg report``: a ROBOT-style quality report of the built graph and its OWL 2 DL profile.

- the report queries ``queries/report/*.rq`` (ROBOT's report checks that apply here: duplicate,
  missing and multiple labels and definitions, label whitespace and formatting, the ontology
  header's title, description and licence), each of which must return no rows;
- the OWL 2 DL profile of ``exports/cartkg.owl``, checked by the OWL API's ``OWL2DLProfile``
  (the OWL API ships inside the HermiT jar that owlready2 installs; ``DLProfile.java`` beside
  this module is run by Java's source launcher, so nothing is compiled or downloaded).
"""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from kg.build.validate import Problem, run_queries
from kg.errors import RuntimeProblem
from kg.paths import ProjectPaths

PROFILE_CHECKER = Path(__file__).with_name("DLProfile.java")


def report_problems(store, paths: ProjectPaths) -> list[Problem]:
    """Every row of every report query run on ``store`` (any backend with ``query``)."""
    return run_queries(store, sorted(paths.report.glob("*.rq")))


def hermit_jar() -> Path:
    import owlready2
    return Path(owlready2.__file__).with_name("hermit") / "HermiT.jar"


def dl_profile_violations(owl_file: Path, timeout: float = 300) -> list[str]:
    """The OWL API's OWL 2 DL profile violations of ``owl_file`` (RDF/XML or Turtle), one line
    each; [] when the file is in OWL 2 DL. Raises RuntimeProblem when Java is missing."""
    if not owl_file.is_file():
        raise RuntimeProblem(f"{owl_file} is missing: run 'cartkg build' first (or skip the "
                             "OWL 2 DL profile check with --no-profile)")
    if shutil.which("java") is None:
        raise RuntimeProblem("the OWL 2 DL profile check needs Java, which is not on the PATH: "
                             "install a JRE (Debian: apt-get install default-jre-headless)")
    run = subprocess.run(["java", "-cp", str(hermit_jar()), str(PROFILE_CHECKER), str(owl_file)],
                         capture_output=True, text=True, timeout=timeout)
    if run.returncode != 0:
        raise RuntimeProblem(f"the OWL API could not check {owl_file}: {java_error(run.stderr)} "
                             "(rebuild it with 'cartkg build')")
    return [line for line in run.stdout.splitlines() if line.strip()]


def java_error(stderr: str) -> str:
    """The message of a Java failure without its stack trace: the exception lines (and their
    causes), not the 'at ...' frames.

    >>> java_error("Exception in thread main x.Y: bad\\n\\tat a.b(C.java:1)\\nCaused by: z: worse")
    'Exception in thread main x.Y: bad; Caused by: z: worse'
    """
    lines = [line.strip() for line in stderr.splitlines()]
    kept = [line for line in lines if line and not line.startswith(("at ", "..."))]
    return "; ".join(kept)[:400] or "no message"
