"""The database backends the tests run on: SQLite always, PostgreSQL when one is configured.

`BACKENDS` parametrizes a fixture over both (ids `sqlite` and `postgresql`, which are also
markers: `pytest -m postgresql` runs only the PostgreSQL half). The PostgreSQL half needs
LEGDAY_TEST_POSTGRES_URL (`.ci/run` sets it) and skips with that reason without it.

Each PostgreSQL test gets a place of its own on that server, dropped afterwards:
- `fresh_schema()`: an empty schema, as an engine whose search_path is that schema; cheap
  (about 0.1 s with the migrations), for a store in the test's own process;
- `fresh_database()`: an empty database, as a URL; for a bot that runs as a process (it
  reads one DATABASE_URL and cannot be told a schema), dropped even while a killed bot
  still holds connections to it.
"""

from __future__ import annotations

import asyncio
import os
import threading
import uuid
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any

import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

if TYPE_CHECKING:
    from bot.store import Store

POSTGRES_URL = os.environ.get("LEGDAY_TEST_POSTGRES_URL")
SKIP_REASON = "PostgreSQL tests need LEGDAY_TEST_POSTGRES_URL (`.ci/run` sets it)"

SQLITE = "sqlite"
POSTGRESQL = "postgresql"
#: fixture params: `@pytest.fixture(params=BACKENDS)`, then `request.param` is the name
BACKENDS = [
    pytest.param(SQLITE, id=SQLITE, marks=pytest.mark.sqlite),
    pytest.param(POSTGRESQL, id=POSTGRESQL, marks=pytest.mark.postgresql),
]


def skip_without_postgres() -> str:
    """The server's URL, or skip the calling test with the reason."""
    if not POSTGRES_URL:
        pytest.skip(SKIP_REASON)
    return POSTGRES_URL


def _unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:12]}"


async def open_schema_store(schema: str) -> Store:
    """The bot's store (its psycopg runner, started) on `schema` of the server."""
    from bot.store import Store
    from bot.store.pg_runner import PgRunner, postgres_dsn

    store = Store(
        PgRunner(postgres_dsn(skip_without_postgres()), options=f"-c search_path={schema}")
    )
    await store.runner.start()
    return store


def schema_engine(schema: str) -> AsyncEngine:
    """An engine on the server whose connections see `schema` first (their search_path)."""
    return create_async_engine(
        skip_without_postgres(), connect_args={"server_settings": {"search_path": schema}}
    )


@asynccontextmanager
async def _created(create: str, drop: str, **engine_options: Any) -> AsyncIterator[None]:
    """Run `create` on the server, then `drop` on the way out, whatever happened between."""
    admin = create_async_engine(skip_without_postgres(), **engine_options)
    try:
        async with admin.begin() as conn:
            await conn.exec_driver_sql(create)
        try:
            yield
        finally:
            async with admin.begin() as conn:
                await conn.exec_driver_sql(drop)
    finally:
        await admin.dispose()


@asynccontextmanager
async def fresh_schema_name(prefix: str = "legday") -> AsyncIterator[str]:
    """Create an empty schema, yield its name (`schema_engine` opens it), drop it after."""
    schema = _unique(prefix)
    async with _created(f'CREATE SCHEMA "{schema}"', f'DROP SCHEMA "{schema}" CASCADE'):
        yield schema


@asynccontextmanager
async def fresh_schema(prefix: str = "legday") -> AsyncIterator[AsyncEngine]:
    """An engine on an empty schema of its own (its search_path), dropped on the way out."""
    async with fresh_schema_name(prefix) as schema:
        engine = schema_engine(schema)
        try:
            yield engine
        finally:
            await engine.dispose()


@asynccontextmanager
async def fresh_database(prefix: str = "legday") -> AsyncIterator[str]:
    """Create an empty database, yield its URL (asyncpg driver), drop it on the way out."""
    name = _unique(prefix)
    create, drop = f'CREATE DATABASE "{name}"', f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'
    # Outside a transaction: PostgreSQL creates and drops databases only there.
    async with _created(create, drop, isolation_level="AUTOCOMMIT"):
        url = make_url(skip_without_postgres()).set(drivername="postgresql+asyncpg", database=name)
        yield url.render_as_string(hide_password=False)


@asynccontextmanager
async def backend_url(backend: str, sqlite_path: os.PathLike[str] | str) -> AsyncIterator[str]:
    """A DATABASE_URL for a bot process: the SQLite file `sqlite_path`, or a fresh database."""
    if backend == SQLITE:
        yield f"sqlite+aiosqlite:///{sqlite_path}"
        return
    async with fresh_database() as url:
        yield url


@asynccontextmanager
async def open_empty_engine(
    backend: str, sqlite_path: os.PathLike[str] | str
) -> AsyncIterator[AsyncEngine]:
    """An engine on an empty database, not migrated: the SQLite file `sqlite_path`, or a
    fresh schema."""
    if backend == SQLITE:
        from bot import database  # the bot's own engine settings for SQLite

        engine = database.create_engine(f"sqlite+aiosqlite:///{sqlite_path}")
        try:
            yield engine
        finally:
            await engine.dispose()
        return
    async with fresh_schema() as engine:
        yield engine


def query(url: str, sql: str, params: Mapping[str, Any] | None = None) -> list[Sequence[Any]]:
    """Rows of `sql` (SQLAlchemy `:name` parameters) on the database at `url`, either one.

    Synchronous, for the checks after an e2e run: it runs on a thread of its own with its
    own event loop and engine, so it works from inside a running test's loop too."""
    rows: list[Sequence[Any]] = []
    failure: list[BaseException] = []

    async def read() -> None:
        engine = create_async_engine(url)
        try:
            async with engine.connect() as conn:
                result = await conn.execute(text(sql), dict(params or {}))
                rows.extend(tuple(row) for row in result)
        finally:
            await engine.dispose()

    def run() -> None:
        try:
            asyncio.run(read())
        except BaseException as error:  # handed to the caller's thread
            failure.append(error)

    thread = threading.Thread(target=run, name="test-query")
    thread.start()
    thread.join()
    if failure:
        raise failure[0]
    return rows
