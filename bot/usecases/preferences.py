"""A member's own settings: time zone, leaderboard visibility, reminder pings."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.core import days
from bot.store import Tx
from bot.store.sql import settings as settings_sql
from bot.usecases import summaries
from bot.usecases.services import Services


async def set_timezone(
    services: Services, guild_id: int, user_id: int, zone: ZoneInfo | None
) -> None:
    """The member's own zone (None: follow the server's). Their streak's expiry moves."""

    def work(tx: Tx) -> None:
        settings_sql.set_member(
            tx, guild_id, user_id, "timezone", None if zone is None else zone.key
        )
        services.cache.forget_member(guild_id, user_id)
        guild = settings_sql.guild_config(tx, guild_id)
        effective = zone or days.effective_zone(None, guild.timezone, services.default_zone)
        summaries.retime_member(tx, guild_id, user_id, effective)

    await services.store.run(work)
    services.cache.forget_member(guild_id, user_id)


async def set_hidden(services: Services, guild_id: int, user_id: int, hidden: bool) -> None:
    """Leave or rejoin the leaderboards; the summary rows carry the flag."""

    def work(tx: Tx) -> None:
        summaries.set_visibility(tx, guild_id, user_id, hidden)
        services.cache.forget_member(guild_id, user_id)

    await services.store.run(work)
    services.cache.forget_member(guild_id, user_id)


async def set_reminders(
    services: Services, guild_id: int, user_id: int, opt_in: bool, via: str = "channel"
) -> None:
    """Reminders and streak-at-risk nudges: on (in the channel, or by DM) or off."""

    def work(tx: Tx) -> None:
        settings_sql.set_member(tx, guild_id, user_id, "reminders_opt_in", opt_in)
        if opt_in:
            settings_sql.set_member(tx, guild_id, user_id, "remind_via", via)
        services.cache.forget_member(guild_id, user_id)

    await services.store.run(work)
    services.cache.forget_member(guild_id, user_id)
