"""Errors that map onto the documented exit codes.

Exit codes (INTERFACE.md): 0 success; 1 no match, invalid data or failed validation;
2 usage error or runtime failure.
"""
from __future__ import annotations

EXIT_OK, EXIT_INVALID, EXIT_RUNTIME = 0, 1, 2


class KgError(Exception):
    """Base class: carries the exit code the CLI should return."""

    exit_code = EXIT_RUNTIME


class CurationError(KgError):
    """One problem in a curation source, located by file, line and field.

    >>> str(CurationError("x.yaml", 3, "refs", "not a number", "write refs: [59]"))
    'x.yaml:3: field refs: not a number (fix: write refs: [59])'
    """

    exit_code = EXIT_INVALID

    def __init__(self, path: str, line: int, field: str, problem: str, fix: str = ""):
        self.path, self.line, self.field, self.problem, self.fix = path, line, field, problem, fix
        super().__init__(self.render())

    def render(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        field = f" field {self.field}:" if self.field else ""
        fix = f" (fix: {self.fix})" if self.fix else ""
        return f"{where}:{field} {self.problem}{fix}"

    def as_dict(self) -> dict:
        return {"file": self.path, "line": self.line, "field": self.field,
                "problem": self.problem, "fix": self.fix}


class CurationErrors(KgError):
    """Several curation problems reported together."""

    exit_code = EXIT_INVALID

    def __init__(self, problems: list[CurationError]):
        self.problems = problems
        super().__init__("\n".join(p.render() for p in problems))


class ValidationFailed(KgError):
    """SHACL, QC query or reasoner found the compiled graph invalid."""

    exit_code = EXIT_INVALID


class NoMatch(KgError):
    """Free text resolved to no entity, or to several equally good ones."""

    exit_code = EXIT_INVALID

    def __init__(self, message: str, candidates: list[str] | None = None):
        self.candidates = candidates or []
        super().__init__(message)


class RuntimeProblem(KgError):
    """Missing Java, unreachable endpoint, missing store and the like."""

    exit_code = EXIT_RUNTIME
