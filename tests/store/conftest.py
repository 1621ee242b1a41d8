"""Store tests run on SQLite always, and on PostgreSQL too when one is configured.

Set LEGDAY_TEST_POSTGRES_URL (e.g. postgresql+asyncpg://postgres@127.0.0.1/test; `.ci/run`
does) and every test here also runs against a fresh schema of that server, through the
same migrations: the proof that the storage layer needs no rewrite to move. The fixtures
`backend_store` and `empty_engine` are tests/conftest.py's.
"""

from __future__ import annotations

import os

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import database
from bot.store import Store
from bot.store.opening import open_store
from bot.urls import sqlite_database
from tests.postgres import open_schema_store

POSTGRES_URL = os.environ.get("LEGDAY_TEST_POSTGRES_URL")


@pytest.fixture
def store(backend_store: Store) -> Store:
    return backend_store


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
    async with engine.connect() as connection:
        schema = (await connection.exec_driver_sql("SELECT current_schema()")).scalar()
    return await open_schema_store(str(schema))
