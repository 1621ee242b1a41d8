"""Parsing the weekly loop's settings: the group goal, shields, pauses, a weekly moment
(`sat 18:00`) and how a member wants to be reached."""

from __future__ import annotations

import re
from datetime import time

from bot.core.errors import InputError, echo
from bot.core.parsing import DAY_ABBREVIATIONS, parse_hhmm, parse_weekdays
from bot.core.pauses import MAX_PAUSE_CAP, MAX_PAUSE_WEEKS

MAX_GOAL = 100_000
DEFAULT_RISK_TIME = time(18, 0)
MAX_SHIELD_EVERY = 12
OFF_WORDS = frozenset({"off", "none", "no", "disable", "disabled"})
REMIND_WAYS = ("channel", "dm", "off")


def is_off(text: str) -> bool:
    return text.strip().casefold() in OFF_WORDS


def _whole(text: str) -> int | None:
    match = re.fullmatch(r"\d{1,7}", text.strip().replace(",", "").replace("_", ""))
    return int(match[0]) if match else None


def parse_goal(text: str) -> int | None:
    """The group's weekly goal in leg days: 1..MAX_GOAL, or `off` (None)."""
    if is_off(text):
        return None
    value = _whole(text)
    if value is None or not 1 <= value <= MAX_GOAL:
        raise InputError(
            "goal",
            f"{echo(text)} is not a number of leg days from 1 to {MAX_GOAL:,}",
            "the server's weekly total of leg days, or `off`",
            "40",
        )
    return value


def parse_shield_every(text: str) -> int:
    """Met weeks in a row that earn a shield: 1..MAX_SHIELD_EVERY, or 0/`off`."""
    if is_off(text):
        return 0
    value = _whole(text)
    if value is None or value > MAX_SHIELD_EVERY:
        raise InputError(
            "weeks",
            f"{echo(text)} is not a number of weeks from 0 to {MAX_SHIELD_EVERY}",
            "met weeks in a row that earn a shield, or `0` to turn shields off",
            "4",
        )
    return value


def parse_pause_cap(text: str) -> int:
    value = _whole(text)
    if value is None or value > MAX_PAUSE_CAP:
        raise InputError(
            "weeks",
            f"{echo(text)} is not a number of weeks from 0 to {MAX_PAUSE_CAP}",
            "paused weeks a member may take per year (0 turns pauses off)",
            "6",
        )
    return value


def parse_pause_weeks(text: str) -> int | None:
    """`legday pause`: 1..MAX_PAUSE_WEEKS weeks, or `off` (None) to end a pause."""
    if is_off(text):
        return None
    match = re.fullmatch(r"(\d{1,2})\s*(?:w|wk|wks|week|weeks)?", text.strip().casefold())
    value = int(match[1]) if match else None
    if value is None or not 1 <= value <= MAX_PAUSE_WEEKS:
        raise InputError(
            "weeks",
            f"{echo(text)} is not a number of weeks from 1 to {MAX_PAUSE_WEEKS}",
            f"1 to {MAX_PAUSE_WEEKS} weeks from this one, or `off` to end a pause",
            "2",
        )
    return value


def parse_moment(day: str, at: str, argument: str = "day") -> tuple[int, time]:
    """A weekly moment: one weekday and a wall time, e.g. `sat` `18:00`."""
    try:
        days = parse_weekdays(day)
    except InputError:
        days = frozenset()
    if len(days) != 1:
        raise InputError(argument, f"{echo(day)} is not one day of the week", "one day", "sat")
    return next(iter(days)), parse_hhmm(at)


def format_moment(day: int, at: time) -> str:
    return f"{DAY_ABBREVIATIONS[day]} {at.strftime('%H:%M')}"


def parse_remind_way(text: str) -> str:
    """`legday remind`: `channel`, `dm` or `off` (`on` is the channel, as it always was)."""
    word = text.strip().casefold()
    if word in {"on", "yes", "channel", "here", "server"}:
        return "channel"
    if word in {"dm", "dms", "direct", "private"}:
        return "dm"
    if word in OFF_WORDS:
        return "off"
    raise InputError(
        "state", f"{echo(text)} is not a way to reach you", "`channel`, `dm` or `off`", "dm"
    )
