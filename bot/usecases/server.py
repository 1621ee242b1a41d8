"""Server settings: time zone and weekly target."""

from __future__ import annotations

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


async def set_weekly_target(services: Services, guild_id: int, target: int) -> int:
    """Change the target and recompute every member's streaks; returns how many members."""

    def work(tx: Tx) -> int:
        settings_sql.set_weekly_target(tx, guild_id, target)
        services.cache.forget_guild(guild_id)
        return summaries.restreak_guild(tx, guild_id, services.default_zone)

    updated = await services.store.run(work)
    services.cache.forget_guild(guild_id)
    return updated
