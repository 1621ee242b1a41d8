"""Check-ins, undo and the member report: "today" is the member's own zone, else the
server's, else the bot's default, and the report is exactly what was recorded."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.core.days import week_index
from bot.core.streaks import StreakState
from bot.store import Store
from bot.store.sql import settings as settings_sql
from bot.usecases import checkins
from bot.usecases.checkins import CheckinOutcome, MemberReport, PeriodCounts
from bot.usecases.services import Services
from tests.support import make_services
from tests.usecases.test_summaries_exact import expected, stored

# 20:00 UTC on Sunday 22 November: Sunday evening in Paris, already Monday in Tokyo.
NOW = datetime(2026, 11, 22, 20, 0, tzinfo=UTC)
SUNDAY = date(2026, 11, 22)
MONDAY = date(2026, 11, 23)
PARIS_SERVER = 1  # its own zone: Paris; weekly target 2
NO_ZONE_SERVER = 2
OWN_ZONE = 10  # a member in Tokyo
FOLLOWS_SERVER = 20
NOBODY = 30


@pytest.fixture
async def services(store: Store) -> Services:
    def setup(tx):
        settings_sql.set_guild_timezone(tx, PARIS_SERVER, "Europe/Paris")
        settings_sql.set_weekly_target(tx, PARIS_SERVER, 2)
        settings_sql.set_member(tx, PARIS_SERVER, OWN_ZONE, "timezone", "Asia/Tokyo")
        settings_sql.set_member(tx, PARIS_SERVER, FOLLOWS_SERVER, "hidden", True)

    await store.run(setup)
    return make_services(store, lambda: NOW, default_zone="Asia/Tokyo")


@pytest.mark.parametrize(
    ("guild", "user", "today", "target"),
    [
        (PARIS_SERVER, OWN_ZONE, MONDAY, 2),  # the member's Tokyo, not the server's Paris
        (PARIS_SERVER, FOLLOWS_SERVER, SUNDAY, 2),  # the server's Paris, not the default
        (NO_ZONE_SERVER, NOBODY, MONDAY, 1),  # the bot's default Tokyo, not UTC
    ],
)
async def test_today_is_in_the_nearest_zone_known(services, store, guild, user, today, target):
    outcome = await checkins.check_in(services, guild, user, note="squats", source="command")
    # The streak's expiry is written in the same zone (it matters where a week is met).
    assert await stored(store, guild) == await expected(store, guild, "Asia/Tokyo")
    week = week_index(today)
    met = target == 1  # one check-in meets a target of 1, not of 2
    assert outcome == CheckinOutcome(
        True,
        today,
        today,
        target,
        StreakState(1, today, week, 1, int(met), week if met else None, int(met), in_row=int(met)),
    )
    report = await checkins.member_report(services, guild, user)
    assert report == MemberReport(
        hidden=user == FOLLOWS_SERVER,
        counts=PeriodCounts(1, 1, 1, NOW),
        current_streak=int(target == 1),
        best_streak=int(target == 1),
        total=1,
        target=target,
        shield_every=4,
        pause_cap=6,
    )
    undone = await checkins.undo_today(services, guild, user)
    assert undone is not None
    assert (undone.created, undone.day, undone.today, undone.target) == (
        False,
        today,
        today,
        target,
    )
    assert undone.stats == StreakState()
    assert await checkins.undo_today(services, guild, user) is None
    assert await checkins.member_report(services, guild, user) == MemberReport(
        hidden=user == FOLLOWS_SERVER,
        counts=PeriodCounts(0, 0, 0, None),
        current_streak=0,
        best_streak=0,
        total=0,
        target=target,
        shield_every=4,
        pause_cap=6,
    )


async def test_undo_writes_the_remaining_streaks_expiry_in_the_members_zone(services, store):
    # Last week's two check-ins (the target) stay after the undo: the streak's expiry is
    # recomputed in the member's own Tokyo, as rebuilding from history would give it.
    for day in ("2026-11-16", "2026-11-17"):
        await checkins.check_in(services, PARIS_SERVER, OWN_ZONE, source="command", day_text=day)
    await checkins.check_in(services, PARIS_SERVER, OWN_ZONE, source="command")
    undone = await checkins.undo_today(services, PARIS_SERVER, OWN_ZONE)
    assert undone is not None and (undone.stats.total, undone.stats.run) == (2, 1)
    assert await stored(store, PARIS_SERVER) == await expected(store, PARIS_SERVER, "Asia/Tokyo")
