from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.days import Period
from bot.core.errors import InputError
from bot.core.parsing import (
    clean_note,
    clean_quote,
    format_weekdays,
    parse_board_request,
    parse_checkin_day,
    parse_hhmm,
    parse_nudge_hours,
    parse_on_off,
    parse_period,
    parse_weekdays,
    parse_weekly_target,
)

TODAY = date(2026, 11, 20)


# --- check-in day -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("today", TODAY),
        ("TODAY", TODAY),
        ("  Today ", TODAY),
        ("yesterday", date(2026, 11, 19)),
        ("Yesterday", date(2026, 11, 19)),
        ("2026-11-20", TODAY),
        ("2026-11-13", date(2026, 11, 13)),  # exactly max_back days ago
        (" 2026-11-15 ", date(2026, 11, 15)),
    ],
)
def test_parse_checkin_day_ok(text, expected):
    assert parse_checkin_day(text, TODAY) == expected


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("2026-13-01", "`2026-13-01` is not a date"),
        ("2026-02-30", "`2026-02-30` is not a date"),
        ("tomorrow", "`tomorrow` is not a date"),
        ("20/11/2026", "`20/11/2026` is not a date"),
        ("", "(empty) is not a date"),
        ("2026-11-21", "`2026-11-21` is in the future"),
        ("2027-01-01", "`2027-01-01` is in the future"),
        ("2026-11-12", "`2026-11-12` is more than 7 days ago"),
        ("2020-01-01", "`2020-01-01` is more than 7 days ago"),
    ],
)
def test_parse_checkin_day_errors(text, problem):
    with pytest.raises(InputError) as info:
        parse_checkin_day(text, TODAY)
    err = info.value
    assert err.argument == "day"
    assert err.problem == problem
    assert err.example == "2026-11-20"


def test_parse_checkin_day_custom_max_back():
    assert parse_checkin_day("2026-11-10", TODAY, max_back=10) == date(2026, 11, 10)
    with pytest.raises(InputError, match="more than 1 day ago"):
        parse_checkin_day("2026-11-18", TODAY, max_back=1)
    with pytest.raises(InputError, match="more than 0 days ago"):
        parse_checkin_day("yesterday", TODAY, max_back=0)


def test_parse_checkin_day_error_message_and_truncation():
    with pytest.raises(InputError) as info:
        parse_checkin_day("2026-13-01", TODAY)
    assert str(info.value) == (
        "**day**: `2026-13-01` is not a date. "
        "Expected YYYY-MM-DD, `today` or `yesterday`, e.g. `2026-11-20`."
    )
    with pytest.raises(InputError) as info:
        parse_checkin_day("`" * 3 + "z" * 300, TODAY)
    message = str(info.value)
    assert "z" * 50 not in message and "…" in message
    assert "```" not in message


# --- weekdays ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("mon,thu", {0, 3}),
        ("Mon, Thu", {0, 3}),
        ("MON THU", {0, 3}),
        ("mon and thu", {0, 3}),
        ("mon,mon,thu", {0, 3}),
        ("mon-fri", {0, 1, 2, 3, 4}),
        ("Mon – Fri", {0, 1, 2, 3, 4}),
        ("Mon–Fri", {0, 1, 2, 3, 4}),
        ("fri-mon", {4, 5, 6, 0}),
        ("sun-sun", {6}),
        ("wed-tue", set(range(7))),
        ("weekends", {5, 6}),
        ("weekend", {5, 6}),
        ("weekdays", {0, 1, 2, 3, 4}),
        ("daily", set(range(7))),
        ("every day", set(range(7))),
        ("Every  Day", set(range(7))),
        ("everyday", set(range(7))),
        ("monday,thursday", {0, 3}),
        ("Tuesdays", {1}),
        ("tues", {1}),
        ("tue", {1}),
        ("weds", {2}),
        ("thur", {3}),
        ("thurs", {3}),
        ("sat,sun", {5, 6}),
        ("weekends, wed", {2, 5, 6}),
        ("mon-wed, fri", {0, 1, 2, 4}),
        (" mon ; wed / fri ", {0, 2, 4}),
    ],
)
def test_parse_weekdays_ok(text, expected):
    assert parse_weekdays(text) == frozenset(expected)


@pytest.mark.parametrize(
    "text", ["", "  ", ",", "funday", "mon,funday", "mon-", "-fri", "mon-fri-sat", "m", "1,2"]
)
def test_parse_weekdays_errors(text):
    with pytest.raises(InputError) as info:
        parse_weekdays(text)
    err = info.value
    assert err.argument == "days"
    assert err.expected == (
        "day names like `mon,thu`, a range like `mon-fri`, `weekends` or `daily`"
    )
    assert err.example == "mon,thu"


def test_parse_weekdays_error_names_bad_token():
    with pytest.raises(InputError, match="`funday` is not a day"):
        parse_weekdays("mon, funday")


@pytest.mark.parametrize(
    ("days", "text"),
    [
        (set(range(7)), "daily"),
        ({0, 1, 2, 3, 4}, "weekdays"),
        ({5, 6}, "weekends"),
        ({0, 3}, "Mon, Thu"),
        ({0}, "Mon"),
        ({0, 1}, "Mon, Tue"),
        ({0, 1, 2}, "Mon–Wed"),
        ({0, 1, 2, 4}, "Mon–Wed, Fri"),
        ({4, 5, 6, 0}, "Fri–Mon"),
        ({5, 6, 0}, "Sat–Mon"),
        ({6, 0}, "Mon, Sun"),
        ({0, 2, 4, 5, 6}, "Wed, Fri–Mon"),
        ({0, 1, 6}, "Sun–Tue"),
        ({0, 1, 2, 3, 4, 5}, "Mon–Sat"),
        ({1, 2, 3, 4, 5, 6}, "Tue–Sun"),
        ({0, 2, 4, 6}, "Mon, Wed, Fri, Sun"),
        (set(), "no days"),
    ],
)
def test_format_weekdays(days, text):
    assert format_weekdays(frozenset(days)) == text


@given(st.frozensets(st.integers(0, 6), min_size=1))
def test_format_then_parse_round_trips(days):
    assert parse_weekdays(format_weekdays(days)) == days


# --- times and switches -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("18:00", time(18, 0)),
        ("7:05", time(7, 5)),
        ("07:05", time(7, 5)),
        ("00:00", time(0, 0)),
        ("23:59", time(23, 59)),
        (" 9:30 ", time(9, 30)),
    ],
)
def test_parse_hhmm_ok(text, expected):
    assert parse_hhmm(text) == expected


@pytest.mark.parametrize(
    "text", ["24:00", "18:60", "6pm", "1800", "", "18:0", "18:000", "-1:00", "18:00:00", "ab:cd"]
)
def test_parse_hhmm_errors(text):
    with pytest.raises(InputError) as info:
        parse_hhmm(text)
    assert info.value.expected == "a 24-hour time HH:MM"
    assert info.value.example == "18:00"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("on", True),
        ("ON", True),
        ("yes", True),
        ("true", True),
        ("enable", True),
        ("1", True),
        (" off ", False),
        ("no", False),
        ("False", False),
        ("disable", False),
        ("0", False),
    ],
)
def test_parse_on_off(text, expected):
    assert parse_on_off(text, "reminders") is expected


@pytest.mark.parametrize("text", ["maybe", "", "2", "onn"])
def test_parse_on_off_errors_use_argument(text):
    with pytest.raises(InputError) as info:
        parse_on_off(text, "reminders")
    assert info.value.argument == "reminders"
    assert str(info.value).startswith("**reminders**: ")


# --- period, target, nudge --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, Period.WEEK),
        ("", Period.WEEK),
        ("  ", Period.WEEK),
        ("week", Period.WEEK),
        ("Month", Period.MONTH),
        ("YEAR", Period.YEAR),
        ("all", Period.ALL),
        ("alltime", Period.ALL),
        ("all-time", Period.ALL),
        ("All Time", Period.ALL),
        ("streak", Period.STREAK),
        ("streaks", Period.STREAK),
    ],
)
def test_parse_period(text, expected):
    assert parse_period(text) is expected


@pytest.mark.parametrize("text", ["fortnight", "weeks2", "0"])
def test_parse_period_errors(text):
    with pytest.raises(InputError) as info:
        parse_period(text)
    assert info.value.argument == "period"
    assert info.value.example == "month"


@pytest.mark.parametrize(("text", "expected"), [("1", 1), ("7", 7), (" 3 ", 3), ("04", 4)])
def test_parse_weekly_target_ok(text, expected):
    assert parse_weekly_target(text) == expected


@pytest.mark.parametrize("text", ["0", "8", "-1", "two", "", "2.5", "1000000"])
def test_parse_weekly_target_errors(text):
    with pytest.raises(InputError) as info:
        parse_weekly_target(text)
    assert info.value.argument == "target"
    assert "1" in info.value.expected and "7" in info.value.expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("off", None),
        ("OFF", None),
        ("none", None),
        ("no", None),
        ("disable", None),
        ("Disabled", None),
        ("0", None),
        ("1", 1),
        ("12", 12),
        ("3h", 3),
        ("3 H", 3),
        ("3 hours", 3),
        (" 6 ", 6),
    ],
)
def test_parse_nudge_hours(text, expected):
    assert parse_nudge_hours(text) == expected


@pytest.mark.parametrize("text", ["13", "-1", "abc", "", "3m", "1.5", "h"])
def test_parse_nudge_hours_errors(text):
    with pytest.raises(InputError) as info:
        parse_nudge_hours(text)
    assert info.value.argument == "hours"


# --- free text --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (None, None),
        ("", None),
        ("   \n", None),
        ("  squats 5x5 ", "squats 5x5"),
        ("x" * 200, "x" * 200),
    ],
)
def test_clean_note(text, expected):
    assert clean_note(text) == expected


def test_clean_note_too_long_states_limit_and_length():
    with pytest.raises(InputError) as info:
        clean_note("x" * 201)
    message = str(info.value)
    assert info.value.argument == "note"
    assert "201" in message and "200" in message
    assert "x" * 20 not in message
    with pytest.raises(InputError, match="at most 10 characters"):
        clean_note("hello world!", max_len=10)


def test_clean_quote():
    assert clean_quote("  Squat or go home.  ") == "Squat or go home."
    assert clean_quote("q" * 300) == "q" * 300
    with pytest.raises(InputError) as info:
        clean_quote("   ")
    assert info.value.argument == "quote"
    with pytest.raises(InputError, match="301 characters"):
        clean_quote("q" * 301)
    with pytest.raises(InputError, match="at most 5 characters"):
        clean_quote("squats", max_len=5)


# --- exact wording: the whole line the user reads ---------------------------------------------

DAYS_EXPECTED = (
    "Expected day names like `mon,thu`, a range like `mon-fri`, `weekends` or `daily`,"
    " e.g. `mon,thu`."
)


@pytest.mark.parametrize(
    ("parse", "text", "message"),
    [
        (
            lambda s: parse_checkin_day(s, TODAY),
            "2026-11-21",
            "**day**: `2026-11-21` is in the future. "
            "Expected YYYY-MM-DD, `today` or `yesterday`, e.g. `2026-11-20`.",
        ),
        (
            lambda s: parse_checkin_day(s, TODAY),
            "2026-11-01",
            "**day**: `2026-11-01` is more than 7 days ago. "
            "Expected a day from the last 7 days, e.g. `2026-11-20`.",
        ),
        (parse_weekdays, " and , ", f"**days**: no days given. {DAYS_EXPECTED}"),
        # Only one dash makes a range: the whole token is named, not a piece of it.
        (
            parse_weekdays,
            "mon-wed-fri",
            f"**days**: `mon-wed-fri` is not a day range. {DAYS_EXPECTED}",
        ),
        (parse_weekdays, "-fri", f"**days**: `-fri` is not a day range. {DAYS_EXPECTED}"),
        (parse_weekdays, "mon-", f"**days**: `mon-` is not a day range. {DAYS_EXPECTED}"),
        (
            parse_hhmm,
            "25:00",
            "**time**: `25:00` is not a time. Expected a 24-hour time HH:MM, e.g. `18:00`.",
        ),
        (
            lambda s: parse_on_off(s, "pings"),
            "maybe",
            "**pings**: `maybe` is not on or off. Expected `on` or `off`, e.g. `on`.",
        ),
        (
            parse_period,
            "fortnight",
            "**period**: `fortnight` is not a period. "
            "Expected `week`, `month`, `year`, `all` or `streak`, e.g. `month`.",
        ),
        (
            parse_weekly_target,
            "9",
            "**target**: `9` is not a number from 1 to 7. "
            "Expected a whole number of check-ins per week from 1 to 7, e.g. `2`.",
        ),
        (
            parse_nudge_hours,
            "13",
            "**hours**: `13` is not a number of hours from 1 to 12. "
            "Expected hours from 1 to 12, or `off`, e.g. `3`.",
        ),
        (clean_quote, "   ", "**quote**: it is empty. Expected some text, at most 300 characters."),
        (
            lambda s: clean_quote(s, max_len=5),
            "squats",
            "**quote**: it is 6 characters long. Expected at most 5 characters.",
        ),
    ],
)
def test_error_lines_read_exactly(parse, text, message):
    with pytest.raises(InputError) as info:
        parse(text)
    assert str(info.value) == message


@pytest.mark.parametrize(
    ("first", "second", "expected"),
    [
        (None, None, (Period.WEEK, None)),
        ("month", None, (Period.MONTH, None)),
        ("image", None, (Period.WEEK, True)),
        ("TEXT", None, (Period.WEEK, False)),
        ("month", "image", (Period.MONTH, True)),
        ("picture", "streak", (Period.STREAK, True)),
        ("all", "text", (Period.ALL, False)),
    ],
)
def test_parse_board_request(first, second, expected):
    assert parse_board_request(first, second) == expected


@pytest.mark.parametrize(("first", "second"), [("month", "gif"), ("image", "image"), ("x", None)])
def test_parse_board_request_errors(first, second):
    with pytest.raises(InputError):
        parse_board_request(first, second)
