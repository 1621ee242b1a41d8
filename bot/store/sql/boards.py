"""Leaderboard pages: each one an ordered, indexed range of summary rows.

Ranks are competition ranks ("1, 2, 2, 4"): a member's rank is one more than the number
of visible members strictly ahead. On the calendar and all-time boards `board_scores`
answers that (and the board's size) from its few rows per distinct score; on the streak
board, whose order changes as streaks expire, ranges of the ordering index do.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime

from bot.store.records import BoardRow
from bot.store.sql import scores
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
    return scores.size(tx, guild_id, kind, start)


def period_ahead(tx: Tx, guild_id: int, kind: str, start: date, count: int) -> int:
    """Visible members with more check-ins in the period than `count`."""
    return scores.ahead(tx, guild_id, kind, start, count)


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
    return scores.size(tx, guild_id, "t", scores.TIMELESS)


def total_ahead(tx: Tx, guild_id: int, total: int) -> int:
    return scores.ahead(tx, guild_id, "t", scores.TIMELESS, total)


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
    return scores.size(tx, guild_id, "b", scores.TIMELESS)


def streak_ahead(tx: Tx, guild_id: int, now: datetime, row: BoardRow) -> int:
    """Visible members ranked strictly ahead of `row` on the streak board.

    One pass over the live streaks (their own index, usually far fewer than the members)
    counts the live ones ahead; for a resting row, the live ones all are, and the resting
    ones ahead are those with a better best (every member by best, from `board_scores`,
    less the live ones) or the same best and a higher total (a small range).
    """
    params = {
        "guild_id": guild_id,
        "no": False,
        "now": now,
        "run": row.score,
        "best": row.best,
        "total": row.total,
    }
    alive = tx.first(
        "SELECT count(*) AS alive, "
        "coalesce(sum(CASE WHEN run > :run OR (run = :run AND best > :best) "
        "OR (run = :run AND best = :best AND total > :total) THEN 1 ELSE 0 END), 0) AS ahead, "
        "coalesce(sum(CASE WHEN best > :best THEN 1 ELSE 0 END), 0) AS better_best "
        f"FROM member_stats WHERE {_ALIVE}",
        params,
    )
    assert alive is not None
    if row.score > 0:
        return int(alive["ahead"])
    better_best = scores.ahead(tx, guild_id, "b", scores.TIMELESS, row.best)
    tied_higher_total = tx.scalar(
        f"SELECT count(*) FROM member_stats WHERE {_RESTING} AND best = :best AND total > :total",
        params,
    )
    return int(alive["alive"]) + better_best - int(alive["better_best"]) + int(tied_higher_total)


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
