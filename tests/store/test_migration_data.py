"""Upgrading a database that holds data: every row survives, and ids are never reused.

Each schema version is filled the way the bot of that version would have filled it, then
the real start-up path (`database.upgrade`) brings it to head.
"""

from __future__ import annotations

import os
from datetime import UTC, date, datetime, time

from alembic import command
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine

from bot import database
from bot.core.days import Period
from bot.usecases import quotes, schedules, summaries
from bot.usecases.leaderboards import leaderboard_page
from tests.store.conftest import open_migrated
from tests.support import make_services, member_stats

POSTGRES_URL = os.environ.get("LEGDAY_TEST_POSTGRES_URL")
NOW = datetime(2026, 11, 20, 12, 0, tzinfo=UTC)


async def _upgrade_to(engine: AsyncEngine, revision: str) -> None:
    url = engine.url.render_as_string(hide_password=False)

    def run(connection: Connection) -> None:
        config = database.alembic_config(url)
        config.attributes["connection"] = connection
        command.upgrade(config, revision)

    async with engine.begin() as conn:
        await conn.run_sync(run)


async def _fill_0002(engine: AsyncEngine) -> None:
    """What a bot at 0002 stores: a member with check-ins, quotes and schedules with
    deliveries, and a deleted quote and schedule (the highest ids, the ones SQLite
    would hand out again)."""
    statements = [
        "INSERT INTO guilds (guild_id, timezone, weekly_target) VALUES (1, 'Europe/Paris', 2)",
        "INSERT INTO members (guild_id, user_id, timezone, reminders_opt_in, hidden) "
        "VALUES (1, 10, NULL, true, false)",
        "INSERT INTO checkins (guild_id, user_id, day, created_at, note, source) "
        "VALUES (1, 10, '2026-11-16', '2026-11-16 18:00:00+00:00', 'squats', 'command')",
        "INSERT INTO checkins (guild_id, user_id, day, created_at, note, source) "
        "VALUES (1, 10, '2026-11-18', '2026-11-18 18:00:00+00:00', NULL, 'slash')",
        "INSERT INTO member_stats (guild_id, user_id, total, last_day, week, week_count, run, "
        "run_week, best) VALUES (1, 10, 2, '2026-11-18', 105560, 2, 1, 105560, 1)",
    ]
    for text in ("one", "two", "three"):
        statements.append(
            "INSERT INTO quotes (guild_id, text, added_by, created_at) "
            f"VALUES (1, '{text}', 10, '2026-11-01 10:00:00+00:00')"
        )
    for channel in (100, 200):
        statements.append(
            "INSERT INTO schedules (guild_id, channel_id, role_id, days, time, timezone, "
            "nudge_hours, enabled, disabled_reason, created_at) VALUES "
            f"(1, {channel}, 5, '0,3', '18:00', 'Europe/Paris', 2, true, NULL, "
            "'2026-11-01 10:00:00+00:00')"
        )
    statements += [
        "INSERT INTO deliveries (schedule_id, occurrence_day, kind, state, fire_at, message_id, "
        "attempts, error, updated_at) VALUES (1, '2026-11-16', 'main', 'sent', "
        "'2026-11-16 17:00:00+00:00', 999, 1, NULL, '2026-11-16 17:00:01+00:00')",
        "INSERT INTO deliveries (schedule_id, occurrence_day, kind, state, fire_at, message_id, "
        "attempts, error, updated_at) VALUES (1, '2026-11-19', 'main', 'missed', "
        "'2026-11-19 17:00:00+00:00', NULL, 0, NULL, '2026-11-19 19:00:00+00:00')",
        "DELETE FROM quotes WHERE id = 3",
        "DELETE FROM schedules WHERE id = 2",
    ]
    async with engine.begin() as conn:
        for statement in statements:
            await conn.exec_driver_sql(statement)


async def test_a_0002_database_with_data_upgrades_to_head_intact(empty_engine: AsyncEngine):
    engine = empty_engine
    await _upgrade_to(engine, "0002")
    await _fill_0002(engine)

    assert await database.upgrade(engine) == database.head_revision()

    store = await open_migrated(engine)
    config = await store.guild_config(1)
    assert (config.timezone, config.weekly_target) == ("Europe/Paris", 2)
    assert (await store.member_config(1, 10)).reminders_opt_in is True
    assert (await member_stats(store, 1, 10)).total == 2
    exported = await store.export_member(1, 10)
    assert [c["note"] for c in exported["checkins"]] == ["squats", None]
    assert [(q.id, q.text) for q in await store.list_quotes(1)] == [(1, "one"), (2, "two")]
    (schedule,) = await store.schedules(1)
    assert (schedule.id, schedule.channel_id, schedule.nudge_hours) == (1, 100, 2)
    assert schedule.broadcast is None
    # Rebuilding the schedules table must not cascade into its deliveries.
    deliveries = await store.deliveries(1)
    assert [(d.occurrence_day, d.state, d.message_id) for d in deliveries] == [
        (date(2026, 11, 16), "sent", 999),
        (date(2026, 11, 19), "missed", None),
    ]
    # The first start on the new schema fills the new summaries from history.
    assert await summaries.ensure_current(store, "UTC") == "rebuilt"
    assert await summaries.ensure_current(store, "UTC") is None
    services = make_services(store, lambda: NOW)
    month = await leaderboard_page(services, 1, Period.MONTH, 0, 10)
    assert [(e.rank, e.item.user_id, e.item.score) for e in month.page.entries] == [(1, 10, 2)]
    await store.close()
    async with engine.connect() as conn:
        if conn.dialect.name == "sqlite":
            assert (await conn.exec_driver_sql("PRAGMA foreign_keys")).scalar() == 1
            assert (await conn.exec_driver_sql("PRAGMA integrity_check")).scalar() == "ok"


async def test_after_the_upgrade_deleted_ids_are_never_handed_out_again(
    empty_engine: AsyncEngine,
):
    engine = empty_engine
    await _upgrade_to(engine, "0002")
    await _fill_0002(engine)
    await database.upgrade(engine)
    store = await open_migrated(engine)

    services = make_services(store, lambda: NOW)

    newest = await quotes.add(services, 1, "four", 10)
    assert newest > 2
    assert await quotes.remove(services, 1, newest)
    assert await quotes.add(services, 1, "five", 10) > newest

    async def add_schedule() -> int:
        added = await schedules.add(
            services, 1, 300, role_id=None, broadcast=None, days=frozenset({1}), at=time(7, 0)
        )
        assert added is not None
        return added.id

    first = await add_schedule()
    assert await schedules.remove(services, 1, first)
    assert await add_schedule() > first
    await store.close()
