"""Shared by the data tests (issue 12, items 7-9): the schema as the database itself
reports it, every table's rows, and the privacy rule each table is held to.

Everything here reads through a `Tx`, so the same code looks at a store on SQLite or
PostgreSQL and at the SQLite file a real bot process left behind (`SqliteTx`).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from bot.store import Tx

# -- the catalogue -----------------------------------------------------------------------


def tables(tx: Tx) -> list[str]:
    """The tables of the current schema, from the database's catalogue (never from the
    code's metadata: a table created by a migration but unknown to the code counts)."""
    if tx.dialect == "sqlite":
        rows = tx.rows(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' ORDER BY name"
        )
        return [str(row["name"]) for row in rows]
    rows = tx.rows(
        "SELECT table_name AS name FROM information_schema.tables "
        "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name"
    )
    return [str(row["name"]) for row in rows]


def columns(tx: Tx, table: str) -> dict[str, str]:
    """Column name -> declared type (lower case), in table order, from the catalogue."""
    if tx.dialect == "sqlite":
        rows = tx.rows("SELECT name, type FROM pragma_table_info(:t) ORDER BY cid", {"t": table})
        return {str(r["name"]): str(r["type"]).lower() for r in rows}
    rows = tx.rows(
        "SELECT column_name AS name, data_type AS type FROM information_schema.columns "
        "WHERE table_schema = current_schema() AND table_name = :t ORDER BY ordinal_position",
        {"t": table},
    )
    return {str(r["name"]): str(r["type"]).lower() for r in rows}


# A Discord id is a 64-bit snowflake: any BIGINT column could hold one. A column whose
# name says "user" in some way could too, whatever its type (a TEXT copy of an id).
_USERISH_NAME = re.compile(r"user|member|author|owner|(^|_)by($|_)|mention|ping")


def could_hold_a_user_id(name: str, declared: str) -> bool:
    return "bigint" in declared or bool(_USERISH_NAME.search(name))


def catalogue(tx: Tx) -> dict[str, dict[str, str]]:
    return {table: columns(tx, table) for table in tables(tx)}


# -- every row ---------------------------------------------------------------------------

RowDict = dict[str, Any]


def rows_of(tx: Tx, table: str) -> list[RowDict]:
    names = list(columns(tx, table))
    quoted = ", ".join(f'"{n}"' for n in names)
    return [{n: row[n] for n in names} for row in tx.rows(f'SELECT {quoted} FROM "{table}"')]


def snapshot(tx: Tx) -> dict[str, list[RowDict]]:
    """Every row of every table."""
    return {table: rows_of(tx, table) for table in tables(tx)}


def as_bag(rows: list[RowDict]) -> Counter[tuple[tuple[str, str], ...]]:
    """Rows as a multiset, comparable whatever order the database returned them in."""
    return Counter(tuple(sorted((k, repr(v)) for k, v in row.items())) for row in rows)


# -- what each table holds about members ------------------------------------------------


@dataclass(frozen=True)
class TableRule:
    """What `legday forget` and `legday export` must do with a table.

    guild: the column naming the server a row belongs to (None: the row belongs to no
        server, e.g. the bot's own bookkeeping).
    member: the column naming the member a row is about: forget deletes those rows,
        export shows them.
    author: the column crediting a member for the server's own content (a quote): forget
        erases the credit (sets it to 0) and keeps the content, export lists it.
    derived: the rows are counts over members, recomputed by forget; no member in them.
    not_users: columns that look as if they could hold a user id but hold something
        else, each with what it holds.
    """

    guild: str | None = None
    member: str | None = None
    author: str | None = None
    derived: bool = False
    not_users: Mapping[str, str] = field(default_factory=dict)

    def explained(self) -> set[str]:
        named = {self.guild, self.member, self.author} - {None}
        return {str(n) for n in named} | set(self.not_users)


#: One rule per table of the migrated schema. A new table (or a new column that could
#: hold a user id) fails `test_every_table_has_a_privacy_rule` until it is added here,
#: so nothing about a member can be stored without forget and export knowing.
PRIVACY_RULES: dict[str, TableRule] = {
    "alembic_version": TableRule(),
    "meta": TableRule(),
    "guilds": TableRule(
        guild="guild_id", not_users={"recap_channel_id": "the channel the weekly recap posts in"}
    ),
    "members": TableRule(guild="guild_id", member="user_id"),
    "checkins": TableRule(guild="guild_id", member="user_id"),
    "member_stats": TableRule(guild="guild_id", member="user_id"),
    "member_periods": TableRule(guild="guild_id", member="user_id"),
    "board_scores": TableRule(
        guild="guild_id",
        derived=True,
        not_users={"members": "how many members have a score: a count, not an id"},
    ),
    "quotes": TableRule(guild="guild_id", author="added_by"),
    "schedules": TableRule(
        guild="guild_id",
        not_users={"channel_id": "the channel a reminder posts in", "role_id": "the role it pings"},
    ),
    "deliveries": TableRule(not_users={"message_id": "the reminder message the bot posted"}),
    "member_pauses": TableRule(guild="guild_id", member="user_id"),
    "weekly_posts": TableRule(
        guild="guild_id",
        not_users={
            "channel_id": "the channel a recap or celebration posts in",
            "message_id": "the message the bot posted",
        },
    ),
    "member_nudges": TableRule(
        guild="guild_id",
        member="user_id",
        not_users={"message_id": "the message (or DM) the bot sent the member"},
    ),
    "lift_sets": TableRule(guild="guild_id", member="user_id"),
}


def unexplained_columns(cat: Mapping[str, Mapping[str, str]]) -> list[str]:
    """`table.column` for every table without a rule and every column that could hold a
    user id without its rule saying what it holds."""
    problems: list[str] = []
    for table, cols in cat.items():
        rule = PRIVACY_RULES.get(table)
        if rule is None:
            problems.append(f"{table} (no rule at all)")
            continue
        for name, declared in cols.items():
            if could_hold_a_user_id(name, declared) and name not in rule.explained():
                problems.append(f"{table}.{name} ({declared})")
        for name in rule.explained() - set(cols):
            problems.append(f"{table}.{name} (in the rule, not in the table)")
    return problems


def belongs_to(rule: TableRule, row: RowDict, guild_id: int, user_id: int) -> bool:
    """The row is about (or credits) this member in this server."""
    column = rule.member or rule.author
    if column is None or rule.guild is None:
        return False
    return bool(row[rule.guild] == guild_id and row[column] == user_id)


#: a run of this many characters of the token is a leak (a log that shows "the last 20
#: characters" leaks them; shorter runs of a random string match by chance only)
TOKEN_WINDOW = 12


def token_pieces(token: str) -> list[str]:
    """What would give the token away: the token, each dot-separated base64 piece, the
    whole token base64-encoded (a Basic header, a dumped request), and every run of
    TOKEN_WINDOW characters of it (a truncated or partly masked token)."""
    import base64

    raw = token.encode()
    pieces = [
        token,
        *token.split("."),
        base64.b64encode(raw).decode().rstrip("="),
        base64.urlsafe_b64encode(raw).decode().rstrip("="),
    ]
    for piece in token.split("."):
        pieces += [piece[i : i + TOKEN_WINDOW] for i in range(len(piece) - TOKEN_WINDOW + 1)]
    # A piece of a few characters ("fake") would match ordinary text; real pieces are long.
    return [p for p in dict.fromkeys(pieces) if len(p) >= 8]
