"""Reminder schedules and the deliveries ledger."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

import sqlalchemy as sa

from bot.core.reminders import Broadcast
from bot.schema import checkins, deliveries, members, schedules
from bot.store.base import StoreBase, is_row_id
from bot.store.records import Delivery, Schedule

# A `sending` claim older than this is taken to belong to a sender that died.
STALE_CLAIM = timedelta(minutes=1)


def _encode_days(days: frozenset[int]) -> str:
    return ",".join(str(d) for d in sorted(days))


def _decode_days(text: str) -> frozenset[int]:
    return frozenset(int(part) for part in text.split(",") if part)


def _schedule_from_row(row: Any) -> Schedule:
    hour, minute = (int(p) for p in row.time.split(":"))
    return Schedule(
        id=row.id,
        guild_id=row.guild_id,
        channel_id=row.channel_id,
        role_id=row.role_id,
        days=_decode_days(row.days),
        at=time(hour, minute),
        timezone=row.timezone,
        nudge_hours=row.nudge_hours,
        enabled=bool(row.enabled),
        disabled_reason=row.disabled_reason,
        created_at=row.created_at,
        broadcast=None if row.broadcast is None else Broadcast(row.broadcast),
    )


def _delivery_from_row(row: Any) -> Delivery:
    return Delivery(
        schedule_id=row.schedule_id,
        occurrence_day=row.occurrence_day,
        kind=row.kind,
        state=row.state,
        fire_at=row.fire_at,
        message_id=row.message_id,
        attempts=row.attempts,
        error=row.error,
        updated_at=row.updated_at,
    )


def _occurrence(schedule_id: int, day: date, kind: str) -> sa.ColumnElement[bool]:
    """The deliveries row of one occurrence (the table's primary key)."""
    return sa.and_(
        deliveries.c.schedule_id == schedule_id,
        deliveries.c.occurrence_day == day,
        deliveries.c.kind == kind,
    )


class ReminderQueries(StoreBase):
    async def add_schedule(
        self,
        guild_id: int,
        channel_id: int,
        role_id: int | None,
        days: frozenset[int],
        at: time,
        timezone: str,
        now: datetime,
        *,
        limit: int,
        broadcast: Broadcast | None = None,
    ) -> Schedule | None:
        """Create a schedule, or return None when the server already has `limit`."""
        async with self.engine.begin() as conn:
            await self._ensure_guild(conn, guild_id)
            count = (
                await conn.execute(
                    sa.select(sa.func.count())
                    .select_from(schedules)
                    .where(schedules.c.guild_id == guild_id)
                )
            ).scalar_one()
            if count >= limit:
                return None
            result = await conn.execute(
                schedules.insert()
                .values(
                    guild_id=guild_id,
                    channel_id=channel_id,
                    role_id=role_id,
                    broadcast=None if broadcast is None else broadcast.value,
                    days=_encode_days(days),
                    time=at.strftime("%H:%M"),
                    timezone=timezone,
                    enabled=True,
                    created_at=now,
                )
                .returning(*schedules.c)
            )
            return _schedule_from_row(result.one())

    async def schedules(
        self, guild_id: int | None = None, *, enabled_only: bool = False
    ) -> list[Schedule]:
        query = sa.select(schedules).order_by(schedules.c.id)
        if guild_id is not None:
            query = query.where(schedules.c.guild_id == guild_id)
        if enabled_only:
            query = query.where(schedules.c.enabled.is_(True))
        async with self.engine.connect() as conn:
            return [_schedule_from_row(row) for row in await conn.execute(query)]

    async def schedule(self, schedule_id: int) -> Schedule | None:
        if not is_row_id(schedule_id):
            return None
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(sa.select(schedules).where(schedules.c.id == schedule_id))
            ).first()
        return None if row is None else _schedule_from_row(row)

    async def remove_schedule(self, guild_id: int, schedule_id: int) -> bool:
        if not is_row_id(schedule_id):
            return False
        async with self.engine.begin() as conn:
            result = await conn.execute(
                schedules.delete()
                .where(schedules.c.guild_id == guild_id)
                .where(schedules.c.id == schedule_id)
            )
            if result.rowcount != 1:
                return False  # not this server's: its history stays untouched
            # ON DELETE CASCADE does this too; explicit so it never rests on a pragma.
            await conn.execute(deliveries.delete().where(deliveries.c.schedule_id == schedule_id))
            return True

    async def set_nudge(
        self, guild_id: int, schedule_id: int, hours: int | None
    ) -> Schedule | None:
        return await self._update_schedule(guild_id, schedule_id, nudge_hours=hours)

    async def disable_schedule(self, schedule_id: int, reason: str) -> Schedule | None:
        if not is_row_id(schedule_id):
            return None
        async with self.engine.begin() as conn:
            result = await conn.execute(
                schedules.update()
                .where(schedules.c.id == schedule_id)
                .where(schedules.c.enabled.is_(True))
                .values(enabled=False, disabled_reason=reason[:200])
                .returning(*schedules.c)
            )
            row = result.first()
        return None if row is None else _schedule_from_row(row)

    async def enable_schedule(self, guild_id: int, schedule_id: int) -> Schedule | None:
        return await self._update_schedule(
            guild_id, schedule_id, enabled=True, disabled_reason=None
        )

    async def set_guild_schedules_timezone(self, guild_id: int, timezone: str) -> list[Schedule]:
        async with self.engine.begin() as conn:
            result = await conn.execute(
                schedules.update()
                .where(schedules.c.guild_id == guild_id)
                .values(timezone=timezone)
                .returning(*schedules.c)
            )
            return sorted((_schedule_from_row(r) for r in result), key=lambda s: s.id)

    async def _update_schedule(
        self, guild_id: int, schedule_id: int, **values: Any
    ) -> Schedule | None:
        if not is_row_id(schedule_id):
            return None
        async with self.engine.begin() as conn:
            result = await conn.execute(
                schedules.update()
                .where(schedules.c.guild_id == guild_id)
                .where(schedules.c.id == schedule_id)
                .values(**values)
                .returning(*schedules.c)
            )
            row = result.first()
        return None if row is None else _schedule_from_row(row)

    async def reminder_targets(self, guild_id: int, day: date) -> list[int]:
        """Opted-in members who have not checked in on `day`, in a stable order."""
        checked = (
            sa.select(checkins.c.user_id)
            .where(checkins.c.guild_id == guild_id)
            .where(checkins.c.day == day)
            .where(checkins.c.user_id == members.c.user_id)
        )
        query = (
            sa.select(members.c.user_id)
            .where(members.c.guild_id == guild_id)
            .where(members.c.reminders_opt_in.is_(True))
            .where(~sa.exists(checked))
            .order_by(members.c.user_id)
        )
        async with self.engine.connect() as conn:
            return [user_id for (user_id,) in await conn.execute(query)]

    async def claim_delivery(
        self,
        schedule_id: int,
        day: date,
        kind: str,
        fire_at: datetime,
        now: datetime,
        *,
        take_over: bool = False,
    ) -> Delivery | None:
        """Claim an occurrence for sending.

        Returns the claimed row (state `sending`), or None when it is already `sent`,
        `missed` or being sent by someone else less than STALE_CLAIM ago. `take_over`
        also re-claims fresh `sending` rows: at start-up no other sender can own them.
        """
        async with self.engine.begin() as conn:
            inserted = await conn.execute(
                self._insert_ignoring_conflicts(deliveries).values(
                    schedule_id=schedule_id,
                    occurrence_day=day,
                    kind=kind,
                    state="sending",
                    fire_at=fire_at,
                    attempts=1,
                    updated_at=now,
                )
            )
            key = _occurrence(schedule_id, day, kind)
            if inserted.rowcount != 1:
                # Re-claim only rows a crash or an error left behind: a `sending` row is
                # left alone while its sender may still be at work.
                abandoned = (
                    deliveries.c.state == "sending"
                    if take_over
                    else sa.and_(
                        deliveries.c.state == "sending",
                        deliveries.c.updated_at < now - STALE_CLAIM,
                    )
                )
                stale = sa.or_(deliveries.c.state == "failed", abandoned)
                updated = await conn.execute(
                    deliveries.update()
                    .where(key)
                    .where(stale)
                    .values(state="sending", attempts=deliveries.c.attempts + 1, updated_at=now)
                )
                if updated.rowcount != 1:
                    return None
            row = (await conn.execute(sa.select(deliveries).where(key))).one()
        return _delivery_from_row(row)

    async def finish_delivery(
        self,
        schedule_id: int,
        day: date,
        kind: str,
        state: str,
        now: datetime,
        *,
        message_id: int | None = None,
        error: str | None = None,
    ) -> None:
        async with self.engine.begin() as conn:
            await conn.execute(
                deliveries.update()
                .where(_occurrence(schedule_id, day, kind))
                .values(
                    state=state,
                    message_id=message_id,
                    error=None if error is None else error[:200],
                    updated_at=now,
                )
            )

    async def record_missed(
        self, schedule_id: int, day: date, kind: str, fire_at: datetime, now: datetime
    ) -> bool:
        """Mark an occurrence that is too old to send; never touches a `sent` one."""
        async with self.engine.begin() as conn:
            inserted = await conn.execute(
                self._insert_ignoring_conflicts(deliveries).values(
                    schedule_id=schedule_id,
                    occurrence_day=day,
                    kind=kind,
                    state="missed",
                    fire_at=fire_at,
                    attempts=0,
                    updated_at=now,
                )
            )
            if inserted.rowcount == 1:
                return True
            updated = await conn.execute(
                deliveries.update()
                .where(_occurrence(schedule_id, day, kind))
                .where(deliveries.c.state.in_(("sending", "failed")))
                .values(state="missed", updated_at=now)
            )
            return updated.rowcount == 1

    async def deliveries(self, schedule_id: int) -> list[Delivery]:
        async with self.engine.connect() as conn:
            rows = await conn.execute(
                sa.select(deliveries)
                .where(deliveries.c.schedule_id == schedule_id)
                .order_by(deliveries.c.occurrence_day, deliveries.c.kind)
            )
            return [_delivery_from_row(r) for r in rows]

    async def delivery(self, schedule_id: int, day: date, kind: str) -> Delivery | None:
        async with self.engine.connect() as conn:
            row = (
                await conn.execute(sa.select(deliveries).where(_occurrence(schedule_id, day, kind)))
            ).first()
        return None if row is None else _delivery_from_row(row)
