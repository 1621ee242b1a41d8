"""Stopping the engine while a reminder is being posted: quiet, bounded, and recoverable."""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta

from bot.core.reminders import Kind
from bot.store.sql import nudges as nudges_sql
from bot.store.sql import settings as settings_sql
from tests.reminders.conftest import GUILD, FakePoster
from tests.reminders.helpers import spin, utc
from tests.support import set_reminders

FIRE = utc(2026, 6, 1, 17, 0)  # 18:00 in London
DAY = FIRE.date()


async def test_stop_cuts_off_a_hung_delivery_quietly_and_catch_up_finishes_it(
    make_engine, add_schedule, clock, poster, store, caplog
):
    schedule = await add_schedule()
    first = make_engine(stop_grace=0.05)
    clock.set(FIRE + timedelta(seconds=1))
    poster.hang = True  # the post never returns, like a send caught by a shutdown

    fire = asyncio.create_task(first.fire(schedule.id))
    for _ in range(500):  # let the delivery reach the post (its claim is real I/O)
        if poster.posts:
            break
        await asyncio.sleep(0.01)
    assert len(poster.posts) == 1
    with caplog.at_level(logging.INFO, logger="bot.reminders.engine"):
        await asyncio.wait_for(first.stop(), timeout=5)
    await asyncio.wait_for(fire, timeout=1)  # ended, and without raising

    assert not fire.cancelled()
    assert "interrupted by shutdown" in caplog.text
    assert all(record.levelno < logging.ERROR for record in caplog.records)
    assert (await store.delivery(schedule.id, DAY, Kind.REMINDER)).state == "sending"

    # The next start-up takes the abandoned claim over and sends it once.
    poster.hang = False
    second = make_engine()
    await second.catch_up([schedule])
    assert len(poster.sent) == 1
    assert (await store.delivery(schedule.id, DAY, Kind.REMINDER)).state == "sent"


async def test_stop_waits_for_a_delivery_that_finishes_within_the_grace(
    make_engine, add_schedule, clock, poster, store
):
    schedule = await add_schedule()
    engine = make_engine(stop_grace=5)
    clock.set(FIRE + timedelta(seconds=1))
    release = asyncio.Event()
    original = poster.post

    async def slow_post(*args):
        await release.wait()
        return await original(*args)

    poster.post = slow_post
    fire = asyncio.create_task(engine.fire(schedule.id))
    await asyncio.sleep(0.01)
    stopping = asyncio.create_task(engine.stop())
    await asyncio.sleep(0.01)
    assert not stopping.done()  # waiting for the delivery, not cutting it off
    release.set()
    await asyncio.wait_for(stopping, timeout=5)
    await fire
    assert (await store.delivery(schedule.id, DAY, Kind.REMINDER)).state == "sent"


async def test_a_dm_cut_off_on_time_is_found_by_a_late_take_over_not_sent_again(
    make_engine, add_schedule, clock, store
):
    # The take-over writes the late wording; what went out had the on-time one.
    schedule = await add_schedule()
    await set_reminders(store, GUILD, 2, True)
    await store.run(lambda tx: settings_sql.set_member(tx, GUILD, 2, "remind_via", "dm"))
    dying = FakePoster(clock, hang_dms=True)
    first = make_engine(engine_poster=dying, stop_grace=0.05)
    clock.set(FIRE + timedelta(seconds=1))
    fire = asyncio.create_task(first.fire(schedule.id))
    await spin(lambda: len(dying.dms) == 1)
    await asyncio.wait_for(first.stop(), timeout=5)
    await asyncio.wait_for(fire, timeout=1)
    assert "A bit late" not in dying.dms[0][1]

    clock.set(FIRE + timedelta(minutes=20))
    after = FakePoster(clock, dms=list(dying.dms))
    await make_engine(engine_poster=after).catch_up([schedule])
    assert after.dm_attempts == []
    ledger = await store.read(
        lambda tx: nudges_sql.of_occurrence(tx, GUILD, Kind.REMINDER, schedule.id, DAY)
    )
    assert ledger[2].state == "sent" and ledger[2].message_id == dying.dms[0][3]
