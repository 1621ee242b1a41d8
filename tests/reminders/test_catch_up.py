"""Start-up catch-up: a restart sends what is still fresh, once, and gives up on the rest."""

from __future__ import annotations

import asyncio
from datetime import date, time, timedelta

import pytest

from bot.core.reminders import Kind, nonce
from bot.store.sql.deliveries import STALE_CLAIM
from bot.usecases import schedules
from tests.reminders.conftest import GUILD, FakePoster
from tests.reminders.helpers import spin, utc
from tests.support import make_services

JUNE_10 = date(2026, 6, 10)
JUNE_10_FIRE = utc(2026, 6, 10, 17, 0)  # 18:00 BST


async def test_crash_mid_send_is_finished_by_the_next_process_with_the_same_nonce(
    make_engine, reopen_store, add_schedule, clock, store
):
    schedule = await add_schedule()
    # Process A: the job fires, the occurrence is claimed, and the process dies while the
    # post is in flight (Discord may or may not have the message).
    poster_a = FakePoster(clock, hang=True)
    engine_a = make_engine(engine_poster=poster_a)
    clock.set(JUNE_10_FIRE + timedelta(milliseconds=200))
    firing = asyncio.create_task(engine_a.fire(schedule.id))
    await spin(lambda: len(poster_a.posts) == 1)
    firing.cancel()
    await asyncio.gather(firing, return_exceptions=True)
    await engine_a.stop()
    left = await store.delivery(schedule.id, JUNE_10, Kind.REMINDER)
    assert (left.state, left.attempts, left.message_id) == ("sending", 1, None)

    # Process B: a new store, poster and engine on the same database file, 30 minutes on.
    clock.set(JUNE_10_FIRE + timedelta(minutes=30))
    store_b = await reopen_store()
    try:
        poster_b = FakePoster(clock)
        engine_b = make_engine(engine_store=store_b, engine_poster=poster_b)
        await engine_b.catch_up(await store_b.schedules(enabled_only=True))

        assert len(poster_b.posts) == 1
        part = poster_b.posts[0].part
        assert "A bit late" in part.content
        assert part.nonce == poster_a.posts[0].part.nonce
        assert part.nonce == nonce(schedule.id, JUNE_10, Kind.REMINDER, 0)
        delivery = await store_b.delivery(schedule.id, JUNE_10, Kind.REMINDER)
        assert delivery.state == "sent"
        assert delivery.attempts == 2
        assert delivery.message_id == poster_b.posts[0].message_id

        # A second catch-up (or the cron job firing late) sends nothing more.
        await engine_b.catch_up(await store_b.schedules(enabled_only=True))
        await engine_b.fire(schedule.id)
        assert len(poster_b.posts) == 1
    finally:
        await store_b.close()


async def test_fresh_sending_row_at_start_up_is_taken_over(
    make_engine, add_schedule, clock, store, poster
):
    schedule = await add_schedule()
    # Claimed a moment ago by a process that is gone: younger than STALE_CLAIM, but at
    # start-up nobody else can own it.
    await store.claim_delivery(
        schedule.id, JUNE_10, Kind.REMINDER, JUNE_10_FIRE, JUNE_10_FIRE + timedelta(minutes=4)
    )
    clock.set(JUNE_10_FIRE + timedelta(minutes=4, seconds=20))
    engine = make_engine()

    await engine.catch_up(await store.schedules(enabled_only=True))

    assert len(poster.sent) == 1
    assert "A bit late" in poster.sent[0].part.content
    assert poster.sent[0].part.nonce == nonce(schedule.id, JUNE_10, Kind.REMINDER, 0)
    delivery = await store.delivery(schedule.id, JUNE_10, Kind.REMINDER)
    assert (delivery.state, delivery.attempts) == ("sent", 2)


async def test_catch_up_sends_fresh_marks_old_missed_and_skips_sent(
    make_engine, add_schedule, clock, store, poster
):
    now = utc(2026, 6, 10, 20, 0)
    old = await add_schedule(at=time(18, 0))  # due 17:00 UTC: 3 hours ago
    fresh = await add_schedule(at=time(19, 30))  # due 18:30 UTC: 90 minutes ago
    done = await add_schedule(at=time(19, 15))  # due 18:15 UTC, already sent
    await store.claim_delivery(done.id, JUNE_10, "main", utc(2026, 6, 10, 18, 15), now)
    await store.finish_delivery(done.id, JUNE_10, "main", "sent", now, message_id=555)
    # Created after today's 19:30 had passed: today's occurrence is not its to send.
    newborn = await add_schedule(at=time(19, 30), created_at=utc(2026, 6, 10, 18, 45))
    clock.set(now)
    engine = make_engine()

    await engine.catch_up(await store.schedules(enabled_only=True))

    assert len(poster.posts) == 1
    sent = poster.posts[0].part
    assert sent.nonce == nonce(fresh.id, JUNE_10, Kind.REMINDER, 0)
    assert "A bit late" in sent.content

    today_old = await store.delivery(old.id, JUNE_10, "main")
    assert (today_old.state, today_old.attempts, today_old.message_id) == ("missed", 0, None)
    assert today_old.fire_at == utc(2026, 6, 10, 17, 0)
    # Earlier days of the last week are settled as missed too, never sent.
    old_rows = await store.deliveries(old.id)
    assert {d.state for d in old_rows} == {"missed"}
    assert [d.occurrence_day for d in old_rows] == [date(2026, 6, day) for day in range(4, 11)]
    today_fresh = await store.delivery(fresh.id, JUNE_10, "main")
    assert (today_fresh.state, today_fresh.message_id) == ("sent", poster.posts[0].message_id)
    today_done = await store.delivery(done.id, JUNE_10, "main")
    assert (today_done.state, today_done.message_id) == ("sent", 555)
    assert await store.deliveries(newborn.id) == []

    # Running catch-up again, or the old schedule's job firing late, sends nothing more.
    before = await store.deliveries(old.id)
    await engine.catch_up(await store.schedules(enabled_only=True))
    await engine.fire(old.id)
    assert len(poster.posts) == 1
    assert await store.deliveries(old.id) == before
    assert await store.deliveries(newborn.id) == []


async def test_failed_delivery_inside_the_window_is_retried_at_start_up(
    make_engine, add_schedule, clock, store, poster
):
    schedule = await add_schedule()
    await store.claim_delivery(schedule.id, JUNE_10, "main", JUNE_10_FIRE, JUNE_10_FIRE)
    await store.finish_delivery(
        schedule.id, JUNE_10, "main", "failed", JUNE_10_FIRE, error="Discord error 502"
    )
    clock.set(JUNE_10_FIRE + timedelta(minutes=50))
    engine = make_engine()

    await engine.catch_up(await store.schedules(enabled_only=True))

    assert len(poster.sent) == 1
    delivery = await store.delivery(schedule.id, JUNE_10, "main")
    assert (delivery.state, delivery.attempts, delivery.error) == ("sent", 2, None)


async def test_catch_up_ignores_disabled_schedules_it_is_not_given(
    make_engine, add_schedule, clock, store, poster
):
    schedule = await add_schedule()
    await store.disable_schedule(schedule.id, "can't post")
    clock.set(JUNE_10_FIRE + timedelta(minutes=10))
    engine = make_engine()

    await engine.catch_up(await store.schedules(enabled_only=True))

    assert poster.posts == []
    assert await store.deliveries(schedule.id) == []


@pytest.mark.parametrize(
    "paused_for",
    [
        pytest.param(timedelta(minutes=20), id="the-refused-occurrence"),
        pytest.param(timedelta(days=1, minutes=20), id="one-due-while-paused"),
    ],
)
async def test_enabling_a_paused_schedule_owes_nothing_from_the_pause_after_a_restart(
    make_engine, add_schedule, clock, store, poster, paused_for
):
    """Discord refused the post (the schedule paused); an admin fixes the channel and
    enables it inside the catch-up window; the bot restarts. The running bot never sends
    what fell due while paused, so the restarted one must not either (it once did, late)."""
    schedule = await add_schedule()
    engine = make_engine()
    services = make_services(store, clock.now)
    services.timers = engine
    poster.fail_permanently = "missing access (50001)"
    clock.set(JUNE_10_FIRE)
    await engine.fire(schedule.id)
    assert not (await store.schedule(schedule.id)).enabled
    poster.fail_permanently = None

    clock.set(JUNE_10_FIRE + paused_for)
    enabled = await schedules.enable(services, GUILD, schedule.id)
    assert enabled is not None and enabled.enabled
    last_due = JUNE_10 + timedelta(days=paused_for.days)
    assert engine.armed_at(schedule.id) == JUNE_10_FIRE + timedelta(days=paused_for.days + 1)

    clock.set(clock.now() + timedelta(minutes=10))  # a restart, inside the window
    await make_engine().catch_up(await store.schedules(enabled_only=True))
    assert poster.sent == []
    assert (await store.delivery(schedule.id, last_due, Kind.REMINDER)).state == "missed"


async def test_without_every_shard_lease_a_fresh_claim_waits_until_it_is_stale(
    make_engine, add_schedule, clock, store, poster
):
    """Another live process may hold the shard (shards given twice, or an old process
    still stopping) and be sending this very occurrence: it is left alone at start-up,
    and sent once it is stale, after one look for an earlier post."""
    schedule = await add_schedule()
    claimed_at = JUNE_10_FIRE + timedelta(minutes=4)
    await store.claim_delivery(schedule.id, JUNE_10, Kind.REMINDER, JUNE_10_FIRE, claimed_at)
    clock.set(claimed_at + timedelta(seconds=20))
    engine = make_engine()
    engine.sole_owner = False

    await engine.catch_up(await store.schedules(enabled_only=True))
    assert poster.sent == []
    left = await store.delivery(schedule.id, JUNE_10, Kind.REMINDER)
    assert (left.state, left.attempts) == ("sending", 1)

    clock.set(claimed_at + STALE_CLAIM + timedelta(seconds=5))
    await engine.catch_up(await store.schedules(enabled_only=True))
    assert len(poster.sent) == 1
    assert poster.sent[0].part.nonce == nonce(schedule.id, JUNE_10, Kind.REMINDER, 0)
    assert (await store.delivery(schedule.id, JUNE_10, Kind.REMINDER)).state == "sent"


async def test_start_up_without_every_lease_catches_up_again_once_claims_are_stale(
    make_engine, add_schedule, clock, store
):
    await add_schedule()
    clock.set(JUNE_10_FIRE + timedelta(minutes=1))
    engine = make_engine()
    engine.sole_owner = False
    await asyncio.wait_for(engine.start(), 5)
    again = engine.timers.when(("catch-up-again",))
    assert again == JUNE_10_FIRE + timedelta(minutes=1) + STALE_CLAIM + timedelta(seconds=5)
