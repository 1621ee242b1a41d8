"""APScheduler jobs built from the schedules table: one cron job per enabled schedule."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.date import DateTrigger

from bot.usecases import server
from tests.reminders.conftest import CATCHUP_MINUTES, GUILD, OTHER_GUILD
from tests.reminders.helpers import job, utc
from tests.support import make_services, set_nudge

LONDON = ZoneInfo("Europe/London")
NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
async def started(engine):
    """The engine's scheduler started paused: jobs are real (next run times computed)
    but nothing fires."""
    engine.scheduler.start(paused=True)
    yield engine
    engine.scheduler.shutdown(wait=False)


def cron_field(trigger: CronTrigger, name: str) -> str:
    return next(str(f) for f in trigger.fields if f.name == name)


async def test_arm_builds_a_cron_job_in_the_schedule_zone(started, add_schedule):
    schedule = await add_schedule(days=frozenset({0, 3}), at=time(18, 5))
    started.arm(schedule)

    armed = job(started, f"reminder:{schedule.id}")
    assert armed is not None
    assert armed.func == started.fire
    assert armed.args == (schedule.id,)
    assert isinstance(armed.trigger, CronTrigger)
    assert armed.trigger.timezone == LONDON
    assert cron_field(armed.trigger, "day_of_week") == "mon,thu"
    assert cron_field(armed.trigger, "hour") == "18"
    assert cron_field(armed.trigger, "minute") == "5"
    assert armed.coalesce is True
    assert armed.max_instances == 1
    assert armed.misfire_grace_time == CATCHUP_MINUTES * 60
    local = armed.next_run_time.astimezone(LONDON)
    assert (local.hour, local.minute, local.weekday() in {0, 3}) == (18, 5, True)


async def test_arm_twice_keeps_one_job_and_a_disabled_schedule_gets_none(
    started, add_schedule, store
):
    schedule = await add_schedule()
    started.arm(schedule)
    started.arm(schedule)
    assert [j.id for j in started.scheduler.get_jobs()] == [f"reminder:{schedule.id}"]

    disabled = await store.disable_schedule(schedule.id, "can't post")
    started.arm(disabled)
    assert started.scheduler.get_jobs() == []


async def test_misfire_grace_is_never_apschedulers_one_second(make_engine, add_schedule):
    engine = make_engine(catchup_minutes=0)
    engine.scheduler.start(paused=True)
    try:
        schedule = await add_schedule()
        engine.arm(schedule)
        assert job(engine, f"reminder:{schedule.id}").misfire_grace_time == 60
    finally:
        engine.scheduler.shutdown(wait=False)


async def test_disarm_removes_the_reminder_and_its_nudges_only(started, add_schedule, store, clock):
    schedule = await add_schedule()
    other = await add_schedule(at=time(7, 0))
    await set_nudge(store, GUILD, schedule.id, 2)
    await set_nudge(store, GUILD, other.id, 2)
    started.arm(schedule)
    started.arm(other)
    # Send two days' reminders for `schedule`, leaving two nudges pending.
    for day in (1, 2):
        clock.set(utc(2026, 6, day, 17, 0))
        await started.fire(schedule.id)
    clock.set(utc(2026, 6, 2, 6, 0))
    await started.fire(other.id)
    nudges = sorted(j.id for j in started.scheduler.get_jobs() if j.id.startswith("nudge:"))
    assert nudges == [
        f"nudge:{schedule.id}:2026-06-01",
        f"nudge:{schedule.id}:2026-06-02",
        f"nudge:{other.id}:2026-06-02",
    ]
    assert isinstance(job(started, nudges[0]).trigger, DateTrigger)

    started.disarm(schedule.id)

    assert sorted(j.id for j in started.scheduler.get_jobs()) == [
        f"nudge:{other.id}:2026-06-02",
        f"reminder:{other.id}",
    ]


async def test_retime_guild_moves_every_job_of_that_guild(started, add_schedule, store, clock):
    first = await add_schedule(at=time(18, 0))
    second = await add_schedule(at=time(7, 30), days=frozenset({5, 6}))
    elsewhere = await add_schedule(guild_id=OTHER_GUILD)
    for schedule in (first, second, elsewhere):
        started.arm(schedule)

    services = make_services(store, clock.now)
    services.timers = started
    await server.set_timezone(services, GUILD, ZoneInfo("America/New_York"))

    for schedule in (first, second):
        moved = job(started, f"reminder:{schedule.id}")
        assert moved.trigger.timezone == NEW_YORK
        local = moved.next_run_time.astimezone(NEW_YORK)
        assert (local.hour, local.minute) == (schedule.at.hour, schedule.at.minute)
        assert (await store.schedule(schedule.id)).timezone == "America/New_York"
    assert cron_field(job(started, f"reminder:{second.id}").trigger, "day_of_week") == "sat,sun"
    untouched = job(started, f"reminder:{elsewhere.id}")
    assert untouched.trigger.timezone == LONDON
    assert (await store.schedule(elsewhere.id)).timezone == "Europe/London"


async def test_next_fire_times_agree_with_the_job_trigger(started, add_schedule, clock):
    schedule = await add_schedule(at=time(1, 30))
    started.arm(schedule)
    clock.set(utc(2026, 10, 24, 12, 0))
    # The engine's own view of the next fires (shown in `schedule list`) counts the fold
    # day once, at the first 01:30; APScheduler adds a second fire an hour later.
    assert started.next_fire_times(schedule, 3) == [
        utc(2026, 10, 25, 0, 30),
        utc(2026, 10, 26, 1, 30),
        utc(2026, 10, 27, 1, 30),
    ]
    trigger = job(started, f"reminder:{schedule.id}").trigger
    fires = []
    previous, now = None, clock.now()
    for _ in range(4):
        previous = trigger.get_next_fire_time(previous, now)
        fires.append(previous.astimezone(clock.now().tzinfo))
        now = fires[-1] + timedelta(microseconds=1)
    assert fires == [
        utc(2026, 10, 25, 0, 30),
        utc(2026, 10, 25, 1, 30),
        utc(2026, 10, 26, 1, 30),
        utc(2026, 10, 27, 1, 30),
    ]
    assert {f.astimezone(LONDON).date() for f in fires[:2]} == {date(2026, 10, 25)}
