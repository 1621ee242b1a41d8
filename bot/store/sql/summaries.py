"""The summary rows kept beside the check-ins: `member_stats` and `member_periods`.

Only storage here: which values they hold is decided by the use cases.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime

from bot.store.records import Summary
from bot.store.tx import Tx

FIELDS = (
    "total",
    "last_day",
    "week",
    "week_count",
    "run",
    "run_week",
    "best",
    "shields",
    "in_row",
)
_COLUMNS = ", ".join(FIELDS)

_READ = (
    f"SELECT {_COLUMNS}, hidden FROM member_stats WHERE guild_id = :guild_id AND user_id = :user_id"
)
_WRITE = (
    f"INSERT INTO member_stats (guild_id, user_id, {_COLUMNS}, hidden, alive_until) "
    f"VALUES (:guild_id, :user_id, {', '.join(':' + name for name in FIELDS)}, :hidden, "
    ":alive_until) ON CONFLICT (guild_id, user_id) DO UPDATE SET "
    + ", ".join(f"{name} = excluded.{name}" for name in (*FIELDS, "hidden", "alive_until"))
)
_DROP_EMPTY = (
    "DELETE FROM member_periods WHERE guild_id = :guild_id AND user_id = :user_id AND count <= 0"
)


def read(tx: Tx, guild_id: int, user_id: int, *, lock: bool = False) -> Summary | None:
    """The member's summary; `lock` holds it until the transaction ends, so two
    concurrent check-ins of one member apply one after the other (SQLite's single
    writer already does that; PostgreSQL needs a row to lock, even for a first one)."""
    return read_with_flag(tx, guild_id, user_id, lock=lock)[0]


def read_with_flag(
    tx: Tx, guild_id: int, user_id: int, *, lock: bool = False
) -> tuple[Summary | None, bool | None]:
    """The summary and the hidden flag it carries (None: no row yet)."""
    params = {"guild_id": guild_id, "user_id": user_id}
    if lock and tx.dialect == "postgresql":
        tx.execute(
            "INSERT INTO member_stats (guild_id, user_id, total, week_count, run, best) "
            "VALUES (:guild_id, :user_id, 0, 0, 0, 0) ON CONFLICT (guild_id, user_id) DO NOTHING",
            params,
        )
        row = tx.first(_READ + " FOR UPDATE", params)
    else:
        row = tx.first(_READ, params)
    if row is None or row["total"] == 0:  # (a zero row is only PostgreSQL's lock holder)
        return None, None
    return Summary(*(row[name] for name in FIELDS)), bool(row["hidden"])


def _values(
    guild_id: int, user_id: int, summary: Summary, hidden: bool, alive_until: datetime | None
) -> dict[str, object]:
    values: dict[str, object] = {name: getattr(summary, name) for name in FIELDS}
    values.update(guild_id=guild_id, user_id=user_id, hidden=hidden, alive_until=alive_until)
    return values


def write(
    tx: Tx,
    guild_id: int,
    user_id: int,
    summary: Summary,
    *,
    hidden: bool,
    alive_until: datetime | None,
) -> None:
    """Store the member's summary; a member with no check-ins left has no row."""
    if summary.total == 0:
        tx.execute(
            "DELETE FROM member_stats WHERE guild_id = :guild_id AND user_id = :user_id",
            {"guild_id": guild_id, "user_id": user_id},
        )
        return
    tx.execute(_WRITE, _values(guild_id, user_id, summary, hidden, alive_until))


def bump_periods(
    tx: Tx,
    guild_id: int,
    user_id: int,
    periods: Sequence[tuple[str, date]],
    delta: int,
    *,
    hidden: bool,
) -> list[int]:
    """Add `delta` to the member's count in each (kind, first day) period, in one
    statement; returns the new counts, in the same order."""
    params: dict[str, object] = {
        "guild_id": guild_id,
        "user_id": user_id,
        "delta": delta,
        "hidden": hidden,
    }
    values = []
    for index, (kind, start) in enumerate(periods):
        params[f"kind{index}"], params[f"start{index}"] = kind, start
        values.append(f"(:guild_id, :user_id, :kind{index}, :start{index}, :delta, :hidden)")
    rows = tx.rows(
        "INSERT INTO member_periods (guild_id, user_id, kind, start, count, hidden) "
        f"VALUES {', '.join(values)} ON CONFLICT (guild_id, user_id, kind, start) "
        "DO UPDATE SET count = member_periods.count + excluded.count "
        "RETURNING kind, start, count",
        params,
    )
    counts = {(row["kind"], row["start"]): int(row["count"]) for row in rows}
    if delta < 0:
        tx.execute(_DROP_EMPTY, {"guild_id": guild_id, "user_id": user_id})
    return [counts[period] for period in periods]


def member_periods(tx: Tx, guild_id: int, user_id: int) -> list[tuple[str, date, int]]:
    """Every (kind, first day, count) row of one member."""
    rows = tx.rows(
        "SELECT kind, start, count FROM member_periods "
        "WHERE guild_id = :guild_id AND user_id = :user_id",
        {"guild_id": guild_id, "user_id": user_id},
    )
    return [(row["kind"], row["start"], row["count"]) for row in rows]


def period_counts(
    tx: Tx, guild_id: int, user_id: int, periods: Iterable[tuple[str, date]]
) -> dict[tuple[str, date], int]:
    found = {}
    for kind, start in periods:
        count = tx.scalar(
            "SELECT count FROM member_periods WHERE guild_id = :guild_id AND user_id = :user_id "
            "AND kind = :kind AND start = :start",
            {"guild_id": guild_id, "user_id": user_id, "kind": kind, "start": start},
        )
        found[(kind, start)] = int(count or 0)
    return found


def set_hidden(tx: Tx, guild_id: int, user_id: int, hidden: bool) -> None:
    params = {"guild_id": guild_id, "user_id": user_id, "hidden": hidden}
    for table in ("member_stats", "member_periods"):
        tx.execute(
            f"UPDATE {table} SET hidden = :hidden "
            "WHERE guild_id = :guild_id AND user_id = :user_id",
            params,
        )


def all_of_guild(tx: Tx, guild_id: int) -> dict[int, Summary]:
    """Every member's summary in the server (for re-timing expiries, the recap)."""
    rows = tx.rows(
        f"SELECT user_id, {_COLUMNS} FROM member_stats WHERE guild_id = :guild_id",
        {"guild_id": guild_id},
    )
    return {row["user_id"]: Summary(*(row[name] for name in FIELDS)) for row in rows}


def set_alive_until(tx: Tx, guild_id: int, expiries: Iterable[tuple[int, datetime | None]]) -> None:
    tx.execute_many(
        "UPDATE member_stats SET alive_until = :alive_until "
        "WHERE guild_id = :guild_id AND user_id = :user_id",
        (
            {"guild_id": guild_id, "user_id": user_id, "alive_until": until}
            for user_id, until in expiries
        ),
    )


def delete_member(tx: Tx, guild_id: int, user_id: int) -> None:
    for table in ("member_stats", "member_periods"):
        tx.execute(
            f"DELETE FROM {table} WHERE guild_id = :guild_id AND user_id = :user_id",
            {"guild_id": guild_id, "user_id": user_id},
        )


def replace_guild(
    tx: Tx,
    guild_id: int,
    members: Iterable[tuple[int, Summary, bool, datetime | None]],
    periods: Iterable[tuple[int, str, date, int, bool]],
) -> None:
    """Swap every summary row of one server for the given ones."""
    for table in ("member_stats", "member_periods"):
        tx.execute(f"DELETE FROM {table} WHERE guild_id = :guild_id", {"guild_id": guild_id})
    tx.execute_many(
        _WRITE,
        (
            _values(guild_id, user_id, summary, hidden, until)
            for user_id, summary, hidden, until in members
            if summary.total
        ),
    )
    tx.execute_many(
        "INSERT INTO member_periods (guild_id, user_id, kind, start, count, hidden) "
        "VALUES (:guild_id, :user_id, :kind, :start, :count, :hidden)",
        (
            {
                "guild_id": guild_id,
                "user_id": user_id,
                "kind": kind,
                "start": start,
                "count": count,
                "hidden": hidden,
            }
            for user_id, kind, start, count, hidden in periods
        ),
    )


def all_summaries(tx: Tx, guild_id: int) -> dict[int, tuple[Summary, bool, datetime | None]]:
    """Every stored summary row of a server, for comparing against a recomputation."""
    rows = tx.rows(
        f"SELECT user_id, {_COLUMNS}, hidden, alive_until FROM member_stats "
        "WHERE guild_id = :guild_id",
        {"guild_id": guild_id},
    )
    return {
        row["user_id"]: (
            Summary(*(row[name] for name in FIELDS)),
            bool(row["hidden"]),
            row["alive_until"],
        )
        for row in rows
    }


def all_periods(tx: Tx, guild_id: int) -> set[tuple[int, str, date, int, bool]]:
    rows = tx.rows(
        "SELECT user_id, kind, start, count, hidden FROM member_periods WHERE guild_id = :guild_id",
        {"guild_id": guild_id},
    )
    return {
        (row["user_id"], row["kind"], row["start"], row["count"], bool(row["hidden"]))
        for row in rows
    }
