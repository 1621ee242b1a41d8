"""Weekly streaks: consecutive ISO weeks in which a member met the weekly target."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date

from bot.core.days import week_index


@dataclass(frozen=True, slots=True)
class StreakState:
    """Everything needed to extend a member's streak without re-reading history."""

    total: int = 0
    last_day: date | None = None
    week: int | None = None
    week_count: int = 0
    run: int = 0
    run_week: int | None = None
    best: int = 0


def _check_target(target: int) -> None:
    if not 1 <= target <= 7:
        raise ValueError(f"weekly target must be 1..7, got {target}")


def add_day(state: StreakState, day: date, target: int) -> StreakState:
    """Add a check-in strictly after `state.last_day`; older days need `rebuild`."""
    _check_target(target)
    if state.last_day is not None and day <= state.last_day:
        raise ValueError(f"{day} is not after {state.last_day}; rebuild instead")
    w = week_index(day)
    week_count = state.week_count + 1 if w == state.week else 1
    new = replace(state, total=state.total + 1, last_day=day, week=w, week_count=week_count)
    # ">=" rather than "==" so a target lowered mid-week still completes the week once.
    if week_count >= target and state.run_week != w:
        run = state.run + 1 if state.run_week == w - 1 else 1
        new = replace(new, run=run, run_week=w, best=max(state.best, run))
    return new


def rebuild(days: Iterable[date], target: int) -> StreakState:
    """Compute the state from a full history; duplicates ignored, any order."""
    _check_target(target)
    distinct = set(days)
    if not distinct:
        return StreakState()
    per_week = Counter(week_index(d) for d in distinct)
    last_day = max(distinct)
    last_week = week_index(last_day)
    run = best = 0
    run_week: int | None = None
    for w in sorted(w for w, n in per_week.items() if n >= target):
        run = run + 1 if run_week == w - 1 else 1
        run_week = w
        best = max(best, run)
    return StreakState(
        total=len(distinct),
        last_day=last_day,
        week=last_week,
        week_count=per_week[last_week],
        run=run,
        run_week=run_week,
        best=best,
    )


def current_streak(state: StreakState, today: date) -> int:
    """The live streak: an unmet current week only breaks it once the week is over."""
    if state.run_week is None or state.run_week < week_index(today) - 1:
        return 0
    return state.run


def week_progress(state: StreakState, today: date) -> int:
    """Check-ins counted so far in the ISO week containing `today`."""
    return state.week_count if state.week == week_index(today) else 0
