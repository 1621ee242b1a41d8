"""Small helpers shared by the reminder tests."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from apscheduler.job import Job
from apscheduler.triggers.base import BaseTrigger

from bot.reminders import ReminderEngine


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


def trigger_fires(trigger: BaseTrigger, start: datetime, end: datetime) -> list[datetime]:
    """Every instant the trigger yields in (start, end], walked the way APScheduler's
    scheduler walks it (previous fire time plus `now`), in UTC."""
    fires: list[datetime] = []
    previous: datetime | None = None
    now = start
    while True:
        nxt = trigger.get_next_fire_time(previous, now)
        if nxt is None or nxt.astimezone(UTC) > end:
            return fires
        assert not fires or nxt.astimezone(UTC) > fires[-1], "trigger went backwards"
        fires.append(nxt.astimezone(UTC))
        previous = nxt
        # Arithmetic in UTC: adding to a fold=1 local time would silently drop the fold.
        now = nxt.astimezone(UTC) + timedelta(microseconds=1)


def fires_on(trigger: BaseTrigger, day: date, zone: ZoneInfo) -> list[datetime]:
    """The instants the trigger yields whose local date is `day`."""
    start = datetime.combine(day - timedelta(days=1), datetime.min.time(), tzinfo=zone)
    end = datetime.combine(day + timedelta(days=2), datetime.min.time(), tzinfo=zone)
    found = trigger_fires(trigger, start.astimezone(UTC), end.astimezone(UTC))
    return [f for f in found if f.astimezone(zone).date() == day]


def job(engine: ReminderEngine, job_id: str) -> Job | None:
    return engine.scheduler.get_job(job_id)


async def spin(until: Callable[[], bool], turns: int = 500) -> None:
    """Let other tasks (and aiosqlite's thread) run until `until()` holds; bounded."""
    for _ in range(turns):
        if until():
            return
        await asyncio.sleep(0.01)
    raise AssertionError("condition not reached")
