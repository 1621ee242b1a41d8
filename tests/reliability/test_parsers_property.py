"""Every parser members reach, fed anything at all (issue 12, item 5).

Each parser either returns a value in its documented range or raises `InputError`, whose
message is one short line in the bot's words; a value it returns reads back through the
formatter that shows it. The inputs are arbitrary Unicode (lone surrogates, controls, NUL
included) mixed with the words each parser knows, so the property reaches its branches
rather than only its first error. The table-driven cases and the older properties live in
`tests/unit` (weekday format round trip, `normalize_text` stability, held notes, edit
distance); these add the "never anything else, always in range" half.

Not covered here: `cogs.arguments.ReminderPing` beyond its `@everyone`/`@here` words (a
role is looked up through discord.py's `RoleConverter`, which needs a live guild; the e2e
matrix sends it hostile text instead).
"""

from __future__ import annotations

import random
import string
import unicodedata
from datetime import date, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.days import Period, effective_zone, suggest_zones, zone, zone_names
from bot.core.errors import MAX_ECHO, InputError, echo
from bot.core.parsing import (
    clean_note,
    clean_quote,
    format_weekdays,
    parse_checkin_day,
    parse_hhmm,
    parse_nudge_hours,
    parse_on_off,
    parse_period,
    parse_weekdays,
    parse_weekly_target,
)
from bot.core.quotes import BUILTIN_QUOTES, Quote, guild_quote, pick_quote
from bot.core.reminders import Broadcast
from bot.core.suggest import EVERYDAY_WORDS, first_word, held_note, suggest_command
from bot.core.text import normalize_text
from cogs.arguments import ItemNumber, ReminderPing

# Loaded machines make hypothesis's per-example deadline flaky; the examples stay small.
PROPERTY = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Any code point, lone surrogates included (they arrive in JSON as "\ud800").
ANY_CHAR = st.characters(exclude_categories=())
NASTY = st.sampled_from(
    ["\x00", "\u202e", "\u200f", "\u200b", "\ufeff", "\u0301", "\r", "\n", "\t", "`", "@",
     "\ud800", "🦵", "👨‍👩‍👧", "%s", "{0}", "'", '"', "\\", "-", "–", ",", ":", "#", " "]
)  # fmt: skip
SEPARATORS = st.sampled_from(["", " ", ",", ", ", "-", " - ", "–", "/", ";", " and ", "\t", ":"])

KNOWN_WORDS = [
    # days
    "mon", "tue", "tues", "wed", "thu", "thurs", "fri", "sat", "sun", "monday", "sundays",
    "daily", "weekdays", "weekends", "weekend", "every day",
    # switches, periods, clear words
    "on", "off", "yes", "no", "none", "week", "month", "year", "all", "all time", "streak",
    "today", "yesterday", "clear", "h", "hours",
    # numbers and dates
    "0", "1", "7", "8", "12", "13", "23", "24", "59", "60", "00", "999", "2026", "11", "30",
    # zones
    "UTC", "Europe", "London", "America/New_York", "Asia/Kolkata", "Etc/GMT+5",
]  # fmt: skip


def _near(words: list[str]) -> st.SearchStrategy[str]:
    """Text built from words a parser knows, glued with separators and nasty bits: it gets
    past a parser's first check far more often than random text does."""
    piece = st.one_of(st.sampled_from(words), NASTY, st.text(ANY_CHAR, max_size=3))
    words = st.lists(piece, max_size=6)
    return st.tuples(words, st.lists(SEPARATORS, min_size=6, max_size=6)).map(_glue)


def _glue(drawn: tuple[list[str], list[str]]) -> str:
    words, separators = drawn
    return "".join(sep + word for sep, word in zip(["", *separators], words, strict=False))


def _shaped(pattern: str) -> st.SearchStrategy[str]:
    """Text of the right shape (`18:00`, `2026-02-30`, `12h`) with any numbers in it."""
    return st.from_regex(pattern, fullmatch=True)


HOSTILE = st.one_of(
    st.text(ANY_CHAR, max_size=40),
    _near(KNOWN_WORDS),
    st.lists(NASTY, max_size=12).map("".join),
    st.integers().map(str),
    st.dates().map(date.isoformat),
    st.text(ANY_CHAR, min_size=200, max_size=1200),
)
TODAY = st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 12, 31))


def _one_clean_line(error: InputError, argument: str) -> None:
    """A user-facing error: about the right argument, one short line, no library words."""
    message = str(error)
    assert error.argument == argument
    assert message == error.user_message()
    assert message.startswith(f"**{argument}**: ")
    assert "\n" not in message and len(message) < 400
    assert "Error" not in message and "Traceback" not in message


# --- days, times, numbers ----------------------------------------------------------------


@PROPERTY
@given(st.one_of(HOSTILE, _near(["today", "yesterday", "2026", "11", "-", "02", "30"]),
                 _shaped(r"\s?\d{1,5}-\d{1,3}-\d{1,3}\s?")), TODAY,
       st.integers(0, 30))  # fmt: skip
def test_a_checkin_day_is_within_reach_or_refused(text: str, today: date, max_back: int) -> None:
    try:
        day = parse_checkin_day(text, today, max_back)
    except InputError as error:
        _one_clean_line(error, "day")
        return
    assert today - timedelta(days=max_back) <= day <= today


@PROPERTY
@given(TODAY, st.integers(0, 30), st.data())
def test_every_day_within_reach_reads_back_from_its_iso_form(
    today: date, max_back: int, data: st.DataObject
) -> None:
    back = data.draw(st.integers(0, max_back))
    day = today - timedelta(days=back)
    spelled = data.draw(st.sampled_from([day.isoformat(), f" {day.isoformat()} "]))
    assert parse_checkin_day(spelled, today, max_back) == day
    for word, expected in (("TODAY", today), ("Yesterday", today - timedelta(days=1))):
        if today - expected <= timedelta(days=max_back):
            assert parse_checkin_day(word, today, max_back) == expected


@PROPERTY
@given(st.one_of(HOSTILE, _near(KNOWN_WORDS[:16])))
def test_weekdays_are_a_non_empty_set_of_days_that_reads_back(text: str) -> None:
    try:
        days = parse_weekdays(text)
    except InputError as error:
        _one_clean_line(error, "days")
        return
    assert days and days <= frozenset(range(7))
    assert parse_weekdays(format_weekdays(days)) == days


@PROPERTY
@given(st.one_of(HOSTILE, _shaped(r"\s?\d{1,3}:\d{1,3}\s?")))
def test_a_time_is_a_whole_minute_of_the_day_or_refused(text: str) -> None:
    try:
        at = parse_hhmm(text)
    except InputError as error:
        _one_clean_line(error, "time")
        return
    assert at.second == 0 and at.microsecond == 0 and at.tzinfo is None
    assert parse_hhmm(at.strftime("%H:%M")) == at


@PROPERTY
@given(st.integers(0, 23), st.integers(0, 59))
def test_every_minute_of_the_day_reads_back(hour: int, minute: int) -> None:
    at = time(hour, minute)
    assert parse_hhmm(at.strftime("%H:%M")) == at
    assert parse_hhmm(f"{hour}:{minute:02d}") == at


@PROPERTY
@given(HOSTILE, st.sampled_from(["state", "enabled", "x"]))
def test_a_switch_is_on_or_off_and_names_its_argument(text: str, argument: str) -> None:
    try:
        value = parse_on_off(text, argument)
    except InputError as error:
        _one_clean_line(error, argument)
        return
    assert parse_on_off("on" if value else "off", argument) is value


@PROPERTY
@given(st.one_of(st.none(), HOSTILE))
def test_a_period_is_one_of_the_five(text: str | None) -> None:
    try:
        period = parse_period(text)
    except InputError as error:
        _one_clean_line(error, "period")
        return
    assert period in set(Period)
    assert parse_period(period.value) is period


@PROPERTY
@given(st.one_of(HOSTILE, _shaped(r"\s?[-+]?\d{1,4}\s?")))
def test_a_weekly_target_is_one_to_seven(text: str) -> None:
    try:
        target = parse_weekly_target(text)
    except InputError as error:
        _one_clean_line(error, "target")
        return
    assert 1 <= target <= 7
    assert parse_weekly_target(str(target)) == target


@PROPERTY
@given(
    st.one_of(
        HOSTILE,
        _near(["off", "none", "disabled"]),
        _shaped(r"\s?[-+]?\d{1,4}\s?(h|hr|hrs|hour|hours|min)?\s?"),
    )
)
def test_nudge_hours_are_one_to_twelve_or_off(text: str) -> None:
    try:
        hours = parse_nudge_hours(text)
    except InputError as error:
        _one_clean_line(error, "hours")
        return
    assert hours is None or 1 <= hours <= 12
    assert parse_nudge_hours(str(hours) if hours else "off") == hours


# --- time zones --------------------------------------------------------------------------


@PROPERTY
@given(st.one_of(HOSTILE, _near(["Europe", "London", "/", "America", "_", "UTC", "GMT"])))
def test_a_zone_is_a_known_zone_or_refused(text: str) -> None:
    try:
        found = zone(text)
    except InputError as error:
        _one_clean_line(error, "timezone")
        return
    assert isinstance(found, ZoneInfo)
    assert found.key in zone_names()
    assert zone(found.key).key == found.key


@PROPERTY
@given(st.sampled_from(zone_names()), st.sampled_from([str.upper, str.lower, str.title]),
       st.sampled_from(["", " ", "\t"]))  # fmt: skip
def test_every_zone_name_reads_back_whatever_its_case(name: str, case: Any, pad: str) -> None:
    assert zone(pad + case(name) + pad).key == name


@PROPERTY
@given(HOSTILE, st.integers(-3, 30))
def test_zone_suggestions_are_known_names_within_the_limit(query: str, limit: int) -> None:
    found = suggest_zones(query, limit)
    assert len(found) <= max(limit, 0)
    assert len(set(found)) == len(found)
    assert set(found) <= set(zone_names())


@PROPERTY
@given(st.one_of(st.none(), HOSTILE), st.one_of(st.none(), HOSTILE),
       st.one_of(st.none(), HOSTILE))  # fmt: skip
def test_the_effective_zone_never_fails(member: str | None, guild: str | None,
                                        default: str | None) -> None:  # fmt: skip
    assert isinstance(effective_zone(member, guild, default), ZoneInfo)


# --- notes, quotes, echoes ---------------------------------------------------------------


@PROPERTY
@given(st.one_of(st.none(), HOSTILE), st.integers(1, 300))
def test_a_note_is_its_normal_form_within_the_limit(text: str | None, max_len: int) -> None:
    try:
        note = clean_note(text, max_len)
    except InputError as error:
        _one_clean_line(error, "note")
        assert text is not None and len(normalize_text(text)) > max_len
        return
    if note is None:
        assert text is None or normalize_text(text) == ""
        return
    assert note == normalize_text(text or "")
    assert 0 < len(note) <= max_len
    assert clean_note(note, max_len) == note  # stored once, reads back as itself
    assert all(ch == "\n" or unicodedata.category(ch) not in ("Cc", "Cs") for ch in note)


@PROPERTY
@given(HOSTILE, st.integers(1, 300))
def test_a_quote_is_its_normal_form_non_empty_within_the_limit(text: str, max_len: int) -> None:
    try:
        quote = clean_quote(text, max_len)
    except InputError as error:
        _one_clean_line(error, "quote")
        assert not (0 < len(normalize_text(text)) <= max_len)
        return
    assert quote == normalize_text(text)
    assert 0 < len(quote) <= max_len
    assert clean_quote(quote, max_len) == quote


@PROPERTY
@given(HOSTILE, st.integers(2, 200))
def test_echoed_input_is_one_short_inline_code_span(text: str, limit: int) -> None:
    shown = echo(text, limit)
    if shown == "(empty)":
        assert not " ".join(text.replace("`", "").split())
        return
    assert shown.startswith("`") and shown.endswith("`")
    inner = shown[1:-1]
    assert "`" not in inner and "\n" not in inner and "\r" not in inner
    assert 0 < len(inner) <= limit
    assert len(echo(text)) <= MAX_ECHO + 2


@PROPERTY
@given(HOSTILE, HOSTILE, HOSTILE, st.one_of(st.none(), HOSTILE))
def test_an_input_error_always_renders(argument: str, problem: str, expected: str,
                                       example: str | None) -> None:  # fmt: skip
    error = InputError(argument, problem, expected, example)
    assert str(error) == error.user_message()
    if example is not None:
        assert f"e.g. `{example.replace('`', '')}`" in str(error)


# --- the typo matcher and held notes -----------------------------------------------------

COMMANDS = ["undo", "log", "stats", "top", "why", "tz", "hide", "remind", "export", "forget",
            "help", "quotes", "settings", "schedule"]  # fmt: skip


@PROPERTY
@given(st.one_of(HOSTILE, _near(COMMANDS + list(EVERYDAY_WORDS))))
def test_a_suggestion_is_a_command_or_nothing(note: str) -> None:
    meant = suggest_command(note, COMMANDS)
    assert meant is None or meant in set(COMMANDS) | set(EVERYDAY_WORDS.values())
    word = first_word(note)
    assert word == word.casefold() and not any(ch.isspace() for ch in word)


@PROPERTY
@given(HOSTILE)
def test_reading_a_held_note_from_any_message_never_fails(message: str) -> None:
    found = held_note(message)
    assert found is None or isinstance(found, str)


# --- quotes ------------------------------------------------------------------------------


@PROPERTY
@given(st.lists(st.tuples(st.integers(1, 10**6), HOSTILE), max_size=8), st.data())
def test_a_picked_quote_is_from_the_pool_and_not_the_last_one(
    rows: list[tuple[int, str]], data: st.DataObject
) -> None:
    pool: list[Quote] = [*BUILTIN_QUOTES[: data.draw(st.integers(0, 3))]]
    pool += [guild_quote(quote_id, text) for quote_id, text in rows]
    avoid = data.draw(st.one_of(st.none(), st.sampled_from([q.key for q in pool] or ["x"])))
    rng = random.Random(data.draw(st.integers(0, 2**32)))
    if not pool:
        with pytest.raises(ValueError, match="empty"):
            pick_quote(pool, avoid, rng)
        return
    picked = pick_quote(pool, avoid, rng)
    assert picked in pool
    if any(q.key != avoid for q in pool):
        assert picked.key != avoid


# --- the converters of `cogs/arguments.py` -----------------------------------------------


@PROPERTY
@given(st.one_of(HOSTILE, st.integers().map(lambda n: f"#{n}"),
                 st.text(string.digits + "#+- ", max_size=30)))  # fmt: skip
async def test_an_item_number_is_a_whole_number_or_refused(text: str) -> None:
    try:
        number = await ItemNumber().convert(None, text)  # type: ignore[arg-type]
    except InputError as error:
        _one_clean_line(error, "id")
        return
    assert isinstance(number, int)


@PROPERTY
@given(st.integers(), st.sampled_from(["{}", "#{}", " # {} ", "+{}"]))
async def test_every_whole_number_reads_back_as_an_item_number(number: int, form: str) -> None:
    spelled = form.format(number)
    if number < 0 and "+" in form:
        spelled = spelled.replace("+", "")
    assert await ItemNumber().convert(None, spelled) == number  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("word", "expected"),
    [("@everyone", Broadcast.EVERYONE), ("Everyone", Broadcast.EVERYONE),
     (" @HERE ", Broadcast.HERE), ("here", Broadcast.HERE)],
)  # fmt: skip
async def test_broadcast_words_need_no_server(word: str, expected: Broadcast) -> None:
    assert await ReminderPing().convert(None, word) is expected  # type: ignore[arg-type]
