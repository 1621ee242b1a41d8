"""Export and erase one member's data in one server."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from bot.core.streaks import StreakState
from bot.schema import checkins, member_stats, members, quotes
from bot.store.base import StoreBase


class PrivacyQueries(StoreBase):
    async def export_member(self, guild_id: int, user_id: int) -> dict[str, Any]:
        """Everything stored about one member in one server, as JSON-ready values."""
        async with self.engine.connect() as conn:
            member = (
                await conn.execute(
                    sa.select(members)
                    .where(members.c.guild_id == guild_id)
                    .where(members.c.user_id == user_id)
                )
            ).first()
            days = await conn.execute(
                sa.select(checkins)
                .where(checkins.c.guild_id == guild_id)
                .where(checkins.c.user_id == user_id)
                .order_by(checkins.c.day)
            )
            checkin_list = [
                {
                    "day": r.day.isoformat(),
                    "created_at": r.created_at.isoformat(),
                    "note": r.note,
                    "source": r.source,
                }
                for r in days
            ]
            stats = await self._read_stats(conn, guild_id, user_id) or StreakState()
            added = await conn.execute(
                sa.select(quotes)
                .where(quotes.c.guild_id == guild_id)
                .where(quotes.c.added_by == user_id)
                .order_by(quotes.c.id)
            )
            quote_list = [
                {"id": q.id, "text": q.text, "created_at": q.created_at.isoformat()} for q in added
            ]
        return {
            "guild_id": str(guild_id),
            "user_id": str(user_id),
            "settings": {
                "timezone": member.timezone if member else None,
                "reminders_opt_in": bool(member.reminders_opt_in) if member else False,
                "hidden": bool(member.hidden) if member else False,
            },
            "summary": {
                "total": stats.total,
                "best_streak_weeks": stats.best,
                "last_day": stats.last_day.isoformat() if stats.last_day else None,
            },
            "checkins": checkin_list,
            "quotes_added": quote_list,
        }

    async def forget_member(self, guild_id: int, user_id: int) -> int:
        """Delete the member's data in one server; returns how many check-ins went."""
        async with self.engine.begin() as conn:
            deleted = await conn.execute(
                checkins.delete()
                .where(checkins.c.guild_id == guild_id)
                .where(checkins.c.user_id == user_id)
            )
            for table in (member_stats, members):
                await conn.execute(
                    table.delete()
                    .where(table.c.guild_id == guild_id)
                    .where(table.c.user_id == user_id)
                )
            # Quotes belong to the server; only the link to the member is removed.
            await conn.execute(
                quotes.update()
                .where(quotes.c.guild_id == guild_id)
                .where(quotes.c.added_by == user_id)
                .values(added_by=0)
            )
            return int(deleted.rowcount)
