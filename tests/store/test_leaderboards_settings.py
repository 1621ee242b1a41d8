"""Guild/member settings, the weekly target recompute, and the leaderboard reads."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.core import streaks
from bot.store import CountRow, GuildConfig, MemberConfig, Store

GUILD = 500
OTHER_GUILD = 501
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
MON = date(2026, 11, 2)


async def record(store: Store, user: int, *days: date, guild: int = GUILD, target: int = 1):
    for day in days:
        await store.record_checkin(
            guild, user, day, now=NOW, note=None, source="command", weekly_target=target
        )


def week_days(week: int, count: int) -> list[date]:
    """`count` days (Mon, Tue, ...) of the week `week` weeks after MON."""
    return [MON + timedelta(weeks=week, days=i) for i in range(count)]


async def test_defaults_without_any_rows(store: Store):
    assert await store.guild_config(GUILD) == GuildConfig(GUILD, None, 1)
    assert await store.member_config(GUILD, 1) == MemberConfig(None, False, False)
    context = await store.checkin_context(GUILD, 1)
    assert (context.guild, context.member) == (GuildConfig(GUILD), MemberConfig())


async def test_guild_and_member_settings_round_trip(store: Store):
    await store.set_guild_timezone(GUILD, "Europe/Berlin")
    await store.set_member_timezone(GUILD, 1, "Asia/Tokyo")
    await store.set_hidden(GUILD, 1, True)
    await store.set_reminders(GUILD, 1, True)

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

    await store.set_member_timezone(GUILD, 1, None)
    assert (await store.member_config(GUILD, 1)).timezone is None


async def test_set_weekly_target_recomputes_every_member(store: Store):
    # Member 1 trains twice a week for three weeks, member 2 once a week.
    await record(store, 1, *week_days(0, 2), *week_days(1, 2), *week_days(2, 2))
    await record(store, 2, *week_days(0, 1), *week_days(1, 1), *week_days(2, 1))
    await record(store, 3, *week_days(0, 2), guild=OTHER_GUILD)
    assert (await store.member_stats(GUILD, 2)).run == 3

    updated = await store.set_weekly_target(GUILD, 2)

    assert updated == 2
    assert (await store.guild_config(GUILD)).weekly_target == 2
    one = await store.member_stats(GUILD, 1)
    two = await store.member_stats(GUILD, 2)
    assert one == streaks.rebuild(week_days(0, 2) + week_days(1, 2) + week_days(2, 2), 2)
    assert (one.run, one.best) == (3, 3)
    assert two == streaks.rebuild(week_days(0, 1) + week_days(1, 1) + week_days(2, 1), 2)
    assert (two.run, two.best, two.run_week) == (0, 0, None)
    # The other guild keeps its own target and summaries.
    assert (await store.guild_config(OTHER_GUILD)).weekly_target == 1
    assert (await store.member_stats(OTHER_GUILD, 3)).run == 1

    assert await store.set_weekly_target(GUILD, 1) == 2
    assert (await store.member_stats(GUILD, 2)).run == 3


async def test_set_weekly_target_on_an_empty_guild(store: Store):
    assert await store.set_weekly_target(GUILD, 4) == 0
    assert (await store.guild_config(GUILD)).weekly_target == 4


async def test_counts_since_respects_window_hidden_members_and_guild(store: Store):
    start = MON + timedelta(days=7)
    await record(store, 1, MON, start, start + timedelta(days=1))  # 2 in the window, 3 total
    await record(store, 2, MON)  # nothing in the window
    await record(store, 3, start, start + timedelta(days=2), start + timedelta(days=3))
    await record(store, 4, start)  # hidden
    await store.set_hidden(GUILD, 4, True)
    await store.set_hidden(GUILD, 2, False)  # an explicit "not hidden" row
    await record(store, 5, start, guild=OTHER_GUILD)

    windowed = sorted(await store.counts_since(GUILD, start), key=lambda r: r.user_id)
    all_time = sorted(await store.counts_since(GUILD, None), key=lambda r: r.user_id)

    assert windowed == [CountRow(1, 2), CountRow(3, 3)]
    assert all_time == [CountRow(1, 3), CountRow(2, 1), CountRow(3, 3)]

    await store.set_hidden(GUILD, 4, False)
    assert CountRow(4, 1) in await store.counts_since(GUILD, start)


async def test_streak_rows_include_member_time_zones_and_skip_hidden(store: Store):
    await record(store, 1, MON)
    await record(store, 2, MON, MON + timedelta(weeks=1))
    await record(store, 3, MON)
    await record(store, 4, MON, guild=OTHER_GUILD)
    await store.set_member_timezone(GUILD, 1, "America/New_York")
    await store.set_hidden(GUILD, 3, True)

    rows = {row.user_id: row for row in await store.streak_rows(GUILD)}

    assert set(rows) == {1, 2}
    assert rows[1].timezone == "America/New_York"
    assert rows[2].timezone is None  # no members row at all: the outer join keeps them
    assert rows[2].stats == await store.member_stats(GUILD, 2)
    assert rows[2].stats.run == 2


async def test_checkin_context_sees_member_settings_before_any_guild_settings(store: Store):
    await store.set_member_timezone(GUILD, 1, "Asia/Tokyo")
    await store.set_hidden(GUILD, 1, True)

    assert await store.member_config(GUILD, 1) == MemberConfig("Asia/Tokyo", False, True)
    context = await store.checkin_context(GUILD, 1)
    assert context.member == MemberConfig("Asia/Tokyo", False, True)
