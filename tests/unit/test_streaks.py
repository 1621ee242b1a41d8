from datetime import date, timedelta
from functools import reduce

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.core.days import week_index
from bot.core.streaks import StreakState, add_day, current_streak, rebuild, week_progress


def fold(days, target):
    return reduce(lambda s, d: add_day(s, d, target), sorted(set(days)), StreakState())


def mondays(first: date, n: int) -> list[date]:
    return [first + timedelta(weeks=i) for i in range(n)]


MON = date(2026, 11, 2)  # a Monday


def test_empty():
    state = rebuild([], 1)
    assert state == StreakState()
    assert current_streak(state, MON) == 0
    assert week_progress(state, MON) == 0


def test_single_checkin_target_one():
    state = add_day(StreakState(), MON, 1)
    assert state == StreakState(
        total=1,
        last_day=MON,
        week=week_index(MON),
        week_count=1,
        run=1,
        run_week=week_index(MON),
        best=1,
        in_row=1,
    )
    assert current_streak(state, MON) == 1
    assert current_streak(state, MON + timedelta(days=6)) == 1
    assert week_progress(state, MON + timedelta(days=6)) == 1


def test_consecutive_weeks_grow_streak():
    days = mondays(MON, 5)
    state = fold(days, 1)
    assert (state.run, state.best, state.total) == (5, 5, 5)
    assert current_streak(state, days[-1]) == 5


def test_current_week_unmet_keeps_last_weeks_streak_until_it_ends():
    state = fold(mondays(MON, 3), 1)
    next_week = MON + timedelta(weeks=3)
    assert current_streak(state, next_week) == 3  # Monday of the unmet week
    assert current_streak(state, next_week + timedelta(days=6)) == 3  # its Sunday
    assert week_progress(state, next_week) == 0
    # Two weeks later, the unmet week has ended: the streak is broken.
    assert current_streak(state, next_week + timedelta(days=7)) == 0
    assert state.best == 3


def test_gap_breaks_run_but_best_survives():
    first = mondays(MON, 4)
    later = mondays(MON + timedelta(weeks=5), 2)  # skipped one week
    state = fold(first + later, 1)
    assert state.run == 2
    assert state.best == 4
    assert current_streak(state, later[-1]) == 2


def test_target_two_needs_two_checkins_in_week():
    state = add_day(StreakState(), MON, 2)
    assert state.run == 0 and state.run_week is None
    assert current_streak(state, MON) == 0
    assert week_progress(state, MON) == 1
    state = add_day(state, MON + timedelta(days=3), 2)
    assert state.run == 1 and state.run_week == week_index(MON)
    assert week_progress(state, MON) == 2
    # A third check-in does not count the week twice.
    state = add_day(state, MON + timedelta(days=4), 2)
    assert (state.run, state.best, state.week_count, state.total) == (1, 1, 3, 3)


def test_target_two_partial_week_breaks_run():
    days = [MON, MON + timedelta(days=1)]  # week 1 met
    days += [MON + timedelta(weeks=1)]  # week 2 only once
    days += [MON + timedelta(weeks=2), MON + timedelta(weeks=2, days=2)]  # week 3 met
    state = fold(days, 2)
    assert (state.run, state.best) == (1, 1)
    assert rebuild(days, 1).run == 3


def test_target_seven_needs_every_day():
    week = [MON + timedelta(days=i) for i in range(7)]
    assert fold(week[:6], 7).run == 0
    assert fold(week, 7).run == 1
    assert rebuild(week, 7).best == 1


@pytest.mark.parametrize(
    ("days", "run"),
    [
        # 2026-12-28..2027-01-03 is one ISO week.
        ([date(2026, 12, 28), date(2027, 1, 3)], 1),
        # 2020 has ISO week 53 (2020-12-28..2021-01-03), between week 52 and 2021 week 1.
        ([date(2020, 12, 21), date(2020, 12, 31), date(2021, 1, 4)], 3),
        ([date(2020, 12, 21), date(2021, 1, 4)], 1),  # week 53 missed
        ([date(2020, 12, 27), date(2020, 12, 28)], 2),  # Sunday then Monday
    ],
)
def test_year_ends_target_one(days, run):
    assert fold(days, 1).run == run
    assert rebuild(days, 1).run == run


def test_year_end_target_two_week_spans_new_year():
    days = [date(2026, 12, 31), date(2027, 1, 2)]
    state = fold(days, 2)
    assert state.run == 1
    assert state.week == week_index(date(2026, 12, 28))
    assert week_progress(state, date(2027, 1, 3)) == 2
    assert week_progress(state, date(2027, 1, 4)) == 0


def test_add_day_requires_later_day():
    state = add_day(StreakState(), MON, 1)
    with pytest.raises(ValueError):
        add_day(state, MON, 1)
    with pytest.raises(ValueError):
        add_day(state, MON - timedelta(days=1), 1)


@pytest.mark.parametrize("target", [0, 8, -1])
def test_bad_target(target):
    with pytest.raises(ValueError):
        add_day(StreakState(), MON, target)
    with pytest.raises(ValueError):
        rebuild([MON], target)


def test_rebuild_ignores_duplicates_and_order():
    days = [MON + timedelta(weeks=1), MON, MON, MON + timedelta(weeks=1, days=2)]
    state = rebuild(days, 1)
    assert state.total == 3
    assert state.last_day == MON + timedelta(weeks=1, days=2)
    assert state.week_count == 2
    assert state.run == 2


def test_backfill_after_rebuild_can_repair_gap():
    days = [MON, MON + timedelta(weeks=2)]
    assert rebuild(days, 1).run == 1
    assert rebuild([*days, MON + timedelta(weeks=1, days=3)], 1).run == 3


def test_lowered_target_mid_week_completes_week_once():
    state = add_day(StreakState(), MON, 3)
    state = add_day(state, MON + timedelta(days=1), 3)
    assert state.run == 0
    state = add_day(state, MON + timedelta(days=2), 1)
    assert (state.run, state.run_week) == (1, week_index(MON))
    state = add_day(state, MON + timedelta(days=3), 1)
    assert state.run == 1


def test_current_streak_before_run_week_is_run():
    # Clock skew (today earlier than the last check-in) must not zero the streak.
    state = fold(mondays(MON, 2), 1)
    assert current_streak(state, MON) == 2


day_lists = st.lists(
    st.dates(min_value=date(2020, 11, 1), max_value=date(2021, 6, 30)), max_size=60
)


@settings(max_examples=150, deadline=None)
@given(day_lists, st.integers(min_value=1, max_value=7))
def test_fold_equals_rebuild(days, target):
    assert fold(days, target) == rebuild(days, target)


@settings(max_examples=100, deadline=None)
@given(day_lists, st.integers(min_value=1, max_value=7), st.randoms(use_true_random=False))
def test_rebuild_order_independent_and_invariants(days, target, rnd):
    shuffled = list(days) + list(days[:5])
    rnd.shuffle(shuffled)
    state = rebuild(days, target)
    assert rebuild(shuffled, target) == state
    assert state.total == len(set(days))
    assert 0 <= state.run <= state.best
    assert state.week_count <= 7
    if state.run_week is not None:
        assert state.week is not None and state.run_week <= state.week
        assert state.run >= 1


def naive_best(days, target):
    """Reference: count weeks meeting target, then longest consecutive run."""
    counts = {}
    for d in set(days):
        key = d.isocalendar()[:2]
        counts[key] = counts.get(key, 0) + 1
    met = sorted(date.fromisocalendar(y, w, 1) for (y, w), n in counts.items() if n >= target)
    best = run = 0
    prev = None
    for monday in met:
        run = run + 1 if prev is not None and monday - prev == timedelta(weeks=1) else 1
        best = max(best, run)
        prev = monday
    return best, run


@settings(max_examples=150, deadline=None)
@given(day_lists, st.integers(min_value=1, max_value=3))
def test_rebuild_matches_isocalendar_reference(days, target):
    state = rebuild(days, target)
    assert (state.best, state.run) == naive_best(days, target)


@pytest.mark.parametrize("target", [0, 8])
def test_a_target_outside_one_to_seven_is_a_bug_named_in_the_error(target):
    with pytest.raises(ValueError) as info:
        add_day(StreakState(), MON, target)
    assert info.value.args == (f"weekly target must be 1..7, got {target}",)


def test_adding_a_day_that_is_not_new_says_to_rebuild():
    state = add_day(StreakState(), MON, 1)
    with pytest.raises(ValueError) as info:
        add_day(state, MON, 1)
    assert info.value.args == (f"{MON} is not after {MON}; rebuild instead",)
