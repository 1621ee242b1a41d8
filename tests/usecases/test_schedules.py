"""Schedule use cases: the table and the armed timers stay in step, one server at a time."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from bot.core.days import zone
from bot.core.errors import PostFailed
from bot.core.reminders import Broadcast
from bot.store import Schedule, Store
from bot.store.sql import schedules as schedules_sql
from bot.usecases import schedules, server
from bot.usecases.schedules import MAX_SCHEDULES
from bot.usecases.services import Services
from tests.support import RecordingTimers, make_services

GUILD = 1
OTHER_GUILD = 2
CHANNEL = 100
NOW = datetime(2026, 6, 1, 12, 0, tzinfo=UTC)  # a Monday
MON_THU = frozenset({0, 3})


@pytest.fixture
def services(store: Store) -> Services:
    return make_services(store, lambda: NOW, default_zone="Europe/London")


def timers(services: Services) -> RecordingTimers:
    assert isinstance(services.timers, RecordingTimers)
    return services.timers


async def add(services: Services, guild: int = GUILD, **changes: object) -> Schedule | None:
    values: dict[str, object] = {
        "role_id": 7,
        "broadcast": None,
        "days": MON_THU,
        "at": time(18, 30),
    }
    values.update(changes)
    return await schedules.add(services, guild, CHANNEL, **values)  # type: ignore[arg-type]


async def test_add_stores_every_field_in_the_default_zone_and_arms_it(services: Services):
    created = await add(services, broadcast=Broadcast.HERE, role_id=None)
    assert created is not None
    assert created == Schedule(
        id=created.id,
        guild_id=GUILD,
        channel_id=CHANNEL,
        role_id=None,
        days=MON_THU,
        at=time(18, 30),
        timezone="Europe/London",
        nudge_hours=None,
        enabled=True,
        disabled_reason=None,
        created_at=NOW,
        broadcast=Broadcast.HERE,
    )
    assert timers(services).armed == {created.id: created}
    assert await schedules.find(services, GUILD, created.id) == created


async def test_add_uses_the_servers_own_zone(services: Services):
    await server.set_timezone(services, GUILD, zone("Asia/Tokyo"))
    created = await add(services)
    assert created is not None
    assert (created.timezone, created.role_id, created.broadcast) == ("Asia/Tokyo", 7, None)


async def test_the_eleventh_schedule_is_refused_and_nothing_is_armed(services: Services):
    made = [await add(services) for _ in range(MAX_SCHEDULES)]
    assert all(s is not None for s in made)
    assert MAX_SCHEDULES == 10
    assert await add(services) is None
    assert len(timers(services).armed) == MAX_SCHEDULES
    # The cap is per server.
    assert await add(services, OTHER_GUILD) is not None


async def test_listed_gives_each_schedule_with_its_next_fire(services: Services):
    first = await add(services)
    second = await add(services, days=frozenset({6}), at=time(9))
    await add(services, OTHER_GUILD)
    assert first is not None and second is not None
    # RecordingTimers counts from 1 January 2026 (a Thursday), in the schedule's zone.
    assert await schedules.listed(services, GUILD) == [
        (first, [datetime(2026, 1, 1, 18, 30, tzinfo=UTC)]),
        (second, [datetime(2026, 1, 4, 9, 0, tzinfo=UTC)]),
    ]
    assert await schedules.listed(services, 3) == []


async def test_next_fires_are_the_timers_next_three(services: Services):
    created = await add(services)
    assert created is not None
    assert schedules.next_fires(services, created) == [
        datetime(2026, 1, 1, 18, 30, tzinfo=UTC),
        datetime(2026, 1, 5, 18, 30, tzinfo=UTC),
        datetime(2026, 1, 8, 18, 30, tzinfo=UTC),
    ]


async def test_remove_disarms_only_what_it_removed(services: Services):
    created = await add(services)
    assert created is not None
    assert await schedules.remove(services, OTHER_GUILD, created.id) is False
    assert timers(services).disarmed == []
    assert await schedules.remove(services, GUILD, created.id) is True
    assert timers(services).disarmed == [created.id]
    assert await schedules.find(services, GUILD, created.id) is None
    assert await schedules.remove(services, GUILD, created.id) is False
    assert timers(services).disarmed == [created.id]


async def test_set_nudge_rearms_the_changed_schedule(services: Services):
    created = await add(services)
    assert created is not None
    timers(services).armed.clear()
    updated = await schedules.set_nudge(services, GUILD, created.id, 3)
    assert updated is not None and updated.nudge_hours == 3
    assert timers(services).armed == {created.id: updated}
    cleared = await schedules.set_nudge(services, GUILD, created.id, None)
    assert cleared is not None and cleared.nudge_hours is None
    assert timers(services).armed == {created.id: cleared}


async def test_another_servers_schedule_is_neither_changed_nor_found(services: Services):
    created = await add(services)
    assert created is not None
    timers(services).armed.clear()
    assert await schedules.set_nudge(services, OTHER_GUILD, created.id, 3) is None
    assert await schedules.enable(services, OTHER_GUILD, created.id) is None
    assert await schedules.find(services, OTHER_GUILD, created.id) is None
    assert await schedules.find(services, GUILD, created.id + 1000) is None
    assert timers(services).armed == {}
    found = await schedules.find(services, GUILD, created.id)
    assert found is not None and found.nudge_hours is None


async def test_enable_resumes_a_paused_schedule_and_rearms_it(services: Services, store: Store):
    created = await add(services)
    assert created is not None
    await store.run(lambda tx: schedules_sql.disable(tx, created.id, "missing access (50001)"))
    paused = await schedules.find(services, GUILD, created.id)
    assert paused is not None
    assert (paused.enabled, paused.disabled_reason) == (False, "missing access (50001)")
    timers(services).armed.clear()
    resumed = await schedules.enable(services, GUILD, created.id)
    assert resumed is not None
    assert (resumed.enabled, resumed.disabled_reason) == (True, None)
    assert timers(services).armed == {created.id: resumed}


class FailingTimers(RecordingTimers):
    async def post_test(self, schedule: Schedule) -> None:
        raise PostFailed("missing access (50001)", permanent=True)


async def test_post_test_says_why_it_failed_or_nothing(services: Services):
    created = await add(services)
    assert created is not None
    assert await schedules.post_test(services, created) is None
    assert timers(services).tests == [created]
    services.timers = FailingTimers()
    assert await schedules.post_test(services, created) == "missing access (50001)"


async def test_a_new_server_zone_moves_and_rearms_only_that_servers_schedules(
    services: Services,
):
    ours = await add(services)
    theirs = await add(services, OTHER_GUILD)
    assert ours is not None and theirs is not None
    timers(services).armed.clear()
    await server.set_timezone(services, GUILD, zone("Asia/Tokyo"))
    moved = await schedules.find(services, GUILD, ours.id)
    assert moved is not None and moved.timezone == "Asia/Tokyo"
    assert timers(services).armed == {ours.id: moved}
    assert await schedules.find(services, OTHER_GUILD, theirs.id) == theirs
    assert (await server.show(services, GUILD)).timezone == "Asia/Tokyo"
