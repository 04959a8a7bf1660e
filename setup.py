"""Packaging hook: a wheel of cartkg carries the built graph (exports/cartkg.nt), the
competency questions and the ontology under kg/packaged/, so that an installed cartkg answers
questions outside any project. Everything else is declared in pyproject.toml."""
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

PACKAGED_FILES = ("exports/cartkg.nt", "queries/cq/*.rq", "ontology/cartkg.ttl")


class BuildPyWithGraph(build_py):
    def run(self):
        super().run()
        root = Path(__file__).resolve().parent
        target = Path(self.build_lib) / "kg" / "packaged"
        for pattern in PACKAGED_FILES:
            for source in sorted(root.glob(pattern)):
                dest = target / source.relative_to(root)
                dest.parent.mkdir(parents=True, exist_ok=True)
                dest.write_bytes(source.read_bytes())


setup(cmdclass={"build_py": BuildPyWithGraph})
