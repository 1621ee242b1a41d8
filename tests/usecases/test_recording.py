"""Recording and removing check-ins, and the summary rows kept beside them in the same
unit of work (the rules of `bot.usecases.summaries` on a real store)."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core import streaks
from bot.core.streaks import StreakState
from bot.store import Store
from bot.usecases.checkins import member_report
from tests.support import make_services, member_stats, record_day, remove_day, sql_rows

GUILD = 111
USER = 222
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
MON = date(2026, 11, 2)  # a Monday

# A server's shield rule until its admins change it.
DEFAULT_RULE = streaks.ShieldRule(every=streaks.DEFAULT_SHIELD_EVERY)


async def stored_days(store: Store, guild_id: int, user_id: int) -> list[date]:
    rows = await sql_rows(
        store,
        "SELECT day FROM checkins WHERE guild_id = :g AND user_id = :u ORDER BY day",
        g=guild_id,
        u=user_id,
    )
    return [row["day"] for row in rows]


async def checkin_rows(store: Store, guild_id: int, user_id: int) -> list[SimpleNamespace]:
    rows = await sql_rows(
        store,
        "SELECT guild_id, user_id, day, created_at, note, source FROM checkins "
        "WHERE guild_id = :g AND user_id = :u ORDER BY day",
        g=guild_id,
        u=user_id,
    )
    return [SimpleNamespace(**row) for row in rows]


async def summary_count(store: Store, guild_id: int, user_id: int) -> int:
    rows = await sql_rows(
        store,
        "SELECT count(*) AS n FROM member_stats WHERE guild_id = :g AND user_id = :u",
        g=guild_id,
        u=user_id,
    )
    return int(rows[0]["n"])


async def record(store: Store, day: date, *, user: int = USER, guild: int = GUILD, **kwargs):
    values = {"now": NOW, "note": None, "source": "command", "weekly_target": 1}
    values.update(kwargs)
    return await record_day(store, guild, user, day, **values)


async def test_first_checkin_creates_the_row_and_the_summary(store: Store):
    result = await record(store, MON, note="squats 5x5", source="slash")

    assert result.created is True
    assert result.stats == streaks.rebuild([MON], 1)
    assert result.stats.total == 1
    assert result.stats.run == 1
    (row,) = await checkin_rows(store, GUILD, USER)
    assert (row.day, row.note, row.source) == (MON, "squats 5x5", "slash")
    assert row.created_at == NOW
    assert row.created_at.tzinfo is not None
    assert await member_stats(store, GUILD, USER) == result.stats


async def test_repeat_for_the_same_day_changes_nothing(store: Store):
    first = await record(store, MON, note="first")
    later = NOW + timedelta(hours=3)
    again = await record(store, MON, note="second", source="button", now=later)

    assert again.created is False
    assert again.stats == first.stats
    (row,) = await checkin_rows(store, GUILD, USER)
    assert (row.note, row.source, row.created_at) == ("first", "command", NOW)
    assert await member_stats(store, GUILD, USER) == first.stats
    assert await summary_count(store, GUILD, USER) == 1


async def test_same_day_for_another_member_or_guild_is_separate(store: Store):
    await record(store, MON)
    other_user = await record(store, MON, user=USER + 1)
    other_guild = await record(store, MON, guild=GUILD + 1)

    assert other_user.created and other_guild.created
    assert (await member_stats(store, GUILD, USER)).total == 1
    assert (await member_stats(store, GUILD, USER + 1)).total == 1
    assert (await member_stats(store, GUILD + 1, USER)).total == 1


async def test_backfill_of_an_earlier_day_rebuilds_the_streak(store: Store):
    # Weeks 0 and 2 alone are two separate one-week runs; backfilling week 1 joins them.
    await record(store, MON)
    await record(store, MON + timedelta(weeks=2))
    assert (await member_stats(store, GUILD, USER)).run == 1

    result = await record(store, MON + timedelta(weeks=1, days=3))

    assert result.created is True
    assert result.stats.run == 3
    assert result.stats.best == 3
    assert result.stats.total == 3
    assert result.stats.last_day == MON + timedelta(weeks=2)  # not the backfilled day
    assert result.stats == streaks.rebuild(await stored_days(store, GUILD, USER), 1)


async def test_remove_checkin_rebuilds_and_reports_nothing_to_undo(store: Store):
    for offset in (0, 7, 14):
        await record(store, MON + timedelta(days=offset))

    stats = await remove_day(store, GUILD, USER, MON + timedelta(days=7), weekly_target=1)

    assert stats == streaks.rebuild([MON, MON + timedelta(days=14)], 1)
    assert stats is not None and stats.run == 1 and stats.best == 1 and stats.total == 2
    assert await member_stats(store, GUILD, USER) == stats
    assert await remove_day(store, GUILD, USER, MON + timedelta(days=7), weekly_target=1) is None


async def test_removing_the_last_checkin_deletes_the_summary(store: Store):
    await record(store, MON)
    stats = await remove_day(store, GUILD, USER, MON, weekly_target=1)

    assert stats == StreakState()
    assert await summary_count(store, GUILD, USER) == 0
    assert await member_stats(store, GUILD, USER) == StreakState()
    # A fresh check-in after that starts over cleanly.
    assert (await record(store, MON + timedelta(days=1))).stats.total == 1


_guilds = itertools.count(10_000)
_day_offsets = st.integers(min_value=0, max_value=27)  # four ISO weeks
_operations = st.lists(st.tuples(st.sampled_from(["add", "remove"]), _day_offsets), max_size=14)


@settings(
    max_examples=25,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(operations=_operations, target=st.integers(min_value=1, max_value=3))
async def test_summary_always_matches_a_rebuild_of_the_stored_days(
    store: Store, operations, target
):
    guild = next(_guilds)  # every example gets its own guild in the shared database
    expected: set[date] = set()
    for action, offset in operations:
        day = MON + timedelta(days=offset)
        if action == "add":
            result = await record(store, day, guild=guild, weekly_target=target)
            assert result.created is (day not in expected)
            expected.add(day)
        else:
            removed = await remove_day(store, guild, USER, day, weekly_target=target)
            assert (removed is not None) is (day in expected)
            expected.discard(day)
        days = await stored_days(store, guild, USER)
        assert set(days) == expected
        assert await member_stats(store, guild, USER) == streaks.rebuild(days, target, DEFAULT_RULE)


@pytest.mark.parametrize(
    ("offsets", "target", "run", "best"),
    [
        ([0, 7, 14], 1, 3, 3),  # three consecutive weeks
        ([14, 0, 7], 1, 3, 3),  # same days, recorded newest first
        ([0, 1, 7, 8, 21, 22], 2, 1, 2),  # a gap week breaks the run
        ([0, 7, 8], 2, 1, 1),  # week 0 misses a target of 2
        ([8, 7, 1, 0], 2, 2, 2),  # backfilled into two complete weeks
    ],
)
async def test_summary_table(store: Store, offsets, target, run, best):
    for offset in offsets:
        await record(store, MON + timedelta(days=offset), weekly_target=target)
    stats = await member_stats(store, GUILD, USER)
    assert (stats.run, stats.best, stats.total) == (run, best, len(offsets))
    assert stats == streaks.rebuild(await stored_days(store, GUILD, USER), target, DEFAULT_RULE)


async def test_twenty_concurrent_checkins_for_one_day_make_one_row(store: Store):
    results = await asyncio.gather(*(record(store, MON) for _ in range(20)))

    assert sum(r.created for r in results) == 1
    assert len(await checkin_rows(store, GUILD, USER)) == 1
    stats = await member_stats(store, GUILD, USER)
    assert stats.total == 1
    assert await summary_count(store, GUILD, USER) == 1


async def test_concurrent_checkins_for_different_days_all_land(store: Store):
    # Out of order on purpose, so some of them are backfills that rebuild.
    days = [MON + timedelta(days=offset) for offset in (9, 0, 15, 3, 22, 1, 8, 16, 23, 2)]
    results = await asyncio.gather(*(record(store, day) for day in days))

    assert all(r.created for r in results)
    assert await stored_days(store, GUILD, USER) == sorted(days)
    stats = await member_stats(store, GUILD, USER)
    assert stats.total == len(days)
    assert stats == streaks.rebuild(days, 1, DEFAULT_RULE)


async def test_period_counts_windows_and_latest_checkin(store: Store):
    today = date(2026, 3, 4)  # a Wednesday
    made = {
        date(2025, 12, 31): None,  # last year: counts nowhere
        date(2026, 1, 15): None,  # this year
        date(2026, 2, 28): None,  # this year
        date(2026, 3, 1): None,  # this month (a Sunday, so last week)
        date(2026, 3, 2): None,  # this week
        today: None,  # this week
    }
    for index, day in enumerate(sorted(made)):
        created = NOW.replace(year=2026, month=3, day=5) + timedelta(minutes=index)
        made[day] = created
        await record(store, day, now=created)
    await record(store, today, user=USER + 1)  # another member counts for nobody here
    services = make_services(store, lambda: datetime(2026, 3, 4, 12, 0, tzinfo=UTC))

    counts = (await member_report(services, GUILD, USER)).counts

    assert (counts.week, counts.month, counts.year) == (2, 3, 5)
    assert counts.last_checkin == made[today]


async def test_period_counts_for_a_member_without_checkins(store: Store):
    services = make_services(store, lambda: NOW)
    counts = (await member_report(services, GUILD, USER)).counts
    assert (counts.week, counts.month, counts.year, counts.last_checkin) == (0, 0, 0, None)


async def test_large_snowflakes_round_trip_exactly(store: Store):
    guild = 1_234_567_890_123_456_789
    user = 2**63 - 1  # the largest signed 64-bit value
    await record(store, MON, guild=guild, user=user)

    (row,) = await checkin_rows(store, guild, user)
    assert (row.guild_id, row.user_id) == (guild, user)
    assert (await member_stats(store, guild, user)).total == 1
    assert (await member_stats(store, guild, user)).last_day == MON
    exported = await store.export_member(guild, user)
    assert exported["guild_id"] == "1234567890123456789"
    assert exported["user_id"] == str(2**63 - 1)
