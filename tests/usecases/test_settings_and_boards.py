"""Server and member settings, the weekly target recompute, and what the boards read."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.core import streaks
from bot.core.days import Period, zone
from bot.store import GuildConfig, MemberConfig, Store
from bot.usecases import preferences, server
from bot.usecases.leaderboards import leaderboard_page
from tests.support import make_services, member_stats, seed

GUILD = 500
OTHER_GUILD = 501
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
MON = date(2026, 11, 2)


async def record(store: Store, user: int, *days: date, guild: int = GUILD, target: int = 1):
    await seed(store, guild, user, days, weekly_target=target)


def week_days(week: int, count: int) -> list[date]:
    """`count` days (Mon, Tue, ...) of the week `week` weeks after MON."""
    return [MON + timedelta(weeks=week, days=i) for i in range(count)]


async def test_defaults_without_any_rows(store: Store):
    assert await store.guild_config(GUILD) == GuildConfig(GUILD, None, 1)
    assert await store.member_config(GUILD, 1) == MemberConfig(None, False, False)
    context = await store.checkin_context(GUILD, 1)
    assert (context.guild, context.member) == (GuildConfig(GUILD), MemberConfig())


async def test_guild_and_member_settings_round_trip(store: Store):
    services = make_services(store, lambda: NOW)
    await server.set_timezone(services, GUILD, zone("Europe/Berlin"))
    await preferences.set_timezone(services, GUILD, 1, zone("Asia/Tokyo"))
    await preferences.set_hidden(services, GUILD, 1, True)
    await preferences.set_reminders(services, GUILD, 1, True)

    assert await store.guild_config(GUILD) == GuildConfig(GUILD, "Europe/Berlin", 1)
    assert await store.member_config(GUILD, 1) == MemberConfig("Asia/Tokyo", True, True)
    context = await store.checkin_context(GUILD, 1)
    assert context.guild.timezone == "Europe/Berlin"
    assert context.member == MemberConfig("Asia/Tokyo", True, True)
    # Another member of the same guild sees the guild's settings but not member 1's.
    other = await store.checkin_context(GUILD, 2)
    assert other.guild.timezone == "Europe/Berlin"
    assert other.member == MemberConfig()
    assert await store.member_config(OTHER_GUILD, 1) == MemberConfig()

    await preferences.set_timezone(services, GUILD, 1, None)
    assert (await store.member_config(GUILD, 1)).timezone is None


async def test_set_weekly_target_recomputes_every_member(store: Store):
    services = make_services(store, lambda: NOW)
    # Member 1 trains twice a week for three weeks, member 2 once a week.
    await record(store, 1, *week_days(0, 2), *week_days(1, 2), *week_days(2, 2))
    await record(store, 2, *week_days(0, 1), *week_days(1, 1), *week_days(2, 1))
    await record(store, 3, *week_days(0, 2), guild=OTHER_GUILD)
    assert (await member_stats(store, GUILD, 2)).run == 3

    updated = await server.set_weekly_target(services, GUILD, 2)

    assert updated == 2
    assert (await store.guild_config(GUILD)).weekly_target == 2
    one = await member_stats(store, GUILD, 1)
    two = await member_stats(store, GUILD, 2)
    assert one == streaks.rebuild(week_days(0, 2) + week_days(1, 2) + week_days(2, 2), 2)
    assert (one.run, one.best) == (3, 3)
    assert two == streaks.rebuild(week_days(0, 1) + week_days(1, 1) + week_days(2, 1), 2)
    assert (two.run, two.best, two.run_week) == (0, 0, None)
    # The other guild keeps its own target and summaries.
    assert (await store.guild_config(OTHER_GUILD)).weekly_target == 1
    assert (await member_stats(store, OTHER_GUILD, 3)).run == 1

    assert await server.set_weekly_target(services, GUILD, 1) == 2
    assert (await member_stats(store, GUILD, 2)).run == 3


async def test_set_weekly_target_on_an_empty_guild(store: Store):
    services = make_services(store, lambda: NOW)
    assert await server.set_weekly_target(services, GUILD, 4) == 0
    assert (await store.guild_config(GUILD)).weekly_target == 4


def _rows(board) -> list[tuple[int, int]]:
    return [(entry.item.user_id, entry.item.score) for entry in board.page.entries]


async def test_boards_respect_the_window_hidden_members_and_the_guild(store: Store):
    start = MON + timedelta(days=7)
    in_window = datetime.combine(start + timedelta(days=4), datetime.min.time(), UTC)
    services = make_services(store, lambda: in_window)
    await record(store, 1, MON, start, start + timedelta(days=1))  # 2 in the window, 3 total
    await record(store, 2, MON)  # nothing in the window
    await record(store, 3, start, start + timedelta(days=2), start + timedelta(days=3))
    await record(store, 4, start)  # hidden
    await preferences.set_hidden(services, GUILD, 4, True)
    await preferences.set_hidden(services, GUILD, 2, False)  # an explicit "not hidden" row
    await record(store, 5, start, guild=OTHER_GUILD)

    windowed = await leaderboard_page(services, GUILD, Period.WEEK, 0, 99)
    all_time = await leaderboard_page(services, GUILD, Period.ALL, 0, 99)

    assert sorted(_rows(windowed)) == [(1, 2), (3, 3)]
    assert sorted(_rows(all_time)) == [(1, 3), (2, 1), (3, 3)]

    await preferences.set_hidden(services, GUILD, 4, False)
    shown = await leaderboard_page(services, GUILD, Period.WEEK, 0, 99)
    assert (4, 1) in _rows(shown)


async def test_streak_board_uses_member_time_zones_and_skips_hidden(store: Store):
    services = make_services(store, lambda: NOW)
    await record(store, 1, MON)
    await record(store, 2, MON, MON + timedelta(weeks=1))
    await record(store, 3, MON)
    await record(store, 4, MON, guild=OTHER_GUILD)
    await preferences.set_timezone(services, GUILD, 1, zone("America/New_York"))
    await preferences.set_hidden(services, GUILD, 3, True)

    board = await leaderboard_page(services, GUILD, Period.STREAK, 0, 99)
    rows = {entry.item.user_id: entry.item for entry in board.page.entries}

    assert set(rows) == {1, 2}
    assert rows[2].score == 0 and rows[2].best == 2  # the streak broke: two weeks ago
    assert rows[2].best == (await member_stats(store, GUILD, 2)).best


async def test_checkin_context_sees_member_settings_before_any_guild_settings(store: Store):
    services = make_services(store, lambda: NOW)
    await preferences.set_timezone(services, GUILD, 1, zone("Asia/Tokyo"))
    await preferences.set_hidden(services, GUILD, 1, True)

    assert await store.member_config(GUILD, 1) == MemberConfig("Asia/Tokyo", False, True)
    context = await store.checkin_context(GUILD, 1)
    assert context.member == MemberConfig("Asia/Tokyo", False, True)
