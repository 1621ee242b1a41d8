"""The weekly loop's storage: the group's weekly total, and the weekly posts ledger (goal
celebration, recap, streak-at-risk call)."""

from __future__ import annotations

from datetime import date, datetime

from bot.core.reminders import DeliveryState
from bot.core.shards import EVERYTHING, ShardScope
from bot.store.records import GuildConfig, Summary, WeeklyPost
from bot.store.sql.deliveries import RECLAIMABLE, reclaim_params
from bot.store.sql.summaries import FIELDS as _SUMMARY_FIELDS
from bot.store.tx import Row, Tx

_STATS = ", ".join("s." + name for name in _SUMMARY_FIELDS)

_COLUMNS = (
    "guild_id, kind, week_start, channel_id, state, fire_at, message_id, attempts, error, "
    "updated_at"
)
_KEY = "guild_id = :guild_id AND kind = :kind AND week_start = :monday"


def _post(row: Row) -> WeeklyPost:
    return WeeklyPost(
        guild_id=row["guild_id"],
        kind=row["kind"],
        week_start=row["week_start"],
        channel_id=row["channel_id"],
        state=DeliveryState(row["state"]),
        fire_at=row["fire_at"],
        message_id=row["message_id"],
        attempts=row["attempts"],
        error=row["error"],
    )


def group_total(tx: Tx, guild_id: int, monday: date) -> int:
    """Leg days of every member (hidden ones too) in the week starting `monday`."""
    found = tx.scalar(
        "SELECT SUM(count) FROM member_periods "
        "WHERE guild_id = :guild_id AND kind = 'w' AND start = :monday",
        {"guild_id": guild_id, "monday": monday},
    )
    return int(found or 0)


def claim(
    tx: Tx,
    guild_id: int,
    kind: str,
    monday: date,
    channel_id: int | None,
    fire_at: datetime,
    now: datetime,
    *,
    take_over: bool = False,
) -> WeeklyPost | None:
    """Claim the server's `kind` post of the week for sending: the new or re-claimed row
    (state `sending`), or None when it is sent, missed, or another sender's (see
    `deliveries.claim`, whose rules these are)."""
    key = {"guild_id": guild_id, "kind": kind, "monday": monday}
    inserted = tx.execute(
        "INSERT INTO weekly_posts (guild_id, kind, week_start, channel_id, state, fire_at, "
        "attempts, updated_at) VALUES (:guild_id, :kind, :monday, :channel_id, 'sending', "
        ":fire_at, 1, :now) ON CONFLICT (guild_id, kind, week_start) DO NOTHING",
        {**key, "channel_id": channel_id, "fire_at": fire_at, "now": now},
    )
    if inserted != 1:
        updated = tx.execute(
            "UPDATE weekly_posts SET state = 'sending', attempts = attempts + 1, "
            f"updated_at = :now WHERE {_KEY} AND {RECLAIMABLE}",
            {**key, **reclaim_params(now, take_over)},
        )
        if updated != 1:
            return None
    return one(tx, guild_id, kind, monday)


def one(tx: Tx, guild_id: int, kind: str, monday: date) -> WeeklyPost | None:
    row = tx.first(
        f"SELECT {_COLUMNS} FROM weekly_posts WHERE {_KEY}",
        {"guild_id": guild_id, "kind": kind, "monday": monday},
    )
    return None if row is None else _post(row)


def finish(
    tx: Tx,
    guild_id: int,
    kind: str,
    monday: date,
    state: DeliveryState,
    now: datetime,
    *,
    message_id: int | None = None,
    error: str | None = None,
) -> None:
    tx.execute(
        "UPDATE weekly_posts SET state = :state, message_id = :message_id, error = :error, "
        f"updated_at = :now WHERE {_KEY}",
        {
            "guild_id": guild_id,
            "kind": kind,
            "monday": monday,
            "state": state,
            "message_id": message_id,
            "error": None if error is None else error[:200],
            "now": now,
        },
    )


def record_missed(
    tx: Tx, guild_id: int, kind: str, monday: date, fire_at: datetime, now: datetime
) -> bool:
    """Mark a post too old to send; never touches a `sent` one."""
    key = {"guild_id": guild_id, "kind": kind, "monday": monday}
    inserted = tx.execute(
        "INSERT INTO weekly_posts (guild_id, kind, week_start, state, fire_at, attempts, "
        "updated_at) VALUES (:guild_id, :kind, :monday, 'missed', :fire_at, 0, :now) "
        "ON CONFLICT (guild_id, kind, week_start) DO NOTHING",
        {**key, "fire_at": fire_at, "now": now},
    )
    if inserted == 1:
        return True
    changed = tx.execute(
        f"UPDATE weekly_posts SET state = 'missed', updated_at = :now WHERE {_KEY} "
        "AND state IN ('sending', 'failed')",
        {**key, "now": now},
    )
    return changed == 1


def since(tx: Tx, first_monday: date, scope: ShardScope = EVERYTHING) -> list[WeeklyPost]:
    """Every post (of the scope's servers) from the week of `first_monday` on (what a
    catch-up needs to know)."""
    rows = tx.rows(
        f"SELECT {_COLUMNS} FROM weekly_posts WHERE week_start >= :monday AND {scope.where()}",
        {"monday": first_monday},
    )
    return [_post(row) for row in rows]


def unfinished(
    tx: Tx, kind: str, first_monday: date, scope: ShardScope = EVERYTHING
) -> list[WeeklyPost]:
    """Posts of `kind` (of the scope's servers) claimed but not finished (a crash), from
    `first_monday` on."""
    rows = tx.rows(
        f"SELECT {_COLUMNS} FROM weekly_posts WHERE kind = :kind AND state = 'sending' "
        f"AND week_start >= :monday AND {scope.where()} ORDER BY guild_id",
        {"kind": kind, "monday": first_monday},
    )
    return [_post(row) for row in rows]


def _of_members(tx: Tx, sql: str, guild_id: int, user_ids: list[int]) -> list[Row]:
    """The rows of `sql` (whose `{members}` is an IN list) for the listed members, read a
    few hundred members at a time to stay under the databases' parameter limits."""
    found: list[Row] = []
    for first in range(0, len(user_ids), 500):
        names = {f"u{i}": user_id for i, user_id in enumerate(user_ids[first : first + 500])}
        members = ", ".join(":" + name for name in names)
        found += tx.rows(sql.format(members=members), {"guild_id": guild_id, **names})
    return found


def weekly_counts(tx: Tx, guild_id: int, user_ids: list[int]) -> dict[int, dict[date, int]]:
    """Each listed member's check-ins per week (keyed by Monday), over their whole history."""
    found: dict[int, dict[date, int]] = {user_id: {} for user_id in user_ids}
    rows = _of_members(
        tx,
        "SELECT user_id, start, count FROM member_periods WHERE guild_id = :guild_id "
        "AND kind = 'w' AND user_id IN ({members})",
        guild_id,
        user_ids,
    )
    for row in rows:
        found[row["user_id"]][row["start"]] = row["count"]
    return found


def members_in_play(tx: Tx, guild_id: int, monday: date, alive_at: datetime) -> list[int]:
    """Members a recap of the week starting `monday` may speak of: those who checked in
    that week, and those whose streak was still alive at `alive_at` (its start)."""
    rows = tx.rows(
        "SELECT user_id FROM member_periods WHERE guild_id = :guild_id AND kind = 'w' "
        "AND start = :monday UNION SELECT user_id FROM member_stats "
        "WHERE guild_id = :guild_id AND alive_until > :alive_at ORDER BY 1",
        {"guild_id": guild_id, "monday": monday, "alive_at": alive_at},
    )
    return [row["user_id"] for row in rows]


def first_days(tx: Tx, guild_id: int, user_ids: list[int]) -> dict[int, date]:
    """Each listed member's first check-in day in the server."""
    rows = _of_members(
        tx,
        "SELECT user_id, MIN(day) AS first_day FROM checkins WHERE guild_id = :guild_id "
        "AND user_id IN ({members}) GROUP BY user_id",
        guild_id,
        user_ids,
    )
    # An aggregate loses the column's type on SQLite: the day comes back as text.
    return {row["user_id"]: _as_date(row["first_day"]) for row in rows}


def _as_date(value: date | str) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def opted_in_streaks(tx: Tx, guild_id: int) -> list[tuple[int, str | None, str, Summary]]:
    """Members who want reminders and have a streak row: (user, own zone, how to reach
    them, summary)."""
    rows = tx.rows(
        f"SELECT m.user_id, m.timezone, m.remind_via, {_STATS} FROM members m "
        "JOIN member_stats s ON s.guild_id = m.guild_id AND s.user_id = m.user_id "
        "WHERE m.guild_id = :guild_id AND m.reminders_opt_in = :yes AND s.run > 0 "
        "ORDER BY m.user_id",
        {"guild_id": guild_id, "yes": True},
    )
    return [
        (
            row["user_id"],
            row["timezone"],
            row["remind_via"],
            Summary(*(row[name] for name in _SUMMARY_FIELDS)),
        )
        for row in rows
    ]


def risk_channel(tx: Tx, guild: GuildConfig) -> int | None:
    """Where the server's streak-at-risk call goes: the recap's channel, else the channel
    of its oldest enabled reminder schedule (None: it has neither)."""
    if guild.recap_channel_id is not None:
        return guild.recap_channel_id
    found = tx.scalar(
        "SELECT channel_id FROM schedules WHERE guild_id = :guild_id AND enabled = :yes "
        "ORDER BY id LIMIT 1",
        {"guild_id": guild.guild_id, "yes": True},
    )
    return None if found is None else int(found)
