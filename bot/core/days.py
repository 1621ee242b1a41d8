"""Time zones and calendar arithmetic on members' local days."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from functools import cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

from bot.core.errors import InputError, echo

UTC = ZoneInfo("UTC")

# Host artefacts of the system tz database, not places anyone lives in.
_NOT_ZONES = frozenset({"localtime", "posixrules", "Factory"})

COMMON_ZONES: tuple[str, ...] = (
    "UTC",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Lisbon",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Rome",
    "Europe/Amsterdam",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Europe/Athens",
    "Europe/Istanbul",
    "Europe/Moscow",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Toronto",
    "America/Sao_Paulo",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
)


@cache
def zone_names() -> tuple[str, ...]:
    """All IANA zone names known to this system, sorted."""
    return tuple(sorted(available_timezones() - _NOT_ZONES))


@cache
def _names_by_folded() -> dict[str, str]:
    return {name.casefold(): name for name in zone_names()}


def zone(name: str) -> ZoneInfo:
    """Resolve an IANA zone name, ignoring case and surrounding spaces."""
    key = name.strip()
    canonical = _names_by_folded().get(key.casefold())
    if canonical is None:
        raise InputError(
            argument="timezone",
            problem=f"{echo(key)} is not a time zone I know",
            expected="an IANA time zone name",
            example="Europe/London",
        )
    return ZoneInfo(canonical)


def suggest_zones(query: str, limit: int = 25) -> list[str]:
    """Zone names for autocomplete: prefix matches first, then substring matches."""
    if limit < 1:  # a negative slice end below would drop names from the end instead
        return []
    q = query.strip().casefold().replace(" ", "_")
    if not q:
        known = set(zone_names())
        return [name for name in COMMON_ZONES if name in known][:limit]
    prefix: list[str] = []
    substring: list[str] = []
    for name in zone_names():
        folded = name.casefold()
        if folded.startswith(q) or any(part.startswith(q) for part in folded.split("/")[1:]):
            prefix.append(name)
        elif q in folded:
            substring.append(name)
    return (prefix + substring)[:limit]


def effective_zone(
    member_tz: str | None, guild_tz: str | None, default_tz: str | None = None
) -> ZoneInfo:
    """The member's zone, else the guild's, else the bot's default, else UTC; stale
    names are skipped."""
    for name in (member_tz, guild_tz, default_tz):
        if not name:
            continue
        try:
            return zone(name)
        except (InputError, ZoneInfoNotFoundError, ValueError):
            continue
    return UTC


def local_day(now: datetime, tz: ZoneInfo) -> date:
    """The calendar date at `now` in `tz`; `now` must be aware."""
    if now.tzinfo is None or now.utcoffset() is None:
        raise ValueError("local_day needs an aware datetime")
    return now.astimezone(tz).date()


def week_index(day: date) -> int:
    """Consecutive integers for consecutive ISO weeks; 0001-01-01 was a Monday."""
    return (day.toordinal() - 1) // 7


def week_start(day: date) -> date:
    """The Monday of the ISO week containing `day`."""
    return date.fromordinal(day.toordinal() - day.weekday())


def month_start(day: date) -> date:
    """The first day of the month containing `day`."""
    return day.replace(day=1)


def year_start(day: date) -> date:
    """January 1st of the year containing `day`."""
    return day.replace(month=1, day=1)


class Period(StrEnum):
    """Leaderboard periods."""

    WEEK = "week"
    MONTH = "month"
    YEAR = "year"
    ALL = "all"
    STREAK = "streak"


def period_start(period: Period, today: date) -> date | None:
    """First local day counted for `period`; None when the period is unbounded."""
    match period:
        case Period.WEEK:
            return week_start(today)
        case Period.MONTH:
            return month_start(today)
        case Period.YEAR:
            return year_start(today)
    return None  # ALL and STREAK count every day
