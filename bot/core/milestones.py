"""Milestone roles: a role a member holds while their weekly streak has reached a number
of weeks.

The bot keeps a ledger of the milestone roles it gave or took, one row per (member, role),
so it changes a role once however many check-ins race, and never takes away a role it did
not give. This module decides, from a streak and that ledger, which roles to give and
which to take; the store claims each change before anyone calls Discord.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from bot.core.errors import InputError

MIN_WEEKS = 1
MAX_WEEKS = 520  # ten years of weeks


class RoleState(StrEnum):
    """Where a (member, role) row of the ledger stands. A claim (`granting`, `removing`)
    is written before the call to Discord and finished after it; a claim a crash left
    behind is finished at the next start (adding or removing a role twice is harmless)."""

    GRANTING = "granting"
    GRANTED = "granted"
    FAILED = "failed"  # a grant that did not happen: the member does not hold the role
    REMOVING = "removing"
    REMOVED = "removed"
    STUCK = "stuck"  # a removal that did not happen: the member still holds the role


#: States in which the member holds the role because the bot gave it.
HELD = frozenset({RoleState.GRANTING, RoleState.GRANTED, RoleState.STUCK})
#: Claims whose call to Discord has not been confirmed.
PENDING = frozenset({RoleState.GRANTING, RoleState.REMOVING})


@dataclass(frozen=True, slots=True)
class Milestone:
    weeks: int
    role_id: int
    remove_on_break: bool = False
    problem: str | None = None  # why the bot can't give the role (None: it can)


@dataclass(frozen=True, slots=True)
class RoleChange:
    role_id: int
    grant: bool  # True: give the role; False: take it away
    weeks: int  # the milestone it belongs to


def check_weeks(weeks: int) -> int:
    if not MIN_WEEKS <= weeks <= MAX_WEEKS:
        raise InputError(
            "weeks", f"{weeks} is out of range", f"{MIN_WEEKS} to {MAX_WEEKS} weeks", "4"
        )
    return weeks


def plan(
    streak: int, milestones: Iterable[Milestone], ledger: Mapping[int, RoleState]
) -> list[RoleChange]:
    """The changes that make the member hold exactly the milestone roles `streak` has
    reached: give each reached role the bot has not given (a failed grant is tried again
    with the next change of streak, never in a loop); take away each role above the
    streak that the bot gave, when its milestone says so. A milestone with a problem is
    left alone until an admin fixes it. Lowest milestone first."""
    changes = []
    for milestone in sorted(milestones, key=lambda m: m.weeks):
        if milestone.problem is not None:
            continue
        held = ledger.get(milestone.role_id) in HELD
        if streak >= milestone.weeks and not held:
            changes.append(RoleChange(milestone.role_id, True, milestone.weeks))
        elif streak < milestone.weeks and held and milestone.remove_on_break:
            changes.append(RoleChange(milestone.role_id, False, milestone.weeks))
    return changes


def earned(changes: Iterable[RoleChange]) -> list[RoleChange]:
    """The grants among `changes`: what a check-in's reply announces."""
    return [change for change in changes if change.grant]


# --- what the admins are told -----------------------------------------------------------

MISSING_MANAGE_ROLES = "I don't have the Manage Roles permission"
ROLE_TOO_HIGH = "that role is not below my highest role"
ROLE_GONE = "the role was deleted"
ROLE_MANAGED = "that role is managed by an integration"
REFUSED = "Discord refused: I need Manage Roles, and that role must be below my highest role"


def problem_text(weeks: int, role_id: int, problem: str) -> str:
    """The one message the server's admins get when a milestone's role can't be given."""
    if problem == ROLE_GONE:
        fix = "add the milestone again with another role: `/legday-admin milestones add`"
    else:
        fix = (
            "give me Manage Roles and move my role above it (I notice that by myself), "
            "or run `/legday-admin milestones add` for it again"
        )
    return (
        f"⚠️ I can't give <@&{role_id}> for the {weeks}-week streak milestone: {problem}. "
        f"I won't try again until it's fixed: {fix}."
    )
