"""Fixtures for the reminder engine: a clock the test moves, a recording poster, and an
engine on a real migrated store, SQLite and PostgreSQL (`backend_store` of
tests/conftest.py; `reopen_store` opens a second process's store on the same database)."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Callable, Collection
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, time, timedelta
from typing import Any

import pytest

from bot.core.quotes import Quote
from bot.core.reminders import ReminderPart
from bot.reminders import ReminderEngine
from bot.reminders.poster import LOOK_BACK, PostFailed
from bot.store import Schedule, Store
from bot.usecases.quote_book import QuoteBook
from tests import support

GUILD = 1_000
OTHER_GUILD = 2_000
CHANNEL = 5_000
ROLE = 7_000
EVERY_DAY = frozenset(range(7))
CATCHUP_MINUTES = 120


class FakeClock:
    """`now()` only moves when the test (or the fake sleep) moves it."""

    def __init__(self, start: datetime) -> None:
        self.current = start
        self.sleeps: list[float] = []

    def now(self) -> datetime:
        return self.current

    def set(self, moment: datetime) -> None:
        assert moment.tzinfo is not None
        self.current = moment.astimezone(UTC)

    def advance(self, delta: timedelta | float) -> None:
        if not isinstance(delta, timedelta):
            delta = timedelta(seconds=delta)
        self.current += delta

    async def sleep(self, seconds: float) -> None:
        """The engine's retry back-off: no real waiting, the clock jumps instead."""
        self.sleeps.append(seconds)
        self.advance(seconds)
        await asyncio.sleep(0)


@dataclass(frozen=True)
class Post:
    channel_id: int
    part: ReminderPart
    quote: Quote | None
    at: datetime
    message_id: int | None  # None when the attempt failed or never finished


@dataclass
class FakePoster:
    """Implements the Poster protocol and records everything.

    `fail_permanently` makes every post raise PostFailed(permanent=True) (a 403/404);
    `transient_failures` makes the next N post attempts raise a transient PostFailed;
    `fail_on` (a predicate on the part) limits those failures to matching parts;
    `hang` makes a post record itself and then never return (a process dying mid-send);
    `hang_after_reaching` does the same after the message reached the channel (a process
    dying between Discord's answer and recording it); `reach_then_fail` makes the next N
    posts reach the channel and then fail as a timeout would. `channel_log` is what
    Discord holds: share one list between the posters of two "processes".
    """

    clock: FakeClock
    posts: list[Post] = field(default_factory=list)  # every attempt, in order
    admin_notes: list[tuple[int, str]] = field(default_factory=list)
    fail_permanently: str | None = None
    transient_failures: int = 0
    fail_on: Callable[[ReminderPart], bool] | None = None
    hang: bool = False
    hang_after_reaching: bool = False
    reach_then_fail: int = 0
    read_failures: int = 0
    channel_log: list[Post] = field(default_factory=list)
    reads: list[tuple[int, datetime, tuple[str, ...]]] = field(default_factory=list)
    next_id: int = 900_000
    closed_dms: set[int] = field(default_factory=set)
    hang_dms: bool = False
    dm_attempts: list[tuple[int, str]] = field(default_factory=list)
    dms: list[tuple[int, str, datetime, int]] = field(default_factory=list)  # what arrived
    nameless: bool = False  # servers unknown (the bot has left them)

    async def post(self, channel_id: int, part: ReminderPart, quote: Quote | None) -> int:
        targeted = self.fail_on is None or self.fail_on(part)
        if self.hang:
            self.posts.append(Post(channel_id, part, quote, self.clock.now(), None))
            await asyncio.Event().wait()
        if self.hang_after_reaching or self.reach_then_fail > 0:
            self.next_id += 1
            reached = Post(channel_id, part, quote, self.clock.now(), self.next_id)
            self.channel_log.append(reached)
            self.posts.append(replace(reached, message_id=None))
            if self.hang_after_reaching:
                await asyncio.Event().wait()
            self.reach_then_fail -= 1
            raise PostFailed("network error: TimeoutError", permanent=False)
        if self.fail_permanently is not None and targeted:
            self.posts.append(Post(channel_id, part, quote, self.clock.now(), None))
            raise PostFailed(self.fail_permanently, permanent=True)
        if self.transient_failures > 0 and targeted:
            self.transient_failures -= 1
            self.posts.append(Post(channel_id, part, quote, self.clock.now(), None))
            raise PostFailed("Discord error 503", permanent=False)
        self.next_id += 1
        posted = Post(channel_id, part, quote, self.clock.now(), self.next_id)
        self.posts.append(posted)
        self.channel_log.append(posted)
        return self.next_id

    async def find_posted(
        self, channel_id: int, since: datetime, markers: Collection[str]
    ) -> dict[str, int]:
        self.reads.append((channel_id, since, tuple(markers)))
        if self.read_failures > 0:
            self.read_failures -= 1
            raise PostFailed("Discord error 503", permanent=False)
        return {
            p.part.nonce: p.message_id
            for p in self.channel_log
            if p.channel_id == channel_id
            and p.at >= since - LOOK_BACK
            and p.part.nonce in markers
            and p.message_id is not None
        }

    async def notify_admins(self, guild_id: int, text: str) -> bool:
        self.admin_notes.append((guild_id, text))
        return True

    async def dm(self, user_id: int, content: str) -> int:
        """A DM: refused for good for members in `closed_dms`; `hang_dms` makes it reach
        the member and then never return (a process dying mid-send)."""
        self.dm_attempts.append((user_id, content))
        if user_id in self.closed_dms:
            raise PostFailed("missing access (50007)", permanent=True)
        self.next_id += 1
        self.dms.append((user_id, content, self.clock.now(), self.next_id))
        if self.hang_dms:
            await asyncio.Event().wait()
        return self.next_id

    async def find_dm(
        self, user_id: int, since: datetime, is_it: Callable[[str], bool]
    ) -> int | None:
        for to, text, at, message_id in self.dms:
            if to == user_id and is_it(text) and at >= since - LOOK_BACK:
                return message_id
        return None

    async def guild_name(self, guild_id: int) -> str | None:
        return None if self.nameless else f"Gym {guild_id}"

    @property
    def sent(self) -> list[Post]:
        """The attempts that went out."""
        return [p for p in self.posts if p.message_id is not None]


@pytest.fixture
def store(backend_store: Store) -> Store:
    return backend_store


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 6, 1, 8, 0, tzinfo=UTC))


@pytest.fixture
def poster(clock: FakeClock) -> FakePoster:
    return FakePoster(clock)


@pytest.fixture
async def make_engine(
    store: Store, poster: FakePoster, clock: FakeClock
) -> AsyncIterator[Callable[..., ReminderEngine]]:
    """Builds engines (default: on the test's store and poster) and stops them all after."""
    built: list[ReminderEngine] = []

    def make(
        engine_store: Store | None = None, engine_poster: Any = None, **options: Any
    ) -> ReminderEngine:
        values: dict[str, Any] = {
            "clock": clock.now,
            "catchup_minutes": CATCHUP_MINUTES,
            "sends_per_second": 1000,
            "sleep": clock.sleep,
        }
        values.update(options)
        engine_store = engine_store or store
        engine = ReminderEngine(
            engine_store,
            engine_poster or poster,
            QuoteBook(engine_store, random.Random(7)),
            **values,
        )
        built.append(engine)
        return engine

    yield make
    for engine in built:
        await engine.stop()


@pytest.fixture
def engine(make_engine: Callable[..., ReminderEngine]) -> ReminderEngine:
    return make_engine()


@pytest.fixture
def add_schedule(store: Store, clock: FakeClock) -> Callable[..., Any]:
    async def add(
        *,
        at: time = time(18, 0),
        timezone: str = "Europe/London",
        days: frozenset[int] = EVERY_DAY,
        role_id: int | None = ROLE,
        guild_id: int = GUILD,
        channel_id: int = CHANNEL,
        created_at: datetime | None = None,
    ) -> Schedule:
        return await support.add_schedule(
            store,
            guild_id,
            channel_id,
            role_id,
            days,
            at,
            timezone,
            created_at or clock.now() - timedelta(days=30),
        )

    return add
