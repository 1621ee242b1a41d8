"""Leaderboard pages: each one an ordered, indexed range of summary rows.

Ranks are competition ranks ("1, 2, 2, 4"): a member's rank is one more than the number
of visible members strictly ahead, which one indexed count answers.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from bot.store.records import BoardRow
from bot.store.tx import Tx

# --- a calendar period: week, month or year --------------------------------------------------

_PERIOD = "guild_id = :guild_id AND kind = :kind AND start = :start AND hidden = :no"


def period_page(
    tx: Tx, guild_id: int, kind: str, start: date, offset: int, limit: int
) -> list[BoardRow]:
    rows = tx.rows(
        f"SELECT user_id, count FROM member_periods WHERE {_PERIOD} AND count > 0 "
        "ORDER BY count DESC, user_id LIMIT :limit OFFSET :offset",
        _period(guild_id, kind, start, limit=limit, offset=offset),
    )
    return [BoardRow(row["user_id"], row["count"]) for row in rows]


def period_size(tx: Tx, guild_id: int, kind: str, start: date) -> int:
    return int(
        tx.scalar(
            f"SELECT count(*) FROM member_periods WHERE {_PERIOD} AND count > 0",
            _period(guild_id, kind, start),
        )
    )


def period_ahead(tx: Tx, guild_id: int, kind: str, start: date, count: int) -> int:
    """Visible members with more check-ins in the period than `count`."""
    return int(
        tx.scalar(
            f"SELECT count(*) FROM member_periods WHERE {_PERIOD} AND count > :count",
            _period(guild_id, kind, start, count=count),
        )
    )


def period_entry(tx: Tx, guild_id: int, user_id: int, kind: str, start: date) -> BoardRow | None:
    """The member's row, if they are on this board (visible, at least one check-in)."""
    row = tx.first(
        "SELECT count FROM member_periods WHERE guild_id = :guild_id AND user_id = :user_id "
        "AND kind = :kind AND start = :start AND hidden = :no AND count > 0",
        _period(guild_id, kind, start, user_id=user_id),
    )
    return None if row is None else BoardRow(user_id, row["count"])


def _period(guild_id: int, kind: str, start: date, **more: object) -> dict[str, object]:
    return {"guild_id": guild_id, "kind": kind, "start": start, "no": False, **more}


# --- all time ------------------------------------------------------------------------------

_ALL = "guild_id = :guild_id AND hidden = :no"


def total_page(tx: Tx, guild_id: int, offset: int, limit: int) -> list[BoardRow]:
    rows = tx.rows(
        f"SELECT user_id, total FROM member_stats WHERE {_ALL} AND total > 0 "
        "ORDER BY total DESC, user_id LIMIT :limit OFFSET :offset",
        {"guild_id": guild_id, "no": False, "limit": limit, "offset": offset},
    )
    return [BoardRow(row["user_id"], row["total"]) for row in rows]


def total_size(tx: Tx, guild_id: int) -> int:
    return int(
        tx.scalar(
            f"SELECT count(*) FROM member_stats WHERE {_ALL} AND total > 0",
            {"guild_id": guild_id, "no": False},
        )
    )


def total_ahead(tx: Tx, guild_id: int, total: int) -> int:
    return int(
        tx.scalar(
            f"SELECT count(*) FROM member_stats WHERE {_ALL} AND total > :total",
            {"guild_id": guild_id, "no": False, "total": total},
        )
    )


def total_entry(tx: Tx, guild_id: int, user_id: int) -> BoardRow | None:
    row = tx.first(
        "SELECT total FROM member_stats WHERE guild_id = :guild_id AND user_id = :user_id "
        "AND hidden = :no AND total > 0",
        {"guild_id": guild_id, "user_id": user_id, "no": False},
    )
    return None if row is None else BoardRow(user_id, row["total"])


# --- current streaks -------------------------------------------------------------------------
# A streak is "alive" until its `alive_until` instant. Members with a live streak rank by
# (streak, best, total); everyone else with a best streak follows, by (best, total).

_ALIVE = "guild_id = :guild_id AND hidden = :no AND alive_until > :now"
_RESTING = (
    "guild_id = :guild_id AND hidden = :no AND best > 0 "
    "AND (alive_until IS NULL OR alive_until <= :now)"
)


def streak_page(
    tx: Tx, guild_id: int, now: datetime, offset: int, limit: int, alive: Callable[[], int]
) -> list[BoardRow]:
    """Live streaks first, then the resting ones; `alive` counts the live ones (asked only
    when the page reaches past them)."""
    params: dict[str, object] = {"guild_id": guild_id, "no": False, "now": now}
    rows = tx.rows(
        f"SELECT user_id, run, best, total FROM member_stats WHERE {_ALIVE} "
        "ORDER BY run DESC, best DESC, total DESC, user_id LIMIT :limit OFFSET :offset",
        {**params, "limit": limit, "offset": offset},
    )
    found = [BoardRow(r["user_id"], r["run"], r["best"], r["total"]) for r in rows]
    if len(found) < limit:
        rows = tx.rows(
            f"SELECT user_id, best, total FROM member_stats WHERE {_RESTING} "
            "ORDER BY best DESC, total DESC, user_id LIMIT :limit OFFSET :offset",
            {**params, "limit": limit - len(found), "offset": max(offset - alive(), 0)},
        )
        found += [BoardRow(r["user_id"], 0, r["best"], r["total"]) for r in rows]
    return found


def streak_alive_size(tx: Tx, guild_id: int, now: datetime) -> int:
    return int(
        tx.scalar(
            f"SELECT count(*) FROM member_stats WHERE {_ALIVE}",
            {"guild_id": guild_id, "no": False, "now": now},
        )
    )


def streak_size(tx: Tx, guild_id: int) -> int:
    """Everyone on the streak board: anyone who ever had a streak (best > 0)."""
    return int(
        tx.scalar(
            "SELECT count(*) FROM member_stats WHERE guild_id = :guild_id AND hidden = :no "
            "AND best > 0",
            {"guild_id": guild_id, "no": False},
        )
    )


def streak_ahead(
    tx: Tx, guild_id: int, now: datetime, row: BoardRow, alive: Callable[[], int]
) -> int:
    """Visible members ranked strictly ahead of `row` on the streak board."""
    params = {
        "guild_id": guild_id,
        "no": False,
        "now": now,
        "run": row.score,
        "best": row.best,
        "total": row.total,
    }
    # Three ranges of the ordering index rather than one OR, which SQLite would scan whole.
    if row.score > 0:
        return sum(
            int(tx.scalar(f"SELECT count(*) FROM member_stats WHERE {_ALIVE} AND {part}", params))
            for part in (
                "run > :run",
                "run = :run AND best > :best",
                "run = :run AND best = :best AND total > :total",
            )
        )
    resting = sum(
        int(tx.scalar(f"SELECT count(*) FROM member_stats WHERE {_RESTING} AND {part}", params))
        for part in ("best > :best", "best = :best AND total > :total")
    )
    return alive() + resting


def streak_entry(tx: Tx, guild_id: int, user_id: int, now: datetime) -> BoardRow | None:
    row = tx.first(
        "SELECT run, best, total, alive_until FROM member_stats WHERE guild_id = :guild_id "
        "AND user_id = :user_id AND hidden = :no AND best > 0",
        {"guild_id": guild_id, "user_id": user_id, "no": False},
    )
    if row is None:
        return None
    alive = row["alive_until"] is not None and row["alive_until"] > now
    return BoardRow(user_id, row["run"] if alive else 0, row["best"], row["total"])
