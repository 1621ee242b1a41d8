"""The minute sweep: the net under the cron jobs, never a second sender."""

from __future__ import annotations

from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

from apscheduler.triggers.interval import IntervalTrigger

from bot.core.reminders import Kind
from tests.reminders.helpers import fires_on, job, utc

JUNE_1 = date(2026, 6, 1)
JUNE_1_FIRE = utc(2026, 6, 1, 17, 0)  # 18:00 BST
LONG_AGO = utc(2026, 1, 1)


async def test_midnight_gap_day_gets_its_reminder_from_the_sweep(
    engine, add_schedule, clock, poster, store
):
    havana = ZoneInfo("America/Havana")
    schedule = await add_schedule(at=time(0, 30), timezone="America/Havana", created_at=LONG_AGO)
    engine.arm(schedule)
    trigger = job(engine, f"reminder:{schedule.id}").trigger
    day = date(2026, 3, 8)  # 00:00 CST -> 01:00 CDT: 00:30 does not exist
    due = utc(2026, 3, 8, 5, 30)  # 00:30 read with the pre-gap offset, i.e. 01:30 CDT

    # APScheduler's CronTrigger yields no fire at all that day (it jumps to the next)...
    assert fires_on(trigger, day, havana) == []
    assert fires_on(trigger, day + timedelta(days=1), havana) == [utc(2026, 3, 9, 4, 30)]

    # ...so the sweep sends it: not in the 30 seconds it leaves to a firing cron job,
    clock.set(due + timedelta(seconds=20))
    await engine.sweep()
    assert poster.posts == []
    # but on its next round.
    clock.set(due + timedelta(seconds=60))
    await engine.sweep()
    assert len(poster.sent) == 1
    delivery = await store.delivery(schedule.id, day, Kind.REMINDER)
    assert (delivery.state, delivery.fire_at) == ("sent", due)

    # Later sweeps and the next day's cron fire add nothing for that day.
    for instant in fires_on(trigger, day + timedelta(days=1), havana):
        clock.set(instant)
        await engine.sweep()
        await engine.fire(schedule.id)
        await engine.sweep()
    assert [d.occurrence_day for d in await store.deliveries(schedule.id)] == [
        day,
        day + timedelta(days=1),
    ]
    assert len(poster.sent) == 2


async def test_sweep_never_doubles_a_cron_fire(engine, add_schedule, clock, poster, store):
    schedule = await add_schedule(created_at=LONG_AGO)
    clock.set(JUNE_1_FIRE + timedelta(seconds=10))
    await engine.sweep()  # too fresh: the cron job's
    assert poster.posts == []
    await engine.fire(schedule.id)
    for seconds in (40, 100, 3600):
        clock.set(JUNE_1_FIRE + timedelta(seconds=seconds))
        await engine.sweep()
    assert len(poster.posts) == 1


async def test_sweep_sends_what_a_stalled_job_missed_once(
    engine, add_schedule, clock, poster, store
):
    schedule = await add_schedule(created_at=LONG_AGO)
    clock.set(JUNE_1_FIRE + timedelta(minutes=5))  # the cron job never ran

    await engine.sweep()
    await engine.sweep()

    assert len(poster.sent) == 1
    assert "A bit late" in poster.sent[0].part.content
    assert (await store.delivery(schedule.id, JUNE_1, Kind.REMINDER)).state == "sent"
    # Older occurrences are start-up's business: the sweep records nothing for them.
    assert [d.occurrence_day for d in await store.deliveries(schedule.id)] == [JUNE_1]


async def test_sweep_leaves_claimed_and_failed_occurrences_alone(
    engine, add_schedule, clock, poster, store
):
    live = await add_schedule(created_at=LONG_AGO)
    failed = await add_schedule(created_at=LONG_AGO)
    await store.claim_delivery(live.id, JUNE_1, "main", JUNE_1_FIRE, JUNE_1_FIRE)
    await store.claim_delivery(failed.id, JUNE_1, "main", JUNE_1_FIRE, JUNE_1_FIRE)
    await store.finish_delivery(failed.id, JUNE_1, "main", "failed", JUNE_1_FIRE, error="503")
    clock.set(JUNE_1_FIRE + timedelta(minutes=3))  # the live claim is past STALE_CLAIM

    await engine.sweep()

    assert poster.posts == []
    assert (await store.delivery(live.id, JUNE_1, "main")).state == "sending"
    assert (await store.delivery(failed.id, JUNE_1, "main")).state == "failed"


async def test_start_arms_jobs_catches_up_and_adds_the_sweep(
    engine, add_schedule, clock, poster, store
):
    schedule = await add_schedule(created_at=LONG_AGO)
    paused = await add_schedule(created_at=LONG_AGO, at=time(7, 0))
    await store.disable_schedule(paused.id, "can't post")
    clock.set(JUNE_1_FIRE + timedelta(minutes=30))
    engine.scheduler.start(paused=True)  # so nothing fires on the real clock
    try:
        await engine.start()

        assert sorted(j.id for j in engine.scheduler.get_jobs()) == [
            "reminder-sweep",
            f"reminder:{schedule.id}",
        ]
        sweep = job(engine, "reminder-sweep")
        assert isinstance(sweep.trigger, IntervalTrigger)
        assert sweep.trigger.interval == timedelta(minutes=1)
        assert (sweep.coalesce, sweep.max_instances) == (True, 1)
        assert len(poster.sent) == 1  # today's reminder, caught up
        assert "A bit late" in poster.sent[0].part.content
    finally:
        engine.scheduler.shutdown(wait=False)
