"""The deliveries ledger: one row per reminder occurrence, claimed before it is sent."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime, timedelta

from bot.core.reminders import DeliveryState
from bot.store.records import Claim, Delivery
from bot.store.sql import nudges as nudges_sql
from bot.store.tx import Row, Tx

# A `sending` claim older than this is taken to belong to a sender that died.
STALE_CLAIM = timedelta(minutes=1)
# Which claimed rows may be claimed again: failed ones, and `sending` ones a crash left
# behind (stale, or any at start-up: `take_over`), never one whose sender may be at work.
# The rule of every ledger of the bot (deliveries, weekly posts).
RECLAIMABLE = "(state = 'failed' OR (state = 'sending' AND (:take_over OR updated_at < :stale)))"


def reclaim_params(now: datetime, take_over: bool) -> dict[str, object]:
    return {"now": now, "take_over": take_over, "stale": now - STALE_CLAIM}


_COLUMNS = (
    "schedule_id, occurrence_day, kind, state, fire_at, message_id, attempts, error, updated_at"
)
_KEY = "schedule_id = :schedule_id AND occurrence_day = :day AND kind = :kind"
# A schedule removed while its timer fired has no occurrences left to record: the insert
# finds nothing to do instead of failing on the foreign key. (The WHERE also keeps
# SQLite from reading the ON CONFLICT as a join's ON.)
_SCHEDULE_EXISTS = "EXISTS (SELECT 1 FROM schedules WHERE id = :schedule_id)"


def _delivery(row: Row) -> Delivery:
    return Delivery(
        schedule_id=row["schedule_id"],
        occurrence_day=row["occurrence_day"],
        kind=row["kind"],
        state=DeliveryState(row["state"]),
        fire_at=row["fire_at"],
        message_id=row["message_id"],
        attempts=row["attempts"],
        error=row["error"],
        updated_at=row["updated_at"],
    )


def _key(schedule_id: int, day: date, kind: str) -> dict[str, object]:
    return {"schedule_id": schedule_id, "day": day, "kind": kind}


def claim(
    tx: Tx,
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
    key = _key(schedule_id, day, kind)
    inserted = tx.execute(
        "INSERT INTO deliveries (schedule_id, occurrence_day, kind, state, fire_at, attempts, "
        "updated_at) SELECT :schedule_id, :day, :kind, 'sending', :fire_at, 1, :now "
        f"WHERE {_SCHEDULE_EXISTS} ON CONFLICT (schedule_id, occurrence_day, kind) DO NOTHING",
        {**key, "fire_at": fire_at, "now": now},
    )
    if inserted != 1:
        # Re-claim only rows a crash or an error left behind: a `sending` row is left
        # alone while its sender may still be at work.
        updated = tx.execute(
            "UPDATE deliveries SET state = 'sending', attempts = attempts + 1, updated_at = :now "
            f"WHERE {_KEY} AND {RECLAIMABLE}",
            {**key, **reclaim_params(now, take_over)},
        )
        if updated != 1:
            return None
    return one(tx, schedule_id, day, kind)


def claim_with_targets(
    tx: Tx,
    schedule_id: int,
    guild_id: int,
    day: date,
    kind: str,
    fire_at: datetime,
    now: datetime,
    *,
    take_over: bool = False,
) -> Claim | None:
    """`claim`, and when it succeeds the members to ping (`reminder_targets`), in one
    transaction; None when the occurrence is not ours to send."""
    claimed = claim(tx, schedule_id, day, kind, fire_at, now, take_over=take_over)
    if claimed is None:
        return None
    wanted = [(user_id, "dm") for user_id in reminder_targets(tx, guild_id, day, via="dm")]
    dms = nudges_sql.claim(
        tx, guild_id, kind, schedule_id, day, wanted, now, take_over=claimed.attempts > 1
    )
    return Claim(reminder_targets(tx, guild_id, day), claimed.attempts, dms)


def finish(
    tx: Tx,
    schedule_id: int,
    day: date,
    kind: str,
    state: DeliveryState,
    now: datetime,
    *,
    message_id: int | None = None,
    error: str | None = None,
) -> bool:
    """Record how a claimed occurrence ended; False when its row is gone (the schedule
    was removed while it was being sent)."""
    changed = tx.execute(
        "UPDATE deliveries SET state = :state, message_id = :message_id, error = :error, "
        f"updated_at = :now WHERE {_KEY}",
        {
            **_key(schedule_id, day, kind),
            "state": state,
            "message_id": message_id,
            "error": None if error is None else error[:200],
            "now": now,
        },
    )
    return changed == 1


def record_missed(
    tx: Tx, schedule_id: int, day: date, kind: str, fire_at: datetime, now: datetime
) -> bool:
    """Mark an occurrence that is too old to send; never touches a `sent` one."""
    key = _key(schedule_id, day, kind)
    inserted = tx.execute(
        "INSERT INTO deliveries (schedule_id, occurrence_day, kind, state, fire_at, attempts, "
        "updated_at) SELECT :schedule_id, :day, :kind, 'missed', :fire_at, 0, :now "
        f"WHERE {_SCHEDULE_EXISTS} ON CONFLICT (schedule_id, occurrence_day, kind) DO NOTHING",
        {**key, "fire_at": fire_at, "now": now},
    )
    if inserted == 1:
        return True
    return (
        tx.execute(
            "UPDATE deliveries SET state = 'missed', updated_at = :now "
            f"WHERE {_KEY} AND state IN ('sending', 'failed')",
            {**key, "now": now},
        )
        == 1
    )


def record_missed_many(
    tx: Tx, occurrences: Sequence[tuple[int, date, str, datetime]], now: datetime
) -> int:
    """`record_missed` for each (schedule, day, kind, fire_at), in one transaction; returns
    how many rows it marked."""
    return sum(
        record_missed(tx, schedule_id, day, kind, fire_at, now)
        for schedule_id, day, kind, fire_at in occurrences
    )


def since(tx: Tx, schedule_ids: Sequence[int], first_day: date) -> list[Delivery]:
    """Every row of these schedules from `first_day` on: what a catch-up needs to know
    about a batch of schedules, in one read."""
    if not schedule_ids:
        return []
    names = {f"s{i}": schedule_id for i, schedule_id in enumerate(schedule_ids)}
    rows = tx.rows(
        f"SELECT {_COLUMNS} FROM deliveries WHERE schedule_id IN "
        f"({', '.join(':' + name for name in names)}) AND occurrence_day >= :first_day",
        {**names, "first_day": first_day},
    )
    return [_delivery(row) for row in rows]


def listed(tx: Tx, schedule_id: int) -> list[Delivery]:
    rows = tx.rows(
        f"SELECT {_COLUMNS} FROM deliveries WHERE schedule_id = :schedule_id "
        "ORDER BY occurrence_day, kind",
        {"schedule_id": schedule_id},
    )
    return [_delivery(row) for row in rows]


def one(tx: Tx, schedule_id: int, day: date, kind: str) -> Delivery | None:
    row = tx.first(f"SELECT {_COLUMNS} FROM deliveries WHERE {_KEY}", _key(schedule_id, day, kind))
    return None if row is None else _delivery(row)


def reminder_targets(tx: Tx, guild_id: int, day: date, *, via: str = "channel") -> list[int]:
    """Opted-in members who want reminders `via` the channel (or by DM), have not checked
    in on `day` and have not paused its week, in a stable order."""
    rows = tx.rows(
        "SELECT m.user_id FROM members m WHERE m.guild_id = :guild_id "
        "AND m.reminders_opt_in = :yes AND m.remind_via = :via "
        "AND NOT EXISTS (SELECT 1 FROM checkins c "
        "WHERE c.guild_id = m.guild_id AND c.user_id = m.user_id AND c.day = :day) "
        "AND NOT EXISTS (SELECT 1 FROM member_pauses p WHERE p.guild_id = m.guild_id "
        "AND p.user_id = m.user_id AND p.week_start = :monday) "
        "ORDER BY m.user_id",
        # The Monday of the day's week: pauses are stored by their weeks' Mondays.
        {
            "guild_id": guild_id,
            "day": day,
            "monday": day - timedelta(days=day.weekday()),
            "yes": True,
            "via": via,
        },
    )
    return [row["user_id"] for row in rows]
