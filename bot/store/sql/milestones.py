"""Milestone roles (`milestone_roles`) and the ledger of the roles the bot gave or took
(`member_roles`). Only storage here: which changes to make is `core.milestones`' call."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from bot.core.milestones import HELD, Milestone, RoleChange, RoleState
from bot.core.shards import EVERYTHING, ShardScope
from bot.store.tx import Tx

_MEMBER = "guild_id = :guild_id AND user_id = :user_id"
_ROW = _MEMBER + " AND role_id = :role_id"
_HELD = "(" + ", ".join(f"'{state.value}'" for state in sorted(HELD)) + ")"


# --- milestones ---------------------------------------------------------------------------


def of_guild(tx: Tx, guild_id: int) -> list[Milestone]:
    rows = tx.rows(
        "SELECT weeks, role_id, remove_on_break, problem FROM milestone_roles "
        "WHERE guild_id = :guild_id ORDER BY weeks",
        {"guild_id": guild_id},
    )
    return [
        Milestone(row["weeks"], row["role_id"], bool(row["remove_on_break"]), row["problem"])
        for row in rows
    ]


def save(tx: Tx, guild_id: int, milestone: Milestone) -> None:
    """Add the milestone, or replace the one of the same number of weeks."""
    tx.execute(
        "INSERT INTO milestone_roles (guild_id, weeks, role_id, remove_on_break, problem) "
        "VALUES (:guild_id, :weeks, :role_id, :remove, :problem) "
        "ON CONFLICT (guild_id, weeks) DO UPDATE SET role_id = excluded.role_id, "
        "remove_on_break = excluded.remove_on_break, problem = excluded.problem",
        {
            "guild_id": guild_id,
            "weeks": milestone.weeks,
            "role_id": milestone.role_id,
            "remove": milestone.remove_on_break,
            "problem": milestone.problem,
        },
    )


def delete(tx: Tx, guild_id: int, weeks: int) -> bool:
    return (
        tx.execute(
            "DELETE FROM milestone_roles WHERE guild_id = :guild_id AND weeks = :weeks",
            {"guild_id": guild_id, "weeks": weeks},
        )
        == 1
    )


def report_problem(tx: Tx, guild_id: int, role_id: int, problem: str) -> Milestone | None:
    """Record why the role can't be given; returns the milestone only to the caller that
    recorded it first (the one who tells the admins), None when it was known already."""
    changed = tx.execute(
        "UPDATE milestone_roles SET problem = :problem "
        "WHERE guild_id = :guild_id AND role_id = :role_id AND problem IS NULL",
        {"guild_id": guild_id, "role_id": role_id, "problem": problem[:200]},
    )
    if changed != 1:
        return None
    return next((m for m in of_guild(tx, guild_id) if m.role_id == role_id), None)


def clear_problem(tx: Tx, guild_id: int, role_id: int) -> bool:
    return (
        tx.execute(
            "UPDATE milestone_roles SET problem = NULL "
            "WHERE guild_id = :guild_id AND role_id = :role_id AND problem IS NOT NULL",
            {"guild_id": guild_id, "role_id": role_id},
        )
        == 1
    )


def unstick(tx: Tx, guild_id: int, role_id: int, now: datetime) -> None:
    """The role can be changed again: removals that failed are owed again (the sweep, or
    the member's next change of streak, claims them)."""
    tx.execute(
        "UPDATE member_roles SET state = 'granted', updated_at = :now "
        "WHERE guild_id = :guild_id AND role_id = :role_id AND state = 'stuck'",
        {"guild_id": guild_id, "role_id": role_id, "now": now},
    )


# --- the ledger ---------------------------------------------------------------------------


def ledger(tx: Tx, guild_id: int, user_id: int) -> dict[int, RoleState]:
    rows = tx.rows(
        f"SELECT role_id, state FROM member_roles WHERE {_MEMBER}",
        {"guild_id": guild_id, "user_id": user_id},
    )
    return {row["role_id"]: RoleState(row["state"]) for row in rows}


def claim(tx: Tx, guild_id: int, user_id: int, change: RoleChange, now: datetime) -> bool:
    """Claim the change for this caller: True when no one else has (a grant of a role the
    bot does not hold for the member, or a removal of one it does)."""
    key = {"guild_id": guild_id, "user_id": user_id, "role_id": change.role_id, "now": now}
    if change.grant:
        inserted = tx.execute(
            "INSERT INTO member_roles (guild_id, user_id, role_id, state, error, updated_at) "
            "VALUES (:guild_id, :user_id, :role_id, 'granting', NULL, :now) "
            "ON CONFLICT (guild_id, user_id, role_id) DO NOTHING",
            key,
        )
        if inserted == 1:
            return True
        return (
            tx.execute(
                "UPDATE member_roles SET state = 'granting', error = NULL, updated_at = :now "
                f"WHERE {_ROW} AND state NOT IN {_HELD}",
                key,
            )
            == 1
        )
    return (
        tx.execute(
            "UPDATE member_roles SET state = 'removing', error = NULL, updated_at = :now "
            f"WHERE {_ROW} AND state IN {_HELD}",
            key,
        )
        == 1
    )


def pending(tx: Tx, guild_id: int, user_id: int) -> list[tuple[int, RoleState]]:
    """The member's claims not yet carried out: (role, `granting` or `removing`)."""
    rows = tx.rows(
        f"SELECT role_id, state FROM member_roles WHERE {_MEMBER} "
        "AND state IN ('granting', 'removing') ORDER BY role_id",
        {"guild_id": guild_id, "user_id": user_id},
    )
    return [(row["role_id"], RoleState(row["state"])) for row in rows]


def members_pending(tx: Tx, scope: ShardScope = EVERYTHING) -> list[tuple[int, int]]:
    """Every (server, member) of the scope with a claim a crash may have cut off."""
    rows = tx.rows(
        "SELECT DISTINCT guild_id, user_id FROM member_roles "
        f"WHERE state IN ('granting', 'removing') AND {scope.where()} "
        "ORDER BY guild_id, user_id"
    )
    return [(row["guild_id"], row["user_id"]) for row in rows]


def finish(
    tx: Tx,
    guild_id: int,
    user_id: int,
    role_id: int,
    claimed: RoleState,
    outcome: RoleState,
    now: datetime,
    error: str | None = None,
) -> bool:
    """Record how a claimed change ended, unless a newer claim replaced it meanwhile."""
    return (
        tx.execute(
            "UPDATE member_roles SET state = :outcome, error = :error, updated_at = :now "
            f"WHERE {_ROW} AND state = :claimed",
            {
                "guild_id": guild_id,
                "user_id": user_id,
                "role_id": role_id,
                "claimed": claimed.value,
                "outcome": outcome.value,
                "error": None if error is None else error[:200],
                "now": now,
            },
        )
        == 1
    )


# --- set-based passes ----------------------------------------------------------------------

# The member's streak is below the milestone: it broke (no live streak: `alive_until` has
# passed, or no summary at all) or its run is shorter. While `alive_until` is ahead, the
# live streak is exactly `run` (see `core.streaks.live`).
_BELOW = (
    "NOT EXISTS (SELECT 1 FROM member_stats s WHERE s.guild_id = member_roles.guild_id "
    "AND s.user_id = member_roles.user_id AND s.alive_until > :now AND s.run >= m.weeks)"
)


def claim_broken(tx: Tx, now: datetime, scope: ShardScope = EVERYTHING) -> list[tuple[int, int]]:
    """Claim the removal of every role the bot gave (in the scope's servers) whose
    milestone is removed on a break and whose member's streak is now below it; returns
    the (server, member) pairs."""
    rows = tx.rows(
        "UPDATE member_roles SET state = 'removing', updated_at = :now "
        f"WHERE state = 'granted' AND {scope.where('member_roles.guild_id')} "
        "AND EXISTS (SELECT 1 FROM milestone_roles m "
        "WHERE m.guild_id = member_roles.guild_id AND m.role_id = member_roles.role_id "
        f"AND m.remove_on_break = :yes AND m.problem IS NULL AND {_BELOW}) "
        "RETURNING guild_id, user_id",
        {"now": now, "yes": True},
    )
    return sorted({(row["guild_id"], row["user_id"]) for row in rows})


def next_break(tx: Tx, now: datetime, scope: ShardScope = EVERYTHING) -> datetime | None:
    """The earliest instant a streak of a member (of the scope's servers) holding a role
    the bot would take away on a break ends (None: no such member)."""
    found: datetime | None = tx.scalar(
        "SELECT s.alive_until FROM member_stats s JOIN member_roles r "
        "ON r.guild_id = s.guild_id AND r.user_id = s.user_id "
        "JOIN milestone_roles m ON m.guild_id = r.guild_id AND m.role_id = r.role_id "
        "WHERE r.state = 'granted' AND m.remove_on_break = :yes AND m.problem IS NULL "
        f"AND s.alive_until > :now AND {scope.where('r.guild_id')} "
        "ORDER BY s.alive_until LIMIT 1",
        {"now": now, "yes": True},
    )
    return found


def claim_reached(tx: Tx, guild_id: int, milestone: Milestone, now: datetime) -> list[int]:
    """Claim the milestone's role for every member whose live streak has reached it and
    who does not hold it from the bot; returns the members."""
    params = {"guild_id": guild_id, "role_id": milestone.role_id, "weeks": milestone.weeks}
    candidates = [
        row["user_id"]
        for row in tx.rows(
            "SELECT s.user_id FROM member_stats s WHERE s.guild_id = :guild_id "
            "AND s.alive_until > :now AND s.run >= :weeks AND NOT EXISTS (SELECT 1 FROM "
            "member_roles r WHERE r.guild_id = s.guild_id AND r.user_id = s.user_id "
            f"AND r.role_id = :role_id AND r.state IN {_HELD}) ORDER BY s.user_id",
            {**params, "now": now},
        )
    ]
    change = RoleChange(milestone.role_id, True, milestone.weeks)
    return [user_id for user_id in candidates if claim(tx, guild_id, user_id, change, now)]


# --- a member's data ---------------------------------------------------------------------


def export_member(tx: Tx, guild_id: int, user_id: int) -> list[dict[str, object]]:
    rows = tx.rows(
        f"SELECT role_id, state, error, updated_at FROM member_roles WHERE {_MEMBER} "
        "ORDER BY role_id",
        {"guild_id": guild_id, "user_id": user_id},
    )
    return [
        {
            "role_id": str(row["role_id"]),
            "state": row["state"],
            "error": row["error"],
            "updated_at": row["updated_at"].isoformat(),
        }
        for row in rows
    ]


def forget_member(tx: Tx, guild_id: int, user_id: int) -> list[int]:
    """Delete the member's ledger; returns the roles the bot had given them."""
    held = [role_id for role_id, state in ledger(tx, guild_id, user_id).items() if state in HELD]
    tx.execute(
        f"DELETE FROM member_roles WHERE {_MEMBER}", {"guild_id": guild_id, "user_id": user_id}
    )
    return sorted(held)


def roles_of(milestones: Iterable[Milestone]) -> dict[int, Milestone]:
    return {m.role_id: m for m in milestones}
