"""Small helpers shared by the reminder tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from bot.reminders import ReminderEngine
from bot.store import Schedule


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def armed_fires(
    engine: ReminderEngine, schedule: Schedule, start: datetime, end: datetime
) -> list[datetime]:
    """Every instant the engine's timer fires `schedule` in (start, end]: armed at
    `start`, then re-armed after each fire exactly as the engine does after firing."""
    fires: list[datetime] = []
    after = start
    while True:
        engine.arm(schedule, after=after)
        at = engine.armed_at(schedule.id)
        if at is None or at > end:
            return fires
        assert not fires or at > fires[-1], "the timer went backwards"
        fires.append(at)
        after = at


def fires_on(engine: ReminderEngine, schedule: Schedule, day: date) -> list[datetime]:
    """The instants the engine fires `schedule` whose local date is `day`."""
    zone = ZoneInfo(schedule.timezone)
    start = datetime.combine(day - timedelta(days=1), datetime.min.time(), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=2), datetime.min.time(), tzinfo=zone)
    found = armed_fires(engine, schedule, start.astimezone(UTC), end.astimezone(UTC))
    return [f for f in found if f.astimezone(zone).date() == day]


async def spin(until: Callable[[], bool], turns: int = 500) -> None:
    """Let other tasks (and the database thread) run until `until()` holds; bounded."""
    for _ in range(turns):
        if until():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached")
