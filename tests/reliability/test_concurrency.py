"""Concurrency: one member (or one admin) doing the same thing many times at once.

Against the real bot process: 50 simultaneous `!legday` from one member, 20 simultaneous
`/legday checkin`, and a double click on a reminder's check-in button: one check-in, and
every command answered exactly once, the repeats with "Already logged today".

An admin removing a schedule while it fires: the engine's own hooks put the removal at
the two moments that matter (after the timer fired but before the occurrence was claimed,
and while the reminder is being posted), deterministically; under `--long` the real
process does it at a real minute boundary too. Either one reminder goes out whole, or
none; no delivery is left half-done in the deliveries table; nothing is logged as failed.

The use-case level (20 concurrent check-ins make one row) is
`tests/usecases/test_recording.py`.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

import pytest
import pytest_asyncio

from bot.core.quotes import Quote
from bot.core.reminders import ReminderPart
from bot.reminders import ReminderEngine
from bot.store import Store
from bot.usecases import schedules
from bot.usecases.cache import SettingsCache
from bot.usecases.quote_book import QuoteBook
from bot.usecases.services import Services
from fakediscord import Channel, Message, User
from tests import support
from tests.e2e.conftest import E2E, embed_text, field, open_stage
from tests.reminders.conftest import FakeClock, FakePoster

GUILD = 1_000
CHANNEL = 5_000
EVERY_DAY = frozenset(range(7))
CHECKIN = "legday:checkin"
FIRE_AT = datetime(2026, 6, 1, 17, 0, tzinfo=UTC)  # 18:00 in London (BST)
DAY = date(2026, 6, 1)


# --- removal while a schedule fires, at the engine's level -----------------------------


class GatedPoster(FakePoster):
    """A poster whose posts wait at a gate: the test acts while a post is in flight."""

    def __init__(self, clock: FakeClock) -> None:
        super().__init__(clock)
        self.entered = asyncio.Event()
        self.gate = asyncio.Event()

    async def post(self, channel_id: int, part: ReminderPart, quote: Quote | None) -> int:
        self.entered.set()
        await self.gate.wait()
        return await super().post(channel_id, part, quote)


class GatedQuoteBook(QuoteBook):
    """Picking the reminder's quote (the step right before the claim) waits at a gate,
    once it is closed: the test acts between the timer firing and the claim."""

    def __init__(self, store: Store) -> None:
        super().__init__(store, random.Random(7))
        self.entered = asyncio.Event()
        self.gate = asyncio.Event()
        self.gate.set()

    async def pick(self, guild_id: int, channel_id: int) -> Quote:
        self.entered.set()
        await self.gate.wait()
        return await super().pick(guild_id, channel_id)


@pytest.fixture
async def engine_world(store: Store) -> AsyncIterator[tuple[ReminderEngine, Services, FakeClock]]:
    clock = FakeClock(FIRE_AT - timedelta(minutes=5))
    poster = GatedPoster(clock)
    engine = ReminderEngine(
        store,
        poster,
        GatedQuoteBook(store),
        clock=clock.now,
        catchup_minutes=120,
        sends_per_second=1000,
        sleep=clock.sleep,
    )
    services = Services(
        store=store,
        cache=SettingsCache(),
        quotes=QuoteBook(store, random.Random(7)),
        timers=engine,
        now=clock.now,
        default_zone="UTC",
        weekly=support.RecordingWeekly(),
        roles=support.RecordingRoles(),
    )
    engine.sender.start()
    try:
        yield engine, services, clock
    finally:
        await engine.stop()


async def _armed_schedule(engine: ReminderEngine, store: Store, clock: FakeClock) -> int:
    schedule = await support.add_schedule(
        store,
        GUILD,
        CHANNEL,
        None,
        EVERY_DAY,
        time(18, 0),
        "Europe/London",
        clock.now() - timedelta(days=1),
    )
    # With a nudge, so a delivery that finished after the removal must not arm one either.
    await store.run(
        lambda tx: tx.execute(
            "UPDATE schedules SET nudge_hours = 2 WHERE id = :id", {"id": schedule.id}
        )
    )
    updated = await store.schedule(schedule.id)
    assert updated is not None
    engine.arm(updated)
    assert engine.armed_at(schedule.id) == FIRE_AT
    return schedule.id


async def _deliveries(store: Store, schedule_id: int) -> list[Any]:
    return await store.read(
        lambda tx: tx.rows(
            "SELECT state FROM deliveries WHERE schedule_id = :id", {"id": schedule_id}
        )
    )


async def test_removal_after_the_timer_fired_but_before_the_claim_sends_nothing(
    engine_world: tuple[ReminderEngine, Services, FakeClock],
    store: Store,
    caplog: pytest.LogCaptureFixture,
):
    engine, services, clock = engine_world
    schedule_id = await _armed_schedule(engine, store, clock)
    poster, quotes = engine.poster, engine.quotes
    assert isinstance(poster, GatedPoster) and isinstance(quotes, GatedQuoteBook)
    poster.gate.set()
    quotes.gate.clear()
    clock.set(FIRE_AT)
    with caplog.at_level(logging.WARNING):
        # The timer fires (as the timer task does it: pop, re-arm, start the delivery)...
        firing = asyncio.gather(*engine._on_due(engine.timers.pop_due()))
        await asyncio.wait_for(quotes.entered.wait(), 5)
        # ...and the admin's removal commits before the occurrence is claimed.
        assert await schedules.remove(services, GUILD, schedule_id)
        quotes.gate.set()
        await asyncio.wait_for(firing, 5)

    assert poster.posts == []
    assert await _deliveries(store, schedule_id) == []
    assert engine.armed_at(schedule_id) is None
    assert engine.nudge_armed_at(schedule_id, DAY) is None
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


async def test_removal_while_the_reminder_is_posted_leaves_one_whole_reminder(
    engine_world: tuple[ReminderEngine, Services, FakeClock],
    store: Store,
    caplog: pytest.LogCaptureFixture,
):
    engine, services, clock = engine_world
    schedule_id = await _armed_schedule(engine, store, clock)
    poster = engine.poster
    assert isinstance(poster, GatedPoster)
    clock.set(FIRE_AT)
    with caplog.at_level(logging.WARNING):
        firing = asyncio.gather(*engine._on_due(engine.timers.pop_due()))
        await asyncio.wait_for(poster.entered.wait(), 5)  # claimed, the post is in flight
        assert [row["state"] for row in await _deliveries(store, schedule_id)] == ["sending"]
        assert await schedules.remove(services, GUILD, schedule_id)
        poster.gate.set()
        await asyncio.wait_for(firing, 5)

    assert len(poster.sent) == 1 and poster.sent[0].part.first
    # The removal took the schedule's history with it, and nothing came back after it.
    assert await _deliveries(store, schedule_id) == []
    assert await store.schedule(schedule_id) is None
    assert engine.armed_at(schedule_id) is None
    assert engine.nudge_armed_at(schedule_id, DAY) is None
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


# --- the real bot process ----------------------------------------------------------------

# The e2e tests run in the stage's loop (module-scoped); the engine tests above in their own.
on_stage = pytest.mark.asyncio(loop_scope="module")

ALREADY = "Already logged today"
LOGGED = "Leg day logged"


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def e2e(tmp_path_factory: pytest.TempPathFactory, backend: str) -> AsyncIterator[E2E]:
    async for stage in open_stage(tmp_path_factory.mktemp("concurrency"), backend=backend):
        yield stage


def titles(messages: list[Message]) -> Counter[str]:
    """How many answers start with each title (check-in answers are embeds)."""
    found: Counter[str] = Counter()
    for message in messages:
        title = message.embeds[0]["title"] if message.embeds else message.content
        found[
            LOGGED if title.startswith(LOGGED) else ALREADY if title.startswith(ALREADY) else title
        ] += 1
    return found


def checkin_rows(e2e: E2E, user: User) -> int:
    [(count,)] = e2e.rows(
        "SELECT COUNT(*) FROM checkins WHERE guild_id = :guild AND user_id = :user",
        guild=e2e.guild.id,
        user=user.id,
    )
    return int(count)


async def answers_to(
    e2e: E2E, channel: Channel, said: list[Message], within: float
) -> list[Message]:
    """Each said message's one reply, after waiting for all of them, and then a moment
    to see that no second answer follows."""
    wanted = {str(m.id) for m in said}

    def replies() -> list[Message]:
        return [
            m
            for m in e2e.fd.messages(channel)
            if m.author.id == e2e.fd.bot_user.id
            and (m.message_reference or {}).get("message_id") in wanted
        ]

    await e2e.fd.emulator.notifier.wait_for(
        lambda: (
            len({(m.message_reference or {}).get("message_id") for m in replies()}) == len(wanted)
        ),
        within,
        "a reply to every command",
    )
    await asyncio.sleep(0.5)
    found = replies()
    per_command = Counter((m.message_reference or {}).get("message_id") for m in found)
    assert set(per_command.values()) == {1}, per_command
    return found


@on_stage
async def test_simultaneous_prefix_checkins_from_one_member_log_once(e2e: E2E, long_run: bool):
    count = 200 if long_run else 50
    room = e2e.fd.create_channel(e2e.guild, "prefix-burst")
    lifter = e2e.member("burst")
    said = await asyncio.gather(*(e2e.fd.say(lifter, room, "!legday") for _ in range(count)))
    replies = await answers_to(e2e, room, list(said), within=30 if long_run else 15)
    assert titles(replies) == {LOGGED: 1, ALREADY: count - 1}
    assert checkin_rows(e2e, lifter) == 1
    stats = await e2e.ask(lifter, "!legday stats", room)
    assert field(stats, "Total") == "1 leg day"


@on_stage
async def test_simultaneous_slash_checkins_from_one_member_log_once(e2e: E2E, long_run: bool):
    count = 50 if long_run else 20
    room = e2e.fd.create_channel(e2e.guild, "slash-burst")
    lifter = e2e.member("slasher")
    records = await asyncio.gather(
        *(e2e.fd.slash(lifter, room, "legday checkin", {}) for _ in range(count))
    )
    answers = await asyncio.gather(*(r.wait_response(timeout=15) for r in records))
    await asyncio.sleep(0.5)
    assert titles(list(answers)) == {LOGGED: 1, ALREADY: count - 1}
    for record in records:  # each interaction answered once, with a message
        assert record.response_type == 4 and record.followups == [], record.callbacks
    assert checkin_rows(e2e, lifter) == 1


@on_stage
async def test_a_double_click_on_a_reminders_button_checks_in_once(e2e: E2E, long_run: bool):
    room = e2e.fd.create_channel(e2e.guild, "double-click")
    admin = e2e.admin("clicks")
    added = await e2e.ask(admin, f"!legday schedule add daily 03:00 <#{room.id}>", room)
    schedule_id = int(added.embeds[0]["title"].split("#")[1].split()[0])
    # `schedule test` posts the reminder as it would go out, with its check-in button.
    await e2e.ask(admin, f"!legday schedule test {schedule_id}", room)
    reminder = await e2e.fd.next_message(room, predicate=lambda m: CHECKIN in m.custom_ids())
    for round in range(5 if long_run else 1):
        lifter = e2e.member(f"clicker{round}")
        clicks = await asyncio.gather(*(e2e.fd.click(lifter, reminder, CHECKIN) for _ in range(2)))
        answers = await asyncio.gather(*(c.wait_response(timeout=10) for c in clicks))
        await asyncio.sleep(0.3)
        assert titles(list(answers)) == {LOGGED: 1, ALREADY: 1}
        assert all(a.ephemeral for a in answers)
        for click in clicks:
            assert click.response_type == 4 and click.followups == []
        assert checkin_rows(e2e, lifter) == 1
    await e2e.ask(admin, f"!legday schedule remove {schedule_id}", room)


@on_stage
async def test_an_admin_removes_a_schedule_while_it_fires(e2e: E2E, long_run: bool):
    """The real process at a real minute boundary (so only under `--long`: up to a
    minute's wait). The reminder's post is held up at Discord while the admin removes
    the schedule: one whole reminder, the removal confirmed, no delivery row left."""
    if not long_run:
        pytest.skip("waits for a minute boundary: `pytest --long` (engine-level race above)")
    room = e2e.fd.create_channel(e2e.guild, "removed-while-firing")
    admin = e2e.admin("remover")
    now = datetime.now(UTC)
    fire = (now + timedelta(minutes=1)).replace(second=0, microsecond=0)
    if (fire - now).total_seconds() < 8:
        fire += timedelta(minutes=1)
    days = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")[fire.weekday()]
    added = await e2e.ask(admin, f"!legday schedule add {days} {fire:%H:%M} <#{room.id}>", room)
    schedule_id = int(added.embeds[0]["title"].split("#")[1].split()[0])
    e2e.fd.delay(f"POST /channels/{room.id}/messages", 2.0, count=1)
    await asyncio.sleep(max((fire - datetime.now(UTC)).total_seconds(), 0) + 0.5)
    # The reminder is claimed and on its way (delayed); the admin removes the schedule.
    removed = await e2e.ask(admin, f"!legday schedule remove {schedule_id}", room, within=10)
    assert removed.content == f"Removed schedule #{schedule_id}."
    await asyncio.sleep(3)
    reminders = [m for m in e2e.fd.messages(room) if CHECKIN in m.custom_ids()]
    assert len(reminders) == 1 and "It's leg day!" in reminders[0].content
    rows = e2e.rows("SELECT state FROM deliveries WHERE schedule_id = :id", id=schedule_id)
    assert rows == []
    listed = await e2e.ask(admin, "!legday schedule list", room)
    assert f"**#{schedule_id}**" not in embed_text(listed)
