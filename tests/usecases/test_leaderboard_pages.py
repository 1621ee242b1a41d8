"""Leaderboard pages: whose "today" picks the week, ranks across a page break, ties, and
the caller's own rank when they are not on the page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.core.days import Period
from bot.core.ranking import Page, Ranked
from bot.store import BoardRow, Store
from bot.store.sql import settings as settings_sql
from bot.usecases.leaderboards import leaderboard_page
from tests.support import make_services, record_day

# 03:00 UTC on Monday 1 June is still Sunday 31 May in Los Angeles: the server's week there
# is 25-31 May, while in UTC a new, empty week has begun.
NOW = datetime(2026, 6, 1, 3, 0, tzinfo=UTC)
LA_WEEK = [date(2026, 5, 25) + timedelta(days=i) for i in range(7)]


async def fill(store: Store, guild: int) -> None:
    """101 met 5 days of the week, 102 met 4, and 103-112 one day each (some with older
    check-ins too, so their totals differ although their week scores tie)."""
    for user, days_ in ((101, LA_WEEK[:5]), (102, LA_WEEK[:4])):
        for day in days_:
            await record_day(store, guild, user, day)
    for user in range(103, 113):
        await record_day(store, guild, user, LA_WEEK[6])
        for back in range(user % 3):
            await record_day(store, guild, user, date(2026, 4, 1) + timedelta(days=back))


async def test_the_servers_zone_picks_the_week_and_ranks_run_across_pages(store: Store):
    await store.run(lambda tx: settings_sql.set_guild_timezone(tx, 1, "America/Los_Angeles"))
    await fill(store, 1)
    services = make_services(store, lambda: NOW)  # the bot's default zone is UTC

    first = await leaderboard_page(services, 1, Period.WEEK, 0, caller_id=112)
    assert first.period is Period.WEEK
    assert (first.page.number, first.page.total_pages) == (0, 2)
    assert [(r.rank, r.item.user_id, r.item.score) for r in first.page.entries] == [
        (1, 101, 5),
        (2, 102, 4),
        *((3, user, 1) for user in range(103, 111)),
    ]
    # Period boards carry only the score; the caller's rank comes from who is ahead.
    assert first.caller == Ranked(3, BoardRow(112, 1))
    assert first.caller_on_page is False

    second = await leaderboard_page(services, 1, Period.WEEK, 1, caller_id=101)
    assert (second.page.number, second.page.total_pages) == (1, 2)
    assert [(r.rank, r.item.user_id) for r in second.page.entries] == [(3, 111), (3, 112)]
    assert second.caller is not None and (second.caller.rank, second.caller.item.user_id) == (
        1,
        101,
    )
    assert second.caller_on_page is False

    mine = await leaderboard_page(services, 1, Period.WEEK, 0, caller_id=102)
    assert mine.caller == mine.page.entries[1] and mine.caller_on_page is True


async def test_without_a_server_zone_the_bots_default_zone_picks_the_week(store: Store):
    await fill(store, 2)
    services = make_services(store, lambda: NOW, default_zone="America/Los_Angeles")
    board = await leaderboard_page(services, 2, Period.WEEK, 0, caller_id=101)
    assert [r.item.user_id for r in board.page.entries][:2] == [101, 102]
    assert board.page == Page(0, 2, board.page.entries)


async def test_streak_ties_are_broken_by_best_then_total(store: Store):
    services = make_services(store, lambda: NOW)
    this_week = date(2026, 5, 26)
    # Both are on a one-week streak; 201 once had three weeks in a row.
    for day in (date(2026, 4, 7), date(2026, 4, 14), date(2026, 4, 21), this_week):
        await record_day(store, 3, 201, day)
    await record_day(store, 3, 202, this_week)
    board = await leaderboard_page(services, 3, Period.STREAK, 0, caller_id=202)
    assert [(r.rank, r.item.user_id, r.item.score, r.item.best) for r in board.page.entries] == [
        (1, 201, 1, 3),
        (2, 202, 1, 1),
    ]
