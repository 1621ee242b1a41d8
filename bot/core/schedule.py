"""Reminder schedules: one fire per matching local date at a local wall time."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.core.days import UTC, local_day


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be an aware datetime")


def fire_instant(day: date, at: time, tz: ZoneInfo) -> datetime:
    """The UTC instant for wall time `at` on local date `day`.

    fold=0 gives exactly the wanted rule: an ambiguous time resolves to its first
    occurrence, and a non-existent one is read with the pre-transition offset,
    which lands the same distance past the gap as `at` was into it.
    """
    wall = datetime.combine(day, at.replace(fold=0))  # any zone on `at` is replaced below
    return wall.replace(tzinfo=tz).astimezone(UTC)


def _fires_from(
    weekdays: frozenset[int], at: time, tz: ZoneInfo, first_day: date
) -> Iterator[tuple[date, datetime]]:
    """Matching (local date, instant) pairs from `first_day` on, strictly increasing."""
    if not weekdays:
        return
    if not weekdays <= frozenset(range(7)):
        raise ValueError(f"weekdays must be within 0..6, got {sorted(weekdays)}")
    last: datetime | None = None
    day = first_day
    while True:
        if day.weekday() in weekdays:
            instant = fire_instant(day, at, tz)
            # Only a skipped calendar day (e.g. Samoa 2011) could collide with the next one.
            if last is None or instant > last:
                last = instant
                yield day, instant
        day += timedelta(days=1)


def next_occurrences(
    weekdays: frozenset[int], at: time, tz: ZoneInfo, after: datetime, count: int
) -> list[tuple[date, datetime]]:
    """The next `count` (local date, UTC instant) pairs with instant strictly after `after`."""
    _require_aware(after, "after")
    if count <= 0 or not weekdays:
        return []
    found: list[tuple[date, datetime]] = []
    # Start a day early: a gap shift can push the previous date's fire past `after`.
    for day, instant in _fires_from(weekdays, at, tz, local_day(after, tz) - timedelta(days=1)):
        if instant > after:
            found.append((day, instant))
            if len(found) == count:
                break
    return found


def next_fires(
    weekdays: frozenset[int], at: time, tz: ZoneInfo, after: datetime, count: int
) -> list[datetime]:
    """The next `count` fire instants strictly after `after`, as aware UTC datetimes."""
    return [instant for _, instant in next_occurrences(weekdays, at, tz, after, count)]


def occurrences_between(
    weekdays: frozenset[int], at: time, tz: ZoneInfo, start: datetime, end: datetime
) -> list[tuple[date, datetime]]:
    """(local date, UTC instant) pairs with start < instant <= end, in order."""
    _require_aware(start, "start")
    _require_aware(end, "end")
    # No shortcut for an empty window or no weekdays: the loop below ends at once for both.
    found: list[tuple[date, datetime]] = []
    for day, instant in _fires_from(weekdays, at, tz, local_day(start, tz) - timedelta(days=1)):
        if instant > end:
            break
        if instant > start:
            found.append((day, instant))
    return found


def occurrence_day(fire_time: datetime, tz: ZoneInfo) -> date:
    """The local date a fire instant belongs to."""
    return local_day(fire_time, tz)
