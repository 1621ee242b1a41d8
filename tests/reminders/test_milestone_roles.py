"""The role keeper over a real store and the engine's send line and timers: claimed changes
made once, refusals recorded and told once and never retried in a loop, claims a crash
cut off finished at the next start, roles taken away when time breaks a streak, and
milestones working again once the admin fixes the role."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import aiohttp
import discord
import pytest

from bot.core.milestones import (
    MISSING_MANAGE_ROLES,
    REFUSED,
    ROLE_GONE,
    ROLE_TOO_HIGH,
    RoleState,
)
from bot.reminders import ReminderEngine
from bot.reminders.milestone_roles import DiscordRoles, MilestoneRoles, RoleFailed
from bot.store import Store
from bot.store.sql import milestones as milestones_sql
from bot.usecases import checkins, milestones
from bot.usecases.services import Services
from tests.reminders.conftest import FakeClock, FakePoster
from tests.support import make_services

GUILD = 1_000
IRON, STEEL = 7_001, 7_002
WED_NOON = datetime(2026, 11, 4, 12, 0, tzinfo=UTC)


@dataclass
class FakeRoles:
    """Discord's side: which member holds which role, and every call made."""

    held: set[tuple[int, int]] = field(default_factory=set)  # (user, role)
    calls: list[tuple[str, int, int]] = field(default_factory=list)
    known_problem: dict[int, str] = field(default_factory=dict)  # what the cache shows
    refuse: dict[int, RoleFailed] = field(default_factory=dict)  # what Discord answers
    transient: int = 0  # the next N calls fail as a 500 would

    def problem(self, guild_id: int, role_id: int) -> str | None:
        return self.known_problem.get(role_id)

    def can_give(self, guild_id: int, role_id: int) -> bool:
        return role_id not in self.known_problem and role_id not in self.refuse

    async def add(self, guild_id: int, user_id: int, role_id: int, reason: str) -> None:
        self._call("add", user_id, role_id)
        self.held.add((user_id, role_id))

    async def remove(self, guild_id: int, user_id: int, role_id: int, reason: str) -> None:
        self._call("remove", user_id, role_id)
        self.held.discard((user_id, role_id))

    def _call(self, kind: str, user_id: int, role_id: int) -> None:
        self.calls.append((kind, user_id, role_id))
        if self.transient:
            self.transient -= 1
            raise RoleFailed("Discord error 500", transient=True)
        if role_id in self.refuse:
            raise self.refuse[role_id]


@pytest.fixture
def api() -> FakeRoles:
    return FakeRoles()


@pytest.fixture
async def make_keeper(
    store: Store, engine: ReminderEngine, api: FakeRoles, clock: FakeClock
) -> Callable[[], tuple[MilestoneRoles, Services]]:
    def make() -> tuple[MilestoneRoles, Services]:
        keeper = MilestoneRoles(store, engine, api, retry_delay=0)
        services = make_services(store, clock.now)
        services.roles = keeper
        keeper.milestones_changed = services.cache.forget_milestones
        return keeper, services

    engine.sender.start()
    clock.set(WED_NOON)
    return make


async def state(store: Store, user: int) -> dict[int, RoleState]:
    return await store.read(lambda tx: milestones_sql.ledger(tx, GUILD, user))


async def add(services: Services, weeks: int, role: int, *, remove: bool = False) -> None:
    await milestones.add(services, GUILD, weeks, role, remove_on_break=remove, problem=None)


async def check_in(services: Services, user: int, day: str | None = None) -> None:
    await checkins.check_in(
        services, GUILD, user, source="command" if day is None else "backfill", day_text=day
    )


async def test_a_claimed_grant_is_made_once(make_keeper, api: FakeRoles, store: Store):
    keeper, services = make_keeper()
    await add(services, 1, IRON)
    for _ in range(3):
        await check_in(services, 1)
    await keeper.settle()
    assert api.calls == [("add", 1, IRON)]
    assert await state(store, 1) == {IRON: RoleState.GRANTED}


async def test_a_grant_then_its_removal_are_made_in_order(make_keeper, api: FakeRoles, store):
    keeper, services = make_keeper()
    await add(services, 1, IRON, remove=True)
    await check_in(services, 1)
    await checkins.undo_today(services, GUILD, 1)  # claimed before the grant went out
    await keeper.settle()
    assert (1, IRON) not in api.held
    assert await state(store, 1) == {IRON: RoleState.REMOVED}
    assert api.calls in ([("remove", 1, IRON)], [("add", 1, IRON), ("remove", 1, IRON)])


async def test_a_refusal_is_recorded_told_once_and_not_retried(
    make_keeper, api: FakeRoles, store: Store, poster: FakePoster
):
    keeper, services = make_keeper()
    await add(services, 1, IRON)
    api.refuse[IRON] = RoleFailed(ROLE_TOO_HIGH, problem=True)
    for user in (1, 2, 3):
        await check_in(services, user)
    await keeper.settle()
    # Calls already under way when the first refusal came back were refused too.
    assert 1 <= len(api.calls) <= 3
    assert [g for g, _ in poster.admin_notes] == [GUILD]
    assert ROLE_TOO_HIGH in poster.admin_notes[0][1]
    # The first claim failed; the keeper works beside the check-ins, so a later one came
    # either before the refusal was recorded (claimed, then failed) or after it (nothing
    # claimed). On SQLite one writer happens to order them all before; PostgreSQL doesn't.
    states = [await state(store, u) for u in (1, 2, 3)]
    assert states[0] == {IRON: RoleState.FAILED}
    assert all(s in ({IRON: RoleState.FAILED}, {}) for s in states), states
    assert (await milestones.listing(services, GUILD))[0].problem == ROLE_TOO_HIGH
    # The next check-ins try nothing while the problem stands.
    made = len(api.calls)
    await check_in(services, 4, "2026-11-03")
    await keeper.settle()
    assert len(api.calls) == made and len(poster.admin_notes) == 1
    assert await state(store, 4) == {}  # nothing claimed while the problem stands


async def test_a_problem_the_cache_shows_is_not_sent_to_discord(
    make_keeper, api: FakeRoles, store: Store, poster: FakePoster
):
    keeper, services = make_keeper()
    await add(services, 1, IRON)
    api.known_problem[IRON] = MISSING_MANAGE_ROLES
    await check_in(services, 1)
    await keeper.settle()
    assert api.calls == []
    assert len(poster.admin_notes) == 1 and MISSING_MANAGE_ROLES in poster.admin_notes[0][1]
    assert await state(store, 1) == {IRON: RoleState.FAILED}


async def test_a_deleted_role_is_a_problem_of_the_milestone(make_keeper, api, store, poster):
    keeper, services = make_keeper()
    await add(services, 1, IRON)
    api.refuse[IRON] = RoleFailed(ROLE_GONE, problem=True)
    await check_in(services, 1)
    await keeper.settle()
    assert "another role" in poster.admin_notes[0][1]


async def test_a_member_who_left_fails_alone(make_keeper, api: FakeRoles, store, poster):
    keeper, services = make_keeper()
    await add(services, 1, IRON)
    api.refuse[IRON] = RoleFailed("not a member any more (10007)")
    await check_in(services, 1)
    await keeper.settle()
    assert poster.admin_notes == []
    assert await state(store, 1) == {IRON: RoleState.FAILED}
    assert (await milestones.listing(services, GUILD))[0].problem is None


async def test_a_hiccup_is_tried_again_a_few_times_then_left(make_keeper, api: FakeRoles, store):
    keeper, services = make_keeper()
    await add(services, 1, IRON)
    api.transient = 2
    await check_in(services, 1)
    await keeper.settle()
    assert api.calls == [("add", 1, IRON)] * 3 and (1, IRON) in api.held
    api.transient = 5
    await check_in(services, 2)
    await keeper.settle()
    assert api.calls.count(("add", 2, IRON)) == 3  # then left failed: no loop
    assert await state(store, 2) == {IRON: RoleState.FAILED}


async def test_claims_a_crash_cut_off_are_finished_at_the_next_start(
    make_keeper, api: FakeRoles, store: Store
):
    _, services = make_keeper()
    services.roles = _Dead()  # the process died before any call to Discord
    await add(services, 1, IRON)
    await check_in(services, 1)
    assert await state(store, 1) == {IRON: RoleState.GRANTING}
    keeper, _ = make_keeper()
    await keeper.start()
    await keeper.settle()
    await keeper.stop()
    assert api.calls == [("add", 1, IRON)]
    assert await state(store, 1) == {IRON: RoleState.GRANTED}


class _Dead:
    def apply(self, guild_id: int, user_id: int) -> None:
        pass

    def sweep(self) -> None:
        pass

    def take_away(self, guild_id: int, user_id: int, role_ids: list[int]) -> None:
        pass


async def test_time_breaking_a_streak_takes_the_role_away_on_the_timer(
    make_keeper, api: FakeRoles, store: Store, engine: ReminderEngine, clock: FakeClock
):
    keeper, services = make_keeper()
    await add(services, 1, IRON, remove=True)
    await add(services, 2, STEEL)  # kept after a break
    await check_in(services, 1, "2026-10-30")
    await check_in(services, 1)
    await keeper.settle()
    await keeper.start()
    breaks = datetime(2026, 11, 16, tzinfo=UTC)  # no check-in in the week of 9 Nov
    assert keeper.armed_at() == WED_NOON + timedelta(minutes=15)  # the cap comes first
    clock.set(breaks - timedelta(minutes=10))
    await engine.run_due()
    await keeper.settle()
    assert keeper.armed_at() == breaks
    assert api.calls == [("add", 1, IRON), ("add", 1, STEEL)]
    clock.set(breaks + timedelta(seconds=1))
    await engine.run_due()
    await keeper.settle()
    assert api.calls[-1] == ("remove", 1, IRON)
    assert await state(store, 1) == {IRON: RoleState.REMOVED, STEEL: RoleState.GRANTED}
    assert api.held == {(1, STEEL)}
    await keeper.stop()


async def test_fixing_the_role_order_resumes_the_milestone(
    make_keeper, api: FakeRoles, store: Store, poster: FakePoster
):
    keeper, services = make_keeper()
    await add(services, 1, IRON)
    api.known_problem[IRON] = ROLE_TOO_HIGH
    await check_in(services, 1)
    await keeper.settle()
    await keeper.roles_changed(GUILD)  # something else changed: still broken
    assert (await milestones.listing(services, GUILD))[0].problem == ROLE_TOO_HIGH
    del api.known_problem[IRON]
    await keeper.roles_changed(GUILD)
    await keeper.settle()
    assert (await milestones.listing(services, GUILD))[0].problem is None
    assert api.calls == [("add", 1, IRON)] and await state(store, 1) == {IRON: RoleState.GRANTED}
    assert len(poster.admin_notes) == 1


async def test_forget_takes_the_given_roles_back(make_keeper, api: FakeRoles, store: Store):
    from bot.usecases import privacy

    keeper, services = make_keeper()
    await add(services, 1, IRON)
    await check_in(services, 1)
    await keeper.settle()
    await privacy.forget(services, GUILD, 1)
    await keeper.settle()
    assert api.calls == [("add", 1, IRON), ("remove", 1, IRON)] and api.held == set()
    assert await state(store, 1) == {}


# --- Discord's answers, read -------------------------------------------------------------


def _error(kind: type[discord.HTTPException], status: int, code: int) -> discord.HTTPException:
    response = SimpleNamespace(status=status, reason="x")
    return kind(response, {"code": code, "message": "refused"})  # type: ignore[arg-type]


class _Http:
    def __init__(self, error: Exception | None) -> None:
        self.error = error
        self.calls: list[tuple[int, int, int, str | None]] = []

    async def add_role(self, g: int, u: int, r: int, *, reason: str | None = None) -> None:
        self.calls.append((g, u, r, reason))
        if self.error is not None:
            raise self.error

    remove_role = add_role


class _Client:
    def __init__(self, error: Exception | None) -> None:
        self.http = _Http(error)

    def get_guild(self, guild_id: int) -> None:
        return None  # not cached: Discord's answer alone decides


@pytest.mark.parametrize(
    ("error", "reason", "problem", "transient"),
    [
        (_error(discord.Forbidden, 403, 50013), REFUSED, True, False),
        (_error(discord.NotFound, 404, 10011), ROLE_GONE, True, False),
        (_error(discord.NotFound, 404, 10007), "not a member any more (10007)", False, False),
        (_error(discord.HTTPException, 500, 0), "Discord error 500", False, True),
        (aiohttp.ClientConnectionError(), "network error: ClientConnectionError", False, True),
    ],
)
async def test_discords_refusals_are_read_as_problems_of_the_milestone_or_the_member(
    error: Exception, reason: str, problem: bool, transient: bool
):
    client = _Client(error)
    roles = DiscordRoles(client)  # type: ignore[arg-type]
    with pytest.raises(RoleFailed) as raised:
        await roles.add(GUILD, 1, IRON, "legday: 4-week streak milestone reached")
    assert (raised.value.reason, raised.value.problem, raised.value.transient) == (
        reason,
        problem,
        transient,
    )
    assert client.http.calls == [(GUILD, 1, IRON, "legday: 4-week streak milestone reached")]


async def test_an_accepted_change_passes_the_reason_for_the_audit_log():
    client = _Client(None)
    await DiscordRoles(client).remove(GUILD, 1, IRON, "legday: why")  # type: ignore[arg-type]
    assert client.http.calls == [(GUILD, 1, IRON, "legday: why")]
