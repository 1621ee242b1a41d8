"""Server and member settings."""

from __future__ import annotations

from bot.store.records import CheckinContext, GuildConfig, MemberConfig
from bot.store.tx import Tx

_GUILD = "SELECT timezone, weekly_target FROM guilds WHERE guild_id = :guild_id"
_MEMBER = (
    "SELECT timezone, reminders_opt_in, hidden FROM members "
    "WHERE guild_id = :guild_id AND user_id = :user_id"
)


def guild_config(tx: Tx, guild_id: int) -> GuildConfig:
    row = tx.first(_GUILD, {"guild_id": guild_id})
    if row is None:
        return GuildConfig(guild_id)
    return GuildConfig(guild_id, row["timezone"], row["weekly_target"])


def member_config(tx: Tx, guild_id: int, user_id: int) -> MemberConfig:
    row = tx.first(_MEMBER, {"guild_id": guild_id, "user_id": user_id})
    if row is None:
        return MemberConfig()
    return MemberConfig(row["timezone"], bool(row["reminders_opt_in"]), bool(row["hidden"]))


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
    for column in ("timezone", "hidden", "reminders_opt_in")
}


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
