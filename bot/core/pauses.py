"""Holidays: which weeks a member's streak is paused, and the yearly cap on them.

A paused week is a `days.week_index` number in the member's own days. A pause starts with
the current week; the weeks of a year are those whose Monday falls in it.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from datetime import date, timedelta

from bot.core.days import week_index, week_start
from bot.core.errors import InputError

MAX_PAUSE_WEEKS = 4
DEFAULT_PAUSE_CAP = 6
MAX_PAUSE_CAP = 52


def weeks_of(mondays: Iterable[date]) -> frozenset[int]:
    """Paused weeks as the store keeps them (their Mondays) to week numbers."""
    return frozenset(week_index(monday) for monday in mondays)


def monday_of(week: int) -> date:
    return date.fromordinal(week * 7 + 1)


def weeks_in_year(paused: Collection[int], year: int) -> int:
    return sum(1 for week in paused if monday_of(week).year == year)


def plan(weeks: int, today: date, paused: Collection[int], cap: int) -> list[date]:
    """The Mondays to pause for `weeks` weeks from today's week (those already paused are
    not taken twice); refused when they would go over `cap` weeks in a year."""
    if not 1 <= weeks <= MAX_PAUSE_WEEKS:
        raise ValueError(f"a pause is 1..{MAX_PAUSE_WEEKS} weeks, got {weeks}")
    first = week_index(today)
    new = [w for w in range(first, first + weeks) if w not in paused]
    for year in sorted({monday_of(w).year for w in new}):
        used = weeks_in_year(paused, year)
        wanted = sum(1 for w in new if monday_of(w).year == year)
        if used + wanted > cap:
            left = max(cap - used, 0)
            raise InputError(
                "weeks",
                f"that would be {used + wanted} paused weeks in {year}, and this server "
                f"allows {cap} a year ({left} left for you)",
                f"at most {left} more week{'s' if left != 1 else ''} in {year}"
                if left
                else "a pause next year",
            )
    return [monday_of(w) for w in new]


def paused_until(paused: Collection[int], today: date) -> date | None:
    """The last day (a Sunday) of the pause today is in; None when today is not paused."""
    week = week_index(today)
    if week not in paused:
        return None
    while week + 1 in paused:
        week += 1
    return monday_of(week) + timedelta(days=6)


def this_monday(today: date) -> date:
    return week_start(today)
