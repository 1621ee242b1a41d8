"""Milestone roles over a real store (SQLite, and PostgreSQL when configured): the admins'
list, the claims a check-in, a backfill or an undo makes, each once under concurrency,
the set-based sweep of streaks broken by time, and export/forget."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, datetime, timedelta

import pytest

from bot.core.errors import InputError
from bot.core.milestones import ROLE_TOO_HIGH, Milestone, RoleChange, RoleState
from bot.store import Store
from bot.store.sql import milestones as milestones_sql
from bot.usecases import checkins, milestones, privacy
from bot.usecases.services import Services
from tests.support import RecordingRoles, make_services

WED_NOON = datetime(2026, 11, 4, 12, 0, tzinfo=UTC)  # Wednesday of the week of 2 Nov
IRON, STEEL = 7_001, 7_002
_guilds = itertools.count(90_000)


class Clock:
    def __init__(self, now: datetime) -> None:
        self.current = now

    def __call__(self) -> datetime:
        return self.current


def setup(store: Store) -> tuple[int, Services, Clock, RecordingRoles]:
    clock = Clock(WED_NOON)
    services = make_services(store, clock)
    assert isinstance(services.roles, RecordingRoles)
    return next(_guilds), services, clock, services.roles


async def ledger(store: Store, guild: int, user: int) -> dict[int, RoleState]:
    return await store.read(lambda tx: milestones_sql.ledger(tx, guild, user))


async def check_in(services: Services, guild: int, user: int, day: str | None = None):
    source = "command" if day is None else "backfill"
    return await checkins.check_in(services, guild, user, source=source, day_text=day)


# --- the admins' list -----------------------------------------------------------------------


async def test_add_list_remove(store: Store):
    guild, services, _, _ = setup(store)
    added = await milestones.add(services, guild, 8, STEEL, remove_on_break=True, problem=None)
    assert added.taken_by is None and added.replaced is None and added.reached == 0
    await milestones.add(services, guild, 4, IRON, remove_on_break=False, problem=ROLE_TOO_HIGH)
    assert await milestones.listing(services, guild) == [
        Milestone(4, IRON, False, ROLE_TOO_HIGH),
        Milestone(8, STEEL, True, None),
    ]
    assert await milestones.remove(services, guild, 8) == Milestone(8, STEEL, True, None)
    assert await milestones.remove(services, guild, 8) is None
    assert [m.weeks for m in await milestones.listing(services, guild)] == [4]


async def test_one_role_per_milestone_and_one_milestone_per_role(store: Store):
    guild, services, _, _ = setup(store)
    await milestones.add(services, guild, 4, IRON, remove_on_break=False, problem=None)
    other_role = await milestones.add(
        services, guild, 4, STEEL, remove_on_break=False, problem=None
    )
    assert other_role.taken_by == Milestone(4, IRON)
    other_weeks = await milestones.add(
        services, guild, 6, IRON, remove_on_break=False, problem=None
    )
    assert other_weeks.taken_by == Milestone(4, IRON)
    assert await milestones.listing(services, guild) == [Milestone(4, IRON)]  # nothing stored


async def test_adding_again_updates_it_and_forgets_its_problem(store: Store):
    guild, services, _, _ = setup(store)
    await milestones.add(services, guild, 4, IRON, remove_on_break=False, problem=ROLE_TOO_HIGH)
    again = await milestones.add(services, guild, 4, IRON, remove_on_break=True, problem=None)
    assert again.replaced == Milestone(4, IRON, False, ROLE_TOO_HIGH)
    assert await milestones.listing(services, guild) == [Milestone(4, IRON, True, None)]


async def test_weeks_out_of_range_store_nothing(store: Store):
    guild, services, _, _ = setup(store)
    for weeks in (0, 521):
        with pytest.raises(InputError):
            await milestones.add(services, guild, weeks, IRON, remove_on_break=False, problem=None)
    assert await milestones.listing(services, guild) == []


# --- check-ins, backfills, undo ---------------------------------------------------------------


async def test_a_check_in_that_reaches_a_milestone_claims_its_role_once(store: Store):
    guild, services, _, roles = setup(store)
    await milestones.add(services, guild, 1, IRON, remove_on_break=False, problem=None)
    first = await check_in(services, guild, 1)
    assert first.earned == [RoleChange(IRON, True, 1)]
    assert roles.applied == [(guild, 1)]
    assert await ledger(store, guild, 1) == {IRON: RoleState.GRANTING}
    repeat = await check_in(services, guild, 1)
    assert repeat.roles == () and roles.applied == [(guild, 1)]


async def test_a_server_without_milestones_claims_nothing(store: Store):
    guild, services, _, roles = setup(store)
    outcome = await check_in(services, guild, 1)
    assert outcome.roles == () and roles.applied == []
    assert await ledger(store, guild, 1) == {}


async def test_a_backfill_that_completes_a_streak_earns_the_role(store: Store):
    guild, services, _, _ = setup(store)
    await milestones.add(services, guild, 2, STEEL, remove_on_break=False, problem=None)
    today = await check_in(services, guild, 1)
    assert today.current_streak == 1 and today.roles == ()
    backfill = await check_in(services, guild, 1, "2026-10-30")  # Friday of the week before
    assert backfill.current_streak == 2
    assert backfill.earned == [RoleChange(STEEL, True, 2)]


async def test_undo_takes_away_a_role_marked_remove_and_only_once_given(store: Store):
    guild, services, _, _roles = setup(store)
    await milestones.add(services, guild, 1, IRON, remove_on_break=True, problem=None)
    await milestones.add(services, guild, 2, STEEL, remove_on_break=False, problem=None)
    await check_in(services, guild, 1, "2026-10-30")
    await check_in(services, guild, 1)
    await store.run(
        lambda tx: milestones_sql.finish(
            tx, guild, 1, IRON, RoleState.GRANTING, RoleState.GRANTED, WED_NOON
        )
    )
    undone = await checkins.undo_today(services, guild, 1)
    assert undone is not None and undone.current_streak == 1
    assert undone.roles == ()  # a streak of 1 still holds the 1-week role; 2 weeks is kept
    assert await ledger(store, guild, 1) == {IRON: RoleState.GRANTED, STEEL: RoleState.GRANTING}


async def test_undo_to_no_streak_claims_the_removal(store: Store):
    guild, services, _, roles = setup(store)
    await milestones.add(services, guild, 1, IRON, remove_on_break=True, problem=None)
    await check_in(services, guild, 1)
    undone = await checkins.undo_today(services, guild, 1)
    assert undone is not None and undone.current_streak == 0
    assert undone.lost == [RoleChange(IRON, False, 1)]
    assert await ledger(store, guild, 1) == {IRON: RoleState.REMOVING}
    assert roles.applied == [(guild, 1), (guild, 1)]


async def test_a_role_the_bot_did_not_give_is_never_claimed_for_removal(store: Store):
    guild, services, _, _ = setup(store)
    await check_in(services, guild, 1)  # before any milestone: no role given
    await milestones.add(services, guild, 3, IRON, remove_on_break=True, problem=None)
    undone = await checkins.undo_today(services, guild, 1)
    assert undone is not None and undone.roles == ()
    assert await ledger(store, guild, 1) == {}


async def test_twenty_check_ins_of_one_member_at_once_claim_the_role_once(store: Store):
    guild, services, _, roles = setup(store)
    await milestones.add(services, guild, 1, IRON, remove_on_break=False, problem=None)
    outcomes = await asyncio.gather(*(check_in(services, guild, 1) for _ in range(20)))
    assert sum(len(o.earned) for o in outcomes) == 1
    assert sum(o.created for o in outcomes) == 1
    assert roles.applied == [(guild, 1)]
    assert await ledger(store, guild, 1) == {IRON: RoleState.GRANTING}


async def test_twenty_members_at_once_each_claim_their_own(store: Store):
    guild, services, _, _ = setup(store)
    await milestones.add(services, guild, 1, IRON, remove_on_break=False, problem=None)
    outcomes = await asyncio.gather(*(check_in(services, guild, user) for user in range(1, 21)))
    assert all(o.earned == [RoleChange(IRON, True, 1)] for o in outcomes)


async def test_adding_a_milestone_gives_it_to_members_already_there(store: Store):
    guild, services, _clock, roles = setup(store)
    await check_in(services, guild, 1, "2026-10-30")
    await check_in(services, guild, 1)  # a 2-week streak
    await check_in(services, guild, 2)  # a 1-week streak
    await check_in(services, guild, 3, "2026-10-28")  # last week only: alive, 1 week
    added = await milestones.add(services, guild, 2, STEEL, remove_on_break=False, problem=None)
    assert added.reached == 1 and roles.applied == [(guild, 1)]
    added = await milestones.add(services, guild, 1, IRON, remove_on_break=False, problem=None)
    assert added.reached == 3
    # A milestone saved with a known problem is given to no one yet.
    problem = await milestones.add(services, guild, 3, 7_003, remove_on_break=False, problem="x")
    assert problem.reached == 0


# --- time passing -------------------------------------------------------------------------


async def test_the_sweep_claims_removals_once_a_streak_has_broken(store: Store):
    guild, services, _clock, _ = setup(store)
    await milestones.add(services, guild, 1, IRON, remove_on_break=True, problem=None)
    await milestones.add(services, guild, 2, STEEL, remove_on_break=False, problem=None)
    await check_in(services, guild, 1, "2026-10-30")
    await check_in(services, guild, 1)
    for role in (IRON, STEEL):
        await store.run(
            lambda tx, role=role: milestones_sql.finish(
                tx, guild, 1, role, RoleState.GRANTING, RoleState.GRANTED, WED_NOON
            )
        )
    # The streak (target 1, no shield earned) lives through the week after this one.
    until = await store.read(lambda tx: milestones_sql.next_break(tx, WED_NOON))
    assert until == datetime(2026, 11, 16, tzinfo=UTC)
    assert await store.run(lambda tx: milestones_sql.claim_broken(tx, until - timedelta(1))) == []
    assert await store.run(lambda tx: milestones_sql.claim_broken(tx, until)) == [(guild, 1)]
    assert await ledger(store, guild, 1) == {IRON: RoleState.REMOVING, STEEL: RoleState.GRANTED}
    assert await store.run(lambda tx: milestones_sql.claim_broken(tx, until)) == []
    assert await store.read(lambda tx: milestones_sql.next_break(tx, WED_NOON)) is None


async def test_the_sweep_leaves_alone_problems_and_roles_it_did_not_give(store: Store):
    guild, services, _, _ = setup(store)
    await milestones.add(services, guild, 1, IRON, remove_on_break=True, problem=None)
    await check_in(services, guild, 1)
    await check_in(services, guild, 2)
    await store.run(
        lambda tx: milestones_sql.finish(
            tx, guild, 1, IRON, RoleState.GRANTING, RoleState.FAILED, WED_NOON
        )
    )
    later = WED_NOON + timedelta(weeks=3)
    await store.run(lambda tx: milestones_sql.report_problem(tx, guild, IRON, ROLE_TOO_HIGH))
    await store.run(
        lambda tx: milestones_sql.finish(
            tx, guild, 2, IRON, RoleState.GRANTING, RoleState.GRANTED, WED_NOON
        )
    )
    assert await store.run(lambda tx: milestones_sql.claim_broken(tx, later)) == []
    await store.run(lambda tx: milestones_sql.clear_problem(tx, guild, IRON))
    assert await store.run(lambda tx: milestones_sql.claim_broken(tx, later)) == [(guild, 2)]


async def test_a_problem_is_reported_by_the_first_caller_only(store: Store):
    guild, services, _, _ = setup(store)
    await milestones.add(services, guild, 1, IRON, remove_on_break=True, problem=None)
    reports = await asyncio.gather(
        *(
            store.run(lambda tx: milestones_sql.report_problem(tx, guild, IRON, ROLE_TOO_HIGH))
            for _ in range(10)
        )
    )
    assert [r for r in reports if r is not None] == [Milestone(1, IRON, True, ROLE_TOO_HIGH)]


# --- a member's data ------------------------------------------------------------------------


async def test_export_shows_the_ledger_and_forget_removes_it_and_the_roles(store: Store):
    guild, services, _, roles = setup(store)
    await milestones.add(services, guild, 1, IRON, remove_on_break=False, problem=None)
    await check_in(services, guild, 1)
    await check_in(services, guild, 2)
    data = await privacy.export(services, guild, 1)
    assert data["milestone_roles"] == [
        {
            "role_id": str(IRON),
            "state": "granting",
            "error": None,
            "updated_at": WED_NOON.isoformat(),
        }
    ]
    await privacy.forget(services, guild, 1)
    assert await ledger(store, guild, 1) == {}
    assert await ledger(store, guild, 2) == {IRON: RoleState.GRANTING}
    assert roles.taken == [(guild, 1, [IRON])]
    assert (await privacy.export(services, guild, 1))["milestone_roles"] == []
