"""PostgreSQL for the benchmarks: where the server is, a database of their own on it, the
CPU its server processes spend, and a plain connection the naive side can use.

The server is the one of `--postgres-url` or LEGDAY_TEST_POSTGRES_URL (what `.ci/run` sets);
without either, a benchmark's PostgreSQL side prints `SKIP_LINE` and leaves it out.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import math
import os
import re
import types
import uuid
from collections.abc import AsyncIterator, Generator, Iterable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any

from benchmarks.proc import cpu_seconds

POSTGRES_ENV = "LEGDAY_TEST_POSTGRES_URL"
SKIP_LINE = (
    f"skipped the PostgreSQL side: no server given (--postgres-url URL or {POSTGRES_ENV}, "
    "e.g. postgresql+asyncpg://postgres@127.0.0.1:5432/test)"
)


def add_database_arguments(parser: argparse.ArgumentParser, what: str) -> None:
    """`--database sqlite|postgresql` (`what` says what runs there) and `--postgres-url`."""
    parser.add_argument(
        "--database",
        choices=("sqlite", "postgresql"),
        default="sqlite",
        help=f"{what}: a SQLite file (default) or a PostgreSQL database",
    )
    add_postgres_argument(parser)


def add_postgres_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--postgres-url",
        metavar="URL",
        help=f"a PostgreSQL server to make a scratch database on (default: ${POSTGRES_ENV})",
    )


def server_url(given: str | None) -> str | None:
    """The server to use, or None when neither the flag nor the environment names one."""
    return given or os.environ.get(POSTGRES_ENV) or None


def _plain(url: str) -> str:
    """The URL as asyncpg itself takes it (no SQLAlchemy driver name)."""
    from sqlalchemy.engine import make_url

    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


@asynccontextmanager
async def fresh_database(server: str, prefix: str = "legday_bench") -> AsyncIterator[str]:
    """An empty database on `server`; yields its URL (asyncpg driver), dropped on the way
    out even while a killed bot still holds connections to it."""
    import asyncpg
    from sqlalchemy.engine import make_url

    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = await asyncpg.connect(_plain(server))
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
        try:
            url = make_url(server).set(drivername="postgresql+asyncpg", database=name)
            yield url.render_as_string(hide_password=False)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


class Backends:
    """The server processes serving one database, and the CPU they have used: PostgreSQL's
    side of the work. Readable when the server runs on this machine (its processes are in
    /proc); NaN otherwise."""

    POLL = 0.1  # seconds between looks at the server's processes during a phase

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: Any = None
        self._seen: dict[int, list[float]] = {}  # pid -> [CPU at first sight, CPU last seen]
        self._opened = 0
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Backends:
        import asyncpg

        self._conn = await asyncpg.connect(_plain(self.url))
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._conn.close()

    async def cpu(self) -> dict[int, float]:
        """CPU seconds so far of each process serving the database (this watcher's own
        connection left out)."""
        pids = await self._conn.fetch(
            "SELECT pid FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
        found = {}
        for row in pids:
            try:
                found[int(row["pid"])] = cpu_seconds(int(row["pid"]))
            except OSError:  # ended since, or on another machine
                continue
        return found

    async def begin(self) -> None:
        """Start a phase: from now on, watch every process that serves the database, so
        that the connections a pool opens and closes again within the phase count too."""
        self._seen = {pid: [cpu, cpu] for pid, cpu in (await self.cpu()).items()}
        self._opened = 0
        self._task = asyncio.create_task(self._watch())

    async def end(self) -> tuple[float, int]:
        """The phase's CPU seconds (each process's last sight counts: a connection closed
        between two looks loses at most its last `POLL` seconds) and how many new server
        processes (connections) appeared in it."""
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._note(await self.cpu())
        if not self._seen:
            return math.nan, 0
        return sum(last - first for first, last in self._seen.values()), self._opened

    async def _watch(self) -> None:
        while True:
            await asyncio.sleep(self.POLL)
            self._note(await self.cpu())

    def _note(self, found: dict[int, float]) -> None:
        for pid, cpu in found.items():
            if pid in self._seen:
                self._seen[pid][1] = cpu
            else:  # born in the phase: all of its CPU is the phase's
                self._seen[pid] = [0.0, cpu]
                self._opened += 1

    @staticmethod
    def spent(before: dict[int, float], after: dict[int, float]) -> float:
        """CPU seconds used between two readings (a process that started in between counts
        whole; none readable: NaN)."""
        if not after:
            return math.nan
        return sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


# -- the naive side's connection ---------------------------------------------------------------

_DAY = re.compile(r"^\d{4}-\d\d-\d\d$")
_STAMP = re.compile(r"^\d{4}-\d\d-\d\d[ T]\d\d:\d\d:\d\d(\.\d+)?$")


def _param(value: object) -> object:
    # The naive SQL passes days and times as ISO text, as SQLite stores them.
    if isinstance(value, str) and _DAY.match(value):
        return date.fromisoformat(value)
    if isinstance(value, str) and _STAMP.match(value):
        stamp = datetime.fromisoformat(value)
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)
    return value


def _cell(value: object) -> object:
    return value.isoformat() if isinstance(value, date) else value


def _numbered(sql: str) -> str:
    counter = iter(range(1, 1000))
    return re.sub(r"\?", lambda _: f"${next(counter)}", sql)


class _Cursor:
    def __init__(self, rows: Sequence[tuple[object, ...]], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    async def fetchone(self) -> tuple[object, ...] | None:
        return self._rows[0] if self._rows else None

    async def fetchall(self) -> Sequence[tuple[object, ...]]:
        return self._rows


class _Pending:
    """What `execute` returns: awaited, or used with `async with`, like aiosqlite's."""

    def __init__(self, conn: Any, sql: str, params: Iterable[object]) -> None:
        self._conn, self._sql, self._params = conn, _numbered(sql), [_param(p) for p in params]

    async def _run(self) -> _Cursor:
        if self._sql.lstrip().upper().startswith("SELECT"):
            records = await self._conn.fetch(self._sql, *self._params)
            rows = [tuple(_cell(v) for v in record.values()) for record in records]
            return _Cursor(rows, len(rows))
        status = await self._conn.execute(self._sql, *self._params)
        tail = status.rsplit(" ", 1)[-1]
        return _Cursor([], int(tail) if tail.isdigit() else -1)

    def __await__(self) -> Generator[Any, None, _Cursor]:
        return self._run().__await__()

    async def __aenter__(self) -> _Cursor:
        return await self._run()

    async def __aexit__(self, *exc: object) -> None:
        return None


class SqliteShapedConnection:
    """A plain asyncpg connection answering the few calls `benchmarks.naive` makes of an
    aiosqlite one (`?` parameters, days as ISO text), so the naive side runs its own SQL
    unchanged on PostgreSQL. Each statement commits by itself."""

    def __init__(self, conn: Any) -> None:
        self._conn = conn

    @classmethod
    async def connect(cls, url: str) -> SqliteShapedConnection:
        import asyncpg

        return cls(await asyncpg.connect(_plain(url)))

    def execute(self, sql: str, params: Iterable[object] = ()) -> _Pending:
        return _Pending(self._conn, sql, params)

    async def commit(self) -> None:
        return None

    async def close(self) -> None:
        await self._conn.close()

    async def __aenter__(self) -> SqliteShapedConnection:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: types.TracebackType
    ) -> None:
        await self.close()
