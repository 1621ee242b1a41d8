"""SQLite on a thread of its own: every unit of work is one hop to it and back.

The event loop hands a unit of work (a plain function over a `Tx`) to the database
thread and awaits one future. Work that queues up while a transaction is open is
committed together with the next one (group commit): each unit keeps its own savepoint,
so one failing unit rolls back alone and every caller gets its own result.

`sqlite3` caches each statement's compiled form per connection, so the same SQL text is
prepared once; nothing on this path builds statements at run time.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import sqlite3
import threading
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from bot.store.tx import Params, Row, Work

log = logging.getLogger(__name__)

# Units committed together at most; more wait for the next transaction.
MAX_BATCH = 256
BUSY_TIMEOUT_MS = 5000
# How often the checkpointer copies the write-ahead log back into the database file.
CHECKPOINT_EVERY = 5.0


def _to_utc_text(moment: datetime) -> str:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("naive datetime given to the database")
    # The text format SQLAlchemy's SQLite dialect writes, so both read each other's rows
    # and comparisons in SQL order times correctly.
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


def _from_utc_text(raw: bytes) -> datetime:
    text = raw.decode()
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


# Dates and times go in as the text SQLAlchemy's SQLite dialect writes (sqlite3 calls
# these in C for each parameter; its own defaults are deprecated), and declared column
# types (as the migrations create them) read back as Python values.
sqlite3.register_adapter(date, date.isoformat)
sqlite3.register_adapter(datetime, _to_utc_text)
sqlite3.register_converter("DATE", lambda raw: date.fromisoformat(raw.decode()))
sqlite3.register_converter("DATETIME", _from_utc_text)
sqlite3.register_converter("BOOLEAN", lambda raw: raw not in (b"0", b""))


def connect(path: str | Path) -> sqlite3.Connection:
    """A connection as the bot uses it: autocommit mode (transactions are explicit),
    WAL, foreign keys on, a busy timeout, typed results and rows by column name."""
    connection = sqlite3.connect(
        path,
        isolation_level=None,
        check_same_thread=False,
        detect_types=sqlite3.PARSE_DECLTYPES,
        cached_statements=512,
    )
    connection.row_factory = sqlite3.Row
    connection.execute("PRAGMA journal_mode=WAL")
    connection.execute("PRAGMA foreign_keys=ON")
    connection.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    connection.execute("PRAGMA synchronous=NORMAL")
    return connection


def _checkpoints(path: str, stop: threading.Event) -> None:
    """Copy the write-ahead log into the database file every few seconds, from a thread
    and connection of its own. SQLite would otherwise do it (and its fsync) inside
    whichever commit crosses 1000 log pages: a burst of check-ins then waits behind it.
    A passive checkpoint never blocks the writer."""
    with contextlib.closing(connect(path)) as connection:
        while not stop.wait(CHECKPOINT_EVERY):
            try:
                connection.execute("PRAGMA wal_checkpoint(PASSIVE)")
            except sqlite3.Error as error:  # busy or locked: the next round tries again
                log.debug("checkpoint skipped: %s", error)


class SqliteTx:
    dialect = "sqlite"

    def __init__(self, connection: sqlite3.Connection) -> None:
        self._connection = connection

    def rows(self, sql: str, params: Params | None = None) -> Sequence[Row]:
        return self._connection.execute(sql, params or {}).fetchall()

    def first(self, sql: str, params: Params | None = None) -> Row | None:
        row: Row | None = self._connection.execute(sql, params or {}).fetchone()
        return row

    def scalar(self, sql: str, params: Params | None = None) -> Any:
        row = self._connection.execute(sql, params or {}).fetchone()
        return None if row is None else row[0]

    def execute(self, sql: str, params: Params | None = None) -> int:
        return self._connection.execute(sql, params or {}).rowcount

    def execute_many(self, sql: str, params: Iterable[Params]) -> None:
        self._connection.executemany(sql, params)


@dataclass(slots=True)
class _Unit:
    work: Work[Any]
    future: asyncio.Future[Any]
    loop: asyncio.AbstractEventLoop
    write: bool
    outcome: tuple[bool, Any] = field(default=(False, None))


def settle(future: asyncio.Future[Any], ok: bool, value: Any) -> None:
    """Hand a unit of work's outcome to the caller waiting on the event loop."""
    if future.cancelled():
        return  # the caller stopped waiting; the work itself is done (or rolled back)
    if ok:
        future.set_result(value)
    else:
        future.set_exception(value)


class SqliteRunner:
    """Runs units of work on one SQLite connection owned by one thread."""

    dialect = "sqlite"

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self._units: queue.SimpleQueue[_Unit | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._connection: sqlite3.Connection | None = None
        self._checkpointer: threading.Thread | None = None
        self._stop_checkpoints = threading.Event()
        self.transactions = 0  # committed transactions, for tests and benchmarks
        self.units = 0

    async def start(self) -> None:
        if self._thread is not None:
            return
        ready: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        loop = asyncio.get_running_loop()

        def serve() -> None:
            try:
                self._connection = connect(self.path)
                # Never inside a commit: the checkpointer thread does it (see _checkpoints).
                self._connection.execute("PRAGMA wal_autocheckpoint=0")
            except BaseException as error:  # reported to start(), which raises it
                loop.call_soon_threadsafe(settle, ready, False, error)
                return
            loop.call_soon_threadsafe(settle, ready, True, None)
            self._serve(self._connection)

        self._thread = threading.Thread(target=serve, name="legday-sqlite", daemon=True)
        self._thread.start()
        try:
            await ready
        except BaseException:
            self._thread = None
            raise
        self._stop_checkpoints.clear()
        self._checkpointer = threading.Thread(
            target=_checkpoints,
            args=(self.path, self._stop_checkpoints),
            name="legday-sqlite-checkpoints",
            daemon=True,
        )
        self._checkpointer.start()

    async def run(self, work: Work[Any], *, write: bool = True) -> Any:
        """Run `work` in one transaction on the database thread and return its result."""
        if self._thread is None:
            raise RuntimeError("the store is not open")
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        self._units.put(_Unit(work, future, loop, write))
        return await future

    async def close(self) -> None:
        thread, self._thread = self._thread, None
        if thread is None:
            return
        self._stop_checkpoints.set()
        checkpointer, self._checkpointer = self._checkpointer, None

        def finish() -> None:
            # The checkpointer's connection closes first, so the writer's is the last one:
            # only the last connection to close copies the log back and removes it, and two
            # closing at once each see the other and both leave the log behind.
            if checkpointer is not None:
                checkpointer.join()
            self._units.put(None)
            thread.join()

        # Shielded: a shutdown that is itself being cancelled still lets the thread finish
        # the transaction it holds and close the file (the last connection to close
        # checkpoints the log into the file).
        await asyncio.shield(asyncio.to_thread(finish))

    # --- on the database thread -------------------------------------------------------

    def _serve(self, connection: sqlite3.Connection) -> None:
        tx = SqliteTx(connection)
        try:
            while True:
                first = self._units.get()
                if first is None:
                    return
                batch = [first]
                stopping = False
                while len(batch) < MAX_BATCH:
                    try:
                        more = self._units.get_nowait()
                    except queue.Empty:
                        break
                    if more is None:
                        stopping = True
                        break
                    batch.append(more)
                self._transact(connection, tx, batch)
                if stopping:
                    return
        finally:
            connection.close()

    def _transact(self, connection: sqlite3.Connection, tx: SqliteTx, batch: list[_Unit]) -> None:
        shared = len(batch) > 1
        try:
            connection.execute(
                "BEGIN IMMEDIATE" if any(u.write for u in batch) else "BEGIN DEFERRED"
            )
            for unit in batch:
                if shared:
                    connection.execute("SAVEPOINT unit")
                try:
                    unit.outcome = (True, unit.work(tx))
                except BaseException as error:
                    unit.outcome = (False, error)
                    if shared:
                        connection.execute("ROLLBACK TO unit")
                    elif connection.in_transaction:
                        connection.execute("ROLLBACK")
                if shared:
                    connection.execute("RELEASE unit")
            if connection.in_transaction:
                connection.execute("COMMIT")
            self.transactions += 1
            self.units += len(batch)
        except sqlite3.Error as error:  # BEGIN or COMMIT failed: nothing of the batch stays
            log.warning("database transaction failed: %s", error)
            if connection.in_transaction:
                connection.execute("ROLLBACK")
            for unit in batch:
                unit.outcome = (False, error)
        for unit in batch:
            ok, value = unit.outcome
            unit.loop.call_soon_threadsafe(settle, unit.future, ok, value)
