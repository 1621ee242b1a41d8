"""The storage layer: every SQL statement of the project lives in this package.

A `Store` runs units of work: plain functions over a `Tx` (see `bot.store.tx`), each in
one transaction and one trip to the database. The use cases compose the query functions
of `bot.store.sql` into such units; the methods below are the single-query units the
reminder engine and the maintenance commands need.

SQLite runs on a thread of its own through `sqlite3` (no SQLAlchemy is loaded);
PostgreSQL on a few threads of its own through psycopg (SQLAlchemy only migrates it).
The SQL text is the same for both.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Coroutine
from typing import Any, Concatenate, ParamSpec, Protocol, TypeVar

from bot.store.records import (
    BoardRow,
    CheckinContext,
    Claim,
    Delivery,
    GuildConfig,
    MemberConfig,
    MemberNudge,
    QuoteLimitReached,
    Schedule,
    StoredQuote,
    Summary,
    WeeklyPost,
)
from bot.store.sql import deliveries as deliveries_sql
from bot.store.sql import privacy as privacy_sql
from bot.store.sql import quotes as quotes_sql
from bot.store.sql import schedules as schedules_sql
from bot.store.sql import settings as settings_sql
from bot.store.sql import summaries as summaries_sql
from bot.store.tx import Tx, Work

P = ParamSpec("P")
T = TypeVar("T")


class Runner(Protocol):
    dialect: str

    async def start(self) -> None: ...

    async def run(self, work: Work[Any], *, write: bool = True) -> Any: ...

    async def close(self) -> None: ...


def _select_one(tx: Tx) -> object:
    return tx.scalar("SELECT 1")


def _reading(
    query: Callable[Concatenate[Tx, P], T],
) -> Callable[Concatenate[Store, P], Coroutine[Any, Any, T]]:
    async def method(self: Store, *args: P.args, **kwargs: P.kwargs) -> T:
        return await self.read(lambda tx: query(tx, *args, **kwargs))

    method.__doc__ = query.__doc__
    return method


def _writing(
    query: Callable[Concatenate[Tx, P], T],
) -> Callable[Concatenate[Store, P], Coroutine[Any, Any, T]]:
    async def method(self: Store, *args: P.args, **kwargs: P.kwargs) -> T:
        return await self.run(lambda tx: query(tx, *args, **kwargs))

    method.__doc__ = query.__doc__
    return method


class Store:
    """The database behind one runner; every method is one transaction, one trip."""

    def __init__(self, runner: Runner) -> None:
        self.runner = runner
        # Told how long each unit of work took ("read" or "write", seconds): the metrics.
        self.timed: Callable[[str, float], None] | None = None

    @property
    def dialect(self) -> str:
        return self.runner.dialect

    async def run(self, work: Work[T]) -> T:
        """Run a unit of work that may write, in one transaction."""
        if self.timed is None:
            result: T = await self.runner.run(work, write=True)
            return result
        started = time.perf_counter()
        try:
            result = await self.runner.run(work, write=True)
        finally:
            self.timed("write", time.perf_counter() - started)
        return result

    async def read(self, work: Work[T]) -> T:
        """Run a unit of work that only reads."""
        if self.timed is None:
            result: T = await self.runner.run(work, write=False)
            return result
        started = time.perf_counter()
        try:
            result = await self.runner.run(work, write=False)
        finally:
            self.timed("read", time.perf_counter() - started)
        return result

    async def ping(self) -> None:
        """One trivial query: the database answers (the health check)."""
        await self.read(_select_one)

    async def close(self) -> None:
        await self.runner.close()

    guild_config = _reading(settings_sql.guild_config)
    member_config = _reading(settings_sql.member_config)
    checkin_context = _reading(settings_sql.checkin_context)
    member_summary = _reading(summaries_sql.read)
    list_quotes = _reading(quotes_sql.listed)
    export_member = _reading(privacy_sql.export_member)

    schedules = _reading(schedules_sql.listed)
    schedule = _reading(schedules_sql.one)
    disable_schedule = _writing(schedules_sql.disable)
    reminder_targets = _reading(deliveries_sql.reminder_targets)
    deliveries = _reading(deliveries_sql.listed)
    delivery = _reading(deliveries_sql.one)
    claim_delivery = _writing(deliveries_sql.claim)
    claim_with_targets = _writing(deliveries_sql.claim_with_targets)
    finish_delivery = _writing(deliveries_sql.finish)
    record_missed = _writing(deliveries_sql.record_missed)
    record_missed_many = _writing(deliveries_sql.record_missed_many)
    deliveries_since = _reading(deliveries_sql.since)


__all__ = [
    "BoardRow",
    "CheckinContext",
    "Claim",
    "Delivery",
    "GuildConfig",
    "MemberConfig",
    "MemberNudge",
    "QuoteLimitReached",
    "Schedule",
    "Store",
    "StoredQuote",
    "Summary",
    "Tx",
    "WeeklyPost",
]
