"""Competition ranking ("1, 2, 2, 4") and pagination for leaderboards."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Ranked(Generic[T]):
    """An item with its 1-based competition rank."""

    rank: int
    item: T


def competition_rank(
    items: Iterable[T],
    score: Callable[[T], tuple[int, ...]],
    tiebreak: Callable[[T], int],
) -> list[Ranked[T]]:
    """Sort by score descending then tiebreak ascending; equal scores share a rank."""
    keyed = [(score(it), tiebreak(it), it) for it in items]
    # Two stable sorts: reverse=True keeps equal scores in ascending tiebreak order.
    keyed.sort(key=lambda k: k[1])
    keyed.sort(key=lambda k: k[0], reverse=True)
    ranked: list[Ranked[T]] = []
    previous: tuple[int, ...] | None = None
    rank = 0
    for position, (s, _, item) in enumerate(keyed, start=1):
        if s != previous:
            rank = position
            previous = s
        ranked.append(Ranked(rank, item))
    return ranked


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a ranking; `number` is 0-based and `total_pages` is at least 1."""

    number: int
    total_pages: int
    entries: list[Ranked[T]]


def paginate(ranked: Sequence[Ranked[T]], page: int, per_page: int = 10) -> Page[T]:
    """Slice out page `page`, clamped into the valid range."""
    if per_page < 1:
        raise ValueError("per_page must be at least 1")
    total_pages = max(1, -(-len(ranked) // per_page))
    number = min(max(page, 0), total_pages - 1)
    start = number * per_page
    return Page(number, total_pages, list(ranked[start : start + per_page]))


def find_rank(ranked: Sequence[Ranked[T]], predicate: Callable[[T], bool]) -> Ranked[T] | None:
    """The first ranked entry whose item matches, if any."""
    return next((r for r in ranked if predicate(r.item)), None)
