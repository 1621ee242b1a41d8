"""`board_scores`: how many visible members have each score on each board.

Kept in step by the use cases in the same unit of work as the rows they summarise, so
a board's size and a member's rank are sums over its distinct scores (at most a few
hundred) rather than counts over all its members.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from bot.store.tx import Tx

# The `start` of the boards that have no period: all-time totals ("t"), best streaks ("b").
TIMELESS = date(1, 1, 1)

_KEY = "guild_id = :guild_id AND board = :board AND start = :start"


def move(tx: Tx, guild_id: int, moves: Iterable[tuple[str, date, int, int]]) -> None:
    """One member's score went from `old` to `new` on each (board, start); 0 means "not
    on the board". One statement: a score left counts -1, a score reached +1. Counts
    that fall to zero stay as rows of zero (they add nothing to a sum)."""
    params: dict[str, object] = {"guild_id": guild_id}
    values: list[str] = []
    for board, start, old, new in moves:
        if old == new:
            continue
        for score, step in ((old, -1), (new, +1)):
            if score > 0:
                n = len(values)
                params.update({f"b{n}": board, f"s{n}": start, f"v{n}": score, f"d{n}": step})
                values.append(f"(:guild_id, :b{n}, :s{n}, :v{n}, :d{n})")
    if values:
        tx.execute(
            "INSERT INTO board_scores (guild_id, board, start, score, members) "
            f"VALUES {', '.join(values)} ON CONFLICT (guild_id, board, start, score) "
            "DO UPDATE SET members = board_scores.members + excluded.members",
            params,
        )


def recount(tx: Tx, guild_id: int) -> None:
    """Every board of one server counted again from its summary rows."""
    params = {"guild_id": guild_id, "no": False, "timeless": TIMELESS}
    tx.execute("DELETE FROM board_scores WHERE guild_id = :guild_id", params)
    tx.execute(
        "INSERT INTO board_scores (guild_id, board, start, score, members) "
        "SELECT guild_id, kind, start, count, count(*) FROM member_periods "
        "WHERE guild_id = :guild_id AND hidden = :no AND count > 0 "
        "GROUP BY guild_id, kind, start, count",
        params,
    )
    for board, column in (("t", "total"), ("b", "best")):
        tx.execute(
            "INSERT INTO board_scores (guild_id, board, start, score, members) "
            f"SELECT guild_id, '{board}', :timeless, {column}, count(*) FROM member_stats "
            f"WHERE guild_id = :guild_id AND hidden = :no AND {column} > 0 "
            f"GROUP BY guild_id, {column}",
            params,
        )


def size(tx: Tx, guild_id: int, board: str, start: date) -> int:
    """Visible members on the board."""
    total = tx.scalar(
        f"SELECT sum(members) FROM board_scores WHERE {_KEY}",
        {"guild_id": guild_id, "board": board, "start": start},
    )
    return int(total or 0)


def ahead(tx: Tx, guild_id: int, board: str, start: date, score: int) -> int:
    """Visible members with a higher score than `score`."""
    total = tx.scalar(
        f"SELECT sum(members) FROM board_scores WHERE {_KEY} AND score > :score",
        {"guild_id": guild_id, "board": board, "start": start, "score": score},
    )
    return int(total or 0)


def all_scores(tx: Tx, guild_id: int) -> set[tuple[str, date, int, int]]:
    rows = tx.rows(
        "SELECT board, start, score, members FROM board_scores "
        "WHERE guild_id = :guild_id AND members > 0",
        {"guild_id": guild_id},
    )
    return {(row["board"], row["start"], row["score"], row["members"]) for row in rows}
