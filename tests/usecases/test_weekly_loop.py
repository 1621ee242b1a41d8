"""The weekly loop's rules over a real store: the group goal and its one celebration,
pauses and their yearly cap, who is at risk, and the recap's numbers."""

from __future__ import annotations

import asyncio
import itertools
from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.core.days import week_index
from bot.core.errors import InputError
from bot.store import Store
from bot.store.sql import deliveries as deliveries_sql
from bot.store.sql import weekly as weekly_sql
from bot.usecases import checkins, pausing, preferences, server, weekly
from tests.support import RecordingWeekly, make_services, record_day

MON = date(2026, 11, 2)  # a Monday
WED_NOON = datetime(2026, 11, 4, 12, 0, tzinfo=UTC)
CHANNEL = 555
_guilds = itertools.count(80_000)


async def test_the_check_in_that_reaches_the_goal_gets_the_one_celebration(store: Store):
    guild = next(_guilds)
    services = make_services(store, lambda: WED_NOON)
    await server.set_goal(services, guild, 3)
    outcomes = [
        await checkins.check_in(services, guild, user, source="command", channel_id=CHANNEL)
        for user in (1, 2, 3, 4)
    ]
    assert [(o.group.total, o.group.goal) for o in outcomes if o.group] == [
        (1, 3),
        (2, 3),
        (3, 3),
        (4, 3),
    ]
    assert [o.group.reached_now for o in outcomes if o.group] == [False, False, True, False]
    weekly_poster = services.weekly
    assert isinstance(weekly_poster, RecordingWeekly)
    assert weekly_poster.celebrations == [(guild, MON, CHANNEL)]
    # Undone and done again, the goal is reached a second time: no second celebration.
    await checkins.undo_today(services, guild, 4)
    await checkins.undo_today(services, guild, 3)
    again = await checkins.check_in(services, guild, 3, source="command", channel_id=CHANNEL)
    assert again.group is not None and (again.group.total, again.group.reached_now) == (3, False)
    assert len(weekly_poster.celebrations) == 1


async def test_twenty_members_at_once_claim_the_celebration_once(store: Store):
    guild = next(_guilds)
    services = make_services(store, lambda: WED_NOON)
    await server.set_goal(services, guild, 10)
    outcomes = await asyncio.gather(
        *(
            checkins.check_in(services, guild, user, source="command", channel_id=CHANNEL)
            for user in range(1, 21)
        )
    )
    assert sum(o.group is not None and o.group.reached_now for o in outcomes) == 1
    claim = await store.read(lambda tx: weekly_sql.one(tx, guild, "goal", MON))
    assert claim is not None and claim.channel_id == CHANNEL


async def test_a_backfill_into_last_week_never_celebrates_this_week(store: Store):
    guild = next(_guilds)
    services = make_services(store, lambda: WED_NOON)
    await server.set_goal(services, guild, 1)
    backfill = await checkins.check_in(
        services, guild, 1, source="backfill", day_text="2026-10-30", channel_id=CHANNEL
    )
    assert backfill.group is not None
    assert (backfill.group.total, backfill.group.reached_now) == (0, False)


async def test_hidden_members_count_towards_the_goal(store: Store):
    guild = next(_guilds)
    services = make_services(store, lambda: WED_NOON)
    await server.set_goal(services, guild, 5)
    await preferences.set_hidden(services, guild, 1, True)
    outcome = await checkins.check_in(services, guild, 1, source="command")
    assert outcome.group is not None and outcome.group.total == 1


async def test_no_goal_means_no_server_line(store: Store):
    guild = next(_guilds)
    services = make_services(store, lambda: WED_NOON)
    outcome = await checkins.check_in(services, guild, 1, source="command")
    assert outcome.group is None


async def test_a_pause_covers_this_week_and_the_next_ones_and_ends_early(store: Store):
    guild = next(_guilds)
    services = make_services(store, lambda: WED_NOON)
    paused = await pausing.pause(services, guild, 1, 2)
    assert (paused.added, paused.until, paused.used_this_year) == (2, MON + timedelta(13), 2)
    again = await pausing.pause(services, guild, 1, 3)  # overlaps: one more week only
    assert (again.added, again.until, again.used_this_year) == (1, MON + timedelta(20), 3)
    ended = await pausing.pause(services, guild, 1, None)
    assert (ended.until, ended.removed, ended.used_this_year) == (None, 3, 0)


async def test_the_yearly_cap_refuses_a_pause_and_stores_nothing(store: Store):
    guild = next(_guilds)
    services = make_services(store, lambda: WED_NOON)
    await server.set_pause_cap(services, guild, 3)
    await pausing.pause(services, guild, 1, 2)
    later = [WED_NOON + timedelta(weeks=3)]
    services.now = lambda: later[0]
    with pytest.raises(InputError) as refused:
        await pausing.pause(services, guild, 1, 2)
    assert "allows 3 a year (1 left for you)" in refused.value.user_message()
    report = await checkins.member_report(services, guild, 1)
    assert report.paused_this_year == 2 and report.paused_until is None


async def test_paused_weeks_keep_the_streak_and_reminders_skip_the_member(store: Store):
    guild = next(_guilds)
    for week in range(3):
        await record_day(store, guild, 1, MON - timedelta(weeks=3 - week))
    services = make_services(store, lambda: WED_NOON)
    await preferences.set_reminders(services, guild, 1, True)
    assert await store.read(lambda tx: deliveries_sql.reminder_targets(tx, guild, MON)) == [1]
    await pausing.pause(services, guild, 1, 2)
    assert await store.read(lambda tx: deliveries_sql.reminder_targets(tx, guild, MON)) == []
    # After two unmet paused weeks, the streak is still alive at 3 through the next week...
    services.now = lambda: WED_NOON + timedelta(weeks=2)
    report = await checkins.member_report(services, guild, 1)
    assert report.current_streak == 3
    # ...which, once it ends unmet (no shield yet: three met weeks), breaks it.
    services.now = lambda: WED_NOON + timedelta(weeks=3)
    report = await checkins.member_report(services, guild, 1)
    assert (report.current_streak, report.shields, report.best_streak) == (0, 0, 3)


async def test_at_risk_are_opted_in_members_with_a_streak_short_of_the_target(store: Store):
    guild = next(_guilds)
    services = make_services(store, lambda: WED_NOON)
    await server.set_weekly_target(services, guild, 2)
    for user in (1, 2, 3, 4, 5):
        for week in (2, 1):  # two met weeks before this one
            for day in (0, 1):
                await record_day(
                    store,
                    guild,
                    user,
                    MON - timedelta(weeks=week) + timedelta(day),
                    weekly_target=2,
                )
    await record_day(store, guild, 2, MON, weekly_target=2)  # one of two this week
    for day in (0, 1):  # met this week already
        await record_day(store, guild, 3, MON + timedelta(day), weekly_target=2)
    for user, way in ((1, "channel"), (2, "dm"), (3, "channel"), (4, "channel")):
        await preferences.set_reminders(services, guild, user, True, via=way)
    await pausing.pause(services, guild, 4, 1)  # paused: left alone
    # 5 did not opt in.
    found = await store.read(
        lambda tx: weekly.members_at_risk(tx, tx_guild(tx, guild), WED_NOON, services.default_zone)
    )
    assert [(m.user_id, m.via, m.streak, m.needed) for m in found] == [
        (1, "channel", 2, 2),
        (2, "dm", 2, 1),
    ]


def weekly_text(summary, monday: date) -> str:
    from bot.core import recap

    return "\n".join(recap.compose(summary, monday))


def tx_guild(tx, guild_id: int):
    from bot.store.sql import settings as settings_sql

    return settings_sql.guild_config(tx, guild_id)


async def test_the_recap_sums_up_the_week_that_ended(store: Store):
    guild = next(_guilds)
    services = make_services(store, lambda: WED_NOON)
    await server.set_goal(services, guild, 5)
    last_week = MON - timedelta(weeks=1)
    for day in range(3):
        await record_day(store, guild, 1, last_week + timedelta(day))
    await record_day(store, guild, 2, last_week - timedelta(weeks=1))  # a streak of 1 before
    await record_day(store, guild, 2, last_week + timedelta(2))
    await record_day(store, guild, 3, last_week + timedelta(4))  # a newcomer
    await record_day(store, guild, 4, MON)  # this week: not in last week's recap
    summary = await store.read(
        lambda tx: weekly.recap_summary(tx, tx_guild(tx, guild), last_week, "UTC")
    )
    assert summary.week == week_index(last_week)
    assert (summary.total, summary.goal, summary.goal_met) == (5, 5, True)
    assert summary.leaders == [(3, [1]), (1, [2, 3])]
    assert (summary.new_bests, summary.kept) == ([], [(2, 2)])  # a first streak: kept
    assert summary.newcomers == [1, 3]
    parts = await store.read(
        lambda tx: weekly.recap_parts(tx, tx_guild(tx, guild), last_week, "UTC")
    )
    assert parts and all(p.user_ids == () and p.role_id is None for p in parts)
    assert "Leg day recap" in parts[0].content and "<@1>" in parts[0].content
    assert weekly.recapped_monday(MON + timedelta(days=6)) == last_week
    assert weekly.recapped_monday(MON) == last_week


async def test_the_recap_reports_a_shield_spent(store: Store):
    guild = next(_guilds)
    services = make_services(store, lambda: WED_NOON)
    start = MON - timedelta(weeks=5)
    for week in range(4):  # four met weeks earn a shield; the fifth (last week) ends unmet
        await record_day(store, guild, 1, start + timedelta(weeks=week))
    await record_day(store, guild, 1, MON)
    last_week = MON - timedelta(weeks=1)
    summary = await store.read(
        lambda tx: weekly.recap_summary(tx, tx_guild(tx, guild), last_week, "UTC")
    )
    assert summary.shields_used == [(1, 4)]
    assert "used a shield" in weekly_text(summary, last_week)
    report = await checkins.member_report(services, guild, 1)
    assert (report.current_streak, report.shields) == (5, 0)


async def test_risk_and_recap_moments_are_stored_and_armed(store: Store):
    guild = next(_guilds)
    services = make_services(store, lambda: WED_NOON)
    configured = await server.set_recap(services, guild, CHANNEL, 0, time(9, 0))
    assert (configured.recap_channel_id, configured.recap_day, configured.recap_time) == (
        CHANNEL,
        0,
        time(9, 0),
    )
    risk_off = await server.set_risk(services, guild, None, time(18, 0))
    assert risk_off.risk_day is None
    off = await server.recap_off(services, guild)
    assert off.recap_channel_id is None
    weekly_poster = services.weekly
    assert isinstance(weekly_poster, RecordingWeekly)
    assert [g.recap_channel_id for g in weekly_poster.armed] == [CHANNEL, CHANNEL, None]
