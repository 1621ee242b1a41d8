"""Guild and member settings."""

from __future__ import annotations

from collections import defaultdict
from datetime import date
from typing import Any

import sqlalchemy as sa

from bot.core import streaks
from bot.schema import checkins, guilds, members
from bot.store.base import StoreBase
from bot.store.records import CheckinContext, GuildConfig, MemberConfig


class SettingsQueries(StoreBase):
    async def guild_config(self, guild_id: int) -> GuildConfig:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(sa.select(guilds).where(guilds.c.guild_id == guild_id))
            ).first()
        if row is None:
            return GuildConfig(guild_id)
        return GuildConfig(guild_id, row.timezone, row.weekly_target)

    async def member_config(self, guild_id: int, user_id: int) -> MemberConfig:
        return (await self.checkin_context(guild_id, user_id)).member

    async def checkin_context(self, guild_id: int, user_id: int) -> CheckinContext:
        """Guild and member settings in one statement, whichever rows exist."""

        def guild_value(column: sa.Column[Any]) -> sa.ScalarSelect[Any]:
            return sa.select(column).where(guilds.c.guild_id == guild_id).scalar_subquery()

        def member_value(column: sa.Column[Any]) -> sa.ScalarSelect[Any]:
            return (
                sa.select(column)
                .where(members.c.guild_id == guild_id)
                .where(members.c.user_id == user_id)
                .scalar_subquery()
            )

        # Scalar subqueries, not a join: either row may be missing on its own.
        query = sa.select(
            guild_value(guilds.c.timezone),
            guild_value(guilds.c.weekly_target),
            member_value(members.c.timezone),
            member_value(members.c.reminders_opt_in),
            member_value(members.c.hidden),
        )
        async with self.engine.connect() as conn:
            guild_tz, target, member_tz, opt_in, hidden = (await conn.execute(query)).one()
        return CheckinContext(
            GuildConfig(guild_id, guild_tz, target or 1),
            MemberConfig(member_tz, bool(opt_in), bool(hidden)),
        )

    async def set_guild_timezone(self, guild_id: int, timezone: str) -> None:
        async with self.engine.begin() as conn:
            await self._ensure_guild(conn, guild_id)
            await conn.execute(
                guilds.update().where(guilds.c.guild_id == guild_id).values(timezone=timezone)
            )

    async def set_weekly_target(self, guild_id: int, target: int) -> int:
        """Change the target and recompute every member's streaks; returns members updated."""
        async with self.engine.begin() as conn:
            await self._ensure_guild(conn, guild_id)
            await conn.execute(
                guilds.update().where(guilds.c.guild_id == guild_id).values(weekly_target=target)
            )
            rows = await conn.execute(
                sa.select(checkins.c.user_id, checkins.c.day).where(checkins.c.guild_id == guild_id)
            )
            days_by_user: dict[int, list[date]] = defaultdict(list)
            for user_id, day in rows:
                days_by_user[user_id].append(day)
            for user_id, days in days_by_user.items():
                await self._write_stats(conn, guild_id, user_id, streaks.rebuild(days, target))
        return len(days_by_user)

    async def _update_member(self, guild_id: int, user_id: int, **values: Any) -> None:
        async with self.engine.begin() as conn:
            await self._ensure_member(conn, guild_id, user_id)
            await conn.execute(
                members.update()
                .where(members.c.guild_id == guild_id)
                .where(members.c.user_id == user_id)
                .values(**values)
            )

    async def set_member_timezone(self, guild_id: int, user_id: int, timezone: str | None) -> None:
        await self._update_member(guild_id, user_id, timezone=timezone)

    async def set_hidden(self, guild_id: int, user_id: int, hidden: bool) -> None:
        await self._update_member(guild_id, user_id, hidden=hidden)

    async def set_reminders(self, guild_id: int, user_id: int, opt_in: bool) -> None:
        await self._update_member(guild_id, user_id, reminders_opt_in=opt_in)
