"""Reminder schedules."""

from __future__ import annotations

from datetime import datetime, time

from bot.core.reminders import Broadcast
from bot.core.shards import EVERYTHING, ShardScope
from bot.store.records import Schedule
from bot.store.sql.settings import ensure_guild
from bot.store.tx import Row, Tx

# Quote and schedule ids are INTEGER columns: 32-bit on PostgreSQL. A number outside the
# range can name no row, and handing it to the driver would fail instead of finding none.
MAX_ROW_ID = 2**31 - 1

_COLUMNS = (
    "id, guild_id, channel_id, role_id, broadcast, days, time, timezone, nudge_hours, "
    "enabled, disabled_reason, created_at"
)


def is_row_id(value: int) -> bool:
    """Whether `value` could be the id of a quote or schedule row."""
    return 1 <= value <= MAX_ROW_ID


def _encode_days(days: frozenset[int]) -> str:
    return ",".join(str(d) for d in sorted(days))


def _schedule(row: Row) -> Schedule:
    hour, minute = (int(p) for p in row["time"].split(":"))
    return Schedule(
        id=row["id"],
        guild_id=row["guild_id"],
        channel_id=row["channel_id"],
        role_id=row["role_id"],
        days=frozenset(int(part) for part in row["days"].split(",") if part),
        at=time(hour, minute),
        timezone=row["timezone"],
        nudge_hours=row["nudge_hours"],
        enabled=bool(row["enabled"]),
        disabled_reason=row["disabled_reason"],
        created_at=row["created_at"],
        broadcast=None if row["broadcast"] is None else Broadcast(row["broadcast"]),
    )


def count(tx: Tx, guild_id: int) -> int:
    return int(
        tx.scalar(
            "SELECT count(*) FROM schedules WHERE guild_id = :guild_id", {"guild_id": guild_id}
        )
    )


def add(
    tx: Tx,
    guild_id: int,
    channel_id: int,
    role_id: int | None,
    days: frozenset[int],
    at: time,
    timezone: str,
    now: datetime,
    broadcast: Broadcast | None,
) -> Schedule:
    ensure_guild(tx, guild_id)
    row = tx.first(
        "INSERT INTO schedules (guild_id, channel_id, role_id, broadcast, days, time, timezone, "
        "enabled, created_at) VALUES (:guild_id, :channel_id, :role_id, :broadcast, :days, "
        f":time, :timezone, :yes, :created_at) RETURNING {_COLUMNS}",
        {
            "guild_id": guild_id,
            "channel_id": channel_id,
            "role_id": role_id,
            "broadcast": None if broadcast is None else broadcast.value,
            "days": _encode_days(days),
            "time": at.strftime("%H:%M"),
            "timezone": timezone,
            "yes": True,
            "created_at": now,
        },
    )
    assert row is not None
    return _schedule(row)


def listed(
    tx: Tx,
    guild_id: int | None = None,
    *,
    enabled_only: bool = False,
    scope: ShardScope = EVERYTHING,
) -> list[Schedule]:
    where = [] if scope.everything else [scope.where()]
    if guild_id is not None:
        where.append("guild_id = :guild_id")
    if enabled_only:
        where.append("enabled = :yes")
    clause = f" WHERE {' AND '.join(where)}" if where else ""
    rows = tx.rows(
        f"SELECT {_COLUMNS} FROM schedules{clause} ORDER BY id",
        {"guild_id": guild_id, "yes": True},
    )
    return [_schedule(row) for row in rows]


def one(tx: Tx, schedule_id: int) -> Schedule | None:
    if not is_row_id(schedule_id):
        return None
    row = tx.first(f"SELECT {_COLUMNS} FROM schedules WHERE id = :id", {"id": schedule_id})
    return None if row is None else _schedule(row)


def remove(tx: Tx, guild_id: int, schedule_id: int) -> bool:
    if not is_row_id(schedule_id):
        return False
    removed = tx.execute(
        "DELETE FROM schedules WHERE guild_id = :guild_id AND id = :id",
        {"guild_id": guild_id, "id": schedule_id},
    )
    if removed != 1:
        return False  # not this server's: its history stays untouched
    # ON DELETE CASCADE does this too; explicit so it never rests on a pragma.
    tx.execute("DELETE FROM deliveries WHERE schedule_id = :id", {"id": schedule_id})
    return True


# One statement per change a schedule can undergo, so no SQL is built from names.
_UPDATES = {
    "nudge": "nudge_hours = :nudge_hours",
    "enable": "enabled = :yes, disabled_reason = NULL",
}


def update(
    tx: Tx, guild_id: int, schedule_id: int, change: str, **values: object
) -> Schedule | None:
    if not is_row_id(schedule_id):
        return None
    row = tx.first(
        f"UPDATE schedules SET {_UPDATES[change]} WHERE guild_id = :guild_id AND id = :id "
        f"RETURNING {_COLUMNS}",
        {"guild_id": guild_id, "id": schedule_id, "yes": True, **values},
    )
    return None if row is None else _schedule(row)


def disable(tx: Tx, schedule_id: int, reason: str) -> Schedule | None:
    """Pause an enabled schedule; None when it is gone or already paused."""
    if not is_row_id(schedule_id):
        return None
    row = tx.first(
        "UPDATE schedules SET enabled = :no, disabled_reason = :reason "
        f"WHERE id = :id AND enabled = :yes RETURNING {_COLUMNS}",
        {"id": schedule_id, "reason": reason[:200], "yes": True, "no": False},
    )
    return None if row is None else _schedule(row)


def set_guild_timezone(tx: Tx, guild_id: int, timezone: str) -> list[Schedule]:
    rows = tx.rows(
        f"UPDATE schedules SET timezone = :timezone WHERE guild_id = :guild_id "
        f"RETURNING {_COLUMNS}",
        {"guild_id": guild_id, "timezone": timezone},
    )
    return sorted((_schedule(row) for row in rows), key=lambda s: s.id)
