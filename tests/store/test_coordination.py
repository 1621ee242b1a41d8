"""Shard leases and settings-change notifications between processes on one PostgreSQL
database (two coordinations in one test stand for two bot processes), and the SQL
condition that keeps a process to its shards' servers on both databases."""

from __future__ import annotations

import asyncio

from bot.core.shards import ShardScope
from bot.store import Store, Tx, coordination
from bot.store.coordination import AloneCoordination, PostgresCoordination
from bot.usecases.cache import SettingsCache
from tests.postgres import fresh_database

TWO_OF_FOUR = ShardScope(4, frozenset({0, 1}))


async def test_one_process_gets_a_shards_lease_until_it_is_gone() -> None:
    async with fresh_database() as url:
        first, second, third = (PostgresCoordination(url) for _ in range(3))
        try:
            assert await first.start(TWO_OF_FOUR, lambda change: None)
            # Shards given twice: the second process must not take over claims.
            assert not await second.start(ShardScope(4, frozenset({1, 2})), lambda c: None)
            # Other shards, or the same numbers of another shard count, are free.
            assert await third.start(ShardScope(2, frozenset({0, 1})), lambda c: None)
            await first.close()
            again = PostgresCoordination(url)
            assert await again.start(TWO_OF_FOUR, lambda change: None)
            await again.close()
        finally:
            for coordination in (first, second, third):
                await coordination.close()


async def test_a_stand_by_gets_the_leases_once_their_holder_is_gone(monkeypatch) -> None:
    monkeypatch.setattr(coordination, "LEASE_POLL", 0.05)
    async with fresh_database() as url:
        holder, stand_by = PostgresCoordination(url), PostgresCoordination(url)
        try:
            assert await holder.start(TWO_OF_FOUR, lambda change: None)
            assert not await stand_by.start(TWO_OF_FOUR, lambda change: None)
            waiting = asyncio.create_task(stand_by.wait_for_leases())
            await asyncio.sleep(0.3)
            assert not waiting.done()  # still held
            await holder.close()
            await asyncio.wait_for(waiting, 10)
            assert stand_by.sole_owner
            late = PostgresCoordination(url)  # and now the stand-by holds them
            assert not await late.start(TWO_OF_FOUR, lambda change: None)
            await late.close()
        finally:
            await holder.close()
            await stand_by.close()


async def test_a_lease_taken_while_the_holders_connection_was_down_is_reported(
    monkeypatch,
) -> None:
    monkeypatch.setattr(coordination, "LEASE_POLL", 0.05)
    monkeypatch.setattr(coordination, "RECONNECT_DELAYS", (0.5,))
    async with fresh_database() as url:
        holder, stand_by = PostgresCoordination(url), PostgresCoordination(url)
        lost: asyncio.Queue[list[int]] = asyncio.Queue()
        holder.lease_lost = lost.put_nowait
        try:
            assert await holder.start(TWO_OF_FOUR, lambda change: None)
            assert not await stand_by.start(ShardScope(4, frozenset({1})), lambda c: None)
            waiting = asyncio.create_task(stand_by.wait_for_leases())
            pid = holder._connection.get_server_pid()
            await stand_by._connection.execute("SELECT pg_terminate_backend($1)", pid)
            await asyncio.wait_for(waiting, 10)  # shard 1 went with the connection
            assert await asyncio.wait_for(lost.get(), 10) == [1]
            assert not holder.sole_owner  # shard 0 it got back
        finally:
            await holder.close()
            await stand_by.close()


async def test_a_change_announced_by_one_process_drops_the_others_cached_copy() -> None:
    async with fresh_database() as url:
        heard: asyncio.Queue[str] = asyncio.Queue()
        here, there = PostgresCoordination(url), PostgresCoordination(url)
        try:
            await here.start(TWO_OF_FOUR, lambda change: None)
            await there.start(ShardScope(4, frozenset({2, 3})), heard.put_nowait)
            cache = SettingsCache()
            cache.announce = here.announce
            cache.forget_guild(42)
            cache.forget_member(42, 7)
            got = [await asyncio.wait_for(heard.get(), 10) for _ in range(2)]
            assert got == ["guild:42", "member:42:7"]
        finally:
            await here.close()
            await there.close()


async def test_alone_on_sqlite_the_process_owns_everything() -> None:
    alone = AloneCoordination()
    assert await alone.start(TWO_OF_FOUR, lambda change: None)
    alone.announce("guild:1")  # nobody to tell, nothing raised
    await alone.close()


async def test_the_shard_condition_picks_the_same_servers_on_both_databases(
    backend_store: Store,
) -> None:
    ids = [(n << 22) | 77 for n in range(12)] + [2**62 + (5 << 22)]
    scope = ShardScope(3, frozenset({1}))

    def seed(tx: Tx) -> None:
        for guild_id in ids:
            tx.execute(
                "INSERT INTO guilds (guild_id, recap_channel_id) VALUES (:g, :c)",
                {"g": guild_id, "c": 5},
            )

    await backend_store.run(seed)
    from bot.store.sql import settings as settings_sql

    found = await backend_store.read(lambda tx: settings_sql.recap_guilds(tx, scope))
    assert [g.guild_id for g in found] == sorted(i for i in ids if scope.owns(i))
    every = await backend_store.read(settings_sql.recap_guilds)
    assert len(every) == len(ids)


async def test_two_processes_racing_for_occurrences_claim_each_once() -> None:
    """Two stores with their own connection pools (two processes) claim the same
    occurrences at the same moment, fresh and after a failure: one claim each time."""
    from datetime import UTC, date, datetime, time, timedelta

    from sqlalchemy.ext.asyncio import create_async_engine

    from bot import database
    from bot.store.pg_runner import PgRunner, postgres_dsn
    from bot.store.sql import schedules as schedules_sql

    now = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
    days = [date(2026, 11, 2) + timedelta(days=n) for n in range(15)]
    async with fresh_database() as url:
        migrating = create_async_engine(url)
        await database.upgrade(migrating)
        await migrating.dispose()
        stores = [Store(PgRunner(postgres_dsn(url))) for _ in range(2)]
        for store in stores:
            await store.runner.start()
        try:
            schedule = await stores[0].run(
                lambda tx: schedules_sql.add(
                    tx,
                    (7 << 22) | 1,
                    now=now,
                    channel_id=5,
                    role_id=None,
                    days=frozenset(range(7)),
                    at=time(18, 0),
                    timezone="UTC",
                    broadcast=None,
                )
            )

            async def race(day: date, at: datetime) -> int:
                claims = await asyncio.gather(
                    *(
                        s.claim_with_targets(schedule.id, schedule.guild_id, day, "remind", now, at)
                        for s in stores
                        for _ in range(3)
                    )
                )
                return sum(claim is not None for claim in claims)

            assert [await race(day, now) for day in days] == [1] * len(days)
            for day in days:
                await stores[0].finish_delivery(schedule.id, day, "remind", "failed", now)
            later = now + timedelta(seconds=1)
            assert [await race(day, later) for day in days] == [1] * len(days)
        finally:
            for store in stores:
                await store.close()


async def test_processes_take_turns_to_identify_in_a_bucket() -> None:
    async with fresh_database() as url:
        first, second = PostgresCoordination(url), PostgresCoordination(url)
        try:
            # (Bounds far from the 4 s window, so a loaded machine cannot blur them.)
            assert await first.identify_turn(0, 4.0) < 2
            assert await second.identify_turn(1, 4.0) < 2  # another bucket: no wait
            waited = await second.identify_turn(0, 4.0)
            assert 2 < waited < 30  # until the first process's window ended
        finally:
            await first.close()
            await second.close()
        assert await AloneCoordination().identify_turn(0, 5.0) == 0
