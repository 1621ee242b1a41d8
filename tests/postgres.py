"""A PostgreSQL database of its own for a test that runs the bot as a process.

The bot reads one DATABASE_URL and cannot be told a schema, so each such test gets a
fresh database on the server of LEGDAY_TEST_POSTGRES_URL (`.ci/run` sets it), dropped
afterwards even while a killed bot still holds connections to it.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

POSTGRES_URL = os.environ.get("LEGDAY_TEST_POSTGRES_URL")
SKIP_REASON = "PostgreSQL tests need LEGDAY_TEST_POSTGRES_URL (`.ci/run` sets it)"


def skip_without_postgres() -> str:
    """The server's URL, or skip the calling test with the reason."""
    if not POSTGRES_URL:
        pytest.skip(SKIP_REASON)
    return POSTGRES_URL


@asynccontextmanager
async def fresh_database(prefix: str = "legday") -> AsyncIterator[str]:
    """Create an empty database, yield its URL (asyncpg driver), drop it on the way out."""
    server = make_url(skip_without_postgres())
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(server, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as conn:
            await conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            url = server.set(drivername="postgresql+asyncpg", database=name)
            yield url.render_as_string(hide_password=False)
        finally:
            async with admin.connect() as conn:
                await conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.dispose()
