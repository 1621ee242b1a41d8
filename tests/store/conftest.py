"""Store tests run on SQLite always, and on PostgreSQL too when one is configured.

Set LEGDAY_TEST_POSTGRES_URL (e.g. postgresql+asyncpg://postgres@127.0.0.1/test; `.ci/run`
does) and every test here also runs against a fresh schema of that server, through the
same migrations: the proof that the storage layer needs no rewrite to move.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Callable

import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from bot import database
from bot.settings import Settings
from bot.store import Store

POSTGRES_URL = os.environ.get("LEGDAY_TEST_POSTGRES_URL")


@pytest.fixture(params=["sqlite", "postgresql"])
async def store(
    request: pytest.FixtureRequest, make_settings: Callable[..., Settings]
) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        engine = database.create_engine(make_settings().database_url)
        await database.upgrade(engine)
        opened = Store(engine)
        try:
            yield opened
        finally:
            await opened.close()
        return
    if not POSTGRES_URL:
        pytest.skip("LEGDAY_TEST_POSTGRES_URL is not set")
    schema = f"legday_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(POSTGRES_URL)
    async with admin.begin() as conn:
        await conn.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
    engine = create_async_engine(
        POSTGRES_URL, connect_args={"server_settings": {"search_path": schema}}
    )
    try:
        await database.upgrade(engine)
        opened = Store(engine)
        try:
            yield opened
        finally:
            await opened.close()
    finally:
        async with admin.begin() as conn:
            await conn.exec_driver_sql(f'DROP SCHEMA "{schema}" CASCADE')
        await admin.dispose()
