"""`schedule enable`: a paused schedule is resumed (what fell due while it was paused is not
owed, after a restart either); one that was never paused is only armed again."""

from __future__ import annotations

from datetime import time

from bot.store import Store
from bot.usecases import schedules
from tests.support import SEEDED_AT, RecordingTimers, add_schedule, make_services

GUILD, CHANNEL = 1_000, 5_000


async def test_enable_resumes_a_paused_schedule_and_only_rearms_an_active_one(store: Store):
    services = make_services(store, lambda: SEEDED_AT)
    timers = services.timers
    assert isinstance(timers, RecordingTimers)
    paused = await add_schedule(
        store, GUILD, CHANNEL, None, frozenset(range(7)), time(18, 0), "UTC", SEEDED_AT
    )
    active = await add_schedule(
        store, GUILD, CHANNEL, None, frozenset(range(7)), time(19, 0), "UTC", SEEDED_AT
    )
    assert await store.disable_schedule(paused.id, "can't post in <#5000>") is not None

    for schedule in (paused, active):
        enabled = await schedules.enable(services, GUILD, schedule.id)
        assert enabled is not None and enabled.enabled
        assert timers.armed[schedule.id] == enabled
    assert timers.resumed == [paused.id]
    # another server's schedule is not found, and nothing is armed for it
    assert await schedules.enable(services, GUILD + 1, active.id) is None
    assert timers.resumed == [paused.id]
