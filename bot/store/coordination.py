"""What several bot processes on one database tell each other.

- Shard leases: a process holding a shard takes a PostgreSQL advisory lock for it on a
  connection of its own. The lock goes when the process does (even a `kill -9`: the server
  ends the session), so a process that got every lease knows no other live process serves
  its servers, and may take over the claims a crash left `sending` at once. A process
  that finds a lease taken (shards given twice, an old process still stopping, or one
  started as a stand-by) waits for it before it connects to Discord, so a shard's
  commands are answered once; it takes over when the holder goes. One whose lease was
  taken while its connection was down stops (`LeaseLost`).
- Settings changes: a process that changed a server's or a member's settings tells the
  others (`NOTIFY`), and they drop their cached copy.
- Identify turns: Discord lets one shard per bucket (shard id % max_concurrency) identify
  per 5 s, counted for the whole bot. A process takes the bucket's advisory lock before it
  identifies and keeps it for the window, so processes starting together take turns
  instead of being refused (an early identify costs a session and a retry).

On SQLite there is one process: it owns everything and has no one to tell.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import time
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from bot.core import shards
from bot.core.shards import ShardScope
from bot.urls import sqlite_database

log = logging.getLogger(__name__)

CHANNEL = "legday_settings"
# The first key of every advisory lock the bot takes, plus the shard count.
LOCK_SPACE = 534_329
IDENTIFY_SPACE = 534_328
RECONNECT_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0)
LEASE_POLL = 2.0  # seconds between a stand-by's tries for the leases it waits for

Forget = Callable[[str], None]  # told each change's text: "guild:1", "member:1:2", "all"
LeaseLost = Callable[[list[int]], None]  # told the shards another process took meanwhile


class Coordination(Protocol):
    async def start(self, shards: ShardScope, forget: Forget) -> bool:
        """Take the shards' leases and listen for changes; True when every lease is ours."""
        ...

    async def wait_for_leases(self) -> float:
        """Wait until every lease `start` did not get is ours (their holder gone); returns
        the seconds waited."""
        ...

    def announce(self, change: str) -> None:
        """Tell the other processes about a settings change (in the background)."""
        ...

    async def identify_turn(self, bucket: int, window: float) -> float:
        """Wait until no other process identifies in `bucket`, hold it for `window`
        seconds; returns the seconds waited."""
        ...

    async def close(self) -> None: ...

    lease_lost: LeaseLost


class AloneCoordination:
    """SQLite: one process, nothing to tell."""

    def __init__(self) -> None:
        self.lease_lost: LeaseLost = lambda shard_ids: None

    async def start(self, shards: ShardScope, forget: Forget) -> bool:
        return True

    async def wait_for_leases(self) -> float:
        return 0.0

    def announce(self, change: str) -> None:
        return None

    async def identify_turn(self, bucket: int, window: float) -> float:
        return 0.0

    async def close(self) -> None:
        return None


class PostgresCoordination:
    def __init__(self, database_url: str) -> None:
        from sqlalchemy.engine import make_url

        url = make_url(database_url).set(drivername="postgresql")
        self._dsn = url.render_as_string(hide_password=False)
        self._connection: Any = None
        self._shards = ShardScope()
        self._forget: Forget = lambda change: None
        self._tasks: set[asyncio.Task[None]] = set()
        self._closing = False
        self._loop: asyncio.AbstractEventLoop | None = None
        self._talking = asyncio.Lock()  # a connection runs one statement at a time
        self._held: set[int] = set()
        self.sole_owner = False
        self.lease_lost: LeaseLost = lambda shard_ids: None

    async def start(self, shards: ShardScope, forget: Forget) -> bool:
        self._shards, self._forget = shards, forget
        self._loop = asyncio.get_running_loop()
        await self._connect()
        return self.sole_owner

    async def _connect(self) -> None:
        import asyncpg

        connection = await asyncpg.connect(self._dsn)
        had = set(self._held)
        self._held = {
            shard_id
            for shard_id in sorted(self._shards.ids)
            if await self._try_lease(connection, shard_id)
        }
        self.sole_owner = self._held == set(self._shards.ids)
        await connection.add_listener(CHANNEL, self._heard)
        connection.add_termination_listener(self._lost)
        self._connection = connection
        if had - self._held:  # a reconnect: another process took a lease while down
            self.lease_lost(sorted(had - self._held))

    async def _try_lease(self, connection: Any, shard_id: int) -> bool:
        taken: bool = await connection.fetchval(
            "SELECT pg_try_advisory_lock($1, $2)", LOCK_SPACE + self._shards.count, shard_id
        )
        return taken

    def _missing(self) -> list[int]:
        return sorted(set(self._shards.ids) - self._held)

    async def wait_for_leases(self) -> float:
        if not self._missing():
            return 0.0
        started = time.monotonic()
        log.warning(
            "another process holds %s of %d: standing by until it lets go (the same shards "
            "given to two processes, an old process still stopping, or a stand-by)",
            shards.named(self._missing()),
            self._shards.count,
        )
        while self._missing():
            await asyncio.sleep(LEASE_POLL)
            connection = self._connection
            if connection is None or connection.is_closed():
                continue  # `_reconnect` is at it, and tries the leases itself
            try:
                async with self._talking:
                    for shard_id in self._missing():
                        if await self._try_lease(connection, shard_id):
                            self._held.add(shard_id)
            except Exception as error:  # the termination listener reconnects
                log.warning("could not try for the leases: %s", type(error).__name__)
        self.sole_owner = True
        waited = time.monotonic() - started
        log.warning("took over %s after %.0f s", self._shards.describe(), waited)
        return waited

    def _heard(self, connection: Any, pid: int, channel: str, payload: str) -> None:
        self._forget(payload)

    def _lost(self, connection: Any) -> None:
        if not self._closing:
            log.warning("lost the database connection that hears settings changes; reopening")
            self._spawn(self._reconnect())

    async def _reconnect(self) -> None:
        delays = itertools.chain(RECONNECT_DELAYS, itertools.repeat(RECONNECT_DELAYS[-1]))
        for delay in delays:
            await asyncio.sleep(delay)
            if self._closing:
                return
            try:
                await self._connect()
            except Exception as error:  # asyncpg's errors share no base with OSError
                log.warning("still cannot reach the database: %s", type(error).__name__)
                continue
            self._forget("all")  # changes made while deaf are unknown
            return

    def announce(self, change: str) -> None:
        # Safe from any thread: a unit of work may drop a cached value on the store's own.
        if self._loop is not None and not self._closing:
            self._loop.call_soon_threadsafe(lambda: self._spawn(self._notify(change)))

    async def _notify(self, change: str) -> None:
        if self._connection is None or self._connection.is_closed():
            return  # deaf too: the others drop everything when this one is back
        try:
            async with self._talking:
                await self._connection.execute("SELECT pg_notify($1, $2)", CHANNEL, change)
        except Exception as error:  # the others' caches still drop it as they fill up
            log.warning("could not announce a settings change: %s", type(error).__name__)

    async def identify_turn(self, bucket: int, window: float) -> float:
        if window <= 0 or self._closing:
            return 0.0
        import asyncpg

        started = time.monotonic()
        try:
            # A connection of its own: the lock is held while the shard connects, and the
            # wait for it must not hold up the notifications.
            turn = await asyncpg.connect(self._dsn)
            await turn.execute("SELECT pg_advisory_lock($1, $2)", IDENTIFY_SPACE, bucket)
        except Exception as error:  # identify anyway; Discord refuses one too early
            log.warning("could not take an identify turn: %s", type(error).__name__)
            return 0.0
        self._spawn(self._end_turn(turn, window))
        return time.monotonic() - started

    async def _end_turn(self, turn: Any, window: float) -> None:
        try:
            await asyncio.sleep(window)
        finally:
            with contextlib.suppress(Exception):
                await turn.close(timeout=5)  # ends the session, and the lock with it

    def _spawn(self, work: Coroutine[Any, Any, None]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def close(self) -> None:
        self._closing = True
        for task in list(self._tasks):
            task.cancel()
        if self._connection is not None:
            with contextlib.suppress(Exception):
                await self._connection.close(timeout=5)
            self._connection = None


def coordination_for(database_url: str) -> Coordination:
    if sqlite_database(database_url) is not None:
        return AloneCoordination()
    return PostgresCoordination(database_url)
