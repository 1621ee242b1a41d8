"""Milestone roles: the admins' list of them, and keeping each member's roles in step with
their streak.

A change of a member's roles is claimed in the ledger inside the unit of work that changed
the streak (a check-in, a backfill, an undo), so however many of them race, one claims it;
the call to Discord happens afterwards, off the reply's path (`services.roles`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot.core import milestones as rules
from bot.core.milestones import Milestone, RoleChange
from bot.store import Tx
from bot.store.sql import milestones as milestones_sql
from bot.usecases.cache import SettingsCache
from bot.usecases.services import Services


def keep_in_step(
    tx: Tx, cache: SettingsCache, guild_id: int, user_id: int, streak: int, now: datetime
) -> tuple[RoleChange, ...]:
    """Claim the role changes that make the member hold exactly the milestone roles their
    live streak has reached; returns the changes this call claimed (most servers have no
    milestones: one cached look, no query)."""
    milestones = cache.milestones(tx, guild_id)
    if not milestones:
        return ()
    ledger = milestones_sql.ledger(tx, guild_id, user_id)
    return tuple(
        change
        for change in rules.plan(streak, milestones, ledger)
        if milestones_sql.claim(tx, guild_id, user_id, change, now)
    )


# --- the admins' commands -----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Added:
    milestone: Milestone
    replaced: Milestone | None = None  # the same milestone as it was (added again)
    taken_by: Milestone | None = None  # refused: another milestone has these weeks or role
    reached: int = 0  # members whose streak has reached it already, getting it now


async def add(
    services: Services,
    guild_id: int,
    weeks: int,
    role_id: int,
    *,
    remove_on_break: bool,
    problem: str | None,
) -> Added:
    """Add a milestone (or the same one again: its setting is updated and a problem
    recorded on it is forgotten, so giving the role is tried afresh). `problem`: what the
    bot already knows stands in the way (it is saved, so the admins see it in the list,
    and nothing is tried until it is fixed). Members whose streak has reached it get it."""
    rules.check_weeks(weeks)
    wanted = Milestone(weeks, role_id, remove_on_break, problem)
    now = services.now()

    def work(tx: Tx) -> tuple[Added, list[int]]:
        existing = milestones_sql.of_guild(tx, guild_id)
        same_weeks = next((m for m in existing if m.weeks == weeks), None)
        same_role = next((m for m in existing if m.role_id == role_id), None)
        if same_weeks is not None and same_weeks.role_id != role_id:
            return Added(wanted, taken_by=same_weeks), []
        if same_role is not None and same_role.weeks != weeks:
            return Added(wanted, taken_by=same_role), []
        milestones_sql.save(tx, guild_id, wanted)
        if problem is None:
            milestones_sql.unstick(tx, guild_id, role_id, now)
        services.cache.forget_milestones(guild_id)
        members = [] if problem else milestones_sql.claim_reached(tx, guild_id, wanted, now)
        return Added(wanted, replaced=same_weeks, reached=len(members)), members

    added, members = await services.store.run(work)
    services.cache.forget_milestones(guild_id)
    if added.taken_by is None:
        for user_id in members:
            services.roles.apply(guild_id, user_id)
        if remove_on_break and problem is None:
            services.roles.sweep()  # a milestone added again may now take roles away
    return added


async def remove(services: Services, guild_id: int, weeks: int) -> Milestone | None:
    """Stop giving the milestone's role (members keep the ones they got); None when there
    is no such milestone."""

    def work(tx: Tx) -> Milestone | None:
        found = next((m for m in milestones_sql.of_guild(tx, guild_id) if m.weeks == weeks), None)
        if found is not None:
            milestones_sql.delete(tx, guild_id, weeks)
            services.cache.forget_milestones(guild_id)
        return found

    found: Milestone | None = await services.store.run(work)
    services.cache.forget_milestones(guild_id)
    return found


async def listing(services: Services, guild_id: int) -> list[Milestone]:
    found: list[Milestone] = await services.store.read(
        lambda tx: milestones_sql.of_guild(tx, guild_id)
    )
    return found
