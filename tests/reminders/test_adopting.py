"""A delivery whose earlier attempt may have reached Discord looks in the channel first and
adopts what it finds: exactly once without relying on Discord's nonce check, which only
lasts a few minutes."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from bot.core.reminders import Kind, nonce
from tests.reminders.conftest import CHANNEL, GUILD, FakePoster
from tests.reminders.helpers import spin, utc
from tests.support import set_reminders

JUNE_10 = date(2026, 6, 10)
JUNE_10_FIRE = utc(2026, 6, 10, 17, 0)  # 18:00 BST


async def _die_after_posting(make_engine, clock, schedule_id, log, *, parts_before_death=1):
    """Process A: posts `parts_before_death` parts, the last of which reaches Discord but
    the process dies before it hears back; its claim is left `sending`."""
    poster_a = FakePoster(clock, channel_log=log)
    engine_a = make_engine(engine_poster=poster_a)
    original_post = poster_a.post
    calls = 0

    async def post(channel_id, part, quote):
        nonlocal calls
        calls += 1
        if calls == parts_before_death:
            poster_a.hang_after_reaching = True
        return await original_post(channel_id, part, quote)

    poster_a.post = post  # type: ignore[method-assign]
    clock.set(JUNE_10_FIRE + timedelta(milliseconds=200))
    firing = asyncio.create_task(engine_a.fire(schedule_id))
    await spin(lambda: len(log) == parts_before_death)
    firing.cancel()
    await asyncio.gather(firing, return_exceptions=True)
    await engine_a.stop()
    return poster_a


async def test_a_crash_after_the_post_is_adopted_not_posted_again_hours_later(
    make_engine, reopen_store, add_schedule, clock, store
):
    schedule = await add_schedule()
    log: list = []
    await _die_after_posting(make_engine, clock, schedule.id, log)
    left = await store.delivery(schedule.id, JUNE_10, Kind.REMINDER)
    assert (left.state, left.message_id) == ("sending", None)

    # Process B starts 90 minutes later: far past any nonce window, inside the catch-up.
    clock.set(JUNE_10_FIRE + timedelta(minutes=90))
    store_b = await reopen_store()
    try:
        poster_b = FakePoster(clock, channel_log=log)
        engine_b = make_engine(engine_store=store_b, engine_poster=poster_b)
        await engine_b.catch_up(await store_b.schedules(enabled_only=True))

        assert poster_b.posts == []  # nothing posted again
        assert len(log) == 1
        assert poster_b.reads == [
            (CHANNEL, JUNE_10_FIRE, (nonce(schedule.id, JUNE_10, Kind.REMINDER, 0),))
        ]
        delivery = await store_b.delivery(schedule.id, JUNE_10, Kind.REMINDER)
        assert (delivery.state, delivery.attempts) == ("sent", 2)
        assert delivery.message_id == log[0].message_id
    finally:
        await store_b.close()


async def test_only_the_parts_that_never_reached_discord_are_posted_after_a_crash(
    make_engine, reopen_store, add_schedule, clock, store
):
    schedule = await add_schedule()
    for user_id in range(1, 201):  # three parts: 90 + 90 + 20
        await set_reminders(store, GUILD, user_id, True)
    log: list = []
    await _die_after_posting(make_engine, clock, schedule.id, log, parts_before_death=2)
    assert [p.part.nonce for p in log] == [
        nonce(schedule.id, JUNE_10, Kind.REMINDER, 0),
        nonce(schedule.id, JUNE_10, Kind.REMINDER, 1),
    ]

    clock.set(JUNE_10_FIRE + timedelta(minutes=30))
    store_b = await reopen_store()
    try:
        poster_b = FakePoster(clock, channel_log=log)
        engine_b = make_engine(engine_store=store_b, engine_poster=poster_b)
        await engine_b.catch_up(await store_b.schedules(enabled_only=True))

        assert [p.part.nonce for p in poster_b.posts] == [
            nonce(schedule.id, JUNE_10, Kind.REMINDER, 2)
        ]
        assert [p.part.nonce for p in log] == [
            nonce(schedule.id, JUNE_10, Kind.REMINDER, index) for index in range(3)
        ]
        delivery = await store_b.delivery(schedule.id, JUNE_10, Kind.REMINDER)
        assert delivery.state == "sent"
        assert delivery.message_id == log[0].message_id  # the first part's, adopted
    finally:
        await store_b.close()


async def test_a_post_that_timed_out_but_arrived_is_adopted_by_the_retry(
    engine, add_schedule, clock, poster, store
):
    schedule = await add_schedule()
    poster.reach_then_fail = 1
    clock.set(JUNE_10_FIRE)

    await engine.fire(schedule.id)

    assert len(poster.channel_log) == 1  # one message in the channel, not two
    assert len(poster.reads) == 1
    delivery = await store.delivery(schedule.id, JUNE_10, Kind.REMINDER)
    assert delivery.state == "sent"
    assert delivery.message_id == poster.channel_log[0].message_id


async def test_a_first_attempt_never_reads_the_channel(engine, add_schedule, clock, poster):
    schedule = await add_schedule()
    clock.set(JUNE_10_FIRE)

    await engine.fire(schedule.id)

    assert len(poster.sent) == 1
    assert poster.reads == []  # a normal fan-out costs no extra request


async def test_when_nothing_is_found_the_occurrence_is_posted(
    make_engine, add_schedule, clock, store, poster
):
    schedule = await add_schedule()
    # A claim left by a process that died before its post left (the post never arrived).
    await store.claim_delivery(
        schedule.id, JUNE_10, Kind.REMINDER, JUNE_10_FIRE, JUNE_10_FIRE + timedelta(seconds=1)
    )
    clock.set(JUNE_10_FIRE + timedelta(minutes=10))

    await make_engine().catch_up(await store.schedules(enabled_only=True))

    assert len(poster.reads) == 1
    assert len(poster.sent) == 1
    assert "A bit late" in poster.sent[0].part.content


async def test_a_failed_read_is_retried_before_anything_is_posted(
    make_engine, add_schedule, clock, store, poster
):
    schedule = await add_schedule()
    await store.claim_delivery(
        schedule.id, JUNE_10, Kind.REMINDER, JUNE_10_FIRE, JUNE_10_FIRE + timedelta(seconds=1)
    )
    poster.channel_log.append(
        _reached(poster, schedule.id, JUNE_10_FIRE + timedelta(seconds=1), message_id=4242)
    )
    poster.read_failures = 2
    clock.set(JUNE_10_FIRE + timedelta(minutes=10))

    await make_engine().catch_up(await store.schedules(enabled_only=True))

    assert len(poster.reads) == 3
    assert poster.posts == []
    delivery = await store.delivery(schedule.id, JUNE_10, Kind.REMINDER)
    assert (delivery.state, delivery.message_id) == ("sent", 4242)


def _reached(poster, schedule_id, at, *, message_id):
    from bot.core.reminders import compose
    from tests.reminders.conftest import Post

    part = compose(schedule_id, JUNE_10, Kind.REMINDER, [], None)[0]
    return Post(CHANNEL, part, None, at, message_id)
