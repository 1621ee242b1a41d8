"""Streaks with shields and paused weeks, against a day-by-day reference.

The reference walks the calendar one day at a time, closes each week on the Monday after
it, and keeps its own counters: a different shape from the week folds it checks.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from functools import reduce
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.days import local_day, week_index
from bot.core.streaks import (
    ShieldRule,
    StreakState,
    add_day,
    alive_until,
    break_week,
    live,
    rebuild,
    timeline,
)

MON = date(2026, 11, 2)


def reference(
    days: set[date], target: int, rule: ShieldRule, paused: set[int], today: date
) -> tuple[int, int, int]:
    """(streak, shields, best) on `today`, one calendar day at a time."""
    if not days:
        return 0, 0, 0
    streak = shields = in_row = best = 0
    count = 0
    day = min(days) - timedelta(days=min(days).weekday())

    def close(monday: date, over: bool) -> None:
        nonlocal streak, shields, in_row, best, count
        week_paused = week_index(monday) in paused
        if count >= target and not week_paused:
            streak += 1
            in_row += 1
            if rule.every and in_row % rule.every == 0:
                shields = min(rule.most, shields + 1)
            best = max(best, streak)
        elif over and not week_paused and streak:
            if shields:
                shields -= 1
                in_row = 0
            else:
                streak = in_row = 0
        count = 0

    monday = day
    while day <= today:
        if day.weekday() == 0 and day != monday:
            close(monday, over=True)
            monday = day
        count += day in days
        day += timedelta(days=1)
    close(monday, over=False)  # today's week: met counts now, unmet is not over
    return streak, shields, best


def fold(days, target, rule, paused):
    return reduce(
        lambda s, d: add_day(s, d, target, rule, paused), sorted(set(days)), StreakState()
    )


FIRST = date(2020, 11, 2)
LAST = date(2021, 8, 29)
day_sets = st.sets(st.dates(min_value=FIRST, max_value=LAST), max_size=80)
targets = st.integers(min_value=1, max_value=7)
rules = st.builds(ShieldRule, every=st.integers(min_value=0, max_value=5), most=st.integers(0, 3))
paused_weeks = st.sets(
    st.integers(min_value=week_index(FIRST), max_value=week_index(LAST) + 6), max_size=12
)
todays = st.dates(min_value=FIRST, max_value=LAST + timedelta(weeks=8))


@settings(max_examples=300, deadline=None)
@given(day_sets, targets, rules, paused_weeks)
def test_adding_days_one_by_one_equals_rebuilding(days, target, rule, paused):
    assert fold(days, target, rule, paused) == rebuild(days, target, rule, paused)


@settings(max_examples=400, deadline=None)
@given(day_sets, targets, rules, paused_weeks, todays)
def test_live_streak_matches_the_day_by_day_reference(days, target, rule, paused, today):
    known = {d for d in days if d <= today}
    state = rebuild(known, target, rule, paused)
    streak, shields, best = reference(known, target, rule, paused, today)
    assert live(state, today, paused).streak == streak
    assert live(state, today, paused).shields == shields
    assert state.best == best
    assert shields <= rule.most


@settings(max_examples=300, deadline=None)
@given(day_sets, targets, rules, paused_weeks, todays)
def test_timeline_ends_where_the_reference_does(days, target, rule, paused, today):
    known = {d for d in days if d <= today}
    weeks = timeline(known, target, rule, paused, week_index(today))
    streak, shields, best = reference(known, target, rule, paused, today)
    if not known:
        assert weeks == []
        return
    assert (weeks[-1].streak, weeks[-1].shields) == (streak, shields)
    assert max(r.streak for r in weeks) == best
    assert [r.week for r in weeks] == list(range(weeks[0].week, week_index(today) + 1))
    for before, record in zip([None, *weeks], weeks, strict=False):
        assert not (record.shield_used and record.broke)
        assert not (record.paused and (record.met or record.shield_used or record.broke))
        if record.shield_used:
            assert before is not None and record.shields == before.shields - 1
            assert record.streak == before.streak


@settings(max_examples=300, deadline=None)
@given(day_sets, targets, rules, paused_weeks, st.integers(min_value=0, max_value=30))
def test_the_streak_lives_until_its_break_week_and_not_after(days, target, rule, paused, ahead):
    state = rebuild(days, target, rule, paused)
    end = break_week(state, paused)
    if state.last_day is None or state.run_week is None:
        assert end is None
        return
    assert end is not None and end > state.run_week
    today = state.last_day + timedelta(weeks=ahead)
    alive = live(state, today, paused).streak > 0
    assert alive == (week_index(today) < end)


ZONES = [
    "Europe/London",
    "America/Santiago",  # DST changes at midnight: some Mondays have no 00:00
    "America/Sao_Paulo",
    "Australia/Lord_Howe",  # half-hour DST
    "Pacific/Apia",
    "Asia/Kolkata",
    "America/St_Johns",
]


@settings(max_examples=300, deadline=None)
@given(
    day_sets,
    targets,
    rules,
    paused_weeks,
    st.sampled_from(ZONES),
    st.integers(min_value=0, max_value=60 * 24 * 7 * 6),
)
def test_alive_until_is_the_first_instant_the_local_streak_is_zero(
    days, target, rule, paused, zone_name, minutes_after
):
    zone = ZoneInfo(zone_name)
    state = rebuild(days, target, rule, paused)
    until = alive_until(state, zone, paused)
    if state.run_week is None:
        assert until is None
        return
    assert until is not None
    start = datetime.combine(state.last_day, datetime.min.time(), tzinfo=zone).astimezone(UTC)
    for moment in (start + timedelta(minutes=minutes_after), until, until - timedelta(minutes=1)):
        alive = live(state, local_day(moment, zone), paused).streak > 0
        assert alive == (moment < until), (moment, until)


def test_four_met_weeks_earn_a_shield_that_saves_the_fifth():
    rule = ShieldRule(every=4)
    days = [MON + timedelta(weeks=w) for w in range(4)]  # weeks 0-3 met
    state = rebuild(days, 1, rule)
    assert (state.run, state.shields) == (4, 1)
    week5 = MON + timedelta(weeks=5)  # week 4 ended unmet
    assert live(state, week5) == live(state, week5).__class__(4, 0)
    # Week 5 met: the run goes on at 5, the shield spent.
    state = add_day(state, week5, 1, rule)
    assert (state.run, state.shields, state.best) == (5, 0, 5)
    weeks = timeline([*days, week5], 1, rule, (), week_index(week5))
    assert [r.shield_used for r in weeks] == [False, False, False, False, True, False]
    assert weeks[3].shield_earned


def test_two_unmet_weeks_with_one_shield_break_the_streak():
    rule = ShieldRule(every=4)
    days = [MON + timedelta(weeks=w) for w in range(4)]
    state = add_day(rebuild(days, 1, rule), MON + timedelta(weeks=6), 1, rule)
    assert (state.run, state.shields, state.best) == (1, 0, 4)


def test_shields_are_capped():
    rule = ShieldRule(every=1, most=2)
    state = rebuild([MON + timedelta(weeks=w) for w in range(5)], 1, rule)
    assert state.shields == 2


def test_a_paused_week_neither_breaks_nor_extends():
    paused = {week_index(MON) + 1, week_index(MON) + 2}
    days = [MON, MON + timedelta(weeks=1), MON + timedelta(weeks=3)]  # week 1 met but paused
    state = rebuild(days, 1, ShieldRule(), paused)
    assert (state.run, state.best) == (2, 2)
    weeks = timeline(days, 1, ShieldRule(), paused, week_index(MON) + 3)
    assert [(r.paused, r.streak) for r in weeks] == [(False, 1), (True, 1), (True, 1), (False, 2)]


def test_shields_off_is_the_plain_rule():
    days = [MON, MON + timedelta(weeks=2)]
    assert rebuild(days, 1, ShieldRule(every=0)).run == 1


def test_a_negative_rule_is_refused():
    with pytest.raises(ValueError):
        ShieldRule(every=-1)


@settings(max_examples=100, deadline=None)
@given(day_sets, targets, rules, paused_weeks, todays)
def test_a_timeline_from_weekly_counts_is_the_timeline_from_days(days, target, rule, paused, today):
    from collections import Counter

    from bot.core.streaks import timeline_of_weeks

    counts = Counter(week_index(d) for d in days)
    through = week_index(today)
    assert timeline_of_weeks(counts, target, rule, paused, through) == timeline(
        days, target, rule, paused, through
    )


def test_a_record_is_broken_only_past_an_earlier_streaks_best():
    first = [MON + timedelta(weeks=w) for w in range(3)]  # a first streak of 3
    second = [MON + timedelta(weeks=w) for w in range(5, 10)]  # broken, then 5 more
    weeks = timeline(first + second, 1, ShieldRule(), (), week_index(second[-1]))
    broken = [r.week - week_index(MON) for r in weeks if r.record_broken]
    assert broken == [8]  # the fourth week of the second streak passes the first's 3
    assert all(not r.record_broken for r in weeks if r.week < week_index(second[0]))


@settings(max_examples=200, deadline=None)
@given(day_sets, targets, rules, paused_weeks, todays)
def test_records_broken_are_streaks_passing_an_older_streaks_best(
    days, target, rule, paused, today
):
    known = {d for d in days if d <= today}
    weeks = timeline(known, target, rule, paused, week_index(today))
    run_best = older_best = 0
    for record in weeks:
        if record.broke:
            older_best, run_best = max(older_best, run_best), 0
        # Passed an earlier streak's best this week, and not already before it.
        expected = record.met and older_best > 0 and record.streak > older_best >= run_best
        assert record.record_broken == expected
        if record.met:
            run_best = max(run_best, record.streak)
