"""Keeping the summaries right: rebuilding them (exact counts, in the bot's default zone),
re-timing them once per default-zone change, and forgetting a hidden member."""

from __future__ import annotations

import logging
from datetime import UTC, date, datetime

import pytest

from bot.core.days import zone
from bot.store import Store
from bot.store.sql import settings as settings_sql
from bot.usecases import preferences, privacy, server, summaries
from tests.support import make_services, record_day, remove_day
from tests.usecases.test_summaries_exact import expected, stored

MON = date(2026, 11, 2)
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)


async def break_summaries(store: Store) -> None:
    await store.run(lambda tx: tx.execute("UPDATE member_stats SET total = 99, run = 7", {}))


async def test_rebuild_all_counts_servers_and_members_exactly(store: Store):
    for guild, users in ((1, (10, 20)), (2, (10, 20, 30))):
        for user in users:
            await record_day(store, guild, user, MON)
    await break_summaries(store)
    assert await summaries.rebuild_all(store, "UTC") == (2, 5)
    assert await stored(store, 1) == await expected(store, 1, "UTC")


async def test_rebuild_all_uses_the_bots_default_zone(store: Store):
    await record_day(store, 1, 10, MON, default_zone="Asia/Tokyo")
    await break_summaries(store)
    await summaries.rebuild_all(store, "Asia/Tokyo")
    assert await stored(store, 1) == await expected(store, 1, "Asia/Tokyo")
    assert await stored(store, 1) != await expected(store, 1, "UTC")


async def test_start_up_rebuilds_once_and_retimes_once_per_new_zone(
    store: Store, caplog: pytest.LogCaptureFixture
):
    for guild, users in ((1, (10, 20)), (2, (10,))):
        for user in users:
            await record_day(store, guild, user, MON)
    caplog.set_level(logging.INFO, logger="bot.usecases.summaries")
    assert await summaries.ensure_current(store, "UTC") == "rebuilt"
    assert await summaries.ensure_current(store, "UTC") is None
    assert await summaries.ensure_current(store, "Asia/Tokyo") == "retimed"
    assert await summaries.ensure_current(store, "Asia/Tokyo") is None
    assert [r.getMessage() for r in caplog.records if r.name == "bot.usecases.summaries"] == [
        "rebuilt leaderboard summaries: 2 servers, 3 members",
        "default time zone is now Asia/Tokyo: re-timed streaks in 2 servers",
    ]
    assert await stored(store, 1) == await expected(store, 1, "Asia/Tokyo")


async def test_forgetting_a_hidden_member_leaves_the_others_scores_alone(store: Store):
    services = make_services(store, lambda: NOW)
    for user in (10, 20):  # the same scores on every board
        await record_day(store, 1, user, MON)
    await record_day(store, 1, 30, date(2026, 11, 3))
    await preferences.set_hidden(services, 1, 10, True)
    before = await stored(store, 1)
    assert await privacy.forget(services, 1, 10) == 1
    assert await stored(store, 1) == await expected(store, 1, "UTC")
    # A hidden member's scores had left the boards already: nothing on them moves.
    assert (await stored(store, 1))[2] == before[2]
    settings = await store.read(lambda tx: settings_sql.member_config(tx, 1, 10))
    assert settings.hidden is False  # the member's settings went too


async def test_a_new_weekly_target_restreaks_everyone_in_their_own_zone(store: Store):
    services = make_services(store, lambda: NOW, default_zone="Asia/Tokyo")
    await store.run(lambda tx: settings_sql.set_member(tx, 1, 10, "timezone", "America/Denver"))
    for user in (10, 20):  # 20 follows the server, which has no zone: the bot's Tokyo
        for day in (MON, date(2026, 11, 3)):
            await record_day(store, 1, user, day)
    await record_day(store, 2, 30, MON)
    assert await server.set_weekly_target(services, 1, 2) == 2
    assert await stored(store, 1) == await expected(store, 1, "Asia/Tokyo")
    assert await stored(store, 1) != await expected(store, 1, "UTC")


async def test_a_member_zone_change_retimes_only_that_members_expiry(store: Store):
    services = make_services(store, lambda: NOW, default_zone="Europe/Paris")
    await store.run(lambda tx: settings_sql.set_guild_timezone(tx, 1, "Asia/Tokyo"))
    for user in (10, 20):
        await record_day(store, 1, user, MON)
    await preferences.set_timezone(services, 1, 10, zone("America/Denver"))
    assert await stored(store, 1) == await expected(store, 1, "Europe/Paris")
    member = await store.read(lambda tx: services.cache.member(tx, 1, 10))
    assert member.timezone == "America/Denver"
    await preferences.set_timezone(services, 1, 10, None)  # follow the server (Tokyo) again
    assert await stored(store, 1) == await expected(store, 1, "Europe/Paris")
    # With no server zone, following it means the bot's default.
    await record_day(store, 2, 10, MON)
    await store.run(lambda tx: settings_sql.set_member(tx, 2, 10, "timezone", "Asia/Tokyo"))
    await preferences.set_timezone(services, 2, 10, None)
    assert await stored(store, 2) == await expected(store, 2, "Europe/Paris")
    assert await stored(store, 2) != await expected(store, 2, "UTC")


async def test_undoing_a_hidden_members_check_in_leaves_the_boards_alone(store: Store):
    services = make_services(store, lambda: NOW)
    for user in (10, 20):
        await record_day(store, 1, user, MON)
    await preferences.set_hidden(services, 1, 10, True)
    boards = (await stored(store, 1))[2]
    assert await remove_day(store, 1, 10, MON) is not None
    assert (await stored(store, 1))[2] == boards
    assert await stored(store, 1) == await expected(store, 1, "UTC")
