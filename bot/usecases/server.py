"""Server settings: time zone and weekly target."""

from __future__ import annotations

from datetime import time
from zoneinfo import ZoneInfo

from bot.store import GuildConfig, Schedule, Tx
from bot.store.sql import schedules as schedules_sql
from bot.store.sql import settings as settings_sql
from bot.usecases import summaries
from bot.usecases.services import Services


async def show(services: Services, guild_id: int) -> GuildConfig:
    return await services.store.read(lambda tx: services.cache.guild(tx, guild_id))


async def set_timezone(services: Services, guild_id: int, zone: ZoneInfo) -> None:
    """The server's zone: members who follow it get new streak expiries, and the
    server's reminder schedules move to it (and are re-armed)."""

    def work(tx: Tx) -> list[Schedule]:
        settings_sql.set_guild_timezone(tx, guild_id, zone.key)
        services.cache.forget_guild(guild_id)
        summaries.retime_guild(tx, guild_id, services.default_zone)
        return schedules_sql.set_guild_timezone(tx, guild_id, zone.key)

    moved = await services.store.run(work)
    services.cache.forget_guild(guild_id)
    for schedule in moved:
        services.timers.arm(schedule)
    await services.weekly.rearm(await show(services, guild_id))


async def set_weekly_target(services: Services, guild_id: int, target: int) -> int:
    """Change the target and recompute every member's streaks; returns how many members."""

    def work(tx: Tx) -> int:
        settings_sql.set_weekly_target(tx, guild_id, target)
        services.cache.forget_guild(guild_id)
        return summaries.restreak_guild(tx, guild_id, services.default_zone)

    updated = await services.store.run(work)
    services.cache.forget_guild(guild_id)
    return updated


async def set_goal(services: Services, guild_id: int, goal: int | None) -> None:
    """The group's weekly goal (None: no goal)."""
    await _set(services, guild_id, {"goal": goal})


async def set_board_images(services: Services, guild_id: int, images: bool) -> None:
    """Whether `legday top` answers with a picture by default."""
    await _set(services, guild_id, {"board_images": images})


async def set_pause_cap(services: Services, guild_id: int, cap: int) -> None:
    """Paused weeks a member may take per year (pauses already taken stay)."""
    await _set(services, guild_id, {"pause_cap": cap})


async def set_shield_every(services: Services, guild_id: int, every: int) -> int:
    """Met weeks in a row that earn a shield (0: off); every member's streak is recomputed
    under the new rule. Returns how many members."""

    def work(tx: Tx) -> int:
        settings_sql.set_guild(tx, guild_id, {"shield_every": every})
        services.cache.forget_guild(guild_id)
        return summaries.restreak_guild(tx, guild_id, services.default_zone)

    updated: int = await services.store.run(work)
    services.cache.forget_guild(guild_id)
    return updated


async def _set(services: Services, guild_id: int, values: dict[str, object]) -> None:
    def work(tx: Tx) -> None:
        settings_sql.set_guild(tx, guild_id, values)
        services.cache.forget_guild(guild_id)

    await services.store.run(work)
    services.cache.forget_guild(guild_id)


async def set_recap(
    services: Services, guild_id: int, channel_id: int | None, day: int, at: time
) -> GuildConfig:
    """Post the weekly recap in `channel_id` at `day` `at` server time (None: no recap)."""
    values: dict[str, object] = {"recap_channel_id": channel_id, "recap_day": day, "recap_time": at}
    return await _set_moment(services, guild_id, values)


async def recap_off(services: Services, guild_id: int) -> GuildConfig:
    return await _set_moment(services, guild_id, {"recap_channel_id": None})


async def set_risk(services: Services, guild_id: int, day: int | None, at: time) -> GuildConfig:
    """When members with a streak at risk are nudged (day None: never)."""
    return await _set_moment(services, guild_id, {"risk_day": day, "risk_time": at})


async def _set_moment(services: Services, guild_id: int, values: dict[str, object]) -> GuildConfig:
    await _set(services, guild_id, values)
    guild = await show(services, guild_id)
    await services.weekly.rearm(guild)
    return guild


async def post_test_recap(services: Services, guild_id: int, channel_id: int) -> int:
    """Post last week's recap in `channel_id` now, marked as a test; nothing is recorded."""
    return await services.weekly.post_test_recap(await show(services, guild_id), channel_id)
