import os
import time as time_module
from datetime import UTC as DT_UTC
from datetime import date, datetime, time, timedelta, tzinfo
from itertools import pairwise
from zoneinfo import ZoneInfo, available_timezones

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.schedule import (
    fire_instant,
    next_fires,
    next_occurrences,
    occurrence_day,
    occurrences_between,
)

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")
SYDNEY = ZoneInfo("Australia/Sydney")
UTC = ZoneInfo("UTC")
ALL = frozenset(range(7))


def utc(*args):
    return datetime(*args, tzinfo=DT_UTC)


@pytest.mark.parametrize(
    ("day", "at", "tz", "expected"),
    [
        # Ordinary days.
        (date(2026, 1, 15), time(18, 0), LONDON, utc(2026, 1, 15, 18, 0)),
        (date(2026, 7, 15), time(18, 0), LONDON, utc(2026, 7, 15, 17, 0)),
        (date(2026, 7, 15), time(7, 0), SYDNEY, utc(2026, 7, 14, 21, 0)),
        # Spring-forward gaps: shifted forward by the gap.
        (date(2026, 3, 29), time(1, 30), LONDON, utc(2026, 3, 29, 1, 30)),  # 02:30 BST
        (date(2026, 3, 29), time(1, 0), LONDON, utc(2026, 3, 29, 1, 0)),  # 02:00 BST
        (date(2026, 3, 29), time(2, 0), LONDON, utc(2026, 3, 29, 1, 0)),  # 02:00 BST exists
        (date(2026, 3, 8), time(2, 30), NEW_YORK, utc(2026, 3, 8, 7, 30)),  # 03:30 EDT
        (date(2026, 10, 4), time(2, 30), SYDNEY, utc(2026, 10, 3, 16, 30)),  # 03:30 AEDT
        # Fall-back folds: first occurrence.
        (date(2026, 10, 25), time(1, 30), LONDON, utc(2026, 10, 25, 0, 30)),  # BST
        (date(2026, 11, 1), time(1, 30), NEW_YORK, utc(2026, 11, 1, 5, 30)),  # EDT
        (date(2026, 4, 5), time(2, 30), SYDNEY, utc(2026, 4, 4, 15, 30)),  # AEDT
        # Year end.
        (date(2026, 12, 31), time(23, 30), NEW_YORK, utc(2027, 1, 1, 4, 30)),
        (date(2027, 1, 1), time(0, 15), SYDNEY, utc(2026, 12, 31, 13, 15)),
    ],
)
def test_fire_instant(day, at, tz, expected):
    got = fire_instant(day, at, tz)
    assert got == expected
    assert got.utcoffset() == timedelta(0)
    assert occurrence_day(got, tz) == day


def test_fire_instant_ignores_fold_and_tzinfo_on_time():
    day = date(2026, 10, 25)
    assert fire_instant(day, time(1, 30, fold=1), LONDON) == utc(2026, 10, 25, 0, 30)
    assert fire_instant(day, time(1, 30, tzinfo=NEW_YORK), LONDON) == utc(2026, 10, 25, 0, 30)


def test_next_fires_simple():
    after = utc(2026, 11, 16, 12, 0)  # Monday 12:00 London
    got = next_fires(frozenset({0, 3}), time(18, 0), LONDON, after, 4)
    assert got == [
        utc(2026, 11, 16, 18, 0),
        utc(2026, 11, 19, 18, 0),
        utc(2026, 11, 23, 18, 0),
        utc(2026, 11, 26, 18, 0),
    ]
    assert all(g.tzinfo is not None and g.utcoffset() == timedelta(0) for g in got)


def test_next_fires_strictly_after():
    at_fire = utc(2026, 11, 16, 18, 0)
    got = next_fires(frozenset({0}), time(18, 0), LONDON, at_fire, 1)
    assert got == [utc(2026, 11, 23, 18, 0)]
    got = next_fires(frozenset({0}), time(18, 0), LONDON, at_fire - timedelta(microseconds=1), 1)
    assert got == [at_fire]


def test_next_fires_accepts_non_utc_after():
    after = datetime(2026, 11, 16, 12, 0, tzinfo=NEW_YORK)  # 17:00 UTC
    got = next_fires(ALL, time(18, 0), LONDON, after, 1)
    assert got == [utc(2026, 11, 16, 18, 0)]


@pytest.mark.parametrize(
    ("tz", "after", "at", "expected"),
    [
        # London spring forward: daily 01:30 around 2026-03-29.
        (
            LONDON,
            utc(2026, 3, 27, 12),
            time(1, 30),
            [utc(2026, 3, 28, 1, 30), utc(2026, 3, 29, 1, 30), utc(2026, 3, 30, 0, 30)],
        ),
        # London fall back: one fire on the 25th, at the first 01:30.
        (
            LONDON,
            utc(2026, 10, 23, 12),
            time(1, 30),
            [utc(2026, 10, 24, 0, 30), utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30)],
        ),
        # New York spring forward at 02:30 (gap) and fall back at 01:30 (fold).
        (
            NEW_YORK,
            utc(2026, 3, 7, 0),
            time(2, 30),
            [utc(2026, 3, 7, 7, 30), utc(2026, 3, 8, 7, 30), utc(2026, 3, 9, 6, 30)],
        ),
        (
            NEW_YORK,
            utc(2026, 10, 31, 0),
            time(1, 30),
            [utc(2026, 10, 31, 5, 30), utc(2026, 11, 1, 5, 30), utc(2026, 11, 2, 6, 30)],
        ),
        # Sydney: DST starts 2026-10-04, ends 2026-04-05.
        (
            SYDNEY,
            utc(2026, 10, 2, 0),
            time(2, 30),
            [utc(2026, 10, 2, 16, 30), utc(2026, 10, 3, 16, 30), utc(2026, 10, 4, 15, 30)],
        ),
        (
            SYDNEY,
            utc(2026, 4, 3, 0),
            time(2, 30),
            [utc(2026, 4, 3, 15, 30), utc(2026, 4, 4, 15, 30), utc(2026, 4, 5, 16, 30)],
        ),
    ],
)
def test_next_fires_across_dst(tz, after, at, expected):
    got = next_fires(ALL, at, tz, after, 3)
    assert got == expected
    days = [occurrence_day(g, tz) for g in got]
    assert len(set(days)) == 3
    assert [(b - a).days for a, b in pairwise(days)] == [1, 1]


def test_next_fires_year_end_and_iso_week_53():
    # Thursdays 07:00 Sydney across the 2020/2021 new year (ISO week 53 in 2020).
    got = next_fires(frozenset({3}), time(7, 0), SYDNEY, utc(2020, 12, 20), 3)
    assert [occurrence_day(g, SYDNEY) for g in got] == [
        date(2020, 12, 24),
        date(2020, 12, 31),
        date(2021, 1, 7),
    ]
    assert got[1] == utc(2020, 12, 30, 20, 0)  # AEDT, +11


def test_next_fires_edge_counts():
    after = utc(2026, 1, 1)
    assert next_fires(frozenset(), time(9, 0), LONDON, after, 5) == []
    assert next_fires(ALL, time(9, 0), LONDON, after, 0) == []
    with pytest.raises(ValueError):
        next_fires(ALL, time(9, 0), LONDON, datetime(2026, 1, 1), 1)
    with pytest.raises(ValueError):
        next_fires(frozenset({7}), time(9, 0), LONDON, after, 1)


def test_next_fires_late_local_time_after_utc_midnight():
    # 23:30 in New York is 04:30 UTC the next day; `after` lands on that UTC day.
    got = next_fires(frozenset({4}), time(23, 30), NEW_YORK, utc(2026, 11, 21, 2, 0), 1)
    assert got == [utc(2026, 11, 21, 4, 30)]  # Friday 2026-11-20 local
    assert occurrence_day(got[0], NEW_YORK) == date(2026, 11, 20)


def test_occurrences_between():
    start = utc(2026, 3, 27, 1, 30)
    end = utc(2026, 3, 30, 0, 30)
    got = occurrences_between(ALL, time(1, 30), LONDON, start, end)
    # start excluded, end included, one per local date including the gap day
    assert got == [
        (date(2026, 3, 28), utc(2026, 3, 28, 1, 30)),
        (date(2026, 3, 29), utc(2026, 3, 29, 1, 30)),
        (date(2026, 3, 30), utc(2026, 3, 30, 0, 30)),
    ]
    assert occurrences_between(ALL, time(1, 30), LONDON, end, start) == []
    assert occurrences_between(frozenset(), time(1, 30), LONDON, start, end) == []
    with pytest.raises(ValueError):
        occurrences_between(ALL, time(1, 30), LONDON, datetime(2026, 1, 1), end)


def test_occurrences_between_fold_once():
    got = occurrences_between(ALL, time(1, 30), NEW_YORK, utc(2026, 11, 1, 0), utc(2026, 11, 1, 12))
    assert got == [(date(2026, 11, 1), utc(2026, 11, 1, 5, 30))]


# --- properties -------------------------------------------------------------------------------

ZONES = [LONDON, NEW_YORK, SYDNEY, UTC, ZoneInfo("Asia/Kolkata"), ZoneInfo("America/Santiago")]

weekdays_st = st.frozensets(st.integers(0, 6), min_size=1)
times_st = st.builds(time, st.integers(0, 23), st.sampled_from([0, 1, 15, 30, 45, 59]))
afters_st = st.datetimes(
    min_value=datetime(2019, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(DT_UTC)
)


def is_gap(day, at, tz):
    wall = datetime.combine(day, at, tzinfo=tz)
    return wall.astimezone(DT_UTC).astimezone(tz).replace(tzinfo=None) != wall.replace(tzinfo=None)


@settings(max_examples=200, deadline=None)
@given(weekdays_st, times_st, st.sampled_from(ZONES), afters_st, st.integers(1, 12))
def test_next_fires_properties(weekdays, at, tz, after, count):
    got = next_fires(weekdays, at, tz, after, count)
    assert len(got) == count
    assert all(g > after for g in got)
    assert all(a < b for a, b in pairwise(got))
    days = [occurrence_day(g, tz) for g in got]
    assert len(set(days)) == len(days)
    for fire, day in zip(got, days, strict=True):
        assert fire.utcoffset() == timedelta(0)
        assert day.weekday() in weekdays
        assert fire == fire_instant(day, at, tz)
        local = fire.astimezone(tz)
        if not is_gap(day, at, tz):
            assert local.time() == at
            assert local.fold == 0
    # No matching date is skipped between consecutive fires.
    for a, b in pairwise(days):
        between = [a + timedelta(days=i) for i in range(1, (b - a).days)]
        assert not any(d.weekday() in weekdays for d in between)
    # The first fire is the earliest one: nothing between after and it.
    assert occurrences_between(weekdays, at, tz, after, got[0] - timedelta(microseconds=1)) == []


@settings(max_examples=100, deadline=None)
@given(weekdays_st, times_st, st.sampled_from(ZONES), afters_st, st.integers(1, 40))
def test_occurrences_between_agrees_with_next_fires(weekdays, at, tz, start, span_days):
    end = start + timedelta(days=span_days)
    got = occurrences_between(weekdays, at, tz, start, end)
    expected = [f for f in next_fires(weekdays, at, tz, start, 60) if f <= end]
    assert [instant for _, instant in got] == expected
    assert all(day == occurrence_day(instant, tz) for day, instant in got)


def test_midnight_gap_stays_on_its_date():
    # Santiago springs forward at local midnight (2026-09-06 00:00 -> 01:00).
    santiago = ZoneInfo("America/Santiago")
    got = fire_instant(date(2026, 9, 6), time(0, 30), santiago)
    assert got == utc(2026, 9, 6, 4, 30)
    assert got.astimezone(santiago).replace(tzinfo=None) == datetime(2026, 9, 6, 1, 30)
    assert occurrence_day(got, santiago) == date(2026, 9, 6)


# --- every IANA zone ---------------------------------------------------------------------------

ALL_ZONES = sorted(available_timezones())


@settings(max_examples=600, deadline=None)
@given(weekdays_st, times_st, st.sampled_from(ALL_ZONES), afters_st, st.integers(1, 12))
def test_the_calendar_holds_in_every_zone(weekdays, at, zone_name, after, count):
    """Strictly increasing, never inside a gap (a gap time fires as far past the gap as
    it was into it, on its own date), the first of a fold, and one fire per date."""
    tz = ZoneInfo(zone_name)
    got = next_occurrences(weekdays, at, tz, after, count)
    instants = [instant for _, instant in got]
    assert len(got) == count
    assert instants[0] > after
    assert all(a < b for a, b in pairwise(instants))
    assert next_fires(weekdays, at, tz, after, count) == instants
    days = [day for day, _ in got]
    assert len(set(days)) == len(days)
    assert len({occurrence_day(i, tz) for i in instants}) == len(instants)
    for day, instant in got:
        assert day.weekday() in weekdays
        local = instant.astimezone(tz)
        wall = datetime.combine(day, at)
        if is_gap(day, at, tz):
            # Past the gap by as much as `at` was into it: later than the wall time
            # asked for, by the gap's length (at most a day, when a zone skipped one).
            shift = local.replace(tzinfo=None) - wall
            assert timedelta(0) < shift <= timedelta(days=1)
        else:
            assert (local.date(), local.time(), local.fold) == (day, at, 0)


# --- exact edges (each kills a mutant that the tests above let through) ----------------------

APIA = ZoneInfo("Pacific/Apia")


def test_a_skipped_calendar_day_fires_once_not_twice():
    # Samoa skipped 30 December 2011: 18:00 that "day" is read with the old offset and lands
    # on the same instant as 18:00 on the 31st, which is therefore not fired a second time.
    start = datetime(2011, 12, 28, tzinfo=UTC)
    got = occurrences_between(ALL, time(18), APIA, start, datetime(2012, 1, 2, tzinfo=UTC))
    assert got == [
        (date(2011, 12, 27), datetime(2011, 12, 28, 4, tzinfo=UTC)),
        (date(2011, 12, 28), datetime(2011, 12, 29, 4, tzinfo=UTC)),
        (date(2011, 12, 29), datetime(2011, 12, 30, 4, tzinfo=UTC)),
        (date(2011, 12, 30), datetime(2011, 12, 31, 4, tzinfo=UTC)),
        (date(2012, 1, 1), datetime(2012, 1, 1, 4, tzinfo=UTC)),
    ]


def test_fire_instants_carry_the_utc_zone_itself():
    assert fire_instant(date(2026, 6, 1), time(18), NEW_YORK).tzinfo is UTC


class _NoOffset(tzinfo):
    """A zone that knows no offset: Python counts such datetimes as naive."""

    def utcoffset(self, dt: datetime | None) -> None:
        return None


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda moment: next_occurrences(ALL, time(9), UTC, moment, 1), "after"),
        (
            lambda moment: occurrences_between(
                ALL, time(9), UTC, moment, datetime(2026, 6, 2, tzinfo=UTC)
            ),
            "start",
        ),
        (
            lambda moment: occurrences_between(
                ALL, time(9), UTC, datetime(2026, 5, 1, tzinfo=UTC), moment
            ),
            "end",
        ),
    ],
)
@pytest.mark.parametrize("tz", [None, _NoOffset()])
def test_naive_datetimes_are_refused_by_name(call, message, tz):
    with pytest.raises(ValueError) as info:
        call(datetime(2026, 6, 1, 12, tzinfo=tz))
    assert info.value.args == (f"{message} must be an aware datetime",)


def test_weekdays_out_of_range_are_refused():
    with pytest.raises(ValueError) as info:
        next_occurrences(frozenset({1, 7}), time(9), UTC, datetime(2026, 6, 1, tzinfo=UTC), 1)
    assert info.value.args == ("weekdays must be within 0..6, got [1, 7]",)


@pytest.fixture
def host_in_kiritimati():
    """The machine's own zone set 26 hours east of Etc/GMT+12: it must not matter."""
    saved = os.environ.get("TZ")
    os.environ["TZ"] = "Pacific/Kiritimati"
    time_module.tzset()
    yield
    if saved is None:
        del os.environ["TZ"]
    else:
        os.environ["TZ"] = saved
    time_module.tzset()


def test_the_host_zone_never_moves_an_occurrence(host_in_kiritimati):
    far_west = ZoneInfo("Etc/GMT+12")  # UTC-12
    # 11:30 UTC on 1 June is 23:30 on 31 May in UTC-12, 01:30 on 2 June in Kiritimati.
    after = datetime(2026, 6, 1, 11, 30, tzinfo=UTC)
    fire = datetime(2026, 6, 1, 11, 45, tzinfo=UTC)  # 23:45 on 31 May, UTC-12
    assert next_occurrences(ALL, time(23, 45), far_west, after, 1) == [(date(2026, 5, 31), fire)]
    assert occurrences_between(ALL, time(23, 45), far_west, after, fire) == [
        (date(2026, 5, 31), fire)
    ]
