from datetime import UTC as DT_UTC
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.days import (
    COMMON_ZONES,
    UTC,
    Period,
    effective_zone,
    local_day,
    month_start,
    period_start,
    suggest_zones,
    week_index,
    week_start,
    year_start,
    zone,
    zone_names,
)
from bot.core.errors import InputError

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")

days_strategy = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Europe/London", "Europe/London"),
        ("europe/london", "Europe/London"),
        ("  EUROPE/LONDON  ", "Europe/London"),
        ("UTC", "UTC"),
        ("utc", "UTC"),
        ("america/argentina/buenos_aires", "America/Argentina/Buenos_Aires"),
        ("australia/sydney", "Australia/Sydney"),
    ],
)
def test_zone_resolves_case_insensitively(name, key):
    assert zone(name).key == key


@pytest.mark.parametrize(
    "name", ["", "   ", "Mars/Olympus", "London", "Europe/Londn", "localtime", "../etc/passwd"]
)
def test_zone_unknown_raises_input_error(name):
    with pytest.raises(InputError) as info:
        zone(name)
    err = info.value
    assert err.argument == "timezone"
    assert err.expected == "an IANA time zone name"
    assert err.example == "Europe/London"


def test_zone_error_truncates_long_input():
    with pytest.raises(InputError) as info:
        zone("x" * 500)
    assert len(str(info.value)) < 200
    assert "…" in str(info.value)


def test_zone_names_sorted_cached_and_unique_case_insensitively():
    names = zone_names()
    assert names is zone_names()
    assert list(names) == sorted(names)
    assert "Europe/London" in names and "UTC" in names
    assert "localtime" not in names
    assert len({n.casefold() for n in names}) == len(names)


def test_suggest_empty_query_gives_common_zones():
    got = suggest_zones("")
    assert got[0] == "UTC"
    assert "Europe/London" in got and "America/New_York" in got
    assert len(got) == 25
    assert suggest_zones("  ", limit=3) == list(COMMON_ZONES[:3])
    assert all(name in zone_names() for name in COMMON_ZONES)


def test_suggest_prefix_then_segment_prefix_then_substring():
    got = suggest_zones("lon", limit=100)
    assert "Europe/London" in got
    # "America/Argentina/..." does not contain "lon"; substring matches come after prefix ones.
    prefix = [n for n in got if any(p.startswith("lon") for p in n.casefold().split("/"))]
    assert got[: len(prefix)] == prefix
    assert all("lon" in n.casefold() for n in got)


def test_suggest_case_insensitive_and_spaces_as_underscores():
    assert "America/New_York" in suggest_zones("NEW YORK")
    assert "America/New_York" in suggest_zones("america/new")
    assert suggest_zones("sydney")[0] == "Australia/Sydney"


def test_suggest_substring_after_prefix():
    got = suggest_zones("york", limit=50)
    assert "America/New_York" in got
    got = suggest_zones("ondon", limit=50)
    assert "Europe/London" in got


def test_suggest_limit_and_nothing():
    assert len(suggest_zones("a", limit=5)) == 5
    assert suggest_zones("london", limit=1) == ["Europe/London"]
    assert suggest_zones("a", limit=0) == []
    assert suggest_zones("a", limit=-1) == []
    assert len(suggest_zones("america")) == 25  # Discord shows at most 25 choices
    assert suggest_zones("zzzzqqq") == []


def test_suggest_prefix_ranked_first():
    got = suggest_zones("eu", limit=1000)
    first_non_prefix = next(
        i for i, n in enumerate(got) if not any(p.startswith("eu") for p in n.casefold().split("/"))
    )
    assert all(
        not any(p.startswith("eu") for p in n.casefold().split("/")) for n in got[first_non_prefix:]
    )


@pytest.mark.parametrize(
    ("member", "guild", "expected"),
    [
        ("Europe/London", "America/New_York", "Europe/London"),
        (None, "America/New_York", "America/New_York"),
        ("", "America/New_York", "America/New_York"),
        ("Gone/Zone", "America/New_York", "America/New_York"),
        ("Gone/Zone", "Also/Gone", "UTC"),
        (None, None, "UTC"),
        ("australia/sydney", None, "Australia/Sydney"),
    ],
)
def test_effective_zone(member, guild, expected):
    assert effective_zone(member, guild).key == expected


class _NoOffset(tzinfo):
    """A zone that knows no offset: Python counts such datetimes as naive."""

    def utcoffset(self, dt: datetime | None) -> None:
        return None


@pytest.mark.parametrize("tz", [None, _NoOffset()])
def test_local_day_rejects_naive(tz):
    with pytest.raises(ValueError) as info:
        local_day(datetime(2026, 1, 1, 12, tzinfo=tz), UTC)
    assert info.value.args == ("local_day needs an aware datetime",)


@pytest.mark.parametrize(
    ("utc_instant", "tz", "expected"),
    [
        # London spring forward 2026-03-29 01:00 UTC; 00:30 local on the 30th is 23:30 UTC on 29th.
        (datetime(2026, 3, 29, 23, 30), LONDON, date(2026, 3, 30)),
        (datetime(2026, 3, 29, 0, 30), LONDON, date(2026, 3, 29)),  # 00:30 GMT, before the jump
        (datetime(2026, 3, 28, 23, 59), LONDON, date(2026, 3, 28)),
        # London fall back 2026-10-25: 00:30 local on the 26th is 00:30 UTC (GMT again).
        (datetime(2026, 10, 26, 0, 30), LONDON, date(2026, 10, 26)),
        (datetime(2026, 10, 25, 23, 30), LONDON, date(2026, 10, 25)),
        (datetime(2026, 10, 24, 23, 30), LONDON, date(2026, 10, 25)),  # 00:30 BST
        # New York spring forward 2026-03-08; 00:30 EDT on the 9th is 04:30 UTC.
        (datetime(2026, 3, 9, 4, 30), NEW_YORK, date(2026, 3, 9)),
        (datetime(2026, 3, 9, 3, 59), NEW_YORK, date(2026, 3, 8)),
        # New York fall back 2026-11-01; 00:30 EST on the 2nd is 05:30 UTC.
        (datetime(2026, 11, 2, 5, 30), NEW_YORK, date(2026, 11, 2)),
        (datetime(2026, 11, 2, 4, 30), NEW_YORK, date(2026, 11, 1)),  # 23:30 EST
        (datetime(2026, 11, 1, 4, 30), NEW_YORK, date(2026, 11, 1)),  # 00:30 EDT
        # Sydney DST starts 2026-10-04 (+11); 00:30 local on the 5th is 13:30 UTC on the 4th.
        (datetime(2026, 10, 4, 13, 30), SYDNEY, date(2026, 10, 5)),
        (datetime(2026, 10, 4, 12, 59), SYDNEY, date(2026, 10, 4)),
        # Sydney DST ends 2026-04-05 (+10); 00:30 local on the 6th is 14:30 UTC on the 5th.
        (datetime(2026, 4, 5, 14, 30), SYDNEY, date(2026, 4, 6)),
        (datetime(2026, 4, 5, 13, 30), SYDNEY, date(2026, 4, 5)),
        # Year end: Sydney is already in the new year.
        (datetime(2026, 12, 31, 13, 0), SYDNEY, date(2027, 1, 1)),
        (datetime(2026, 12, 31, 23, 59), UTC, date(2026, 12, 31)),
    ],
)
def test_local_day_across_dst(utc_instant, tz, expected):
    assert local_day(utc_instant.replace(tzinfo=DT_UTC), tz) == expected


def test_local_day_accepts_any_aware_input():
    moment = datetime(2026, 6, 1, 23, 30, tzinfo=NEW_YORK)
    assert local_day(moment, LONDON) == date(2026, 6, 2)
    assert local_day(moment, NEW_YORK) == date(2026, 6, 1)


def test_week_index_anchors():
    assert week_index(date(1, 1, 1)) == 0
    assert week_index(date(1, 1, 7)) == 0
    assert week_index(date(1, 1, 8)) == 1


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (date(2026, 12, 28), date(2027, 1, 3), True),
        (date(2027, 1, 3), date(2027, 1, 4), False),
        (date(2020, 12, 28), date(2021, 1, 3), True),  # ISO week 53 of 2020
        (date(2026, 11, 23), date(2026, 11, 29), True),
        (date(2026, 11, 22), date(2026, 11, 23), False),
    ],
)
def test_week_index_boundaries(a, b, same):
    assert (week_index(a) == week_index(b)) is same


def test_week_53_is_consecutive():
    w52 = week_index(date(2020, 12, 21))
    w53 = week_index(date(2020, 12, 28))
    w1 = week_index(date(2021, 1, 4))
    assert (w52 + 1, w53 + 1) == (w53, w1)
    assert date(2020, 12, 28).isocalendar().week == 53


@given(days_strategy)
def test_week_index_matches_isocalendar(day):
    monday = week_start(day)
    assert monday.weekday() == 0
    assert 0 <= (day - monday).days < 7
    assert monday.isocalendar()[:2] == day.isocalendar()[:2]
    assert week_index(day) == week_index(monday)
    assert week_index(day + timedelta(days=7)) == week_index(day) + 1
    assert week_index(monday - timedelta(days=1)) == week_index(day) - 1


@pytest.mark.parametrize(
    ("day", "week", "month", "year"),
    [
        (date(2026, 11, 20), date(2026, 11, 16), date(2026, 11, 1), date(2026, 1, 1)),
        (date(2027, 1, 2), date(2026, 12, 28), date(2027, 1, 1), date(2027, 1, 1)),
        (date(2026, 3, 1), date(2026, 2, 23), date(2026, 3, 1), date(2026, 1, 1)),
        (date(2024, 2, 29), date(2024, 2, 26), date(2024, 2, 1), date(2024, 1, 1)),
        (date(2026, 11, 16), date(2026, 11, 16), date(2026, 11, 1), date(2026, 1, 1)),
    ],
)
def test_starts(day, week, month, year):
    assert week_start(day) == week
    assert month_start(day) == month
    assert year_start(day) == year
    assert period_start(Period.WEEK, day) == week
    assert period_start(Period.MONTH, day) == month
    assert period_start(Period.YEAR, day) == year
    assert period_start(Period.ALL, day) is None
    assert period_start(Period.STREAK, day) is None


def test_period_values():
    assert [p.value for p in Period] == ["week", "month", "year", "all", "streak"]
    assert Period("month") is Period.MONTH
    assert f"{Period.ALL}" == "all"


def test_effective_zone_falls_back_to_the_bots_default_then_utc():
    assert effective_zone(None, None, "Pacific/Auckland").key == "Pacific/Auckland"
    assert effective_zone(None, "Europe/Paris", "Pacific/Auckland").key == "Europe/Paris"
    assert effective_zone("Asia/Tokyo", "Europe/Paris", "Pacific/Auckland").key == "Asia/Tokyo"
    assert effective_zone(None, "Not/AZone", "Nor/This").key == "UTC"
