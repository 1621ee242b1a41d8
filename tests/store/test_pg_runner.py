"""The PostgreSQL runner: the bot's `:name` SQL in psycopg's form, and a connection that
died while idle costs no unit of work (no ping before each use: a dead one is found,
replaced and the work run again, once)."""

from __future__ import annotations

import socket

import psycopg
import pytest
from sqlalchemy.ext.asyncio import create_async_engine

from bot.runner import open_store
from bot.store import Tx
from bot.store.pg_runner import PgRunner, Unreachable, postgres_dsn, psycopg_sql
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
            assert isinstance(store.runner, PgRunner)
            assert store.runner.reconnects == 1
            assert await store.read(lambda tx: tx.scalar("SELECT count(*) FROM guilds")) == 1
        finally:
            await store.close()


def test_named_parameters_become_psycopgs():
    assert psycopg_sql("SELECT * FROM t WHERE a = :a AND b IN (:b0, :b1)") == (
        "SELECT * FROM t WHERE a = %(a)s AND b IN (%(b0)s, %(b1)s)",
        True,
    )


def test_casts_literals_and_percent_signs_are_not_parameters():
    sql = "SELECT :day::date, '18:00', 'a%b', x % 2, \"odd:name\" FROM t -- :not\nWHERE y=:y"
    assert psycopg_sql(sql) == (
        "SELECT %(day)s::date, '18:00', 'a%%b', x %% 2, \"odd:name\" FROM t -- :not\nWHERE y=%(y)s",
        True,
    )


def test_text_without_parameters_is_sent_as_it_is():
    assert psycopg_sql("SELECT 1 % 2, now()::date") == ("SELECT 1 % 2, now()::date", False)


def test_a_database_url_of_the_bot_becomes_a_libpq_url():
    url = "postgresql+asyncpg://bot:secret@db:5433/legday"
    assert postgres_dsn(url) == "postgresql://bot:secret@db:5433/legday"


async def test_a_failing_unit_of_work_keeps_nothing_and_the_next_runs_on(make_config) -> None:
    async with fresh_database() as url:
        store = await open_store(make_config(database_url=url))
        try:

            def add_twice(tx: Tx) -> None:
                tx.execute("INSERT INTO guilds (guild_id) VALUES (:g)", {"g": 1})
                tx.execute("INSERT INTO guilds (guild_id) VALUES (:g)", {"g": 1})

            with pytest.raises(psycopg.errors.UniqueViolation):
                await store.run(add_twice)
            for _ in range(10):  # every worker thread, whichever took the failed one
                assert await store.read(lambda tx: tx.scalar("SELECT count(*) FROM guilds")) == 0
            assert isinstance(store.runner, PgRunner)
            assert store.runner.reconnects == 0
        finally:
            await store.close()


async def test_a_server_that_refuses_connections_is_one_line() -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    runner = PgRunner(f"postgresql://legday:secret@127.0.0.1:{port}/legday", threads=2)
    with pytest.raises(Unreachable) as raised:
        await runner.start()
    assert "\n" not in str(raised.value)
    assert "secret" not in str(raised.value)
    with pytest.raises(RuntimeError):
        await runner.run(lambda tx: tx.scalar("SELECT 1"))
