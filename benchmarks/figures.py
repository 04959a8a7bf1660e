"""Benchmark figures: a value, the baseline measured in the same run, their ratio and the
target; rendered as a text table, a markdown table or the JSON object of the contract.

``ratio`` is always "how many times better than the baseline": baseline / value for times
and memory (lower is better), value / baseline for rates (higher is better). Below 1 means
worse than the baseline.
"""
from __future__ import annotations

import math
import operator
from dataclasses import dataclass, field

OPS = {"<=": operator.le, ">=": operator.ge}


@dataclass
class Figure:
    name: str
    value: float | None
    unit: str
    baseline: float | None = None
    baseline_label: str = ""
    higher_is_better: bool = False
    target: str = ""
    checks: list[tuple[str, str, float]] = field(default_factory=list)  # (value|ratio, op, x)
    note: str = ""

    @property
    def ratio(self) -> float | None:
        if not self.value or not self.baseline:
            return None
        return self.value / self.baseline if self.higher_is_better else self.baseline / self.value

    @property
    def met(self) -> bool | None:
        if not self.checks:
            return None
        got = {"value": self.value, "ratio": self.ratio}
        if any(got[k] is None for k, _, _ in self.checks):
            return None
        return all(OPS[op](got[k], x) for k, op, x in self.checks)

    def as_json(self) -> dict:
        return {"value": _num(self.value), "unit": self.unit, "baseline": _num(self.baseline),
                "ratio": _num(self.ratio), "target": self.target or None,
                "baseline_is": self.baseline_label or None, "met": self.met,
                "note": self.note or None}


def _num(x):
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return None
    return round(x, 4) if isinstance(x, float) else x


def fmt(x: float | None) -> str:
    if x is None:
        return "–"
    if x == 0:
        return "0"
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    if abs(x) >= 100:
        return f"{x:.0f}"
    if abs(x) >= 10:
        return f"{x:.1f}"
    if abs(x) >= 0.1:
        return f"{x:.2f}"
    return f"{x:.3g}"


def _cells(f: Figure) -> list[str]:
    base = fmt(f.baseline) + (f" ({f.baseline_label})" if f.baseline_label and
                              f.baseline is not None else "")
    met = {True: "yes", False: "NO", None: "–"}[f.met]
    ratio = f"{fmt(f.ratio)}×" if f.ratio is not None else "–"
    value = fmt(f.value) if f.value is not None else f"not measured: {f.note}"
    return [f.name, value, f.unit, base, ratio, f.target or "–", met]


HEADER = ["figure", "value", "unit", "baseline", "ratio", "target", "met?"]


def text_table(figs: list[Figure]) -> str:
    rows = [HEADER] + [_cells(f) for f in figs]
    widths = [min(max(len(r[i]) for r in rows), 60) for i in range(len(HEADER))]
    lines = ["  ".join(c[:60].ljust(w) for c, w in zip(r, widths)).rstrip() for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def markdown_table(figs: list[Figure]) -> str:
    out = ["| " + " | ".join(HEADER) + " |", "|" + "---|" * len(HEADER)]
    out += ["| " + " | ".join(c.replace("|", "\\|") for c in _cells(f)) + " |" for f in figs]
    return "\n".join(out)
