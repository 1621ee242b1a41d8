"""Parsers for slash-command arguments; every failure is a friendly InputError."""

from __future__ import annotations

import re
from datetime import date, time, timedelta

from bot.core.days import Period
from bot.core.errors import InputError, echo
from bot.core.text import normalize_text

DAY_ABBREVIATIONS: tuple[str, ...] = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")

_DATE_EXPECTED = "YYYY-MM-DD, `today` or `yesterday`"
_DATE_RE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")


def _iso_date(text: str) -> date | None:
    match = _DATE_RE.fullmatch(text)
    if match is None:
        return None
    try:
        return date(*(int(part) for part in match.groups()))
    except ValueError:
        return None


def parse_checkin_day(text: str, today: date, max_back: int = 7) -> date:
    """Parse `today`, `yesterday` or an ISO date within the last `max_back` days."""
    raw = text.strip()
    word = raw.casefold()
    example = today.isoformat()
    if word == "today":
        day = today
    elif word == "yesterday":
        day = today - timedelta(days=1)
    else:
        parsed = _iso_date(raw)
        if parsed is None:
            raise InputError("day", f"{echo(raw)} is not a date", _DATE_EXPECTED, example)
        day = parsed
    if day > today:
        raise InputError(
            "day", f"{echo(day.isoformat())} is in the future", _DATE_EXPECTED, example
        )
    if day < today - timedelta(days=max_back):
        plural = "day" if max_back == 1 else "days"
        raise InputError(
            "day",
            f"{echo(day.isoformat())} is more than {max_back} {plural} ago",
            f"a day from the last {max_back} {plural}",
            example,
        )
    return day


_WEEKDAY_WORDS: dict[str, int] = {}
for _index, _names in enumerate(
    (
        ("mon", "monday"),
        ("tue", "tues", "tuesday"),
        ("wed", "weds", "wednesday"),
        ("thu", "thur", "thurs", "thursday"),
        ("fri", "friday"),
        ("sat", "saturday"),
        ("sun", "sunday"),
    )
):
    for _name in _names:
        _WEEKDAY_WORDS[_name] = _index
    _WEEKDAY_WORDS[_names[-1] + "s"] = _index  # "mondays"

_ALL_DAYS = frozenset(range(7))
_WEEKDAYS = frozenset(range(5))
_WEEKENDS = frozenset({5, 6})
_DAY_GROUPS: dict[str, frozenset[int]] = {
    "daily": _ALL_DAYS,
    "everyday": _ALL_DAYS,
    "every day": _ALL_DAYS,
    "weekdays": _WEEKDAYS,
    "weekends": _WEEKENDS,
    "weekend": _WEEKENDS,
}
_DAYS_EXPECTED = "day names like `mon,thu`, a range like `mon-fri`, `weekends` or `daily`"


def _days_error(problem: str) -> InputError:
    return InputError("days", problem, _DAYS_EXPECTED, "mon,thu")


def _one_day(token: str) -> int:
    try:
        return _WEEKDAY_WORDS[token]
    except KeyError:
        raise _days_error(f"{echo(token)} is not a day") from None


def parse_weekdays(text: str) -> frozenset[int]:
    """Parse day lists, ranges and groups into weekday numbers (0=Mon..6=Sun)."""
    normalized = " ".join(text.casefold().split())
    if normalized in _DAY_GROUPS:
        return _DAY_GROUPS[normalized]
    # Glue ranges like "mon - fri" or "Mon–Fri" into one token before splitting.
    normalized = re.sub(r"\s*[-–—]\s*", "-", normalized)
    tokens = [t for t in re.split(r"[\s,;/&+]+", normalized) if t and t != "and"]
    if not tokens:
        raise _days_error("no days given")
    days: set[int] = set()
    for token in tokens:
        if token in _DAY_GROUPS:
            days |= _DAY_GROUPS[token]
        elif "-" in token:
            first, _, last = token.partition("-")
            if not first or not last or "-" in last:
                raise _days_error(f"{echo(token)} is not a day range")
            start, end = _one_day(first), _one_day(last)
            # Ranges wrap around the weekend: "fri-mon" is Fri, Sat, Sun, Mon.
            days.update((start + i) % 7 for i in range((end - start) % 7 + 1))
        else:
            days.add(_one_day(token))
    return frozenset(days)


def format_weekdays(days: frozenset[int]) -> str:
    """Render weekdays compactly: `daily`, `weekdays`, `weekends` or `Mon, Wed–Fri`."""
    if not days:
        return "no days"
    for name in ("daily", "weekdays", "weekends"):
        if days == _DAY_GROUPS[name]:
            return name
    runs: list[list[int]] = []
    for d in sorted(days):
        if runs and runs[-1][-1] + 1 == d:
            runs[-1].append(d)
        else:
            runs.append([d])
    # A run through Sunday into Monday reads better as one range ("Fri–Mon") when it is long
    # enough to become a range at all. (A single run from Mon to Sun is every day: "daily"
    # above, so this always joins two runs.)
    wraps = runs[0][0] == 0 and runs[-1][-1] == 6
    if wraps and len(runs[-1]) + len(runs[0]) >= 3:
        runs[-1].extend(runs.pop(0))
    parts: list[str] = []
    for run in runs:
        if len(run) >= 3:
            parts.append(f"{DAY_ABBREVIATIONS[run[0]]}–{DAY_ABBREVIATIONS[run[-1]]}")
        else:
            parts.extend(DAY_ABBREVIATIONS[d] for d in run)
    return ", ".join(parts)


_HHMM_RE = re.compile(r"(\d{1,2}):(\d{2})")


def parse_hhmm(text: str) -> time:
    """Parse a 24-hour HH:MM wall time."""
    raw = text.strip()
    match = _HHMM_RE.fullmatch(raw)
    if match is not None:
        hour, minute = int(match[1]), int(match[2])
        if hour < 24 and minute < 60:
            return time(hour, minute)
    raise InputError("time", f"{echo(raw)} is not a time", "a 24-hour time HH:MM", "18:00")


_ON_WORDS = frozenset({"on", "yes", "y", "true", "enable", "enabled", "1"})
_OFF_WORDS = frozenset({"off", "no", "n", "false", "disable", "disabled", "0"})


def parse_on_off(text: str, argument: str) -> bool:
    """Parse a yes/no style switch."""
    word = text.strip().casefold()
    if word in _ON_WORDS:
        return True
    if word in _OFF_WORDS:
        return False
    raise InputError(argument, f"{echo(text)} is not on or off", "`on` or `off`", "on")


_PERIOD_WORDS: dict[str, Period] = {
    "week": Period.WEEK,
    "weekly": Period.WEEK,
    "month": Period.MONTH,
    "monthly": Period.MONTH,
    "year": Period.YEAR,
    "yearly": Period.YEAR,
    "all": Period.ALL,
    "alltime": Period.ALL,
    "all-time": Period.ALL,
    "all time": Period.ALL,
    "streak": Period.STREAK,
    "streaks": Period.STREAK,
}


def parse_period(text: str | None) -> Period:
    """Parse a leaderboard period; nothing means this week."""
    if text is None:
        return Period.WEEK
    word = " ".join(text.casefold().split())
    if not word:
        return Period.WEEK
    try:
        return _PERIOD_WORDS[word]
    except KeyError:
        raise InputError(
            "period",
            f"{echo(text)} is not a period",
            "`week`, `month`, `year`, `all` or `streak`",
            "month",
        ) from None


_IMAGE_WORDS = frozenset({"image", "picture", "pic", "card", "png", "on"})
_TEXT_WORDS = frozenset({"text", "embed", "plain", "off"})


def parse_board_style(text: str | None) -> bool | None:
    """`image` (True) or `text` (False) for a leaderboard; nothing: the server's default."""
    if text is None or not text.strip():
        return None
    word = text.strip().casefold()
    if word in _IMAGE_WORDS:
        return True
    if word in _TEXT_WORDS:
        return False
    raise InputError(
        "style",
        f"{echo(text)} is not a leaderboard style",
        "`image` or `text`",
        "image",
    )


def _is_style(text: str | None) -> bool:
    return text is not None and text.strip().casefold() in _IMAGE_WORDS | _TEXT_WORDS


def parse_board_request(first: str | None, second: str | None) -> tuple[Period, bool | None]:
    """`top [period] [image|text]`, the two words in either order (`top image` is this
    week's board as a picture)."""
    if _is_style(first) and not _is_style(second):
        first, second = second, first
    return parse_period(first), parse_board_style(second)


def _small_int(text: str, suffix: str = "") -> int | None:
    match = re.fullmatch(r"(\d{1,3})" + suffix, text.strip().casefold())
    return int(match[1]) if match else None


def parse_weekly_target(text: str) -> int:
    """Parse check-ins needed per week to keep a streak: 1..7."""
    value = _small_int(text)
    if value is None or not 1 <= value <= 7:
        raise InputError(
            "target",
            f"{echo(text)} is not a number from 1 to 7",
            "a whole number of check-ins per week from 1 to 7",
            "2",
        )
    return value


def parse_nudge_hours(text: str) -> int | None:
    """Parse hours before the deadline for a nudge (1..12); off/none/0 disables it."""
    if text.strip().casefold() in {"off", "none", "no", "disable", "disabled"}:
        return None
    value = _small_int(text, r"\s*(?:h|hr|hrs|hour|hours)?")
    if value == 0:
        return None
    if value is None or value > 12:
        raise InputError(
            "hours",
            f"{echo(text)} is not a number of hours from 1 to 12",
            "hours from 1 to 12, or `off`",
            "3",
        )
    return value


def _check_length(text: str, max_len: int, argument: str) -> None:
    if len(text) > max_len:
        raise InputError(
            argument,
            f"it is {len(text)} characters long",
            f"at most {max_len} characters",
        )


def clean_note(text: str | None, max_len: int = 200) -> str | None:
    """Normalise an optional note (see `normalize_text`); blank becomes None, too long
    (counted after normalising) is an error."""
    if text is None:
        return None
    cleaned = normalize_text(text)
    if not cleaned:
        return None
    _check_length(cleaned, max_len, "note")
    return cleaned


def clean_quote(text: str, max_len: int = 300) -> str:
    """Normalise a custom quote; it must be non-blank and at most `max_len` characters."""
    cleaned = normalize_text(text)
    if not cleaned:
        raise InputError("quote", "it is empty", f"some text, at most {max_len} characters")
    _check_length(cleaned, max_len, "quote")
    return cleaned
