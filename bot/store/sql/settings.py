"""Server and member settings."""

from __future__ import annotations

from datetime import date, time

from bot.core.shards import EVERYTHING, ShardScope
from bot.store.records import CheckinContext, GuildConfig, MemberConfig
from bot.store.tx import Row, Tx

_GUILD_COLUMNS = (
    "timezone",
    "weekly_target",
    "goal",
    "shield_every",
    "pause_cap",
    "risk_day",
    "risk_time",
    "recap_channel_id",
    "recap_day",
    "recap_time",
    "board_images",
)
_GUILD = f"SELECT {', '.join(_GUILD_COLUMNS)} FROM guilds WHERE guild_id = :guild_id"
_MEMBER = (
    "SELECT timezone, reminders_opt_in, hidden, remind_via, weight_unit FROM members "
    "WHERE guild_id = :guild_id AND user_id = :user_id"
)
_PAUSES = "SELECT week_start FROM member_pauses WHERE guild_id = :guild_id AND user_id = :user_id"


def _clock(text: str | None) -> time | None:
    return None if text is None else time.fromisoformat(text)


def _guild(guild_id: int, row: Row) -> GuildConfig:
    return GuildConfig(
        guild_id,
        timezone=row["timezone"],
        weekly_target=row["weekly_target"],
        goal=row["goal"],
        shield_every=row["shield_every"],
        pause_cap=row["pause_cap"],
        risk_day=row["risk_day"],
        risk_time=_clock(row["risk_time"]) or time(18, 0),
        recap_channel_id=row["recap_channel_id"],
        recap_day=row["recap_day"],
        recap_time=_clock(row["recap_time"]),
        board_images=bool(row["board_images"]),
    )


def guild_config(tx: Tx, guild_id: int) -> GuildConfig:
    row = tx.first(_GUILD, {"guild_id": guild_id})
    return GuildConfig(guild_id) if row is None else _guild(guild_id, row)


def recap_guilds(tx: Tx, scope: ShardScope = EVERYTHING) -> list[GuildConfig]:
    """Every server (of the scope's shards) with a weekly recap or a streak-at-risk
    moment set."""
    rows = tx.rows(
        f"SELECT guild_id, {', '.join(_GUILD_COLUMNS)} FROM guilds "
        "WHERE (recap_channel_id IS NOT NULL OR risk_day IS NOT NULL) "
        f"AND {scope.where()} ORDER BY guild_id"
    )
    return [_guild(row["guild_id"], row) for row in rows]


def paused_weeks(tx: Tx, guild_id: int, user_id: int) -> frozenset[date]:
    """The Mondays of the member's paused weeks."""
    rows = tx.rows(_PAUSES, {"guild_id": guild_id, "user_id": user_id})
    return frozenset(row["week_start"] for row in rows)


def member_config(tx: Tx, guild_id: int, user_id: int) -> MemberConfig:
    row = tx.first(_MEMBER, {"guild_id": guild_id, "user_id": user_id})
    if row is None:
        return MemberConfig()
    return MemberConfig(
        row["timezone"],
        bool(row["reminders_opt_in"]),
        bool(row["hidden"]),
        remind_via=row["remind_via"],
        paused=paused_weeks(tx, guild_id, user_id),
        weight_unit=row["weight_unit"],
    )


def checkin_context(tx: Tx, guild_id: int, user_id: int) -> CheckinContext:
    return CheckinContext(guild_config(tx, guild_id), member_config(tx, guild_id, user_id))


def ensure_guild(tx: Tx, guild_id: int) -> None:
    tx.execute(
        "INSERT INTO guilds (guild_id) VALUES (:guild_id) ON CONFLICT (guild_id) DO NOTHING",
        {"guild_id": guild_id},
    )


def set_guild_timezone(tx: Tx, guild_id: int, timezone: str) -> None:
    tx.execute(
        "INSERT INTO guilds (guild_id, timezone) VALUES (:guild_id, :timezone) "
        "ON CONFLICT (guild_id) DO UPDATE SET timezone = excluded.timezone",
        {"guild_id": guild_id, "timezone": timezone},
    )


def set_weekly_target(tx: Tx, guild_id: int, target: int) -> None:
    tx.execute(
        "INSERT INTO guilds (guild_id, weekly_target) VALUES (:guild_id, :target) "
        "ON CONFLICT (guild_id) DO UPDATE SET weekly_target = excluded.weekly_target",
        {"guild_id": guild_id, "target": target},
    )


# One statement per member column, so no SQL is ever built from a name at run time.
_SET_MEMBER = {
    column: (
        f"INSERT INTO members (guild_id, user_id, {column}) VALUES (:guild_id, :user_id, :value) "
        f"ON CONFLICT (guild_id, user_id) DO UPDATE SET {column} = excluded.{column}"
    )
    for column in ("timezone", "hidden", "reminders_opt_in", "remind_via", "weight_unit")
}

# One statement per server column, for the same reason.
_SET_GUILD = {
    column: (
        f"INSERT INTO guilds (guild_id, {column}) VALUES (:guild_id, :value) "
        f"ON CONFLICT (guild_id) DO UPDATE SET {column} = excluded.{column}"
    )
    for column in _GUILD_COLUMNS
}


def set_guild(tx: Tx, guild_id: int, values: dict[str, object]) -> None:
    """Set some of the server's settings (times as `time` values) in one go."""
    for column, value in values.items():
        stored = value.isoformat(timespec="minutes") if isinstance(value, time) else value
        tx.execute(_SET_GUILD[column], {"guild_id": guild_id, "value": stored})


def set_member(tx: Tx, guild_id: int, user_id: int, column: str, value: object) -> None:
    tx.execute(_SET_MEMBER[column], {"guild_id": guild_id, "user_id": user_id, "value": value})


def member_zones(tx: Tx, guild_id: int) -> dict[int, str | None]:
    """Each member with settings in the server, and their own time zone (None: none)."""
    rows = tx.rows(
        "SELECT user_id, timezone FROM members WHERE guild_id = :guild_id", {"guild_id": guild_id}
    )
    return {row["user_id"]: row["timezone"] for row in rows}


def hidden_members(tx: Tx, guild_id: int) -> set[int]:
    rows = tx.rows(
        "SELECT user_id FROM members WHERE guild_id = :guild_id AND hidden = :yes",
        {"guild_id": guild_id, "yes": True},
    )
    return {row["user_id"] for row in rows}


def guild_ids(tx: Tx) -> list[int]:
    """Every server with any stored data."""
    rows = tx.rows(
        "SELECT guild_id FROM guilds UNION SELECT guild_id FROM checkins "
        "UNION SELECT guild_id FROM members ORDER BY 1"
    )
    return [row["guild_id"] for row in rows]


def pauses_by_member(tx: Tx, guild_id: int) -> dict[int, frozenset[date]]:
    """Every member's paused Mondays in the server (members with none are left out)."""
    rows = tx.rows(
        "SELECT user_id, week_start FROM member_pauses WHERE guild_id = :guild_id",
        {"guild_id": guild_id},
    )
    found: dict[int, set[date]] = {}
    for row in rows:
        found.setdefault(row["user_id"], set()).add(row["week_start"])
    return {user_id: frozenset(weeks) for user_id, weeks in found.items()}


def add_pauses(tx: Tx, guild_id: int, user_id: int, mondays: list[date]) -> None:
    """Pause these weeks (a member row is made, so the pauses are the member's data)."""
    tx.execute(
        "INSERT INTO members (guild_id, user_id) VALUES (:guild_id, :user_id) "
        "ON CONFLICT (guild_id, user_id) DO NOTHING",
        {"guild_id": guild_id, "user_id": user_id},
    )
    tx.execute_many(
        "INSERT INTO member_pauses (guild_id, user_id, week_start) "
        "VALUES (:guild_id, :user_id, :monday) ON CONFLICT DO NOTHING",
        ({"guild_id": guild_id, "user_id": user_id, "monday": monday} for monday in mondays),
    )


def remove_pauses_from(tx: Tx, guild_id: int, user_id: int, monday: date) -> int:
    """Unpause every week from `monday` on; returns how many there were."""
    return tx.execute(
        "DELETE FROM member_pauses WHERE guild_id = :guild_id AND user_id = :user_id "
        "AND week_start >= :monday",
        {"guild_id": guild_id, "user_id": user_id, "monday": monday},
    )
