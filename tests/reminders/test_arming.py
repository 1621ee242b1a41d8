"""Timers built from the schedules table: one per enabled schedule, at its next fire
instant from the one calendar (`bot.core.schedule`), in the schedule's own time zone."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from bot.usecases import server
from tests.reminders.conftest import GUILD, OTHER_GUILD
from tests.reminders.helpers import armed_fires, utc
from tests.support import make_services, set_nudge

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


async def test_arm_sets_the_timer_at_the_next_local_fire(engine, add_schedule, clock):
    clock.set(utc(2026, 6, 1, 12, 0))  # a Monday
    schedule = await add_schedule(days=frozenset({0, 3}), at=time(18, 5))
    engine.arm(schedule)

    at = engine.armed_at(schedule.id)
    assert at == utc(2026, 6, 1, 17, 5)  # 18:05 BST, today
    local = at.astimezone(LONDON)
    assert (local.hour, local.minute, local.weekday()) == (18, 5, 0)
    # After it fires it is re-armed at the next matching day: Thursday.
    engine.arm(schedule, after=at)
    assert engine.armed_at(schedule.id) == utc(2026, 6, 4, 17, 5)


async def test_arm_twice_keeps_one_timer_and_a_disabled_schedule_gets_none(
    engine, add_schedule, store
):
    schedule = await add_schedule()
    engine.arm(schedule)
    engine.arm(schedule)
    assert len(engine.timers) == 1

    disabled = await store.disable_schedule(schedule.id, "can't post")
    engine.arm(disabled)
    assert engine.armed_at(schedule.id) is None
    assert len(engine.timers) == 0


async def test_disarm_removes_the_reminder_and_its_nudges_only(engine, add_schedule, store, clock):
    schedule = await add_schedule()
    other = await add_schedule(at=time(7, 0))
    await set_nudge(store, GUILD, schedule.id, 2)
    await set_nudge(store, GUILD, other.id, 2)
    schedule = await store.schedule(schedule.id)
    other = await store.schedule(other.id)
    engine.arm(schedule)
    engine.arm(other)
    # Send two days' reminders for `schedule`, leaving two nudges pending.
    for day in (1, 2):
        clock.set(utc(2026, 6, day, 17, 0))
        await engine.fire(schedule.id)
    clock.set(utc(2026, 6, 2, 6, 0))
    await engine.fire(other.id)
    assert engine.nudge_armed_at(schedule.id, date(2026, 6, 1)) == utc(2026, 6, 1, 19, 0)
    assert engine.nudge_armed_at(schedule.id, date(2026, 6, 2)) == utc(2026, 6, 2, 19, 0)
    assert engine.nudge_armed_at(other.id, date(2026, 6, 2)) == utc(2026, 6, 2, 8, 0)

    engine.disarm(schedule.id)

    assert engine.armed_at(schedule.id) is None
    assert engine.nudge_armed_at(schedule.id, date(2026, 6, 1)) is None
    assert engine.nudge_armed_at(schedule.id, date(2026, 6, 2)) is None
    assert engine.armed_at(other.id) is not None
    assert engine.nudge_armed_at(other.id, date(2026, 6, 2)) == utc(2026, 6, 2, 8, 0)


async def test_retime_guild_moves_every_timer_of_that_guild(engine, add_schedule, store, clock):
    clock.set(utc(2026, 6, 1, 12, 0))  # Monday
    first = await add_schedule(at=time(18, 0))
    second = await add_schedule(at=time(7, 30), days=frozenset({5, 6}))
    elsewhere = await add_schedule(guild_id=OTHER_GUILD)
    for schedule in (first, second, elsewhere):
        engine.arm(schedule)

    services = make_services(store, clock.now)
    services.timers = engine
    await server.set_timezone(services, GUILD, ZoneInfo("America/New_York"))

    assert engine.armed_at(first.id) == utc(2026, 6, 1, 22, 0)  # 18:00 EDT
    assert engine.armed_at(second.id) == utc(2026, 6, 6, 11, 30)  # Saturday 07:30 EDT
    assert (await store.schedule(first.id)).timezone == "America/New_York"
    assert engine.armed_at(elsewhere.id) == utc(2026, 6, 1, 17, 0)  # still 18:00 London
    assert (await store.schedule(elsewhere.id)).timezone == "Europe/London"


async def test_next_fire_times_are_the_timers_fires(engine, add_schedule, clock):
    schedule = await add_schedule(at=time(1, 30))
    clock.set(utc(2026, 10, 24, 12, 0))
    # `schedule list` shows the engine's own next fires; the fold day counts once, at
    # the first 01:30, and the timer fires at exactly those instants.
    expected = [utc(2026, 10, 25, 0, 30), utc(2026, 10, 26, 1, 30), utc(2026, 10, 27, 1, 30)]
    assert engine.next_fire_times(schedule, 3) == expected
    assert armed_fires(engine, schedule, clock.now(), utc(2026, 10, 27, 12, 0)) == expected


async def test_bulk_arming_skips_a_broken_schedule_and_says_so_once(
    engine, add_schedule, clock, caplog
):
    clock.set(utc(2026, 6, 1, 12, 0))
    good = await add_schedule()
    broken = replace(await add_schedule(), timezone="Atlantis/Capital")
    no_days = replace(await add_schedule(), days=frozenset({9}))

    with caplog.at_level(logging.WARNING, logger="bot.reminders.engine"):
        armed = await engine.arm_all([good, broken, no_days], clock.now())
        await engine.arm_all([good, broken, no_days], clock.now())

    assert armed == 1
    assert engine.armed_at(good.id) == utc(2026, 6, 1, 17, 0)
    assert engine.armed_at(broken.id) is None
    assert engine.armed_at(no_days.id) is None
    lines = [r.getMessage() for r in caplog.records]
    assert sum(f"schedule {broken.id} is skipped" in line for line in lines) == 1
    assert sum(f"schedule {no_days.id} is skipped" in line for line in lines) == 1
    assert "Atlantis/Capital" in "\n".join(lines)


async def test_arming_ten_thousand_schedules_is_one_heap(engine, add_schedule, clock):
    clock.set(utc(2026, 6, 1, 12, 0))
    template = await add_schedule()
    schedules = [
        replace(template, id=template.id + n, at=time(n % 24, n % 60)) for n in range(10_000)
    ]
    armed = await engine.arm_all(schedules, clock.now())
    assert armed == 10_000
    assert len(engine.timers) == 10_000
    # The earliest due is the one the heap gives first.
    first = min(schedules, key=lambda s: engine.armed_at(s.id))
    assert engine.armed_at(first.id) == min(engine.armed_at(s.id) for s in schedules)
    assert engine.armed_at(first.id) > clock.now()
    assert engine.armed_at(first.id) - clock.now() <= timedelta(hours=1)
