"""Small statistics and printing helpers shared by the benchmarks."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any


class CheckFailed(AssertionError):
    """The two sides did not do the same work or give the same answer."""


def checkin_mismatch(expected: dict[Any, Any], stored: dict[Any, Any]) -> str | None:
    """None when every member has exactly the stored check-ins expected; else a line."""
    wrong = [key for key in expected.keys() | stored.keys() if stored.get(key) != expected.get(key)]
    if not wrong:
        return None
    key = wrong[0]
    return (
        f"{len(wrong)} members do not have exactly one stored check-in "
        f"(e.g. {key}: stored {stored.get(key)}, expected {expected.get(key)})"
    )


def percentile(samples: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile: the smallest sample with at least `fraction` at or below it."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(fraction * len(ordered)))
    return ordered[rank - 1]


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples) if samples else math.nan


def ratio(ours: float, theirs: float) -> float:
    """ours / theirs, NaN when undefined."""
    if theirs == 0 or math.isnan(ours) or math.isnan(theirs):
        return math.nan
    return ours / theirs


def ms(value: float) -> str:
    """A duration in milliseconds, with precision that suits its size."""
    if math.isnan(value):
        return "n/a"
    if value < 10:
        return f"{value:.2f} ms"
    if value < 100:
        return f"{value:.1f} ms"
    return f"{value:.0f} ms"


def times(value: float) -> str:
    return "n/a" if math.isnan(value) else f"{value:.2f}x"


def table(headers: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    """A plain text table, first column left-aligned, the rest right-aligned."""
    widths = [max(len(str(cell)) for cell in column) for column in zip(headers, *rows, strict=True)]

    def line(cells: Sequence[str]) -> str:
        first, *rest = cells
        parts = [str(first).ljust(widths[0])]
        parts += [str(cell).rjust(width) for cell, width in zip(rest, widths[1:], strict=True)]
        return "  ".join(parts).rstrip()

    return "\n".join([line(headers), *(line(row) for row in rows)])


def require(condition: bool, message: str) -> None:
    """Raise `CheckFailed` unless `condition`: used for the checks every run makes."""
    if not condition:
        raise CheckFailed(message)
