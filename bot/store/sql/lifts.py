"""The sets parsed from check-in notes (`lift_sets`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from bot.core.lifts import Lift
from bot.store.tx import Row, Tx

_MEMBER = "guild_id = :guild_id AND user_id = :user_id"


@dataclass(frozen=True, slots=True)
class LoggedSet:
    day: date
    lift: Lift


@dataclass(frozen=True, slots=True)
class BestRow:
    """A member's heaviest weight for one rep count in one unit (of one exercise)."""

    user_id: int
    lift: Lift  # sets is 1: only the weight and the reps matter


def _lift(row: Row) -> Lift:
    return Lift(row["exercise"], row["sets"], row["reps"], row["weight_centi"], row["unit"])


def insert(tx: Tx, guild_id: int, user_id: int, day: date, lifts: Sequence[Lift]) -> None:
    """The day's sets, numbered in the order written."""
    if not lifts:
        return
    tx.execute_many(
        "INSERT INTO lift_sets (guild_id, user_id, day, seq, exercise, sets, reps, "
        "weight_centi, unit) VALUES (:guild_id, :user_id, :day, :seq, :exercise, :sets, "
        ":reps, :weight_centi, :unit)",
        [
            {
                "guild_id": guild_id,
                "user_id": user_id,
                "day": day,
                "seq": seq,
                "exercise": lift.exercise,
                "sets": lift.sets,
                "reps": lift.reps,
                "weight_centi": lift.weight_centi,
                "unit": lift.unit,
            }
            for seq, lift in enumerate(lifts)
        ],
    )


def delete_day(tx: Tx, guild_id: int, user_id: int, day: date) -> int:
    return tx.execute(
        f"DELETE FROM lift_sets WHERE {_MEMBER} AND day = :day",
        {"guild_id": guild_id, "user_id": user_id, "day": day},
    )


def delete_member(tx: Tx, guild_id: int, user_id: int) -> int:
    return tx.execute(
        f"DELETE FROM lift_sets WHERE {_MEMBER}", {"guild_id": guild_id, "user_id": user_id}
    )


def recent(
    tx: Tx, guild_id: int, user_id: int, exercise: str | None, limit: int
) -> list[LoggedSet]:
    """The member's latest sets (of one exercise, or of all), newest first."""
    params: dict[str, object] = {"guild_id": guild_id, "user_id": user_id, "limit": limit}
    only = ""
    if exercise is not None:
        only = " AND exercise = :exercise"
        params["exercise"] = exercise
    rows = tx.rows(
        "SELECT day, exercise, sets, reps, weight_centi, unit FROM lift_sets "
        f"WHERE {_MEMBER}{only} ORDER BY day DESC, seq LIMIT :limit",
        params,
    )
    return [LoggedSet(row["day"], _lift(row)) for row in rows]


def member_bests(
    tx: Tx, guild_id: int, user_id: int, exercises: Sequence[str] | None = None
) -> list[Lift]:
    """The member's heaviest weight per exercise, rep count and unit (bodyweight sets
    left out): all a record needs, however long the history."""
    params: dict[str, object] = {"guild_id": guild_id, "user_id": user_id}
    only = ""
    if exercises is not None:
        if not exercises:
            return []
        names = {f"e{i}": name for i, name in enumerate(exercises)}
        only = f" AND exercise IN ({', '.join(':' + key for key in names)})"
        params.update(names)
    rows = tx.rows(
        "SELECT exercise, reps, unit, MAX(weight_centi) AS weight_centi FROM lift_sets "
        f"WHERE {_MEMBER}{only} AND weight_centi > 0 GROUP BY exercise, reps, unit",
        params,
    )
    return [
        Lift(row["exercise"], 1, row["reps"], int(row["weight_centi"]), row["unit"]) for row in rows
    ]


def has_exercise(tx: Tx, guild_id: int, exercise: str, user_id: int | None = None) -> bool:
    """Someone in the server (or the member) has logged the exercise."""
    params: dict[str, object] = {"guild_id": guild_id, "exercise": exercise}
    member = ""
    if user_id is not None:
        member = " AND user_id = :user_id"
        params["user_id"] = user_id
    found = tx.first(
        "SELECT 1 AS found FROM lift_sets WHERE guild_id = :guild_id AND exercise = :exercise"
        f"{member} LIMIT 1",
        params,
    )
    return found is not None


def popular_exercises(
    tx: Tx, guild_id: int, user_id: int | None = None, limit: int = 100
) -> list[str]:
    """The exercises logged most in the server (or by the member), most first: what a
    mistyped name is compared with, so a server of many made-up names stays cheap."""
    params: dict[str, object] = {"guild_id": guild_id, "limit": limit}
    member = ""
    if user_id is not None:
        member = " AND user_id = :user_id"
        params["user_id"] = user_id
    rows = tx.rows(
        f"SELECT exercise, COUNT(*) AS n FROM lift_sets WHERE guild_id = :guild_id{member} "
        "GROUP BY exercise ORDER BY n DESC, exercise LIMIT :limit",
        params,
    )
    return [row["exercise"] for row in rows]


def board_rows(tx: Tx, guild_id: int, exercise: str, max_reps: int) -> list[BestRow]:
    """Every visible member's heaviest weight per rep count (up to `max_reps`) and unit in
    one exercise: at most a couple of dozen rows a member, from the exercise's index."""
    rows = tx.rows(
        "SELECT s.user_id, s.reps, s.unit, MAX(s.weight_centi) AS weight_centi "
        "FROM lift_sets s LEFT JOIN members m "
        "ON m.guild_id = s.guild_id AND m.user_id = s.user_id "
        "WHERE s.guild_id = :guild_id AND s.exercise = :exercise AND s.weight_centi > 0 "
        "AND s.reps <= :max_reps AND (m.hidden IS NULL OR m.hidden = :no) "
        "GROUP BY s.user_id, s.reps, s.unit",
        {"guild_id": guild_id, "exercise": exercise, "max_reps": max_reps, "no": False},
    )
    return [
        BestRow(
            row["user_id"],
            Lift(exercise, 1, row["reps"], int(row["weight_centi"]), row["unit"]),
        )
        for row in rows
    ]


def export_rows(tx: Tx, guild_id: int, user_id: int) -> list[LoggedSet]:
    rows = tx.rows(
        "SELECT day, exercise, sets, reps, weight_centi, unit FROM lift_sets "
        f"WHERE {_MEMBER} ORDER BY day, seq",
        {"guild_id": guild_id, "user_id": user_id},
    )
    return [LoggedSet(row["day"], _lift(row)) for row in rows]
