"""Weekly streaks: consecutive ISO weeks in which a member met the weekly target.

Two things bend the plain rule. A *paused* week (a holiday, `legday pause`) is neutral:
it neither breaks nor extends the streak, met or not. A *shield*, earned for every
`ShieldRule.every` met weeks in a row (at most `ShieldRule.most` held), is spent by a
week that ends unmet, and the streak goes on instead of breaking.

Weeks are numbered by `days.week_index` over the member's local days, so they cross
year ends and DST changes without special cases. `rebuild` computes everything from a
history; `add_day` extends a state by a later day and always agrees with `rebuild`;
`timeline` walks week by week and says what happened in each (for stats and the recap).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

from bot.core.days import week_index

MAX_SHIELDS = 2
DEFAULT_SHIELD_EVERY = 4


@dataclass(frozen=True, slots=True)
class ShieldRule:
    """A server's shield policy: a shield per `every` met weeks in a row (0: no shields)."""

    every: int = 0
    most: int = MAX_SHIELDS

    def __post_init__(self) -> None:
        if self.every < 0 or self.most < 0:
            raise ValueError(f"shield rule must not be negative, got {self}")


NO_SHIELDS = ShieldRule()


@dataclass(frozen=True, slots=True)
class StreakState:
    """Everything needed to extend a member's streak without re-reading history.

    `run`, `shields` and `in_row` are as of the end of `run_week`, the last week the
    target was met (paused weeks aside); weeks after it are judged against `today`.
    """

    total: int = 0
    last_day: date | None = None
    week: int | None = None
    week_count: int = 0
    run: int = 0
    run_week: int | None = None
    best: int = 0
    shields: int = 0
    in_row: int = 0  # met weeks since the run began or last spent a shield


@dataclass(frozen=True, slots=True)
class Live:
    """A streak as it stands on a given day: unmet weeks that ended since `run_week` have
    spent shields or broken it."""

    streak: int
    shields: int


def _check_target(target: int) -> None:
    if not 1 <= target <= 7:
        raise ValueError(f"weekly target must be 1..7, got {target}")


def _open_weeks(after: int, before: int, paused: Collection[int]) -> int:
    """Weeks strictly between `after` and `before` that count (are not paused)."""
    if before <= after + 1:
        return 0
    return (before - after - 1) - sum(1 for w in paused if after < w < before)


def _meet(state: StreakState, week: int, rule: ShieldRule, paused: Collection[int]) -> StreakState:
    """`week` is met (and later than `state.run_week`): the run grows, or restarts when the
    unmet weeks since the last met one were more than the shields held."""
    gap = 0 if state.run_week is None else _open_weeks(state.run_week, week, paused)
    if state.run_week is not None and state.run > 0 and gap <= state.shields:
        run, shields = state.run + 1, state.shields - gap
        in_row = state.in_row + 1 if gap == 0 else 1
    else:
        run, shields, in_row = 1, 0, 1
    if rule.every and in_row % rule.every == 0:
        shields = min(rule.most, shields + 1)
    return replace(
        state, run=run, run_week=week, best=max(state.best, run), shields=shields, in_row=in_row
    )


def add_day(
    state: StreakState,
    day: date,
    target: int,
    rule: ShieldRule = NO_SHIELDS,
    paused: Collection[int] = (),
) -> StreakState:
    """Add a check-in strictly after `state.last_day`; older days need `rebuild`."""
    _check_target(target)
    if state.last_day is not None and day <= state.last_day:
        raise ValueError(f"{day} is not after {state.last_day}; rebuild instead")
    w = week_index(day)
    week_count = state.week_count + 1 if w == state.week else 1
    new = replace(state, total=state.total + 1, last_day=day, week=w, week_count=week_count)
    # ">=" rather than "==" so a target lowered mid-week still completes the week once.
    if week_count >= target and state.run_week != w and w not in paused:
        new = _meet(new, w, rule, paused)
    return new


def rebuild(
    days: Iterable[date],
    target: int,
    rule: ShieldRule = NO_SHIELDS,
    paused: Collection[int] = (),
) -> StreakState:
    """Compute the state from a full history; duplicates ignored, any order."""
    _check_target(target)
    distinct = set(days)
    if not distinct:
        return StreakState()
    per_week = Counter(week_index(d) for d in distinct)
    last_day = max(distinct)
    last_week = week_index(last_day)
    state = StreakState(
        total=len(distinct), last_day=last_day, week=last_week, week_count=per_week[last_week]
    )
    for w in sorted(w for w, n in per_week.items() if n >= target and w not in paused):
        state = _meet(state, w, rule, paused)
    return state


def live(state: StreakState, today: date, paused: Collection[int] = ()) -> Live:
    """The streak and shields on `today`: an unmet week only counts against the streak
    once it is over; each such week spends a shield, and one more breaks the streak."""
    if state.run_week is None or state.run == 0:
        return Live(0, 0)
    ended_unmet = _open_weeks(state.run_week, week_index(today), paused)
    if ended_unmet > state.shields:
        return Live(0, 0)
    return Live(state.run, state.shields - ended_unmet)


def current_streak(state: StreakState, today: date, paused: Collection[int] = ()) -> int:
    """The live streak in weeks on `today`."""
    return live(state, today, paused).streak


def break_week(state: StreakState, paused: Collection[int] = ()) -> int | None:
    """The first week whose start finds the streak broken (unless a week is met first):
    the week after the shields-plus-one-th unpaused week following `run_week`."""
    if state.run_week is None or state.run == 0:
        return None
    week, unmet = state.run_week, 0
    while True:
        week += 1
        if week not in paused:
            unmet += 1
            if unmet > state.shields:
                return week + 1


def week_progress(state: StreakState, today: date) -> int:
    """Check-ins counted so far in the ISO week containing `today`."""
    return state.week_count if state.week == week_index(today) else 0


@dataclass(frozen=True, slots=True)
class WeekRecord:
    """What one ended (or current) week did to a member's streak."""

    week: int
    count: int  # check-ins in the week
    paused: bool
    met: bool  # the target was met and the week counted (not paused)
    shield_used: bool  # ended unmet with a shield to spend
    shield_earned: bool
    broke: bool  # ended unmet and ended a streak
    streak: int  # the streak after the week
    shields: int  # shields held after the week
    best_before: int  # the best streak before the week
    # The week took the streak past a best set by an earlier, broken streak (a member's
    # first streak, or one already their best, only grows).
    record_broken: bool = False


def timeline(
    days: Iterable[date],
    target: int,
    rule: ShieldRule,
    paused: Collection[int],
    through_week: int,
) -> list[WeekRecord]:
    """Week by week from the member's first check-in through `through_week`; that last
    week is judged as it stands (an unmet one is not over yet, so it spends nothing)."""
    per_week = Counter(week_index(d) for d in set(days))
    return timeline_of_weeks(per_week, target, rule, paused, through_week)


def timeline_of_weeks(
    per_week: Mapping[int, int],
    target: int,
    rule: ShieldRule,
    paused: Collection[int],
    through_week: int,
) -> list[WeekRecord]:
    """`timeline` from check-ins counted per week (week number -> count)."""
    _check_target(target)
    per_week = {week: count for week, count in per_week.items() if count > 0}
    if not per_week:
        return []
    records = []
    streak = shields = in_row = best = 0
    best_is_this_run = False
    for week in range(min(per_week), through_week + 1):
        count = per_week.get(week, 0)
        is_paused = week in paused
        met = count >= target and not is_paused
        used = earned = broke = record_broken = False
        best_before = best
        if met:
            streak, in_row = streak + 1, in_row + 1
            if rule.every and in_row % rule.every == 0 and shields < rule.most:
                shields, earned = shields + 1, True
            if streak > best:
                record_broken = best > 0 and not best_is_this_run
                best, best_is_this_run = streak, True
        elif not is_paused and week < through_week and streak > 0:
            if shields > 0:
                shields, in_row, used = shields - 1, 0, True
            else:
                streak, in_row, broke = 0, 0, True
                best_is_this_run = False
        records.append(
            WeekRecord(
                week,
                count,
                is_paused,
                met,
                used,
                earned,
                broke,
                streak,
                shields,
                best_before,
                record_broken,
            )
        )
    return records


def alive_until(
    state: StreakState, zone: ZoneInfo, paused: Collection[int] = ()
) -> datetime | None:
    """The instant the streak breaks unless another week is met: local midnight starting
    `break_week`, in the member's zone (None: no streak)."""
    week = break_week(state, paused)
    if week is None:
        return None
    monday = date.fromordinal(week * 7 + 1)
    # fold=0: a midnight that a DST change skips or repeats resolves to the instant the
    # local date turns, which is when the week starts.
    return datetime.combine(monday, time(0)).replace(tzinfo=zone).astimezone(UTC)
