"""The check-ins themselves."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, datetime

from bot.store.tx import Tx

_INSERT = (
    "INSERT INTO checkins (guild_id, user_id, day, created_at, note, source) "
    "VALUES (:guild_id, :user_id, :day, :created_at, :note, :source) "
    "ON CONFLICT (guild_id, user_id, day) DO NOTHING"
)


def insert(
    tx: Tx,
    guild_id: int,
    user_id: int,
    day: date,
    *,
    created_at: datetime,
    note: str | None,
    source: str,
) -> bool:
    """Insert the day unless the member already has it; True when it was new."""
    params = {
        "guild_id": guild_id,
        "user_id": user_id,
        "day": day,
        "created_at": created_at,
        "note": note,
        "source": source,
    }
    return tx.execute(_INSERT, params) == 1


def delete(tx: Tx, guild_id: int, user_id: int, day: date) -> bool:
    return (
        tx.execute(
            "DELETE FROM checkins WHERE guild_id = :guild_id AND user_id = :user_id AND day = :day",
            {"guild_id": guild_id, "user_id": user_id, "day": day},
        )
        == 1
    )


def days(tx: Tx, guild_id: int, user_id: int) -> list[date]:
    rows = tx.rows(
        "SELECT day FROM checkins WHERE guild_id = :guild_id AND user_id = :user_id ORDER BY day",
        {"guild_id": guild_id, "user_id": user_id},
    )
    return [row["day"] for row in rows]


def created_at(tx: Tx, guild_id: int, user_id: int, day: date) -> datetime | None:
    moment: datetime | None = tx.scalar(
        "SELECT created_at FROM checkins "
        "WHERE guild_id = :guild_id AND user_id = :user_id AND day = :day",
        {"guild_id": guild_id, "user_id": user_id, "day": day},
    )
    return moment


def days_by_member(tx: Tx, guild_id: int) -> dict[int, list[date]]:
    """Every member's days in one server, oldest first."""
    rows = tx.rows(
        "SELECT user_id, day FROM checkins WHERE guild_id = :guild_id ORDER BY user_id, day",
        {"guild_id": guild_id},
    )
    found: dict[int, list[date]] = defaultdict(list)
    for row in rows:
        found[row["user_id"]].append(row["day"])
    return dict(found)


def checked_in_on(tx: Tx, guild_id: int, day: date) -> set[int]:
    rows = tx.rows(
        "SELECT user_id FROM checkins WHERE guild_id = :guild_id AND day = :day",
        {"guild_id": guild_id, "day": day},
    )
    return {row["user_id"] for row in rows}
