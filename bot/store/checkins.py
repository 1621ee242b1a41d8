"""Check-ins and the per-member streak summary kept beside them."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa

from bot.core import streaks
from bot.core.streaks import StreakState
from bot.schema import checkins, member_stats
from bot.store.base import StoreBase, stats_values
from bot.store.records import CheckinResult, PeriodCounts


class CheckinQueries(StoreBase):
    async def record_checkin(
        self,
        guild_id: int,
        user_id: int,
        day: date,
        *,
        now: datetime,
        note: str | None,
        source: str,
        weekly_target: int,
    ) -> CheckinResult:
        """Insert the day if absent and keep the member's summary row in step."""
        async with self.engine.begin() as conn:
            # The write comes first so SQLite takes its write lock before we read the summary.
            inserted = await conn.execute(
                self._insert_ignoring_conflicts(checkins).values(
                    guild_id=guild_id,
                    user_id=user_id,
                    day=day,
                    created_at=now,
                    note=note,
                    source=source,
                )
            )
            if inserted.rowcount != 1:
                current = await self._read_stats(conn, guild_id, user_id)
                return CheckinResult(False, current or StreakState())
            # Make sure there is a summary row to lock: on PostgreSQL two first check-ins
            # of one member (different days) would otherwise both try to insert it.
            await conn.execute(
                self._insert_ignoring_conflicts(member_stats).values(
                    guild_id=guild_id, user_id=user_id, **stats_values(StreakState())
                )
            )
            current = await self._read_stats(conn, guild_id, user_id, lock=True)
            assert current is not None
            if current.last_day is not None and day < current.last_day:
                stats = streaks.rebuild(await self._days(conn, guild_id, user_id), weekly_target)
            else:
                stats = streaks.add_day(current, day, weekly_target)
            await self._write_stats(conn, guild_id, user_id, stats, exists=True)
        return CheckinResult(True, stats)

    async def remove_checkin(
        self, guild_id: int, user_id: int, day: date, *, weekly_target: int
    ) -> StreakState | None:
        """Delete one day; returns the new summary, or None when there was nothing to undo."""
        async with self.engine.begin() as conn:
            deleted = await conn.execute(
                checkins.delete()
                .where(checkins.c.guild_id == guild_id)
                .where(checkins.c.user_id == user_id)
                .where(checkins.c.day == day)
            )
            if deleted.rowcount != 1:
                return None
            stats = streaks.rebuild(await self._days(conn, guild_id, user_id), weekly_target)
            await self._write_stats(conn, guild_id, user_id, stats)
        return stats

    async def member_stats(self, guild_id: int, user_id: int) -> StreakState:
        async with self.engine.connect() as conn:
            return await self._read_stats(conn, guild_id, user_id) or StreakState()

    async def period_counts(
        self, guild_id: int, user_id: int, *, week_start: date, month_start: date, year_start: date
    ) -> PeriodCounts:
        """Check-ins since each start, and the time of the latest, in one query."""

        def since(start: date) -> sa.ColumnElement[int]:
            return sa.func.coalesce(sa.func.sum(sa.case((checkins.c.day >= start, 1), else_=0)), 0)

        earliest = min(week_start, month_start, year_start)
        window = (
            sa.select(
                since(week_start),
                since(month_start),
                since(year_start),
            )
            .where(checkins.c.guild_id == guild_id)
            .where(checkins.c.user_id == user_id)
            .where(checkins.c.day >= earliest)
        )
        latest = (
            sa.select(checkins.c.created_at)
            .where(checkins.c.guild_id == guild_id)
            .where(checkins.c.user_id == user_id)
            .order_by(checkins.c.day.desc())
            .limit(1)
        )
        async with self.engine.connect() as conn:
            week, month, year = (await conn.execute(window)).one()
            last = (await conn.execute(latest)).scalar()
        return PeriodCounts(int(week), int(month), int(year), last)
