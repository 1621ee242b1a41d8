"""Leaderboard reads: windowed counts from check-ins, the rest from summaries."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from bot.schema import checkins, member_stats, members
from bot.store.base import StoreBase, stats_from_row
from bot.store.records import CountRow, StreakRow


def _not_hidden(guild_id: int, user_column: sa.ColumnElement[int]) -> sa.ColumnElement[bool]:
    hidden = (
        sa.select(members.c.user_id)
        .where(members.c.guild_id == guild_id)
        .where(members.c.user_id == user_column)
        .where(members.c.hidden.is_(True))
    )
    return ~sa.exists(hidden)


class LeaderboardQueries(StoreBase):
    async def counts_since(
        self, guild_id: int, start: date | None, end: date | None = None
    ) -> list[CountRow]:
        """Visible members with their check-in count from `start` to `end` (all time when
        `start` is None; the summary table answers that).

        `python -m benchmarks` compares this query with and without its index.
        """
        if start is None:
            query = (
                sa.select(member_stats.c.user_id, member_stats.c.total)
                .where(member_stats.c.guild_id == guild_id)
                .where(member_stats.c.total > 0)
                .where(_not_hidden(guild_id, member_stats.c.user_id))
            )
        else:
            # Grouping by an expression takes away the primary key's one advantage (rows
            # already in user order), so SQLite reads just the window from the covering
            # index instead of the server's whole history.
            user = (checkins.c.user_id + 0).label("user_id")
            query = (
                sa.select(user, sa.func.count())
                .where(checkins.c.guild_id == guild_id)
                .where(checkins.c.day >= start)
                .where(checkins.c.day <= (end or date.max))
                .where(_not_hidden(guild_id, checkins.c.user_id))
                .group_by(user)
            )
        async with self.engine.connect() as conn:
            rows = await conn.execute(query)
            return [CountRow(user_id, count) for user_id, count in rows]

    async def streak_rows(self, guild_id: int) -> list[StreakRow]:
        """Every visible member's summary with their own time zone, for the streak board."""
        join = sa.and_(
            members.c.guild_id == member_stats.c.guild_id,
            members.c.user_id == member_stats.c.user_id,
        )
        query = (
            sa.select(member_stats, members.c.timezone.label("member_tz"))
            .select_from(member_stats.outerjoin(members, join))
            .where(member_stats.c.guild_id == guild_id)
            .where(sa.or_(members.c.hidden.is_(None), members.c.hidden.is_(False)))
        )
        async with self.engine.connect() as conn:
            rows = await conn.execute(query)
            return [StreakRow(row.user_id, row.member_tz, stats_from_row(row)) for row in rows]
