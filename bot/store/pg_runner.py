"""PostgreSQL on a few threads of its own, shaped like the SQLite runner.

Each worker thread holds one psycopg (sync) connection. A unit of work is one hop from
the event loop to a free worker and back: it runs start to end as one transaction on
that thread, every statement a direct call into libpq, never through the event loop.
(SQLAlchemy's async engine went back through the loop and a greenlet for every
statement: most of a check-in's CPU on PostgreSQL, benchmarks/RESULTS.md.)

The bot's SQL is written with `:name` parameters; each text is turned into psycopg's
`%(name)s` form once and cached. psycopg prepares a statement on the server after a few
runs of the same text, so the hot queries are parsed and planned once per connection.
"""

from __future__ import annotations

import asyncio
import logging
import queue
import re
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, LiteralString, cast

import psycopg
from psycopg.rows import dict_row

from bot.store.sqlite_runner import settle
from bot.store.tx import Params, Row, Work

log = logging.getLogger(__name__)

# Worker threads, each with its own connection: the most units of work a process runs
# at once. Measured with benchmarks.checkin_paths and benchmarks.scale: more threads
# than this bought nothing on a reminder burst and cost the server a process each.
THREADS = 6
# Seconds to wait for PostgreSQL to accept a connection (as bot.database.CONNECT_TIMEOUT).
CONNECT_TIMEOUT = 10
# Server-side prepared statements kept per connection (psycopg keeps 100): the bot has
# a few hundred SQL texts, the hot ones well within this.
PREPARED_MAX = 256

# A string literal, a quoted name or a comment (copied as they are, `%` doubled), a `::`
# cast, a `:name` parameter, or a lone `%` (doubled: psycopg would read it as a placeholder).
_TOKENS = re.compile(r"""'[^']*'|"[^"]*"|--[^\n]*|/\*.*?\*/|::|(?<![\w\\]):(\w+)|\\:|%""", re.S)


def _translate(match: re.Match[str]) -> str:
    token = match.group(0)
    if match.group(1) is not None:
        return f"%({match.group(1)})s"
    if token == "\\:":  # SQLAlchemy's escape for a literal colon
        return ":"
    return token.replace("%", "%%")


@lru_cache(maxsize=4096)
def psycopg_sql(sql: str) -> tuple[str, bool]:
    """`sql` with `:name` parameters as psycopg's `%(name)s`, and whether it has any (a
    text without parameters is sent as it is, its `%` signs untouched)."""
    if ":" not in sql:
        return sql, False
    converted = _TOKENS.sub(_translate, sql)
    if "%(" not in converted:
        return sql.replace("\\:", ":"), False
    return converted, True


def postgres_dsn(database_url: str) -> str:
    """A libpq URL from the bot's (`postgresql+asyncpg://...` → `postgresql://...`)."""
    scheme, separator, rest = database_url.partition("://")
    if not separator or scheme.split("+")[0] not in ("postgresql", "postgres"):
        raise ValueError("not a PostgreSQL database URL")
    return f"postgresql://{rest}"


class Unreachable(Exception):
    """The database refused or never answered the runner's connections; one line."""


class PgTx:
    dialect = "postgresql"

    def __init__(self, connection: psycopg.Connection[Any]) -> None:
        self._rows = connection.cursor(row_factory=dict_row)
        self._tuples = connection.cursor()

    def _run(self, cursor: psycopg.Cursor[Any], sql: str, params: Params | None) -> None:
        query, parameterised = psycopg_sql(sql)
        cursor.execute(cast(LiteralString, query), params if parameterised else None)

    def rows(self, sql: str, params: Params | None = None) -> Sequence[Row]:
        self._run(self._rows, sql, params)
        return self._rows.fetchall()

    def first(self, sql: str, params: Params | None = None) -> Row | None:
        self._run(self._rows, sql, params)
        row: Row | None = self._rows.fetchone()
        return row

    def scalar(self, sql: str, params: Params | None = None) -> Any:
        self._run(self._tuples, sql, params)
        row = self._tuples.fetchone()
        return None if row is None else row[0]

    def execute(self, sql: str, params: Params | None = None) -> int:
        self._run(self._tuples, sql, params)
        return self._tuples.rowcount

    def execute_many(self, sql: str, params: Iterable[Params]) -> None:
        batch = list(params)
        if batch:
            query, _ = psycopg_sql(sql)
            self._tuples.executemany(cast(LiteralString, query), batch)


@dataclass(slots=True)
class _Unit:
    work: Work[Any]
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop


class _LostBeforeCommit(Exception):
    """The connection died inside a unit of work, before its commit was sent."""


class PgRunner:
    """Runs units of work on a few PostgreSQL connections, one thread each."""

    dialect = "postgresql"

    def __init__(self, dsn: str, *, threads: int = THREADS, **connect_args: Any) -> None:
        self._dsn = dsn
        self._connect_args: dict[str, Any] = {
            "connect_timeout": CONNECT_TIMEOUT,
            **connect_args,
        }
        self._size = threads
        self._units: queue.SimpleQueue[_Unit | None] = queue.SimpleQueue()
        self._threads: list[threading.Thread] = []
        self.reconnects = 0  # connections replaced after one was found dead, for tests

    def connect(self) -> psycopg.Connection[Any]:
        connection = psycopg.connect(self._dsn, autocommit=False, **self._connect_args)
        connection.prepared_max = PREPARED_MAX
        # Timestamps come back aware in UTC whatever the server's default zone.
        connection.execute("SET TIME ZONE 'UTC'")
        connection.commit()
        return connection

    async def start(self) -> None:
        if self._threads:
            return
        # Every connection opened before the bot serves: a database that refuses them
        # fails the start, not the first command.
        connections = await asyncio.gather(
            *(asyncio.to_thread(self.connect) for _ in range(self._size)),
            return_exceptions=True,
        )
        failed = [c for c in connections if isinstance(c, BaseException)]
        if failed:
            for opened in connections:
                if isinstance(opened, psycopg.Connection):
                    opened.close()
            if isinstance(failed[0], psycopg.OperationalError):
                # libpq's own first line, e.g. `FATAL:  role "x" does not exist`.
                lines = str(failed[0]).strip().splitlines()
                raise Unreachable(lines[0] if lines else "it refused the connection") from None
            raise failed[0]
        for number, connection in enumerate(connections):
            thread = threading.Thread(
                target=self._serve,
                args=(connection,),
                name=f"legday-postgres-{number}",
                daemon=True,
            )
            thread.start()
            self._threads.append(thread)

    async def run(self, work: Work[Any], *, write: bool = True) -> Any:
        """Run `work` in one transaction on a database thread and return its result."""
        if not self._threads:
            raise RuntimeError("the store is not open")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._units.put(_Unit(work, future, loop))
        return await future

    async def close(self) -> None:
        threads, self._threads = self._threads, []
        if not threads:
            return

        def finish() -> None:
            for _ in threads:
                self._units.put(None)
            for thread in threads:
                thread.join()

        # Shielded: a cancelled shutdown still lets each thread finish its transaction.
        await asyncio.shield(asyncio.to_thread(finish))

    # --- on a database thread ---------------------------------------------------------

    def _serve(self, connection: psycopg.Connection[Any]) -> None:
        try:
            while True:
                unit = self._units.get()
                if unit is None:
                    return
                connection, ok, value = self._carry_out(connection, unit.work)
                unit.loop.call_soon_threadsafe(settle, unit.future, ok, value)
        finally:
            connection.close()

    def _carry_out(
        self, connection: psycopg.Connection[Any], work: Work[Any]
    ) -> tuple[psycopg.Connection[Any], bool, Any]:
        """The unit's outcome, and the connection to go on with (a new one if it died)."""
        for attempt in (1, 2):
            try:
                if connection.closed:
                    connection = self._reconnect()
                return connection, True, self._once(connection, work)
            except _LostBeforeCommit as lost:
                # The connection had died (the server restarted, a proxy closed it) before
                # the commit, so nothing of the transaction was kept. Once more, on a new one.
                error = lost.__cause__ or lost
                connection.close()
                if attempt == 1:
                    log.warning("the database connection was lost; running the unit again")
                    continue
                return connection, False, error
            except BaseException as error:
                if connection.broken:
                    connection.close()  # the next unit opens a new one
                return connection, False, error
        raise AssertionError("unreachable")

    def _reconnect(self) -> psycopg.Connection[Any]:
        self.reconnects += 1
        return self.connect()

    def _once(self, connection: psycopg.Connection[Any], work: Work[Any]) -> Any:
        try:
            result = work(PgTx(connection))
        except psycopg.OperationalError as error:
            if connection.broken:
                raise _LostBeforeCommit from error
            connection.rollback()
            raise
        except BaseException:
            if not connection.broken:
                connection.rollback()
            raise
        # A connection lost from here on is not retried: the commit may have reached
        # the server.
        connection.commit()
        return result
