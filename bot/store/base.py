"""The engine holder and the few helpers every part of the store shares."""

from __future__ import annotations

from datetime import date
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from bot.core.streaks import StreakState
from bot.schema import checkins, guilds, member_stats, members

# Quote and schedule ids are INTEGER columns: 32-bit on PostgreSQL. A number outside the
# range can name no row, and handing it to the driver would fail instead of finding none.
MAX_ROW_ID = 2**31 - 1


def is_row_id(value: int) -> bool:
    """Whether `value` could be the id of a quote or schedule row."""
    return 1 <= value <= MAX_ROW_ID


def stats_from_row(row: Any) -> StreakState:
    return StreakState(
        total=row.total,
        last_day=row.last_day,
        week=row.week,
        week_count=row.week_count,
        run=row.run,
        run_week=row.run_week,
        best=row.best,
    )


def stats_values(stats: StreakState) -> dict[str, Any]:
    return {
        "total": stats.total,
        "last_day": stats.last_day,
        "week": stats.week,
        "week_count": stats.week_count,
        "run": stats.run,
        "run_week": stats.run_week,
        "best": stats.best,
    }


class StoreBase:
    """Owns the engine; the feature mixins add the queries."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    async def close(self) -> None:
        await self.engine.dispose()

    def _insert_ignoring_conflicts(self, table: sa.Table) -> Any:
        # INSERT ... ON CONFLICT DO NOTHING: the unique key decides, not a racy pre-check.
        dialect = self.engine.dialect.name
        if dialect == "sqlite":
            return sqlite.insert(table).on_conflict_do_nothing()
        if dialect == "postgresql":
            return postgresql.insert(table).on_conflict_do_nothing()
        raise NotImplementedError(f"unsupported database dialect {dialect!r}")

    async def _ensure_guild(self, conn: AsyncConnection, guild_id: int) -> None:
        await conn.execute(self._insert_ignoring_conflicts(guilds).values(guild_id=guild_id))

    async def _ensure_member(self, conn: AsyncConnection, guild_id: int, user_id: int) -> None:
        await conn.execute(
            self._insert_ignoring_conflicts(members).values(guild_id=guild_id, user_id=user_id)
        )

    async def _days(self, conn: AsyncConnection, guild_id: int, user_id: int) -> list[date]:
        rows = await conn.execute(
            sa.select(checkins.c.day)
            .where(checkins.c.guild_id == guild_id)
            .where(checkins.c.user_id == user_id)
        )
        return [day for (day,) in rows]

    async def _read_stats(
        self, conn: AsyncConnection, guild_id: int, user_id: int, *, lock: bool = False
    ) -> StreakState | None:
        query = (
            sa.select(member_stats)
            .where(member_stats.c.guild_id == guild_id)
            .where(member_stats.c.user_id == user_id)
        )
        if lock:
            query = query.with_for_update()  # ignored by SQLite, which already holds the lock
        row = (await conn.execute(query)).first()
        return None if row is None else stats_from_row(row)

    async def _write_stats(
        self,
        conn: AsyncConnection,
        guild_id: int,
        user_id: int,
        stats: StreakState,
        *,
        exists: bool | None = None,
    ) -> None:
        if stats.total == 0:
            await conn.execute(
                member_stats.delete()
                .where(member_stats.c.guild_id == guild_id)
                .where(member_stats.c.user_id == user_id)
            )
            return
        if exists is not False:
            updated = await conn.execute(
                member_stats.update()
                .where(member_stats.c.guild_id == guild_id)
                .where(member_stats.c.user_id == user_id)
                .values(**stats_values(stats))
            )
            if updated.rowcount == 1:
                return
        await conn.execute(
            member_stats.insert().values(guild_id=guild_id, user_id=user_id, **stats_values(stats))
        )
