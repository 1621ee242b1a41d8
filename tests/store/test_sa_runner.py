"""The PostgreSQL runner: a connection that died while idle in the pool costs no unit of
work (no ping before each use: a dead one is found, replaced and the work run again)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import create_async_engine

from bot.runner import open_store
from bot.store import Tx
from tests.postgres import fresh_database


async def _terminate_the_bots_connections(url: str) -> int:
    admin = create_async_engine(url)
    try:
        async with admin.connect() as conn:
            result = await conn.exec_driver_sql(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
            return int(result.scalar() or 0)
    finally:
        await admin.dispose()


async def test_a_unit_of_work_on_a_dead_pooled_connection_runs_once_on_a_new_one(
    make_config,
) -> None:
    async with fresh_database() as url:
        store = await open_store(make_config(database_url=url))
        try:

            def add(tx: Tx) -> int:
                tx.execute("INSERT INTO guilds (guild_id) VALUES (:g)", {"g": 7})
                return int(tx.scalar("SELECT count(*) FROM guilds"))

            assert await store.run(lambda tx: tx.scalar("SELECT 1")) == 1
            assert await _terminate_the_bots_connections(url) >= 1
            assert await store.run(add) == 1  # ran again on a fresh connection, once
            assert await store.read(lambda tx: tx.scalar("SELECT count(*) FROM guilds")) == 1
        finally:
            await store.close()
