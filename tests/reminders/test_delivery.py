"""engine.fire / deliver: claim -> post -> record, exactly once per occurrence."""

from __future__ import annotations

import re
from datetime import date, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.core.reminders import Kind, nonce
from bot.store.sql.deliveries import STALE_CLAIM
from tests.reminders.conftest import CHANNEL, GUILD, ROLE
from tests.reminders.helpers import fires_on, utc
from tests.support import set_reminders

LONDON = ZoneInfo("Europe/London")
JUNE_1 = date(2026, 6, 1)
JUNE_1_FIRE = utc(2026, 6, 1, 17, 0)  # 18:00 BST


async def test_fire_posts_once_and_records_sent(engine, add_schedule, clock, poster, store):
    schedule = await add_schedule()
    clock.set(JUNE_1_FIRE + timedelta(seconds=1))

    await engine.fire(schedule.id)

    assert len(poster.posts) == 1
    post = poster.posts[0]
    assert post.channel_id == CHANNEL
    assert post.part.first
    assert post.part.role_id == ROLE
    assert f"<@&{ROLE}>" in post.part.content
    assert "A bit late" not in post.part.content
    assert post.part.nonce == nonce(schedule.id, JUNE_1, Kind.REMINDER, 0)
    assert post.quote is not None
    delivery = await store.delivery(schedule.id, JUNE_1, Kind.REMINDER)
    assert delivery is not None
    assert delivery.state == "sent"
    assert delivery.message_id == post.message_id
    assert delivery.fire_at == JUNE_1_FIRE
    assert delivery.attempts == 1
    assert delivery.error is None

    # The same occurrence fired again (a restart, a second process) posts nothing.
    clock.advance(3)
    await engine.fire(schedule.id)
    assert len(poster.posts) == 1
    assert (await store.delivery(schedule.id, JUNE_1, Kind.REMINDER)).attempts == 1

    # The next day is a new occurrence.
    clock.set(JUNE_1_FIRE + timedelta(days=1))
    await engine.fire(schedule.id)
    assert len(poster.sent) == 2
    assert [d.state for d in await store.deliveries(schedule.id)] == ["sent", "sent"]


async def test_fire_on_a_day_the_schedule_skips_posts_nothing(
    engine, add_schedule, clock, poster, store
):
    # Mondays only; 2026-06-02 is a Tuesday: the latest due occurrence is Monday's.
    schedule = await add_schedule(days=frozenset({0}))
    clock.set(JUNE_1_FIRE)
    await engine.fire(schedule.id)
    clock.set(utc(2026, 6, 2, 17, 0))
    await engine.fire(schedule.id)
    assert len(poster.posts) == 1
    assert [d.occurrence_day for d in await store.deliveries(schedule.id)] == [JUNE_1]


async def test_a_fresh_claim_by_another_sender_is_left_alone_until_stale(
    engine, add_schedule, clock, poster, store
):
    schedule = await add_schedule()
    claimed = await store.claim_delivery(
        schedule.id, JUNE_1, Kind.REMINDER, JUNE_1_FIRE, JUNE_1_FIRE
    )
    assert claimed is not None and claimed.state == "sending"

    clock.set(JUNE_1_FIRE + timedelta(seconds=2))
    await engine.fire(schedule.id)
    assert poster.posts == []  # someone else may still be sending it

    clock.set(JUNE_1_FIRE + STALE_CLAIM + timedelta(seconds=1))
    await engine.fire(schedule.id)
    assert len(poster.sent) == 1
    delivery = await store.delivery(schedule.id, JUNE_1, Kind.REMINDER)
    assert (delivery.state, delivery.attempts) == ("sent", 2)


# --- DST ------------------------------------------------------------------------------


async def test_fall_back_fold_fires_once_at_the_first_time_and_never_twice(
    engine, add_schedule, clock, poster, store
):
    schedule = await add_schedule(at=time(1, 30))
    day = date(2026, 10, 25)  # BST -> GMT at 02:00 BST; 01:00-02:00 happens twice

    # The calendar fires the fold day once, at the first 01:30.
    fires = fires_on(engine, schedule, day)
    assert fires == [utc(2026, 10, 25, 0, 30)]

    # Even fired by hand at both 01:30s (a restart inside the fold), it posts once.
    for instant in (utc(2026, 10, 25, 0, 30), utc(2026, 10, 25, 1, 30)):
        clock.set(instant + timedelta(milliseconds=300))
        await engine.fire(schedule.id)

    assert len(poster.posts) == 1
    delivery = await store.delivery(schedule.id, day, Kind.REMINDER)
    assert delivery.state == "sent"
    assert delivery.fire_at == utc(2026, 10, 25, 0, 30)  # the first 01:30
    assert [d.occurrence_day for d in await store.deliveries(schedule.id)] == [day]


async def test_spring_forward_gap_day_still_gets_its_reminder(
    engine, add_schedule, clock, poster, store
):
    schedule = await add_schedule(at=time(1, 30))
    day = date(2026, 3, 29)  # GMT -> BST at 01:00 GMT: 01:30 does not exist

    fires = fires_on(engine, schedule, day)
    assert fires == [utc(2026, 3, 29, 1, 30)]  # 02:30 BST, as far past the gap as 01:30 was in

    clock.set(fires[0] + timedelta(milliseconds=300))
    await engine.fire(schedule.id)

    assert len(poster.sent) == 1
    assert "A bit late" not in poster.sent[0].part.content
    delivery = await store.delivery(schedule.id, day, Kind.REMINDER)
    assert (delivery.state, delivery.fire_at) == ("sent", utc(2026, 3, 29, 1, 30))


# --- failures -------------------------------------------------------------------------


@pytest.mark.parametrize("reason", ["missing access (50001)", "channel not found (10003)"])
async def test_permanent_failure_disables_schedule_and_tells_admins_once(
    engine, add_schedule, clock, poster, store, reason
):
    schedule = await add_schedule()
    engine.arm(schedule)
    assert engine.armed_at(schedule.id) is not None
    poster.fail_permanently = reason
    clock.set(JUNE_1_FIRE)

    await engine.fire(schedule.id)

    assert len(poster.posts) == 1 and poster.sent == []
    assert clock.sleeps == []  # no retrying a 403/404
    delivery = await store.delivery(schedule.id, JUNE_1, Kind.REMINDER)
    assert (delivery.state, delivery.error, delivery.message_id) == ("failed", reason, None)
    stored = await store.schedule(schedule.id)
    assert not stored.enabled
    assert stored.disabled_reason is not None
    assert reason in stored.disabled_reason and f"<#{CHANNEL}>" in stored.disabled_reason
    assert engine.armed_at(schedule.id) is None
    assert len(poster.admin_notes) == 1
    guild_id, text = poster.admin_notes[0]
    assert guild_id == GUILD
    assert f"#{schedule.id}" in text and reason in text

    # It happens again (a delivery already under way with the old, enabled schedule):
    # recorded, but the admins are not told twice.
    await engine.deliver(schedule, JUNE_1 + timedelta(days=1), JUNE_1_FIRE, Kind.REMINDER)
    assert (await store.delivery(schedule.id, JUNE_1 + timedelta(days=1), "main")).state == (
        "failed"
    )
    assert len(poster.admin_notes) == 1

    # A disabled schedule's fire posts nothing at all.
    clock.set(JUNE_1_FIRE + timedelta(days=2))
    await engine.fire(schedule.id)
    assert len(poster.posts) == 2
    assert len(poster.admin_notes) == 1


async def test_transient_failures_are_retried_with_backoff(
    engine, add_schedule, clock, poster, store
):
    schedule = await add_schedule()
    poster.transient_failures = 3
    clock.set(JUNE_1_FIRE)

    await engine.fire(schedule.id)

    assert clock.sleeps == [2.0, 4.0, 8.0]
    assert len(poster.posts) == 4  # three failed attempts, then the one that went out
    assert len(poster.sent) == 1
    assert {p.part.nonce for p in poster.posts} == {nonce(schedule.id, JUNE_1, Kind.REMINDER, 0)}
    delivery = await store.delivery(schedule.id, JUNE_1, Kind.REMINDER)
    assert delivery.state == "sent"
    assert delivery.message_id == poster.sent[0].message_id
    assert delivery.attempts == 1  # one claim; the retries happened under it
    assert (await store.schedule(schedule.id)).enabled
    assert poster.admin_notes == []


async def test_transient_failures_give_up_at_the_catch_up_window(
    engine, add_schedule, clock, poster, store
):
    schedule = await add_schedule()
    poster.transient_failures = 10_000
    clock.set(JUNE_1_FIRE)

    await engine.fire(schedule.id)

    deadline = JUNE_1_FIRE + timedelta(minutes=120)
    assert poster.sent == []
    assert clock.now() <= deadline
    assert sum(clock.sleeps) <= 120 * 60
    # back-off doubles up to 5 minutes
    assert clock.sleeps[:4] == [2.0, 4.0, 8.0, 16.0]
    assert max(clock.sleeps) == 300
    assert len(poster.posts) == len(clock.sleeps) + 1
    delivery = await store.delivery(schedule.id, JUNE_1, Kind.REMINDER)
    assert (delivery.state, delivery.error) == ("failed", "Discord error 503")
    assert (await store.schedule(schedule.id)).enabled  # transient: not disabled
    assert poster.admin_notes == []

    # Discord is back: the next day goes out normally.
    poster.transient_failures = 0
    clock.set(JUNE_1_FIRE + timedelta(days=1))
    await engine.fire(schedule.id)
    assert len(poster.sent) == 1


async def test_retry_after_a_later_part_fails_does_not_repost_earlier_parts(
    engine, add_schedule, clock, poster, store
):
    schedule = await add_schedule()
    for user_id in range(1, 101):  # two parts: 90 + 10
        await set_reminders(store, GUILD, user_id, True)
    poster.fail_on = lambda part: not part.first
    poster.transient_failures = 8  # 2+4+...+256 s: ~8.5 minutes of retrying
    clock.set(JUNE_1_FIRE)

    await engine.fire(schedule.id)

    delivery = await store.delivery(schedule.id, JUNE_1, Kind.REMINDER)
    assert delivery.state == "sent"
    nonces = [p.part.nonce for p in poster.sent]
    assert nonces == [
        nonce(schedule.id, JUNE_1, Kind.REMINDER, 0),
        nonce(schedule.id, JUNE_1, Kind.REMINDER, 1),
    ]
    # The retries were of the second part only, and the first part's id is recorded.
    assert [p.part.first for p in poster.posts].count(True) == 1
    assert len(poster.posts) == 1 + 8 + 1
    assert delivery.message_id == poster.sent[0].message_id


async def test_post_test_marks_the_message_and_records_nothing(
    engine, add_schedule, clock, poster, store
):
    schedule = await add_schedule()
    await set_reminders(store, GUILD, 42, True)
    clock.set(JUNE_1_FIRE - timedelta(hours=3))

    await engine.post_test(schedule)

    assert len(poster.sent) == 1
    part = poster.sent[0].part
    assert "Test reminder" in part.content
    assert part.nonce is None
    assert re.findall(r"<@(\d+)>", part.content) == ["42"]
    assert await store.deliveries(schedule.id) == []
    # ...so the real reminder still goes out later that day.
    clock.set(JUNE_1_FIRE)
    await engine.fire(schedule.id)
    assert len(poster.sent) == 2
