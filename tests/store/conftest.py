"""Store tests run on SQLite always, and on PostgreSQL too when one is configured.

Set LEGDAY_TEST_POSTGRES_URL (e.g. postgresql+asyncpg://postgres@127.0.0.1/test; `.ci/run`
does) and every test here also runs against a fresh schema of that server, through the
same migrations: the proof that the storage layer needs no rewrite to move.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from weakref import WeakKeyDictionary

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from bot import database
from bot.store import Store
from bot.store.opening import open_store
from bot.store.pg_runner import PgRunner, postgres_dsn
from bot.urls import sqlite_database

POSTGRES_URL = os.environ.get("LEGDAY_TEST_POSTGRES_URL")
# The schema each PostgreSQL test engine works in, for a store opened on the same one.
_SCHEMAS: WeakKeyDictionary[AsyncEngine, str] = WeakKeyDictionary()


@pytest.fixture
def store(backend_store: Store) -> Store:
    return backend_store


@pytest.fixture(params=["sqlite", "postgresql"])
async def empty_engine(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[AsyncEngine]:
    """An empty database, not migrated."""
    if request.param == "sqlite":
        created = database.create_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.db'}")
        try:
            yield created
        finally:
            await created.dispose()
        return
    if not POSTGRES_URL:
        pytest.skip("LEGDAY_TEST_POSTGRES_URL is not set")
    schema = f"legday_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(POSTGRES_URL)
    async with admin.begin() as conn:
        await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    created = create_async_engine(
        POSTGRES_URL, connect_args={"server_settings": {"search_path": schema}}
    )
    _SCHEMAS[created] = schema
    try:
        yield created
    finally:
        await created.dispose()
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.dispose()


@pytest.fixture
async def engine(empty_engine: AsyncEngine) -> AsyncEngine:
    """A database brought to head by the real migrations, seen through SQLAlchemy."""
    await database.upgrade(empty_engine)
    return empty_engine


async def open_migrated(engine: AsyncEngine) -> Store:
    """The bot's store on the database behind `engine` (already migrated)."""
    url = engine.url.render_as_string(hide_password=False)
    if sqlite_database(url) is not None:
        return await open_store(url)
    store = Store(PgRunner(postgres_dsn(url), options=f"-c search_path={_SCHEMAS[engine]}"))
    await store.runner.start()
    return store
