"""The follow-up nudge: only opted-in members who still haven't checked in, never the role."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest

from bot.core.reminders import Kind
from bot.reminders.poster import reminder_mentions
from tests.reminders.conftest import GUILD, ROLE
from tests.reminders.helpers import utc
from tests.support import record_day, set_nudge, set_reminders

JUNE_1 = date(2026, 6, 1)
JUNE_1_FIRE = utc(2026, 6, 1, 17, 0)  # 18:00 BST
NUDGE_AT = JUNE_1_FIRE + timedelta(hours=2)

STILL_OWING = 11
CHECKS_IN_LATER = 12
NOT_OPTED_IN = 13
OPTED_OUT_AGAIN = 14
CHECKED_IN_EARLY = 15


async def check_in(store, user_id: int, day: date = JUNE_1) -> None:
    await record_day(store, GUILD, user_id, day, now=JUNE_1_FIRE, source="test")


@pytest.fixture
async def nudged(add_schedule, store):
    schedule = await add_schedule()
    updated = await set_nudge(store, GUILD, schedule.id, 2)
    assert updated.nudge_hours == 2
    for user_id in (STILL_OWING, CHECKS_IN_LATER, OPTED_OUT_AGAIN, CHECKED_IN_EARLY):
        await set_reminders(store, GUILD, user_id, True)
    await set_reminders(store, GUILD, NOT_OPTED_IN, False)
    await check_in(store, CHECKED_IN_EARLY)
    return updated


def mentioned_users(content: str) -> list[int]:
    return [int(found) for found in re.findall(r"<@(\d+)>", content)]


async def test_reminder_arms_a_nudge_that_pings_only_those_still_owing(
    engine, nudged, clock, poster, store
):
    clock.set(JUNE_1_FIRE)
    await engine.fire(nudged.id)

    assert len(poster.sent) == 1
    reminder = poster.sent[0].part
    assert mentioned_users(reminder.content) == [STILL_OWING, CHECKS_IN_LATER, OPTED_OUT_AGAIN]
    assert engine.nudge_armed_at(nudged.id, JUNE_1) == NUDGE_AT

    await check_in(store, CHECKS_IN_LATER)
    await set_reminders(store, GUILD, OPTED_OUT_AGAIN, False)
    clock.set(NUDGE_AT - timedelta(seconds=1))
    await engine.run_due()
    assert len(poster.sent) == 1  # not yet
    clock.set(NUDGE_AT + timedelta(milliseconds=500))
    await engine.run_due()  # what the timer task does when the nudge's time comes
    assert engine.nudge_armed_at(nudged.id, JUNE_1) is None

    assert len(poster.sent) == 2
    nudge = poster.sent[1].part
    assert nudge.user_ids == (STILL_OWING,)
    assert mentioned_users(nudge.content) == [STILL_OWING]
    assert nudge.role_id is None
    assert "<@&" not in nudge.content
    assert reminder_mentions(nudge).to_dict() == {"parse": [], "users": [STILL_OWING]}
    assert poster.sent[1].quote is None
    delivery = await store.delivery(nudged.id, JUNE_1, Kind.NUDGE)
    assert (delivery.state, delivery.message_id) == ("sent", poster.sent[1].message_id)
    assert delivery.fire_at == NUDGE_AT
    # The reminder itself did ping the role.
    assert reminder.role_id == ROLE

    # Firing the nudge again sends nothing more.
    await engine.fire_nudge(nudged.id, JUNE_1)
    assert len(poster.sent) == 2


async def test_nudge_with_everyone_checked_in_posts_nothing_and_is_recorded(
    engine, nudged, clock, poster, store
):
    clock.set(JUNE_1_FIRE)
    await engine.fire(nudged.id)
    for user_id in (STILL_OWING, CHECKS_IN_LATER, OPTED_OUT_AGAIN):
        await check_in(store, user_id)

    clock.set(NUDGE_AT)
    await engine.fire_nudge(nudged.id, JUNE_1)

    assert len(poster.posts) == 1  # the reminder only
    delivery = await store.delivery(nudged.id, JUNE_1, Kind.NUDGE)
    assert (delivery.state, delivery.message_id) == ("sent", None)


async def test_no_nudge_without_a_sent_reminder_or_with_nudging_off(
    engine, nudged, clock, poster, store
):
    # No reminder went out that day: no nudge.
    clock.set(NUDGE_AT)
    await engine.fire_nudge(nudged.id, JUNE_1)
    assert poster.posts == []
    assert await store.delivery(nudged.id, JUNE_1, Kind.NUDGE) is None

    # Nudging switched off between the reminder and the nudge: nothing either.
    clock.set(JUNE_1_FIRE)
    await engine.fire(nudged.id)
    await set_nudge(store, GUILD, nudged.id, None)
    clock.set(NUDGE_AT)
    await engine.fire_nudge(nudged.id, JUNE_1)
    assert len(poster.posts) == 1
    assert await store.delivery(nudged.id, JUNE_1, Kind.NUDGE) is None


async def test_catch_up_rearms_a_pending_nudge_after_restart(
    make_engine, nudged, clock, poster, store
):
    clock.set(JUNE_1_FIRE)
    await make_engine().fire(nudged.id)

    clock.set(JUNE_1_FIRE + timedelta(minutes=45))  # restarted before the nudge was due
    restarted = make_engine()
    await restarted.catch_up(await store.schedules(enabled_only=True))

    assert len(poster.posts) == 1
    assert restarted.nudge_armed_at(nudged.id, JUNE_1) == NUDGE_AT


async def test_late_reminder_is_not_followed_at_once_by_its_nudge(
    make_engine, nudged, clock, poster, store
):
    await set_nudge(store, GUILD, nudged.id, 1)
    clock.set(JUNE_1_FIRE + timedelta(minutes=100))  # inside the 120-minute window
    engine = make_engine()

    await engine.catch_up(await store.schedules(enabled_only=True))

    assert "A bit late" in poster.sent[0].part.content
    assert len(poster.sent) == 1
    nudge = await store.delivery(nudged.id, JUNE_1, Kind.NUDGE)
    assert (nudge.state, nudge.message_id) == ("missed", None)
    # ...and it stays that way.
    await engine.catch_up(await store.schedules(enabled_only=True))
    await engine.fire_nudge(nudged.id, JUNE_1)
    assert len(poster.sent) == 1


async def test_nudge_missed_while_offline_is_still_sent_inside_the_window(
    make_engine, nudged, clock, poster, store
):
    await set_nudge(store, GUILD, nudged.id, 1)
    clock.set(JUNE_1_FIRE)
    await make_engine().fire(nudged.id)  # the reminder went out on time

    clock.set(JUNE_1_FIRE + timedelta(minutes=100))  # down across the nudge; back now
    await make_engine().catch_up(await store.schedules(enabled_only=True))

    assert len(poster.sent) == 2
    nudge = poster.sent[1].part
    assert nudge.role_id is None
    assert "A bit late" in nudge.content
    assert (await store.delivery(nudged.id, JUNE_1, Kind.NUDGE)).state == "sent"
