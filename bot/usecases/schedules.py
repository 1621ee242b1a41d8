"""Reminder schedules: the table and the armed timers, kept in step."""

from __future__ import annotations

from datetime import datetime, time

from bot.core.days import effective_zone
from bot.core.errors import PostFailed
from bot.core.reminders import Broadcast
from bot.store import Schedule, Tx
from bot.store.sql import schedules as schedules_sql
from bot.usecases.services import Services

MAX_SCHEDULES = 10


async def add(
    services: Services,
    guild_id: int,
    channel_id: int,
    *,
    role_id: int | None,
    broadcast: Broadcast | None,
    days: frozenset[int],
    at: time,
) -> Schedule | None:
    """Create and arm a schedule in the server's time zone; None at MAX_SCHEDULES."""
    now = services.now()

    def work(tx: Tx) -> Schedule | None:
        if schedules_sql.count(tx, guild_id) >= MAX_SCHEDULES:
            return None
        guild = services.cache.guild(tx, guild_id)
        zone = effective_zone(None, guild.timezone, services.default_zone)
        return schedules_sql.add(
            tx, guild_id, channel_id, role_id, days, at, zone.key, now, broadcast
        )

    created = await services.store.run(work)
    if created is not None:
        services.timers.arm(created)
    return created


async def listed(services: Services, guild_id: int) -> list[tuple[Schedule, list[datetime]]]:
    """The server's schedules, each with its next fire time (if it has one)."""
    found = await services.store.read(lambda tx: schedules_sql.listed(tx, guild_id))
    return [(s, services.timers.next_fire_times(s, 1)) for s in found]


def next_fires(services: Services, schedule: Schedule) -> list[datetime]:
    return services.timers.next_fire_times(schedule)


async def remove(services: Services, guild_id: int, schedule_id: int) -> bool:
    removed = await services.store.run(lambda tx: schedules_sql.remove(tx, guild_id, schedule_id))
    if removed:
        services.timers.disarm(schedule_id)
    return removed


async def set_nudge(
    services: Services, guild_id: int, schedule_id: int, hours: int | None
) -> Schedule | None:
    updated = await services.store.run(
        lambda tx: schedules_sql.update(tx, guild_id, schedule_id, "nudge", nudge_hours=hours)
    )
    if updated is not None:
        services.timers.arm(updated)
    return updated


async def enable(services: Services, guild_id: int, schedule_id: int) -> Schedule | None:
    before = await find(services, guild_id, schedule_id)
    updated = await services.store.run(
        lambda tx: schedules_sql.update(tx, guild_id, schedule_id, "enable")
    )
    if updated is None:
        return None
    if before is not None and not before.enabled:
        # Nothing that fell due while it was paused is owed, after a restart either.
        await services.timers.resume(updated)
    else:
        services.timers.arm(updated)
    return updated


async def find(services: Services, guild_id: int, schedule_id: int) -> Schedule | None:
    """The server's schedule with that id (another server's is not found)."""
    found = await services.store.read(lambda tx: schedules_sql.one(tx, schedule_id))
    return found if found is not None and found.guild_id == guild_id else None


async def post_test(services: Services, schedule: Schedule) -> str | None:
    """Post the reminder now, marked as a test; returns why it failed, if it did."""
    try:
        await services.timers.post_test(schedule)
    except PostFailed as failure:  # reported to the admin; a test never pauses a schedule
        return failure.reason
    return None
