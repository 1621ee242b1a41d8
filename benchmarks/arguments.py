"""Command-line argument types: bad values get one line saying what was expected."""

from __future__ import annotations

import argparse
from collections.abc import Callable

QUICK_NOTE = "--quick: tiny sizes; the times mean nothing here, the checks are what counts"


def at_least(minimum: int) -> Callable[[str], int]:
    """An argparse `type` for whole numbers no smaller than `minimum`."""

    def parse(text: str) -> int:
        try:
            value = int(text.replace("_", "").replace(",", ""))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{text!r} is not a whole number (expected e.g. {max(minimum, 1) * 10})"
            ) from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{value} is too small (at least {minimum})")
        return value

    parse.__name__ = "number"
    return parse


def server_counts(text: str) -> list[int]:
    """`2500,10000`: one or more server counts, each at least 1, in increasing order."""
    parse = at_least(1)
    try:
        counts = sorted({parse(part) for part in text.split(",") if part.strip()})
    except argparse.ArgumentTypeError as exc:
        raise argparse.ArgumentTypeError(f"{exc}; expected counts like 2500,10000") from None
    if not counts:
        raise argparse.ArgumentTypeError("expected one or more counts, like 2500,10000")
    return counts
