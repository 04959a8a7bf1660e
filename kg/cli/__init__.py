"""The ``cartkg`` command line: the only code that knows argparse."""

from kg.cli.main import main

__all__ = ["main"]
