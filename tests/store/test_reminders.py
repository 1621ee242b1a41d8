"""Reminder schedules and the deliveries ledger."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

from bot.store import Delivery, Schedule, Store
from bot.store.sql import checkins as checkins_sql
from bot.store.sql import schedules as schedules_sql
from bot.store.sql import settings as settings_sql
from bot.store.sql.deliveries import STALE_CLAIM
from bot.usecases import schedules
from bot.usecases.schedules import MAX_SCHEDULES
from tests.support import make_services

GUILD = 900
OTHER_GUILD = 901
CHANNEL = 1_234_567_890_123_456_789
ROLE = 1_111_111_111_111_111_111
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
DAY = date(2026, 11, 25)
FIRE_AT = datetime(2026, 11, 25, 18, 0, tzinfo=UTC)
MON_THU = frozenset({0, 3})


async def add(store: Store, guild: int = GUILD, **overrides) -> Schedule:
    values = {
        "channel_id": CHANNEL,
        "role_id": ROLE,
        "days": MON_THU,
        "at": time(18, 30),
        "timezone": "Europe/London",
        "broadcast": None,
    }
    values.update(overrides)
    return await store.run(lambda tx: schedules_sql.add(tx, guild, now=NOW, **values))


async def set_nudge(store: Store, guild: int, schedule_id: int, hours: int | None):
    return await store.run(
        lambda tx: schedules_sql.update(tx, guild, schedule_id, "nudge", nudge_hours=hours)
    )


async def enable(store: Store, guild: int, schedule_id: int):
    return await store.run(lambda tx: schedules_sql.update(tx, guild, schedule_id, "enable"))


async def remove(store: Store, guild: int, schedule_id: int) -> bool:
    return await store.run(lambda tx: schedules_sql.remove(tx, guild, schedule_id))


async def test_add_schedule_returns_what_it_stored(store: Store):
    schedule = await add(store)

    assert schedule == Schedule(
        id=schedule.id,
        guild_id=GUILD,
        channel_id=CHANNEL,
        role_id=ROLE,
        days=MON_THU,
        at=time(18, 30),
        timezone="Europe/London",
        nudge_hours=None,
        enabled=True,
        disabled_reason=None,
        created_at=NOW,
    )
    assert await store.schedule(schedule.id) == schedule
    assert await store.schedules(GUILD) == [schedule]


async def test_add_schedule_respects_the_limit_per_guild(store: Store):
    services = make_services(store, lambda: NOW)

    async def add_one(guild: int, hour: int) -> Schedule | None:
        return await schedules.add(
            services, guild, CHANNEL, role_id=None, broadcast=None, days=MON_THU, at=time(hour, 5)
        )

    made = [await add_one(GUILD, hour) for hour in range(MAX_SCHEDULES)]
    assert all(s is not None for s in made)

    assert await add_one(GUILD, 23) is None
    assert [s.id for s in await store.schedules(GUILD)] == [s.id for s in made if s]
    assert set(services.timers.armed) == {s.id for s in made if s}  # type: ignore[attr-defined]
    # Another guild has its own allowance.
    other = await add_one(OTHER_GUILD, 7)
    assert other is not None and other.guild_id == OTHER_GUILD


async def test_schedules_filters_by_guild_and_enabled(store: Store):
    a = await add(store)
    b = await add(store)
    c = await add(store, OTHER_GUILD)
    await store.disable_schedule(b.id, "channel gone")

    assert [s.id for s in await store.schedules()] == [a.id, b.id, c.id]
    assert [s.id for s in await store.schedules(enabled_only=True)] == [a.id, c.id]
    assert [s.id for s in await store.schedules(GUILD, enabled_only=True)] == [a.id]
    assert await store.schedule(10_000) is None


async def test_remove_schedule_also_deletes_its_deliveries(store: Store):
    schedule = await add(store)
    keep = await add(store)
    await store.claim_delivery(schedule.id, DAY, "remind", FIRE_AT, NOW)
    await store.claim_delivery(keep.id, DAY, "remind", FIRE_AT, NOW)

    assert await remove(store, OTHER_GUILD, schedule.id) is False
    assert await store.schedule(schedule.id) is not None
    assert await remove(store, GUILD, schedule.id) is True
    assert await store.schedule(schedule.id) is None
    assert await store.deliveries(schedule.id) == []
    assert len(await store.deliveries(keep.id)) == 1
    assert await remove(store, GUILD, schedule.id) is False


async def test_remove_schedule_of_another_guild_leaves_its_deliveries(store: Store):
    theirs = await add(store, OTHER_GUILD)
    await store.finish_delivery(theirs.id, DAY, "remind", "sent", NOW)  # no row yet: no-op
    await store.claim_delivery(theirs.id, DAY, "remind", FIRE_AT, NOW)
    await store.finish_delivery(theirs.id, DAY, "remind", "sent", NOW, message_id=42)

    assert await remove(store, GUILD, theirs.id) is False

    # Losing the `sent` row would let the other guild's reminder go out a second time.
    assert [d.state for d in await store.deliveries(theirs.id)] == ["sent"]


async def test_set_nudge_only_in_the_owning_guild(store: Store):
    schedule = await add(store)

    updated = await set_nudge(store, GUILD, schedule.id, 3)
    assert updated is not None and updated.nudge_hours == 3
    assert await set_nudge(store, OTHER_GUILD, schedule.id, 5) is None
    assert (await store.schedule(schedule.id)).nudge_hours == 3
    cleared = await set_nudge(store, GUILD, schedule.id, None)
    assert cleared is not None and cleared.nudge_hours is None


async def test_disable_happens_once_and_enable_clears_the_reason(store: Store):
    schedule = await add(store)

    disabled = await store.disable_schedule(schedule.id, "x" * 250)
    assert disabled is not None
    assert disabled.enabled is False
    assert disabled.disabled_reason == "x" * 200  # trimmed to the column
    assert await store.disable_schedule(schedule.id, "again") is None
    assert (await store.schedule(schedule.id)).disabled_reason == "x" * 200

    assert await enable(store, OTHER_GUILD, schedule.id) is None
    enabled = await enable(store, GUILD, schedule.id)
    assert enabled is not None
    assert (enabled.enabled, enabled.disabled_reason) == (True, None)
    assert await store.disable_schedule(schedule.id, "once more") is not None


async def test_set_guild_schedules_timezone(store: Store):
    a = await add(store)
    b = await add(store)
    other = await add(store, OTHER_GUILD)

    changed = await store.run(lambda tx: schedules_sql.set_guild_timezone(tx, GUILD, "Asia/Tokyo"))

    assert [s.id for s in changed] == [a.id, b.id]
    assert {s.timezone for s in changed} == {"Asia/Tokyo"}
    assert (await store.schedule(other.id)).timezone == "Europe/London"


async def test_reminder_targets_are_opted_in_members_not_yet_checked_in(store: Store):
    def opt(tx, guild: int, user: int, value: bool) -> None:
        settings_sql.set_member(tx, guild, user, "reminders_opt_in", value)

    def record(tx, guild: int, user: int, day: date) -> None:
        checkins_sql.insert(tx, guild, user, day, created_at=NOW, note=None, source="command")

    for user in (1, 2, 3, 4):
        await store.run(lambda tx, u=user: opt(tx, GUILD, u, True))
    await store.run(lambda tx: opt(tx, GUILD, 5, False))
    await store.run(lambda tx: opt(tx, OTHER_GUILD, 6, True))
    await store.run(lambda tx: record(tx, GUILD, 2, DAY))  # done for the day
    await store.run(lambda tx: record(tx, GUILD, 3, DAY - timedelta(days=1)))  # yesterday only
    await store.run(lambda tx: record(tx, OTHER_GUILD, 4, DAY))  # elsewhere only

    assert await store.reminder_targets(GUILD, DAY) == [1, 3, 4]
    assert await store.reminder_targets(OTHER_GUILD, DAY) == [6]
    assert await store.reminder_targets(GUILD, DAY - timedelta(days=1)) == [1, 2, 4]


async def test_first_claim_returns_a_sending_row(store: Store):
    schedule = await add(store)

    claimed = await store.claim_delivery(schedule.id, DAY, "remind", FIRE_AT, NOW)

    assert claimed == Delivery(
        schedule_id=schedule.id,
        occurrence_day=DAY,
        kind="remind",
        state="sending",
        fire_at=FIRE_AT,
        message_id=None,
        attempts=1,
        error=None,
        updated_at=NOW,
    )
    assert await store.delivery(schedule.id, DAY, "remind") == claimed
    # The nudge of the same day is a separate occurrence.
    nudge = await store.claim_delivery(schedule.id, DAY, "nudge", FIRE_AT, NOW)
    assert nudge is not None and nudge.kind == "nudge"


async def test_a_fresh_sending_claim_cannot_be_taken(store: Store):
    schedule = await add(store)
    await store.claim_delivery(schedule.id, DAY, "remind", FIRE_AT, NOW)

    assert await store.claim_delivery(schedule.id, DAY, "remind", FIRE_AT, NOW) is None
    just_fresh = NOW + STALE_CLAIM - timedelta(seconds=1)
    assert await store.claim_delivery(schedule.id, DAY, "remind", FIRE_AT, just_fresh) is None
    assert (await store.delivery(schedule.id, DAY, "remind")).attempts == 1


async def test_a_stale_sending_claim_is_reclaimed_with_another_attempt(store: Store):
    schedule = await add(store)
    await store.claim_delivery(schedule.id, DAY, "remind", FIRE_AT, NOW)
    later = NOW + STALE_CLAIM + timedelta(seconds=1)

    reclaimed = await store.claim_delivery(schedule.id, DAY, "remind", FIRE_AT, later)

    assert reclaimed is not None
    assert (reclaimed.state, reclaimed.attempts) == ("sending", 2)
    # The re-claim refreshed the timestamp, so it is fresh again.
    assert await store.claim_delivery(schedule.id, DAY, "remind", FIRE_AT, later) is None


async def test_failed_is_reclaimed_and_sent_never(store: Store):
    schedule = await add(store)
    await store.claim_delivery(schedule.id, DAY, "remind", FIRE_AT, NOW)
    await store.finish_delivery(schedule.id, DAY, "remind", "failed", NOW, error="e" * 300)

    failed = await store.delivery(schedule.id, DAY, "remind")
    assert (failed.state, failed.error) == ("failed", "e" * 200)
    retry = await store.claim_delivery(schedule.id, DAY, "remind", FIRE_AT, NOW)
    assert retry is not None and (retry.state, retry.attempts) == ("sending", 2)

    await store.finish_delivery(schedule.id, DAY, "remind", "sent", NOW, message_id=CHANNEL)
    sent = await store.delivery(schedule.id, DAY, "remind")
    assert (sent.state, sent.message_id, sent.error) == ("sent", CHANNEL, None)
    much_later = NOW + timedelta(days=1)
    assert await store.claim_delivery(schedule.id, DAY, "remind", FIRE_AT, much_later) is None
    assert await store.delivery(schedule.id, DAY, "remind") == sent


async def test_record_missed_never_overwrites_sent(store: Store):
    schedule = await add(store)
    later = NOW + timedelta(hours=1)

    assert await store.record_missed(schedule.id, DAY, "remind", FIRE_AT, NOW) is True
    missed = await store.delivery(schedule.id, DAY, "remind")
    assert (missed.state, missed.attempts) == ("missed", 0)
    assert await store.claim_delivery(schedule.id, DAY, "remind", FIRE_AT, later) is None

    other_day = DAY + timedelta(days=1)
    await store.claim_delivery(schedule.id, other_day, "remind", FIRE_AT, NOW)
    await store.finish_delivery(schedule.id, other_day, "remind", "sent", NOW, message_id=7)
    assert await store.record_missed(schedule.id, other_day, "remind", FIRE_AT, later) is False
    assert (await store.delivery(schedule.id, other_day, "remind")).state == "sent"

    third_day = DAY + timedelta(days=2)
    await store.claim_delivery(schedule.id, third_day, "remind", FIRE_AT, NOW)
    assert await store.record_missed(schedule.id, third_day, "remind", FIRE_AT, later) is True
    assert (await store.delivery(schedule.id, third_day, "remind")).state == "missed"


async def test_deleting_a_schedule_cascades_through_the_foreign_key(store: Store):
    schedule = await add(store)
    await store.claim_delivery(schedule.id, DAY, "remind", FIRE_AT, NOW)
    await store.run(
        lambda tx: tx.execute("DELETE FROM schedules WHERE id = :id", {"id": schedule.id})
    )
    assert await store.deliveries(schedule.id) == []


async def test_large_snowflakes_round_trip_in_schedules(store: Store):
    guild = 1_234_567_890_123_456_789
    schedule = await add(store, guild)
    await store.claim_delivery(schedule.id, DAY, "remind", FIRE_AT, NOW)
    await store.finish_delivery(schedule.id, DAY, "remind", "sent", NOW, message_id=2**63 - 1)

    stored = await store.schedule(schedule.id)
    assert (stored.guild_id, stored.channel_id, stored.role_id) == (guild, CHANNEL, ROLE)
    assert (await store.delivery(schedule.id, DAY, "remind")).message_id == 2**63 - 1


async def test_a_removed_schedule_has_no_occurrence_to_claim_miss_or_finish(
    backend_store: Store,
):
    """A timer that fired just before its schedule was removed reaches the ledger after
    the removal: nothing to record, and no foreign-key error (issue 12)."""
    store = backend_store
    kept, gone = await add(store), await add(store)
    await store.claim_delivery(gone.id, DAY, "remind", FIRE_AT, NOW)
    assert await remove(store, GUILD, gone.id)

    assert await store.claim_delivery(gone.id, DAY, "remind", FIRE_AT, NOW) is None
    assert await store.claim_delivery(gone.id, DAY, "nudge", FIRE_AT, NOW) is None
    assert await store.record_missed(gone.id, DAY, "remind", FIRE_AT, NOW) is False
    assert await store.finish_delivery(gone.id, DAY, "remind", "sent", NOW) is False
    assert await store.delivery(gone.id, DAY, "remind") is None
    # The schedule that stays is claimed and finished as before.
    assert await store.claim_delivery(kept.id, DAY, "remind", FIRE_AT, NOW) is not None
    assert await store.finish_delivery(kept.id, DAY, "remind", "sent", NOW, message_id=1)
    assert await store.record_missed(kept.id, DAY + timedelta(days=1), "remind", FIRE_AT, NOW)
