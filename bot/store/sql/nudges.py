"""Messages to one member, each claimed before it is sent: streak-at-risk nudges and
reminders by DM (`member_nudges`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from bot.core.reminders import DeliveryState
from bot.store.records import MemberNudge
from bot.store.tx import Row, Tx

_COLUMNS = "guild_id, user_id, kind, ref, occurrence, via, state, message_id, error, updated_at"
_OCCURRENCE = "guild_id = :guild_id AND kind = :kind AND ref = :ref AND occurrence = :occurrence"


def _nudge(row: Row) -> MemberNudge:
    return MemberNudge(
        guild_id=row["guild_id"],
        user_id=row["user_id"],
        kind=row["kind"],
        ref=row["ref"],
        occurrence=row["occurrence"],
        via=row["via"],
        state=DeliveryState(row["state"]),
        message_id=row["message_id"],
        error=row["error"],
    )


def claim(
    tx: Tx,
    guild_id: int,
    kind: str,
    ref: int,
    occurrence: date,
    wanted: Sequence[tuple[int, str]],
    now: datetime,
    *,
    take_over: bool = False,
) -> list[MemberNudge]:
    """Claim each (member, via) message of one occurrence; returns those now ours to send:
    new ones, and with `take_over` (at start-up) those a crash left `sending`."""
    key = {"guild_id": guild_id, "kind": kind, "ref": ref, "occurrence": occurrence}
    tx.execute_many(
        "INSERT INTO member_nudges (guild_id, user_id, kind, ref, occurrence, via, state, "
        "updated_at) VALUES (:guild_id, :user_id, :kind, :ref, :occurrence, :via, 'sending', "
        ":now) ON CONFLICT (guild_id, user_id, kind, ref, occurrence) DO NOTHING",
        ({**key, "user_id": user_id, "via": via, "now": now} for user_id, via in wanted),
    )
    # What this claim inserted carries its `now`; a crash's leftovers are older.
    rows = tx.rows(
        f"SELECT {_COLUMNS} FROM member_nudges WHERE {_OCCURRENCE} AND state = 'sending' "
        "AND (updated_at = :now OR :take_over) ORDER BY user_id",
        {**key, "now": now, "take_over": take_over},
    )
    return [_nudge(row) for row in rows]


def finish(
    tx: Tx,
    nudge: MemberNudge,
    state: DeliveryState,
    now: datetime,
    *,
    message_id: int | None = None,
    error: str | None = None,
) -> None:
    tx.execute(
        "UPDATE member_nudges SET state = :state, message_id = :message_id, error = :error, "
        f"updated_at = :now WHERE {_OCCURRENCE} AND user_id = :user_id",
        {
            "guild_id": nudge.guild_id,
            "user_id": nudge.user_id,
            "kind": nudge.kind,
            "ref": nudge.ref,
            "occurrence": nudge.occurrence,
            "state": state,
            "message_id": message_id,
            "error": None if error is None else error[:200],
            "now": now,
        },
    )


def of_occurrence(
    tx: Tx, guild_id: int, kind: str, ref: int, occurrence: date
) -> dict[int, MemberNudge]:
    rows = tx.rows(
        f"SELECT {_COLUMNS} FROM member_nudges WHERE {_OCCURRENCE} ORDER BY user_id",
        {"guild_id": guild_id, "kind": kind, "ref": ref, "occurrence": occurrence},
    )
    return {row["user_id"]: _nudge(row) for row in rows}
