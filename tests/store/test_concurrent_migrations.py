"""Two processes starting at once on one new PostgreSQL database (the compose `scale`
profile's two shard processes) both run the migrations: one creates the schema, the other
waits for it and finds it done."""

from __future__ import annotations

import asyncio
import os
import sys

from sqlalchemy.ext.asyncio import create_async_engine

from bot.store.opening import SCHEMA_REVISION
from tests.postgres import fresh_database


async def upgrade_in_a_process(url: str) -> tuple[int, str]:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "db",
        "upgrade",
        env={
            **{k: v for k, v in os.environ.items() if not k.startswith("LEGDAY_")},
            "DATABASE_URL": url,
        },
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, error = await process.communicate()
    assert process.returncode is not None
    return process.returncode, error.decode(errors="replace")


async def test_two_upgrades_at_once_on_a_new_postgresql_database():
    async with fresh_database("race") as url:
        results = await asyncio.gather(*(upgrade_in_a_process(url) for _ in range(3)))
        for code, error in results:
            assert code == 0, error
        engine = create_async_engine(url)
        try:
            async with engine.connect() as connection:
                versions = (
                    await connection.exec_driver_sql("SELECT version_num FROM alembic_version")
                ).all()
        finally:
            await engine.dispose()
        assert versions == [(SCHEMA_REVISION,)]
