"""What several bot processes on one database tell each other.

- Shard leases: a process holding a shard takes a PostgreSQL advisory lock for it on a
  connection of its own. The lock goes when the process does (even a `kill -9`: the server
  ends the session), so a process that got every lease knows no other live process sends
  its servers' reminders, and may take over the claims a crash left `sending` at once.
  Without the leases (another process holds one: shards given twice, or an old process
  still stopping) it leaves such claims until they are stale.
- Settings changes: a process that changed a server's or a member's settings tells the
  others (`NOTIFY`), and they drop their cached copy.

On SQLite there is one process: it owns everything and has no one to tell.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
from collections.abc import Callable, Coroutine
from typing import Any, Protocol

from bot.core.shards import ShardScope
from bot.urls import sqlite_database

log = logging.getLogger(__name__)

CHANNEL = "legday_settings"
# The first key of every advisory lock the bot takes, plus the shard count.
LOCK_SPACE = 534_329
RECONNECT_DELAYS = (1.0, 2.0, 5.0, 10.0, 30.0)

Forget = Callable[[str], None]  # told each change's text: "guild:1", "member:1:2", "all"


class Coordination(Protocol):
    async def start(self, shards: ShardScope, forget: Forget) -> bool:
        """Take the shards' leases and listen for changes; True when every lease is ours."""
        ...

    def announce(self, change: str) -> None:
        """Tell the other processes about a settings change (in the background)."""
        ...

    async def close(self) -> None: ...


class AloneCoordination:
    """SQLite: one process, nothing to tell."""

    async def start(self, shards: ShardScope, forget: Forget) -> bool:
        return True

    def announce(self, change: str) -> None:
        return None

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
        self.sole_owner = False

    async def start(self, shards: ShardScope, forget: Forget) -> bool:
        self._shards, self._forget = shards, forget
        self._loop = asyncio.get_running_loop()
        await self._connect()
        return self.sole_owner

    async def _connect(self) -> None:
        import asyncpg

        connection = await asyncpg.connect(self._dsn)
        held = 0
        for shard_id in sorted(self._shards.ids):
            held += bool(
                await connection.fetchval(
                    "SELECT pg_try_advisory_lock($1, $2)",
                    LOCK_SPACE + self._shards.count,
                    shard_id,
                )
            )
        self.sole_owner = held == len(self._shards.ids)
        if not self.sole_owner:
            log.warning(
                "another process holds %d of %s; the database keeps each reminder to one "
                "message, but claims a crash left behind wait a minute to be taken over",
                len(self._shards.ids) - held,
                self._shards.describe(),
            )
        await connection.add_listener(CHANNEL, self._heard)
        connection.add_termination_listener(self._lost)
        self._connection = connection

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
