"""Timers firing: the calendar's instant, DST gaps included, late and stalled fires, and
start-up that arms first and then catches up with one read per batch of schedules."""

from __future__ import annotations

import asyncio
from datetime import date, time, timedelta

from bot.core.reminders import Kind
from bot.reminders import engine as engine_module
from bot.store.sql import deliveries as deliveries_sql
from bot.store.tx import Tx
from tests.reminders.helpers import fires_on, utc

JUNE_1 = date(2026, 6, 1)
JUNE_1_FIRE = utc(2026, 6, 1, 17, 0)  # 18:00 BST
LONG_AGO = utc(2026, 1, 1)


async def test_midnight_gap_day_gets_its_reminder_from_its_timer(
    engine, add_schedule, clock, poster, store
):
    schedule = await add_schedule(at=time(0, 30), timezone="America/Havana", created_at=LONG_AGO)
    day = date(2026, 3, 8)  # 00:00 CST -> 01:00 CDT: 00:30 does not exist
    due = utc(2026, 3, 8, 5, 30)  # 00:30 read with the pre-gap offset, i.e. 01:30 CDT
    assert fires_on(engine, schedule, day) == [due]

    clock.set(utc(2026, 3, 7, 12, 0))
    engine.arm(schedule)
    assert engine.armed_at(schedule.id) == due
    clock.set(due - timedelta(seconds=1))
    await engine.run_due()
    assert poster.posts == []
    clock.set(due + timedelta(milliseconds=50))
    await engine.run_due()

    assert len(poster.sent) == 1
    assert "A bit late" not in poster.sent[0].part.content
    delivery = await store.delivery(schedule.id, day, Kind.REMINDER)
    assert (delivery.state, delivery.fire_at) == ("sent", due)
    # Re-armed for the next day at 00:30 CST... CDT now: 04:30 UTC.
    assert engine.armed_at(schedule.id) == utc(2026, 3, 9, 4, 30)


async def test_a_timer_picked_up_late_is_marked_late_and_one_past_the_window_is_missed(
    engine, add_schedule, clock, poster, store
):
    schedule = await add_schedule(created_at=LONG_AGO)
    clock.set(JUNE_1_FIRE - timedelta(hours=1))
    engine.arm(schedule)

    # The process stalled for five minutes: the timer fires late, and says so.
    clock.set(JUNE_1_FIRE + timedelta(minutes=5))
    await engine.run_due()
    assert len(poster.sent) == 1
    assert "A bit late" in poster.sent[0].part.content

    # Asleep past the next day's whole catch-up window: recorded missed, never sent.
    clock.set(JUNE_1_FIRE + timedelta(days=1, minutes=121))
    await engine.run_due()
    assert len(poster.sent) == 1
    missed = await store.delivery(schedule.id, JUNE_1 + timedelta(days=1), Kind.REMINDER)
    assert (missed.state, missed.message_id) == ("missed", None)
    assert engine.armed_at(schedule.id) == JUNE_1_FIRE + timedelta(days=2)


async def test_a_minute_late_is_not_late_and_a_queue_never_makes_a_reminder_late(
    engine, add_schedule, clock, poster
):
    on_time = await add_schedule(created_at=LONG_AGO)
    clock.set(JUNE_1_FIRE - timedelta(hours=1))
    engine.arm(on_time)
    clock.set(JUNE_1_FIRE + timedelta(seconds=59))
    await engine.run_due()
    assert "A bit late" not in poster.sent[-1].part.content

    # Picked up on time, then held in the send line for minutes (Discord's rate limit):
    # still not late, because the bot took it up at its time.
    await engine.deliver(
        on_time,
        JUNE_1 + timedelta(days=1),
        JUNE_1_FIRE + timedelta(days=1),
        Kind.REMINDER,
        picked_up=JUNE_1_FIRE + timedelta(days=1, seconds=1),
    )
    assert "A bit late" not in poster.sent[-1].part.content
    # Taken up 61 seconds after its time (a restart): late.
    clock.set(JUNE_1_FIRE + timedelta(days=2, seconds=61))
    await engine.fire(on_time.id)
    assert "A bit late" in poster.sent[-1].part.content


async def test_start_arms_then_catches_up_and_the_timer_never_doubles_it(
    engine, add_schedule, clock, poster, store
):
    schedule = await add_schedule(created_at=LONG_AGO)
    paused = await add_schedule(created_at=LONG_AGO, at=time(7, 0))
    await store.disable_schedule(paused.id, "can't post")
    clock.set(JUNE_1_FIRE + timedelta(minutes=30))

    await engine.start()

    assert len(poster.sent) == 1  # today's reminder, caught up
    assert "A bit late" in poster.sent[0].part.content
    assert engine.armed_at(schedule.id) == JUNE_1_FIRE + timedelta(days=1)
    assert engine.armed_at(paused.id) is None
    # Nothing the catch-up sent is still on a timer: running everything due adds nothing.
    await engine.run_due()
    assert len(poster.sent) == 1
    # The next day's timer sends the next one, on time.
    clock.set(JUNE_1_FIRE + timedelta(days=1, seconds=1))
    await engine.run_due()
    assert len(poster.sent) == 2
    assert "A bit late" not in poster.sent[1].part.content
    rows = {d.occurrence_day: d.state for d in await store.deliveries(schedule.id)}
    assert (rows[JUNE_1], rows[JUNE_1 + timedelta(days=1)]) == ("sent", "sent")
    # The week before start-up is on record as missed, never sent.
    assert {rows[JUNE_1 - timedelta(days=n)] for n in range(1, 7)} == {"missed"}


async def test_catch_up_reads_the_ledger_once_per_batch_whatever_the_history(
    engine, add_schedule, clock, poster, store, monkeypatch
):
    monkeypatch.setattr(engine_module, "BATCH", 50)
    now = JUNE_1_FIRE + timedelta(minutes=10)
    schedules = [await add_schedule(created_at=LONG_AGO) for _ in range(120)]

    # Eight weeks of history, all sent, except today's which the downtime swallowed; in
    # one transaction (13,000 commits of their own take a minute on PostgreSQL).
    def history(tx: Tx) -> None:
        for schedule in schedules:
            for back in range(1, 57):
                day = JUNE_1 - timedelta(days=back)
                fire_at = JUNE_1_FIRE - timedelta(days=back)
                deliveries_sql.claim(tx, schedule.id, day, Kind.REMINDER, fire_at, fire_at)
                deliveries_sql.finish(
                    tx, schedule.id, day, Kind.REMINDER, "sent", fire_at, message_id=back
                )

    await store.run(history)
    reads: list[int] = []
    single_reads: list[object] = []
    original = store.deliveries_since

    async def counted(ids, first_day):
        reads.append(len(ids))
        return await original(ids, first_day)

    async def per_occurrence(*args, **kwargs):
        single_reads.append(args)
        raise AssertionError("the catch-up read one occurrence at a time")

    monkeypatch.setattr(store, "deliveries_since", counted)
    monkeypatch.setattr(store, "delivery", per_occurrence)
    clock.set(now)

    await engine.catch_up(schedules, now=now)

    assert reads == [50, 50, 20]
    assert single_reads == []
    assert len(poster.sent) == 120  # today's, once each, late
    assert all("A bit late" in post.part.content for post in poster.sent)
    assert len({post.part.nonce for post in poster.sent}) == 120


async def test_catch_up_gives_the_loop_a_turn_per_batch_even_with_nothing_owed(
    engine, add_schedule, clock, monkeypatch
):
    monkeypatch.setattr(engine_module, "BATCH", 50)
    now = JUNE_1_FIRE + timedelta(minutes=10)
    clock.set(now)
    schedules = [await add_schedule(created_at=now) for _ in range(500)]  # nothing owed yet
    turns = 0

    async def ticker() -> None:
        nonlocal turns
        while True:
            turns += 1
            await asyncio.sleep(0)

    other = asyncio.create_task(ticker())
    await asyncio.sleep(0)
    before = turns
    await engine.catch_up(schedules, now=now)
    other.cancel()
    assert turns - before >= 10  # one turn for each of the ten batches, at least
